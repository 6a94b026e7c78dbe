"""Story clusters across languages → the ``stories`` table (one row per news document).

A story is a connected component of two kinds of edges:

- **links** already found: ``duplicate``, ``syndication`` and ``translation`` links and resolved
  attributions (the strongest evidence: the same text, or a page naming its original);
- **similarity**: title + lead embeddings with cosine ≥ ``STORY_THRESHOLD`` published at most
  ``STORY_WINDOW_DAYS`` apart, in any language (pairs from :func:`limelight.link.ann.similar_pairs`).

Single linkage can chain unrelated pieces through a run of near neighbours, so the similarity
threshold sits well above the cosine of merely related news (measured on WikiRef220 by
:mod:`limelight.eval.stories`), and similarity merges stop when a story would span more than
``STORY_MAX_SPAN_DAYS``. A document with no edge is a
story of its own (``method`` = ``single``). The story id is derived from the earliest document, so
it stays the same between runs while the story does not gain an earlier piece.
"""

from __future__ import annotations

from limelight.link.ann import similar_pairs
from limelight.link.base import NEWS_KINDS, UnionFind, earlier_first, ensure_embeddings
from limelight.link.translations import Meta, load_metas
from limelight.models import stable_id
from limelight.registry import Registry
from limelight.settings import Settings
from limelight.store.base import Store
from limelight.watchlist import Watchlist

# On WikiRef220 (eval.stories) 0.84 gave pairwise F1 0.839 (precision 0.77), 0.86 F1 0.841 (precision 0.95),
# 0.88 F1 0.64, 0.90 F1 0.43: 0.86 keeps precision high where F1 peaks.
STORY_THRESHOLD = 0.86
STORY_WINDOW_DAYS = 3.0
STORY_MAX_SPAN_DAYS = 7.0
LINK_KINDS = ("duplicate", "syndication", "translation")
_NEWS = f"d.kind IN ({', '.join(repr(k) for k in NEWS_KINDS)})"


def cluster(metas: list[Meta], link_edges: list[tuple[str, str]],
            similarity_edges: list[tuple[str, str, float]], max_span_days: float = STORY_MAX_SPAN_DAYS
            ) -> list[tuple[str, str, str]]:
    """(document_id, story_id, method) for every document in ``metas`` (pure function).
    ``method`` is how the document joined its story: ``link``, ``similarity`` or ``single``.

    Link edges always merge. Similarity edges merge strongest first, and only while the merged
    story spans at most ``max_span_days``: plain single linkage chained a synthetic half-year of
    look-alike coverage into stories weeks long, one near neighbour at a time."""
    by_id = {m.id: m for m in metas}
    uf = UnionFind()
    span: dict[str, tuple[float, float] | None] = {m.id: (None if m.day is None else (m.day, m.day)) for m in metas}
    method: dict[str, str] = {}

    def merge(a: str, b: str) -> None:
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            return
        uf.union(ra, rb)
        sa, sb = span.get(ra), span.get(rb)
        joined = sa or sb
        if sa and sb:
            joined = (min(sa[0], sb[0]), max(sa[1], sb[1]))
        span[uf.find(ra)] = joined

    for a, b in link_edges:
        if a in by_id and b in by_id and a != b:
            merge(a, b)
            method[a] = method[b] = "link"
    for a, b, _ in sorted(similarity_edges, key=lambda e: (-e[2], e[0], e[1])):
        if a not in by_id or b not in by_id or a == b:
            continue
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            continue
        sa, sb = span.get(ra), span.get(rb)
        if sa and sb and max(sa[1], sb[1]) - min(sa[0], sb[0]) > max_span_days:
            continue
        merge(a, b)
        method.setdefault(a, "similarity")
        method.setdefault(b, "similarity")
    first: dict[str, Meta] = {}
    for m in metas:
        root = uf.find(m.id)
        cur = first.get(root)
        if cur is None or earlier_first((m.day, m.id), (cur.day, cur.id)):
            first[root] = m
    return [(m.id, "story-" + stable_id("story", first[uf.find(m.id)].id)[:12], method.get(m.id, "single"))
            for m in metas]


def link_edges(store: Store) -> list[tuple[str, str]]:
    kinds = ", ".join(repr(k) for k in LINK_KINDS)
    rows = store.query(f"""
        SELECT from_id, to_id FROM links WHERE kind IN ({kinds}) AND to_id IS NOT NULL
        UNION SELECT from_id, to_id FROM attributions WHERE to_id IS NOT NULL
        ORDER BY 1, 2""").to_pylist()
    return [(r["from_id"], r["to_id"]) for r in rows]


class StoryClusterer:
    name = "stories"
    version = "1"
    title = "Story clusters across languages (links + embedding similarity within days) → stories table"
    requires: tuple[str, ...] = ("links", "embeddings")
    provides: tuple[str, ...] = ("stories",)

    def run(self, store: Store, settings: Settings, watchlist: Watchlist, run_id: str = "link") -> int:
        ids, vectors, _ = ensure_embeddings(store, settings, _NEWS)
        metas = load_metas(store, ids)
        pairs = similar_pairs(vectors, [m.day for m in metas], STORY_WINDOW_DAYS, STORY_THRESHOLD)
        sim = [(metas[i].id, metas[j].id, cos) for (i, j), cos in sorted(pairs.items())]
        rows = cluster(metas, link_edges(store), sim)
        store.replace_stories(rows)
        return 0  # writes the stories table, no links


def register(registry: Registry) -> None:
    registry.register("linker", StoryClusterer())
