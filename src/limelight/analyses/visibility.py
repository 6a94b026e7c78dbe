"""Visibility: how often, how prominently and with what share each watched entity appears per period.

One row per (period, entity) with at least one mention. Periods start on the bucket's first day
(ISO weeks, Monday to Sunday) in the report's time zone (``report.timezone`` or ``--timezone``; UTC
by default): a Beijing article from 01:30 on a Monday counts for Monday with Asia/Shanghai (or
``local``, the publisher's own date) and for Sunday in UTC. The shared scope options (since, until,
language, source, kind) narrow the documents, the share of voice's totals included.

Everything is computed in one store read (``visibility.counts``); the watchlist travels as list
parameters, so the analysis needs nothing from the store beyond its named reads.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from limelight.analyses.base import DOCUMENT_KINDS, SCOPE_OPTIONS, AnalysisResult, Option, Scope, evidence_option
from limelight.models import MENTION_ROLES
from limelight.registry import Registry, check_store
from limelight.store.base import Store
from limelight.timeseries.series import resolve
from limelight.watchlist import Watchlist

# How much one mention in a role counts towards ``weighted_score``: a headline is seen by everyone
# who sees the article, a lead by most readers, a body mention by few. A role not listed weighs 1.
ROLE_WEIGHTS: dict[str, float] = {
    "headline": 3.0,
    "lead": 2.0,
    "quoted": 2.0,
    "speaking": 2.5,
    "caption": 1.5,
    "audience": 1.0,
    "body": 1.0,
}
PERIODS = ("day", "week", "month")
__all__ = ["DOCUMENT_KINDS", "PERIODS", "ROLE_WEIGHTS", "Visibility"]


class Visibility:
    name = "visibility"
    version = "1"
    title = "Visibility over time"
    description = (
        "Mentions, documents, unique stories (a republication or translation counts once), role counts, "
        "a role-weighted score and share of voice per entity and "
        "day, week or month, with the documents behind each row. Share of voice divides an entity's "
        "mentions (or weighted score, with weighted) by all watched entities' in the period; with "
        "include_children a parent's row adds its children's mentions, so shares can sum above 1."
    )
    requires: tuple[str, ...] = ("documents", "mentions", "stories", "attributions", "sources")
    provides: tuple[str, ...] = ("visibility",)
    reads: tuple[str, ...] = ("visibility.counts", "visibility.undated")
    options: tuple[Option, ...] = (
        Option("by", "week", "Period length.", PERIODS),
        Option("entity", None, "Only this entity id (default: every watched entity)."),
        Option("include_children", False, "Count children's mentions (e.g. a CEO's) for their parent too."),
        Option("role", None, "Only mentions in this role.", MENTION_ROLES),
        Option("weighted", False, "Share of voice from role-weighted scores instead of mention counts."),
        evidence_option(),
        *SCOPE_OPTIONS,
    )

    def run(self, store: Store, watchlist: Watchlist, **options: Any) -> AnalysisResult:
        opts = resolve(self.name, self.options, options, ints=("evidence_limit",))
        scope = Scope.from_options(self.name, opts)
        check_store(self, store)
        opts["include_children"] = bool(opts["include_children"])
        opts["weighted"] = bool(opts["weighted"])
        selected = [watchlist.get(opts["entity"])] if opts["entity"] else list(watchlist.entities)
        members, targets = watchlist.members(selected, opts["include_children"])

        table: pa.Table = store.read(
            "visibility.counts", watched=[e.id for e in watchlist.entities], members=members, targets=targets,
            entity_ids=[e.id for e in selected], entity_names=[e.name for e in selected], weights=ROLE_WEIGHTS,
            role=opts["role"], by=opts["by"], weighted=opts["weighted"], evidence_limit=opts["evidence_limit"],
            scope=scope)
        undated = int(store.read("visibility.undated", members=members, role=opts["role"], scope=scope)
                      .column("n")[0].as_py())
        notes: list[str] = []
        if undated:
            notes.append(f"{undated:,} document{'s' if undated != 1 else ''} without a date "
                         f"{'were' if undated != 1 else 'was'} left out")
        return AnalysisResult(name=self.name, table=table, options=opts, notes=tuple(notes))


def register(registry: Registry) -> None:
    registry.register("analysis", Visibility())
