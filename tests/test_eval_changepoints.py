"""The TCPD tuning protocol: detector settings on SYNTHETIC series, and the 2-fold CV bookkeeping."""

from __future__ import annotations

import numpy as np
import pytest

from limelight.eval.changepoints import TCPD_GRID, TCPD_WIDE_GRID, cross_validate, detect_tcpd, two_folds


@pytest.mark.parametrize("setting", sorted(set(TCPD_GRID) | set(TCPD_WIDE_GRID)))
def test_eval_changepoints_every_setting_finds_a_clear_mean_shift(setting: tuple[float, float, int]) -> None:
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 1, 100), rng.normal(6, 1, 100)]
    cps = detect_tcpd(x, setting)
    assert any(abs(c - 100) <= 2 for c in cps)
    if setting[0] >= 1 and setting[1] > 0:
        assert len(cps) == 1
    elif setting[0] >= 1:
        # plain BIC (no inflation) may also cut a 2-point sliver beside the change: the mean+var
        # cost rewards a tiny segment's tiny variance
        assert len(cps) <= 2
    # below the default penalty (x0.5, x0.75) white noise gets cut too: only there for the CV to reject


@pytest.mark.parametrize("setting", [s for s in sorted(set(TCPD_GRID) | set(TCPD_WIDE_GRID)) if s[0] >= 1])
def test_eval_changepoints_flat_noise_has_no_change(setting: tuple[float, float, int]) -> None:
    x = np.random.default_rng(1).normal(3, 2, 300)
    assert detect_tcpd(x, setting) == []


def test_eval_changepoints_detect_handles_gaps() -> None:
    x = np.r_[np.zeros(60), np.full(60, 8.0)] + np.random.default_rng(2).normal(0, 1, 120)
    x[[0, 1, 30, 31, 32]] = np.nan
    cps = detect_tcpd(x, (1.0, 0.95, 2))
    assert len(cps) == 1 and abs(cps[0] - 60) <= 2


def test_eval_changepoints_two_folds_alternate_sorted_names() -> None:
    assert two_folds(["d", "b", "a", "c", "e"]) == (["a", "c", "e"], ["b", "d"])


def test_eval_changepoints_cv_chooses_on_the_other_fold_only() -> None:
    names = ["a", "b", "c", "d"]  # folds: (a, c) and (b, d)
    # setting 1 is perfect on a and c, setting 2 on b and d; each is poor elsewhere
    scores = {
        (1.0, 0.95, 2): {"a": (1.0, 1.0), "b": (0.2, 0.2), "c": (1.0, 1.0), "d": (0.2, 0.2)},
        (2.0, 0.95, 2): {"a": (0.3, 0.3), "b": (1.0, 1.0), "c": (0.3, 0.3), "d": (1.0, 1.0)},
    }
    held, chosen = cross_validate(scores, names)
    # fold (a, c) is scored with what (b, d) liked, and the reverse: the poor numbers held out
    assert chosen == [(2.0, 0.95, 2), (1.0, 0.95, 2)]
    assert held == {"a": (0.3, 0.3), "c": (0.3, 0.3), "b": (0.2, 0.2), "d": (0.2, 0.2)}


def test_eval_changepoints_cv_breaks_ties_by_cover_then_order() -> None:
    names = ["a", "b"]
    scores = {
        (1.0, 0.95, 2): {"a": (0.5, 0.1), "b": (0.5, 0.1)},
        (2.0, 0.95, 2): {"a": (0.5, 0.9), "b": (0.5, 0.9)},
        (3.0, 0.95, 2): {"a": (0.5, 0.9), "b": (0.5, 0.9)},
    }
    _, chosen = cross_validate(scores, names)
    assert chosen == [(2.0, 0.95, 2), (2.0, 0.95, 2)]
