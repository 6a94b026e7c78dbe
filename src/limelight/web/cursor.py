"""Opaque pagination cursors: where a page ended, bound to its list and filters, signed.

A cursor is ``base64url(JSON position) "." base64url(HMAC-SHA256 tag)``. The JSON holds the list's
name, a digest of its filters and the last row's keyset position (``published_at``, id); the tag is
made with the project's secret (:func:`project_secret`: kept with the store, so a bookmarked
``next`` survives a restart; an app may be given its own), so a cursor cannot be edited or made up,
and one cannot be used with other filters than its own (it would skip or repeat rows). A search's
cursor has its own format (:mod:`limelight.search`, which the CLI prints); the web wraps it in the
same tag (:func:`sign`), bound to the query and the filters.
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
import logging
import os
import secrets
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from limelight.listing import Position

if TYPE_CHECKING:
    from limelight.project import Project

log = logging.getLogger(__name__)

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
        raise CursorError("the cursor is not one this server gave out (edited, or made for another project)")
    data = json.loads(body)
    if data.get("v") != VERSION or data.get("l") != what:
        raise CursorError(f"the cursor belongs to another list, not {what}")
    if data.get("f") != _digest(filter_key):
        raise CursorError("the cursor belongs to other filters: page on with the filters it was given for")
    at = data.get("at")
    return Position(datetime.fromisoformat(at) if at is not None else None, str(data["id"]))


def sign(token: str, what: str, binding: str, secret: bytes) -> str:
    """A cursor made elsewhere (a search's ``next``: its own format, which the CLI prints as it is)
    with a tag that binds it to ``what`` and ``binding`` (the query and the filters)."""
    return f"{token}.{_b64(_tag(secret, _bound(token, what, binding)))}"


def unsign(cursor: str, what: str, binding: str, secret: bytes) -> str:
    """The cursor :func:`sign` wrapped; :class:`CursorError` if it was edited, made by another
    server or for another query or filters."""
    token, dot, tag_text = cursor.rpartition(".")
    try:
        tag = _unb64(tag_text) if dot and token else b""
    except (ValueError, binascii.Error):
        tag = b""
    if not tag or not hmac.compare_digest(tag, _tag(secret, _bound(token, what, binding))):
        raise CursorError(f"the cursor is not one this server gave out for this {what} "
                          "(edited, or for another query or filters)")
    return token


def _bound(token: str, what: str, binding: str) -> bytes:
    return "\x1e".join((f"v{VERSION}", what, _digest(binding), token)).encode("utf-8", "surrogatepass")


# -- the secret -----------------------------------------------------------------------------------

SECRET_BYTES = 32


def secret_path(project: Project) -> Path:
    """Where the project's cursor secret is kept: next to the store file, as the store's other
    private files are (``<store>.service.json``); in the project folder for a PostgreSQL store."""
    location = str(project.settings["store.path"])
    if location.startswith(("postgresql://", "postgres://")):
        return project.root / "limelight.cursor-secret"
    store = project.store_path
    return store.with_name(store.name + ".cursor-secret")


def project_secret(project: Project) -> bytes:
    """The project's cursor secret, made on first use: a ``next`` link bookmarked today still
    works after the server restarts. Created whole or not at all (a temporary file, then a hard
    link that fails if another process won the race: both then use the winner's), readable by
    its owner only. Where the folder cannot be written, a secret for this process only."""
    path = secret_path(project)
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        log.warning("%s cannot be used (%s): making a new cursor secret", path, exc)
    try:
        return _create_secret(path)
    except OSError as exc:
        log.warning("cannot write %s (%s): cursors last until the server stops", path, exc)
        return secrets.token_bytes(SECRET_BYTES)


def _read_secret(path: Path) -> bytes:
    data = path.read_bytes()
    if len(data) != SECRET_BYTES:
        raise ValueError(f"{len(data)} bytes, not {SECRET_BYTES}")
    return data


def _create_secret(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(SECRET_BYTES)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(secret)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            try:
                return _read_secret(path)  # another server made it first
            except ValueError:
                os.replace(tmp, path)  # a broken one: ours takes its place
                return secret
        return secret
    finally:
        tmp.unlink(missing_ok=True)
