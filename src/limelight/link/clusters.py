"""Story clusters across languages → the ``stories`` table (one row per news document).

Stories grow by agglomeration, in two steps:

1. **Links** already found (``duplicate``, ``syndication`` and ``translation`` links and resolved
   attributions: the same text, or a page naming its original) merge their documents first,
   nearest in time first, while the story spans at most ``STORY_MAX_SPAN_DAYS``. The link itself
   is kept either way; only a story of a daily notice repeated word for word for a year is avoided.
2. **Similarity**, average linkage: two stories merge, most similar first, only when
   - some pair across them reaches cosine ``STORY_THRESHOLD`` (title + lead embeddings, published at
     most ``STORY_WINDOW_DAYS`` apart, any language; pairs from :func:`limelight.link.ann.similar_pairs`);
   - the *average* cosine over all pairs across them reaches ``STORY_AVERAGE``: a story has to hold
     together, not hang on one link. It is exact and cheap: with unit vectors the average over
     all |A|·|B| pairs is (ΣA · ΣB) / (|A|·|B|), one dot product of the stories' vector sums. And
     since a merged story's average with a third is a weighted mean of its parts', no merge can
     raise a score, so the pass stops at the first candidate under ``STORY_AVERAGE``;
   - the merged story spans at most ``STORY_MAX_SPAN_DAYS``;
   - among the pairs across them written in one script with a short text in them (a headline:
     under :data:`~limelight.link.base.SHORT_TEXT_TOKENS` tokens), at least
     ``STORY_SHORT_SUPPORT`` share a rare word: one found in at most ``RARE_SHARE`` of the
     documents (and at least ``RARE_MIN_DOCS``). A headline's embedding says more about its
     genre than its event, so "Fitch Affirms Anchorage" and "MamaMancini's Reports Financial
     Results" look alike to it; their names do not.

Plain single linkage (one link is enough) melted 2,608 real documents, mostly Reuters headlines,
into stories of 778, 759 and 195 unrelated headlines (issue #8): cosine 0.86 joins templated
notices of different companies, and each joined notice brings its own neighbours. On 3,000 Reuters
headlines of September 2015 (``limelight eval --only stories``) the largest story went from
389 documents to 15, and WikiRef220's pairwise F1 from 0.837 to 0.851; docs/link.md has
the numbers and the alternatives measured. A document with no edge is a story of its own
(``method`` = ``single``). The story id is derived from the earliest document, so it stays the
same between runs while the story does not gain an earlier piece.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from itertools import chain

import numpy as np

from limelight.link.ann import similar_pairs
from limelight.link.base import (
    NEWS_KINDS,
    SHORT_TEXT_TOKENS,
    earlier_first,
    embed_text,
    embedding_model,
    ensure_embeddings,
    report,
    script_of,
)
from limelight.link.minhash import tokens
from limelight.link.state import PairChanges, fingerprint, pairs_from_scratch, pending, update_pairs
from limelight.link.translations import Meta, read_metas
from limelight.models import stable_id
from limelight.registry import Registry, check_store
from limelight.settings import Settings
from limelight.store.base import LinkUpdate, Store
from limelight.watchlist import Watchlist

# Chosen on WikiRef220 (eval.stories, 220 articles, 16 topics), pairwise P / R / F1:
#   single linkage at 0.86 (before issue #8)       0.935 / 0.758 / 0.837
#   average ≥ 0.825 with a pair ≥ 0.85             0.967 / 0.760 / 0.851
#   average ≥ 0.82 with a pair ≥ 0.85              0.943 / 0.761 / 0.842
#   average ≥ 0.83 with a pair ≥ 0.85              0.981 / 0.697 / 0.815
#   average ≥ 0.86 alone                           0.999 / 0.368 / 0.538
# and checked on 3,000 real headlines, where no threshold of the embedding alone keeps genres apart.
STORY_THRESHOLD = 0.85
STORY_AVERAGE = 0.825
STORY_WINDOW_DAYS = 3.0
STORY_MAX_SPAN_DAYS = 7.0
# Measured on two samples of 3,000 headlines of the same four weeks (seeds 7 and 13): at 0.5 the
# largest stories were 16 and 19 "BRIEF-... H1 net profit" notices of different companies; at 0.6
# the largest such group is 11 and 15, and the Volkswagen scandal stays whole (15) on one sample and
# splits 13 + 7 on the other (at 0.8, 9 + 6 on the first too). Precision first, as the cosine
# threshold was chosen.
STORY_SHORT_SUPPORT = 0.6
# A rare word is in at most 1% of the documents: the Volkswagen story's name was in 0.7% of four
# weeks of headlines, "Conference" or "PlayerWatch" in 2-3%. Shares, not counts, so a 1-in-20 sample
# and the full feed agree; a small corpus allows RARE_MIN_DOCS.
RARE_SHARE = 0.01
RARE_MIN_DOCS = 10
LINK_KINDS = ("duplicate", "syndication", "translation")
# Document frequencies of words and how many documents they count: the rare-word rule's corpus.
WordCounts = tuple[Mapping[str, int], int]


def rare_cut(n_docs: int) -> float:
    """A word is rare in at most this many documents of a corpus of ``n_docs``."""
    return max(RARE_MIN_DOCS, RARE_SHARE * n_docs)


class _Words:
    """What the short-text rule needs of each document: is it short, its script, its rare words.
    All worked out on first use: most documents never meet a check, and a corpus of long texts
    never needs the document frequencies."""

    def __init__(self, texts: Sequence[str], counts: WordCounts | None = None) -> None:
        self.texts = texts
        # The corpus the words are rare in: these texts, or (re-clustering a part of the corpus) the
        # whole corpus' counts.
        self.cut = rare_cut(len(texts) if counts is None else counts[1])
        self._tokens: dict[int, set[str]] = {}
        self._short: dict[int, bool] = {}
        self._script: dict[int, str | None] = {}
        self._rare: dict[int, frozenset[str]] = {}
        self._df: Mapping[str, int] | None = None if counts is None else counts[0]

    def words(self, i: int) -> set[str]:
        if i not in self._tokens:
            toks = tokens(self.texts[i])
            self._tokens[i], self._short[i] = set(toks), len(toks) < SHORT_TEXT_TOKENS
        return self._tokens[i]

    def short(self, i: int) -> bool:
        self.words(i)
        return self._short[i]

    def script(self, i: int) -> str | None:
        if i not in self._script:
            self._script[i] = script_of(self.texts[i])
        return self._script[i]

    def rare(self, i: int) -> frozenset[str]:
        if self._df is None:
            self._df = Counter(chain.from_iterable(self.words(j) for j in range(len(self.texts))))
        if i not in self._rare:
            self._rare[i] = frozenset(w for w in self.words(i) if self._df.get(w, 0) <= self.cut)
        return self._rare[i]

    def support(self, a: Sequence[int], b: Sequence[int]) -> float:
        """Share of the pairs across ``a`` and ``b`` (one script, a short text in the pair) that share
        a rare word; 1.0 when no pair is of that kind (long texts, or two scripts)."""
        counted = shared = 0
        for x in a:
            for y in b:
                if (self.short(x) or self.short(y)) and self.script(x) == self.script(y):
                    counted += 1
                    shared += not self.rare(x).isdisjoint(self.rare(y))
        return shared / counted if counted else 1.0


def cluster(metas: list[Meta], vectors: np.ndarray, link_edges: Sequence[tuple[str, str]],
            similarity_edges: Sequence[tuple[str, str, float]], texts: Sequence[str] | None = None, *,
            average: float = STORY_AVERAGE, max_span_days: float = STORY_MAX_SPAN_DAYS,
            short_support: float = STORY_SHORT_SUPPORT, counts: WordCounts | None = None
            ) -> list[tuple[str, str, str]]:
    """(document_id, story_id, method) for every document in ``metas`` (pure function).

    ``vectors`` are the documents' unit embeddings (row i for metas[i]); ``similarity_edges`` the
    candidate pairs (ids, cosine); ``texts`` what was embedded (title + lead), for the short-text
    rule (None: every text counts as long); ``counts`` the document frequencies the rare words are
    taken from (None: those of ``texts``). ``method`` is how the document joined its story:
    ``link``, ``similarity`` or ``single``.

    Every decision is made inside one connected component of the links and similarity edges, and
    ties go by position in ``metas``: so the rows of a component come out the same when it is
    clustered alone, with ``metas`` in the same relative order and the corpus' ``counts``."""
    n = len(metas)
    if n == 0:  # a project of posts only has no news to cluster (and no vector width to reshape to)
        return []
    index = {m.id: i for i, m in enumerate(metas)}
    words = _Words(texts, counts) if texts is not None and short_support > 0 else None
    parent = list(range(n))
    size = [1] * n
    sums = np.asarray(vectors, dtype=np.float64).reshape(n, -1).copy()
    span: list[tuple[float, float] | None] = [None if m.day is None else (m.day, m.day) for m in metas]
    members = [[i] for i in range(n)]
    method: dict[int, str] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # path halving keeps later finds short
            x = parent[x]
        return x

    def too_long(a: int, b: int) -> bool:
        sa, sb = span[a], span[b]
        return sa is not None and sb is not None and max(sa[1], sb[1]) - min(sa[0], sb[0]) > max_span_days

    def merge(a: int, b: int) -> int:
        keep, gone = min(a, b), max(a, b)
        parent[gone] = keep
        size[keep] += size[gone]
        sums[keep] += sums[gone]
        members[keep] += members[gone]
        members[gone] = []
        sa, sb = span[keep], span[gone]
        span[keep] = (min(sa[0], sb[0]), max(sa[1], sb[1])) if sa and sb else sa or sb
        return keep

    def gap(edge: tuple[int, int]) -> float:
        da, db = metas[edge[0]].day, metas[edge[1]].day
        return math.inf if da is None or db is None else abs(da - db)

    links = sorted({(index[a], index[b]) for a, b in link_edges if a in index and b in index and a != b})
    for a, b in sorted(links, key=lambda e: (gap(e), e)):
        ra, rb = find(a), find(b)
        if ra != rb and not too_long(ra, rb):
            merge(ra, rb)
            method[a] = method[b] = "link"

    # Candidate merges: stories with a pair at STORY_THRESHOLD between them, best average first.
    neighbours: dict[int, set[int]] = {}
    for a_id, b_id, _ in similarity_edges:
        if a_id not in index or b_id not in index:
            continue
        ra, rb = find(index[a_id]), find(index[b_id])
        if ra != rb:
            neighbours.setdefault(ra, set()).add(rb)
            neighbours.setdefault(rb, set()).add(ra)
    version = [0] * n

    def score(a: int, b: int) -> float:
        return float(sums[a] @ sums[b]) / (size[a] * size[b])

    def entry(a: int, b: int) -> tuple[float, int, int, int, int]:
        x, y = (a, b) if a < b else (b, a)
        return (-score(x, y), x, y, version[x], version[y])

    heap = [entry(a, b) for a, near in neighbours.items() for b in near if a < b]
    heapq.heapify(heap)
    while heap:
        neg, a, b, va, vb = heapq.heappop(heap)
        if version[a] != va or version[b] != vb or find(a) != a or find(b) != b:
            continue  # one of them has merged since: its fresh scores are in the heap
        if -neg < average:
            break
        if too_long(a, b) or (words is not None and words.support(members[a], members[b]) < short_support):
            continue
        for doc in members[a] + members[b]:
            method.setdefault(doc, "similarity")
        gone = max(a, b)
        keep = merge(a, b)
        near = (neighbours.pop(a, set()) | neighbours.pop(b, set())) - {a, b}
        for d in near:
            neighbours[d].discard(gone)
            neighbours[d].add(keep)
        neighbours[keep] = near
        version[keep] += 1
        for d in near:
            heapq.heappush(heap, entry(keep, d))

    first: dict[int, Meta] = {}
    for i, m in enumerate(metas):
        root = find(i)
        cur = first.get(root)
        if cur is None or earlier_first((m.day, m.id), (cur.day, cur.id)):
            first[root] = m
    return [(m.id, "story-" + stable_id("story", first[find(i)].id)[:12], method.get(i, "single"))
            for i, m in enumerate(metas)]


def cluster_stories(metas: list[Meta], vectors: np.ndarray, texts: Sequence[str] | None,
                    link_edges: Sequence[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """The linker's clustering from its inputs: candidate pairs, then :func:`cluster` (the
    evaluation calls it too, so it scores what `limelight link` does)."""
    pairs = similar_pairs(vectors, [m.day for m in metas], STORY_WINDOW_DAYS, STORY_THRESHOLD)
    sim = [(metas[i].id, metas[j].id, cos) for (i, j), cos in sorted(pairs.items())]
    return cluster(metas, vectors, link_edges, sim, texts)


def word_sets(texts: Sequence[str]) -> tuple[list[set[str]], list[bool]]:
    """Each text's words and whether it is short, as the short-text rule reads them."""
    sets, short = [], []
    for text in texts:
        toks = tokens(text)
        sets.append(set(toks))
        short.append(len(toks) < SHORT_TEXT_TOKENS)
    return sets, short


class StoryClusterer:
    name = "stories"
    version = "3"
    title = "Story clusters across languages (links + average-linkage embedding similarity within days) → stories"
    requires: tuple[str, ...] = ("links", "embeddings")
    provides: tuple[str, ...] = ("stories",)
    reads: tuple[str, ...] = ("link.fingerprint", "link.pending", "link.state_count",
                              "link.metas", "link.missing_embeddings", "link.embedded_documents",
                              "link.embedded_texts", "link.pairs_in_blocks", "link.pairs_touching",
                              "link.story_links", "link.word_counts", "link.words_counted_between",
                              "link.short_documents_with")

    def run(self, store: Store, settings: Settings, watchlist: Watchlist, run_id: str = "link") -> int:
        check_store(self, store)
        model = embedding_model(settings)
        fp = fingerprint(self.name, self.version, model=model, threshold=STORY_THRESHOLD, average=STORY_AVERAGE,
                         window=STORY_WINDOW_DAYS, span=STORY_MAX_SPAN_DAYS, support=STORY_SHORT_SUPPORT,
                         rare=(RARE_SHARE, RARE_MIN_DOCS))
        todo = pending(store, self.name, fp, NEWS_KINDS, needs_story=True)
        if todo.nothing:
            return 0
        base = LinkUpdate(linker=self.name, run_id=run_id, fingerprint=fp, full=todo.full, processed=todo.todo)
        if todo.full:
            update = self._from_scratch(store, settings, base)
        else:
            update = self._incremental(store, settings, model, [d for d, _ in todo.new], [d for d, _ in todo.stale],
                                       base)
        store.apply_link_update(update)
        return 0  # writes the stories table, no links

    def _from_scratch(self, store: Store, settings: Settings, base: LinkUpdate) -> LinkUpdate:
        ids, vectors, _ = ensure_embeddings(store, settings, None, NEWS_KINDS)
        by_id = read_metas(store, None)
        metas = [by_id[i] for i in ids]
        texts = _texts(store, None)
        texts_in_order = [texts[i] for i in ids]
        report("clustering stories", 0, len(ids))
        pairs = pairs_from_scratch(ids, [m.day for m in metas], vectors, STORY_WINDOW_DAYS, STORY_THRESHOLD)
        edges = [(str(r["from_id"]), str(r["to_id"])) for r in store.read(
            "link.story_links", ids=None, link_kinds=list(LINK_KINDS), kinds=list(NEWS_KINDS)).to_pylist()]
        rows = cluster(metas, vectors, edges, [(a, b, cos) for (a, b), cos in sorted(pairs.added.items())],
                       texts_in_order)
        report("clustering stories", len(ids), len(ids))
        sets, short = word_sets(texts_in_order)
        return replace(base, pairs=pairs.rows, stories=rows, words=dict(Counter(chain.from_iterable(sets))),
                       short_words=[(w, i) for i, ws, s in zip(ids, sets, short, strict=True) if s for w in sorted(ws)])

    def _incremental(self, store: Store, settings: Settings, model: str, new: list[str], stale: list[str],
                     base: LinkUpdate) -> LinkUpdate:
        ensure_embeddings(store, settings, new, NEWS_KINDS, fetch=False)
        metas = read_metas(store, new)
        changes = update_pairs(store, self.name, model, NEWS_KINDS, {i: m.day for i, m in metas.items()},
                               STORY_WINDOW_DAYS, STORY_THRESHOLD)
        new_texts = _texts(store, new)
        new_ids = sorted(new_texts)
        sets, short = word_sets([new_texts[i] for i in new_ids])
        added = Counter(chain.from_iterable(sets))
        n_old = int(store.read("link.state_count", linker=self.name).column("n")[0].as_py())
        n_now = n_old + len(new_ids)
        seeds = set(new_ids) | set(stale) | changes.ends() | self._rarity_changed(store, added, n_old, n_now)
        report("clustering stories", 0, len(seeds))
        region, links, pairs = self._components(store, seeds, changes)
        # most of the region's vectors were read with its day blocks; the rest (a component reaching
        # further back in time) are read now
        rest, rest_vectors, _ = ensure_embeddings(store, settings, sorted(region - set(changes.vectors)), NEWS_KINDS)
        loaded = {**changes.vectors, **dict(zip(rest, rest_vectors, strict=True))}
        order = sorted(i for i in region if i in loaded)
        vectors = np.stack([loaded[i] for i in order]) if order else np.zeros((0, 0), dtype=np.float32)
        by_id = read_metas(store, order)
        texts = _texts(store, order)
        texts_in_order = [texts[i] for i in order]
        words = sorted(set(chain.from_iterable(tokens(t) for t in texts_in_order)))
        df: Counter[str] = Counter({str(r["word"]): int(r["df"]) for r in store.read(
            "link.word_counts", words=words).to_pylist()}) if words else Counter()
        df.update(added)
        rows = cluster([by_id[i] for i in order], vectors, sorted(links),
                       [(a, b, cos) for (a, b), cos in sorted(pairs.items())], texts_in_order, counts=(df, n_now))
        report("clustering stories", len(seeds), len(seeds))
        return replace(base, pair_blocks=changes.blocks, pairs=changes.rows, stories=rows, story_region=sorted(region),
                       words=dict(added),
                       short_words=[(w, i) for i, ws, s in zip(new_ids, sets, short, strict=True) if s
                                    for w in sorted(ws)])

    @staticmethod
    def _rarity_changed(store: Store, added: Counter[str], n_old: int, n_now: int) -> set[str]:
        """Headlines stored before whose rare words are no longer the same: a new document moved a
        word's count across the cut, or the cut itself moved (it is a share of the corpus)."""
        cut_old, cut_now = math.floor(rare_cut(n_old)), math.floor(rare_cut(n_now))
        old = {str(r["word"]): int(r["df"]) for r in store.read("link.word_counts", words=sorted(added)).to_pylist()
               } if added else {}
        flipped = {w for w, k in added.items() if (old.get(w, 0) <= cut_old) != (old.get(w, 0) + k <= cut_now)}
        if cut_now != cut_old:
            flipped.update(str(v) for v in store.read("link.words_counted_between", low=min(cut_old, cut_now),
                                                       high=max(cut_old, cut_now)).column("word").to_pylist())
        if not flipped:
            return set()
        return {str(v) for v in store.read("link.short_documents_with", words=sorted(flipped))
                .column("document_id").to_pylist()}

    def _components(self, store: Store, seeds: set[str], changes: PairChanges
                    ) -> tuple[set[str], set[tuple[str, str]], dict[tuple[str, str], float]]:
        """The connected components of the story graph (links that merge stories, and similar pairs
        with this run's changes) that hold the seeds: their documents, links and pairs."""
        region = set(seeds)
        frontier = set(seeds)
        links: set[tuple[str, str]] = set()
        pairs: dict[tuple[str, str], float] = {}
        while frontier:
            ids = sorted(frontier)
            found = {(str(r["from_id"]), str(r["to_id"])) for r in store.read(
                "link.story_links", ids=ids, link_kinds=list(LINK_KINDS), kinds=list(NEWS_KINDS)).to_pylist()}
            links |= found
            near = {(str(r["a"]), str(r["b"])): float(r["cosine"]) for r in store.read(
                "link.pairs_touching", linker=self.name, ids=ids).to_pylist()}
            for key in changes.removed:
                near.pop(key, None)
            near.update({k: v for k, v in changes.added.items() if k[0] in frontier or k[1] in frontier})
            pairs.update(near)
            reached = {x for edge in (*found, *near) for x in edge}
            frontier = reached - region
            region |= reached
        return region, links, pairs


def _texts(store: Store, ids: Sequence[str] | None) -> dict[str, str]:
    """Title + lead of each news document (None: all of them), as embedded: the lead is in the first
    few thousand characters."""
    rows = store.read("link.embedded_texts", ids=None if ids is None else list(ids), kinds=list(NEWS_KINDS),
                      chars=4000).to_pylist()
    return {str(r["id"]): embed_text(r["title"], r["text"] or "") for r in rows}


def register(registry: Registry) -> None:
    registry.register("linker", StoryClusterer())
