"""A light multilingual sentence splitter that returns spans, for mention evidence and roles.

Rules, in order:

* a line break ends a sentence (paragraphs, captions and list items never run together);
* ``。！？`` (and full-width ``．``) end a sentence at once, with any closing quotes or brackets
  after them; Chinese has no space after a full stop;
* ``. ! ?`` (and ``…``) end a sentence when whitespace follows and the next word does not start
  in lower case, except after
  - a known abbreviation (``Dr.``, ``z.B.``, ``bzw.``, ``Mr.``, ``Inc.``, ``TP.``, ...), or an
    abbreviation written with inner dots (``u.a.``, ``U.S.``),
  - a single capital letter (initials: ``J. R. R. Tolkien``),
  - a number followed by a month name or a lower-case word (German ordinals and dates:
    ``am 25. Dezember``, ``der 17. Serie``); a number at the end of a sentence before a capital
    word still ends it (``Das war 2017. Die``).

It is deliberately not a parser: a wrong split costs a little context in the mention's
evidence, nothing more.
"""

from __future__ import annotations

import re

_ABBREVIATION_WORDS = """
dr prof mr mrs ms st jr sr inc ltd co corp gmbh ag vs etc eg ie al no nr bzw usw ca evtl ggf inkl
z.b zb d.h u.a o.ä s.o vgl mio mrd bzw str tel abs art hr fr dipl ing mag u.s u.k e.g i.e p.m a.m
approx dept est fig gen gov sen rep rev
tp ths ts pgs gs bs ông bà
"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
_MONTH_ABBREVIATION_WORDS = "jan feb mar apr jun jul aug sep sept okt oct nov dez dec"
_MONTH_ABBREVIATIONS = frozenset(_MONTH_ABBREVIATION_WORDS.split())
_MONTH_WORDS = """
januar februar märz april mai juni juli august september oktober november dezember jänner
january february march may june july october december
janvier février mars avril juin juillet août septembre octobre novembre décembre
"""
_MONTHS = frozenset(_MONTH_WORDS.split())
_CJK_END = "。！？．"
_CLOSERS = "\"'”’»」』）)]"
_LATIN_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")


def _prev_word(text: str, end: int) -> str:
    i = end
    while i > 0 and not text[i - 1].isspace() and text[i - 1] not in "(\"„“«":
        i -= 1
    return text[i:end]


def _next_word(text: str, start: int) -> str:
    i = start
    while i < len(text) and text[i].isspace():
        i += 1
    j = i
    while j < len(text) and not text[j].isspace():
        j += 1
    return text[i:j]


def _is_boundary(text: str, dot: int, after: int) -> bool:
    """``text[dot]`` is the first of the end punctuation; ``after`` is just past it."""
    nxt = _next_word(text, after)
    if not nxt:
        return True
    first = nxt.lstrip("\"'„“”‘«(")[:1]
    if first.islower():
        return False  # "z.B. der", "Foto: dpa. und": a lower-case word never starts a sentence
    if text[dot] != ".":
        return True
    word = _prev_word(text, dot)
    bare = word.lower().strip(".")
    if bare in _ABBREVIATIONS or (len(bare) >= 2 and "." in bare and len(bare) <= 6):
        return False
    if len(word) == 1 and word.isupper():
        return False  # an initial
    if bare in _MONTH_ABBREVIATIONS and nxt[:1].isdigit():
        return False  # "Jun. 5" is a date; "kam Lei Jun. Er" ends a sentence
    if word.isdigit():
        stripped = nxt.strip(".,;:").lower()
        if stripped in _MONTHS or stripped.isdigit():
            return False
    return True


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` into ``text``, whitespace trimmed, none empty."""
    cuts: list[int] = []
    for m in _LATIN_END.finditer(text):
        if _is_boundary(text, m.start(), m.end()):
            cuts.append(m.end())
    for i, ch in enumerate(text):
        if ch in _CJK_END:
            j = i + 1
            while j < len(text) and text[j] in _CLOSERS:
                j += 1
            cuts.append(j)
        elif ch == "\n":
            cuts.append(i)
    spans: list[tuple[int, int]] = []
    prev = 0
    for cut in [*sorted(set(cuts)), len(text)]:
        s, e = prev, cut
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
        prev = max(prev, cut)
    return spans


def sentence_at(spans: list[tuple[int, int]], offset: int) -> tuple[int, int] | None:
    """The sentence span containing ``offset`` (binary search over :func:`split_sentences`)."""
    from bisect import bisect_right

    i = bisect_right(spans, (offset, 1 << 62)) - 1
    if i >= 0 and spans[i][0] <= offset < spans[i][1]:
        return spans[i]
    return None
