"""95% confidence intervals for the eval rows, computed in the same run as the value.

A floor pinned at "measured − 0.01" fails on a different CPU as readily as on a regression: a
statistic over a few hundred items moves by more than that when a handful of items flip. So each
floor is the lower end of the row's 95% interval instead (:mod:`limelight.eval.pin`):

- a **proportion of items** (accuracy, hit rate, recall over pairs, top-1) gets the Wilson score
  interval (Wilson 1927). It stays sensible at 0/n and n/n, where a bootstrap collapses to a point:
  5 of 5 crises found gives 0.566–1.0, not a floor of 1.0;
- **any other statistic** (F1 of averaged precision and recall, macro-F1, Pearson, pairwise cluster
  scores, ARI, mean cover) gets a percentile bootstrap over the items it is computed from:
  :data:`RESAMPLES` resamples with a seed fixed per row, so a run is reproducible;
- a proportion of items that come in **clusters** (entity spans of a sentence, snippets of a page)
  gets both, and keeps the one reaching lower (:func:`clustered_proportion`).

The bootstrap helpers work on *resampling weights*: row ``b`` of a ``(RESAMPLES, n)`` matrix says
how often each item was drawn in resample ``b`` (the weights of the original sample are all ones).
Weighted sums then give every resample's statistic in one matrix product instead of a Python loop.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from limelight.eval.base import EvalRow

Z95 = 1.959963984540054  # two-sided 95% normal quantile
RESAMPLES = 1000
BOOTSTRAP_SEED = 20260101


def wilson(successes: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion; (0, 1) when there are no items."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # the closed form gives e.g. 1 - 1e-17 at n/n; clamp to the exact end
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return low, high


def resample_weights(n: int, key: str, resamples: int = RESAMPLES) -> np.ndarray:
    """``(resamples, n)`` draw counts of a bootstrap over ``n`` items; the seed is fixed by ``key``
    (the row or item set), so independent sets get independent resamples and reruns the same ones."""
    rng = np.random.default_rng([BOOTSTRAP_SEED, zlib.crc32(key.encode("utf-8"))])
    if n == 0:
        return np.zeros((resamples, 0))
    idx = rng.integers(0, n, size=(resamples, n))
    offsets = (np.arange(resamples)[:, None] * n + idx).ravel()
    return np.bincount(offsets, minlength=resamples * n).reshape(resamples, n).astype(float)


def percentile_interval(samples: np.ndarray) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of the resampled statistic."""
    low, high = np.percentile(np.asarray(samples, dtype=float), [2.5, 97.5])
    return float(low), float(high)


def bootstrap(stat: Callable[[np.ndarray], np.ndarray], n: int, key: str,
              resamples: int = RESAMPLES) -> tuple[float, float]:
    """Percentile interval of ``stat``, which maps a ``(B, n)`` weight matrix to ``B`` values."""
    return percentile_interval(stat(resample_weights(n, key, resamples)))


def safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, 0 where den is 0 (as the point estimates define an empty ratio)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den != 0)


def f1_of(p: np.ndarray, r: np.ndarray) -> np.ndarray:
    return safe_ratio(2 * p * r, p + r)


def weighted_mean(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Each resample's mean of per-item ``values``."""
    return safe_ratio(weights @ np.asarray(values, dtype=float), weights.sum(axis=1))


def mean_interval(values: list[float] | np.ndarray, key: str) -> tuple[float, float]:
    """Bootstrap interval of a plain mean over items (e.g. TCPD's per-series F1)."""
    arr = np.asarray(values, dtype=float)
    return bootstrap(lambda w: weighted_mean(w, arr), len(arr), key)


def weighted_pearson(weights: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each resample's Pearson correlation of ``x`` and ``y`` (0 where either is constant)."""
    # centred in float64 first: E[x²] − E[x]² of raw float32 cosines near 0.8 loses most digits
    x = np.asarray(x, dtype=float) - float(np.mean(x))
    y = np.asarray(y, dtype=float) - float(np.mean(y))
    total = weights.sum(axis=1)
    mx, my = safe_ratio(weights @ x, total), safe_ratio(weights @ y, total)
    exy = safe_ratio(weights @ (x * y), total) - mx * my
    exx = safe_ratio(weights @ (x * x), total) - mx * mx
    eyy = safe_ratio(weights @ (y * y), total) - my * my
    den = np.sqrt(np.clip(exx, 0, None) * np.clip(eyy, 0, None))
    return np.clip(np.where(den > 1e-12, safe_ratio(exy, den), 0.0), -1.0, 1.0)


def weighted_macro_f1(weights: np.ndarray, gold: list[str], pred: list[str]) -> np.ndarray:
    """Each resample's F1 averaged over the gold classes drawn into it (as :func:`tone.macro_f1`)."""
    g, p = np.array(gold), np.array(pred)
    scores, present = [], []
    for c in sorted(set(gold)):
        tp = weights @ ((g == c) & (p == c)).astype(float)
        fp = weights @ ((g != c) & (p == c)).astype(float)
        fn = weights @ ((g == c) & (p != c)).astype(float)
        scores.append(np.where(tp > 0, safe_ratio(2 * tp, 2 * tp + fp + fn), 0.0))
        present.append(weights @ (g == c).astype(float) > 0)
    if not scores:
        return np.zeros(len(weights))
    s, m = np.stack(scores, axis=1), np.stack(present, axis=1)
    return safe_ratio((s * m).sum(axis=1), m.sum(axis=1))


def pair_scores(weights: np.ndarray, gold: list[str], predicted: list[str]) -> dict[str, np.ndarray]:
    """Pairwise precision, recall, F1 and adjusted Rand index of a clustering, per resample.

    A document drawn ``w`` times stands for ``w`` copies; a pair of two different documents counts
    ``w_i · w_j`` times, and the pairs of a document with its own copy are left out (they would
    be "same cluster" in both labelings and inflate every score). With all weights 1 these are
    exactly the scores over the original pairs.
    """
    g, p = np.array(gold), np.array(predicted)
    same_g = (g[:, None] == g[None, :]).astype(float)
    same_p = (p[:, None] == p[None, :]).astype(float)
    for m in (same_g, same_p):
        np.fill_diagonal(m, 0.0)

    def pairs(matrix: np.ndarray) -> np.ndarray:
        # each unordered pair {i, j}, i ≠ j, once: wᵀ M w / 2 with a zero diagonal
        return np.asarray(((weights @ matrix) * weights).sum(axis=1) / 2)

    both, gold_pairs, pred_pairs = pairs(same_g * same_p), pairs(same_g), pairs(same_p)
    total = (weights.sum(axis=1) ** 2 - (weights**2).sum(axis=1)) / 2
    precision, recall = safe_ratio(both, pred_pairs), safe_ratio(both, gold_pairs)
    expected = safe_ratio(gold_pairs * pred_pairs, total)
    maximum = (gold_pairs + pred_pairs) / 2
    ari = np.where(np.abs(maximum - expected) > 1e-12, safe_ratio(both - expected, maximum - expected), 0.0)
    return {"precision": precision, "recall": recall, "f1": f1_of(precision, recall), "adjusted_rand": ari}


def clustered_proportion(boot: tuple[float, float], successes: float, n: int) -> tuple[tuple[float, float], str]:
    """Interval of a proportion whose items come in clusters (entity spans in sentences, snippets in
    pages): the bootstrap over clusters sees the clustering, but collapses to a point at 0/n and
    n/n (every gold span found: 1.000–1.000, a floor no run can miss once). Wilson over the items
    does not collapse. The row takes whichever interval reaches lower, and says which."""
    wil = wilson(successes, n)
    return (wil, "wilson") if wil[0] < boot[0] else (boot, "bootstrap")


def with_wilson(row: EvalRow, successes: float | None = None, n: int | None = None) -> EvalRow:
    """``row`` with the Wilson interval of its value read as ``successes`` of ``n`` (default: row.n)."""
    n = row.n if n is None else n
    k = row.value * n if successes is None else successes
    low, high = wilson(round(k), n)
    return replace(row, ci_low=low, ci_high=high, ci_method="wilson")


def with_interval(row: EvalRow, interval: tuple[float, float], method: str = "bootstrap") -> EvalRow:
    return replace(row, ci_low=interval[0], ci_high=interval[1], ci_method=method)
