from __future__ import annotations

import pytest

from limelight.enrich.matcher import Matcher
from limelight.enrich.query import QuerySyntaxError, parse_query, token_hits


def matches(query: str, *fields: str) -> bool:
    node = parse_query(query)
    matcher = Matcher([], node.terms())
    hits = token_hits([(f, matcher.scan(f)[1]) for f in fields])
    return node.matches(hits)


def test_query_design_example() -> None:
    q = '("Xiaomi" OR 小米) AND (SU7 OR YU7 OR EV)'
    assert matches(q, "Xiaomi zeigt den SU7")
    assert matches(q, "小米SU7上市")
    assert not matches(q, "Xiaomi und Elektrofahrzeuge")  # EV needs word boundaries
    assert not matches(q, "Tesla SU7")


def test_query_implicit_and_not_and_lowercase_words() -> None:
    assert matches("Xiaomi SU7", "SU7 von Xiaomi")
    assert not matches("Xiaomi SU7", "nur Xiaomi")
    assert matches("Xiaomi NOT Leica", "Xiaomi allein")
    assert not matches("Xiaomi NOT Leica", "Xiaomi und Leica")
    # lower-case "or" is a word to search, not an operator
    assert not matches("Xiaomi or Leica", "Xiaomi")
    assert matches("Xiaomi or Leica", "Xiaomi or Leica")


def test_query_phrases_and_folding() -> None:
    assert matches('"Lei Jun"', "CEO LEI JUN sprach")
    assert not matches('"Lei Jun"', "Jun Lei")
    assert matches('"Lôi Quân"', "Loi Quan")


def test_query_near_counts_words_and_cjk_chars() -> None:
    assert matches("Xiaomi NEAR/2 Keynote", "Xiaomi gab eine Keynote")
    assert not matches("Xiaomi NEAR/1 Keynote", "Xiaomi gab eine Keynote")
    assert matches("Keynote NEAR/2 Xiaomi", "Xiaomi gab eine Keynote")  # either order
    assert matches("雷军 NEAR/3 演讲", "雷军今天演讲")
    assert not matches("雷军 NEAR/1 演讲", "雷军今天演讲")
    # never near across fields (title vs text)
    assert not matches("Xiaomi NEAR/5 Keynote", "Xiaomi", "Keynote")


@pytest.mark.parametrize(("query", "column"), [
    ("", 1), ("(Xiaomi OR Leica", 1), ('"Lei Jun', 1), ("Xiaomi AND", 11), ("Xiaomi )", 8),
    ("Xiaomi NEAR Leica", 8), ("Xiaomi NEAR/3 (A AND B)", 8), ("Xiao*", 1),
])
def test_query_syntax_errors_name_the_column(query: str, column: int) -> None:
    with pytest.raises(QuerySyntaxError) as exc:
        parse_query(query)
    assert exc.value.column == column
    assert f"column {column}" in str(exc.value)
    assert isinstance(exc.value, ValueError)
