"""Exact and near duplicates among news documents → ``duplicate`` and ``syndication`` links.

1. Exact: documents with the same ``content_hash`` (title + text, whitespace and case folded).
2. Near: MinHash LSH over token 3-gram shingles of title + text (characters for CJK, words
   elsewhere, see :mod:`limelight.link.minhash`); each candidate pair is verified on its exact
   shingle sets against ``link.near_duplicate_threshold`` (Jaccard). Only one document per
   content hash enters this step: its exact copies are linked already. A short text (a headline,
   under ``SHORT_TEXT_TOKENS`` tokens) is a near-copy only when all the words of one are in the
   other: a copy adds "UPDATE 1-" or "-sources", changes punctuation or case, but a headline
   with one word replaced is another headline. On real Reuters headlines, Jaccard alone linked
   "CIGNA CORPORATION SHAREHOLDER ALERT: ..." to "ALTERA CORPORATION SHAREHOLDER ALERT: ...",
   "Akebia to Present at the 2015 Morgan Stanley Global Healthcare Conference" to "Teleflex to
   Present at ...", and five IIROC trading halts of different tickers to each other.

A copy on the *same* source is a ``duplicate`` (a re-post, a second URL for one page); a copy on
another source is ``syndication``. The link points from the later document to the earlier one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from limelight.link.base import NEWS_KINDS, SHORT_TEXT_TOKENS, day_number, earlier_first
from limelight.link.minhash import MinHasher, jaccard, lsh_candidates, shingles, tokens
from limelight.models import Link
from limelight.registry import Registry
from limelight.settings import Settings
from limelight.store.base import Store
from limelight.watchlist import Watchlist

# Shorter texts are left out of near-duplicate search: two three-word notices match by accident.
MIN_SHINGLES = 8


@dataclass(frozen=True, slots=True)
class Doc:
    id: str
    source_id: str
    day: float | None
    content_hash: str
    text: str


def find_duplicates(docs: list[Doc], threshold: float) -> list[Link]:
    """Links for exact and near copies among ``docs`` (pure function: the benchmark calls it too)."""
    links: list[Link] = []
    by_hash: dict[str, list[Doc]] = defaultdict(list)
    for doc in docs:
        by_hash[doc.content_hash].append(doc)
    representatives: list[Doc] = []
    for group in by_hash.values():
        group.sort(key=_order_key)
        origin = group[0]
        representatives.append(origin)
        for copy in group[1:]:
            links.append(_link(copy, origin, 1.0, "same content hash"))

    sets = [shingles(d.text) for d in representatives]
    keep = [i for i, s in enumerate(sets) if len(s) >= MIN_SHINGLES]
    if len(keep) < 2:
        return links
    hasher = MinHasher()
    sigs = hasher.signatures([sets[i] for i in keep])
    for x, y in sorted(lsh_candidates(sigs, threshold)):
        a, b = representatives[keep[x]], representatives[keep[y]]
        score = jaccard(sets[keep[x]], sets[keep[y]])
        if score < threshold or not _same_words_if_short(a.text, b.text):
            continue
        later, earlier = (b, a) if earlier_first((a.day, a.id), (b.day, b.id)) else (a, b)
        links.append(_link(later, earlier, round(score, 4), f"MinHash near-copy, shingle Jaccard {score:.2f}"))
    return links


def _same_words_if_short(a: str, b: str) -> bool:
    """False for two short texts that each have a word the other lacks (a template with another
    name in it); True for long texts, whose copy edits are what the Jaccard threshold allows."""
    ta, tb = tokens(a), tokens(b)
    if len(ta) >= SHORT_TEXT_TOKENS and len(tb) >= SHORT_TEXT_TOKENS:
        return True
    sa, sb = set(ta), set(tb)
    return sa <= sb or sb <= sa


def _order_key(d: Doc) -> tuple[int, float, str]:
    return (d.day is None, d.day or 0.0, d.id)


def _link(copy: Doc, origin: Doc, score: float, evidence: str) -> Link:
    if copy.source_id == origin.source_id:
        return Link(from_id=copy.id, to_id=origin.id, kind="duplicate", score=score, evidence=evidence)
    return Link(from_id=copy.id, to_id=origin.id, kind="syndication", score=score, evidence=evidence)


def load_news_docs(store: Store) -> list[Doc]:
    rows: list[dict[str, Any]] = store.query(
        f"""SELECT id, source_id, published_at, content_hash, coalesce(title, '') || '\n' || text AS body
            FROM documents WHERE kind IN ({", ".join(f"'{k}'" for k in NEWS_KINDS)}) ORDER BY id"""
    ).to_pylist()
    return [Doc(r["id"], r["source_id"], day_number(r["published_at"]), r["content_hash"], r["body"]) for r in rows]


class DuplicateLinker:
    name = "duplicates"
    version = "1"
    title = "Exact and near duplicates (content hash, MinHash LSH) → duplicate / syndication links"
    requires: tuple[str, ...] = ("documents",)
    provides: tuple[str, ...] = ("links:duplicate", "links:syndication")

    def run(self, store: Store, settings: Settings, watchlist: Watchlist, run_id: str = "link") -> int:
        links = find_duplicates(load_news_docs(store), float(settings["link.near_duplicate_threshold"]))
        return store.write_links(links, run_id)


def register(registry: Registry) -> None:
    registry.register("linker", DuplicateLinker())
