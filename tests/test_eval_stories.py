"""Helpers of the stories evaluation: gold topics from WikiRef file names, pairwise scores, ARI, the
Reuters headline sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from limelight.eval.stories import (
    REUTERS_DOCS,
    REUTERS_FILE,
    REUTERS_FROM,
    REUTERS_TO,
    _ari,
    _pairwise,
    _pearson,
    _reuters_sample,
    _topic,
)


def test_eval_stories_topic_from_file_name() -> None:
    assert _topic("ParisAttacks2015 (3).txt") == "ParisAttacks2015"
    assert _topic("malaysia.airlines.flight.14.txt") == "malaysia.airlines.flight"
    assert _topic("NBA.draft.2.txt") == "NBA.draft"
    assert _topic("SamsungGalaxyS5.txt") == "SamsungGalaxyS5"


def test_eval_stories_pairwise_scores_and_ari() -> None:
    gold = ["a", "a", "a", "b", "b"]
    assert _pairwise(gold, ["x", "x", "x", "y", "y"]) == (1.0, 1.0, 1.0)
    assert _ari(gold, ["x", "x", "x", "y", "y"]) == pytest.approx(1.0)
    p, r, f = _pairwise(gold, ["x", "x", "y", "z", "z"])  # one gold pair split off
    assert (p, r) == (1.0, pytest.approx(2 / 4)) and f == pytest.approx(2 / 3)
    # Everything in one cluster: perfect recall, chance-level agreement.
    assert _pairwise(gold, ["x"] * 5)[1] == 1.0
    assert _ari(gold, ["x"] * 5) == pytest.approx(0.0)


def test_eval_stories_pearson_sign_and_degenerate_input() -> None:
    import numpy as np

    x = np.array([0.9, 0.8, 0.5, 0.2])
    assert _pearson(x, -np.array([1.0, 1.5, 3.0, 4.0])) > 0.95  # 1 = very similar on the SemEval scale
    assert _pearson(x, np.ones(4)) == 0.0


def test_eval_stories_reuters_sample_is_fixed_and_in_time_order(shared_data: Path) -> None:
    path = shared_data / "news" / REUTERS_FILE
    heads = _reuters_sample(path)
    assert len(heads) == REUTERS_DOCS
    assert all(REUTERS_FROM <= h["date"] <= REUTERS_TO and h["title"].strip() for h in heads)
    keys = [(h["date"], h["datetime"], h["title"], h["url"]) for h in heads]
    assert keys == sorted(keys)
    assert [h["url"] for h in _reuters_sample(path)] == [h["url"] for h in heads]  # same seed, same sample
