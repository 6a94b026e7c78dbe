"""Enrichers work on one document at a time, so they run in worker processes.

``setup`` is called once per process (build automata, load models); ``__call__`` must then be
cheap to call millions of times.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from limelight.models import Enriched
from limelight.settings import Settings
from limelight.watchlist import Watchlist


@dataclass(frozen=True)
class EnrichContext:
    settings: Settings
    watchlist: Watchlist
    root: Path | None = None  # the project folder (project-relative files: trained models)


@runtime_checkable
class Enricher(Protocol):
    name: str
    version: str
    title: str
    requires: tuple[str, ...]  # e.g. ("document.text",) or ("document.language",)
    provides: tuple[str, ...]  # e.g. ("document.language",) or ("mentions",)

    def setup(self, ctx: EnrichContext) -> None: ...

    def __call__(self, item: Enriched) -> Enriched: ...
