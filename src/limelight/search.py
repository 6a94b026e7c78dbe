"""Full-text search over stored documents and posts, in the watchlist's query language.

    limelight search '"Lei Jun" NEAR/5 Keynote' --since 2024-03-01 --language de
    limelight search '雷军 AND (小米 OR Xiaomi) NOT 传闻'

A search decides every document exactly as a watchlist query (:mod:`limelight.enrich.query`)
decides it: the same parser, the same :class:`~limelight.enrich.matcher.Matcher` over the folded
title, text and captions, the same field scan (:func:`limelight.enrich.mentions.scan_fields`:
hits in URLs and share lines dropped), the same evaluator. So a search and a watchlist query
never disagree on a document. The stages:

1. **Parse.** A syntax error is a :class:`~limelight.errors.UsageError` naming the column.
2. **Narrow** (:func:`candidate_plan`). Every stored document has its distinct index words in
   ``search_index`` (:func:`limelight.enrich.matcher.index_terms`: folded words, each CJK letter
   alone, one list per document), written with the document. A term's candidates are the documents holding every word of
   one of its variants; AND intersects, OR unites, NOT and terms without a word narrow nothing
   (the evaluator decides), NEAR needs both sides. Candidates are a superset of the matches, never
   fewer (the argument is at :func:`~limelight.enrich.matcher.variant_words`).
3. **Decide.** Candidates are read in list order (newest first, undated last, ties by id: the
   order and keyset of :mod:`limelight.listing`) a batch at a time and decided one by one until
   the page is full, or :data:`SCAN_LIMIT` candidates were decided for it; then the page may hold
   fewer hits than asked and still have a ``next`` cursor (a search for a rare combination of
   common words). Nothing evaluates the whole corpus in Python, except a query that narrows
   nothing (``NOT x`` alone), and that one stops at the page too.
4. **Highlights** are the spans of the query's terms outside a NOT, as character offsets into
   the title, text or caption as stored (every hit of those terms, also one that was not needed
   for a NEAR). The snippet is a window of the field around the first highlight.
5. **Total** (``with_total``): the exact number of matches, counted by deciding every candidate,
   when there are at most :data:`TOTAL_LIMIT` candidates; else ``total`` is None and
   ``candidates`` (always counted then) bounds it. A first page that saw every candidate knows
   its total without more work.

Filters are the lists' (:class:`limelight.listing.ListFilter`: since, until, language, source,
kind, timezone, entity, role, platform), with the same predicate in SQL. Saved searches
(:func:`save`) keep a query and its filter values under a name, with ``last_seen_at`` for the
alerts' "new matches since" (:func:`new_matches`).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from limelight.enrich.matcher import INDEX_VERSION, Matcher, variant_words
from limelight.enrich.mentions import FieldHits, field_hits, positive_terms, scan_fields
from limelight.enrich.query import And, Near, Not, Or, QueryNode, QuerySyntaxError, Term, parse_query
from limelight.enrich.variants import alias_variants
from limelight.errors import UsageError
from limelight.listing import SNIPPET_CHARS, ListFilter, Position, parse_filter
from limelight.store.base import Store
from limelight.watchlist import Watchlist

__all__ = ["MAX_LIMIT", "SCAN_LIMIT", "TOTAL_LIMIT", "Highlight", "SavedSearch", "SearchHit", "SearchPage",
           "candidate_plan", "delete", "get_saved", "mark_seen", "new_matches", "parse", "reindex", "run_saved",
           "save", "saved", "search"]

MAX_LIMIT = 200  # hits per page at most
SCAN_LIMIT = 5000  # candidates decided for one page at most
TOTAL_LIMIT = 5000  # candidates decided at most for an exact total (about 0.25 ms each)
_FIRST_BATCH, _MAX_BATCH = 50, 1000  # candidates per read: doubling from the first to the largest
_MAX_NAME = 100


@dataclass(frozen=True, slots=True)
class Highlight:
    """A matched word in a stored field: ``field`` is title, text or caption (with its index)."""

    field: str
    caption_index: int | None
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class SearchHit:
    document_id: str
    published_at: datetime | None
    kind: str
    language: str | None
    platform: str
    handle: str
    source_name: str | None
    title: str | None
    url: str | None
    snippet: str
    snippet_highlights: tuple[tuple[int, int], ...]  # offsets into ``snippet``
    highlights: tuple[Highlight, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "kind": self.kind, "language": self.language, "platform": self.platform, "handle": self.handle,
            "source_name": self.source_name, "title": self.title, "url": self.url, "snippet": self.snippet,
            "snippet_highlights": [list(s) for s in self.snippet_highlights],
            "highlights": [{"field": h.field, "caption_index": h.caption_index, "start": h.start, "end": h.end}
                           for h in self.highlights],
        }


@dataclass(frozen=True)
class SearchPage:
    query: str
    hits: tuple[SearchHit, ...]
    next: str | None  # opaque cursor of the next page; None: this was the last
    total: int | None  # matches in all (with_total, when known exactly)
    candidates: int | None  # documents the index narrowed to (with_total): at least ``total``
    scanned: int  # candidates decided for this page
    unindexed: int | None  # documents not in the search index (first page only): --reindex
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "hits": [h.to_dict() for h in self.hits], "next": self.next,
                "total": self.total, "candidates": self.candidates, "scanned": self.scanned,
                "unindexed": self.unindexed, "notes": list(self.notes)}

    def to_table(self) -> pa.Table:
        """One row per hit (for the CLI and exports)."""
        return pa.Table.from_pylist(
            [{"published_at": h.published_at, "source": f"{h.platform}/{h.handle}", "kind": h.kind,
              "language": h.language, "title": h.title, "snippet": h.snippet, "url": h.url,
              "document_id": h.document_id} for h in self.hits],
            schema=pa.schema([("published_at", pa.timestamp("us", tz="UTC")), ("source", pa.string()),
                              ("kind", pa.string()), ("language", pa.string()), ("title", pa.string()),
                              ("snippet", pa.string()), ("url", pa.string()), ("document_id", pa.string())]))


# -- parsing and narrowing ----------------------------------------------------------------------------


def parse(query: str) -> QueryNode:
    """The query tree, or a UsageError that shows where the query is wrong."""
    try:
        return parse_query(query)
    except QuerySyntaxError as exc:
        pointer = " " * (exc.column - 1) + "^"
        raise UsageError(f"the search query is not valid: {exc}\n  {query}\n  {pointer}",
                         'terms, "phrases", AND, OR, NOT, NEAR/n and (…), as in watchlist queries') from None


def candidate_plan(node: QueryNode) -> list[Any] | None:
    """The candidates of ``node`` as a plan of :mod:`limelight.store.reads.search` (None: no narrowing)."""
    if isinstance(node, Term):
        branches: dict[str, list[Any]] = {}
        for variant in alias_variants(node.key):  # what the Matcher puts in its automaton for the term
            words = variant_words(variant)
            if not words:
                return None  # a variant without a word (punctuation): nothing to look up
            plan = ["words", [list(w) for w in words]]
            branches.setdefault(json.dumps(plan), plan)
        plans = list(branches.values())
        return plans[0] if len(plans) == 1 else ["or", plans]
    if isinstance(node, Not):
        return None
    if isinstance(node, And | Near):
        children = node.children if isinstance(node, And) else (node.left, node.right)
        kept = [p for p in (candidate_plan(c) for c in children) if p is not None]
        return None if not kept else kept[0] if len(kept) == 1 else ["and", kept]
    if isinstance(node, Or):
        subs = [candidate_plan(c) for c in node.children]
        if any(p is None for p in subs):
            return None
        return ["or", subs]
    raise TypeError(f"not a query node: {node!r}")


# -- cursors --------------------------------------------------------------------------------------


def _key(query: str, flt: ListFilter, new_since: datetime | None) -> str:
    text = "\x1e".join((query, flt.key(), new_since.isoformat() if new_since else ""))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _encode(position: Position, key: str) -> str:
    at = position.published_at.isoformat() if position.published_at else None
    raw = json.dumps({"k": key, "a": at, "i": position.id}, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode(cursor: str, key: str) -> Position:
    bad = UsageError("the cursor is not one this search gave", "pass the `next` of the page before, "
                     "with the same query and filters; or leave it out for the first page")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        at = data["a"]
        position = Position(datetime.fromisoformat(at) if at is not None else None, str(data["i"]))
    except (ValueError, KeyError, TypeError):
        raise bad from None
    if data.get("k") != key:
        raise bad
    return position


# -- deciding -------------------------------------------------------------------------------------


def _highlights(fields: Sequence[FieldHits], wanted: Sequence[str]) -> list[Highlight]:
    out: dict[Highlight, None] = {}
    for name, _text, index, _matches, terms in fields:
        for term in wanted:
            for start, end in terms.get(term, ()):
                out[Highlight(name, index, start, end)] = None
    return sorted(out, key=lambda h: (("title", "text", "caption").index(h.field), h.caption_index or 0, h.start))


def _snippet(fields: Sequence[FieldHits], marks: Sequence[Highlight],
             chars: int = SNIPPET_CHARS) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A window of the text (else the caption, else the title) around its first highlight, on
    one line, with the highlights that fall in it as offsets into the window."""
    order = {"text": 0, "caption": 1, "title": 2}
    first = min(marks, key=lambda h: (order[h.field], h.caption_index or 0, h.start), default=None)
    if first is None:
        text = next((t for n, t, _i, _m, _h in fields if n == "text"), "")
        inside: list[Highlight] = []
        start = 0
    else:
        text = next(t for n, t, i, _m, _h in fields if n == first.field and i == first.caption_index)
        inside = [h for h in marks if h.field == first.field and h.caption_index == first.caption_index]
        start = max(0, min(first.start - chars // 3, len(text) - chars))
        if start > 0:  # begin at a word
            space = text.find(" ", start, first.start)
            start = space + 1 if space >= 0 else start
    end = min(len(text), start + chars)
    if end < len(text):  # end at a word, past the first highlight
        space = text.rfind(" ", max(start, first.end if first else start), end)
        end = space if space > 0 else end
    body = "".join(" " if c.isspace() else c for c in text[start:end])  # one line, offsets kept
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    spans = tuple((max(h.start, start) - start + len(prefix), min(h.end, end) - start + len(prefix))
                  for h in inside if h.start < end and h.end > start)
    return prefix + body + suffix, spans


def _decide(matcher: Matcher, node: QueryNode, wanted: Sequence[str], row: Mapping[str, Any]) -> SearchHit | None:
    fields = scan_fields(matcher, row["title"], row["text"] or "", row["captions"] or ())
    if not node.matches(field_hits(fields)):
        return None
    marks = _highlights(fields, wanted)
    snippet, spans = _snippet(fields, marks)
    return SearchHit(
        document_id=str(row["id"]), published_at=row["published_at"], kind=row["kind"], language=row["language"],
        platform=row["platform"], handle=row["handle"], source_name=row["source_name"], title=row["title"],
        url=row["url"], snippet=snippet, snippet_highlights=spans, highlights=tuple(marks))


class _Search:
    """One query and filter over one store: reads candidates after a position and decides them."""

    def __init__(self, store: Store, query: str, flt: ListFilter, new_since: datetime | None) -> None:
        self.store = store
        self.query = query
        self.node = parse(query)
        self.plan = candidate_plan(self.node)
        self.matcher = Matcher([], self.node.terms())
        self.wanted = positive_terms(self.node)
        self.params = {"plan": self.plan, **flt.params(), "new_since": new_since}
        self.key = _key(query, flt, new_since)

    def rows(self, after: Position | None, budget: int) -> Iterator[dict[str, Any]]:
        """Up to ``budget`` candidates after ``after``, in list order, read a batch at a time
        (small first: a page often fills from the first few)."""
        batch, seen = _FIRST_BATCH, 0
        while seen < budget:
            size = min(batch, budget - seen)
            rows = self.store.read("search.candidates", **self.params,
                                   after_at=after.published_at if after else None,
                                   after_id=after.id if after else None, limit=size).to_pylist()
            yield from rows
            seen += len(rows)
            if len(rows) < size:
                return
            after = Position(rows[-1]["published_at"], str(rows[-1]["id"]))
            batch = min(batch * 2, _MAX_BATCH)

    def page(self, after: Position | None, want: int) -> tuple[list[SearchHit], Position | None, int, bool]:
        """Decide candidates after ``after`` until ``want`` hits or :data:`SCAN_LIMIT` candidates:
        (hits, the last candidate decided, candidates decided, whether none are left)."""
        hits: list[SearchHit] = []
        scanned = 0
        for row in self.rows(after, SCAN_LIMIT + 1):
            if scanned == SCAN_LIMIT:
                return hits, after, scanned, False  # there is more
            scanned += 1
            after = Position(row["published_at"], str(row["id"]))
            hit = _decide(self.matcher, self.node, self.wanted, row)
            if hit is not None:
                hits.append(hit)
                if len(hits) >= want:
                    return hits, after, scanned, False
        return hits, after, scanned, True

    def matches(self, budget: int) -> int:
        """How many of the first ``budget`` candidates match."""
        n = 0
        for row in self.rows(None, budget):
            fields = scan_fields(self.matcher, row["title"], row["text"] or "", row["captions"] or ())
            n += self.node.matches(field_hits(fields))
        return n

    def count(self) -> int:
        return int(self.store.read("search.count_candidates", **self.params).column("n")[0].as_py())


def search(store: Store, query: str, filters: ListFilter | None = None, *, limit: int = 20,
           cursor: str | None = None, with_total: bool = False, new_since: datetime | None = None) -> SearchPage:
    """One page of the documents matching ``query`` (watchlist syntax) with ``filters``, newest
    first; ``cursor``: the ``next`` of the page before. ``new_since``: only documents stored by a
    run that started at or after it, or was still running then (:func:`new_matches`)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}", "page with the `next` cursor")
    flt = filters or ListFilter()
    run = _Search(store, query, flt, new_since)
    after = _decode(cursor, run.key) if cursor else None
    hits, last, scanned, done = run.page(after, limit)
    notes: list[str] = []
    if not done and len(hits) < limit:
        notes.append(f"decided {scanned:,} candidates without filling the page; the next page goes on from there")
    total = candidates = None
    if with_total:
        candidates = run.count()
        if after is None and done:
            total = len(hits)
        elif candidates <= TOTAL_LIMIT:
            total = run.matches(candidates)
        else:
            notes.append(f"{candidates:,} candidates: too many to count the matches exactly (at most "
                         f"{TOTAL_LIMIT:,}); narrow the filters for a total")
    unindexed = None
    if cursor is None:
        status = store.read("search.index_status", version=INDEX_VERSION).to_pylist()[0]
        unindexed = max(0, int(status["documents"]) - int(status["indexed"]))
        if unindexed:
            notes.append(f"{unindexed:,} stored documents are not in the search index and were not searched: "
                         "run `limelight search --reindex`")
    nxt = None if done or last is None else _encode(last, run.key)
    return SearchPage(query, tuple(hits), nxt, total, candidates, scanned, unindexed, tuple(notes))


def reindex(store: Store, *, everything: bool = False, batch_size: int = 500,
            on_progress: Callable[[int], None] | None = None) -> int:
    """Index the stored documents the search index lacks (stored before it, or under an older
    version of its words), or with ``everything`` every document again. Returns the documents indexed."""
    done = 0
    after = ""
    while True:
        if everything:
            ids = [str(v) for v in store.read("core.document_ids_after", after=after, limit=batch_size)
                   .column(0).to_pylist()]
        else:
            ids = [str(v) for v in store.read("search.unindexed", version=INDEX_VERSION, after=after,
                                              limit=batch_size).column(0).to_pylist()]
        if not ids:
            return done
        done += store.reindex_search(ids)
        after = ids[-1]
        if on_progress is not None:
            on_progress(done)


def catch_up(store: Store, on_progress: Callable[[int, int], None] | None = None) -> int:
    """Index what the search index lacks, when it lacks anything: a store made before the index
    (migration 7) or under an older version of its words is indexed once, by the next ingest;
    afterwards this costs two counts. ``on_progress(done, missing)``. Returns the documents indexed."""
    status = store.read("search.index_status", version=INDEX_VERSION).to_pylist()[0]
    missing = int(status["documents"]) - int(status["indexed"])
    if missing <= 0:
        return 0
    return reindex(store, on_progress=(lambda done: on_progress(done, missing)) if on_progress else None)


# -- saved searches ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SavedSearch:
    name: str
    query: str
    filters: dict[str, Any]  # the filter values as given (limelight.listing.FILTERS names)
    created_at: datetime
    last_seen_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "query": self.query, "filters": dict(self.filters),
                "created_at": self.created_at.isoformat(),
                "last_seen_at": self.last_seen_at.isoformat() if self.last_seen_at else None}


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > _MAX_NAME or any(not c.isprintable() for c in name):
        raise UsageError(f"a saved search needs a name of 1 to {_MAX_NAME} printable characters, not {name!r}")
    return name


def save(store: Store, name: str, query: str, filters: Mapping[str, Any], watchlist: Watchlist) -> SavedSearch:
    """Save (or replace) the search ``name``: its query and filter values, both checked now (a bad
    one fails here, not at the next alert). Its matches so far count as seen."""
    name = _check_name(name)
    parse(query)
    values = {k: v for k, v in filters.items() if v not in (None, "", [], ())}
    parse_filter(values, watchlist)
    now = datetime.now(UTC)
    store.save_search(name, query, values, now)
    return SavedSearch(name, query, values, now, now)


def _saved(row: Mapping[str, Any]) -> SavedSearch:
    return SavedSearch(str(row["name"]), str(row["query"]), json.loads(row["filters"] or "{}"),
                       row["created_at"], row["last_seen_at"])


def saved(store: Store) -> list[SavedSearch]:
    """Every saved search, by name."""
    return [_saved(r) for r in store.read("search.saved").to_pylist()]


def get_saved(store: Store, name: str) -> SavedSearch:
    rows = store.read("search.saved", saved_name=name).to_pylist()
    if not rows:
        names = [s.name for s in saved(store)]
        raise UsageError(f"no saved search named {name!r}",
                         f"saved searches: {', '.join(names)}" if names else "save one with `limelight search "
                         "QUERY --save NAME`")
    return _saved(rows[0])


def delete(store: Store, name: str) -> bool:
    """Forget the saved search ``name``; False when there was none."""
    return store.delete_search(name)


def run_saved(store: Store, name: str, watchlist: Watchlist, *, new_only: bool = False, limit: int = 20,
              cursor: str | None = None, with_total: bool = False, default_timezone: str = "UTC") -> SearchPage:
    """A page of the saved search ``name``'s matches (only those stored since it was last seen,
    with ``new_only``)."""
    entry = get_saved(store, name)
    flt = parse_filter(entry.filters, watchlist, default_timezone=default_timezone)
    since = entry.last_seen_at if new_only else None
    return search(store, entry.query, flt, limit=limit, cursor=cursor, with_total=with_total, new_since=since)


def new_matches(store: Store, name: str, watchlist: Watchlist, *, limit: int = MAX_LIMIT,
                default_timezone: str = "UTC") -> SearchPage:
    """The first page of matches of the saved search ``name`` stored since it was last seen (the
    alerts' question; call :func:`mark_seen` after acting on them). A document from a run that was
    still going when the search was last seen is counted again rather than missed."""
    return run_saved(store, name, watchlist, new_only=True, limit=limit, with_total=True,
                     default_timezone=default_timezone)


def mark_seen(store: Store, name: str, at: datetime | None = None) -> None:
    """Record that the saved search ``name``'s matches were looked at up to ``at`` (default now)."""
    get_saved(store, name)
    store.mark_search_seen(name, at or datetime.now(UTC))
