"""Property tests for alias variants, folding and the matcher's word boundaries."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from limelight.enrich.matcher import Matcher
from limelight.enrich.variants import alias_variants, fold, fold_text, is_cjk
from limelight.models import Entity

# Fixed seed (CI must be deterministic), no example database written into the checkout.
PROPS = settings(max_examples=200, derandomize=True, deadline=None, database=None)

_LETTERS = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
            "àáâäçèéêëíîïñóôöøùúûüýÿßđłæœÀÉÖÜĐŁ" "ăâđêôơưẠẶỆỰ"
            "абвгдежзийклмнопрстуфхцчшщыэюяБДЖ" "αβγδεζηθλμξπσςφψωΣΩ")
_WORD = st.one_of(st.text(_LETTERS[:52], min_size=2, max_size=9), st.text(_LETTERS, min_size=2, max_size=9))
_HAN = "小米汽车雷军卢伟冰发布会演讲科技中国手机电动上海北京华为比亚迪"
# Surrounding text: half of it pure ASCII, which fold() treats on a fast path of its own.
_CONTEXT = st.one_of(st.text(st.characters(codec="ascii"), max_size=20), st.text(max_size=20))
_WHITESPACE = st.sampled_from([" ", "  ", "\n", "\t", "\r", "\r\n", "\x0b", "\x0c", "\u00a0", "\u3000", " \n "])


def _wordish(ch: str) -> bool:
    # The matcher's boundary class: a letter or digit of a spaced script.
    return ch.isalnum() and not is_cjk(ch)


@st.composite
def latin_aliases(draw: st.DrawFn) -> str:
    words = draw(st.lists(_WORD, min_size=1, max_size=3))
    return "".join(w + draw(st.sampled_from([" ", "-"])) for w in words[:-1]) + words[-1]


def _finder(alias: str) -> Matcher:
    return Matcher([Entity(id="e1", kind="org", name=alias)])


@PROPS
@given(st.text(max_size=30), st.booleans())
def test_properties_variants_folded_alias_first_unique_and_folded(alias: str, person: bool) -> None:
    variants = alias_variants(alias, person=person)
    assert variants == alias_variants(alias, person=person)  # deterministic
    assert len(set(variants)) == len(variants)
    assert "" not in variants
    if fold_text(alias):
        assert variants[0] == fold_text(alias)
    else:
        assert variants == []
    for v in variants:
        # The matcher looks variants up in folded text: an unfolded variant could never match.
        assert fold_text(v) == v


@PROPS
@given(st.text())
def test_properties_variants_fold_is_idempotent(text: str) -> None:
    once = fold(text).text
    assert fold(once).text == once
    assert fold_text(fold_text(text)) == fold_text(text)


@PROPS
@given(st.text(st.characters(codec="ascii")))
def test_properties_variants_fold_ascii_fast_path_agrees_with_full_fold(text: str) -> None:
    # A trailing "é" forces the character-by-character fold (it folds to one "e"), so this compares
    # the ASCII fast path with the full fold of the same text.
    assert fold(text).text == fold(text + "é").text[:-1]


@PROPS
@given(st.text(), st.data())
def test_properties_variants_fold_spans_point_back_into_the_original(text: str, data: st.DataObject) -> None:
    folded = fold(text)
    assert folded.original_length == len(text)
    if folded.starts is not None:
        starts = folded.starts
        assert len(starts) == len(folded.text) + 1 and starts[-1] == len(text)
        assert all(0 <= a <= b for a, b in pairwise(starts))
    if not folded.text:
        return
    s = data.draw(st.integers(0, len(folded.text) - 1))
    e = data.draw(st.integers(s + 1, len(folded.text)))
    os_, oe = folded.span(s, e)
    assert 0 <= os_ < oe <= len(text)
    # What was matched in the folded text is there, folded, in the original span.
    assert fold_text(folded.text[s:e]) in fold_text(text[os_:oe])
    later = folded.span(e - 1, e)
    assert later[0] >= os_ and later[1] <= oe


@PROPS
@given(latin_aliases(), _CONTEXT, _CONTEXT,
       st.sampled_from([" ", "(", "\n", ", ", "«", "—", '"', "\r", "/"]),
       st.sampled_from([" ", ".", ")", ", ", "'s ", "’s ", "-Fahrzeuge ", "s ", "\r\n", "»"]),
       st.lists(_WHITESPACE, min_size=2, max_size=2))
def test_properties_variants_alias_between_word_boundaries_is_found(
    alias: str, prefix: str, suffix: str, left: str, right: str, spaces: list[str],
) -> None:
    # However the text breaks the line between the words, the alias is still one match.
    written = alias.replace(" ", spaces[0], 1).replace(" ", spaces[1], 1)
    if right == "s " and (len(fold_text(alias)) <= 2 or not fold_text(alias)[-1].isalpha()):
        right = " "  # the genitive/plural s is only granted to longer variants ending in a letter
    text = prefix + left + written + right + suffix
    start = len(prefix) + len(left)
    hits = _finder(alias).find_all(text)
    assert any(h.entity_id == "e1" and (h.start, h.end) == (start, start + len(written)) for h in hits), hits


@PROPS
@given(latin_aliases(), st.text("abcdefghijklmnopqrstuvwxyzABC", max_size=4),
       st.text("abcdefghijklmnopqrstuvwxyzABC", min_size=2, max_size=4), st.booleans())
def test_properties_variants_alias_glued_inside_a_longer_word_is_not_found(
    alias: str, glue_left: str, glue_right: str, right_glued: bool,
) -> None:
    base = fold_text(alias)
    assume(_wordish(base[0]) and _wordish(base[-1]))
    if not right_glued:
        assume(glue_left)
        glue_right = ""
    # "BXiaomi", "Xiaomifahrzeuge": no match. (A right glue of two or more letters can never be
    # the genitive "s" followed by a boundary.)
    assert _finder(alias).find_all(glue_left + alias + glue_right) == []


@PROPS
@given(st.text(_HAN, min_size=2, max_size=4), st.text(_HAN + "，。的了", max_size=10),
       st.text(_HAN + "，。的了SU7", max_size=10))
def test_properties_variants_cjk_alias_found_without_spaces(alias: str, prefix: str, suffix: str) -> None:
    text = prefix + alias + suffix
    hits = _finder(alias).find_all(text)
    assert any((h.start, h.end) == (len(prefix), len(prefix) + len(alias)) for h in hits), hits

