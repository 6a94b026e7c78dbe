"""Tone over time: how coverage of each watched entity feels, per period, from its scored mentions.

One row per (period, entity) with at least one scored mention (``limelight tone apply`` scores them):
the mean tone of the mentions in [-1, 1], the shares of negative, neutral and positive mentions, the
number of documents behind them, and as evidence the documents with the most negative mentions
first (the ones an analyst reads to see *why* the tone fell). A mention's label is the one rule
of :mod:`limelight.tone.labels` (negative below −0.2, positive above 0.2), read from its score, so
the shares always agree with the mean; a mention with a label and no score keeps its label. Periods
are days, ISO weeks or months in the report's time zone, as in visibility, and the shared scope
options narrow the documents. With ``include_children`` a parent's row folds in its descendants'
mentions (a company with its CEO and products).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from limelight.analyses.base import SCOPE_OPTIONS, AnalysisResult, Option, Scope, evidence_option
from limelight.registry import Registry, check_store
from limelight.store.base import Store
from limelight.timeseries.series import resolve
from limelight.watchlist import Watchlist

PERIODS = ("day", "week", "month")


class ToneOverTime:
    name = "tone"
    version = "1"
    title = "Tone over time"
    description = (
        "Mean tone and negative/neutral/positive shares of each entity's scored mentions per day, week "
        "or month, with the documents of the most negative mentions as evidence (run `limelight tone "
        "apply` first)."
    )
    requires: tuple[str, ...] = ("documents", "mentions", "sources")
    provides: tuple[str, ...] = ("tone_over_time.periods",)
    reads: tuple[str, ...] = ("tone_over_time.periods",)
    options: tuple[Option, ...] = (
        Option("by", "week", "Period length.", PERIODS),
        Option("entity", None, "Only this entity id (default: every watched entity)."),
        Option("include_children", False, "Fold each entity's descendants' mentions into its rows."),
        evidence_option(),
        *SCOPE_OPTIONS,
    )

    def run(self, store: Store, watchlist: Watchlist, **options: Any) -> AnalysisResult:
        opts = resolve(self.name, self.options, options, ints=("evidence_limit",))
        scope = Scope.from_options(self.name, opts)
        check_store(self, store)
        selected = [watchlist.get(opts["entity"])] if opts["entity"] else list(watchlist.entities)
        members, targets = watchlist.members(selected, bool(opts["include_children"]))
        # three mentions per listed document: several mentions of one document fold into one entry
        table: pa.Table = store.read(
            "tone_over_time.periods", members=members, targets=targets, entity_ids=[e.id for e in selected],
            entity_names=[e.name for e in selected], by=opts["by"], evidence_mentions=opts["evidence_limit"] * 3,
            scope=scope)
        limit = opts["evidence_limit"]
        evidence = pa.array([list(dict.fromkeys(docs))[:limit] for docs in table.column("evidence").to_pylist()],
                            pa.list_(pa.string()))
        table = table.set_column(table.schema.get_field_index("evidence"), "evidence", evidence)
        notes: tuple[str, ...] = ()
        if table.num_rows == 0:
            notes = (*notes, "no scored mentions" + (" in this scope" if scope.narrowed else "")
                     + ": run `limelight tone apply` first")
        return AnalysisResult(self.name, table, opts, notes)


def register(registry: Registry) -> None:
    registry.register("analysis", ToneOverTime())
