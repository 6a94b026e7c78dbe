"""Posts by watched accounts that copy earlier official posts → ``copies_official`` links.

Watched accounts are the watchlist's ``accounts`` (a founder's Weibo, say); official accounts its
``official_accounts`` (the company's). A watched post copies an official post published up to
``WINDOW_DAYS`` before it when either

- **near-copy:** at least ``link.near_duplicate_threshold`` of the official post's shingles (token
  3-grams, characters for CJK) are in the watched post. Containment, not Jaccard: a copy usually
  adds a lead-in ("转给大家：") or an emoji, which lowers Jaccard but leaves the original whole; or
- **rewording / translation:** the embeddings of the two posts reach ``EMBED_THRESHOLD`` cosine.

Of several matching official posts the most similar wins, and among equals the most recent (an
official account repeats its template posts; the copy follows the latest). Reposts
(``content_type = 'repost'``) are left out: they name their original openly, copying does not.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

import numpy as np

from limelight.link.base import day_number, ensure_embeddings
from limelight.link.minhash import containment, shingles
from limelight.models import Account, Link
from limelight.registry import Registry
from limelight.settings import Settings
from limelight.store.base import Store
from limelight.watchlist import Watchlist

WINDOW_DAYS = 7.0
# Short posts on one company's topics are all alike to a small embedding model: two different
# official notices reach 0.9, and on the sample a founder's own post about an accident reached 0.953
# with the company's statement. Only a very high cosine says "the same message, reworded".
EMBED_THRESHOLD = 0.96
_SOCIAL_KINDS = ("post", "livestream")


@dataclass(frozen=True, slots=True)
class Post:
    id: str
    source_id: str
    day: float
    text: str


def _accounts_sql(accounts: list[Account]) -> tuple[str, list[Any]]:
    return ("(SELECT unnest(?::VARCHAR[]) AS platform, unnest(?::VARCHAR[]) AS handle)",
            [[a.platform.lower() for a in accounts], [a.handle.lower() for a in accounts]])


def load_posts(store: Store, accounts: list[Account], *, skip_reposts: bool) -> list[Post]:
    if not accounts:
        return []
    accs, params = _accounts_sql(accounts)
    repost = "AND coalesce(d.content_type, '') <> 'repost'" if skip_reposts else ""
    rows = store.query(f"""
        SELECT d.id, d.source_id, d.published_at, coalesce(d.title, '') || '\n' || d.text AS body
        FROM documents AS d JOIN sources AS s ON s.id = d.source_id
        JOIN {accs} AS a ON lower(s.platform) = a.platform AND lower(s.handle) = a.handle
        WHERE d.kind IN ('post', 'press_release') AND d.published_at IS NOT NULL {repost}
        ORDER BY d.published_at, d.id""", params).to_pylist()
    return [Post(r["id"], r["source_id"], day_number(r["published_at"]) or 0.0, r["body"].strip()) for r in rows]


def find_copies(watched: list[Post], official: list[Post], containment_threshold: float,
                vectors: dict[str, np.ndarray] | None = None, embed_threshold: float = EMBED_THRESHOLD,
                window_days: float = WINDOW_DAYS) -> list[Link]:
    """One link per watched post that copies an official post (pure function)."""
    official = sorted(official, key=lambda p: (p.day, p.id))
    days = [p.day for p in official]
    official_sets = [shingles(p.text) for p in official]
    links = []
    for post in watched:
        lo = bisect.bisect_left(days, post.day - window_days)
        hi = bisect.bisect_left(days, post.day)  # strictly earlier
        if lo >= hi:
            continue
        post_set = shingles(post.text)
        # (tier, score, day, index, how): any near-copy outranks any rewording, since a high cosine
        # between two short posts on one topic is weaker evidence than shared wording.
        best: tuple[int, float, float, int, str] | None = None
        for k in range(lo, hi):
            src = official[k]
            if src.source_id == post.source_id:
                continue
            score, how = containment(official_sets[k], post_set), "near-copy"
            if score < containment_threshold:
                score, how = 0.0, ""
                if vectors is not None and post.id in vectors and src.id in vectors:
                    cos = float(vectors[post.id] @ vectors[src.id])
                    if cos >= embed_threshold:
                        score, how = cos, "rewording"
            tier = 1 if how == "near-copy" else 0
            if how and (best is None or (tier, score, src.day) > best[:3]):
                best = (tier, score, src.day, k, how)
        if best is None:
            continue
        _, score, _, k, how = best
        evidence = (f"{how}: {score:.0%} of the official post's shingles are in this post" if how == "near-copy"
                    else f"{how}: embedding cosine {score:.3f} with the official post")
        links.append(Link(from_id=post.id, to_id=official[k].id, kind="copies_official", score=round(score, 4),
                          evidence=evidence))
    return links


def watched_and_official(watchlist: Watchlist) -> tuple[list[Account], list[Account]]:
    official = list(dict.fromkeys(a for e in watchlist.entities for a in e.official_accounts))
    watched = [a for a in dict.fromkeys(a for e in watchlist.entities for a in e.accounts) if a not in official]
    return watched, official


class CopiedPostsLinker:
    name = "copied_posts"
    version = "1"
    title = "Posts by watched accounts that copy earlier official posts → copies_official links"
    requires: tuple[str, ...] = ("documents", "sources", "watchlist.accounts", "watchlist.official_accounts")
    provides: tuple[str, ...] = ("links:copies_official",)

    def run(self, store: Store, settings: Settings, watchlist: Watchlist, run_id: str = "link") -> int:
        watched_accounts, official_accounts = watched_and_official(watchlist)
        watched = load_posts(store, watched_accounts, skip_reposts=True)
        official = load_posts(store, official_accounts, skip_reposts=False)
        if not watched or not official:
            return 0
        ids = [p.id for p in watched] + [p.id for p in official]
        got_ids, vectors, _ = ensure_embeddings(store, settings, "d.id IN (SELECT unnest(?::VARCHAR[]))", [ids])
        by_id = dict(zip(got_ids, vectors, strict=True))
        links = find_copies(watched, official, float(settings["link.near_duplicate_threshold"]), by_id)
        return store.write_links(links, run_id)


def register(registry: Registry) -> None:
    registry.register("linker", CopiedPostsLinker())
