"""Online change points (BOCPD) on SYNTHETIC series with known changes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from limelight.timeseries.bocpd import bocpd, lgamma


def test_timeseries_bocpd_lgamma_matches_math() -> None:
    z = np.array([0.05, 0.5, 1.0, 3.7, 42.0, 1e4])
    assert np.allclose(lgamma(z), [math.lgamma(v) for v in z], atol=1e-8)


def test_timeseries_bocpd_poisson_rate_changes() -> None:
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.poisson(5, 100), rng.poisson(15, 100), rng.poisson(4, 50)])
    cps = bocpd(x, model="poisson")
    assert any(abs(c - 100) <= 3 for c in cps) and any(abs(c - 200) <= 3 for c in cps)
    assert len(cps) <= 4


def test_timeseries_bocpd_gaussian_mean_and_variance() -> None:
    rng = np.random.default_rng(1)
    y = np.concatenate([rng.normal(0, 1, 100), rng.normal(3, 1, 100), rng.normal(3, 4, 100)])
    cps = bocpd(y, model="gaussian")
    assert any(abs(c - 100) <= 3 for c in cps) and any(abs(c - 200) <= 10 for c in cps)
    assert all(isinstance(c, int) for c in cps)


def test_timeseries_bocpd_constant_noise_and_bad_input() -> None:
    rng = np.random.default_rng(2)
    assert bocpd(rng.normal(0, 1, 300), model="gaussian") == []
    with pytest.raises(ValueError):
        bocpd([1.0, -2.0, 3.0, 4.0, 5.0], model="poisson")
