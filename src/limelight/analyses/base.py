"""Analyses: registered, self-describing computations that return a table plus its evidence.

Every analysis declares its own options and the shared :data:`SCOPE_OPTIONS` (``since``, ``until``,
``language``, ``source``, ``kind``, ``timezone``). :meth:`Scope.from_options` reads and checks them
once (:mod:`limelight.scope`), and every read an analysis makes puts the one scope predicate on each
``documents`` row it reads, denominators included: a share of "all coverage" on ``--kind article``
is a share of the articles, not of every post of every account.

An analysis holds no SQL. It names the store reads it uses (``reads``, checked against the store
with :func:`limelight.registry.check_store` before it reads anything), declares the tables and views
those reads touch (``requires``), and passes plain values: ids, dates, the Scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa

from limelight.scope import DOCUMENT_KINDS, Scope
from limelight.store.base import Store
from limelight.watchlist import Watchlist

__all__ = ["DOCUMENT_KINDS", "SCOPE_NAMES", "SCOPE_OPTIONS", "Analysis", "AnalysisResult", "Option", "Scope",
           "evidence_documents", "evidence_option"]


@dataclass(frozen=True, slots=True)
class Option:
    """One declared option. ``min`` / ``max`` bound a number (checked before the analysis runs,
    with a usage error that says the range; the CLI shows it in --help)."""

    name: str
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None


def evidence_option(default: int = 5, what: str = "document ids listed as evidence per row") -> Option:
    """The ``evidence_limit`` option every analysis with evidence declares, with the same bounds."""
    return Option("evidence_limit", default, f"Most {what}.", min=0, max=10_000)


SCOPE_OPTIONS: tuple[Option, ...] = (
    Option("since", None, "Only documents published on or after this day, YYYY-MM-DD (in the report's time zone)."),
    Option("until", None, "Only documents published on or before this day, YYYY-MM-DD."),
    Option("language", None, "Only documents in these languages: ISO 639-1 codes, comma-separated (de,en)."),
    Option("source", None,
           "Only documents from these sources, comma-separated: an outlet's domain (reuters.com, with its "
           "subdomains) or platform/handle (x/realDonaldTrump; weibo/* for a whole platform)."),
    Option("kind", None, f"Only documents of these kinds, comma-separated: {', '.join(DOCUMENT_KINDS)}."),
    Option("timezone", None,
           "Time zone days and weeks are counted in: an IANA name (Europe/Berlin), or 'local' for each "
           "publisher's own UTC offset (default: the report.timezone setting, else UTC)."),
)
SCOPE_NAMES = frozenset(o.name for o in SCOPE_OPTIONS)

# How many characters of a title (or a post's text) an evidence label keeps.
_LABEL_CHARS = 80


def evidence_documents(store: Store, table: pa.Table) -> dict[str, str]:
    """"title (url)" for every document id in the table's evidence columns (lists of ids, or of
    structs whose ``*_id`` fields are ids), from the store; a post without a title shows the start
    of its text."""
    ids: dict[str, None] = {}
    for column in table.column_names:
        if "evidence" not in column and column not in ("documents", "origin_document"):
            continue
        for value in table.column(column).to_pylist():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    ids[item] = None
                elif isinstance(item, dict):
                    ids.update({v: None for k, v in item.items() if k.endswith("_id") and isinstance(v, str)})
    if not ids:
        return {}
    rows = store.read("core.document_labels", ids=list(ids), chars=_LABEL_CHARS).to_pylist()
    labels = {}
    for r in rows:
        title = " ".join(str(r["title"] or "").split())[:_LABEL_CHARS] or r["id"]
        labels[r["id"]] = f"{title} ({r['url']})" if r["url"] else title
    return labels


@dataclass(frozen=True)
class AnalysisResult:
    """``table`` has one row per answer; its ``evidence`` column (or ``evidence`` map) holds the
    document ids behind each number, so every figure can be traced back to articles.
    ``documents`` maps evidence ids to what a reader recognises ("title (url)"); the library API
    fills it, the table output shows it, JSON and CSV keep the ids."""

    name: str
    table: pa.Table
    options: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    documents: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class Analysis(Protocol):
    name: str
    version: str
    title: str
    description: str
    requires: tuple[str, ...]  # the store tables and views its reads touch
    provides: tuple[str, ...]
    # Also ``reads``: the named store reads it runs (limelight.store.reads). Not a member here, so
    # a third-party analysis written before reads existed still registers (check_store reads it
    # with getattr).
    options: tuple[Option, ...]  # its own and SCOPE_OPTIONS

    def run(self, store: Store, watchlist: Watchlist, **options: Any) -> AnalysisResult: ...
