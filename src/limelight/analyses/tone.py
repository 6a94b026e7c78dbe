"""Tone over time: how coverage of each watched entity feels, per period, from its scored mentions.

One row per (period, entity) with at least one scored mention (``limelight tone apply`` scores them):
the mean tone of the mentions in [-1, 1], the shares of negative, neutral and positive mentions, the
number of documents behind them, and as evidence the documents with the most negative mentions
first (the ones an analyst reads to see *why* the tone fell). Periods use the local publication
date, as visibility does. With ``include_children`` a parent's row folds in its descendants'
mentions (a company with its CEO and products).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from limelight.analyses.base import AnalysisResult, Option
from limelight.registry import Registry
from limelight.store.base import Store
from limelight.timeseries.series import LOCAL_DAY, resolve
from limelight.watchlist import Watchlist

PERIODS = ("day", "week", "month")

_SQL = f"""
WITH targets AS (SELECT unnest(?::VARCHAR[]) AS entity_id, unnest(?::VARCHAR[]) AS target_id),
names AS (SELECT unnest(?::VARCHAR[]) AS target_id, unnest(?::VARCHAR[]) AS entity_name),
scored AS (
    -- the label the enricher gave, else the tone read with the scorers' neutral band of ±0.2
    SELECT t.target_id, m.document_id, m.tone, d.published_at,
           coalesce(m.tone_label, CASE WHEN m.tone < -0.2 THEN 'negative' WHEN m.tone > 0.2 THEN 'positive'
                                       ELSE 'neutral' END) AS tone_label,
           CAST(date_trunc('{{by}}', {LOCAL_DAY}) AS DATE) AS period
    FROM mentions AS m
    JOIN targets AS t ON t.entity_id = m.entity_id
    JOIN documents AS d ON d.id = m.document_id
    WHERE d.published_at IS NOT NULL AND (m.tone IS NOT NULL OR m.tone_label IS NOT NULL)
)
SELECT period, s.target_id AS entity_id, names.entity_name,
       count(*) AS mentions, count(DISTINCT document_id) AS documents,
       avg(tone) AS mean_tone,
       avg(CAST(tone_label = 'negative' AS DOUBLE)) AS negative_share,
       avg(CAST(tone_label = 'neutral' AS DOUBLE)) AS neutral_share,
       avg(CAST(tone_label = 'positive' AS DOUBLE)) AS positive_share,
       -- the most negative mentions' documents first; deduplicated in Python, keeping the order
       min_by(document_id, coalesce(tone, 0.0), greatest(? * 3, 1)) AS evidence
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
        Option("evidence_limit", 5, "Most document ids listed as evidence per row."),
    )

    def run(self, store: Store, watchlist: Watchlist, **options: Any) -> AnalysisResult:
        opts = resolve(self.name, self.options, options, ints=("evidence_limit",))
        selected = [watchlist.get(opts["entity"])] if opts["entity"] else list(watchlist.entities)
        members, targets = watchlist.members(selected, bool(opts["include_children"]))
        table: pa.Table = store.query(_SQL.format(by=opts["by"]), [
            members, targets, [e.id for e in selected], [e.name for e in selected], opts["evidence_limit"],
        ])
        limit = opts["evidence_limit"]
        evidence = pa.array([list(dict.fromkeys(docs))[:limit] for docs in table.column("evidence").to_pylist()],
                            pa.list_(pa.string()))
        table = table.set_column(table.schema.get_field_index("evidence"), "evidence", evidence)
        notes: tuple[str, ...] = ()
        if table.num_rows == 0:
            notes = ("no scored mentions: run `limelight tone apply` first",)
        return AnalysisResult(self.name, table, opts, notes)


def register(registry: Registry) -> None:
    registry.register("analysis", ToneOverTime())
