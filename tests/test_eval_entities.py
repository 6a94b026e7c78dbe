from __future__ import annotations

from pathlib import Path

import pytest

from limelight.enrich.matcher import Matcher
from limelight.eval.entities import _build, evaluate, gold_watchlist, score


def test_eval_entities_spans_and_scores() -> None:
    tokens = ["Lei", "Jun", "und", "Xiaomi", "in", "China"]
    s = _build(tokens, ["B-PER", "I-PER", "O", "B-ORG", "O", "O"], " ")
    assert [s.text[a:b] for a, b, _ in s.gold] == ["Lei Jun", "Xiaomi"]
    sc = score([s], Matcher(gold_watchlist([s])))
    assert (sc.exact_p, sc.exact_r) == (1.0, 1.0)


@pytest.mark.shared_data
def test_eval_entities_matcher_quality(shared_data: Path) -> None:
    rows = {r.key: r.value for r in evaluate(shared_data)}
    for lang in ("en", "de", "zh"):
        assert rows[f"entities/ner_{lang}/exact_recall"] >= 0.98
        assert rows[f"entities/ner_{lang}_checked/exact_precision"] >= 0.85
