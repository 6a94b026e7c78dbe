"""Burst detection on SYNTHETIC counts with a known burst, a gap and a level change in the totals."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from limelight.timeseries.bursts import detect_bursts, robust_baseline, row_nanmedian


def test_timeseries_bursts_finds_known_burst() -> None:
    rng = np.random.default_rng(0)
    x = rng.poisson(6, 150).astype(float)
    x[100:104] += [40, 60, 30, 15]
    bursts = detect_bursts(x, z_on=5)
    assert len(bursts) == 1
    b = bursts[0]
    assert b.onset == 100 and 102 <= b.end <= 104 and b.peak == 101
    assert b.size > 120


def test_timeseries_bursts_normalised_by_totals_ignore_collection_changes() -> None:
    rng = np.random.default_rng(1)
    totals = np.full(200, 1000.0)
    totals[80:120] = 4000.0  # the crawler quadruples its sources
    totals[50:55] = 0.0  # and is down for five days
    x = rng.poisson(totals * 0.005).astype(float)
    assert detect_bursts(x, totals, z_on=5) == []
    # without normalisation the same series is "bursting"
    assert detect_bursts(x, z_on=5)


def test_timeseries_bursts_gap_days_have_no_baseline() -> None:
    x = np.r_[np.full(10, 5.0), [0.0], np.full(5, 5.0)]
    totals = np.r_[np.full(10, 100.0), [0.0], np.full(5, 100.0)]
    expected, z = robust_baseline(x, totals)
    assert np.isnan(expected[10]) and np.isnan(z[10])
    assert expected[12] == 5.0


def test_timeseries_bursts_nab_tweet_windows(shared_data: Path) -> None:
    """Real data: NAB realTweets — most labelled anomaly windows contain a burst onset."""
    from limelight.eval.changepoints import evaluate_nab

    rows = {r.metric: r for r in evaluate_nab(shared_data / "changepoints" / "nab_realTweets")}
    assert rows["window_recall"].n == 33
    assert rows["window_recall"].value >= 0.8


def test_row_nanmedian_equals_numpy_nanmedian_on_rows_with_gaps() -> None:
    import warnings

    rng = np.random.default_rng(5)
    for _ in range(100):
        a = rng.normal(size=(int(rng.integers(1, 40)), int(rng.integers(1, 30))))
        a[rng.random(a.shape) < rng.random()] = np.nan  # from no gap to rows of NaN only
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # numpy warns on all-NaN rows
            expected = np.nanmedian(a, axis=1)
        assert np.allclose(row_nanmedian(a), expected, equal_nan=True)
