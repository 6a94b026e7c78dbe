from __future__ import annotations

from limelight.enrich.matcher import Matcher
from limelight.models import Entity

ENTITIES = [
    Entity("lei-jun", "person", "Lei Jun", ("Lei Jun", "雷军", "Lôi Quân", "Donnerlord")),
    Entity("xiaomi", "org", "Xiaomi", ("Xiaomi", "小米")),
    Entity("xiaomi-auto", "segment", "Xiaomi Auto", ("Xiaomi Auto", "SU7", "小米汽车")),
    Entity("leica", "org", "Leica", ("Leica",)),
    Entity("lu", "person", "Lu", ("Lu",)),
    Entity("sap", "org", "SAP", ("SAP",)),
]
M = Matcher(ENTITIES)


def found(text: str) -> list[tuple[str, str]]:
    return [(m.entity_id, m.surface) for m in M.find(text)]


def test_matcher_word_boundaries() -> None:
    assert found("Leicaster und Lustig") == []
    assert found("Leica und Lu") == [("leica", "Leica"), ("lu", "Lu")]


def test_matcher_german_suffixes() -> None:
    assert found("Lei Juns Auftritt") == [("lei-jun", "Lei Jun")]
    assert found("Xiaomis Sparte") == [("xiaomi", "Xiaomi")]
    hits = found("die Xiaomi-Fahrzeugen und Xiaomi-Smartphones")
    assert hits == [("xiaomi", "Xiaomi"), ("xiaomi", "Xiaomi")]
    assert found("Xiaomi's car") == [("xiaomi", "Xiaomi")]
    assert found("Lus") == []  # no suffix for two-letter aliases
    assert found("Xiaomisten") == []


def test_matcher_folded_variants_and_pinyin() -> None:
    assert found("Loi Quan im lang") == [("lei-jun", "Loi Quan")]
    assert found("LÔI QUÂN") == [("lei-jun", "LÔI QUÂN")]
    assert found("CEO lei jun said") == [("lei-jun", "lei jun")]


def test_matcher_cjk_without_boundaries_and_longest_wins() -> None:
    text = "雷军说小米汽车SU7卖得好"
    assert found(text) == [("lei-jun", "雷军"), ("xiaomi-auto", "小米汽车"), ("xiaomi-auto", "SU7")]
    assert found("Xiaomi Auto startet") == [("xiaomi-auto", "Xiaomi Auto")]


def test_matcher_spans_point_into_original() -> None:
    text = "Ｘｉａｏｍｉ and  Lôi   Quân"
    for m in M.find(text):
        assert text[m.start : m.end] == m.surface
    assert [m.surface for m in M.find(text)] == ["Ｘｉａｏｍｉ", "Lôi   Quân"]


def test_matcher_short_acronyms_match_upper_case_only() -> None:
    assert found("SAP meldet") == [("sap", "SAP")]
    assert found("the sap rises") == []


def test_matcher_same_variant_two_entities() -> None:
    m = Matcher([Entity("a", "person", "Jun Li"), Entity("b", "person", "Jun Li", ("Jun Li",))])
    assert sorted(x.entity_id for x in m.find("Jun Li kam")) == ["a", "b"]
