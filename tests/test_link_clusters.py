"""Story clustering and lineage chains on SYNTHETIC ids and days."""

from __future__ import annotations

from limelight.link.clusters import cluster
from limelight.link.translations import Meta, similar_translations


def test_link_clusters_links_merge_and_similarity_respects_the_span() -> None:
    metas = [Meta("a", "zh", 0.0), Meta("b", "en", 1.0), Meta("c", "de", 2.0), Meta("d", "de", 6.0),
             Meta("e", "de", 12.0), Meta("f", "vi", 40.0)]
    rows = {doc: (story, method) for doc, story, method in cluster(
        metas, link_edges=[("b", "a")],
        similarity_edges=[("c", "b", 0.95), ("d", "c", 0.9), ("e", "d", 0.9)], max_span_days=7.0)}
    assert rows["a"][0] == rows["b"][0] == rows["c"][0] == rows["d"][0]
    assert rows["e"][0] != rows["a"][0]  # joining would stretch the story to 12 days
    assert (rows["a"][1], rows["c"][1], rows["f"][1]) == ("link", "similarity", "single")
    # The story id comes from the earliest document, so it is stable across runs.
    again = cluster(list(reversed(metas)), [("b", "a")], [("c", "b", 0.95), ("d", "c", 0.9), ("e", "d", 0.9)])
    assert {d: s for d, s, _ in again}["a"] == rows["a"][0]


def test_link_translations_mutual_best_cross_language_only() -> None:
    import numpy as np

    v = np.array([[1.0, 0.0, 0.0], [0.96, 0.28, 0.0], [0.95, 0.0, 0.312], [0.99, 0.0, 0.141]], dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    metas = [Meta("zh1", "zh", 0.0), Meta("en1", "en", 1.0), Meta("en2", "en", 1.5), Meta("zh2", "zh", 0.5)]
    links = similar_translations(metas, v, 0.85)
    # zh1 and zh2 are alike but the same language, so never linked; each English text is linked to
    # its own best Chinese match only (en1 is close to zh2 too, but zh2 has a better partner).
    assert {(x.from_id, x.to_id) for x in links} == {("en1", "zh1"), ("en2", "zh2")}
    assert all(x.kind == "translation" and x.score >= 0.85 for x in links)
