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


def test_query_upper_case_words_that_start_like_near_are_terms() -> None:
    # Regression (found by tests/test_properties_query.py): any word starting with "NEAR" was taken
    # for a malformed operator, so "NEARBY" could not be searched at all.
    assert matches("NEARBY Xiaomi", "Xiaomi store nearby")
    for bad in ("Xiaomi NEAR5 Leica", "Xiaomi NEAR/ Leica", "Xiaomi NEAR/x Leica"):
        with pytest.raises(QuerySyntaxError, match="needs a word distance"):
            parse_query(bad)


def test_query_deep_nesting_is_a_syntax_error() -> None:
    # Regression: 200 nested parentheses (or NOTs) ended in RecursionError instead of the
    # documented QuerySyntaxError.
    for text in ("(" * 500 + "Xiaomi" + ")" * 500, "NOT " * 500 + "Xiaomi"):
        with pytest.raises(QuerySyntaxError, match="levels deep") as exc:
            parse_query(text)
        assert exc.value.column > 1
    assert matches("(" * 50 + "Xiaomi" + ")" * 50, "Xiaomi")


def test_query_near_chain_spans_do_not_multiply() -> None:
    # Regression: each NEAR in a chain multiplied the spans of the one before (duplicates included),
    # so "x NEAR/1 x NEAR/1 …" forty long never finished on a text with a few hits.
    query = " NEAR/1 ".join(["Xiaomi"] * 40)
    assert matches(query, "Xiaomi und Xiaomi und Xiaomi")
    assert parse_query(query).matches({"xiaomi": [(0, 1), (2, 3), (4, 5), (6, 7)]})
