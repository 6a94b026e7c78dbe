from __future__ import annotations

from pathlib import Path

import pytest

from limelight.eval.language import evaluate, first_words


def test_eval_language_first_words() -> None:
    assert first_words("one two three four five six") == "one two three four five"
    assert first_words("雷军坐在台下观众席里看发布会") == "雷军坐在台下观众席里"


@pytest.mark.shared_data
def test_eval_language_accuracy(shared_data: Path) -> None:
    rows = {r.key: r for r in evaluate(shared_data)}
    assert rows["language/all/accuracy_full"].value >= 0.99
    assert rows["language/all/accuracy_5words"].value >= 0.95
    for lang in ("de", "en", "vi", "zh", "fr"):
        assert rows[f"language/{lang}/accuracy_full"].n > 100
