"""Change points and bursts on real benchmarks: TCPD, NAB realTweets, and an account that stopped.

- **TCPD** (Turing Change Point Dataset, van den Burg & Williams 2020): the 32 series shipped in the
  repo. F1 and cover against all annotators with margin 5, computed as in TCPDBench's
  ``metrics.py`` (index 0 counts as a change point in both sets). Our detector is
  :func:`limelight.timeseries.pelt` with the Gaussian mean-and-variance cost. Two ways of setting it:

  * ``f1_default`` / ``cover_default``: its default penalty (BIC × an AR(1) variance-inflation
    factor, ρ capped at 0.95) — one setting for every series, chosen without looking at TCPD.
  * ``f1`` / ``cover``: the penalty level tuned, honestly, by 2-fold cross-validation over series:
    the default penalty times a multiplier from :data:`TCPD_GRID` (0.5 … 10, 1 = the default). The
    series, sorted by name, alternate between two folds; the multiplier with the best mean F1 (then
    cover) on one fold is scored on the other, and the row is the mean over all 32 held-out series.
    The chosen multipliers are in the note; nothing is chosen per series. A wider grid (multiplier ×
    cap on ρ × minimum segment length, 40 settings, :data:`TCPD_WIDE_GRID`) was tried first: it
    overfits 16 training series and scores *below* the default held out; it stays as a reference.
    (The one-knob grid was chosen after seeing that, so its held-out number has had one look.)

  The "zero" baseline (no change points) is printed as a reference, as is the binary segmentation
  + MAD penalty measured before limelight (DESIGN.md, 0.718), and our online detector
  (:func:`limelight.timeseries.bocpd.bocpd`, Gaussian model, expected run 100).
- **NAB realTweets**: 5-minute tweet counts for 10 tickers with labelled anomaly windows, summed to
  hours; :func:`limelight.timeseries.detect_bursts` with a one-week trailing baseline. Reported:
  the share of windows containing a burst onset (recall) and the share of burst onsets inside a
  window (precision). NAB's own time-weighted score is not reproduced.
- **Trump, X, 2020-07..2021-01**: read through limelight's own social CSV source into a fresh store,
  then the ``withdrawal`` analysis with ``as_of`` 2021-02-01 (the archive's last update). Known:
  the account was suspended on 2021-01-08 (the file's last post is 2021-01-06).

Intervals (95%): the TCPD means are bootstrapped over series (the CV's chosen multipliers are kept
fixed: the interval is that of the held-out scores, not of the tuning); NAB's window recall is a
proportion of windows and its onset precision one of onsets (Wilson). The Trump rows are one event:
no interval, so their floors stay exact.
"""

from __future__ import annotations

import csv
import importlib
import itertools
import json
import tempfile
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from limelight.eval.base import EvalRow
from limelight.eval.intervals import mean_interval, wilson, with_interval
from limelight.models import Account, Document, Enriched, Entity
from limelight.timeseries.bocpd import bocpd
from limelight.timeseries.bursts import detect_bursts
from limelight.timeseries.changepoints import fill_missing, gaussian_penalty, pelt

MARGIN = 5
BINSEG_MAD_F1 = 0.718  # DESIGN.md: measured before any limelight code
# Settings are (multiplier of the default penalty, cap on the AR(1) rho of its inflation factor,
# minimum segment length); cross-validation chooses among them in this order (ties: the first).
# TCPD_GRID, the one that makes the row: the penalty level only, the default's shape kept.
TCPD_GRID: tuple[tuple[float, float, int], ...] = tuple(
    (scale, 0.95, 2) for scale in (0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0))
# A wider grid, tried first and kept as a reference: 40 settings overfit 16 training series (its
# held-out F1 is below the default's).
TCPD_WIDE_GRID: tuple[tuple[float, float, int], ...] = tuple(
    (scale, max_rho, min_size) for scale in (1.0, 1.5, 2.0, 3.0, 5.0) for max_rho in (0.0, 0.5, 0.8, 0.95)
    for min_size in (2, 5))


# -- TCPD metrics, following TCPDBench/cpdbench/metrics.py ----------------------------------------

def _true_positives(truth: Iterable[int], predicted: Iterable[int], margin: int = MARGIN) -> set[int]:
    """Each true change point matches at most one prediction within the margin, closest first."""
    left = set(predicted)
    hits: set[int] = set()
    for tau in truth:
        close = sorted((abs(tau - x), x) for x in left if abs(tau - x) <= margin)
        if close:
            hits.add(tau)
            left.remove(close[0][1])
    return hits


def f_measure(annotations: dict[str, list[int]], predicted: list[int], margin: int = MARGIN) -> float:
    truths = [set(v) | {0} for v in annotations.values()]
    x = set(predicted) | {0}
    union: set[int] = set().union(*truths)
    precision = len(_true_positives(union, x, margin)) / len(x)
    recall = float(np.mean([len(_true_positives(t, x, margin)) / len(t) for t in truths]))
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _partition(cps: Iterable[int], n: int) -> list[set[int]]:
    bounds = [0, *sorted({c for c in cps if 0 < c < n}), n]
    return [set(range(a, b)) for a, b in itertools.pairwise(bounds) if b > a]


def covering(annotations: dict[str, list[int]], predicted: list[int], n: int) -> float:
    mine = _partition(predicted, n)
    scores = []
    for cps in annotations.values():
        total = 0.0
        for region in _partition(cps, n):
            total += len(region) * max(len(region & r) / len(region | r) for r in mine)
        scores.append(total / n)
    return float(np.mean(scores))


def load_tcpd(root: Path) -> dict[str, np.ndarray]:
    series: dict[str, np.ndarray] = {}
    for folder in sorted((root / "datasets").iterdir()):
        path = folder / f"{folder.name}.json"
        if not path.exists():  # the ten series TCPD ships only as download scripts
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        cols = [[np.nan if v is None else float(v) for v in s["raw"]] for s in data["series"]]
        series[folder.name] = np.asarray(cols, dtype=float).T
    return series


def detect_tcpd(x: np.ndarray, setting: tuple[float, float, int]) -> list[int]:
    """PELT, normal mean+var, with the penalty ``scale`` × BIC × AR(1) inflation (ρ ≤ ``max_rho``)."""
    scale, max_rho, min_size = setting
    filled = fill_missing(x)
    penalty = scale * gaussian_penalty(filled, "normal_meanvar", max_rho=max_rho)
    return pelt(filled, cost="normal_meanvar", penalty=penalty, min_size=min_size)


def two_folds(names: Iterable[str]) -> tuple[list[str], list[str]]:
    """The series sorted by name, alternating: 1st, 3rd, … in one fold, 2nd, 4th, … in the other."""
    ordered = sorted(names)
    return ordered[0::2], ordered[1::2]


def cross_validate(scores: dict[tuple[float, float, int], dict[str, tuple[float, float]]],
                   names: Iterable[str]) -> tuple[dict[str, tuple[float, float]], list[tuple[float, float, int]]]:
    """2-fold CV over series: ``scores[setting][series] = (f1, cover)``. For each fold, the setting
    with the best mean F1 (then cover; then the first in ``scores``' order) on the *other* fold
    scores this one. Returns every series' held-out (f1, cover) and the setting chosen per fold."""
    folds = two_folds(names)
    held: dict[str, tuple[float, float]] = {}
    chosen = []
    for test, train in (folds, folds[::-1]):
        best = max(scores, key=lambda k: (float(np.mean([scores[k][s][0] for s in train])),
                                          float(np.mean([scores[k][s][1] for s in train]))))
        chosen.append(best)
        held.update({s: scores[best][s] for s in test})
    return held, chosen


def evaluate_tcpd(root: Path) -> list[EvalRow]:
    annotations = json.loads((root / "annotations.json").read_text(encoding="utf-8"))
    series = load_tcpd(root)
    ours_f, ours_c, zero_f, zero_c, bo_f, bo_c = [], [], [], [], [], []
    grid: dict[tuple[float, float, int], dict[str, tuple[float, float]]] = {
        k: {} for k in dict.fromkeys([*TCPD_GRID, *TCPD_WIDE_GRID])}
    for name, x in series.items():
        online = bocpd(x, model="gaussian", expected_run=100.0)
        bo_f.append(f_measure(annotations[name], online))
        bo_c.append(covering(annotations[name], online, len(x)))
        found = pelt(x, cost="normal_meanvar")
        ours_f.append(f_measure(annotations[name], found))
        ours_c.append(covering(annotations[name], found, len(x)))
        zero_f.append(f_measure(annotations[name], []))
        zero_c.append(covering(annotations[name], [], len(x)))
        for setting in grid:
            cps = detect_tcpd(x, setting)
            grid[setting][name] = (f_measure(annotations[name], cps), covering(annotations[name], cps, len(x)))
    held, chosen = cross_validate({k: grid[k] for k in TCPD_GRID}, series)
    wide, _ = cross_validate({k: grid[k] for k in TCPD_WIDE_GRID}, series)
    n = len(series)
    zero = {"zero": float(np.mean(zero_f)), "bocpd": float(np.mean(bo_f))}
    default_note = "PELT normal mean+var, BIC x AR(1) inflation, margin 5, default settings for all series"
    cv_note = ("PELT normal mean+var, default penalty x a multiplier chosen by 2-fold CV over series (sorted "
               "names alternating), held-out scores; chosen per fold: "
               + " / ".join(f"x{a:g}" for a, _, _ in chosen))
    held_f = float(np.mean([held[s][0] for s in series]))
    held_c = float(np.mean([held[s][1] for s in series]))
    per_series = {"f1": [held[s][0] for s in series], "cover": [held[s][1] for s in series],
                  "f1_default": ours_f, "cover_default": ours_c}
    ci = {metric: mean_interval(v, f"changepoints/tcpd/{metric}") for metric, v in per_series.items()}
    rows = [
        EvalRow("changepoints", "tcpd", "f1", held_f, n,
                {**zero, "default": float(np.mean(ours_f)),
                 "cv 40-setting grid": float(np.mean([wide[s][0] for s in series])),
                 "binseg_mad (DESIGN.md)": BINSEG_MAD_F1}, cv_note),
        EvalRow("changepoints", "tcpd", "cover", held_c, n,
                {"zero": float(np.mean(zero_c)), "bocpd": float(np.mean(bo_c)), "default": float(np.mean(ours_c)),
                 "cv 40-setting grid": float(np.mean([wide[s][1] for s in series]))}, cv_note),
        EvalRow("changepoints", "tcpd", "f1_default", float(np.mean(ours_f)), n,
                {**zero, "binseg_mad (DESIGN.md)": BINSEG_MAD_F1}, default_note),
        EvalRow("changepoints", "tcpd", "cover_default", float(np.mean(ours_c)), n,
                {"zero": float(np.mean(zero_c)), "bocpd": float(np.mean(bo_c))}, default_note),
    ]
    return [with_interval(r, ci[r.metric]) for r in rows]


# -- NAB realTweets ---------------------------------------------------------------------------------

def _ts(text: str) -> datetime:
    return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S")


def evaluate_nab(root: Path) -> list[EvalRow]:
    windows = json.loads((root / "labels" / "combined_windows_realTweets.json").read_text(encoding="utf-8"))
    found_windows = n_windows = onsets_in = n_onsets = 0
    for key, spans in windows.items():
        path = root / "data" / key
        with path.open(encoding="utf-8") as fh:
            rows = [(_ts(r["timestamp"]), float(r["value"])) for r in csv.DictReader(fh)]
        start = rows[0][0].replace(minute=0, second=0)
        hours = np.zeros(int((rows[-1][0] - start).total_seconds() // 3600) + 1)
        for t, v in rows:
            hours[int((t - start).total_seconds() // 3600)] += v
        bursts = detect_bursts(hours, window=24 * 7, min_history=24, z_on=5.0, z_off=2.0, min_count=10)
        onsets = [start + timedelta(hours=b.onset) for b in bursts]
        spans_dt = [(_ts(a), _ts(b)) for a, b in spans]
        n_windows += len(spans_dt)
        found_windows += sum(any(a <= o <= b for o in onsets) for a, b in spans_dt)
        n_onsets += len(onsets)
        onsets_in += sum(any(a <= o <= b for a, b in spans_dt) for o in onsets)
    note = "hourly sums, robust Poisson-MAD baseline over the previous week, z_on 5"
    w_low, w_high = wilson(found_windows, n_windows)
    o_low, o_high = wilson(onsets_in, n_onsets)
    return [
        EvalRow("changepoints", "nab_realtweets", "window_recall", found_windows / max(n_windows, 1),
                n_windows, note=note, ci_low=w_low, ci_high=w_high, ci_method="wilson"),
        EvalRow("changepoints", "nab_realtweets", "onset_precision", onsets_in / max(n_onsets, 1), n_onsets,
                note=note + f"; {n_onsets} bursts in {len(windows)} series", ci_low=o_low, ci_high=o_high,
                ci_method="wilson"),
    ]


# -- an account that stopped: Trump on X, suspended 2021-01-08 --------------------------------------

TRUMP_FILE = Path("social") / "trump" / "trump_tweets_2020-07-19_to_2021-01-06_gabrielpreda.csv.gz"
TRUMP_SUSPENDED = date(2021, 1, 8)
TRUMP_AS_OF = "2021-02-01"
TRUMP_DATASET = "trump_x_2020_withdrawal"  # scored by the withdrawal analysis


def evaluate_trump(data_dir: Path) -> list[EvalRow]:
    from limelight.analyses.withdrawal import Withdrawal
    from limelight.registry import DEFAULT_PLUGINS, Registry
    from limelight.settings import Settings
    from limelight.sources.base import SourceContext
    from limelight.sources.dispatch import read_all
    from limelight.store.duckdb_store import DuckDBStore
    from limelight.watchlist import Watchlist

    # Only the source plugins: the eval must not depend on every other built-in importing cleanly.
    sources = Registry()
    sources._loaded = True  # skip entry points and non-source built-ins
    for module in DEFAULT_PLUGINS:
        if module.startswith("limelight.sources."):
            importlib.import_module(module).register(sources)
    items = read_all([str(data_dir / TRUMP_FILE)], SourceContext(Settings.from_dict({}), None), sources)
    docs = [i for i in items if isinstance(i, Document)]
    handle = docs[0].source.handle
    watchlist = Watchlist((Entity("trump", "person", "Donald Trump", accounts=(Account("x", handle),)),))
    with tempfile.TemporaryDirectory(prefix="limelight-withdrawal-") as tmp:
        store = DuckDBStore(Path(tmp) / "trump.duckdb")
        try:
            store.write([Enriched(d) for d in docs], "eval")
            rows = Withdrawal().run(store, watchlist, as_of=TRUMP_AS_OF, content_type="all").table.to_pylist()
        finally:
            store.close()
    cadence = [r for r in rows if r["row"] == "cadence"]
    silence = next(r for r in rows if r["row"] == "silence")
    # the stop: the last change point whose new segment has no posts at all
    stops = [r for r in cadence[1:] if r["posts"] == 0]
    err = (stops[-1]["start"] - TRUMP_SUSPENDED).days if stops else 99
    cuts = ", ".join(f"{r['start']} ({r['posts_per_week']:.0f}/wk, conf {r['confidence']:.2f})" for r in cadence)
    return [
        EvalRow("changepoints", TRUMP_DATASET, "stop_detected", 1.0 if stops else 0.0, len(docs),
                note=f"segments: {cuts}"),
        EvalRow("changepoints", TRUMP_DATASET, "stop_onset_error_days", float(err), 1, lower_is_better=True,
                note=f"suspension {TRUMP_SUSPENDED}; change at the start of a weekly bin"),
        EvalRow("changepoints", TRUMP_DATASET, "silence_percentile", float(silence["silence_percentile"]), 1,
                note=(f"{silence['days_since_last']:.0f} days since {silence['start']} vs median gap "
                      f"{silence['median_gap_days'] * 24:.1f} h, p90 {silence['p90_gap_days'] * 24:.1f} h; "
                      f"confidence {silence['confidence']:.2f} (single-source store: nothing else "
                      "was collected after the stop, so the analysis cannot rule out a crawler gap)")),
    ]


def evaluate(data_dir: Path) -> list[EvalRow]:
    cp = data_dir / "changepoints"
    return [*evaluate_tcpd(cp / "tcpd"), *evaluate_nab(cp / "nab_realTweets"), *evaluate_trump(data_dir)]
