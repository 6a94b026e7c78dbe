"""Spillover: does one entity's bad press travel to another of the same organisation?

For two watched entities A and B (say a founder and the company's car segment), per local day:
A's and B's negative documents, B's documents, and B's documents that also mention A. Every count
is divided by the store's total documents that day, so a busy news day or a crawler outage does not
make the two series move together. Rows:

- ``cross_correlation`` at lags −``max_lag``..``max_lag``: corr(A_neg[t], B_neg[t + lag]); a peak at a
  positive lag means A's negative coverage leads B's.
- ``co_mention_share``: the share of B's documents that mention A.
- ``co_mention_vs_controversy``: corr(A's negative rate, the share of B's documents that mention A):
  does B get dragged into A's stories when A is under fire?

p-values come from a surrogate test that keeps A's autocorrelation. Media coverage is strongly
autocorrelated (a story runs for days), and two independent autocorrelated series show large
chance correlations: shuffling A's days destroys the autocorrelation, so its null is far too narrow
and flags most independent pairs (about 2 in 3 of independent AR(1), φ = 0.9, pairs at p < 0.05 in
the tests). Instead ``permutations`` IAAFT surrogates of A are drawn (iterative amplitude-adjusted
Fourier transform, Schreiber & Schmitz 1996; the phase-randomisation test of Ebisuzaki 1997 for
correlations between serially correlated series): random Fourier phases with A's own amplitude
spectrum, then its values put back in that rank order, alternated 20 times and ending on the
values. Each surrogate has A's power spectrum (so its autocorrelation) and exactly A's values (so
its bursts: a few heavy days over a floor of zeros). Under independence the spread of a sample
cross-correlation depends on the two series' autocorrelations only (Bartlett), which the surrogates
keep, and B is left untouched. Why not the alternatives on 60-200 days with bursts: circular shifts
give only n − 1 nulls, of which those within a few lags of zero must be dropped, and the wrap-around
joins the end to the start (a jump that makes shifted copies look less like B: too many false
positives on short series); a block bootstrap needs a block length that short bursty series cannot
estimate and cuts the bursts at block edges. p = (1 + #{surrogate ≥ observed}) / (1 + permutations),
with a fixed seed. For the cross-correlation the statistic is the largest |corr| over all lags, so
the test accounts for having looked at 2·max_lag + 1 lags. On very short or very bursty series
(around 60 days with a handful of bursts) the test is still somewhat liberal (about 10-15 % at a
nominal 5 % in simulation); from about 120 days it is near nominal.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from limelight.analyses.base import AnalysisResult, Option
from limelight.errors import UsageError
from limelight.registry import Registry
from limelight.store.base import Store
from limelight.timeseries.series import LOCAL_DAY, NEGATIVE, day_range, dense, resolve
from limelight.watchlist import Watchlist

_CORPUS_DAYS = f"""
SELECT {LOCAL_DAY} AS day, count(*) AS n
FROM documents AS d WHERE d.published_at IS NOT NULL GROUP BY day
"""

_PAIR = f"""
WITH per_doc AS (
    SELECT m.document_id,
           bool_or(m.entity_id = $1) AS has_a, bool_or(m.entity_id = $2) AS has_b,
           bool_or(m.entity_id = $1 AND {NEGATIVE}) AS neg_a, bool_or(m.entity_id = $2 AND {NEGATIVE}) AS neg_b,
           bool_or(m.tone IS NOT NULL OR m.tone_label IS NOT NULL) AS scored
    FROM mentions AS m WHERE m.entity_id IN ($1, $2)
    GROUP BY m.document_id
)
SELECT {LOCAL_DAY} AS day,
       count(*) FILTER (WHERE has_a) AS a_docs, count(*) FILTER (WHERE has_b) AS b_docs,
       count(*) FILTER (WHERE neg_a) AS a_neg, count(*) FILTER (WHERE neg_b) AS b_neg,
       count(*) FILTER (WHERE has_a AND has_b) AS co, count(*) FILTER (WHERE scored) AS scored,
       list(p.document_id ORDER BY d.published_at) FILTER (WHERE has_a AND has_b) AS co_docs
FROM per_doc AS p JOIN documents AS d ON d.id = p.document_id
WHERE d.published_at IS NOT NULL
GROUP BY day
"""

SCHEMA = pa.schema([
    ("a", pa.string()), ("b", pa.string()), ("measure", pa.string()), ("lag", pa.int32()),
    ("value", pa.float64()), ("p_value", pa.float64()), ("days", pa.int64()), ("evidence", pa.list_(pa.string())),
])


def _corr(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    if len(x) < 3 or x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def lagged_correlation(x: NDArray[np.float64], y: NDArray[np.float64], lag: int) -> float:
    """corr(x[t], y[t + lag]) over the days where both exist."""
    return float(_lagged_rows(x[None, :], y, lag)[0])


def iaaft_surrogates(x: NDArray[np.float64], count: int, rng: np.random.Generator,
                     iterations: int = 20, settled: float = 0.01) -> NDArray[np.float64]:
    """``count`` IAAFT surrogates of ``x`` (one per row): its values, in an order whose amplitude
    spectrum matches ``x``'s, so with its autocorrelation but no relation to anything else."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    if count <= 0 or n == 0:
        return np.empty((max(count, 0), n))
    values = np.sort(x)
    amplitude = np.abs(np.fft.rfft(x))
    ordered = np.tile(values, (count, 1))
    surr = rng.permuted(np.tile(x, (count, 1)), axis=1)  # start from shuffles: random phases
    for _ in range(iterations):
        phases = np.angle(np.fft.rfft(surr, axis=1))
        smooth = np.fft.irfft(amplitude * np.exp(1j * phases), n=n, axis=1)  # impose the spectrum
        # then put back x's values in that rank order (the loop ends here: exactly x's values)
        before = surr.copy()
        np.put_along_axis(surr, np.argsort(smooth, axis=1, kind="stable"), ordered, axis=1)
        # Stop once fewer than ``settled`` of the values still move: the spectrum error has
        # flattened out by then (a 730-day bursty series: 1% moved at iteration ~13 of 20).
        if np.mean(before != surr) < settled:
            break
    return surr


def max_lag_test(x: NDArray[np.float64], y: NDArray[np.float64], max_lag: int, permutations: int = 499,
                 seed: int = 0) -> tuple[dict[int, float], float | None]:
    """corr(x[t], y[t + lag]) for every lag in −max_lag..max_lag, and the p-value of the largest
    |corr| against IAAFT surrogates of x (see the module doc)."""
    lags = range(-max_lag, max_lag + 1)
    observed = {lag: lagged_correlation(x, y, lag) for lag in lags}
    best = max((abs(v) for v in observed.values() if not np.isnan(v)), default=float("nan"))
    surr = iaaft_surrogates(x, permutations, np.random.default_rng(seed))
    return observed, _p_value(best, _max_abs_null(surr, y, lags))


def _max_abs_null(surr: NDArray[np.float64], y: NDArray[np.float64], lags: range) -> NDArray[np.float64]:
    """For each surrogate row, its largest |corr| with y over the lags (NaN counts as 0)."""
    if not len(surr):
        return np.empty(0)
    return np.nan_to_num(np.nanmax(np.abs(np.vstack([_lagged_rows(surr, y, lag) for lag in lags])), axis=0,
                                   initial=0.0))


def _lagged_rows(xs: NDArray[np.float64], y: NDArray[np.float64], lag: int) -> NDArray[np.float64]:
    """corr(x[t], y[t + lag]) for every row x of ``xs`` at once (the surrogates, vectorised)."""
    n = xs.shape[1]
    if lag >= 0:
        a, b = xs[:, : n - lag], y[lag:]
    else:
        a, b = xs[:, -lag:], y[: n + lag]
    if b.size < 3:
        return np.full(len(xs), np.nan)
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean()
    denom = np.sqrt((a * a).sum(axis=1) * (b * b).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (a @ b) / np.where(denom > 0, denom, 1.0), np.nan)


class Spillover:
    name = "spillover"
    version = "1"
    title = "Spillover between two entities"
    description = (
        "For two entities A and B of one organisation: lagged cross-correlation of their daily "
        "negative coverage (normalised by the day's total), the share of B's coverage that mentions A, "
        "and whether that share rises with A's controversy, with p-values from surrogates of A "
        "that keep its autocorrelation."
    )
    requires: tuple[str, ...] = ("documents", "mentions")
    provides: tuple[str, ...] = ("spillover",)
    options: tuple[Option, ...] = (
        Option("a", None, "Entity id whose controversy may spill over (needed, with b)."),
        Option("b", None, "Entity id that may be dragged in (needed, with a)."),
        Option("max_lag", 7, "Largest lag in days, both ways."),
        # 499 gives p in steps of 0.002: ample for a 0.05 or 0.01 decision (surrogate-data tests
        # use as few as 2/alpha - 1), at half the cost of 1000.
        Option("permutations", 499, "Surrogates of A (same values and autocorrelation) for the p-values."),
        Option("seed", 0, "Random seed for the surrogates (fixed, so the same store gives the same p-values)."),
        Option("evidence_limit", 5, "Most document ids listed as evidence per row."),
    )

    def run(self, store: Store, watchlist: Watchlist, **options: Any) -> AnalysisResult:
        opts = resolve(self.name, self.options, options,
                       ints=("max_lag", "permutations", "seed", "evidence_limit"))
        if not opts["a"] and not opts["b"]:
            # nothing chosen (e.g. the dashboard listing analyses): an empty answer that says how
            return AnalysisResult(self.name, SCHEMA.empty_table(), opts,
                                  ("choose two entities: a=ENTITY_ID (the one under fire) and b=ENTITY_ID",))
        if not opts["a"] or not opts["b"] or opts["a"] == opts["b"]:
            raise UsageError("spillover needs two different entities", "pass a=ENTITY_ID and b=ENTITY_ID")
        a, b = watchlist.get(opts["a"]).id, watchlist.get(opts["b"]).id
        corpus = store.query(_CORPUS_DAYS)
        pair = store.query(_PAIR, [a, b])
        if pair.num_rows == 0:
            return AnalysisResult(self.name, SCHEMA.empty_table(), opts, (f"neither {a} nor {b} is mentioned",))
        days = day_range(min(corpus.column("day").to_pylist()), max(corpus.column("day").to_pylist()))
        total = dense(days, corpus, "day", "n")
        live = total > 0  # collection gaps carry no information about either entity
        per = {c: dense(days, pair, "day", c)[live] for c in ("a_docs", "b_docs", "a_neg", "b_neg", "co", "scored")}
        tot = total[live]
        a_neg, b_neg = per["a_neg"] / tot, per["b_neg"] / tot
        with np.errstate(invalid="ignore", divide="ignore"):
            co_share = np.where(per["b_docs"] > 0, per["co"] / np.maximum(per["b_docs"], 1), 0.0)
        n = int(live.sum())
        lags = range(-opts["max_lag"], opts["max_lag"] + 1)
        co_docs = {d: v for d, v in zip(pair.column("day").to_pylist(), pair.column("co_docs").to_pylist(),
                                        strict=True) if v}
        live_days = [d for d, ok in zip(days, live, strict=True) if ok]
        # evidence: B's documents naming A, from A's most negative days first
        order = np.argsort(-a_neg, kind="stable")
        evidence = [doc for i in order for doc in co_docs.get(live_days[i], [])][: opts["evidence_limit"]]

        rows: list[dict[str, Any]] = []
        notes: list[str] = []
        has_tone = per["scored"].sum() > 0
        if has_tone:
            # one row per surrogate of A (its values and autocorrelation, no tie to B): the null
            # distributions are computed as matrix products
            surr = iaaft_surrogates(a_neg, opts["permutations"], np.random.default_rng(opts["seed"]))
            observed = {lag: lagged_correlation(a_neg, b_neg, lag) for lag in lags}
            best = max((abs(v) for v in observed.values() if not np.isnan(v)), default=float("nan"))
            p_max = _p_value(best, _max_abs_null(surr, b_neg, lags))
            for lag, value in observed.items():
                rows.append({"measure": "cross_correlation", "lag": lag, "value": value,
                             "p_value": p_max if abs(value) == best else None, "days": n, "evidence": []})
            controversy = _corr(a_neg, co_share)
            null_c = _lagged_rows(surr, co_share, 0) if len(surr) else np.empty(0)
            rows.append({"measure": "co_mention_vs_controversy", "lag": 0, "value": controversy,
                         "p_value": _p_value(controversy, np.nan_to_num(null_c, nan=-np.inf)), "days": n,
                         "evidence": evidence})
        else:
            notes.append("no mention has a tone yet (run the tone enricher): co-mention share only")
        share = float(per["co"].sum() / per["b_docs"].sum()) if per["b_docs"].sum() else float("nan")
        rows.append({"measure": "co_mention_share", "lag": 0, "value": share, "p_value": None, "days": n,
                     "evidence": evidence})
        for r in rows:
            r["a"], r["b"] = a, b
        return AnalysisResult(self.name, pa.Table.from_pylist(rows, schema=SCHEMA), opts, tuple(notes))


def _p_value(observed: float, null: NDArray[np.float64]) -> float | None:
    if np.isnan(observed):
        return None
    return float((1 + np.sum(null >= observed)) / (1 + len(null)))


def register(registry: Registry) -> None:
    registry.register("analysis", Spillover())
