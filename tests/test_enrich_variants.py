from __future__ import annotations

from limelight.enrich.matcher import Matcher
from limelight.enrich.variants import alias_variants, fold, fold_text, pinyin_name
from limelight.models import Entity


def test_variants_fold_diacritics_keeps_d_stroke() -> None:
    assert fold_text("Lôi Quân") == "loi quan"
    assert fold_text("Đặng Thị Ngọc Thịnh") == "dang thi ngoc thinh"


def test_variants_fold_fullwidth_and_case() -> None:
    assert fold_text("ＸＩＡＯＭＩ　ＳＵ７") == "xiaomi su7"
    assert fold_text("Straße") == "strasse"


def test_variants_fold_offsets_point_into_original() -> None:
    text = "Der  Chef Lôi\n Quân sprach"
    folded = fold(text)
    start = folded.text.index("loi quan")
    s, e = folded.span(start, start + len("loi quan"))
    assert text[s:e] == "Lôi\n Quân"


def test_variants_fold_decomposed_marks_stay_in_span() -> None:
    text = "Le\u0302 x"  # "Lê" written with a combining circumflex
    folded = fold(text)
    assert folded.text == "le x"
    assert text[slice(*folded.span(0, 2))] == "Le\u0302"


def test_variants_pinyin_only_for_person_names() -> None:
    assert pinyin_name("雷军") == "Lei Jun"
    assert pinyin_name("卢伟冰") == "Lu Weibing"
    assert "lei jun" in alias_variants("雷军", person=True)
    # A company's pinyin is not how the press writes it: no "xiao mi" junk.
    assert alias_variants("小米") == ["小米"]
    assert pinyin_name("Xiaomi") is None


def test_variants_hyphen_and_space() -> None:
    assert set(alias_variants("Xiaomi Auto")) == {"xiaomi auto", "xiaomi-auto"}
    assert "coca cola" in alias_variants("Coca-Cola")
    assert alias_variants("ZDF-") == ["zdf-", "zdf"]  # never a variant with a dangling space


def test_variants_fold_carriage_return_and_other_ascii_whitespace() -> None:
    # Regression (found by tests/test_properties_variants.py): pure-ASCII text took a fast path that
    # only collapsed spaces, "\n" and "\t", so "Lei\rJun" (old Mac line ends, CSV cells) and
    # "\x0b"/"\x0c" never matched "lei jun".
    matcher = Matcher([Entity(id="lei", kind="person", name="Lei Jun")])
    for sep in ("\r", "\r\r", "\x0b", "\x0c", "\x1f", " \r"):
        assert [(m.start, m.end) for m in matcher.find(f"CEO Lei{sep}Jun sprach")] == [(4, 10 + len(sep))]
    assert fold("a\rb").text == "a b"
