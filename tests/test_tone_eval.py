"""The tone evaluation's parts: F1, splits, and the label mappings of the labelled sets."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from limelight.eval.tone import Item, load_cafef, load_gerntsa, macro_f1, split


def test_tone_eval_macro_f1_averages_gold_classes() -> None:
    assert macro_f1(["positive", "negative"], ["positive", "negative"]) == 1.0
    # Binary gold: a "neutral" prediction is a miss, not a third class.
    assert macro_f1(["positive", "positive", "negative", "negative"],
                    ["positive", "neutral", "negative", "negative"]) == (2 / 3 + 1.0) / 2


def test_tone_eval_split_keeps_sentences_on_one_side() -> None:
    items = [Item(f"s{g} t{t}", "neutral", g) for g in range(50) for t in range(3)]
    train, test = split(items)
    assert {i.group for i in train}.isdisjoint({i.group for i in test})
    assert len(train) + len(test) == len(items)
    assert split(items) == (train, test)  # fixed seed


def test_tone_eval_cafef_labels_mapped_by_evidence(shared_data: Path) -> None:
    items = load_cafef(shared_data / "sentiment")
    assert Counter(i.label for i in items) == {"negative": 187, "neutral": 249, "positive": 569}
    neg = " ".join(i.text for i in items if i.label == "negative")
    assert "bán ròng" in neg  # foreign net selling: negative news, labelled 1 upstream


def test_tone_eval_gerntsa_targets_are_clauses(shared_data: Path) -> None:
    items = load_gerntsa(shared_data / "sentiment")
    assert len(items) == 3792
    assert Counter(i.label for i in items) == {"neutral": 2255, "positive": 964, "negative": 573}
