"""Bytes → text, for pages, dumps and exports whose encoding is unknown or mislabelled.

Order: a byte-order mark wins; then the declared charset if the bytes really decode with it;
then UTF-8; then UTF-8 with the few bad bytes replaced, when the text is overwhelmingly UTF-8
(:func:`mostly_utf8`); then charset-normalizer's best guess (cp1252, GB18030, Shift-JIS, UTF-16
without BOM...).
Binary data (NUL bytes outside UTF-16, or mostly control characters) is refused with a clear
message rather than stored as mojibake.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from limelight.errors import ItemFailed

BOMS = (  # byte-order marks and the codec each one selects
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-.]+)""", re.I)
# Labels that lie in practice: browsers read them as their supersets (WHATWG encoding standard).
_SUPERSETS = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "ascii": "cp1252",
              "us-ascii": "cp1252", "gb2312": "gb18030", "gbk": "gb18030", "shift_jis": "cp932",
              "sjis": "cp932", "x-sjis": "cp932"}


def declared_charset(data: bytes) -> str | None:
    """The charset named in an HTML meta tag or XML declaration, if any."""
    head = data[:4096]
    m = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return m.group(1).decode("ascii", "replace").lower() if m else None


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    sample = text[:8192]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or ch == "\ufffd")
    return bad / len(sample) > 0.05


# A well-formed UTF-8 multi-byte sequence (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF).
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")
_ASCII = bytes(range(128))
MOSTLY_UTF8 = 0.9


def mostly_utf8(data: bytes) -> bool:
    """Whether at least :data:`MOSTLY_UTF8` of the non-ASCII characters are well-formed UTF-8
    sequences (each byte outside one counts as one bad character).

    A page saved as UTF-8 with a few stray bytes (a cp1252 "ü" pasted into an alt text) was decoded
    whole as cp1250 ("Ă„rger ĂĽber MĂĽller") and its language guessed as Vietnamese. Text really in
    a single-byte or East Asian encoding scores near 0: in the non-UTF-8 pages of the extraction
    sets, 0 to 5%. A German UTF-8 page has a median of 151 multi-byte characters, so 9 bad bytes
    leave 94%: 99% would have refused the typical page."""
    non_ascii = len(data.translate(None, _ASCII))
    if not non_ascii:
        return False
    matched = _UTF8_SEQUENCE.findall(data)
    good = len(matched)
    bad = non_ascii - sum(map(len, matched))
    return good >= MOSTLY_UTF8 * (good + bad)


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding_used)``; raise ItemFailed for binary or undecodable data."""
    if not data.strip():
        raise ItemFailed("empty file", "nothing to ingest; check the export or download")
    for bom, enc in BOMS:
        if data.startswith(bom):
            return data.decode(enc), enc
    candidates: list[str] = []
    for label in (declared, declared_charset(data)):
        if label:
            label = label.lower().strip()
            candidates.append(_SUPERSETS.get(label, label))
    candidates.append("utf-8")
    for enc in candidates:
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if not _looks_binary(text):
            return text, enc
    # UTF-16 without BOM: every other byte NUL in Latin text.
    if data[1:200:2].count(0) > 40 or data[0:200:2].count(0) > 40:
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if not _looks_binary(text):
                return text, enc
    if b"\x00" in data[:8192]:
        raise ItemFailed("binary data, not text",
                         "is this an image, PDF or archive? limelight reads HTML, text, XML, CSV, JSON, WARC")
    if mostly_utf8(data):
        text = data.decode("utf-8", errors="replace")
        if not _looks_binary(text):
            return text, "utf-8"
    best = from_bytes(data[:200_000], cp_isolation=["cp1252", "gb18030", "big5", "cp932", "euc_jp", "euc_kr",
                                                      "cp1251", "cp1250", "iso8859_15", "utf_16"]).best()
    if best is not None and best.encoding:
        enc = best.encoding
        text = data.decode(enc, errors="replace")
        if not _looks_binary(text):
            return text, enc
    raise ItemFailed("cannot decode the text in any known encoding",
                     "save the file as UTF-8 or name its charset in a <meta charset> tag")


MAX_ATTRIBUTES = 1000  # per tag; real pages stay far below (a busy <div> has a dozen)
_LONG_TAG = re.compile(r"<[A-Za-z][^<>]{4000,}>")
_ATTRIBUTE = re.compile(r"""[^\s=<>"'/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?""")


def check_markup(text: str) -> None:
    """Refuse markup that would stall the HTML parser: libxml2 checks each new attribute against
    the tag's others, so a tag's cost grows with the square of its attributes (60,000 attributes
    took 137 s). Only tags longer than 4,000 characters are counted, so a normal page costs one
    regular-expression scan."""
    for m in _LONG_TAG.finditer(text):
        tag = m.group()
        name_end = len(tag.split(None, 1)[0])
        n = sum(1 for _ in _ATTRIBUTE.finditer(tag, name_end))
        if n > MAX_ATTRIBUTES:
            raise ItemFailed(f"a <{m.group()[1:20].split()[0]}> tag has {n:,} attributes (most allowed: "
                             f"{MAX_ATTRIBUTES:,}); not a page to extract", "nothing real has that many")

