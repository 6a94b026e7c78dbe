"""Copied posts: how much of a watched account's output copies the company's official posts.

One row per (period, watched account) with at least one post: posts, reposts, copies of official
posts (``copies_official`` links from `limelight link`), the share of posts that are copies, and as
evidence the pairs (post id, official post id) behind the count. Periods are days, ISO weeks or
months in the report's time zone, as in visibility, and the shared scope options narrow the posts.
Run `limelight link` first; without it every count of copies is 0 and a note says so.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from limelight.analyses.base import SCOPE_OPTIONS, AnalysisResult, Option, Scope, evidence_option
from limelight.registry import Registry
from limelight.store.base import Store
from limelight.timeseries.series import resolve
from limelight.watchlist import Watchlist

PERIODS = ("day", "week", "month")

_SQL = """
WITH acc AS (SELECT unnest(?::VARCHAR[]) AS entity_id, unnest(?::VARCHAR[]) AS platform,
                    unnest(?::VARCHAR[]) AS handle),
posts AS (
    SELECT d.id, acc.entity_id, s.platform, s.handle, d.content_type, d.published_at,
           {period} AS period
    FROM documents AS d
    JOIN sources AS s ON s.id = d.source_id
    JOIN acc ON lower(s.platform) = acc.platform AND lower(s.handle) = acc.handle
    WHERE d.kind = 'post' AND d.published_at IS NOT NULL AND {scope}
),
-- one official original per copy: the link with the highest score (ties: smallest id)
copies AS (
    SELECT from_id, arg_max(to_id, score) AS official_id, max(score) AS score
    FROM links WHERE kind = 'copies_official' AND to_id IS NOT NULL GROUP BY from_id
)
SELECT p.period, p.entity_id, p.platform, p.handle,
       count(*) AS posts,
       count(*) FILTER (WHERE p.content_type = 'repost') AS reposts,
       count(c.from_id) AS copies,
       CAST(count(c.from_id) AS DOUBLE) / count(*) AS copy_share,
       list_slice(list({{'post_id': p.id, 'official_id': c.official_id}} ORDER BY p.published_at, p.id)
                  FILTER (WHERE c.from_id IS NOT NULL), 1, ?) AS evidence
FROM posts AS p LEFT JOIN copies AS c ON c.from_id = p.id
WHERE (?::VARCHAR IS NULL OR p.entity_id = ? OR lower(p.handle) = ?)
GROUP BY p.period, p.entity_id, p.platform, p.handle
ORDER BY p.period, p.entity_id, p.platform, p.handle
"""


# Whether `limelight link` has run (its story linker puts every document it saw into a cluster, and
# its links carry a link-… run id) and how many copies it found.
_LINK_STATE = """
SELECT (SELECT count(*) FROM links WHERE kind = 'copies_official') AS copies,
       (SELECT count(*) FROM stories) + (SELECT count(*) FROM links WHERE run_id LIKE 'link-%') > 0 AS linked
"""


class CopiedPosts:
    name = "copied_posts"
    version = "1"
    title = "Copied official posts per account"
    description = (
        "Per watched account (watchlist accounts) and day, week or month: posts, reposts, posts that copy "
        "or lightly reword an earlier post of an official account (copies_official links from `limelight "
        "link`), the copies' share of all posts, and the (post id, official post id) pairs as evidence."
    )
    requires: tuple[str, ...] = ("documents", "sources", "links")
    provides: tuple[str, ...] = ("copied_posts",)
    options: tuple[Option, ...] = (
        Option("by", "week", "Period length.", PERIODS),
        Option("account", None, "Only this entity id or account handle."),
        evidence_option(20, "(post, official post) pairs listed per row"),
        *SCOPE_OPTIONS,
    )

    def run(self, store: Store, watchlist: Watchlist, **options: Any) -> AnalysisResult:
        opts = resolve(self.name, self.options, options, ints=("evidence_limit",))
        scope = Scope.from_options(self.name, opts)
        limit = opts["evidence_limit"]
        accounts = [(e.id, a.platform.lower(), a.handle.lower()) for e in watchlist.entities for a in e.accounts]
        account = opts["account"]
        if account is not None:
            account = str(account)
        table: pa.Table = store.query(_SQL.format(period=scope.period(opts["by"]), scope=scope.where()), [
            [a[0] for a in accounts], [a[1] for a in accounts], [a[2] for a in accounts],
            limit, account, account, account.lower() if account else None,
        ])
        notes: list[str] = []
        if not accounts:
            notes.append("the watchlist names no accounts (add accounts = [...] to an entity)")
        elif not any(e.official_accounts for e in watchlist.entities):
            notes.append("the watchlist names no official accounts, so no post can copy one")
        state = store.query(_LINK_STATE).to_pylist()[0]
        if table.num_rows and not state["copies"]:
            if state["linked"]:
                notes.append("`limelight link` found no post that copies an official post (copies are posts "
                             "within link.near_duplicate_threshold of an earlier official post)")
            else:
                notes.append("no copies_official links in the store: run `limelight link` first")
        return AnalysisResult(name=self.name, table=table, options=opts, notes=tuple(notes))


def register(registry: Registry) -> None:
    registry.register("analysis", CopiedPosts())
