from __future__ import annotations

from limelight.enrich.sentences import sentence_at, split_sentences


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_sentences_abbreviations_and_dates_do_not_split() -> None:
    text = "Dr. Lu sprach z.B. über Kameras am 25. Dezember in Peking. Danach kam Lei Jun. Er schwieg!"
    assert sentences(text) == [
        "Dr. Lu sprach z.B. über Kameras am 25. Dezember in Peking.", "Danach kam Lei Jun.", "Er schwieg!",
    ]


def test_sentences_numbers_at_sentence_end_split() -> None:
    got = sentences("Der Umsatz stieg 2025. Die Aktie fiel.")
    assert got == ["Der Umsatz stieg 2025.", "Die Aktie fiel."]


def test_sentences_cjk_and_lines() -> None:
    got = sentences("雷军表示：“很好。”小米汽车上市！下一句")
    assert got == ["雷军表示：“很好。”", "小米汽车上市！", "下一句"]
    got = sentences("Titel ohne Punkt\nZweite Zeile. Dritte.")
    assert got == ["Titel ohne Punkt", "Zweite Zeile.", "Dritte."]


def test_sentences_lookup_by_offset() -> None:
    text = "A war da. B auch."
    spans = split_sentences(text)
    assert sentence_at(spans, text.index("B")) == (10, 17)
