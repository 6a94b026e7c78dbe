"""Tone over time on a SYNTHETIC corpus: a founder praised in week 1, criticised in week 2."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from _stores import StoreMaker
from limelight.analyses.tone import ToneOverTime
from limelight.errors import UsageError
from limelight.models import Document, Enriched, Mention, Source
from limelight.store.base import Store
from limelight.watchlist import Watchlist

WATCHLIST = Watchlist.from_dict({"entity": [
    {"id": "group", "kind": "org", "name": "Group"},
    {"id": "founder", "kind": "person", "name": "Founder", "parent": "group"},
]})


def _doc(i: int, day: int, mentions: list[tuple[str, float | None, str | None]]) -> Enriched:
    d = Document(id=f"d{i}", kind="article", origin="synthetic", source=Source.make("web", "x.org"),
                 text="synthetic", published_at=datetime(2024, 1, 1, 9, tzinfo=UTC) + timedelta(days=day))
    return Enriched(d, tuple(Mention(d.id, e, e, e, "text", k, k + 1, "body", "s", tone=t, tone_label=lab)
                             for k, (e, t, lab) in enumerate(mentions)))


@pytest.fixture
def store(make_store: StoreMaker) -> Store:
    items = [_doc(i, i % 7, [("founder", 0.6, "positive")]) for i in range(6)]
    items += [_doc(10 + i, 7 + i % 7, [("founder", -0.7, "negative")]) for i in range(4)]
    items += [_doc(20, 8, [("founder", 0.0, "neutral"), ("group", -0.9, None)])]
    items += [_doc(21, 9, [("founder", None, None)])]  # not scored: left out, not "neutral"
    s = make_store()
    s.write(items, "synthetic")
    return s


def test_tone_over_time_follows_the_turn(store: Store) -> None:
    rows = ToneOverTime().run(store, WATCHLIST, by="week", entity="founder").table.to_pylist()
    store.close()
    assert [r["period"].isoformat() for r in rows] == ["2024-01-01", "2024-01-08"]
    first, second = rows
    assert first["mentions"] == 6 and first["mean_tone"] == pytest.approx(0.6) and first["positive_share"] == 1.0
    assert second["mentions"] == 5 and second["documents"] == 5
    assert second["mean_tone"] == pytest.approx((4 * -0.7 + 0.0) / 5)
    assert second["negative_share"] == pytest.approx(0.8) and second["neutral_share"] == pytest.approx(0.2)
    # evidence: the most negative mentions' documents first
    assert second["evidence"][0] in {"d10", "d11", "d12", "d13"} and "d20" not in second["evidence"][:4]


def test_tone_over_time_children_and_unlabelled_tone(store: Store) -> None:
    alone = ToneOverTime().run(store, WATCHLIST, by="month", entity="group").table.to_pylist()
    family = ToneOverTime().run(store, WATCHLIST, by="month", entity="group", include_children=True).table.to_pylist()
    store.close()
    # the group's own mention has a tone but no label: read with the ±0.2 band, so negative
    assert alone[0]["mentions"] == 1 and alone[0]["negative_share"] == 1.0
    assert family[0]["mentions"] == 12 and family[0]["entity_id"] == "group"


def test_tone_over_time_says_when_nothing_is_scored(make_store: StoreMaker) -> None:
    s = make_store()
    s.write([_doc(1, 0, [("founder", None, None)])], "synthetic")
    res = ToneOverTime().run(s, WATCHLIST)
    with pytest.raises(UsageError):
        ToneOverTime().run(s, WATCHLIST, by="year")
    s.close()
    assert res.table.num_rows == 0 and any("tone apply" in n for n in res.notes)


def test_tone_over_time_counts_labels_by_the_one_rule(make_store: StoreMaker) -> None:
    """A store scored before the labels followed the scores: the label the enricher stored beside
    −0.488 was "neutral", beside −0.003 "negative". Tone, storms and spillover all read the score."""
    from limelight.store.dialect import translate
    from limelight.store.reads.analyses import negative

    s = make_store()
    s.write([_doc(1, 0, [("founder", -0.488, "neutral")]), _doc(2, 0, [("founder", -0.003, "negative")]),
             _doc(3, 0, [("founder", None, "negative")])], "synthetic")  # a label without a score is kept
    row = ToneOverTime().run(s, WATCHLIST, entity="founder", by="day").table.to_pylist()[0]
    sql = translate(f"SELECT m.document_id FROM mentions AS m WHERE {negative()} ORDER BY m.document_id", s.dialect)
    negatives = s.query(sql).column(0).to_pylist()
    s.close()
    assert row["negative_share"] == pytest.approx(2 / 3) and row["neutral_share"] == pytest.approx(1 / 3)
    assert negatives == ["d1", "d3"]  # the rule storms and spillover count negative documents with
