"""Find watchlist aliases in text with ONE Aho-Corasick automaton over every variant of every alias.

The automaton runs on the folded text (:func:`limelight.enrich.variants.fold`); spans are mapped
back, so they point into the text as written. Query terms (:mod:`limelight.enrich.query`) live in
the same automaton, so a document is scanned once for aliases and query terms together.

Boundary rule for Latin-script (and other spaced-script) edges of a variant:

* left: the character before must not be a letter or digit of a spaced script ("Ex-Xiaomi" and
  "(Xiaomi" match, "BXiaomi" does not).
* right: the character after must not be a letter or digit, **or** the variant is followed by a
  single ``s`` and then a non-letter: the German genitive and English plural without apostrophe
  ("Lei Juns Marketing", "Xiaomis Automobilsparte"). Hyphen compounds ("Xiaomi-Fahrzeugen",
  "Xiaomi-Smartphones") and apostrophe genitives ("Xiaomi's") need no rule: ``-`` and ``'`` are
  not letters. The ``s`` suffix is not granted to variants of one or two letters ("Lu" must not
  match "Lus"). Closed compounds ("Xiaomismartphones") are not matched; the press hyphenates
  brand names in compounds.

CJK edges (Han, kana, Hangul) have no word boundaries: "小米" matches inside "小米汽车", and a Latin
edge next to a CJK character counts as a boundary ("小米SU7发布" matches "SU7").

Overlaps: among alias matches, the leftmost-longest wins ("Xiaomi Auto" over "Xiaomi" at the same
position). When one variant belongs to several entities each of them gets the match (the
watchlist check reports such ambiguity).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ahocorasick

from limelight.enrich.variants import Folded, alias_variants, fold, fold_plain, fold_text, is_cjk
from limelight.models import Entity


@dataclass(frozen=True, slots=True)
class Match:
    entity_id: str
    alias: str  # the alias as typed in the watchlist
    variant: str  # the folded variant that matched
    start: int  # span in the original text
    end: int
    surface: str


@dataclass(frozen=True, slots=True)
class _Key:
    """What one automaton key stands for: aliases of entities and/or query terms."""

    aliases: tuple[tuple[str, str], ...]  # (entity_id, alias)
    terms: tuple[str, ...]  # folded query terms ending in this key
    length: int
    needs_left: bool  # left edge is a spaced-script word char → check the boundary
    needs_right: bool
    allow_s: bool
    upper_only: bool  # short all-caps acronym: the text must be upper case too


def _is_acronym(alias: str) -> bool:
    # "AN", "SAP", "ZDF": folded they are everyday words ("an", "sap"), so they match upper case
    # only. Aliases with digits ("SU7") are exempt: nobody writes "su7" meaning something else.
    a = alias.strip()
    return len(a) <= 4 and a.isalpha() and a.isupper()


def _wordish(ch: str) -> bool:
    return ch.isalnum() and not is_cjk(ch)


def token_starts(text: str) -> list[int]:
    """Start offsets of the "words" NEAR/n counts: runs of spaced-script letters/digits, and each
    CJK character on its own (Chinese has no spaces, so one character counts as one word)."""
    out: list[int] = []
    prev_word = False
    for i, ch in enumerate(text):
        if is_cjk(ch):
            out.append(i)
            prev_word = False
        elif ch.isalnum():
            if not prev_word:
                out.append(i)
            prev_word = True
        else:
            prev_word = False
    return out


# -- the search index's words (limelight.search) ----------------------------------------------------
# A word of the index is a run of spaced-script letters/digits (what the boundary rule calls a
# word, _wordish) or one CJK letter, taken from the folded text. Wherever a variant matches, each
# of its words is a whole word of the text: inner words are bounded by the variant's own
# separators, its edges by the boundary rule, except that the last word may carry the genitive or
# plural "s" (allow_s). So the documents holding every word of a variant are a superset of those
# it matches in, and the search narrows by them before the matcher decides.
INDEX_VERSION = 1  # of the index words below: a change makes `limelight search --reindex` redo every document
_CJK_CLASS = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003ffff"  # is_cjk
_RUN = re.compile(r"[^\W_]+")  # letters and digits (str.isalnum), as _wordish sees them
_HAS_CJK = re.compile(f"[{_CJK_CLASS}]")
_CJK_SPLIT = re.compile(f"[{_CJK_CLASS}]|[^{_CJK_CLASS}]+")


def index_words(folded: str) -> list[str]:
    """The index words of a folded text, in order: runs of letters and digits, each CJK letter a
    word of its own (two regular expressions rather than one with a look-ahead per character:
    half the time)."""
    runs = _RUN.findall(folded)
    if folded.isascii() or not _HAS_CJK.search(folded):
        return runs
    out: list[str] = []
    for run in runs:
        if _HAS_CJK.search(run):
            out.extend(_CJK_SPLIT.findall(run))
        else:
            out.append(run)
    return out


def index_terms(texts: Iterable[str]) -> set[str]:
    """The distinct index words of these texts (a document's title, text and captions)."""
    out: set[str] = set()
    for text in texts:
        if text:
            out.update(index_words(fold_plain(text)))
    return out


def variant_words(variant: str) -> list[tuple[str, ...]]:
    """The index words a document must hold for the folded ``variant`` to match in it: one tuple of
    alternatives per word (the last word also with its "s", as the boundary rule allows); empty
    when the variant has no word (it is all punctuation), and then nothing narrows it."""
    words = index_words(variant)
    out: list[tuple[str, ...]] = [(w,) for w in words]
    # the last word ends the variant where its last character is a spaced-script letter
    if out and _wordish(variant[-1]) and len(variant) > 2 and variant[-1].isalpha():
        out[-1] = (words[-1], words[-1] + "s")
    return out


class Matcher:
    """Build once (per process), then call :meth:`find` or :meth:`scan` millions of times."""

    def __init__(self, entities: Sequence[Entity], terms: Iterable[str] = ()) -> None:
        # variant → ({entity_id: alias}, [query terms])
        keys: dict[str, tuple[dict[str, str], list[str]]] = {}
        for e in entities:
            # The name is an alias (the watchlist loader adds it; entities built in code may not).
            for alias in dict.fromkeys((e.name, *e.aliases)):
                for v in alias_variants(alias, person=e.kind == "person"):
                    owners = keys.setdefault(v, ({}, []))[0]
                    # One entry per entity and variant ("Lei Jun" and the pinyin of "雷军" share
                    # "lei jun"); report the alias that was typed that way rather than the source
                    # of a generated variant.
                    if e.id not in owners or fold_text(alias) == v:
                        owners.setdefault(e.id, alias)
                        if fold_text(alias) == v:
                            owners[e.id] = alias
        for term in terms:
            for v in alias_variants(term):
                term_list = keys.setdefault(v, ({}, []))[1]
                if term not in term_list:
                    term_list.append(term)
        self.variants: dict[str, tuple[tuple[str, str], ...]] = {}
        self._automaton: ahocorasick.Automaton | None = None
        if not keys:
            return
        automaton = ahocorasick.Automaton()
        for v, (aliases, term_list) in keys.items():
            typed = [a for a in aliases.values() if fold_text(a) == v] + term_list
            automaton.add_word(v, _Key(
                aliases=tuple(aliases.items()), terms=tuple(term_list), length=len(v),
                needs_left=_wordish(v[0]), needs_right=_wordish(v[-1]),
                allow_s=len(v) > 2 and v[-1].isalpha(),
                upper_only=bool(typed) and all(_is_acronym(a) for a in typed),
            ))
            if aliases:
                self.variants[v] = tuple(aliases.items())
        automaton.make_automaton()
        self._automaton = automaton

    def _raw(self, folded: Folded) -> Iterable[tuple[int, int, _Key]]:
        """(folded start, folded end, key) for every hit that passes the boundary rule."""
        if self._automaton is None:
            return
        text = folded.text
        n = len(text)
        for last, key in self._automaton.iter(text):
            start, end = last + 1 - key.length, last + 1
            if key.needs_left and start > 0 and _wordish(text[start - 1]):
                continue
            # "Lei Juns", "Xiaomis": one genitive/plural s, then a boundary, is still a boundary.
            if key.needs_right and end < n and _wordish(text[end]) and not (
                key.allow_s and text[end] == "s" and (end + 1 == n or not _wordish(text[end + 1]))
            ):
                continue
            yield start, end, key

    def scan(self, text: str) -> tuple[list[Match], dict[str, list[tuple[int, int]]]]:
        """Alias matches (overlaps resolved) and query-term hits as original-text spans."""
        folded = fold(text)
        candidates: list[tuple[int, int, _Key]] = []
        term_hits: dict[str, list[tuple[int, int]]] = {}
        for start, end, key in self._raw(folded):
            if key.upper_only:
                ostart, oend = folded.span(start, end)
                if not text[ostart:oend].isupper():
                    continue
            if key.aliases:
                candidates.append((start, end, key))
            for term in key.terms:
                term_hits.setdefault(term, []).append(folded.span(start, end))
        candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
        matches: list[Match] = []
        taken_until = -1
        for start, end, key in candidates:
            if start < taken_until:
                continue  # overlaps a longer (or earlier) match
            taken_until = end
            ostart, oend = folded.span(start, end)
            variant = folded.text[start:end]
            for entity_id, alias in key.aliases:
                matches.append(Match(entity_id, alias, variant, ostart, oend, text[ostart:oend]))
        return matches, term_hits

    def find_all(self, text: str) -> list[Match]:
        """Every alias hit, overlapping ones included (for checks; :meth:`find` for matching)."""
        folded = fold(text)
        out: list[Match] = []
        for start, end, key in self._raw(folded):
            ostart, oend = folded.span(start, end)
            out.extend(Match(eid, alias, folded.text[start:end], ostart, oend, text[ostart:oend])
                       for eid, alias in key.aliases)
        return out

    def find(self, text: str) -> list[Match]:
        """Alias matches in ``text``, leftmost-longest, spans into ``text``."""
        return self.scan(text)[0]
