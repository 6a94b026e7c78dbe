"""Spillover: does one entity's bad press travel to another of the same organisation?

For two watched entities A and B (say a founder and the company's car segment), per day in the
report's time zone (or ISO week, Monday to Sunday): A's and B's negative documents, B's documents,
and B's documents that also mention A. Every count is divided by the total documents in scope that
day, so a busy news day or a crawler outage does not make the two series move together; the shared
scope options (since, until, language, source, kind) narrow the counts and the totals alike. Rows:

- ``cross_correlation`` at lags −``max_lag``..``max_lag``: corr(A_neg[t], B_neg[t + lag]); a peak at a
  positive lag means A's negative coverage leads B's.
- ``co_mention_share``: the share of B's documents that mention A.
- ``co_mention_vs_controversy``: corr(A's negative rate, the share of B's documents that mention A):
  does B get dragged into A's stories when A is under fire?
- ``negative_after_peak``: B's negative share (documents) in the ``max_lag`` periods after A's most
  negative period minus B's share before it, one-sided Fisher p-value. A's most negative period is
  the one with the most negative documents about A (ties: the higher share of the day's total,
  then the earlier), never a share over a handful of documents: a day with one negative piece of
  two is not the peak of a scandal that filled the news for a week. It is a before/after
  comparison around one event: anything else that changed B's tone then shows too, so read it with
  the co-mention rows and the evidence (B's negative documents after the peak).
- ``negative_if_co_mentioned``: among B's pieces (a republication, translation or duplicate counts
  with its original, once), the share in negative tone for B when the piece also names A minus the
  share when it does not: is B's bad press the press that drags A in? This catches spillover at any
  delay (a phone brand hit a month after the car scandal), which the daily correlations at ±max_lag
  cannot. Its p-value is one-sided Fisher's exact test (hypergeometric upper tail) on the 2×2 table;
  the evidence is B's negative pieces that name A. Pieces of one story by different outlets still
  count apart, so with few stories read it as descriptive.

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

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from limelight.analyses.base import SCOPE_OPTIONS, AnalysisResult, Option, Scope, evidence_option
from limelight.errors import UsageError
from limelight.registry import Registry, check_store
from limelight.store.base import Store
from limelight.timeseries.series import day_range, dense, monday, resolve, week_index
from limelight.watchlist import Watchlist

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
    rows = np.arange(count)[:, None]
    surr = rng.permuted(np.tile(x, (count, 1)), axis=1)  # start from shuffles: random phases
    for _ in range(iterations):
        # Impose x's amplitude spectrum, keeping each surrogate's phases: scaling every bin by
        # amplitude / |bin| does that without the angle/exp round trip (half of the loop's time).
        spectrum = np.fft.rfft(surr, axis=1)
        magnitude = np.abs(spectrum)
        scale = np.divide(amplitude, magnitude, out=np.zeros_like(magnitude), where=magnitude > 0)
        smooth = np.fft.irfft(spectrum * scale, n=n, axis=1)
        # then put back x's values in that rank order (the loop ends here: exactly x's values).
        # The default sort, not a stable one: smooth is continuous, so ties have no weight, and
        # it is three times faster.
        ranked = np.empty_like(surr)
        ranked[rows, np.argsort(smooth, axis=1)] = values
        # Stop once fewer than ``settled`` of the values still move: the spectrum error has
        # flattened out by then (a 730-day bursty series: 1% moved at iteration ~13 of 20).
        moved = np.mean(ranked != surr)
        surr = ranked
        if moved < settled:
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
    requires: tuple[str, ...] = ("documents", "mentions", "links", "sources")
    provides: tuple[str, ...] = ("spillover",)
    reads: tuple[str, ...] = ("analyses.corpus_days", "spillover.pair", "spillover.pieces")
    options: tuple[Option, ...] = (
        Option("a", None, "Entity id whose controversy may spill over (needed, with b)."),
        Option("b", None, "Entity id that may be dragged in (needed, with a)."),
        Option("include_children", True,
               "Count each entity's children too (a segment's products, a company's people); an entity "
               "that is the other's descendant stays out of the other's family."),
        Option("by", "day", "Period of the series (lags are counted in it; weeks start on Monday).",
               ("day", "week")),
        Option("max_lag", 7, "Largest lag in periods (days or weeks), both ways.", min=1, max=366),
        # 499 gives p in steps of 0.002: ample for a 0.05 or 0.01 decision (surrogate-data tests
        # use as few as 2/alpha - 1), at half the cost of 1000.
        Option("permutations", 499, "Surrogates of A (same values and autocorrelation) for the p-values.",
               min=0, max=100_000),
        Option("seed", 0, "Random seed for the surrogates (fixed, so the same store gives the same p-values).",
               min=0, max=2**32 - 1),
        evidence_option(),
        *SCOPE_OPTIONS,
    )

    def run(self, store: Store, watchlist: Watchlist, **options: Any) -> AnalysisResult:
        opts = self._resolve(options)
        check_store(self, store)
        if not opts["a"] and not opts["b"]:
            # nothing chosen (e.g. the dashboard listing analyses): an empty answer that says how
            return AnalysisResult(self.name, SCHEMA.empty_table(), opts,
                                  ("choose two entities: --a ENTITY_ID (the one under fire) and --b ENTITY_ID",))
        if not opts["a"] or not opts["b"] or opts["a"] == opts["b"]:
            raise UsageError("spillover needs two different entities",
                             "pass --a ENTITY_ID --b ENTITY_ID (a=..., b=... in the Python API)")
        scope = Scope.from_options(self.name, opts)
        return self._pair(store, watchlist, opts, store.read("analyses.corpus_days", scope=scope), {})

    def matrix(self, store: Store, watchlist: Watchlist, entities: Sequence[str],
               **options: Any) -> list[AnalysisResult]:
        """Every ordered pair of ``entities`` (n·(n−1) results, A's rows in the order given), each
        as :meth:`run` answers it, with the same numbers. The day totals are read once for all
        pairs and each A's surrogates drawn once for its n − 1 pairs (where its family is the same
        in each): the pair's own counts (co-mentions) are the only per-pair reads."""
        ids = [watchlist.get(e).id for e in dict.fromkeys(entities)]
        opts = self._resolve({**options, "a": None, "b": None})
        check_store(self, store)
        scope = Scope.from_options(self.name, opts)
        corpus = store.read("analyses.corpus_days", scope=scope)
        surrogates: dict[tuple[bytes, int, int], NDArray[np.float64]] = {}
        return [self._pair(store, watchlist, {**opts, "a": a, "b": b}, corpus, surrogates)
                for a in ids for b in ids if a != b]

    def _resolve(self, options: dict[str, Any]) -> dict[str, Any]:
        return resolve(self.name, self.options, options, ints=("max_lag", "permutations", "seed", "evidence_limit"))

    def _pair(self, store: Store, watchlist: Watchlist, opts: dict[str, Any], corpus: pa.Table,
              surrogates: dict[tuple[bytes, int, int], NDArray[np.float64]]) -> AnalysisResult:
        """The rows for the pair ``opts["a"]``, ``opts["b"]`` over the day totals ``corpus``;
        ``surrogates`` keeps the surrogates drawn, by A's series, for the next pair."""
        scope = Scope.from_options(self.name, opts)
        a, b = watchlist.get(opts["a"]).id, watchlist.get(opts["b"]).id
        fam_a, fam_b = families(watchlist, a, b, bool(opts["include_children"]))
        # By day: the read's groups come in no set order, and a week's evidence joins its days in turn.
        pair = store.read("spillover.pair", a=fam_a, b=fam_b, scope=scope).sort_by("day")
        if pair.num_rows == 0:
            return AnalysisResult(self.name, SCHEMA.empty_table(), opts,
                                  (f"neither {a} nor {b} is mentioned",))
        days = day_range(min(corpus.column("day").to_pylist()), max(corpus.column("day").to_pylist()))
        columns = ("a_docs", "b_docs", "a_neg", "b_neg", "co", "scored")
        total = dense(days, corpus, "day", "n")
        per = {c: dense(days, pair, "day", c) for c in columns}
        # Weeks (ISO, Monday first) see a spillover that takes weeks: a phone brand hit a month after
        # the car scandal is lag 4-5 in weeks, out of reach of a daily ±max_lag.
        period_index = np.arange(len(days)) if opts["by"] == "day" else week_index(days)
        starts = np.flatnonzero(np.r_[True, np.diff(period_index) > 0])
        total = np.add.reduceat(total, starts)
        per = {c: np.add.reduceat(v, starts) for c, v in per.items()}
        # a week is named by its Monday, even when the data starts later in that week
        periods = [days[i] if opts["by"] == "day" else monday(days[i]) for i in starts]
        period_of = {d: periods[k] for d, k in zip(days, period_index, strict=True)}
        live = total > 0  # collection gaps carry no information about either entity
        per = {c: v[live] for c, v in per.items()}
        tot = total[live]
        a_neg, b_neg = per["a_neg"] / tot, per["b_neg"] / tot
        with np.errstate(invalid="ignore", divide="ignore"):
            co_share = np.where(per["b_docs"] > 0, per["co"] / np.maximum(per["b_docs"], 1), 0.0)
        live_periods = [p for p, ok in zip(periods, live, strict=True) if ok]
        n = int(live[period_index].sum())  # days in live periods
        lags = range(-opts["max_lag"], opts["max_lag"] + 1)
        co_docs: dict[Any, list[str]] = {}
        b_neg_docs: dict[Any, list[str]] = {}
        for d, v, w in zip(pair.column("day").to_pylist(), pair.column("co_docs").to_pylist(),
                           pair.column("b_neg_docs").to_pylist(), strict=True):
            if d in period_of:
                co_docs.setdefault(period_of[d], []).extend(v or [])
                b_neg_docs.setdefault(period_of[d], []).extend(w or [])
        # evidence: B's documents naming A, from A's most negative periods first (by volume)
        order = np.lexsort((-a_neg, -per["a_neg"]))
        evidence = [doc for i in order for doc in co_docs.get(live_periods[i], [])][: opts["evidence_limit"]]

        rows: list[dict[str, Any]] = []
        notes: list[str] = []
        has_tone = per["scored"].sum() > 0
        if has_tone:
            # one row per surrogate of A (its values and autocorrelation, no tie to B): the null
            # distributions are computed as matrix products
            key = (a_neg.tobytes(), opts["permutations"], opts["seed"])
            if key not in surrogates:
                surrogates[key] = iaaft_surrogates(a_neg, opts["permutations"], np.random.default_rng(opts["seed"]))
            surr = surrogates[key]
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
            after = negative_after_peak(per["a_neg"], per["b_docs"], per["b_neg"], opts["max_lag"], share=a_neg)
            if after is not None:
                peak, value, p_after, (k_bef, n_bef, k_aft, n_aft) = after
                rows.append({"measure": "negative_after_peak", "lag": 0, "value": value, "p_value": p_after,
                             "days": n, "evidence": [doc for i in range(peak + 1, min(peak + 1 + opts["max_lag"],
                                                                                        len(live_periods)))
                                                     for doc in b_neg_docs.get(live_periods[i], [])
                                                     ][: opts["evidence_limit"]]})
                notes.append(f"{a}'s negative coverage peaked in the {opts['by']} of {live_periods[peak]} "
                             f"({int(per['a_neg'][peak]):,} negative documents); "
                             f"{b} was negative in {k_bef} of {n_bef} documents before "
                             f"({k_bef / max(n_bef, 1):.0%}) and {k_aft} of {n_aft} in the {opts['max_lag']} "
                             f"{opts['by']}s after ({k_aft / max(n_aft, 1):.0%})")
            diff, p_fisher, n_co, k_co, n_other, k_other, neg_evidence = negative_if_co_mentioned(
                store.read("spillover.pieces", a=fam_a, b=fam_b, scope=scope))
            rows.append({"measure": "negative_if_co_mentioned", "lag": 0, "value": diff, "p_value": p_fisher,
                         "days": n, "evidence": neg_evidence[: opts["evidence_limit"]]})
            if n_co and n_other:
                notes.append(f"{b} is negative in {k_co} of {n_co} pieces that name {a} ({k_co / n_co:.0%}) and in "
                             f"{k_other} of {n_other} that do not ({k_other / n_other:.0%})")
        else:
            notes.append("no mention has a tone yet (run `limelight tone apply`): co-mention share only")
        share = float(per["co"].sum() / per["b_docs"].sum()) if per["b_docs"].sum() else float("nan")
        rows.append({"measure": "co_mention_share", "lag": 0, "value": share, "p_value": None, "days": n,
                     "evidence": evidence})
        for r in rows:
            r["a"], r["b"] = a, b
        return AnalysisResult(self.name, pa.Table.from_pylist(rows, schema=SCHEMA), opts,
                              tuple(notes))


def families(watchlist: Watchlist, a: str, b: str, include_children: bool) -> tuple[list[str], list[str]]:
    """A's and B's entity ids: each with its descendants when asked, never sharing one. When one is
    the other's descendant (a company and its car segment) the descendant's family leaves the other's."""
    if not include_children:
        return [a], [b]
    fam_a, fam_b = watchlist.family(a), watchlist.family(b)
    if b in fam_a:
        fam_a = [x for x in fam_a if x not in fam_b]
    elif a in fam_b:
        fam_b = [x for x in fam_b if x not in fam_a]
    return fam_a, fam_b


def fisher_greater(k: int, row: int, col: int, total: int) -> float:
    """One-sided Fisher's exact test: P(X ≥ k) for X hypergeometric, ``total`` items of which ``col``
    are marked, ``row`` drawn (here: pieces, negative ones, pieces naming A, negative pieces naming A)."""
    def log_comb(n: int, r: int) -> float:
        return math.lgamma(n + 1) - math.lgamma(r + 1) - math.lgamma(n - r + 1)

    hi = min(row, col)
    if k > hi:
        return 0.0
    denom = log_comb(total, row)
    terms = [log_comb(col, x) + log_comb(total - col, row - x) - denom
             for x in range(max(k, row + col - total, 0), hi + 1)]
    top = max(terms)
    return float(min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms)))


def negative_if_co_mentioned(pieces: pa.Table) -> tuple[float, float | None, int, int, int, int, list[str]]:
    """(difference in negative share, Fisher p, co pieces, negative co pieces, other pieces, negative
    other pieces, evidence) from the rows of the ``spillover.pieces`` read."""
    co = np.array(pieces.column("co").to_pylist(), dtype=bool)
    neg = np.array(pieces.column("negative").to_pylist(), dtype=bool)
    n_co, n_other = int(co.sum()), int((~co).sum())
    k_co, k_other = int((co & neg).sum()), int((~co & neg).sum())
    evidence = [d for docs in pieces.column("evidence").to_pylist() if docs for d in docs]
    if n_co == 0 or n_other == 0:
        return float("nan"), None, n_co, k_co, n_other, k_other, evidence
    diff = k_co / n_co - k_other / n_other
    p = fisher_greater(k_co, n_co, k_co + k_other, n_co + n_other)
    return diff, p, n_co, k_co, n_other, k_other, evidence


def negative_after_peak(a_neg: NDArray[np.float64], b_docs: NDArray[np.float64], b_neg: NDArray[np.float64],
                        window: int, share: NDArray[np.float64] | None = None,
                        ) -> tuple[int, float, float, tuple[int, int, int, int]] | None:
    """B's negative share in the ``window`` periods after A's most negative period minus its share
    before that period, with a one-sided Fisher p-value (documents as units). None when A has no
    negative period or B has no documents on either side.

    ``a_neg`` are A's negative *documents* per period: the peak is the period with the most of them
    (ties: the higher ``share`` of the period's total, then the earlier), weighed by volume."""
    if not len(a_neg) or a_neg.max() <= 0:
        return None
    peak = most_negative_period(a_neg, share)
    k_bef, n_bef = int(b_neg[:peak].sum()), int(b_docs[:peak].sum())
    k_aft, n_aft = int(b_neg[peak + 1:peak + 1 + window].sum()), int(b_docs[peak + 1:peak + 1 + window].sum())
    if n_bef == 0 or n_aft == 0:
        return None
    value = k_aft / n_aft - k_bef / n_bef
    return peak, value, fisher_greater(k_aft, n_aft, k_aft + k_bef, n_aft + n_bef), (k_bef, n_bef, k_aft, n_aft)


def most_negative_period(a_neg: NDArray[np.float64], share: NDArray[np.float64] | None = None) -> int:
    """Index of the period with the most negative documents; ties go to the higher share, then to
    the earlier period."""
    tie = np.zeros(len(a_neg)) if share is None else np.nan_to_num(np.asarray(share, dtype=np.float64))
    return int(np.lexsort((np.arange(len(a_neg)), -tie, -np.asarray(a_neg, dtype=np.float64)))[0])


def _p_value(observed: float, null: NDArray[np.float64]) -> float | None:
    if np.isnan(observed):
        return None
    return float((1 + np.sum(null >= observed)) / (1 + len(null)))


def register(registry: Registry) -> None:
    registry.register("analysis", Spillover())
