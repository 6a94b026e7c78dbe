"""The eval's 95% intervals: Wilson at the edges, a reproducible bootstrap, and cluster scores that
leave out a resampled document's pairs with its own copy."""

from __future__ import annotations

import numpy as np
import pytest

from limelight.eval.intervals import (
    RESAMPLES,
    bootstrap,
    clustered_proportion,
    mean_interval,
    pair_scores,
    resample_weights,
    weighted_macro_f1,
    weighted_mean,
    weighted_pearson,
    wilson,
)
from limelight.eval.stories import _ari, _pairwise, _pearson
from limelight.eval.tone import macro_f1


def test_eval_intervals_wilson_known_value() -> None:
    # 81 of 263: the textbook example (e.g. statsmodels' proportion_confint(81, 263, method="wilson"))
    low, high = wilson(81, 263)
    assert low == pytest.approx(0.25529, abs=1e-4) and high == pytest.approx(0.36621, abs=1e-4)


def test_eval_intervals_wilson_at_zero_and_all() -> None:
    # n/n must not collapse to a point: 5 of 5 crises found pins 0.566, not 1.0
    assert wilson(5, 5) == (pytest.approx(5 / (5 + 1.96**2), abs=1e-3), 1.0)
    low, high = wilson(0, 10)
    assert low == 0.0 and high == pytest.approx(1.96**2 / (10 + 1.96**2), abs=1e-3)
    assert wilson(0, 0) == (0.0, 1.0)
    assert wilson(1000, 1000)[0] > 0.99


def test_eval_intervals_resample_weights_are_draws_of_n() -> None:
    w = resample_weights(50, "some/row")
    assert w.shape == (RESAMPLES, 50)
    assert np.all(w.sum(axis=1) == 50)
    assert np.array_equal(w, resample_weights(50, "some/row"))  # fixed seed per key
    assert not np.array_equal(w, resample_weights(50, "other/row"))  # independent sets, independent draws


def test_eval_intervals_bootstrap_deterministic_and_contains_estimate() -> None:
    values = np.random.default_rng(3).normal(0.7, 0.1, 80)
    low, high = mean_interval(values, "tcpd/f1")
    assert low < float(np.mean(values)) < high
    assert (low, high) == mean_interval(values, "tcpd/f1")
    # about ±2 standard errors of a mean of 80 items with sd 0.1
    assert high - low == pytest.approx(2 * 1.96 * 0.1 / np.sqrt(80), rel=0.25)
    assert bootstrap(lambda w: weighted_mean(w, values), len(values), "tcpd/f1") == (low, high)


def test_eval_intervals_weighted_statistics_equal_point_estimates_at_unit_weights() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(0.8, 0.05, 40).astype(np.float32)
    y = -x * 3 + rng.normal(0, 0.1, 40)
    ones = np.ones((1, 40))
    assert weighted_pearson(ones, x, y)[0] == pytest.approx(_pearson(x, y), abs=1e-6)
    gold = [str(v) for v in rng.choice(["negative", "neutral", "positive"], 40)]
    pred = [str(v) for v in rng.choice(["negative", "neutral", "positive"], 40)]
    assert weighted_macro_f1(ones, gold, pred)[0] == pytest.approx(macro_f1(gold, pred))


def test_eval_intervals_pair_scores_equal_pairwise_and_ari_at_unit_weights() -> None:
    rng = np.random.default_rng(7)
    gold = [str(v) for v in rng.choice(list("abcde"), 60)]
    pred = [str(v) for v in rng.choice(list("wxyz"), 60)]
    scores = pair_scores(np.ones((1, 60)), gold, pred)
    p, r, f = _pairwise(gold, pred)
    assert (scores["precision"][0], scores["recall"][0], scores["f1"][0]) == (
        pytest.approx(p), pytest.approx(r), pytest.approx(f))
    assert scores["adjusted_rand"][0] == pytest.approx(_ari(gold, pred))


def test_eval_intervals_pair_scores_skip_self_copies() -> None:
    gold, pred = ["a", "a", "b"], ["x", "y", "y"]
    # doc 0 once, doc 1 twice: two pairs doc0–doc1 (same topic, split: a missed gold pair); the pair
    # of doc 1 with its own copy would be "same in both" and is left out
    s = pair_scores(np.array([[1.0, 2.0, 0.0]]), gold, pred)
    assert s["recall"][0] == 0.0 and s["precision"][0] == 0.0
    # only copies of one document: no pairs at all, scores are 0, not 1
    s = pair_scores(np.array([[0.0, 3.0, 0.0]]), gold, pred)
    assert s["precision"][0] == 0.0 and s["recall"][0] == 0.0
    # two copies of each of docs 1 and 2: their cross pairs (4) are predicted together, gold apart
    s = pair_scores(np.array([[0.0, 2.0, 2.0]]), gold, pred)
    assert s["precision"][0] == 0.0


def test_eval_intervals_clustered_proportion_falls_back_to_wilson_at_all() -> None:
    # every gold span found: each bootstrap resample is 100% too, Wilson over the 300 spans is not
    interval, method = clustered_proportion((1.0, 1.0), 300, 300)
    assert method == "wilson" and interval[0] == pytest.approx(wilson(300, 300)[0]) and interval[0] < 1.0
    # where the clusters make the bootstrap wider, it is kept
    assert clustered_proportion((0.80, 0.95), 270, 300) == ((0.80, 0.95), "bootstrap")
