from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from limelight.eval.extraction import (
    aeb_metrics,
    author_correct,
    date_correct,
    evaluate_aeb,
    evaluate_trafilatura,
    prf,
    shingle_match,
    snippet_counts,
    title_correct,
)


def test_eval_extraction_shingles_perfect_and_disjoint() -> None:
    text = "one two three four five six"
    assert shingle_match(text, text) == (1.0, 0.0, 0.0)
    tp, fp, fn = shingle_match(text, "alpha beta gamma delta")
    assert tp == 0 and fp > 0 and fn > 0


def test_eval_extraction_shingles_are_case_sensitive_multisets() -> None:
    # Upstream does not lowercase: "One" and "one" are different tokens.
    assert shingle_match("One two three four", "one two three four")[0] == 0
    # Repeated text counts twice: predicting the article twice is half false positives.
    tp, fp, fn = shingle_match("a b c d", "a b c d a b c d")
    assert fn == 0 and fp > 0 and tp > 0


def test_eval_extraction_aeb_averages_over_pages() -> None:
    pages = [(1.0, 0.0, 0.0), (0.5, 0.5, 0.0)]  # page 2: precision 0.5, recall 1
    m = aeb_metrics(pages)
    assert m["precision"] == pytest.approx(0.75)
    assert m["recall"] == pytest.approx(1.0)
    assert m["f1"] == pytest.approx(2 * 0.75 / 1.75)


def test_eval_extraction_snippet_protocol() -> None:
    item = {"with": ["main  text", "missing part"], "without": ["Impressum", "menu"]}
    assert snippet_counts(item, "The main text here.\nImpressum") == (1, 1, 1, 1)
    assert snippet_counts(item, None) == (0, 0, 2, 2)
    assert prf(1, 1, 1) == {"precision": 0.5, "recall": 0.5, "f1": 0.5}


def test_eval_extraction_metadata_normalisation() -> None:
    assert title_correct("Der  Donnerlord ist ANDERS.", "der donnerlord ist anders.")
    assert not title_correct("Der Donnerlord | Site", "Der Donnerlord")
    assert date_correct(datetime(2022, 5, 4, 1, 46, tzinfo=UTC), "2022-05-03")  # 22:46 at UTC-3
    assert not date_correct(datetime(2022, 5, 4, 1, 46, tzinfo=UTC), "2022-05-03", strict_utc=True)
    assert not date_correct(datetime(2022, 5, 4, tzinfo=UTC), "2022-05-03")  # a bare day must match
    assert date_correct(datetime(2022, 10, 25, tzinfo=UTC), "2022-25-10")  # gold typo, day/month swapped
    assert not date_correct(None, "2022-05-03")
    assert author_correct("David Brand; Ramsey Khalifeh", "David Brand and Ramsey Khalifeh")
    assert author_correct("By Anna Schmidt", "Anna Schmidt")
    assert not author_correct("Redaktion", "FR mit dpa")
    assert not author_correct(None, "Anna Schmidt")


@pytest.mark.shared_data
def test_eval_extraction_real_pages(shared_data: Path) -> None:
    root = shared_data / "extraction"
    aeb = {r.metric: r for r in evaluate_aeb(root / "scrapinghub_aeb", limit=12, workers=1)}
    assert aeb["f1"].value > 0.85 and aeb["f1"].n == 12
    assert "trafilatura" in aeb["f1"].reference and "AutoExtract" in aeb["f1"].reference
    traf = {r.metric: r for r in evaluate_trafilatura(root / "trafilatura_eval", limit=30, workers=1)}
    assert traf["f1"].value > 0.8
    assert 0 < traf["title_accuracy"].n <= 30  # the first pages of the set carry no gold metadata
    assert "trafilatura" in traf["title_accuracy"].reference
