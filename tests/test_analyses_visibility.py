"""Visibility on a small SYNTHETIC corpus: made-up documents and mentions written through the store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from _stores import StoreMaker
from limelight.analyses.base import Analysis
from limelight.analyses.visibility import ROLE_WEIGHTS, Visibility, register
from limelight.errors import ConfigError, UsageError
from limelight.models import MENTION_ROLES, Document, Enriched, Mention, Source
from limelight.registry import Registry
from limelight.store.base import Store
from limelight.watchlist import Watchlist

WATCHLIST = Watchlist.from_dict({"entity": [
    {"id": "xiaomi", "kind": "org", "name": "Xiaomi"},
    {"id": "lei-jun", "kind": "person", "name": "Lei Jun", "parent": "xiaomi"},
    {"id": "byd", "kind": "org", "name": "BYD"},
]})
BEIJING = timezone(timedelta(hours=8))
SOURCE = Source.make("web", "example.org")


def doc(doc_id: str, published: datetime | None, mentions: list[tuple[str, str]],
        kind: str = "article") -> Enriched:
    d = Document(id=doc_id, kind=kind, origin=f"synthetic:{doc_id}", source=SOURCE,  # type: ignore[arg-type]
                 text="synthetic", published_at=published)
    return Enriched(d, tuple(Mention(doc_id, entity, entity, entity, "text", i, i + 1, role, "s")
                             for i, (entity, role) in enumerate(mentions)))


# Week of Monday 2024-03-04: Xiaomi 3 mentions (headline, body, body), Lei Jun 2 (quoted,
# speaking), BYD 1 (headline). d3 is Sunday 23:30 UTC but Monday 07:30 in Beijing: in the report
# time zone Asia/Shanghai (what most tests here use) it belongs to the week of 2024-03-11, in UTC to
# the week of 2024-03-04. d4 has no date.
CORPUS = [
    doc("d1", datetime(2024, 3, 4, 10, 0, tzinfo=UTC), [("xiaomi", "headline"), ("xiaomi", "body"),
                                                        ("lei-jun", "quoted")]),
    doc("d2", datetime(2024, 3, 6, 8, 0, tzinfo=UTC), [("byd", "headline"), ("xiaomi", "body")]),
    doc("d3", datetime(2024, 3, 11, 7, 30, tzinfo=BEIJING), [("xiaomi", "lead")]),
    doc("d4", None, [("xiaomi", "body")]),
    doc("d5", datetime(2024, 3, 5, 12, 0, tzinfo=UTC), [("lei-jun", "speaking")], kind="post"),
    doc("d6", datetime(2024, 3, 5, 12, 0, tzinfo=UTC), [("not-watched", "headline")]),
]


@pytest.fixture(scope="module")
def store(make_store: StoreMaker) -> Iterator[Store]:
    s = make_store()
    s.write(CORPUS, "synthetic-run")
    yield s
    s.close()


def rows(store: Store, **options: Any) -> list[dict[str, Any]]:
    return Visibility().run(store, WATCHLIST, **({"timezone": "Asia/Shanghai"} | options)).table.to_pylist()


def by_key(store: Store, **options: Any) -> dict[tuple[date, str], dict[str, Any]]:
    return {(r["period"], r["entity_id"]): r for r in rows(store, **options)}


def test_analyses_visibility_contract() -> None:
    registry = Registry()
    register(registry)
    analysis = registry._plugins["analysis"]["visibility"]
    assert isinstance(analysis, Analysis)
    assert {o.name for o in analysis.options} >= {"by", "entity", "include_children", "role", "kind",
                                                  "weighted", "evidence_limit"}
    assert set(ROLE_WEIGHTS) == set(MENTION_ROLES)


def test_analyses_visibility_weekly_counts_roles_and_share(store: Store) -> None:
    result = Visibility().run(store, WATCHLIST, timezone="Asia/Shanghai")
    table = by_key(store)
    week = date(2024, 3, 4)
    assert set(table) == {(week, "xiaomi"), (week, "lei-jun"), (week, "byd"), (date(2024, 3, 11), "xiaomi")}
    x = table[week, "xiaomi"]
    assert (x["entity_name"], x["mentions"], x["documents"]) == ("Xiaomi", 3, 2)
    assert (x["headline"], x["body"], x["lead"], x["quoted"]) == (1, 2, 0, 0)
    assert x["weighted_score"] == pytest.approx(3 + 1 + 1)
    assert x["share_of_voice"] == pytest.approx(3 / 6)  # d6's unwatched entity is not in the total
    assert x["evidence"] == ["d1", "d2"]  # d1 carries the headline, so it comes first
    lei = table[week, "lei-jun"]
    assert (lei["quoted"], lei["speaking"], lei["weighted_score"]) == (1, 1, pytest.approx(4.5))
    assert table[week, "byd"]["share_of_voice"] == pytest.approx(1 / 6)
    assert result.notes == ("1 document without a date was left out",)  # the scope's notes come from the API
    assert result.table.schema.field("period").type == "date32[day]"


def test_analyses_visibility_counts_days_in_the_report_time_zone(store: Store) -> None:
    beijing = by_key(store, by="day")
    assert (date(2024, 3, 11), "xiaomi") in beijing  # Monday in Beijing
    assert (date(2024, 3, 10), "xiaomi") not in beijing
    utc = by_key(store, by="day", timezone="UTC")  # the default
    assert (date(2024, 3, 10), "xiaomi") in utc and (date(2024, 3, 11), "xiaomi") not in utc
    assert by_key(store, by="day", timezone="local") == beijing  # the publisher's own date
    default = {(r["period"], r["entity_id"]) for r in Visibility().run(store, WATCHLIST, by="week").table.to_pylist()}
    assert default == {(date(2024, 3, 4), e) for e in ("xiaomi", "lei-jun", "byd")}  # Sunday is in the Monday week
    with pytest.raises(UsageError, match="not a time zone"):
        rows(store, timezone="Europe/Berln")


def test_analyses_visibility_scope_narrows_documents_and_totals(store: Store) -> None:
    articles = by_key(store, kind="articles")  # what people type is fine too
    assert (date(2024, 3, 4), "lei-jun") in articles and articles[date(2024, 3, 4), "lei-jun"]["speaking"] == 0
    early = by_key(store, until="2024-03-05")  # d1, and d5 (20:00 on the 5th in Beijing); d2 is on the 6th
    assert {k for k in early} == {(date(2024, 3, 4), "xiaomi"), (date(2024, 3, 4), "lei-jun")}
    assert early[date(2024, 3, 4), "xiaomi"]["share_of_voice"] == pytest.approx(2 / 4)  # the totals are in scope too
    assert by_key(store, since="2024-03-11").keys() == {(date(2024, 3, 11), "xiaomi")}
    assert by_key(store, source="example.org").keys() == by_key(store).keys()
    assert by_key(store, source="www.example.org, x/someone") == {}
    assert by_key(store, language="de") == {}  # no document has a language here
    with pytest.raises(UsageError, match="after until"):
        rows(store, since="2024-03-12", until="2024-03-01")
    with pytest.raises(UsageError, match="kind must be one of"):
        rows(store, kind="tweets")


def test_analyses_visibility_by_month(store: Store) -> None:
    monthly = by_key(store, by="month")
    assert monthly[date(2024, 3, 1), "xiaomi"]["mentions"] == 4
    assert monthly[date(2024, 3, 1), "xiaomi"]["evidence"] == ["d1", "d3", "d2"]


def test_analyses_visibility_include_children_rolls_up(store: Store) -> None:
    plain = rows(store, entity="xiaomi")
    assert {r["entity_id"] for r in plain} == {"xiaomi"}
    rolled = by_key(store, entity="xiaomi", include_children=True)
    week = rolled[date(2024, 3, 4), "xiaomi"]
    assert (week["mentions"], week["documents"]) == (5, 3)
    assert week["share_of_voice"] == pytest.approx(5 / 6)


def test_analyses_visibility_filters_role_and_kind(store: Store) -> None:
    headlines = by_key(store, role="headline")
    assert {k[1] for k in headlines} == {"xiaomi", "byd"}
    assert headlines[date(2024, 3, 4), "xiaomi"]["share_of_voice"] == pytest.approx(0.5)
    posts = Visibility().run(store, WATCHLIST, kind="post", timezone="Asia/Shanghai")
    assert [(r["entity_id"], r["mentions"]) for r in posts.table.to_pylist()] == [("lei-jun", 1)]
    assert posts.notes == ()  # the undated document is an article, so nothing was left out


def test_analyses_visibility_weighted_share_and_evidence_limit(store: Store) -> None:
    table = by_key(store, weighted=True, evidence_limit=1)
    x = table[date(2024, 3, 4), "xiaomi"]
    assert x["share_of_voice"] == pytest.approx(5 / (5 + 4.5 + 3))
    assert x["evidence"] == ["d1"]


def test_analyses_visibility_rejects_bad_options(store: Store) -> None:
    with pytest.raises(UsageError, match="by must be one of"):
        Visibility().run(store, WATCHLIST, by="year")
    with pytest.raises(UsageError, match="no option"):
        Visibility().run(store, WATCHLIST, bucket="week")
    with pytest.raises(ConfigError, match="no entity"):
        Visibility().run(store, WATCHLIST, entity="nio")


def test_analyses_visibility_empty_store(make_store: StoreMaker) -> None:
    with make_store() as empty:
        result = Visibility().run(empty, WATCHLIST)
    assert result.table.num_rows == 0
    assert "share_of_voice" in result.table.column_names
    assert result.notes == ()
