"""Alias variants and the text folding they are matched against.

Both the watchlist aliases and the document text go through the same :func:`fold`, so a variant is
only needed where folding cannot bridge the gap:

* folding (:func:`fold`): NFKC (full-width ``ＳＵ７`` → ``su7``, ligatures), case folding
  (``ß`` → ``ss``), diacritics stripped (``Lôi Quân`` → ``loi quan``), letters without a
  decomposition mapped by hand (``đ`` → ``d``, ``ł`` → ``l``, ``ø`` → ``o``), typographic
  apostrophes and hyphens unified, and every run of whitespace collapsed to one space. The
  folded text carries an offset map back to the original, so spans always point into the text as
  written.
* variants (:func:`alias_variants`): hyphen ↔ space (``Xiaomi Auto`` ↔ ``Xiaomi-Auto``), pinyin for
  Chinese *person* names (``雷军`` → ``lei jun``), and traditional ↔ simplified Chinese when the
  optional ``opencc`` package is installed.

Pinyin is generated only for person names of two to four Han characters: a transliterated company
or product name (``小米`` → ``xiao mi``) is not how the Latin-script press writes it (it writes
"Xiaomi"), so those variants would only add noise. Surname-first order is kept (``Lei Jun``), as
the press writes Chinese names; the reversed Western order is not generated.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

log = logging.getLogger(__name__)

# Letters NFD cannot decompose but readers treat as the base letter (Vietnamese đ above all).
_EXTRA_FOLDS = {
    "đ": "d", "ð": "d", "ł": "l", "ø": "o", "ħ": "h", "ı": "i", "ŧ": "t", "þ": "th",
    "æ": "ae", "œ": "oe",
    # Typographic apostrophes and hyphens: "Lei Jun’s", "Xiaomi‑Fahrzeuge" (non-breaking hyphen).
    "’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'",
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
    "·": " ", "・": " ",  # name dots: "Lu·Weibing", katakana middle dot
}

try:  # optional: traditional ↔ simplified Chinese variants
    import opencc

    _T2S = opencc.OpenCC("t2s")
    _S2T = opencc.OpenCC("s2t")
except Exception:  # not installed or no data: variants are then simplified/traditional as typed
    _T2S = _S2T = None


@lru_cache(maxsize=65536)
def fold_char(ch: str) -> str:
    """Fold one character; the result may be empty (combining marks) or longer (ß → ss)."""
    if ch in _EXTRA_FOLDS:
        return _EXTRA_FOLDS[ch]
    if ch.isspace():
        return " "
    out = []
    for c in unicodedata.normalize("NFKC", ch).casefold():
        if c in _EXTRA_FOLDS:
            out.append(_EXTRA_FOLDS[c])
            continue
        for d in unicodedata.normalize("NFD", c):
            if not unicodedata.combining(d):
                out.append(d)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Folded:
    """A folded copy of a text. ``starts[i]`` is the original index of folded character ``i``;
    ``starts`` has one extra entry (the original length) so ``end`` offsets map too."""

    text: str
    starts: tuple[int, ...] | None  # None: folding was the identity on length (pure ASCII fast path)
    original_length: int

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a folded ``[start, end)`` span back to the original text."""
        if self.starts is None:
            return start, end
        ostart = self.starts[start]
        last, nxt = self.starts[end - 1], self.starts[end]
        # Dropped combining marks after the match belong to it (nxt skips past them); a char that
        # folded to several (ß → "ss") and was only partly matched still counts whole.
        oend = nxt if nxt > last else last + 1
        return ostart, oend


# ASCII the fast path cannot fold by lowercasing: every whitespace character but a single space
# ("\r", "\x0b", "\x0c" and "\x1c"-"\x1f" are whitespace too; the fast path once missed them, so
# "Lei\rJun" never matched "lei jun"), and the backtick apostrophe.
_NOT_FAST = re.compile(r"[\t\n\x0b\x0c\r\x1c-\x1f`]| {2}")


def fold(text: str) -> Folded:
    """Fold ``text`` for matching and keep the map back to original offsets."""
    if text.isascii() and not _NOT_FAST.search(text):
        # Fast path for most Latin-script posts: lowercasing ASCII never changes lengths.
        return Folded(text.lower(), None, len(text))
    chars: list[str] = []
    starts: list[int] = []
    prev_space = False
    for i, ch in enumerate(text):
        f = fold_char(ch)
        for c in f:
            if c == " ":
                if prev_space:
                    continue  # collapse whitespace runs so "Lei\n Jun" matches "lei jun"
                prev_space = True
            else:
                prev_space = False
            chars.append(c)
            starts.append(i)
    starts.append(len(text))
    return Folded("".join(chars), tuple(starts), len(text))


class _FoldTable(dict[int, str]):
    """``str.translate`` table of :func:`fold_char`, filled as characters are first seen."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = fold_char(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()


def fold_plain(text: str) -> str:
    """``fold(text).text`` without the offset map: the same :func:`fold_char` on every character,
    through ``str.translate`` (C speed), except that whitespace is not unified or collapsed. For
    the search index (:func:`limelight.enrich.matcher.index_terms`), which splits words at
    whitespace anyway and needs no spans."""
    if text.isascii():
        return text.lower().replace("`", "'")  # what fold_char gives every ASCII character but whitespace
    return text.translate(_FOLD_TABLE)


def fold_text(text: str) -> str:
    """The folded string alone (for aliases and query terms)."""
    return " ".join(fold(text).text.split())


def is_cjk(ch: str) -> bool:
    """Scripts written without spaces between words: Han, kana, Hangul (and CJK punctuation)."""
    o = ord(ch)
    return (0x2E80 <= o <= 0x9FFF or 0xAC00 <= o <= 0xD7AF or 0xF900 <= o <= 0xFAFF
            or 0x20000 <= o <= 0x3FFFF)


def is_han_name(alias: str) -> bool:
    return 2 <= len(alias) <= 4 and all(0x4E00 <= ord(c) <= 0x9FFF for c in alias)


def pinyin_name(alias: str) -> str | None:
    """``雷军`` → ``Lei Jun``: surname syllable, then the given name as one word (``Lu Weibing``).

    Returns None when pypinyin is unavailable or the alias is not a Han name of 2–4 characters.
    Two-character surnames (欧阳, 司马) are not detected; they come out as ``Ou Yangxiu`` rather
    than ``Ouyang Xiu`` — type the alias by hand for those.
    """
    if not is_han_name(alias):
        return None
    try:
        from pypinyin import Style, lazy_pinyin
    except ImportError:  # pragma: no cover - pypinyin is a declared dependency
        return None
    syllables = lazy_pinyin(alias, style=Style.NORMAL, errors="ignore")
    if len(syllables) != len(alias):
        return None
    surname, given = syllables[0], "".join(syllables[1:])
    return f"{surname.capitalize()} {given.capitalize()}"


def alias_variants(alias: str, *, person: bool = False) -> list[str]:
    """Folded variants of one alias, the folded alias first, no duplicates, no empty strings."""
    base = fold_text(alias)
    if not base:
        return []
    out: dict[str, None] = {base: None}
    if "-" in base:
        # "Coca-Cola" → "coca cola"; a truncated compound "ZDF-" (as in "ZDF- und ARD-Sendungen")
        # → "zdf", never "zdf " with a dangling space.
        out[" ".join(base.replace("-", " ").split())] = None
    if " " in base and not any(is_cjk(c) for c in base):
        # German compounds and English modifiers write multi-word names with a hyphen.
        out[base.replace(" ", "-")] = None
    if person:
        py = pinyin_name(alias.strip())
        if py:
            out[fold_text(py)] = None
            out[fold_text(py).replace(" ", "-")] = None
    if _T2S is not None and any(is_cjk(c) for c in alias):
        for conv in (_T2S, _S2T):
            out[fold_text(conv.convert(alias))] = None
    return [v for v in out if v]
