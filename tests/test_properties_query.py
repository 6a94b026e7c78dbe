"""Property tests for the boolean query parser: printing and parsing agree, precedence, hostile input."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from limelight.enrich.query import And, Hits, Near, Not, Or, QueryNode, QuerySyntaxError, Term, parse_query
from limelight.enrich.variants import fold_text

# Fixed seed (CI must be deterministic), no example database written into the checkout.
PROPS = settings(max_examples=200, derandomize=True, deadline=None, database=None)

# Lower-case "and"/"or"/"not" and the surname "Not" are terms, not operators; so is "NEARBY".
_WORDS = ("Xiaomi", "leica", "SU7", "雷军", "and", "or", "not", "Not", "Lôi", "EV", "NEARBY", "ANDROID")
_PHRASES = ("Lei Jun", "Xiaomi Auto", "小米 汽车")
_QUOTES = (('"', '"'), ("“", "”"), ("„", "“"), ("«", "»"), ("「", "」"))
_KEYS = sorted({fold_text(t) for t in _WORDS + _PHRASES})

terms = st.sampled_from(_WORDS + _PHRASES).map(lambda t: Term(t, fold_text(t)))
nearables: st.SearchStrategy[QueryNode] = st.recursive(
    terms,
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(lambda cs: Or(tuple(cs))),
        st.builds(Near, inner, inner, st.integers(0, 4)),
    ),
    max_leaves=4,
)
queries: st.SearchStrategy[QueryNode] = st.recursive(
    st.one_of(terms, nearables),
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(lambda cs: And(tuple(cs))),
        st.lists(inner, min_size=2, max_size=3).map(lambda cs: Or(tuple(cs))),
        inner.map(Not),
    ),
    max_leaves=8,
)
# Hits in word units: for each term key, none or a few (first word, last word + 1) spans.
hit_sets: st.SearchStrategy[Hits] = st.dictionaries(
    st.sampled_from(_KEYS),
    st.lists(st.tuples(st.integers(0, 12), st.integers(1, 2)).map(lambda p: (p[0], p[0] + p[1])), max_size=3),
)

# Binding strength, loosest first: OR, AND (explicit or implicit), NOT, NEAR, a term or (group).
_OR, _AND, _NOT, _NEAR, _ATOM = range(1, 6)


def render(node: QueryNode, choose: Callable[[st.SearchStrategy[bool]], bool] | None = None) -> str:
    """The query in watchlist syntax with as few parentheses as precedence allows. ``choose`` (a
    hypothesis draw) picks the spelling: implicit AND, quote style, redundant parentheses."""

    def pick() -> bool:
        return choose(st.booleans()) if choose is not None else False

    def group(child: QueryNode, level: int) -> str:
        text, child_level = walk(child)
        return f"({text})" if child_level < level or (pick() and pick()) else text

    def walk(n: QueryNode) -> tuple[str, int]:
        if isinstance(n, Term):
            if " " in n.text or pick():
                opening, closing = _QUOTES[sum(pick() for _ in range(4))]
                return f"{opening}{n.text}{closing}", _ATOM
            return n.text, _ATOM
        if isinstance(n, Or):
            # OR is associative, so an OR inside an OR needs no parentheses.
            return " OR ".join(group(c, _OR) for c in n.children), _OR
        if isinstance(n, And):
            return (" " if pick() else " AND ").join(group(c, _AND) for c in n.children), _AND
        if isinstance(n, Not):
            return f"NOT {group(n.child, _NOT)}", _NOT
        if isinstance(n, Near):
            # NEAR chains to the left: "a NEAR/1 b NEAR/2 c" is (a NEAR/1 b) NEAR/2 c.
            return f"{group(n.left, _NEAR)} NEAR/{n.distance} {group(n.right, _ATOM)}", _NEAR
        raise AssertionError(n)

    return walk(node)[0]


@PROPS
@given(queries, st.lists(hit_sets, min_size=1, max_size=5), st.data())
def test_properties_query_printed_query_parses_back_to_the_same_meaning(
    query: QueryNode, hit_list: list[Hits], data: st.DataObject,
) -> None:
    text = render(query, data.draw)
    parsed = parse_query(text)
    assert parsed.terms() == query.terms()
    for hits in hit_list:
        assert parsed.matches(hits) == query.matches(hits), text


@PROPS
@given(queries)
def test_properties_query_minimal_print_survives_a_parse(query: QueryNode) -> None:
    # Printed with the fewest parentheses, parsed and printed again: the same text. The printer's
    # precedence table and the parser's agree exactly, not only on a sample of hit sets.
    once = render(query)
    assert render(parse_query(once)) == once


@PROPS
@given(queries, queries, st.lists(hit_sets, min_size=1, max_size=5))
def test_properties_query_de_morgan_and_double_negation(a: QueryNode, b: QueryNode, hit_list: list[Hits]) -> None:
    ra, rb = render(a), render(b)
    pairs = [
        (f"NOT ({ra} OR {rb})", f"NOT ({ra}) AND NOT ({rb})"),
        (f"NOT ({ra} AND {rb})", f"NOT ({ra}) OR NOT ({rb})"),
        (f"NOT NOT ({ra})", ra),
        (f"({ra}) NOT ({rb})", f"({ra}) AND NOT ({rb})"),  # "A NOT B" reads as "A AND NOT B"
    ]
    for left, right in pairs:
        pl, pr = parse_query(left), parse_query(right)
        for hits in hit_list:
            assert pl.matches(hits) == pr.matches(hits), (left, right)


@PROPS
@given(queries, queries, queries, terms, terms, st.integers(0, 5))
def test_properties_query_precedence(a: QueryNode, b: QueryNode, c: QueryNode, t1: Term, t2: Term, n: int) -> None:
    A, B, C = (f"({render(q)})" for q in (a, b, c))
    pa, pb, pc = (parse_query(render(q)) for q in (a, b, c))
    s1, s2 = render(t1), render(t2)
    near = Near(t1, t2, n)
    # OR binds loosest, then AND (explicit or implicit), then NOT; NEAR binds tightest.
    assert parse_query(f"{A} OR {B} AND {C}") == Or((pa, And((pb, pc))))
    assert parse_query(f"{A} AND {B} OR {C}") == Or((And((pa, pb)), pc))
    assert parse_query(f"{A} {B} OR {C}") == Or((And((pa, pb)), pc))
    assert parse_query(f"NOT {A} AND {B}") == And((Not(pa), pb))
    assert parse_query(f"{A} NOT {B}") == And((pa, Not(pb)))
    assert parse_query(f"{s1} NEAR/{n} {s2} AND {C}") == And((near, pc))
    assert parse_query(f"{s1} NEAR/{n} {s2} OR {C}") == Or((near, pc))
    assert parse_query(f"NOT {s1} NEAR/{n} {s2}") == Not(near)


_SOUP = st.lists(st.sampled_from([
    "AND", "OR", "NOT", "NEAR/3", "NEAR", "NEAR/", "NEAR/x", "(", ")", '"', "“", "”", "„", "«", "»", "「", "」",
    "Xiaomi", "雷军", "Lei Jun", "*", "?", "and", " ", "  ", "\t", "-", "·", "\u0301", "NEARBY",
])).map("".join)


def _check_parse(text: str) -> QueryNode | None:
    try:
        node = parse_query(text)
    except QuerySyntaxError as exc:
        assert isinstance(exc, ValueError)
        assert 1 <= exc.column <= len(text) + 1
        assert f"column {exc.column}" in str(exc)
        return None
    assert node.terms()
    node.matches({})  # a parsed query can be evaluated
    return node


@PROPS
@given(st.one_of(st.text(), _SOUP, _SOUP.map(lambda s: f"({s})")))
def test_properties_query_arbitrary_text_parses_or_raises_query_syntax_error(text: str) -> None:
    _check_parse(text)


@PROPS
@given(st.integers(1, 3000), st.sampled_from(["paren", "not", "near", "mixed"]))
def test_properties_query_deep_nesting_is_a_syntax_error_not_a_crash(depth: int, shape: str) -> None:
    if shape == "paren":
        text = "(" * depth + "Xiaomi" + ")" * depth
    elif shape == "not":
        text = "NOT " * depth + "Xiaomi"
    elif shape == "near":
        text = " NEAR/1 ".join(["Xiaomi"] * (depth + 1))
    else:
        text = "(NOT " * depth + "Xiaomi" + ")" * depth
    node = _check_parse(text)
    if node is not None:
        node.matches({"xiaomi": [(0, 1), (2, 3)]})  # evaluating it does not overflow the stack either
