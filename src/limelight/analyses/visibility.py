"""Visibility: how often, how prominently and with what share each watched entity appears per period.

One row per (period, entity) with at least one mention. Periods start on the bucket's first day
(ISO weeks, Monday to Sunday) in the report's time zone (``report.timezone`` or ``--timezone``; UTC
by default): a Beijing article from 01:30 on a Monday counts for Monday with Asia/Shanghai (or
``local``, the publisher's own date) and for Sunday in UTC. The shared scope options (since, until,
language, source, kind) narrow the documents, the share of voice's totals included.

Everything is computed in one DuckDB query; the watchlist travels as list parameters, so the
analysis needs nothing from the store beyond ``query``.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from limelight.analyses.base import DOCUMENT_KINDS, SCOPE_OPTIONS, AnalysisResult, Option, Scope, evidence_option, top_n
from limelight.models import MENTION_ROLES
from limelight.registry import Registry
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

_ROLE_COUNTS = ",\n".join(f"count(*) FILTER (WHERE role = '{r}') AS {r}" for r in MENTION_ROLES)
_ROLE_SUMS = ",\n".join(f"CAST(sum({r}) AS BIGINT) AS {r}" for r in MENTION_ROLES)
_ROLE_COLUMNS = ", ".join(f"a.{r}" for r in MENTION_ROLES)

# The mentions in scope: watched entities only, filtered by role, on dated documents in the
# report's scope. The period is computed once per document (not per mention) and the story joins run
# after mentions are folded per document: both keep the query close to one scan of ``mentions``.
_SCOPE = """
WITH
watched AS (SELECT unnest(?::VARCHAR[]) AS entity_id),
targets AS (SELECT unnest(?::VARCHAR[]) AS entity_id, unnest(?::VARCHAR[]) AS target_id),
weights AS (SELECT unnest(?::VARCHAR[]) AS role, unnest(?::DOUBLE[]) AS weight),
-- the story a document belongs to: its cluster, else the original it republishes, else itself
originals AS (SELECT from_id, min(to_id) AS to_id FROM attributions WHERE to_id IS NOT NULL GROUP BY from_id),
docs AS (
    SELECT d.id, d.published_at, coalesce(st.story_id, o.to_id, d.id) AS story,
           {period} AS period
    FROM documents AS d
    LEFT JOIN stories AS st ON st.document_id = d.id
    LEFT JOIN originals AS o ON o.from_id = d.id
    WHERE d.published_at IS NOT NULL AND {scope}
),
dated AS (
    SELECT m.document_id, m.entity_id, m.role, coalesce(w.weight, 1.0) AS weight, d.published_at, d.period,
           d.story
    FROM mentions AS m
    JOIN docs AS d ON d.id = m.document_id
    LEFT JOIN weights AS w ON w.role = m.role
    WHERE m.entity_id IN (SELECT entity_id FROM watched)
      AND (?::VARCHAR IS NULL OR m.role = ?)
)
"""

_TABLE = """
,
-- share of voice is against every watched entity's mentions, counted once each (no roll-up)
totals AS (SELECT period, count(*) AS n, sum(weight) AS w FROM dated GROUP BY period),
-- One row per (period, target, document). Grouping on a 64-bit hash of the id instead of the
-- string is several times cheaper at a million mentions; two ids share a hash with probability
-- about n²/2⁶⁵ (3·10⁻⁸ for a million documents), and then only these counts, not the data, merge.
per_doc AS (
    SELECT period, t.target_id, hash(document_id) AS doc_key, any_value(document_id) AS document_id,
           any_value(story) AS story, count(*) AS n, sum(weight) AS w, min(published_at) AS published_at,
           {role_counts}
    FROM dated JOIN targets AS t USING (entity_id)
    GROUP BY period, t.target_id, doc_key
),
agg AS (
    SELECT period, target_id, CAST(sum(n) AS BIGINT) AS mentions, count(*) AS documents,
           count(DISTINCT hash(story)) AS stories,
           {role_sums},
           sum(w) AS weighted_score,
           -- evidence: the documents where the entity is most prominent first, then the earliest;
           -- a bounded top-n per group, never a sorted list of every document
           min_by(document_id, {{'w': -w, 'at': published_at, 'id': document_id}}, ?) AS evidence
    FROM per_doc GROUP BY period, target_id
),
names AS (SELECT unnest(?::VARCHAR[]) AS target_id, unnest(?::VARCHAR[]) AS entity_name)
SELECT a.period, a.target_id AS entity_id, names.entity_name, a.mentions, a.documents, a.stories,
       {role_columns}, a.weighted_score,
       {share} AS share_of_voice,
       list_slice(a.evidence, 1, ?) AS evidence
FROM agg AS a JOIN totals AS t USING (period) JOIN names USING (target_id)
ORDER BY a.period, a.target_id
"""

# Undated documents cannot be placed in a period: counted apart so the note can say how many
# (with since/until in the scope they are out of it anyway).
_UNDATED = """
SELECT count(DISTINCT m.document_id) AS n
FROM mentions AS m JOIN documents AS d ON d.id = m.document_id
WHERE d.published_at IS NULL
  AND m.entity_id IN (SELECT unnest(?::VARCHAR[]))
  AND (?::VARCHAR IS NULL OR m.role = ?)
  AND {scope}
"""


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
    requires: tuple[str, ...] = ("documents", "mentions")
    provides: tuple[str, ...] = ("visibility",)
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
        opts["include_children"] = bool(opts["include_children"])
        opts["weighted"] = bool(opts["weighted"])
        selected = [watchlist.get(opts["entity"])] if opts["entity"] else list(watchlist.entities)
        members, targets = watchlist.members(selected, opts["include_children"])

        scope_params: list[Any] = [
            [e.id for e in watchlist.entities], members, targets,
            list(ROLE_WEIGHTS), list(ROLE_WEIGHTS.values()), opts["role"], opts["role"],
        ]
        cte = _SCOPE.format(period=scope.period(opts["by"]), scope=scope.where())
        share = "a.weighted_score / t.w" if opts["weighted"] else "CAST(a.mentions AS DOUBLE) / t.n"
        sql = cte + _TABLE.format(role_counts=_ROLE_COUNTS, role_sums=_ROLE_SUMS,
                                    role_columns=_ROLE_COLUMNS, share=share)
        limit = opts["evidence_limit"]
        table: pa.Table = store.query(sql, [
            *scope_params, top_n(limit), [e.id for e in selected], [e.name for e in selected], limit,
        ])
        undated = int(store.query(_UNDATED.format(scope=scope.where()), [members, opts["role"], opts["role"]])
                      .column("n")[0].as_py())
        notes: list[str] = []
        if undated:
            notes.append(f"{undated:,} document{'s' if undated != 1 else ''} without a date "
                         f"{'were' if undated != 1 else 'was'} left out")
        return AnalysisResult(name=self.name, table=table, options=opts, notes=tuple(notes))


def register(registry: Registry) -> None:
    registry.register("analysis", Visibility())
