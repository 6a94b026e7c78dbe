from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from limelight.errors import ItemFailed
from limelight.extract.text import TextExtractor
from limelight.models import Document, RawPage
from limelight.settings import Settings


def _extract(content: bytes, hints: tuple[tuple[str, str], ...] = ()) -> Document:
    page = RawPage(origin="test.txt", content=content, format="text", hints=hints)
    return TextExtractor().extract(page, Settings.defaults())


def test_extract_text_seed_article(seed_file: Path) -> None:
    doc = TextExtractor().extract(
        RawPage(origin=str(seed_file), content=seed_file.read_bytes(), format="text"), Settings.defaults()
    )
    assert doc.title == "Der Donnerlord ist anders."
    assert doc.source.name == "Vietnam.vn - Nền tảng quảng bá Việt Nam"
    assert doc.source.handle == "vietnam.vn"
    assert doc.published_at == datetime(2025, 12, 27, tzinfo=UTC)
    assert doc.date_source == "text:dateline"
    assert doc.attribution_url == "https://znews.vn/loi-quan-khac-la-post1614606.html"
    assert "Quelle:" not in doc.text and "znews.vn" not in doc.text
    assert len(doc.captions) == 3
    assert doc.captions[0].endswith("Foto: Weibo .")
    assert doc.captions[1].endswith("Foto: Xiaomi.")
    assert doc.captions[2].endswith("Foto: QQ News .")
    for caption in doc.captions:
        assert caption not in doc.text
    assert "im lang anh" not in doc.text
    assert doc.lead.startswith("Nach der Medienkrise vor zwei Monaten")
    for boilerplate in ("Kommentar (0)", "Hinterlasse einen Kommentar", "Gleiche Kategorie", "Gleicher Autor",
                        "Karottenblüten", "Politisches System", "ZNews"):
        assert boilerplate not in doc.text
    # The last body paragraph survives the tail cut.
    assert doc.text.rstrip().endswith("Auf Douyin streamt Lei Jun schon lange nicht mehr live.")
    assert doc.id and doc.content_hash


def test_extract_text_generic_markers_in_other_languages() -> None:
    text = "\n".join([
        "Tiêu đề bài báo về Xiaomi",
        "ngày 03/01/2026",
        "Đoạn đầu tiên của bài báo nói về chiến lược truyền thông mới của công ty.",
        "Một bức ảnh minh họa sản phẩm mới. Ảnh: VnExpress",
        "Đoạn thứ hai tiếp tục câu chuyện với nhiều chi tiết hơn về thị trường.",
        "Theo VnExpress",
        "Bình luận (2)",
        "Tin liên quan",
        "Một tiêu đề khác",
    ]).encode("utf-8")
    doc = _extract(text)
    assert doc.title == "Tiêu đề bài báo về Xiaomi"
    assert doc.published_at == datetime(2026, 1, 3, tzinfo=UTC)
    assert doc.captions == ("Một bức ảnh minh họa sản phẩm mới. Ảnh: VnExpress",)
    assert doc.attribution_text == "Theo VnExpress" and doc.attribution_url is None
    assert doc.text.split("\n") == [
        "Đoạn đầu tiên của bài báo nói về chiến lược truyền thông mới của công ty.",
        "Đoạn thứ hai tiếp tục câu chuyện với nhiều chi tiết hơn về thị trường.",
    ]


def test_extract_text_future_dateline_is_rejected_and_hint_used() -> None:
    text = b"Headline here\n27/12/2999\nFirst paragraph of the text, long enough to be a paragraph.\n"
    doc = _extract(text, hints=(("published", "2024-05-01T10:00:00+02:00"),))
    assert doc.published_at == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert doc.date_source == "feed"


def test_extract_text_without_any_date_stores_none() -> None:
    doc = _extract(b"Headline\nA paragraph without any date in it at all.\n")
    assert doc.published_at is None and doc.date_source is None


def test_extract_text_blank_file_fails_with_a_hint() -> None:
    with pytest.raises(ItemFailed) as err:
        _extract(b"   \n\n  ")
    assert err.value.hint


def test_extract_text_utf16_dump_is_decoded() -> None:
    doc = _extract("Titel\nErster Absatz über 雷军 und Xiaomi.\n".encode("utf-16"))
    assert doc.title == "Titel"
    assert "雷军" in doc.text
