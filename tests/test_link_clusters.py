"""Story clustering and lineage chains: SYNTHETIC ids, days and vectors, then REAL Reuters headlines."""

from __future__ import annotations

import csv
import gzip
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from limelight.link.ann import similar_pairs
from limelight.link.base import UnionFind, ensure_embeddings
from limelight.link.clusters import STORY_THRESHOLD, StoryClusterer, cluster
from limelight.link.duplicates import DuplicateLinker
from limelight.link.translations import Meta, similar_translations
from limelight.models import Document, Enriched, Source, content_hash
from limelight.settings import Settings
from limelight.store.duckdb_store import DuckDBStore
from limelight.watchlist import Watchlist


def _unit(rows: list[list[float]]) -> np.ndarray:
    v = np.array(rows, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _arc(n: int, step_degrees: float) -> np.ndarray:
    """n unit vectors along a circle, each ``step_degrees`` from the last: neighbours alike, ends not."""
    angles = np.radians(np.arange(n) * step_degrees)
    return _unit([[float(np.cos(a)), float(np.sin(a)), 0.0] for a in angles])


def _sim(metas: list[Meta], v: np.ndarray, threshold: float = STORY_THRESHOLD) -> list[tuple[str, str, float]]:
    sims = v @ v.T
    return [(metas[i].id, metas[j].id, float(sims[i, j])) for i in range(len(metas)) for j in range(i + 1, len(metas))
            if sims[i, j] >= threshold]


def test_link_clusters_links_merge_and_similarity_respects_the_span() -> None:
    metas = [Meta("a", "zh", 0.0), Meta("b", "en", 1.0), Meta("c", "de", 2.0), Meta("d", "de", 6.0),
             Meta("e", "de", 12.0), Meta("f", "vi", 40.0)]
    v = _unit([[1, 0, 0], [1, 0, 0], [1, 0.05, 0], [1, 0.1, 0], [1, 0.3, 0], [0, 0, 1]])
    sim = [("c", "b", 0.99), ("d", "c", 0.99), ("e", "d", 0.99)]
    rows = {doc: (story, method) for doc, story, method in cluster(metas, v, [("b", "a")], sim, max_span_days=7.0)}
    assert rows["a"][0] == rows["b"][0] == rows["c"][0] == rows["d"][0]
    assert rows["e"][0] != rows["a"][0]  # joining would stretch the story to 12 days
    assert (rows["a"][1], rows["c"][1], rows["f"][1]) == ("link", "similarity", "single")
    # The story id comes from the earliest document, so it is stable across runs.
    again = cluster(list(reversed(metas)), v[::-1].copy(), [("b", "a")], sim)
    assert {d: s for d, s, _ in again}["a"] == rows["a"][0]


def test_link_clusters_average_linkage_does_not_chain() -> None:
    # Each vector is 20° from the next (cosine 0.94), so every neighbour pair is an edge and single
    # linkage would make one story of all eight; the ends are 140° apart.
    v = _arc(8, 20.0)
    metas = [Meta(f"d{i}", "en", 0.0) for i in range(8)]
    rows = cluster(metas, v, [], _sim(metas, v))
    sizes = Counter(story for _, story, _ in rows)
    assert max(sizes.values()) < 8 and len(sizes) >= 3
    # every story holds together: its average pairwise cosine reaches the threshold of a merge
    for story in sizes:
        idx = [i for i, (_, s, _) in enumerate(rows) if s == story]
        if len(idx) > 1:
            sims = v[idx] @ v[idx].T
            assert sims[np.triu_indices(len(idx), 1)].mean() >= 0.825


def test_link_clusters_links_merge_only_within_the_span() -> None:
    # A notice repeated word for word every day for 20 days: each copy links to the first.
    metas = [Meta(f"n{i:02d}", "en", float(i)) for i in range(20)]
    v = np.tile(_unit([[1, 0, 0]]), (20, 1))
    rows = cluster(metas, v, [(f"n{i:02d}", "n00") for i in range(1, 20)], [])
    sizes = Counter(story for _, story, _ in rows)
    assert max(sizes.values()) == 8  # days 0..7: a story spans at most STORY_MAX_SPAN_DAYS


def test_link_clusters_short_texts_need_a_shared_rare_word() -> None:
    # Templated headlines of 15 companies look alike to the embedding (cosine 0.97 and more) but
    # share only template words, each in more than RARE_MIN_DOCS documents; three headlines about
    # one event share its rare name.
    companies = ["Acme", "Borealis", "Corvid", "Dunlin", "Egret", "Fulmar", "Gannet", "Heron", "Ibis", "Jacana",
                 "Kestrel", "Lapwing", "Merlin", "Nightjar", "Osprey"]
    texts = [f"{c} to Present at the Annual Global Technology Conference" for c in companies]
    texts += ["Zephyrcorp recalls 90,000 cars over brake fault", "Zephyrcorp shares slump after brake recall",
              "Regulator probes Zephyrcorp brake defect"]
    rng = np.random.default_rng(3)
    template = np.array([1.0, 0.0, 0.0]) + 0.05 * rng.standard_normal((15, 3))
    event = np.array([0.0, 1.0, 0.0]) + 0.2 * rng.standard_normal((3, 3))
    v = _unit(np.vstack([template, event]).tolist())
    metas = [Meta(f"h{i:02d}", "en", 0.0) for i in range(len(texts))]
    sim = _sim(metas, v)
    assert sum(1 for a, b, _ in sim if a < "h15" and b < "h15") == 15 * 14 // 2  # all template pairs alike
    stories = [story for _, story, _ in cluster(metas, v, [], sim, texts)]
    assert len(set(stories[:15])) == 15  # no two companies' notices in one story
    assert len(set(stories[15:])) == 1  # the recall is one story
    # without the texts (every text taken as long) the embedding alone would join the notices
    assert len(set(s for _, s, _ in cluster(metas, v, [], sim)[:15])) == 1


def test_link_translations_mutual_best_cross_language_only() -> None:
    v = np.array([[1.0, 0.0, 0.0], [0.96, 0.28, 0.0], [0.95, 0.0, 0.312], [0.99, 0.0, 0.141]], dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    metas = [Meta("zh1", "zh", 0.0), Meta("en1", "en", 1.0), Meta("en2", "en", 1.5), Meta("zh2", "zh", 0.5)]
    links = similar_translations(metas, v, 0.85)
    # zh1 and zh2 are alike but the same language, so never linked; each English text is linked to
    # its own best Chinese match only (en1 is close to zh2 too, but zh2 has a better partner).
    assert {(x.from_id, x.to_id) for x in links} == {("en1", "zh1"), ("en2", "zh2")}
    assert all(x.kind == "translation" and x.score >= 0.85 for x in links)


# --- REAL data: Reuters headlines (../shared/data/news, the 1-in-20 background sample) -------------

REUTERS = "reuters_headlines_2007-2016_sample1in20.tsv.gz"
# Two weeks in which the Volkswagen diesel scandal breaks (EPA notice 2015-09-18)
WEEKS = ("2015-09-14", "2015-09-27")
VW = re.compile(r"\b(Volkswagen|VW)\b")


def _reuters_store(path: Path, news: Path) -> tuple[DuckDBStore, list[dict[str, str]]]:
    with gzip.open(news / REUTERS, "rt", encoding="utf-8", newline="") as fh:
        heads = [r for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
                 if WEEKS[0] <= r["date"] <= WEEKS[1] and r["title"].strip()]
    source = Source.make("web", "reuters.com", "Reuters")
    items = []
    for i, h in enumerate(heads):
        try:
            when = datetime.fromisoformat(h["datetime"])
        except ValueError:
            when = datetime.fromisoformat(h["date"]).replace(hour=12, tzinfo=UTC)
        # a headline-only document, as a headline feed or export is stored
        items.append(Enriched(Document(id=f"r{i:05d}", kind="article", origin=f"reuters:{i}", source=source,
                                       text="", title=h["title"], url=h["url"], language="en", published_at=when,
                                       content_hash=content_hash(h["title"], ""))))
    store = DuckDBStore(path)
    store.write(items, "reuters")
    return store, heads


@pytest.mark.slow
# Slow (the slowest of make test, measured with --durations): runs in make test-full, which .ci/run calls.
@pytest.mark.full
def test_link_clusters_real_reuters_headlines_do_not_melt(shared_data: Path, tmp_path: Path) -> None:
    store, heads = _reuters_store(tmp_path / "reuters.duckdb", shared_data / "news")
    settings = Settings.defaults()
    try:
        DuplicateLinker().run(store, settings, Watchlist(()))
        StoryClusterer().run(store, settings, Watchlist(()))
        story = {r["document_id"]: r["story_id"] for r in store.query("SELECT * FROM stories").to_pylist()}
        ids, vectors, _ = ensure_embeddings(store, settings, None, ("article",))
    finally:
        store.close()
    assert 1500 <= len(heads) <= 2000
    title = {f"r{i:05d}": h["title"] for i, h in enumerate(heads)}
    sizes = Counter(story.values())
    # The problem: single linkage over the same similarity pairs (cosine 0.86) melts hundreds of
    # unrelated headlines ("... to Present at ... Conference", "Fitch Affirms ...") into one story.
    uf = UnionFind()
    days = [datetime.fromisoformat(h["date"]).timestamp() / 86400 for h in heads]
    for i, j in similar_pairs(vectors, days, 3.0, 0.86):
        uf.union(ids[i], ids[j])
    assert max(Counter(uf.find(i) for i in ids).values()) > 100
    # Now no story holds more than a couple of dozen headlines, and few hold more than ten.
    assert max(sizes.values()) <= 25
    assert sum(n for n in sizes.values() if n > 10) <= 0.05 * len(heads)
    # Templated notices of different companies do not make a story: at most a handful of the
    # "to Present at" conference announcements share one.
    present = Counter(story[d] for d, t in title.items() if " to Present at " in t)
    assert sum(present.values()) >= 10 and max(present.values()) <= 5
    # A clear same-story group still clusters: the Volkswagen headlines of 21-26 September are
    # mostly in one story, and that story is mostly about Volkswagen.
    vw = [d for d, t in title.items() if VW.search(t) and "2015-09-21" <= heads[int(d[1:])]["date"] <= "2015-09-26"]
    top, held = Counter(story[d] for d in vw).most_common(1)[0]
    members = [d for d, s in story.items() if s == top]
    assert len(vw) >= 12 and held >= 0.5 * len(vw)
    assert sum(1 for d in members if VW.search(title[d]) or "diesel" in title[d].lower()) >= 0.7 * len(members)
