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

Incrementally (:mod:`limelight.link.state`): a watched post's link depends only on the official
posts of the ``WINDOW_DAYS`` before it, so a run decides again the new watched posts and the watched
posts of the week after each new official post, against the official posts of their windows.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from limelight.link.base import day_number, embedding_model, ensure_embeddings
from limelight.link.minhash import containment, shingles
from limelight.link.state import fingerprint, pending
from limelight.models import Account, Link
from limelight.registry import Registry, check_store
from limelight.settings import Settings
from limelight.store.base import LinkUpdate, Store
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


def load_posts(store: Store, accounts: list[Account], *, skip_reposts: bool, ids: Sequence[str] | None = None,
               after: float | None = None, until: float | None = None) -> list[Post]:
    """Dated posts and press releases of these accounts, in time order: all, or those among ``ids``,
    published after day ``after`` and up to day ``until`` when given."""
    if not accounts:
        return []
    rows = store.read("link.account_posts", platforms=[a.platform.lower() for a in accounts],
                      handles=[a.handle.lower() for a in accounts], skip_reposts=skip_reposts,
                      ids=None if ids is None else list(ids),
                      # a day wider than asked, so no rounding of an instant loses a post at a bound
                      start=None if after is None else _instant(after - 1.0),
                      end=None if until is None else _instant(until + 1.0)).to_pylist()
    posts = [Post(r["id"], r["source_id"], day_number(r["published_at"]) or 0.0, r["body"].strip()) for r in rows]
    # the read's bounds are instants; the windows are days, compared as find_copies compares them
    return [p for p in posts if (after is None or p.day > after) and (until is None or p.day <= until)]


def _instant(day: float) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=day)


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


OWNED = (("copies_official", ""),)
# Posts and press releases: the kinds a copied post or its original can be (link.account_posts).
POST_KINDS = ("post", "press_release")


class CopiedPostsLinker:
    name = "copied_posts"
    version = "2"
    title = "Posts by watched accounts that copy earlier official posts → copies_official links"
    requires: tuple[str, ...] = ("documents", "sources", "watchlist.accounts", "watchlist.official_accounts")
    provides: tuple[str, ...] = ("links:copies_official",)
    reads: tuple[str, ...] = ("link.fingerprint", "link.pending", "link.account_posts",
                              "link.links_from", "link.missing_embeddings", "link.embedded_documents")

    def run(self, store: Store, settings: Settings, watchlist: Watchlist, run_id: str = "link") -> int:
        check_store(self, store)
        watched_accounts, official_accounts = watched_and_official(watchlist)
        threshold = float(settings["link.near_duplicate_threshold"])
        fp = fingerprint(self.name, self.version, threshold=threshold, model=embedding_model(settings),
                         watched=[(a.platform.lower(), a.handle.lower()) for a in watched_accounts],
                         official=[(a.platform.lower(), a.handle.lower()) for a in official_accounts])
        todo = pending(store, self.name, fp, POST_KINDS)
        if todo.nothing:
            return 0
        if todo.full:
            watched = load_posts(store, watched_accounts, skip_reposts=True)
            official = load_posts(store, official_accounts, skip_reposts=False)
            stored: list[Link] = []
        else:
            watched, official, stored = self._affected(store, watched_accounts, official_accounts,
                                                       [d for d, _ in todo.new])
        links: list[Link] = []
        if watched and official:
            # Embedded only when there is something to compare, as the posts of other accounts never are.
            got_ids, vectors, _ = ensure_embeddings(store, settings, [p.id for p in watched] + [p.id for p in official])
            links = find_copies(watched, official, threshold, dict(zip(got_ids, vectors, strict=True)))
        keep = {(x.from_id, x.to_id, x.evidence) for x in links}
        remove = [x for x in stored if (x.from_id, x.to_id, x.evidence) not in keep]
        # No reader of links is told: the story clusterer does not read copies_official links.
        return store.apply_link_update(LinkUpdate(
            linker=self.name, run_id=run_id, fingerprint=fp, full=todo.full, owned=OWNED, processed=todo.todo,
            remove_links=remove, add_links=links))

    @staticmethod
    def _affected(store: Store, watched_accounts: list[Account], official_accounts: list[Account],
                  new: list[str]) -> tuple[list[Post], list[Post], list[Link]]:
        """The watched posts to decide again (the new ones, and those of the window after a new official
        post), the official posts of their windows, and their stored copies_official links."""
        new_watched = load_posts(store, watched_accounts, skip_reposts=True, ids=new)
        new_official = load_posts(store, official_accounts, skip_reposts=False, ids=new)
        watched = {p.id: p for p in new_watched}
        for start, end in _merged([(p.day, p.day + WINDOW_DAYS) for p in new_official]):
            watched.update({p.id: p for p in load_posts(store, watched_accounts, skip_reposts=True, after=start,
                                                        until=end)})
        posts = sorted(watched.values(), key=lambda p: (p.day, p.id))
        official: dict[str, Post] = {}
        for start, end in _merged([(p.day - WINDOW_DAYS, p.day) for p in posts]):
            # from the start of a window on: a post exactly WINDOW_DAYS earlier still counts
            official.update({p.id: p for p in load_posts(store, official_accounts, skip_reposts=False,
                                                         after=start - 1.0, until=end)})
        stored = [Link(from_id=r["from_id"], to_id=r["to_id"], to_url=r["to_url"], kind=r["kind"], score=r["score"],
                       evidence=r["evidence"]) for r in store.read(
            "link.links_from", ids=[p.id for p in posts], kind="copies_official").to_pylist()] if posts else []
        return posts, sorted(official.values(), key=lambda p: (p.day, p.id)), stored


def _merged(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Overlapping (start, end) spans joined, so each stretch of time is read once."""
    out: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def register(registry: Registry) -> None:
    registry.register("linker", CopiedPostsLinker())
