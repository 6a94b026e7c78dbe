"""Share of voice on a SYNTHETIC corpus: children, competitors, and a republished story counted once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from _stores import StoreMaker
from limelight.analyses.share_of_voice import ShareOfVoice
from limelight.models import Document, Enriched, Link, Mention, Source
from limelight.store.base import Store
from limelight.watchlist import Watchlist

WATCHLIST = Watchlist.from_dict({"entity": [
    {"id": "xiaomi", "kind": "org", "name": "Xiaomi", "competitors": ["byd", "tesla", "not-watched"]},
    {"id": "lei-jun", "kind": "person", "name": "Lei Jun", "parent": "xiaomi"},
    {"id": "xiaomi-auto", "kind": "segment", "name": "Xiaomi Auto", "parent": "xiaomi"},
    {"id": "byd", "kind": "org", "name": "BYD"},
    {"id": "tesla", "kind": "org", "name": "Tesla"},
]})
WHEN = datetime(2024, 3, 5, 10, tzinfo=UTC)


def _doc(doc_id: str, entities: list[str], url: str | None = None, attribution: str | None = None) -> Enriched:
    d = Document(id=doc_id, kind="article", origin="synthetic", source=Source.make("web", f"{doc_id}.org"),
                 text="synthetic", url=url, canonical_url=url, published_at=WHEN, attribution_url=attribution)
    links = (Link(doc_id, None, "attribution", 1.0, "Quelle:", to_url=attribution),) if attribution else ()
    return Enriched(d, tuple(Mention(doc_id, e, e, e, "text", k, k + 1, "body", "s") for k, e in enumerate(entities)),
                    links)


CORPUS = [
    # one Xiaomi Auto story, republished three times with an attribution line → 4 articles, 1 story
    _doc("orig", ["xiaomi-auto", "xiaomi"], url="https://wire.example/su7"),
    *[_doc(f"copy{i}", ["xiaomi-auto", "xiaomi"], attribution="https://wire.example/su7") for i in range(3)],
    _doc("lei1", ["lei-jun"]), _doc("lei2", ["lei-jun"]),
    _doc("byd1", ["byd"]), _doc("byd2", ["byd"]), _doc("byd3", ["byd", "tesla"]),
]


@pytest.fixture(scope="module")
def store(make_store: StoreMaker) -> Iterator[Store]:
    s = make_store()
    s.write(CORPUS, "synthetic")
    yield s
    s.close()


def test_share_of_voice_children_per_article_and_story(store: Store) -> None:
    result = ShareOfVoice().run(store, WATCHLIST)
    rows = {(r["group"], r["entity_id"]): r for r in result.table.to_pylist()}
    auto, lei = rows[("children", "xiaomi-auto")], rows[("children", "lei-jun")]
    assert (auto["articles"], auto["stories"]) == (4, 1)
    assert (lei["articles"], lei["stories"]) == (2, 2)
    assert auto["article_share"] == pytest.approx(4 / 6)
    assert auto["story_share"] == pytest.approx(1 / 3)  # the republications count once
    assert "orig" in auto["evidence"]


def test_share_of_voice_competitors(store: Store) -> None:
    result = ShareOfVoice().run(store, WATCHLIST, entity="xiaomi", by="month")
    rows = {r["entity_id"]: r for r in result.table.to_pylist() if r["group"] == "competitors"}
    assert rows["byd"]["articles"] == 3 and rows["tesla"]["articles"] == 1 and rows["xiaomi"]["articles"] == 4
    assert sum(r["article_share"] for r in rows.values()) == pytest.approx(1.0)
    assert rows["xiaomi"]["story_share"] == pytest.approx(1 / 5)
    assert any("not-watched" in n for n in result.notes)
