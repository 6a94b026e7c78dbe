"""Change points and bursts on real benchmarks: TCPD, NAB realTweets, and an account that stopped.

- **TCPD** (Turing Change Point Dataset, van den Burg & Williams 2020): the 32 series shipped in the
  repo. F1 and cover against all annotators with margin 5, computed as in TCPDBench's
  ``metrics.py`` (index 0 counts as a change point in both sets). Our detector is
  :func:`limelight.timeseries.pelt` with the Gaussian mean-and-variance cost and its default
  penalty (BIC × an AR(1) variance-inflation factor) — one setting for every series, nothing tuned
  on these annotations. The "zero" baseline (no change points) is printed as a reference, as is the
  binary segmentation + MAD penalty measured before limelight (DESIGN.md, 0.718), and our online
  detector (:func:`limelight.timeseries.bocpd.bocpd`, Gaussian model, expected run 100).
- **NAB realTweets**: 5-minute tweet counts for 10 tickers with labelled anomaly windows, summed to
  hours; :func:`limelight.timeseries.detect_bursts` with a one-week trailing baseline. Reported:
  the share of windows containing a burst onset (recall) and the share of burst onsets inside a
  window (precision). NAB's own time-weighted score is not reproduced.
- **Trump, X, 2020-07..2021-01**: read through limelight's own social CSV source into a fresh store,
  then the ``withdrawal`` analysis with ``as_of`` 2021-02-01 (the archive's last update). Known:
  the account was suspended on 2021-01-08 (the file's last post is 2021-01-06).
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
from limelight.models import Account, Document, Enriched, Entity
from limelight.timeseries.bocpd import bocpd
from limelight.timeseries.bursts import detect_bursts
from limelight.timeseries.changepoints import pelt

MARGIN = 5
BINSEG_MAD_F1 = 0.718  # DESIGN.md: measured before any limelight code


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


def evaluate_tcpd(root: Path) -> list[EvalRow]:
    annotations = json.loads((root / "annotations.json").read_text(encoding="utf-8"))
    series = load_tcpd(root)
    ours_f, ours_c, zero_f, zero_c, bo_f, bo_c = [], [], [], [], [], []
    for name, x in series.items():
        online = bocpd(x, model="gaussian", expected_run=100.0)
        bo_f.append(f_measure(annotations[name], online))
        bo_c.append(covering(annotations[name], online, len(x)))
        found = pelt(x, cost="normal_meanvar")
        ours_f.append(f_measure(annotations[name], found))
        ours_c.append(covering(annotations[name], found, len(x)))
        zero_f.append(f_measure(annotations[name], []))
        zero_c.append(covering(annotations[name], [], len(x)))
    n = len(series)
    note = "PELT normal mean+var, BIC x AR(1) inflation, margin 5, default settings for all series"
    return [
        EvalRow("changepoints", "tcpd", "f1", float(np.mean(ours_f)), n,
                {"zero": float(np.mean(zero_f)), "bocpd": float(np.mean(bo_f)),
                 "binseg_mad (DESIGN.md)": BINSEG_MAD_F1}, note),
        EvalRow("changepoints", "tcpd", "cover", float(np.mean(ours_c)), n,
                {"zero": float(np.mean(zero_c)), "bocpd": float(np.mean(bo_c))}, note),
    ]


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
    return [
        EvalRow("changepoints", "nab_realtweets", "window_recall", found_windows / max(n_windows, 1),
                n_windows, note=note),
        EvalRow("changepoints", "nab_realtweets", "onset_precision", onsets_in / max(n_onsets, 1), n_onsets,
                note=note + f"; {n_onsets} bursts in {len(windows)} series"),
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
        EvalRow("changepoints", TRUMP_DATASET, "stop_onset_error_days", float(err), 1,
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
