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
from limelight.registry import Registry, check_store
from limelight.store.base import Store
from limelight.timeseries.series import resolve
from limelight.watchlist import Watchlist

PERIODS = ("day", "week", "month")


class CopiedPosts:
    name = "copied_posts"
    version = "1"
    title = "Copied official posts per account"
    description = (
        "Per watched account (watchlist accounts) and day, week or month: posts, reposts, posts that copy "
        "or lightly reword an earlier post of an official account (copies_official links from `limelight "
        "link`), the copies' share of all posts, and the (post id, official post id) pairs as evidence."
    )
    requires: tuple[str, ...] = ("documents", "sources", "links", "stories")
    provides: tuple[str, ...] = ("copied_posts",)
    reads: tuple[str, ...] = ("copied_posts.counts", "copied_posts.link_state")
    options: tuple[Option, ...] = (
        Option("by", "week", "Period length.", PERIODS),
        Option("account", None, "Only this entity id or account handle."),
        evidence_option(20, "(post, official post) pairs listed per row"),
        *SCOPE_OPTIONS,
    )

    def run(self, store: Store, watchlist: Watchlist, **options: Any) -> AnalysisResult:
        opts = resolve(self.name, self.options, options, ints=("evidence_limit",))
        scope = Scope.from_options(self.name, opts)
        check_store(self, store)
        limit = opts["evidence_limit"]
        accounts = [(e.id, a.platform.lower(), a.handle.lower()) for e in watchlist.entities for a in e.accounts]
        account = opts["account"]
        if account is not None:
            account = str(account)
        table = _pairs(store.read("copied_posts.counts", accounts=accounts, account=account, by=opts["by"],
                                 evidence_limit=limit, scope=scope))
        notes: list[str] = []
        if not accounts:
            notes.append("the watchlist names no accounts (add accounts = [...] to an entity)")
        elif not any(e.official_accounts for e in watchlist.entities):
            notes.append("the watchlist names no official accounts, so no post can copy one")
        state = store.read("copied_posts.link_state").to_pylist()[0]
        if table.num_rows and not state["copies"]:
            if state["linked"]:
                notes.append("`limelight link` found no post that copies an official post (copies are posts "
                             "within link.near_duplicate_threshold of an earlier official post)")
            else:
                notes.append("no copies_official links in the store: run `limelight link` first")
        return AnalysisResult(name=self.name, table=table, options=opts, notes=tuple(notes))


EVIDENCE = pa.list_(pa.struct([("post_id", pa.string()), ("official_id", pa.string())]))


def _pairs(table: pa.Table) -> pa.Table:
    """The read's two parallel evidence lists (copies, and the official posts they copy) as one
    ``evidence`` column of (post_id, official_id) pairs, last, where the lists were. A few rows per
    account and period, so plain Python is quick enough and easy to check."""
    posts = table.column("evidence_posts").to_pylist()
    officials = table.column("evidence_officials").to_pylist()
    evidence = pa.array([None if p is None else [{"post_id": x, "official_id": y} for x, y in zip(p, o, strict=True)]
                         for p, o in zip(posts, officials, strict=True)], EVIDENCE)
    return table.drop_columns(["evidence_posts", "evidence_officials"]).append_column("evidence", evidence)


def register(registry: Registry) -> None:
    registry.register("analysis", CopiedPosts())
