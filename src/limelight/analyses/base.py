"""Analyses: registered, self-describing computations that return a table plus its evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa

from limelight.store.base import Store
from limelight.watchlist import Watchlist


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    default: Any
    help: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnalysisResult:
    """``table`` has one row per answer; its ``evidence`` column (or ``evidence`` map) holds the
    document ids behind each number, so every figure can be traced back to articles."""

    name: str
    table: pa.Table
    options: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@runtime_checkable
class Analysis(Protocol):
    name: str
    version: str
    title: str
    description: str
    requires: tuple[str, ...]  # store tables it reads
    provides: tuple[str, ...]
    options: tuple[Option, ...]

    def run(self, store: Store, watchlist: Watchlist, **options: Any) -> AnalysisResult: ...
