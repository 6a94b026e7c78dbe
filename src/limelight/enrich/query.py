"""Boolean entity queries, as in the commercial monitoring suites.

```
("Xiaomi" OR 小米) AND (SU7 OR YU7 OR EV) NOT Leica
"Lei Jun" NEAR/5 Keynote
```

* Operators are ``AND``, ``OR``, ``NOT`` and ``NEAR/n``, **upper case only**: lower-case ``and``,
  ``or``, ``not`` are ordinary words, because queries are written in many languages and "or",
  "not" or "and" can be search terms (and "Not" is a surname). This is what Meltwater and
  Talkwalker do too.
* Adjacent terms without an operator are joined with AND (``Xiaomi SU7`` = ``Xiaomi AND SU7``);
  to search a phrase, quote it (``"Lei Jun"``; straight or typographic quotes).
* Precedence, tightest first: ``NEAR/n`` > ``NOT`` > ``AND`` (explicit or implicit) > ``OR``;
  use parentheses for anything else. ``A NOT B`` reads as ``A AND NOT B``, and
  ``NOT a NEAR/5 b`` as ``NOT (a NEAR/5 b)`` (a NEAR side cannot be a NOT).
* ``a NEAR/n b``: some hit of ``a`` and some hit of ``b`` have at most ``n`` words between them,
  in either order. Both sides must be terms, phrases, or parenthesised OR-groups of them. For
  Chinese and Japanese, each character counts as one word (there are no spaces to count), so
  pick a larger ``n`` there (``雷军 NEAR/10 演讲``). Hits in different fields (title, text,
  captions) are never near each other.
* Terms match like aliases: folded (case, diacritics, full-width) and with the same word
  boundaries (:mod:`limelight.enrich.matcher`), so ``EV`` does not match inside "Elektro".

:func:`parse_query` raises :class:`QuerySyntaxError` (a ``ValueError``) naming the column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from limelight.enrich.variants import fold_text

# Token spans in "word" units: (first token index, last token index + 1).
Hits = Mapping[str, Sequence[tuple[int, int]]]

_QUOTES = {'"': '"', "“": "”", "„": "“", "”": "”", "«": "»", "「": "」"}
_NEAR = re.compile(r"NEAR/(\d+)$")
# What is meant as a NEAR operator: "NEAR", "NEAR5", "NEAR/", "NEAR/x" are errors with a hint, while
# upper-case words that only start like it ("NEARBY", "NEARLY") are search terms.
_NEAR_LIKE = re.compile(r"NEAR(?:$|[/\d])")
# Far deeper than any real query, and well inside Python's recursion limit (the parser takes about
# six frames per level, evaluation two or three): "((((…" a thousand deep was a RecursionError.
_MAX_DEPTH = 100


class QuerySyntaxError(ValueError):
    def __init__(self, message: str, column: int) -> None:
        self.column = column  # 1-based
        super().__init__(f"{message} at column {column}")


class QueryNode(Protocol):
    def terms(self) -> set[str]: ...

    def matches(self, hits: Hits) -> bool: ...


@dataclass(frozen=True)
class Term:
    text: str  # as written in the query
    key: str  # folded: the key the matcher reports hits under

    def terms(self) -> set[str]:
        return {self.key}

    def matches(self, hits: Hits) -> bool:
        return bool(hits.get(self.key))

    def spans(self, hits: Hits) -> list[tuple[int, int]]:
        return list(hits.get(self.key, ()))


@dataclass(frozen=True)
class And:
    children: tuple[QueryNode, ...]

    def terms(self) -> set[str]:
        return set().union(*(c.terms() for c in self.children))

    def matches(self, hits: Hits) -> bool:
        return all(c.matches(hits) for c in self.children)


@dataclass(frozen=True)
class Or:
    children: tuple[QueryNode, ...]

    def terms(self) -> set[str]:
        return set().union(*(c.terms() for c in self.children))

    def matches(self, hits: Hits) -> bool:
        return any(c.matches(hits) for c in self.children)

    def spans(self, hits: Hits) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        for c in self.children:
            out.extend(c.spans(hits))  # type: ignore[attr-defined]
        return out


@dataclass(frozen=True)
class Not:
    child: QueryNode

    def terms(self) -> set[str]:
        return self.child.terms()

    def matches(self, hits: Hits) -> bool:
        return not self.child.matches(hits)


@dataclass(frozen=True)
class Near:
    left: Term | Or
    right: Term | Or
    distance: int

    def terms(self) -> set[str]:
        return self.left.terms() | self.right.terms()

    def matches(self, hits: Hits) -> bool:
        rights = self.right.spans(hits)
        if not rights:
            return False
        for ls, le in self.left.spans(hits):
            for rs, re_ in rights:
                gap = rs - le if rs >= le else ls - re_  # words strictly between the two hits
                if gap <= self.distance:
                    return True
        return False

    def spans(self, hits: Hits) -> list[tuple[int, int]]:
        # A NEAR inside a NEAR: its hits are the spans covering a close pair. Each distinct span
        # once: with duplicates a chain "a NEAR b NEAR c …" multiplied its spans at every step.
        out: dict[tuple[int, int], None] = {}
        for ls, le in self.left.spans(hits):
            for rs, re_ in self.right.spans(hits):
                gap = rs - le if rs >= le else ls - re_
                if gap <= self.distance:
                    out[(min(ls, rs), max(le, re_))] = None
        return list(out)


@dataclass(frozen=True)
class _Tok:
    kind: str  # term, phrase, and, or, not, near, lparen, rparen
    text: str
    column: int  # 1-based
    distance: int = 0


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            toks.append(_Tok("lparen" if ch == "(" else "rparen", ch, i + 1))
            i += 1
        elif ch in _QUOTES:
            close = _QUOTES[ch]
            j = i + 1
            while j < n and text[j] != close and not (close != '"' and text[j] == '"'):
                j += 1
            if j >= n:
                raise QuerySyntaxError(f"quote {ch} is never closed", i + 1)
            phrase = text[i + 1 : j]
            if not fold_text(phrase):
                raise QuerySyntaxError("empty phrase", i + 1)
            toks.append(_Tok("phrase", phrase, i + 1))
            i = j + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in "()" and text[j] not in _QUOTES:
                j += 1
            word = text[i:j]
            if word in ("AND", "OR", "NOT"):
                toks.append(_Tok(word.lower(), word, i + 1))
            elif _NEAR_LIKE.match(word):
                m = _NEAR.match(word)
                if not m:
                    raise QuerySyntaxError(f"{word!r} needs a word distance, as in NEAR/5", i + 1)
                toks.append(_Tok("near", word, i + 1, int(m.group(1))))
            elif "*" in word or "?" in word:
                raise QuerySyntaxError(
                    f"wildcards are not supported ({word!r}); list the forms with OR", i + 1)
            elif not fold_text(word):
                raise QuerySyntaxError(f"{word!r} has nothing to search for", i + 1)
            else:
                toks.append(_Tok("term", word, i + 1))
            i = j
    return toks


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.pos = 0
        self.depth = 0  # open parentheses, NOTs and NEARs around the current position

    def _deeper(self, tok: _Tok) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise QuerySyntaxError(f"the query nests more than {_MAX_DEPTH} levels deep; simplify it", tok.column)

    def peek(self) -> _Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def _end_column(self) -> int:
        return len(self.text) + 1

    def parse(self) -> QueryNode:
        if not self.toks:
            raise QuerySyntaxError("the query is empty", 1)
        node = self.or_expr()
        tok = self.peek()
        if tok is not None:
            raise QuerySyntaxError(f"unexpected {tok.text!r}", tok.column)
        return node

    def or_expr(self) -> QueryNode:
        children = [self.and_expr()]
        while (tok := self.peek()) is not None and tok.kind == "or":
            self.pos += 1
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self) -> QueryNode:
        children = [self.unary()]
        while (tok := self.peek()) is not None and tok.kind in ("and", "not", "term", "phrase", "lparen"):
            if tok.kind == "and":
                self.pos += 1
            children.append(self.unary())
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self) -> QueryNode:
        tok = self.peek()
        if tok is not None and tok.kind == "not":
            self.pos += 1
            self._deeper(tok)
            node = Not(self.unary())
            self.depth -= 1
            return node
        return self.near()

    def near(self) -> QueryNode:
        node = self.atom()
        levels = 0
        while (tok := self.peek()) is not None and tok.kind == "near":
            self.pos += 1
            self._deeper(tok)  # a NEAR chain nests to the left: (a NEAR b) NEAR c
            levels += 1
            right = self.atom()
            for side, at in ((node, tok.column), (right, tok.column)):
                if not _nearable(side):
                    raise QuerySyntaxError(
                        "NEAR needs words, phrases or (… OR …) groups of them on both sides", at)
            node = Near(node, right, tok.distance)  # type: ignore[arg-type]
        self.depth -= levels
        return node

    def atom(self) -> QueryNode:
        tok = self.peek()
        if tok is None:
            raise QuerySyntaxError("the query ends where a term was expected", self._end_column())
        if tok.kind in ("term", "phrase"):
            self.pos += 1
            return Term(tok.text, fold_text(tok.text))
        if tok.kind == "lparen":
            self.pos += 1
            self._deeper(tok)
            node = self.or_expr()
            self.depth -= 1
            close = self.peek()
            if close is None or close.kind != "rparen":
                raise QuerySyntaxError("parenthesis opened here is never closed", tok.column)
            self.pos += 1
            return node
        raise QuerySyntaxError(f"expected a term but found {tok.text!r}", tok.column)


def _nearable(node: QueryNode) -> bool:
    if isinstance(node, Term | Near):
        return True
    return isinstance(node, Or) and all(_nearable(c) for c in node.children)


def parse_query(text: str) -> QueryNode:
    """Parse a query; raise :class:`QuerySyntaxError` with the column of the problem."""
    return _Parser(text).parse()


def token_hits(
    fields: Sequence[tuple[str, Mapping[str, Sequence[tuple[int, int]]]]],
) -> dict[str, list[tuple[int, int]]]:
    """Turn per-field character spans of term hits into word spans for :meth:`QueryNode.matches`.

    ``fields`` holds (field text, {term: [(start, end), ...]}) as :meth:`Matcher.scan` returns
    them. Each field gets its own word range, a wide gap apart, so NEAR never spans two fields.
    """
    from bisect import bisect_right

    from limelight.enrich.matcher import token_starts

    out: dict[str, list[tuple[int, int]]] = {}
    base = 0
    for text, hits in fields:
        if hits:
            starts = token_starts(text)
            for term, spans in hits.items():
                for s, e in spans:
                    first = max(bisect_right(starts, s) - 1, 0)
                    last = max(bisect_right(starts, e - 1), first + 1)
                    out.setdefault(term, []).append((base + first, base + last))
            base += len(starts) + 1_000_000
        else:
            base += 1_000_000 + len(text)
    return out
