"""Opaque pagination cursors: where a page ended, bound to its list and filters, signed.

A cursor is ``base64url(JSON position) "." base64url(HMAC-SHA256 tag)``. The JSON holds the list's
name, a digest of its filters and the last row's keyset position (``published_at``, id); the tag is
made with the app's secret (random per app unless one is given), so a cursor cannot be edited or
made up, and one cannot be used with other filters than its own (it would skip or repeat rows).
Anything that does not check out is a :class:`CursorError`, which the API answers with a 400.
The values only ever become bound parameters of a read, but a position no page ended at would
still give a list that is not the one asked for, hence the tag.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime

from limelight.listing import Position

VERSION = 1
_TAG_BYTES = 16


class CursorError(ValueError):
    """The cursor was not made by this server for this list and these filters."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _digest(filter_key: str) -> str:
    return hashlib.sha256(filter_key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _tag(secret: bytes, body: bytes) -> bytes:
    return hmac.new(secret, body, hashlib.sha256).digest()[:_TAG_BYTES]


def encode(position: Position, what: str, filter_key: str, secret: bytes) -> str:
    at = position.published_at.isoformat() if position.published_at is not None else None
    body = json.dumps({"v": VERSION, "l": what, "f": _digest(filter_key), "at": at, "id": position.id},
                      separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return f"{_b64(body)}.{_b64(_tag(secret, body))}"


def decode(cursor: str, what: str, filter_key: str, secret: bytes) -> Position:
    """The position in ``cursor``; :class:`CursorError` if it was tampered with, made for another
    list or other filters, or is not a cursor at all."""
    try:
        body_text, tag_text = cursor.split(".")
        body, tag = _unb64(body_text), _unb64(tag_text)
    except (ValueError, binascii.Error):
        raise CursorError("the cursor is not one this server gave out") from None
    if not hmac.compare_digest(tag, _tag(secret, body)):
        raise CursorError("the cursor is not one this server gave out (edited, or from before a restart)")
    data = json.loads(body)
    if data.get("v") != VERSION or data.get("l") != what:
        raise CursorError(f"the cursor belongs to another list, not {what}")
    if data.get("f") != _digest(filter_key):
        raise CursorError("the cursor belongs to other filters: page on with the filters it was given for")
    at = data.get("at")
    return Position(datetime.fromisoformat(at) if at is not None else None, str(data["id"]))
