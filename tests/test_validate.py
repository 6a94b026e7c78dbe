"""limelight.validate: what may be stored, checked once per document before any write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from limelight.errors import ItemFailed
from limelight.models import Document, Source
from limelight.settings import Settings
from limelight.validate import MAX_COUNT, check_document, clean_text

SETTINGS = Settings.defaults()
NOW = datetime(2026, 12, 2, tzinfo=UTC)


def _doc(**fields: object) -> Document:
    base: dict[str, object] = {"id": "d1", "kind": "post", "origin": "test", "source": Source.make("x", "a"),
                               "text": "hello"}
    base.update(fields)
    return Document(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [MAX_COUNT + 1, 99999999999999999999999, -1, -5])
def test_validate_count_out_of_range_is_refused_with_its_field(value: int) -> None:
    with pytest.raises(ItemFailed, match="likes"):
        check_document(_doc(likes=value), SETTINGS, NOW)


def test_validate_counts_in_range_pass() -> None:
    doc = _doc(likes=0, shares=MAX_COUNT, comments=None, views=12)
    assert check_document(doc, SETTINGS, NOW) is doc


@pytest.mark.parametrize("value, words", [
    (datetime(2999, 1, 1, tzinfo=UTC), "in the future"),
    (datetime(1, 1, 1, tzinfo=UTC), "before 1990"),
    (datetime(1985, 6, 1, tzinfo=UTC), "before 1990"),
    (NOW + timedelta(days=2), "in the future"),
    (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))), "outside the range"),
])
def test_validate_impossible_post_date_is_refused(value: datetime, words: str) -> None:
    with pytest.raises(ItemFailed, match=words):
        check_document(_doc(published_at=value), SETTINGS, NOW)


def test_validate_impossible_fetched_at_is_dropped_not_fatal() -> None:
    doc = check_document(_doc(fetched_at=datetime(2999, 1, 1, tzinfo=UTC)), SETTINGS, NOW)
    assert doc.fetched_at is None


def test_validate_text_over_cap_is_refused() -> None:
    settings = Settings.from_dict({"ingest": {"max_text_chars": 10}})
    with pytest.raises(ItemFailed, match="max_text_chars"):
        check_document(_doc(text="x" * 11), settings, NOW)


def test_validate_cleans_surrogates_and_nul_in_every_text_field() -> None:
    doc = check_document(_doc(text="a\x00b\ud800c", title="t\udfff", captions=("c\x00",),
                              source=Source.make("x", "h\ud800")), SETTINGS, NOW)
    assert doc.text == "ab\ufffdc" and doc.title == "t\ufffd" and doc.captions == ("c",)
    assert doc.source.handle == "h\ufffd"
    doc.text.encode("utf-8")  # what Arrow and every store need


def test_validate_clean_text_leaves_clean_text_alone() -> None:
    text = "Lôi Quân 雷军 \U0001F600"
    assert clean_text(text) is text
