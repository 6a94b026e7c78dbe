"""Withdrawal on SYNTHETIC accounts: one stops posting while the collection goes on, one stops when
the collection itself stops, and a livestreamer with a regular gap."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from _stores import StoreMaker
from limelight.analyses.withdrawal import Withdrawal
from limelight.errors import UsageError
from limelight.models import Document, Enriched, Source
from limelight.watchlist import Watchlist

WATCHLIST = Watchlist.from_dict({"entity": [
    {"id": "ceo", "kind": "person", "name": "CEO", "accounts": [{"platform": "weibo", "handle": "ceo1"}]},
    {"id": "brand", "kind": "org", "name": "Brand", "accounts": [{"platform": "douyin", "handle": "brand1"}]},
]})
T0 = datetime(2024, 1, 1, 9, tzinfo=UTC)


def _post(i: int, handle: str, platform: str, day: int, content_type: str = "post",
          kind: str = "post") -> Enriched:
    return Enriched(Document(id=f"{handle}-{i}", kind=kind, origin=f"synthetic:{i}",  # type: ignore[arg-type]
                             source=Source.make(platform, handle), text="synthetic",
                             published_at=T0 + timedelta(days=day, hours=i % 5), content_type=content_type))


def corpus() -> list[Enriched]:
    items: list[Enriched] = []
    for day in range(200):
        # a news outlet keeps being collected every day: the collection has no gap
        items.append(_post(day, "news.example", "web", day, "article", "article"))
        if day < 150:  # the CEO posts 3 a day, then stops on day 150
            items += [_post(day * 10 + k, "ceo1", "weibo", day) for k in range(3)]
        if day % 7 == 0:  # the brand livestreams every week, and posts every day until day 180
            items.append(_post(day * 10 + 9, "brand1", "douyin", day, "livestream", "livestream"))
        if day < 180:
            items.append(_post(day * 10 + 8, "brand1", "douyin", day, "post"))
    return items


@pytest.fixture(scope="module")
def rows(make_store: StoreMaker) -> list[dict]:
    s = make_store()
    try:
        s.write(corpus(), "synthetic")
        return Withdrawal().run(s, WATCHLIST).table.to_pylist()
    finally:
        s.close()


def test_withdrawal_detects_stop_with_high_confidence(rows: list[dict]) -> None:
    cadence = [r for r in rows if r["entity_id"] == "ceo" and r["content_type"] == "all" and r["row"] == "cadence"]
    assert len(cadence) == 2
    stop = cadence[1]
    assert abs((stop["start"] - date(2024, 5, 30)).days) <= 7  # day 150
    assert stop["posts"] == 0 and stop["change"] == 0.0
    assert stop["confidence"] == 1.0  # the news outlet was collected every day of the silence
    silence = next(r for r in rows if r["entity_id"] == "ceo" and r["content_type"] == "all"
                   and r["row"] == "silence")
    assert silence["days_since_last"] == 50
    assert silence["silence_percentile"] == 1.0 and silence["median_gap_days"] < 1
    assert silence["evidence"]


def test_withdrawal_livestream_gap_against_own_usual_gap(rows: list[dict]) -> None:
    live = next(r for r in rows if r["entity_id"] == "brand" and r["content_type"] == "livestream"
                and r["row"] == "silence")
    assert live["median_gap_days"] == pytest.approx(7.0, abs=0.3)
    assert live["days_since_last"] <= 7 and live["silence_percentile"] < 1.0
    posts = [r for r in rows if r["entity_id"] == "brand" and r["content_type"] == "post" and r["row"] == "cadence"]
    assert len(posts) == 2


def test_withdrawal_collection_gap_lowers_confidence(make_store: StoreMaker) -> None:
    # everything stops on day 150: the account's silence may be our crawler's
    items = [e for e in corpus() if e.document.published_at < T0 + timedelta(days=150)]  # type: ignore[operator]
    s = make_store()
    try:
        s.write(items, "synthetic")
        result = Withdrawal().run(s, WATCHLIST, entity="ceo", as_of="2024-07-18")
    finally:
        s.close()
    silence = next(r for r in result.table.to_pylist() if r["row"] == "silence" and r["content_type"] == "all")
    assert silence["days_since_last"] > 40 and silence["confidence"] == 0.0
    assert any("without any document" in n for n in result.notes)


def test_withdrawal_as_of_in_the_past_ignores_later_posts(make_store: StoreMaker) -> None:
    s = make_store()
    try:
        s.write(corpus(), "synthetic")
        rows = Withdrawal().run(s, WATCHLIST, entity="ceo", as_of="2024-04-09").table.to_pylist()  # day 99
    finally:
        s.close()
    silence = next(r for r in rows if r["row"] == "silence" and r["content_type"] == "all")
    assert silence["days_since_last"] == 0 and silence["posts"] == 300
    assert len([r for r in rows if r["row"] == "cadence" and r["content_type"] == "all"]) == 1


def test_withdrawal_rejects_bad_as_of(make_store: StoreMaker) -> None:
    s = make_store()
    try:
        s.write(corpus()[:50], "synthetic")
        with pytest.raises(UsageError):
            Withdrawal().run(s, WATCHLIST, as_of="yesterday")
    finally:
        s.close()


def test_withdrawal_trump_suspension(shared_data: Path) -> None:
    """Real data: @realDonaldTrump, July 2020 .. the Jan 2021 suspension, read by limelight's CSV source."""
    from limelight.eval.changepoints import evaluate_trump

    rows = {r.metric: r for r in evaluate_trump(shared_data)}
    assert rows["stop_detected"].value == 1.0
    assert abs(rows["stop_onset_error_days"].value) <= 7
    assert rows["silence_percentile"].value > 0.99


def _ceo_only(first_day: int = 0) -> list[Enriched]:
    # a store that holds one account: the CEO posts 3 a day from ``first_day`` to day 149, then stops
    return [_post(day * 10 + k, "ceo1", "weibo", day) for day in range(first_day, 150) for k in range(3)]


def _cadence_starts(make_store: StoreMaker, items: list[Enriched]) -> list[date]:
    s = make_store()
    try:
        s.write(items, "synthetic")
        rows = Withdrawal().run(s, WATCHLIST, entity="ceo", content_type="all", as_of="2024-07-18").table.to_pylist()
    finally:
        s.close()
    return [r["start"] for r in rows if r["row"] == "cadence"]


def test_withdrawal_weeks_start_on_monday_whatever_the_data_starts_on(make_store: StoreMaker) -> None:
    # T0 is Monday 2024-01-01: the CEO's posts start on Wednesday the 3rd (day 2)
    alone = _cadence_starts(make_store, _ceo_only(first_day=2))
    # the same posts plus older news from Sunday 2023-12-10 on
    older = [_post(-day, "news.example", "web", -day, "article", "article") for day in range(1, 23)]
    more = _cadence_starts(make_store, _ceo_only(first_day=2) + older)
    assert len(alone) == 2 and alone[1:] == more[1:]  # the stop's week does not move
    assert alone[1].weekday() == 0 and alone[1] == date(2024, 6, 3)  # the first Monday of a week without posts


def test_withdrawal_now_is_the_collection_s_end_on_a_one_account_store(make_store: StoreMaker) -> None:
    s = make_store()
    try:
        run = s.start_run(["ceo.csv"], {})
        s.write(_ceo_only(), run)
        s.finish_run(run, {"new": 450}, finished_at=T0 + timedelta(days=200))  # the collection ran until day 200
        result = Withdrawal().run(s, WATCHLIST, entity="ceo")
        rows = result.table.to_pylist()
        without_runs_until = Withdrawal().run(s, WATCHLIST, entity="ceo", until="2024-06-08")
    finally:
        s.close()
    silence = next(r for r in rows if r["row"] == "silence" and r["content_type"] == "all")
    assert silence["end"] == date(2024, 7, 19) and silence["days_since_last"] == 51  # day 149 → day 200
    assert silence["silence_percentile"] == 1.0 and silence["confidence"] == 0.0
    assert any("silence measured up to 2024-07-19 (when the last ingest run finished)" in n for n in result.notes)
    why = next(n for n in result.notes if n.startswith("ceo (weibo/ceo1)"))
    assert "nothing else was collected" in why and "cannot tell a stop from a gap" in why
    assert any("up to 2024-06-08 (--until)" in n for n in without_runs_until.notes)


def test_withdrawal_trump_silence_up_to_the_collection_s_end(shared_data: Path, make_store: StoreMaker) -> None:
    """Real data: @realDonaldTrump's tweets read by limelight's CSV source into a store of their own;
    the collection ran until 2021-02-01. Without --as-of the silence since 2021-01-08 shows, and the
    note says why its confidence is 0."""
    import importlib

    from limelight.eval.changepoints import TRUMP_FILE
    from limelight.models import Account, Entity
    from limelight.registry import DEFAULT_PLUGINS, Registry
    from limelight.settings import Settings
    from limelight.sources.base import SourceContext
    from limelight.sources.dispatch import read_all

    sources = Registry()
    sources._loaded = True  # the source plugins only, as the eval reads them
    for module in DEFAULT_PLUGINS:
        if module.startswith("limelight.sources."):
            importlib.import_module(module).register(sources)
    docs = [i for i in read_all([str(shared_data / TRUMP_FILE)], SourceContext(Settings.from_dict({}), None), sources)
            if isinstance(i, Document)]
    wl = Watchlist((Entity("trump", "person", "Donald Trump", accounts=(Account("x", docs[0].source.handle),)),))
    s = make_store()
    try:
        run = s.start_run(["trump.csv"], {})
        s.write([Enriched(d) for d in docs], run)
        s.finish_run(run, {}, finished_at=datetime(2021, 2, 1, 12, tzinfo=UTC))  # the archive's end
        result = Withdrawal().run(s, wl, content_type="all")
    finally:
        s.close()
    rows = result.table.to_pylist()
    silence = next(r for r in rows if r["row"] == "silence")
    assert silence["end"] == date(2021, 2, 1) and silence["days_since_last"] >= 25
    assert silence["silence_percentile"] > 0.99 and silence["confidence"] == 0.0
    assert any("nothing else was collected" in n for n in result.notes)
    stop = [r for r in rows if r["row"] == "cadence"][-1]
    assert stop["posts"] == 0 and stop["start"].weekday() == 0  # a Monday: ISO weeks
