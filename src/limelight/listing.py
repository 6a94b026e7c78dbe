"""Lists of documents and mentions: filters, pages with keyset positions, totals, and every row in
bounded batches (for exports with no row cap).

A :class:`ListFilter` is the report :class:`~limelight.scope.Scope` (since, until, language,
source, kind, timezone) plus what lists add: entities, mention roles and platforms.
:func:`parse_filter` reads one from text values (a query string, command-line options) and says
what is wrong with a bad value and which values are allowed (:class:`BadFilter`).

The rows come from named reads (``lists.*`` in :mod:`limelight.store.reads.lists`): newest first,
documents without a date after every dated one, ties by id. A page is read after a
:class:`Position` (the last row of the page before), so each page is one short read and a list can
be walked while an ingest adds documents: a document added behind the position is not seen, none
is seen twice. Documents without a date are listed (``published_at`` null) but never put on a day;
every total says how many of its rows they are (``undated``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from limelight.errors import UsageError
from limelight.models import MENTION_ROLES
from limelight.scope import DOCUMENT_KINDS, LOCAL, Scope
from limelight.store.base import Store
from limelight.store.reads.lists import UNDATED
from limelight.watchlist import Watchlist

LISTS = ("documents", "mentions")
# The filters every list takes, in the order help texts show them.
FILTERS = ("entity", "since", "until", "language", "role", "source", "platform", "kind", "undated", "timezone")
_PLATFORM = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
# Rows per batch of an export: large enough that each format's per-batch work (a CSV or Parquet
# writer call) is small beside its rows, small enough that a batch stays a few tens of MB (a
# document carries its whole text; a mention a sentence).
EXPORT_BATCH = {"documents": 5_000, "mentions": 20_000}
SNIPPET_CHARS = 240

__all__ = ["EXPORT_BATCH", "FILTERS", "LISTS", "BadFilter", "ListFilter", "Page", "Position", "batches",
           "count", "document", "document_entities", "entity_volumes", "page", "parse_filter", "snippet", "zone_of"]


class BadFilter(UsageError):
    """A filter value that cannot be used: names the parameter and, where there is a list of them,
    the allowed values."""

    def __init__(self, parameter: str, message: str, allowed: Sequence[str] = (), hint: str = "") -> None:
        self.parameter = parameter
        self.allowed = tuple(allowed)
        if not hint and self.allowed:
            hint = "allowed: " + ", ".join(self.allowed)
        super().__init__(message, hint)


@dataclass(frozen=True, slots=True)
class ListFilter:
    """Which rows a list holds: the report scope plus entities, mention roles and platforms (empty:
    not narrowed)."""

    scope: Scope = field(default_factory=Scope)
    entities: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    # Documents without a date: listed with the dated ones (last), alone, or left out (UNDATED).
    undated: str = "include"

    def params(self) -> dict[str, Any]:
        """The named reads' filter parameters."""
        return {"scope": self.scope, "entities": list(self.entities), "roles": list(self.roles),
                "platforms": list(self.platforms), "without_date": self.undated}

    def key(self) -> str:
        """A canonical text of the filter (a pagination cursor is bound to it)."""
        s = self.scope
        parts = [s.timezone, str(s.since or ""), str(s.until or ""), ",".join(s.languages), ",".join(s.sources),
                 ",".join(s.kinds), ",".join(self.entities), ",".join(self.roles), ",".join(self.platforms)]
        if self.undated != "include":  # cursors made before the filter existed stay valid
            parts.append(self.undated)
        return "\x1f".join(parts)

    def notes(self) -> tuple[str, ...]:
        notes = list(self.scope.notes())
        if self.undated == "only":
            notes.append("only documents without a date")
        elif self.undated == "exclude":
            notes.append("documents without a date left out")
        extra = [f"{label} {', '.join(values)}" for label, values in
                 (("entity", self.entities), ("role", self.roles), ("platform", self.platforms)) if values]
        if extra:
            notes.append("only " + "; ".join(extra))
        return tuple(notes)


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page ends: the last row's ``published_at`` (None: undated) and id."""

    published_at: datetime | None
    id: str


@dataclass(frozen=True)
class Page:
    rows: pa.Table
    total: int  # rows of the whole list with these filters
    undated: int  # of those, on documents without a date
    next: Position | None  # None: this was the last page
    # documents list only: document id → the entities it mentions, with mentions per role
    entities: Mapping[str, list[dict[str, Any]]] = field(default_factory=dict)


def _items(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    parts = value if isinstance(value, list | tuple) else str(value).split(",")
    return tuple(dict.fromkeys(p.strip() for p in map(str, parts) if p.strip()))


# The scope's filters, each with the values it allows (for the error); Scope.from_options checks them.
_SCOPE_FILTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("since", ("YYYY-MM-DD",)), ("until", ("YYYY-MM-DD",)), ("language", ()), ("source", ()),
    ("kind", DOCUMENT_KINDS), ("timezone", ()),
)


def parse_filter(values: Mapping[str, Any], watchlist: Watchlist, *, default_timezone: str = "UTC") -> ListFilter:
    """A :class:`ListFilter` from text values (``FILTERS``: comma-separated lists, dates as
    YYYY-MM-DD); :class:`BadFilter` names the first bad one and the allowed values."""
    ids = [e.id for e in watchlist.entities]
    entities = _items(values.get("entity"))
    unknown = [e for e in entities if e not in ids]
    if unknown:
        raise BadFilter("entity", f"entity {unknown[0]!r} is not in the watchlist", ids or ["(the watchlist is empty)"])
    roles = tuple(r.lower() for r in _items(values.get("role")))
    bad = [r for r in roles if r not in MENTION_ROLES]
    if bad:
        raise BadFilter("role", f"role must be one of {', '.join(MENTION_ROLES)}, not {bad[0]!r}", MENTION_ROLES)
    platforms = tuple(p.lower() for p in _items(values.get("platform")))
    bad = [p for p in platforms if not _PLATFORM.fullmatch(p)]
    if bad:
        raise BadFilter("platform", f"platform {bad[0]!r} is not a platform name",
                        hint="a platform as stored: web, x, weibo, douyin, telegram, ...")
    undated = str(values.get("undated") or "include").strip().lower()
    if undated not in UNDATED:
        raise BadFilter("undated", f"undated must be one of {', '.join(UNDATED)}, not {undated!r}", UNDATED,
                        "include: with the dated documents, listed last; only: those without a date; "
                        "exclude: leave them out")
    given = {name: values.get(name) for name, _ in _SCOPE_FILTERS}
    given["timezone"] = given["timezone"] or default_timezone
    for name, allowed in _SCOPE_FILTERS:  # one at a time, so the error names the parameter
        try:
            Scope.from_options("filter", {name: given[name]})
        except UsageError as exc:
            raise BadFilter(name, exc.message, allowed, exc.hint) from None
    try:
        scope = Scope.from_options("filter", given)
    except UsageError as exc:  # since after until
        raise BadFilter("since", exc.message, hint="since is the first day, until the last") from None
    return ListFilter(scope, entities, roles, platforms, undated)


# -- reading ------------------------------------------------------------------------------------


def _check(what: str) -> None:
    if what not in LISTS:
        raise BadFilter("list", f"no list named {what!r}", LISTS)


def page(store: Store, what: str, flt: ListFilter, *, after: Position | None = None, limit: int = 100,
         with_total: bool = True) -> Page:
    """One page of the ``what`` list (documents or mentions) after ``after``, with the list's total."""
    _check(what)
    rows = store.read(f"lists.{what}", **flt.params(), after_at=after.published_at if after else None,
                      after_id=after.id if after else None, limit=limit)
    total = undated = -1
    if with_total:
        total, undated = count(store, what, flt)
    nxt = None
    if rows.num_rows == limit and limit > 0:
        last = rows.slice(rows.num_rows - 1).to_pylist()[0]
        nxt = Position(last["published_at"], str(last["id"]))
    return Page(rows, total, undated, nxt)


def count(store: Store, what: str, flt: ListFilter) -> tuple[int, int]:
    """(rows, rows on undated documents) of the ``what`` list with these filters."""
    _check(what)
    row = store.read(f"lists.{what}_count", **flt.params()).to_pylist()[0]
    return int(row["n"]), int(row["undated"])


def batches(store: Store, what: str, flt: ListFilter, *, batch_size: int | None = None) -> Iterator[pa.Table]:
    """Every row of the ``what`` list in its order, ``batch_size`` rows at a time, at constant
    memory, from one snapshot of ``store`` (one streamed read, :meth:`Store.read_batches`; paging
    with the keyset would sort the whole list again for every batch). The first batch is yielded
    even when it is empty (its columns). An export runs this ahead of its client
    (:mod:`limelight.exports_ahead`), so the store is held for the read, not for the download."""
    _check(what)
    size = batch_size or EXPORT_BATCH[what]
    params = {**flt.params(), "after_at": None, "after_id": None, "limit": None}
    for batch in store.read_batches(f"lists.{what}", batch_rows=size, **params):
        yield pa.Table.from_batches([batch])


def entity_volumes(store: Store, watchlist: Watchlist, flt: ListFilter) -> list[dict[str, Any]]:
    """The watchlist's entities (or ``flt.entities``), each with its mentions and documents in the
    filter's range (dated documents only) and its undated documents, counted apart."""
    wanted = [watchlist.get(e) for e in flt.entities] if flt.entities else list(watchlist.entities)
    table = store.read("lists.entity_volumes", **{**flt.params(), "entities": [e.id for e in wanted]})
    counts = {r["entity_id"]: r for r in table.to_pylist()}
    out = []
    for e in wanted:
        c = counts.get(e.id, {})
        out.append({
            "id": e.id, "kind": e.kind, "name": e.name, "parent": e.parent, "role": e.role,
            "aliases": list(e.aliases),
            "accounts": [{"platform": a.platform, "handle": a.handle} for a in e.accounts],
            "mentions": int(c.get("mentions") or 0), "documents": int(c.get("documents") or 0),
            "undated_documents": int(c.get("undated") or 0),
        })
    return out


def document(store: Store, document_id: str) -> dict[str, Any] | None:
    """One document as a reader sees it: its stored fields and source, its mentions with their
    roles and sentences, and its links (out and in); None when no document has that id."""
    rows = store.read("lists.document_detail", ids=[document_id]).to_pylist()
    if not rows:
        return None
    doc = rows[0]
    doc["mentions"] = store.read("lists.document_mentions", ids=[document_id]).to_pylist()
    doc["links"] = store.read("lists.document_links", ids=[document_id]).to_pylist()
    return doc


def document_entities(store: Store, ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """document id → its mentioned entities, each with its mentions per role."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    if not ids:
        return {}
    for r in store.read("lists.document_entities", ids=list(ids)).to_pylist():
        entry = out.setdefault(r["document_id"], {}).setdefault(
            r["entity_id"], {"entity_id": r["entity_id"], "mentions": 0, "roles": {}})
        entry["mentions"] += int(r["n"])
        entry["roles"][r["role"]] = int(r["n"])
    return {doc: list(entities.values()) for doc, entities in out.items()}


def snippet(text: str | None, chars: int = SNIPPET_CHARS) -> str:
    """The start of a text on one line, cut at ``chars`` with "…"."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= chars else flat[: chars - 1].rstrip() + "…"


def zone_of(flt: ListFilter) -> str | None:
    """The time zone timestamps are written in (None for ``local``: they stay in UTC)."""
    return None if flt.scope.timezone == LOCAL else flt.scope.timezone
