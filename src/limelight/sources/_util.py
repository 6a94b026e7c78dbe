"""Small helpers the source plugins share: sniffing text heads, encodings, post documents."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from limelight.errors import ItemFailed
from limelight.models import Document, Source, content_hash, document_id, stable_id
from limelight.sources.base import Input
from limelight.textio import BOMS, decode_bytes
from limelight.validate import clean_text

_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
_FEED_MARK = re.compile(rb"<(?:rss|feed|rdf:RDF)\b", re.I)
_SITEMAP_MARK = re.compile(rb"<(?:\w+:)?(?:urlset|sitemapindex)\b", re.I)


def looks_like_html(head: bytes) -> bool:
    """True for markup that starts like an HTML page (doctype, <html>, <head> or <body>)."""
    return bool(_HTML_START.match(head)) or b"<html" in head[:1024].lower()


def looks_like_feed(head: bytes) -> bool:
    return bool(_FEED_MARK.search(head))


def looks_like_sitemap(head: bytes) -> bool:
    return bool(_SITEMAP_MARK.search(head))


def looks_like_weibo_cn(head: bytes) -> bool:
    """weibo.cn pages: links to weibo.cn, or the site's own inline style sheet (picture pages)."""
    return (b"weibo.cn/" in head or b".ctt{color:#000;}" in head) and (b"<html" in head or b"<div" in head)


def head_text(inp: Input, n: int = 4096) -> str:
    """The first characters of an input as text, for sniffing; "" when it is not text."""
    try:
        data = inp.head(n)
    except (OSError, EOFError):
        return ""
    return decode_head(data)


def decode_head(data: bytes) -> str:
    if not data:
        return ""
    # A head cut in the middle of a UTF-8 sequence must not push us to a wrong codec.
    for cut in range(4):
        try:
            return data[: len(data) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
    try:
        return decode_bytes(data)[0]
    except ItemFailed:
        return ""




def detect_stream_encoding(inp: Input, n: int = 262_144) -> str:
    """Pick a codec from the head of a (possibly huge) text input, to stream the rest with it.

    Raises ItemFailed for empty or binary input, as :func:`limelight.textio.decode_bytes` does.
    """
    head = inp.head(n)
    for bom, enc in BOMS:
        if head.startswith(bom):
            return enc
    if head[1:400:2].count(0) > 100:
        return "utf-16-le"
    if head[0:400:2].count(0) > 100:
        return "utf-16-be"
    if len(head) >= n:
        # Cut at a line end so a multibyte character split at the edge does not mislead detection.
        nl = head.rfind(b"\n")
        if nl > 0:
            head = head[: nl + 1]
    enc = decode_bytes(head)[1]
    return "utf-8" if enc == "ascii" else enc


def to_int(value: Any) -> int | None:
    """An engagement count, or None when absent. Accepts 1234, "1,234", "1.2万", "3.4k".

    A value that is a number but cannot be a count (``1e400``, NaN) raises ItemFailed: the record
    is wrong, and its other fields cannot be trusted either. Range checks (negative, ≥ 2^63) are
    :mod:`limelight.validate`'s, for every source alike.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ItemFailed(f"the count {value!r} is not a number", "fix the export or its column mapping")
        return int(value)
    s = str(value).strip().replace(",", "").replace("_", "")
    if not s or s.lower() in {"na", "n/a", "nan", "none", "null", "-", "unknown", "$undefined"}:
        return None
    mult = 1
    for suffix, m in (("万", 10_000), ("亿", 100_000_000), ("k", 1_000), ("m", 1_000_000)):
        if s.lower().endswith(suffix):
            s, mult = s[: -len(suffix)], m
            break
    if re.fullmatch(r"[+-]?\d+", s) and mult == 1:
        try:
            return int(s)  # exact, however long (validation refuses what no store can hold)
        except ValueError:  # past Python's 4300-digit limit for int(str): no count is that long
            raise ItemFailed(f"the count {s[:40]!r}… has {len(s)} digits",
                             "fix the export or its column mapping") from None
    try:
        number = float(s) * mult
    except ValueError:
        return None
    if not math.isfinite(number):
        raise ItemFailed(f"the count {str(value)[:40]!r} is not a number", "fix the export or its column mapping")
    return int(number)


def from_epoch(value: Any) -> datetime | None:
    """Unix seconds (or milliseconds) → UTC datetime; None when absent.

    A value that is there but is no time (``"abc"``, ``1e400``, a year past 9999) raises ItemFailed:
    a record whose date cannot be read is an error row, never a post silently without a date.
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        ts = float(value)
    except OverflowError:  # an int past float's range (10**400): a time far outside any calendar
        raise ItemFailed(f"the time {str(value)[:40]!r} is outside the range of dates", "fix the export") from None
    except (TypeError, ValueError):
        raise ItemFailed(f"the time {str(value)[:40]!r} is not a Unix timestamp", "fix the export") from None
    if ts > 1e11:  # milliseconds
        ts /= 1000
    try:
        return datetime.fromtimestamp(ts, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ItemFailed(f"the time {str(value)[:40]!r} is outside the range of dates", "fix the export") from None


def post_document(
    *,
    platform: str,
    origin: str,
    text: str,
    account: str | None = None,
    account_name: str | None = None,
    post_id: str | None = None,
    published_at: datetime | None = None,
    date_source: str | None = None,
    url: str | None = None,
    kind: str = "post",
    content_type: str | None = None,
    likes: int | None = None,
    shares: int | None = None,
    comments: int | None = None,
    views: int | None = None,
    title: str | None = None,
    fetched_at: datetime | None = None,
    language: str | None = None,
) -> Document:
    """One social post (or one row of a headline export) as a Document.

    Keyed by platform post id when there is one; else by :func:`record_id`. Text from JSON may hold
    lone surrogates (``"\\ud800"``), which no UTF-8 store, hash or terminal takes: cleaned here,
    before the content hash, so the id is computed from what is stored.
    """
    text = clean_text(text)
    title = clean_text(title) if title is not None else None
    account = clean_text(account) if account is not None else None
    account_name = clean_text(str(account_name)) if account_name is not None else None
    chash = content_hash(title, text)
    pid = str(post_id) if post_id not in (None, "") else None
    # An unknown account is marked as such rather than guessed from the text.
    source = Source.make(platform, account or "(unknown)", name=account_name)
    if published_at is not None:
        if published_at.tzinfo is None:
            published_at = published_at.replace(tzinfo=UTC)
        try:  # 0001-01-01T00:00:00+14:00 is a valid datetime whose UTC time is not
            published_at = published_at.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ItemFailed(f"the date {published_at.isoformat()} is outside the range of dates",
                             "fix the date in the export") from None
    doc_id = (document_id(None, chash, platform_key=f"{platform}:{pid}") if pid
              else record_id(source, published_at, chash))
    return Document(
        id=doc_id,
        kind=kind,  # type: ignore[arg-type]
        origin=origin,
        source=source,
        text=text,
        title=title,
        url=url,
        language=language,
        published_at=published_at,
        date_source=date_source if published_at else None,
        fetched_at=fetched_at,
        content_hash=chash,
        content_type=content_type,
        platform_id=pid,
        likes=likes,
        shares=shares,
        comments=comments,
        views=views,
    )


def record_id(source: Source, published_at: datetime | None, chash: str) -> str:
    """The id of a record without a post id: platform, account (or outlet), time and content
    together. Keyed by the text alone, the same headline from two outlets, or "Good morning!" on two
    days, became one document (214 of 53,330 financial headlines merged); the same words from the
    same account at the same time are the same record, however often an export repeats them."""
    when = published_at.isoformat() if published_at is not None else ""
    return stable_id("record", source.platform.lower(), source.handle.lower(), when, chash)


def option_datetime(inp: Input, key: str = "fetched_at") -> datetime | None:
    """An ISO datetime from ``inp.options`` (UTC when it has no zone)."""
    raw = inp.options.get(key)
    if not raw:
        return None
    try:
        dt = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
