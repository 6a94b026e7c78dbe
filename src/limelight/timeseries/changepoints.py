"""Change points by PELT (Killick, Fearnhead & Eckley 2012) with a Poisson or a Gaussian cost.

``pelt`` returns the indices where a new segment starts (never 0), the convention of TCPD's
annotations. Costs are -2 × the maximised log-likelihood of a segment, dropping the terms that do
not depend on the segmentation, so a penalty reads as a likelihood-ratio threshold.

Penalty for counts (:func:`poisson_penalty`): BIC gives 2·log(n) per change for a one-parameter
segment (its rate plus the change's location). Counts of news mentions are overdispersed — a story
day has several times the variance a Poisson would allow — so a plain Poisson BIC cuts a segment at
every busy day. We divide the Poisson deviance by a dispersion φ (quasi-likelihood, as in a
quasi-Poisson GLM), estimated robustly from lag-1 differences: for a piecewise-constant rate
``var(x_t - x_{t-1}) ≈ 2·φ·mean`` away from the few change points, and the MAD ignores those. This
is the same as multiplying the BIC penalty by φ, which is what ``poisson_penalty`` returns.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

Cost = Literal["poisson", "normal_mean", "normal_meanvar"]
_MAD_TO_SD = 1.4826  # the MAD of a normal sample times this estimates its standard deviation


def _as_2d(x: ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    return arr


def mad_sigma(x: ArrayLike) -> NDArray[np.float64]:
    """Per-column noise level from lag-1 differences: robust to level shifts (only a few differences
    straddle a change) and to outliers (median, not mean)."""
    arr = _as_2d(x)
    if len(arr) < 3:
        return np.ones(arr.shape[1])
    d = np.diff(arr, axis=0)
    sig = _MAD_TO_SD * np.median(np.abs(d - np.median(d, axis=0)), axis=0) / np.sqrt(2.0)
    # A series that is flat most of the time has MAD 0; fall back to the plain sd so we never
    # divide by zero and never call every tiny wiggle a change.
    sd = np.std(d, axis=0) / np.sqrt(2.0)
    sig = np.where(sig > 0, sig, sd)
    return np.where(sig > 0, sig, 1.0)


def dispersion(counts: ArrayLike) -> float:
    """Quasi-Poisson dispersion φ ≥ 1 of a count series, from lag-1 differences (see module doc)."""
    x = np.asarray(counts, dtype=np.float64)
    if len(x) < 3 or x.mean() <= 0:
        return 1.0
    d = np.diff(x)
    var = (_MAD_TO_SD * np.median(np.abs(d - np.median(d)))) ** 2 / 2.0
    if var == 0:
        var = float(np.var(d)) / 2.0
    return max(1.0, var / float(x.mean()))


def fill_missing(x: ArrayLike) -> NDArray[np.float64]:
    """A (time, dims) copy of ``x`` with NaN filled by the previous value (a leading NaN run by the
    first value; a column that is all NaN by 0), so a gap adds no change of its own."""
    arr = _as_2d(x).copy()
    n, dims = arr.shape
    for j in range(dims):
        col = arr[:, j]
        mask = np.isnan(col)
        if mask.all():
            arr[:, j] = 0.0
            continue
        idx = np.where(~mask, np.arange(n), 0)
        np.maximum.accumulate(idx, out=idx)
        col = col[idx]
        first = int(np.argmax(~np.isnan(col)))
        col[:first] = col[first]
        arr[:, j] = col
    return arr


def autocorrelation_factor(x: ArrayLike, max_rho: float = 0.95) -> float:
    """How much serial correlation inflates the variance of a segment mean: (1+ρ)/(1−ρ) for AR(1).

    BIC assumes independent noise; most real series (prices, passengers, sensor logs) wander, and
    then every wander looks like a change. ρ is read from the lag-1 autocorrelation r of the
    differences, which is −0.5 for white noise around a level (→ ρ = 0, factor 1) and 0 for a
    random walk (→ ρ near 1), and is barely moved by the few differences that straddle a change.
    Averaged over columns, capped at ρ = ``max_rho`` (0.95: factor 39; 0: no inflation).
    """
    arr = _as_2d(x)
    factors = []
    for j in range(arr.shape[1]):
        col = arr[:, j]
        col = col[~np.isnan(col)]
        if len(col) < 10:
            factors.append(1.0)
            continue
        d = np.diff(col)
        d = d - d.mean()
        r = float((d[1:] * d[:-1]).sum() / max(float((d * d).sum()), 1e-12))
        rho = min(max_rho, max(0.0, 1.0 + 2.0 * r))
        factors.append((1.0 + rho) / (1.0 - rho))
    return float(np.mean(factors))


def gaussian_penalty(x: ArrayLike, cost: Cost = "normal_meanvar", max_rho: float = 0.95) -> float:
    """BIC, (k·dims + 1)·log n per change, times :func:`autocorrelation_factor` (see its doc)."""
    arr = _as_2d(x)
    k = 1 if cost == "normal_mean" else 2
    return (k * arr.shape[1] + 1) * float(np.log(max(len(arr), 2))) * autocorrelation_factor(arr, max_rho)


def poisson_penalty(counts: ArrayLike) -> float:
    """BIC penalty per change (2·log n) scaled by the robust dispersion φ (see module doc)."""
    n = max(len(np.asarray(counts)), 2)
    return 2.0 * np.log(n) * dispersion(counts)


def _segment_cost(x: NDArray[np.float64], cost: Cost) -> Callable[[int, NDArray[np.int64]], NDArray[np.float64]]:
    """cost(t, starts) → cost of the segments x[s:t] for each s in starts (vectorised over s)."""
    _n, _ = x.shape
    c1 = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(x, axis=0)])
    c2 = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(x * x, axis=0)])
    if cost == "poisson":
        if np.any(x < 0):
            raise ValueError("the Poisson cost needs non-negative counts")

        def poisson(t: int, s: NDArray[np.int64]) -> NDArray[np.float64]:
            m = (t - s)[:, None].astype(np.float64)
            tot = c1[t] - c1[s]
            with np.errstate(divide="ignore", invalid="ignore"):
                ll = np.where(tot > 0, tot * np.log(tot / m), 0.0)
            return np.asarray(-2.0 * ll.sum(axis=1))
        return poisson
    if cost == "normal_mean":
        def normal_mean(t: int, s: NDArray[np.int64]) -> NDArray[np.float64]:
            m = (t - s)[:, None].astype(np.float64)
            tot = c1[t] - c1[s]
            return np.asarray(((c2[t] - c2[s]) - tot * tot / m).sum(axis=1))
        return normal_mean

    def normal_meanvar(t: int, s: NDArray[np.int64]) -> NDArray[np.float64]:
        m = (t - s)[:, None].astype(np.float64)
        tot = c1[t] - c1[s]
        var = ((c2[t] - c2[s]) - tot * tot / m) / m
        # floor the variance: a segment of equal values would otherwise have cost -inf
        return np.asarray((m * np.log(np.maximum(var, 1e-3))).sum(axis=1))
    return normal_meanvar


def pelt(x: ArrayLike, *, cost: Cost = "poisson", penalty: float | None = None, min_size: int = 2,
         standardise: bool = True) -> list[int]:
    """Optimal segmentation minimising Σ cost(segment) + penalty × #changes, pruned as in PELT.

    ``x``: one value per time step, or a (time, dims) array (costs add over dims). Missing values
    (NaN) are filled with the previous value so they add no change of their own. For the Gaussian
    costs with ``standardise`` every column is divided by its :func:`mad_sigma` first, so a default
    penalty (:func:`gaussian_penalty`: BIC inflated for serial correlation) applies; for the
    Poisson cost the default is :func:`poisson_penalty`.
    """
    arr = _as_2d(x)
    n, dims = arr.shape
    if n < 2 * min_size:
        return []
    arr = fill_missing(arr)
    if cost == "poisson":
        if penalty is None:
            penalty = sum(poisson_penalty(arr[:, j]) for j in range(dims))
    else:
        if penalty is None:
            penalty = gaussian_penalty(arr, cost)
        if standardise:
            centred = arr - np.median(arr, axis=0)
            arr = centred / mad_sigma(arr)
    seg = _segment_cost(arr, cost)
    f = np.full(n + 1, np.inf)
    f[0] = -penalty
    last = np.zeros(n + 1, dtype=np.int64)
    candidates = np.array([0], dtype=np.int64)
    for t in range(min_size, n + 1):
        # a segment ending at t may start at s only if it is at least min_size long
        valid = candidates[t - candidates >= min_size]
        waiting = candidates[t - candidates < min_size]
        vals = f[valid] + seg(t, valid)
        best = int(np.argmin(vals))
        f[t] = vals[best] + penalty
        last[t] = valid[best]
        # PELT pruning: an s whose cost so far already exceeds the optimum can never win later
        # (K = 0 holds for these likelihood costs)
        candidates = np.concatenate([valid[vals <= f[t]], waiting, [t]])
    cps: list[int] = []
    t = n
    while t > 0:
        s = int(last[t])
        if s > 0:
            cps.append(s)
        t = s
    return sorted(cps)


def segment_means(x: ArrayLike, cps: list[int]) -> list[float]:
    """The mean of each segment between the change points (for describing a change)."""
    arr = np.asarray(x, dtype=np.float64)
    bounds = [0, *cps, len(arr)]
    return [float(np.nanmean(arr[a:b])) if b > a else float("nan") for a, b in itertools.pairwise(bounds)]
