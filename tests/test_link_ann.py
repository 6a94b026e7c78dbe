"""Time-blocked similar-pair search against brute force, on SYNTHETIC random vectors."""

from __future__ import annotations

import numpy as np

from limelight.link.ann import similar_pairs


def _unit(rng: np.random.Generator, n: int, dim: int = 64) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _planted(rng: np.random.Generator, n: int) -> tuple[np.ndarray, list[float | None], set[tuple[int, int]]]:
    vectors = _unit(rng, n)
    days: list[float | None] = [float(d) for d in rng.uniform(0, 60, size=n)]
    planted = set()
    for i in range(0, n - 1, 10):  # every tenth document gets a near twin a day later
        vectors[i + 1] = vectors[i] + 0.05 * rng.standard_normal(vectors.shape[1]).astype(np.float32)
        vectors[i + 1] /= np.linalg.norm(vectors[i + 1])
        days[i + 1] = (days[i] or 0.0) + 1.0
        planted.add((i, i + 1))
    return vectors, days, planted


def _brute(vectors: np.ndarray, days: list[float | None], window: float, threshold: float) -> set[tuple[int, int]]:
    out = set()
    for i in range(len(vectors)):
        for j in range(i + 1, len(vectors)):
            di, dj = days[i], days[j]
            near = (di is None and dj is None) or (di is not None and dj is not None and abs(di - dj) <= window)
            if near and float(vectors[i] @ vectors[j]) >= threshold:
                out.add((i, j))
    return out


def test_link_ann_exact_blocks_match_brute_force() -> None:
    rng = np.random.default_rng(1)
    vectors, days, planted = _planted(rng, 300)
    days[5] = days[7] = None  # undated documents only meet each other
    found = similar_pairs(vectors, days, 3.0, 0.9)
    assert set(found) == _brute(vectors, days, 3.0, 0.9)
    assert planted - {(4, 5)} <= set(found)
    assert all(abs(found[p] - float(vectors[p[0]] @ vectors[p[1]])) < 1e-5 for p in found)


def test_link_ann_lsh_blocks_keep_close_pairs() -> None:
    rng = np.random.default_rng(2)
    vectors, days, planted = _planted(rng, 600)
    found = similar_pairs(vectors, days, 3.0, 0.9, exact_limit=50)  # force the LSH path
    assert set(found) <= _brute(vectors, days, 3.0, 0.9)  # every reported pair is real
    assert len(planted & set(found)) >= 0.95 * len(planted)


def test_link_ann_respects_the_window() -> None:
    rng = np.random.default_rng(3)
    v = _unit(rng, 1)
    vectors = np.repeat(v, 3, axis=0)
    found = similar_pairs(vectors, [0.0, 2.0, 30.0], 7.0, 0.99)
    assert set(found) == {(0, 1)}
