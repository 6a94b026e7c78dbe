"""Storms: unusual, sustained bursts in a count series against its own baseline, with a severity.

:func:`detect_bursts` flags every day far above its trailing median, and on real headlines that
is a "storm" a fortnight: a product launch or a results day of 5–15 headlines, or 3 documents
where the median was 0. A storm as an analyst means it is unusual *and* sustained. So, per step:

1. **Collection gaps** (:func:`collection_gaps`): steps whose corpus total is 0 or below
   ``gap_fraction`` of the median total of the same weekday over the previous ``gap_weeks`` weeks
   (a weekend is compared with weekends). A gap is no history, and it neither starts, continues nor
   ends a storm: with 3 documents collected, 1 about the entity is not a third of the news.
2. **Expected count**: the trailing median rate (count ÷ total) of :func:`robust_baseline`, times
   the step's total, but never below ``floor_fraction`` of the entity's long-run rate (its mean over
   the previous ``long_window`` steps): a median of 0 is not an expectation of 0.
3. **Onset**: a window of 1, 3 or 7 steps from a step with coverage whose pooled count is far above
   its pooled expectation (signed Poisson deviance, divided by the overdispersion of recent
   residuals: a z that stays honest at 1 document against 0.1 expected). Pooling is what finds a
   storm of one headline a day against one a month.
   The onset step itself must be unusual (daily z ≥ ``z_first``): a window made significant by
   the days after it does not start a storm on an ordinary day before them. The onset is the
   later of the run's first step with at least 30% of its peak step's excess (coverage that creeps
   up for a week before the incident is not when the storm began) and the start of the waves that
   lead to the peak: an earlier wave, a lull of at most ``quiet`` steps before the next, belongs to
   the storm only if it is unusual by itself (see :func:`_trim`).
4. **Extent**: the storm lasts while steps stay high (z ≥ ``z_off``, or inside an onset window),
   through up to ``quiet`` ordinary steps (hysteresis).
5. **Cool-down**: candidate storms (an excess of at least 3 documents) with at most ``cooldown``
   usable steps between them are one storm that grows (an incident's second wave is not a second
   alert), unless the later one is more than twice as big (an escalation has its own onset). Every
   sensitivity merges the same candidates, so where a storm starts and ends does not depend on it.
6. **Acceptance**, at the chosen sensitivity (:data:`SENSITIVITY`, :class:`Thresholds`): the merged
   storm stays unusual with its biggest step left out (``z_sustained``: a one-day blip is not
   sustained) and is either very unusual as a whole (pooled z ≥ ``z_severe``) or a many-fold jump
   over the expectation (``min_lift``): a thin corpus's crisis of six headlines against half a one
   expected is a storm, a busy entity's week at twice its usual coverage is not.

``severity`` is the pooled z of the whole storm (it grows as a storm grows); ``level`` names the
strictest sensitivity that still reports it: ``high`` (fewer), ``medium`` (balanced), ``low``
(more).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from limelight.timeseries.bursts import baseline_and_scale

SPANS = (1, 3, 7)  # onset windows, in steps


@dataclass(frozen=True, slots=True)
class Thresholds:
    """What a burst must be to be reported. Every candidate starts with an onset window of pooled z
    ≥ ``z_start``; after the cool-down has merged candidates, a storm is reported when it has at least
    ``min_excess`` documents above expectation on ``min_days`` steps, stays unusual with its biggest
    step left out (pooled z ≥ ``z_sustained``: sustained, not a blip), and either is very unusual as
    a whole (pooled z ≥ ``z_severe``) or is a many-fold jump (``min_lift`` × the expected). The lift branch
    is what lets a thin corpus report a crisis (6 headlines where 0.5 were expected); the severity
    branch keeps the crisis of an entity that is always in the news (JPMorgan's London Whale was
    1.7× its usual coverage, at z 12)."""

    z_start: float  # pooled z of an onset window
    z_severe: float  # pooled z of the whole storm that reports it whatever its lift (0: every candidate)
    min_lift: float  # documents ÷ expected over the storm that reports it below z_severe
    z_sustained: float  # pooled z without the biggest step (0: not required)
    min_excess: float  # documents above expectation over the storm
    min_days: int  # steps above expectation


# Chosen on the headline corpora of limelight/eval/storms.py (docs/timeseries.md): the candidates are
# the "more" storms; "balanced" keeps those at z >= 10 or >= 6x expected and z >= 4 without the peak.
SENSITIVITY: dict[str, Thresholds] = {
    "fewer": Thresholds(z_start=3.0, z_severe=15.0, min_lift=8.0, z_sustained=5.0, min_excess=8.0, min_days=1),
    "balanced": Thresholds(z_start=3.0, z_severe=10.0, min_lift=6.0, z_sustained=4.0, min_excess=3.0, min_days=1),
    "more": Thresholds(z_start=3.0, z_severe=0.0, min_lift=1.0, z_sustained=0.0, min_excess=3.0, min_days=1),
}
# candidates: what every sensitivity sees before the cool-down merges (the loosest acceptance)
CANDIDATES = SENSITIVITY["more"]
LEVELS = (("fewer", "high"), ("balanced", "medium"), ("more", "low"))


@dataclass(frozen=True, slots=True)
class Storm:
    onset: int  # index of the first step
    peak: int  # step with the most documents above expectation
    end: int  # last step (inclusive)
    documents: float  # Σ count over the storm's non-gap steps
    expected: float  # Σ expected over the same steps
    peak_z: float  # the highest daily z inside the storm
    severity: float  # pooled z of the whole storm
    sustained_z: float  # pooled z with the peak step left out
    active_days: int  # steps above expectation
    gap_days: int  # collection-gap steps inside the storm
    level: str  # high / medium / low: the strictest sensitivity that reports it

    @property
    def excess(self) -> float:
        return self.documents - self.expected


def collection_gaps(totals: ArrayLike, *, fraction: float = 0.2, period: int = 7, weeks: int = 8,
                    min_history: int = 3) -> NDArray[np.bool_]:
    """Steps whose total is 0, or below ``fraction`` of the median total of the same phase of
    ``period`` (weekday) over the previous ``weeks`` periods with a total (at least
    ``min_history`` of them)."""
    tot = np.asarray(totals, dtype=np.float64)
    n = len(tot)
    gaps = tot <= 0
    if n == 0:
        return gaps
    vals = np.where(tot > 0, tot, np.nan)
    lags = np.full((n, weeks), np.nan)
    for k in range(1, weeks + 1):
        if k * period < n:
            lags[k * period:, k - 1] = vals[:n - k * period]
    enough = np.sum(~np.isnan(lags), axis=1) >= min_history
    with np.errstate(invalid="ignore"):
        med = np.where(enough, np.nanmedian(np.where(enough[:, None], lags, 0.0), axis=1), np.nan)
    return gaps | (enough & (tot < fraction * med))


def deviance_z(observed: ArrayLike, expected: ArrayLike) -> NDArray[np.float64]:
    """Signed root of the Poisson deviance of ``observed`` against ``expected``: ≈ the usual z for
    large counts, and honest for small ones (1 against 0.1 is z 1.3, not 9)."""
    o = np.asarray(observed, dtype=np.float64)
    e = np.maximum(np.asarray(expected, dtype=np.float64), 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(o > 0, o * np.log(o / e), 0.0)
    dev = np.maximum(2.0 * (term - (o - e)), 0.0)
    return np.sign(o - e) * np.sqrt(dev)


def _forward_sum(a: NDArray[np.float64], w: int) -> NDArray[np.float64]:
    c = np.r_[0.0, np.cumsum(a)]
    idx = np.minimum(np.arange(len(a)) + w, len(a))
    return c[idx] - c[:-1]


def expected_counts(x: NDArray[np.float64], tot: NDArray[np.float64], gaps: NDArray[np.bool_], *,
                    window: int, long_window: int, floor_fraction: float, min_history: int,
                    exclude: NDArray[np.bool_] | None = None) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Expected count (NaN without history) and overdispersion scale (≥ 1) per step."""
    usable_tot = np.where(gaps, 0.0, tot)
    expected, scale = baseline_and_scale(x, usable_tot, window=window, min_history=min_history, exclude=exclude)
    # the long-run rate: Σ count ÷ Σ total over the previous long_window usable steps
    xs = np.where(gaps, 0.0, x)
    cx, ct = np.r_[0.0, np.cumsum(xs)], np.r_[0.0, np.cumsum(usable_tot)]
    t = np.arange(len(x))
    lo = np.maximum(t - long_window, 0)
    num, den = cx[t] - cx[lo], ct[t] - ct[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        long_rate = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    floor = floor_fraction * long_rate * tot
    expected = np.where(np.isnan(expected), expected, np.fmax(expected, floor))
    return expected, scale


def detect_storms(counts: ArrayLike, totals: ArrayLike | None = None, *, gaps: ArrayLike | None = None,
                  sensitivity: str = "balanced", thresholds: Thresholds | None = None, window: int = 28,
                  long_window: int = 365, floor_fraction: float = 0.5, cooldown: int = 7, z_off: float = 2.0,
                  z_first: float = 1.5, quiet: int = 2, min_history: int = 7, max_length: int = 60) -> list[Storm]:
    """Storms in a daily count series normalised by ``totals`` (see the module doc).

    ``gaps`` marks collection gaps (default: :func:`collection_gaps` of ``totals``). Two passes, as
    :func:`detect_bursts`: the second recomputes the baseline with the first pass' storms (their
    first ``max_length`` steps) left out, so a storm does not raise its own baseline.
    """
    th = thresholds or SENSITIVITY[sensitivity]
    # a short window needs less history: with window 7 and 7 usable steps required, one gap (or one
    # day the scope has nothing) would leave a whole week without a baseline
    min_history = max(1, min(min_history, max(3, window // 2)))
    x = np.asarray(counts, dtype=np.float64)
    tot = np.ones_like(x) if totals is None else np.asarray(totals, dtype=np.float64)
    gap = collection_gaps(tot) if gaps is None else np.asarray(gaps, dtype=bool) | (tot <= 0)
    kw = dict(window=window, long_window=long_window, floor_fraction=floor_fraction, min_history=min_history)
    expected, scale = expected_counts(x, tot, gap, **kw)  # type: ignore[arg-type]
    runs = _candidates(x, expected, scale, gap, th, quiet, z_off, z_first)
    hot = np.zeros(len(x), dtype=bool)
    for a, b in runs:
        hot[a:min(b + 1, a + max_length)] = True
    expected, scale = expected_counts(x, tot, gap, exclude=hot, **kw)  # type: ignore[arg-type]
    kept = [(a, b, _storm(a, b, x, expected, scale, gap)) for a, b in
            _candidates(x, expected, scale, gap, th, quiet, z_off, z_first)]
    # every sensitivity merges the same candidates, so a storm's extent does not depend on it; the
    # sensitivity then decides which merged storms are reported
    kept = [k for k in kept if _passes(k[2], replace(CANDIDATES, z_start=th.z_start))]
    # the cool-down: storms with at most ``cooldown`` usable steps between them are one storm, unless
    # the later one is far bigger (an escalation is a new storm, with its own onset)
    merged: list[tuple[int, int, float]] = []
    for a, b, st in kept:
        if merged and int(np.sum(~gap[merged[-1][1] + 1:a])) <= cooldown and st.excess <= 2 * merged[-1][2]:
            merged[-1] = (merged[-1][0], b, merged[-1][2] + st.excess)
        else:
            merged.append((a, b, st.excess))
    storms = [_storm(a, b, x, expected, scale, gap) for a, b, _ in merged]
    return [st for st in storms if _passes(st, th)]


def _candidates(x: NDArray[np.float64], e: NDArray[np.float64], scale: NDArray[np.float64],
                gap: NDArray[np.bool_], th: Thresholds, quiet: int, z_off: float, z_first: float,
                onset_fraction: float = 0.3, end_fraction: float = 0.1) -> list[tuple[int, int]]:
    """(first, last) of each run that starts with an onset window on a step of its own daily z ≥
    ``z_first`` and lasts, through up to ``quiet`` quiet steps, while steps are at z ≥ ``z_off``."""
    n = len(x)
    ok = ~np.isnan(e) & ~gap
    xe = np.where(ok, x, 0.0)
    ee = np.where(ok, e, 0.0)
    above = ok & (x > e)
    daily_z = np.where(ok, deviance_z(xe, ee) / scale, np.nan)
    warm = above & (daily_z >= z_off)
    seed_end = np.full(n, -1)
    for w in SPANS:
        o, ex = _forward_sum(xe, w), _forward_sum(ee, w)
        z = deviance_z(o, ex) / scale
        begins = above & (daily_z >= z_first) & (z >= th.z_start) & (o - ex >= min(th.min_excess, 3.0))
        for i in np.flatnonzero(begins).tolist():
            # the window's last step above expectation
            inside = np.flatnonzero(above[i:i + w])
            seed_end[i] = max(int(seed_end[i]), i + int(inside[-1]))
    runs: list[tuple[int, int]] = []
    t = 0
    while t < n:
        if seed_end[t] < 0:
            t += 1
            continue
        start, last, calm = t, int(seed_end[t]), 0
        j = t + 1
        while j < n:
            if gap[j]:
                j += 1
                continue
            if j <= last or warm[j]:
                last = max(last, int(j))
                calm = 0
            else:
                calm += 1
                if calm > quiet:
                    break
            j += 1
        first, final = _trim(start, last, xe, ee, scale, ok, warm, gap, th.z_start, quiet, onset_fraction,
                             end_fraction)
        runs.append((first, final))
        t = last + 1
    return runs


def _trim(a: int, b: int, xe: NDArray[np.float64], ee: NDArray[np.float64], scale: NDArray[np.float64],
          ok: NDArray[np.bool_], warm: NDArray[np.bool_], gap: NDArray[np.bool_], z_start: float, quiet: int,
          fraction: float, end_fraction: float) -> tuple[int, int]:
    """The run's onset and end.

    The onset is the later of two steps: the run's first usable step whose excess is at least
    ``fraction`` of the peak step's (coverage that creeps up for a week before the incident is not
    when the storm began), and the start of the waves that lead to the peak. A wave is an unbroken
    stretch of high steps (daily z ≥ ``z_off``, or that fraction of the peak's excess; gaps
    bridged); walking back from the peak's wave, an earlier wave at most ``quiet`` ordinary steps
    before it belongs to the storm only if it is unusual by itself (its pooled z ≥ ``z_start``): an
    incident's first wave, a lull, then the bigger second one is one storm from the first, but one
    odd day, two ordinary ones and then the incident is a storm from the incident (the onset window
    that seeded the run reached the incident; the odd day is not part of the storm). The end is the
    last step with at least ``end_fraction`` of the peak's excess."""
    over = xe - ee
    seg = np.where(ok[a:b + 1], over[a:b + 1], -np.inf)
    top = float(np.max(seg))
    if not np.isfinite(top) or top <= 0:
        return a, b
    first = a + int(np.flatnonzero(seg >= fraction * top)[0])
    strong = ok & (warm | (over >= fraction * top))
    bridge = strong | gap

    def wave_start(t: int) -> int:  # the first strong step of the wave that ends at strong step t
        s = t
        while s > a and bridge[s - 1]:
            s -= 1
        while not strong[s]:
            s += 1
        return s

    start = wave_start(a + int(np.argmax(seg)))
    while True:
        t, calm = start - 1, 0
        while t >= a and not strong[t] and calm <= quiet:
            calm += int(not gap[t])
            t -= 1
        if t < a or not strong[t] or calm > quiet:
            break
        s = wave_start(t)
        o, e = float(xe[s:t + 1].sum()), float(ee[s:t + 1].sum())
        phi = float(np.nanmedian(scale[s:t + 1])) if np.any(~np.isnan(scale[s:t + 1])) else 1.0
        if float(deviance_z(o, e)) / phi < z_start:
            break
        start = s
    return max(first, start), a + int(np.flatnonzero(seg >= end_fraction * top)[-1])


def _storm(a: int, b: int, x: NDArray[np.float64], e: NDArray[np.float64], scale: NDArray[np.float64],
           gap: NDArray[np.bool_]) -> Storm:
    seg = slice(a, b + 1)
    ok = ~gap[seg] & ~np.isnan(e[seg])
    xs, es = np.where(ok, x[seg], 0.0), np.where(ok, e[seg], 0.0)
    over = np.where(ok, xs - es, -np.inf)
    k = int(np.argmax(over))
    phi = float(np.nanmedian(scale[seg])) if np.any(~np.isnan(scale[seg])) else 1.0
    o, ex = float(xs.sum()), float(es.sum())
    daily = np.where(ok, deviance_z(xs, es) / np.where(np.isnan(scale[seg]), 1.0, scale[seg]), -np.inf)
    severity = float(deviance_z(o, ex) / phi)
    sustained = float(deviance_z(o - xs[k], ex - es[k]) / phi)
    days = int(np.sum(ok & (xs > es)))
    return Storm(onset=a, peak=a + k, end=b, documents=o, expected=ex,
                 peak_z=float(np.max(daily)) if ok.any() else float("nan"), severity=severity,
                 sustained_z=sustained, active_days=days, gap_days=int(np.sum(gap[seg])),
                 level=_level(o, ex, severity, sustained, days))


def _level(o: float, ex: float, severity: float, sustained: float, days: int) -> str:
    for name, level in LEVELS:
        if _meets(o, ex, severity, sustained, days, SENSITIVITY[name]):
            return level
    return "none"


def _meets(o: float, ex: float, severity: float, sustained: float, days: int, th: Thresholds) -> bool:
    if o - ex < th.min_excess or days < th.min_days:
        return False
    if th.z_sustained > 0 and sustained < th.z_sustained:
        return False  # a one-step blip, however big against an empty baseline, is not sustained
    return severity >= th.z_severe or o >= th.min_lift * ex


def _passes(storm: Storm, th: Thresholds) -> bool:
    return _meets(storm.documents, storm.expected, storm.severity, storm.sustained_z, storm.active_days, th)
