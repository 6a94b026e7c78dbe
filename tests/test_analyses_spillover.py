"""Spillover on a SYNTHETIC corpus where B's negative coverage follows A's by two days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from _stores import StoreMaker
from limelight.analyses.spillover import (
    Spillover,
    _lagged_rows,
    families,
    fisher_greater,
    iaaft_surrogates,
    lagged_correlation,
    max_lag_test,
    negative_after_peak,
)
from limelight.errors import UsageError
from limelight.models import Document, Enriched, Mention, Source
from limelight.store.base import Store
from limelight.watchlist import Watchlist

WATCHLIST = Watchlist.from_dict({"entity": [
    {"id": "group", "kind": "org", "name": "Group"},
    {"id": "founder", "kind": "person", "name": "Founder", "parent": "group"},
    {"id": "cars", "kind": "segment", "name": "Cars", "parent": "group"},
]})
LAG = 2


def corpus(coupled: bool = True, seed: int = 11) -> list[Enriched]:
    rng = np.random.default_rng(seed)
    days = 120
    a_neg = rng.poisson(2, days) + (rng.random(days) < 0.1) * 15  # A has scandal days
    items: list[Enriched] = []
    i = 0

    def add(day: int, mentions: list[tuple[str, str]]) -> None:
        nonlocal i
        d = Document(id=f"d{i}", kind="article", origin="synthetic", source=Source.make("web", "x.org"),
                     text="synthetic", published_at=datetime(2024, 1, 1, 8, tzinfo=UTC) + timedelta(days=day))
        items.append(Enriched(d, tuple(Mention(d.id, e, e, e, "text", k, k + 1, "body", "s", tone_label=t)
                                       for k, (e, t) in enumerate(mentions))))
        i += 1

    for day in range(days):
        for _ in range(50):
            add(day, [])
        for _ in range(int(a_neg[day])):
            add(day, [("founder", "negative")])
        for _ in range(3):
            add(day, [("founder", "neutral")])
        src = day - LAG
        b_neg = int(a_neg[src]) if coupled and src >= 0 else int(rng.poisson(2))
        for k in range(b_neg):
            # when coupled, B's negative pieces name A too
            add(day, [("cars", "negative"), ("founder", "negative")] if coupled and k % 2 == 0
                else [("cars", "negative")])
        for _ in range(4):
            add(day, [("cars", "positive")])
    return items


@pytest.fixture(scope="module")
def store(make_store: StoreMaker) -> Iterator[Store]:
    s = make_store()
    s.write(corpus(), "synthetic")
    yield s
    s.close()


def test_spillover_finds_the_lag_and_a_small_p_value(store: Store) -> None:
    rows = Spillover().run(store, WATCHLIST, a="founder", b="cars", permutations=200).table.to_pylist()
    cc = {r["lag"]: r for r in rows if r["measure"] == "cross_correlation"}
    assert set(cc) == set(range(-7, 8))
    best = max(cc.values(), key=lambda r: r["value"])
    assert best["lag"] == LAG and best["value"] > 0.5
    assert best["p_value"] is not None and best["p_value"] < 0.01
    share = next(r for r in rows if r["measure"] == "co_mention_share")
    assert 0.1 < share["value"] < 0.6 and share["evidence"]
    drag = next(r for r in rows if r["measure"] == "co_mention_vs_controversy")
    assert drag["p_value"] is not None


def test_spillover_is_reproducible_and_null_when_uncoupled(make_store: StoreMaker) -> None:
    s = make_store()
    try:
        s.write(corpus(coupled=False), "synthetic")
        one = Spillover().run(s, WATCHLIST, a="founder", b="cars", permutations=200).table
        two = Spillover().run(s, WATCHLIST, a="founder", b="cars", permutations=200).table
    finally:
        s.close()
    assert repr(one.to_pylist()) == repr(two.to_pylist())  # fixed seed: same p-values (repr: NaN == NaN)
    best = max((r for r in one.to_pylist() if r["measure"] == "cross_correlation"), key=lambda r: abs(r["value"]))
    assert best["p_value"] > 0.01


def test_spillover_needs_two_entities(store: Store) -> None:
    with pytest.raises(UsageError) as err:
        Spillover().run(store, WATCHLIST, a="founder")
    assert "--a ENTITY_ID --b ENTITY_ID" in (err.value.hint or "")  # the CLI's own flags
    empty = Spillover().run(store, WATCHLIST)  # nothing chosen: an empty table that says how
    assert empty.table.num_rows == 0 and "choose two entities: --a ENTITY_ID" in empty.notes[0]


def test_spillover_peak_is_weighed_by_volume(make_store: StoreMaker) -> None:
    """SYNTHETIC, shaped like Volkswagen in the Reuters archive: a week-long scandal with 40
    negative pieces a day among 400 (10%), and years later a quiet day with two documents, one of
    them a negative mention (50%). The scandal is the peak, not the quiet day."""
    start = datetime(2015, 9, 14, 12, tzinfo=UTC)
    items: list[Enriched] = []

    def add(day: int, mentions: list[tuple[str, str]]) -> None:
        d = Document(id=f"d{len(items)}", kind="article", origin="synthetic", source=Source.make("web", "x.org"),
                     text="synthetic", published_at=start + timedelta(days=day))
        items.append(Enriched(d, tuple(Mention(d.id, e, e, e, "text", k, k + 1, "body", "s", tone_label=t)
                                       for k, (e, t) in enumerate(mentions))))

    for day in range(60):
        scandal = 4 <= day < 11
        for k in range(400):
            if k < (40 if scandal else 2):
                add(day, [("founder", "negative")])
            elif k < 60:
                add(day, [("cars", "negative" if scandal and k % 3 == 0 else "positive")])
            else:
                add(day, [])
    add(80, [("founder", "negative")])  # the quiet day: two documents in all
    add(80, [("cars", "positive")])
    s = make_store()
    try:
        s.write(items, "synthetic")
        res = Spillover().run(s, WATCHLIST, a="founder", b="cars", include_children=False, permutations=20)
    finally:
        s.close()
    peak_note = next(n for n in res.notes if "peaked" in n)
    assert "peaked in the day of 2015-09-18 (40 negative documents)" in peak_note  # the first scandal day
    assert "2015-12-03" not in peak_note


def test_spillover_most_negative_period_counts_documents_then_share() -> None:
    from limelight.analyses.spillover import most_negative_period

    assert most_negative_period(np.array([1.0, 40.0, 40.0, 1.0]), np.array([0.5, 0.1, 0.2, 0.5])) == 2
    assert most_negative_period(np.array([3.0, 3.0])) == 0  # a tie without shares: the earlier


def test_spillover_lagged_correlation_direction() -> None:
    x = np.random.default_rng(0).normal(size=200)
    y = np.r_[np.zeros(3), x[:-3]]  # y follows x by 3
    assert lagged_correlation(x, y, 3) == pytest.approx(1.0)
    assert abs(lagged_correlation(x, y, -3)) < 0.3


# -- the null keeps A's autocorrelation ------------------------------------------------------------

def _ar1(rng: np.random.Generator, pairs: int, n: int, phi: float) -> np.ndarray:
    """SYNTHETIC AR(1) series, one per row (burn-in dropped)."""
    e = rng.normal(size=(pairs, n + 50))
    x = np.zeros_like(e)
    for t in range(1, n + 50):
        x[:, t] = phi * x[:, t - 1] + e[:, t]
    return x[:, 50:]


def _bursty(rng: np.random.Generator, pairs: int, n: int) -> np.ndarray:
    """SYNTHETIC daily negative-coverage rates: a Poisson floor plus stories that start on ~5 % of
    days and fade by 15 % a day."""
    level = np.zeros((pairs, n))
    for t in range(1, n):
        level[:, t] = 0.85 * level[:, t - 1] + (rng.random(pairs) < 0.05) * rng.uniform(10, 30, pairs)
    return rng.poisson(2 + level) / 100.0


def _shuffle_p(x: np.ndarray, y: np.ndarray, max_lag: int, permutations: int, seed: int) -> float:
    """The old test: A's days shuffled (destroys A's autocorrelation)."""
    rng = np.random.default_rng(seed)
    observed = max(abs(lagged_correlation(x, y, lag)) for lag in range(-max_lag, max_lag + 1))
    shuffled = x[np.array([rng.permutation(len(x)) for _ in range(permutations)])]
    null = np.max(np.abs(np.vstack([_lagged_rows(shuffled, y, lag) for lag in range(-max_lag, max_lag + 1)])),
                  axis=0)
    return float((1 + np.sum(null >= observed)) / (1 + permutations))


@pytest.mark.parametrize("kind,n", [("ar1", 120), ("bursty", 200)])
def test_spillover_null_is_near_nominal_for_independent_autocorrelated_series(kind: str, n: int) -> None:
    """100 INDEPENDENT pairs of strongly autocorrelated series: at p < 0.05 the shuffle test flags
    far more than 5 %, the surrogate test about 5 %."""
    pairs = 100
    rng = np.random.default_rng(2024)
    if kind == "ar1":
        xs, ys = _ar1(rng, pairs, n, 0.9), _ar1(rng, pairs, n, 0.9)
    else:
        xs, ys = _bursty(rng, pairs, n), _bursty(rng, pairs, n)
    old = np.mean([_shuffle_p(x, y, 7, 99, seed) < 0.05 for seed, (x, y) in enumerate(zip(xs, ys, strict=True))])
    new_p = [max_lag_test(x, y, 7, permutations=99, seed=seed)[1] for seed, (x, y) in
             enumerate(zip(xs, ys, strict=True))]
    new = np.mean([p is not None and p < 0.05 for p in new_p])
    print(f"{kind}, {n} days: shuffle {old:.2f}, surrogates {new:.2f} at p < 0.05")
    assert old >= 0.3, old  # the old null is far too narrow
    assert new <= 0.10, new  # the new one is near nominal


def test_spillover_null_finds_a_real_lag() -> None:
    """B follows A by 3 days plus noise, A strongly autocorrelated: significant, peak at +3."""
    rng = np.random.default_rng(7)
    a = _ar1(rng, 1, 123, 0.9)[0]
    b = a[:-3] + rng.normal(0, 1.0, 120)  # b[t] = a[t - 3] + noise
    observed, p = max_lag_test(a[3:], b, 7, permutations=999, seed=0)
    assert max(observed, key=lambda lag: abs(observed[lag])) == 3
    assert p is not None and p < 0.05


def test_spillover_surrogates_keep_values_and_autocorrelation() -> None:
    x = _bursty(np.random.default_rng(3), 1, 150)[0]
    surr = iaaft_surrogates(x, 50, np.random.default_rng(0))
    assert surr.shape == (50, 150)
    assert np.array_equal(np.sort(surr, axis=1), np.tile(np.sort(x), (50, 1)))  # the same values

    def acf1(v: np.ndarray) -> float:
        v = v - v.mean()
        return float((v[1:] * v[:-1]).sum() / (v * v).sum())

    shuffled = np.random.default_rng(1).permuted(np.tile(x, (50, 1)), axis=1)
    assert abs(np.mean([acf1(s) for s in surr]) - acf1(x)) < 0.1
    assert abs(np.mean([acf1(s) for s in shuffled])) < 0.1 < acf1(x)  # a shuffle loses it
    # same seed, same surrogates
    assert np.array_equal(surr, iaaft_surrogates(x, 50, np.random.default_rng(0)))


def test_spillover_negative_if_co_mentioned_separates_coupled_from_uncoupled(make_store: StoreMaker, store: Store,
                                                                              tmp_path: Path) -> None:
    rows = Spillover().run(store, WATCHLIST, a="founder", b="cars", permutations=50).table.to_pylist()
    row = next(r for r in rows if r["measure"] == "negative_if_co_mentioned")
    # coupled corpus: every piece naming the founder is negative for the cars, most others positive
    assert row["value"] > 0.5 and row["p_value"] < 1e-6 and row["evidence"]
    s = make_store()
    try:
        s.write(corpus(coupled=False), "synthetic")
        null = Spillover().run(s, WATCHLIST, a="founder", b="cars", permutations=50).table.to_pylist()
    finally:
        s.close()
    # uncoupled: the cars' pieces never name the founder, so there is nothing to compare
    assert np.isnan(next(r for r in null if r["measure"] == "negative_if_co_mentioned")["value"])


def test_spillover_fisher_matches_the_hypergeometric_tail() -> None:
    assert fisher_greater(3, 3, 3, 10) == pytest.approx(1 / 120)  # all three drawn of three marked
    assert fisher_greater(0, 3, 5, 20) == pytest.approx(1.0)
    # P(X >= 5), 10 drawn from 40 with 8 marked: summed by hand from the hypergeometric pmf
    from math import comb
    expected = sum(comb(8, x) * comb(32, 10 - x) for x in range(5, 9)) / comb(40, 10)
    assert fisher_greater(5, 10, 8, 40) == pytest.approx(expected)
    assert fisher_greater(9, 10, 8, 40) == 0.0


def test_spillover_negative_after_peak_compares_before_and_after_a_s_worst_period() -> None:
    a_neg = np.array([0.0, 0.1, 0.0, 0.9, 0.2, 0.0, 0.0, 0.0])
    b_docs = np.array([10, 10, 10, 10, 10, 10, 10, 10], dtype=float)
    b_neg = np.array([0, 1, 0, 0, 6, 7, 5, 0], dtype=float)
    peak, value, p, counts = negative_after_peak(a_neg, b_docs, b_neg, window=3)  # type: ignore[misc]
    assert peak == 3 and counts == (1, 30, 18, 30)
    assert value == pytest.approx(18 / 30 - 1 / 30) and p < 1e-4
    assert negative_after_peak(np.zeros(8), b_docs, b_neg, 3) is None  # A never negative
    assert negative_after_peak(a_neg, b_docs, b_neg, 0) is None  # no period after the peak asked


def test_spillover_families_keep_a_and_b_apart() -> None:
    wl = Watchlist.from_dict({"entity": [
        {"id": "co", "kind": "org", "name": "Co"},
        {"id": "cars", "kind": "segment", "name": "Cars", "parent": "co"},
        {"id": "suv", "kind": "product", "name": "SUV", "parent": "cars"},
        {"id": "phones", "kind": "segment", "name": "Phones", "parent": "co"},
    ]})
    assert families(wl, "cars", "phones", True) == (["cars", "suv"], ["phones"])
    assert families(wl, "co", "cars", True) == (["co", "phones"], ["cars", "suv"])
    assert families(wl, "cars", "co", True) == (["cars", "suv"], ["co", "phones"])
    assert families(wl, "cars", "phones", False) == (["cars"], ["phones"])


def test_spillover_by_week_sees_a_lag_of_weeks(make_store: StoreMaker) -> None:
    # SYNTHETIC: A is under fire in weeks 6-7, B in weeks 10-11 (four weeks later); 30 weeks.
    items: list[Enriched] = []
    start = datetime(2024, 1, 1, 9, tzinfo=UTC)  # a Monday
    for day in range(210):
        week = day // 7
        d = Document(id=f"bg{day}", kind="article", origin="synthetic", source=Source.make("web", "x.org"),
                     text="synthetic", published_at=start + timedelta(days=day))
        mentions = [Mention(d.id, "founder", "f", "f", "text", 0, 1, "body", "s",
                            tone_label="negative" if week in (6, 7) else "neutral"),
                    Mention(d.id, "cars", "c", "c", "text", 2, 3, "body", "s",
                            tone_label="negative" if week in (10, 11) else "positive")]
        items.append(Enriched(d, tuple(mentions)))
    s = make_store()
    try:
        s.write(items, "synthetic")
        res = Spillover().run(s, WATCHLIST, a="founder", b="cars", by="week", max_lag=6, permutations=50)
    finally:
        s.close()
    cc = [r for r in res.table.to_pylist() if r["measure"] == "cross_correlation"]
    assert max(cc, key=lambda r: r["value"])["lag"] == 4
    after = next(r for r in res.table.to_pylist() if r["measure"] == "negative_after_peak")
    assert after["value"] > 0.2 and after["evidence"]
    assert any("peaked in the week of 2024-02-12" in n for n in res.notes)
