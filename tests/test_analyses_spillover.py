"""Spillover on a SYNTHETIC corpus where B's negative coverage follows A's by two days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from limelight.analyses.spillover import Spillover, lagged_correlation
from limelight.errors import UsageError
from limelight.models import Document, Enriched, Mention, Source
from limelight.store.duckdb_store import DuckDBStore
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
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBStore]:
    s = DuckDBStore(Path(tmp_path_factory.mktemp("spill")) / "synthetic.duckdb")
    s.write(corpus(), "synthetic")
    yield s
    s.close()


def test_spillover_finds_the_lag_and_a_small_p_value(store: DuckDBStore) -> None:
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


def test_spillover_is_reproducible_and_null_when_uncoupled(tmp_path: Path) -> None:
    s = DuckDBStore(tmp_path / "null.duckdb")
    try:
        s.write(corpus(coupled=False), "synthetic")
        one = Spillover().run(s, WATCHLIST, a="founder", b="cars", permutations=200).table
        two = Spillover().run(s, WATCHLIST, a="founder", b="cars", permutations=200).table
    finally:
        s.close()
    assert repr(one.to_pylist()) == repr(two.to_pylist())  # fixed seed: same p-values (repr: NaN == NaN)
    best = max((r for r in one.to_pylist() if r["measure"] == "cross_correlation"), key=lambda r: abs(r["value"]))
    assert best["p_value"] > 0.01


def test_spillover_needs_two_entities(store: DuckDBStore) -> None:
    with pytest.raises(UsageError):
        Spillover().run(store, WATCHLIST, a="founder")
    empty = Spillover().run(store, WATCHLIST)  # nothing chosen: an empty table that says how
    assert empty.table.num_rows == 0 and "choose two entities" in empty.notes[0]


def test_spillover_lagged_correlation_direction() -> None:
    x = np.random.default_rng(0).normal(size=200)
    y = np.r_[np.zeros(3), x[:-3]]  # y follows x by 3
    assert lagged_correlation(x, y, 3) == pytest.approx(1.0)
    assert abs(lagged_correlation(x, y, -3)) < 0.3
