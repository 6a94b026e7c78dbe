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

from limelight.analyses.base import SCOPE_OPTIONS, AnalysisResult, Option, Scope, evidence_option, top_n
from limelight.registry import Registry
from limelight.store.base import Store
from limelight.timeseries.series import resolve
from limelight.tone.labels import label_sql
from limelight.watchlist import Watchlist

PERIODS = ("day", "week", "month")

_SQL = f"""
WITH targets AS (SELECT unnest(?::VARCHAR[]) AS entity_id, unnest(?::VARCHAR[]) AS target_id),
names AS (SELECT unnest(?::VARCHAR[]) AS target_id, unnest(?::VARCHAR[]) AS entity_name),
scored AS (
    -- the one labelling rule (limelight.tone.labels) on the score, the stored label without one
    SELECT t.target_id, m.document_id, m.tone, d.published_at,
           {label_sql("m.tone", "m.tone_label")} AS tone_label,
           {{period}} AS period
    FROM mentions AS m
    JOIN targets AS t ON t.entity_id = m.entity_id
    JOIN documents AS d ON d.id = m.document_id
    WHERE d.published_at IS NOT NULL AND (m.tone IS NOT NULL OR m.tone_label IS NOT NULL) AND {{scope}}
)
SELECT period, s.target_id AS entity_id, names.entity_name,
       count(*) AS mentions, count(DISTINCT document_id) AS documents,
       avg(tone) AS mean_tone,
       avg(CAST(tone_label = 'negative' AS DOUBLE)) AS negative_share,
       avg(CAST(tone_label = 'neutral' AS DOUBLE)) AS neutral_share,
       avg(CAST(tone_label = 'positive' AS DOUBLE)) AS positive_share,
       -- the most negative mentions' documents first; deduplicated in Python, keeping the order
       min_by(document_id, coalesce(tone, 0.0), ?) AS evidence
FROM scored AS s JOIN names USING (target_id)
GROUP BY period, s.target_id, names.entity_name
ORDER BY period, entity_id
"""


class ToneOverTime:
    name = "tone"
    version = "1"
    title = "Tone over time"
    description = (
        "Mean tone and negative/neutral/positive shares of each entity's scored mentions per day, week "
        "or month, with the documents of the most negative mentions as evidence (run `limelight tone "
        "apply` first)."
    )
    requires: tuple[str, ...] = ("documents", "mentions")
    provides: tuple[str, ...] = ("tone_over_time",)
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
        selected = [watchlist.get(opts["entity"])] if opts["entity"] else list(watchlist.entities)
        members, targets = watchlist.members(selected, bool(opts["include_children"]))
        # three mentions per listed document: several mentions of one document fold into one entry
        table: pa.Table = store.query(_SQL.format(period=scope.period(opts["by"]), scope=scope.where()), [
            members, targets, [e.id for e in selected], [e.name for e in selected], top_n(opts["evidence_limit"] * 3),
        ])
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
