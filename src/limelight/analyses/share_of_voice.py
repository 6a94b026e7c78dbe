"""Share of voice inside an organisation's family and against its competitors, per article and per story.

For each focal organisation (``entity``, default: every entity with children or competitors) two
groups are compared per period:

- ``children``: the organisation's children in the watchlist (its CEO, segments, products);
- ``competitors``: the organisation itself and its ``competitors``.

Each member gets its number of *articles* (documents mentioning it) and of *unique stories*: a
republished or translated story counts once. A document's story is its ``stories`` cluster when the
link stage made one, else the original its attribution line points at (the ``attributions`` view),
else the document itself. Shares divide a member's count by the sum over the group's members in the
period, so they add up to 1 within a group (a document that names two members counts for both).
Periods are days, ISO weeks or months in the report's time zone; the shared scope options narrow
the documents every count (and so every share's denominator) is made of.
"""

from __future__ import annotations

from typing import Any

from limelight.analyses.base import SCOPE_OPTIONS, AnalysisResult, Option, Scope, evidence_option, top_n
from limelight.registry import Registry
from limelight.store.base import Store
from limelight.timeseries.series import resolve
from limelight.watchlist import Watchlist

PERIODS = ("day", "week", "month")

_SQL = """
WITH grp AS (SELECT unnest(?::VARCHAR[]) AS focal, unnest(?::VARCHAR[]) AS "group",
                    unnest(?::VARCHAR[]) AS entity_id),
orig AS (SELECT from_id, min(to_id) AS to_id FROM attributions WHERE to_id IS NOT NULL GROUP BY from_id),
per_doc AS (
    SELECT DISTINCT m.entity_id, m.document_id
    FROM mentions AS m WHERE m.entity_id IN (SELECT entity_id FROM grp)
),
scoped AS (
    SELECT g.focal, g."group", p.entity_id, p.document_id, d.published_at,
           coalesce(st.story_id, orig.to_id, p.document_id) AS story,
           {period} AS period
    FROM per_doc AS p JOIN grp AS g USING (entity_id)
    JOIN documents AS d ON d.id = p.document_id
    LEFT JOIN stories AS st ON st.document_id = p.document_id
    LEFT JOIN orig ON orig.from_id = p.document_id
    WHERE d.published_at IS NOT NULL AND {scope}
),
agg AS (
    SELECT focal, "group", period, entity_id, count(*) AS articles, count(DISTINCT story) AS stories,
           -- evidence: the earliest documents; min_by keeps n without sorting the whole group
           list_slice(min_by(document_id, published_at, ?), 1, ?) AS evidence
    FROM scoped GROUP BY ALL
)
SELECT focal AS organisation, "group", period, entity_id, articles, stories,
       articles / sum(articles) OVER w AS article_share,
       stories / sum(stories) OVER w AS story_share,
       evidence
FROM agg
WINDOW w AS (PARTITION BY focal, "group", period)
ORDER BY organisation, "group", period, entity_id
"""


class ShareOfVoice:
    name = "share_of_voice"
    version = "1"
    title = "Share of voice: family and competitors"
    description = (
        "Per period, each child's share of an organisation's family coverage and each competitor's "
        "share against the organisation, counted per article and per unique story (republications "
        "and translations count once)."
    )
    requires: tuple[str, ...] = ("documents", "mentions", "stories", "attributions")
    provides: tuple[str, ...] = ("share_of_voice",)
    options: tuple[Option, ...] = (
        Option("entity", None, "The organisation (default: every entity with children or competitors)."),
        Option("by", "week", "Period length.", PERIODS),
        evidence_option(),
        *SCOPE_OPTIONS,
    )

    def run(self, store: Store, watchlist: Watchlist, **options: Any) -> AnalysisResult:
        opts = resolve(self.name, self.options, options, ints=("evidence_limit",))
        scope = Scope.from_options(self.name, opts)
        focal = [watchlist.get(opts["entity"])] if opts["entity"] else [
            e for e in watchlist.entities if e.competitors or watchlist.children(e.id)]
        known = {e.id for e in watchlist.entities}
        rows: list[tuple[str, str, str]] = []
        notes: list[str] = []
        for org in focal:
            for child in watchlist.children(org.id):
                rows.append((org.id, "children", child.id))
            missing = [c for c in org.competitors if c not in known]
            if missing:
                notes.append(f"{org.id}: competitors not in the watchlist were left out: {', '.join(missing)}")
            rivals = [c for c in org.competitors if c in known]
            if rivals:
                for member in (org.id, *rivals):
                    rows.append((org.id, "competitors", member))
        if not rows:
            notes.append("no organisation with children or competitors in the watchlist")
        table = store.query(_SQL.format(period=scope.period(opts["by"]), scope=scope.where()), [
            [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
            top_n(opts["evidence_limit"]), opts["evidence_limit"],
        ])
        return AnalysisResult(self.name, table, opts, tuple(notes))


def register(registry: Registry) -> None:
    registry.register("analysis", ShareOfVoice())
