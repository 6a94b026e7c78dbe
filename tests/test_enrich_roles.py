from __future__ import annotations

import pytest

from limelight.enrich.roles import clauses, cue_roles


def roles(sentence: str, *names: str, persons: bool = True) -> list[str | None]:
    spans = []
    for n in names:
        s = sentence.index(n)
        spans.append((s, s + len(n), persons))
    return cue_roles(sentence, spans)


def test_roles_speaker_and_audience_split_at_clause() -> None:
    s = "Lu Weibing fungierte als Hauptredner, während Lei Jun im Publikum saß."
    assert roles(s, "Lu Weibing", "Lei Jun") == ["speaking", "audience"]
    assert len(clauses(s)) == 2


@pytest.mark.parametrize(("sentence", "name", "role"), [
    ("„Wir sind bereit“, sagte Lei Jun am Montag.", "Lei Jun", "quoted"),
    ("Lei Jun sagte, das Auto komme.", "Lei Jun", "quoted"),
    ("Laut Lei Jun wird es teurer.", "Lei Jun", "quoted"),
    ("The car is ready, said Lei Jun.", "Lei Jun", "quoted"),
    ("According to Lei Jun, sales rose.", "Lei Jun", "quoted"),
    ("Lei Jun gave a keynote in Beijing.", "Lei Jun", "speaking"),
    ("Lei Jun sat in the audience.", "Lei Jun", "audience"),
    ("Lei Jun on stage in Beijing.", "Lei Jun", "speaking"),
    ("Theo Lôi Quân, doanh số tăng.", "Lôi Quân", "quoted"),
    ("Lôi Quân cho biết doanh số tăng.", "Lôi Quân", "quoted"),
    ("Lôi Quân ngồi dưới khán đài.", "Lôi Quân", "audience"),
    ("Lôi Quân phát biểu tại sự kiện.", "Lôi Quân", "speaking"),
    ("雷军表示销量很好。", "雷军", "quoted"),
    ("雷军在发布会上发表演讲。", "雷军", "speaking"),
    ("雷军坐在台下。", "雷军", "audience"),
    ("Lei Jun fuhr nach Hause.", "Lei Jun", None),
])
def test_roles_cues_per_language(sentence: str, name: str, role: str | None) -> None:
    assert roles(sentence, name) == [role]


def test_roles_cue_goes_to_the_person_not_the_company() -> None:
    s = "Das sei gut, sagte Xiaomi-Chef Lei Jun."
    x, lj = s.index("Xiaomi"), s.index("Lei Jun")
    spans = [(x, x + 6, False), (lj, lj + 7, True)]
    assert cue_roles(s, spans) == [None, "quoted"]


def test_roles_product_genitive_is_not_the_speaker() -> None:
    s = "Lu Weibing fungierte während der Präsentation des Xiaomi 17 Ultra als Hauptredner."
    spans = [(0, 10, True), (s.index("Xiaomi"), s.index("Xiaomi") + 6, False)]
    assert cue_roles(s, spans) == ["speaking", None]
