"""PELT on SYNTHETIC series with known change points, and the TCPD metrics on hand-checked cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from limelight.eval.changepoints import covering, f_measure
from limelight.timeseries.changepoints import (
    autocorrelation_factor,
    dispersion,
    fill_missing,
    gaussian_penalty,
    pelt,
    segment_means,
)


def test_timeseries_changepoints_poisson_finds_known_levels() -> None:
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.poisson(5, 100), rng.poisson(15, 100), rng.poisson(4, 50)])
    cps = pelt(x, cost="poisson")
    assert len(cps) == 2
    assert abs(cps[0] - 100) <= 3 and abs(cps[1] - 200) <= 3
    means = segment_means(x, cps)
    assert means[1] > 2 * means[0] and means[2] < means[1] / 2


def test_timeseries_changepoints_no_change_in_overdispersed_noise() -> None:
    # SYNTHETIC negative-binomial counts with one constant mean: a plain Poisson BIC would cut it
    # at busy days; the dispersion-scaled penalty must not.
    rng = np.random.default_rng(3)
    x = rng.negative_binomial(2, 2 / (2 + 20), size=300)
    assert dispersion(x) > 3
    assert pelt(x, cost="poisson") == []


def test_timeseries_changepoints_gaussian_mean_and_variance() -> None:
    rng = np.random.default_rng(2)
    y = np.concatenate([rng.normal(0, 1, 120), rng.normal(4, 1, 80), rng.normal(4, 5, 100)])
    cps = pelt(y, cost="normal_meanvar")
    assert any(abs(c - 120) <= 3 for c in cps) and any(abs(c - 200) <= 5 for c in cps)
    assert len(cps) <= 3


def test_timeseries_changepoints_random_walk_is_penalised() -> None:
    rng = np.random.default_rng(4)
    walk = np.cumsum(rng.normal(0, 1, 400))
    noise = rng.normal(0, 1, 400)
    assert autocorrelation_factor(walk) > 5 * autocorrelation_factor(noise)
    assert autocorrelation_factor(noise) < 1.5


def test_timeseries_changepoints_inflation_cap() -> None:
    walk = np.cumsum(np.random.default_rng(4).normal(0, 1, 400))
    assert autocorrelation_factor(walk, max_rho=0.0) == 1.0
    assert autocorrelation_factor(walk, max_rho=0.5) == pytest.approx(3.0)
    assert autocorrelation_factor(walk) > 10  # under the default cap (0.95, factor 39)
    smooth = np.cumsum(walk)  # an integrated walk: rho hits the cap
    assert autocorrelation_factor(smooth) == pytest.approx(39.0)
    assert gaussian_penalty(walk, max_rho=0.0) == pytest.approx(3 * np.log(400))
    assert gaussian_penalty(walk) == pytest.approx(autocorrelation_factor(walk) * 3 * np.log(400))


def test_timeseries_changepoints_fill_missing() -> None:
    x = np.array([[np.nan, 1.0, np.nan], [2.0, np.nan, np.nan], [np.nan, 3.0, np.nan], [4.0, np.nan, np.nan]])
    filled = fill_missing(x)
    assert filled.tolist() == [[2.0, 1.0, 0.0], [2.0, 1.0, 0.0], [2.0, 3.0, 0.0], [4.0, 3.0, 0.0]]
    assert np.isnan(x[0, 0])  # a copy: the input is left alone
    assert fill_missing([1.0, np.nan]).shape == (2, 1)


def test_timeseries_changepoints_nan_and_short_series() -> None:
    assert pelt([1.0, 2.0], cost="normal_mean") == []
    x = np.r_[np.zeros(50), np.full(50, 10.0)] + np.random.default_rng(5).normal(0, 1, 100)
    x[10:15] = np.nan
    assert any(abs(c - 50) <= 2 for c in pelt(x, cost="normal_mean"))


def test_timeseries_changepoints_tcpd_metrics_hand_checked() -> None:
    ann = {"1": [50], "2": [52]}
    # a prediction within the margin of both annotators is a perfect score
    assert f_measure(ann, [51]) == pytest.approx(1.0)
    # no prediction: precision 1 (only the implicit 0), recall 1/2 per annotator → F1 2/3
    assert f_measure(ann, []) == pytest.approx(2 / 3)
    assert covering({"1": [50]}, [50], 100) == pytest.approx(1.0)
    assert covering({"1": [50]}, [], 100) == pytest.approx(0.5)


def test_timeseries_changepoints_tcpd_beats_zero_baseline(shared_data: Path) -> None:
    """Real data: TCPD's 32 shipped series, default settings, against the no-change baseline."""
    from limelight.eval.changepoints import evaluate_tcpd

    rows = {r.metric: r for r in evaluate_tcpd(shared_data / "changepoints" / "tcpd")}
    assert rows["f1"].n == 32
    assert rows["f1"].value > rows["f1"].reference["zero"]
    assert rows["cover"].value > rows["cover"].reference["zero"]
    # the untuned default, one setting for every series, beats it too
    assert rows["f1_default"].value > rows["f1_default"].reference["zero"]
    assert rows["cover_default"].value > rows["cover_default"].reference["zero"]
