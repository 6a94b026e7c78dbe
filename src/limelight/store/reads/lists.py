"""Reads behind the lists of documents and mentions (the web API's lists and the uncapped exports,
:mod:`limelight.listing`), and one document with what hangs on it.

A list is read a page at a time with keyset pagination: newest first (``published_at DESC``),
documents without a date after every dated one (``NULLS LAST``), ties by id. A page starts after
the last row of the page before it, ``(after_at, after_id)``; ``after_id`` None is the first page,
``after_at`` None with an ``after_id`` is a position among the undated rows. Each page is its own
short read, so nothing holds the store between pages, and a million-row export is a series of
bounded reads, never one giant fetch.

The filters are the report :class:`~limelight.scope.Scope` (its one predicate,
:mod:`limelight.store.reads.scope`) plus three that lists add: ``entities`` (documents or mentions
of these entity ids), ``roles`` (mentions in these roles) and ``platforms`` (sources on these
platforms, lower-cased). An empty tuple does not narrow. Every value is a bound parameter; the
text depends only on which filters are set.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from limelight.scope import Scope
from limelight.store.reads import Query, read
from limelight.store.reads import scope as sc

# What a row of the documents list holds (the export's columns; the API's list leaves out the text).
_DOCUMENT_COLUMNS = """d.id, d.kind, d.published_at, d.language, s.platform, s.handle, s.name AS source_name,
       d.title, coalesce(d.url, d.canonical_url) AS url, d.author, d.content_type, d.likes, d.shares, d.comments,
       d.views, d.tone, d.tone_label, d.captions, d.attribution_url, d.text"""

_MENTION_COLUMNS = """m.id, m.document_id, m.entity_id, e.name AS entity_name, m.role, m.field, m.alias, m.surface,
       m.start, m."end", m.sentence, m.tone, m.tone_label, d.published_at, d.language, d.kind, s.platform,
       s.handle, coalesce(nullif(trim(d.title), ''), left(d.text, 80)) AS title,
       coalesce(d.url, d.canonical_url) AS url"""

_NEWEST_FIRST = "d.published_at DESC NULLS LAST"
_DOCUMENTS_FROM = "documents AS d JOIN sources AS s ON s.id = d.source_id"
_MENTIONS_FROM = "mentions AS m JOIN documents AS d ON d.id = m.document_id JOIN sources AS s ON s.id = d.source_id"


UNDATED = ("include", "only", "exclude")  # the lists' undated filter: with the dated rows, alone, or left out


def list_predicate(scope: Scope, entities: Sequence[str], roles: Sequence[str], platforms: Sequence[str],
                   params: dict[str, object], *, mention: str | None = None, without_date: str = "include") -> str:
    """The predicate over ``documents AS d`` joined with ``sources AS s`` (and, for a list of
    mentions, ``mentions AS m`` named by ``mention``): the scope and the list filters. ``without_date``
    (:data:`UNDATED`) keeps documents without a date, keeps only them, or leaves them out."""
    if without_date not in UNDATED:
        raise ValueError(f"without_date must be one of {', '.join(UNDATED)}, not {without_date!r}")
    parts = [sc.where(scope, params)]
    if without_date == "only":
        parts.append("d.published_at IS NULL")
    elif without_date == "exclude":
        parts.append("d.published_at IS NOT NULL")
    if platforms:
        params["platforms"] = [p.lower() for p in platforms]
        parts.append("list_contains(CAST($platforms AS VARCHAR[]), lower(s.platform))")
    if entities:
        params["entities"] = list(entities)
    if roles:
        params["roles"] = list(roles)
    if mention is not None:  # the mention itself must match
        if entities:
            parts.append(f"list_contains(CAST($entities AS VARCHAR[]), {mention}.entity_id)")
        if roles:
            parts.append(f"list_contains(CAST($roles AS VARCHAR[]), {mention}.role)")
    elif entities or roles:  # a document with at least one matching mention
        wanted = []
        if entities:
            wanted.append("list_contains(CAST($entities AS VARCHAR[]), f.entity_id)")
        if roles:
            wanted.append("list_contains(CAST($roles AS VARCHAR[]), f.role)")
        parts.append(f"d.id IN (SELECT f.document_id FROM mentions AS f WHERE {' AND '.join(wanted)})")
    return " AND ".join(parts)


def _page(columns: str, tables: str, key: str, mention: str | None, scope: Scope, entities: Sequence[str],
          roles: Sequence[str], platforms: Sequence[str], after_at: datetime | None, after_id: str | None,
          limit: int | None, without_date: str) -> Query:
    """The next ``limit`` rows (None: every row, for a streamed export) of ``tables`` with these
    filters after ``(after_at, after_id)``: newest document first, undated last, then by ``key``."""
    params: dict[str, object] = {}
    where = list_predicate(scope, entities, roles, platforms, params, mention=mention, without_date=without_date)
    after = keyset_after(after_at, after_id, key, params)
    bound = ""
    if limit is not None:
        params["limit"] = int(limit)
        bound = "\nLIMIT $limit"
    return Query(f"""
SELECT {columns}
FROM {tables}
WHERE {where} AND {after}
ORDER BY {_NEWEST_FIRST}, {key}{bound}""", params)


def _count(tables: str, scope: Scope, entities: Sequence[str], roles: Sequence[str], platforms: Sequence[str],
           mention: str | None, without_date: str) -> Query:
    """n, undated: the rows of ``tables`` (documents, or mentions named ``mention``) with these
    filters, and those on documents without a date."""
    params: dict[str, object] = {}
    where = list_predicate(scope, entities, roles, platforms, params, mention=mention, without_date=without_date)
    return Query(f"""
SELECT count(*) AS n, count(*) FILTER (WHERE d.published_at IS NULL) AS undated
FROM {tables}
WHERE {where}""", params)


def keyset_after(after_at: datetime | None, after_id: str | None, key: str, params: dict[str, object]) -> str:
    """The keyset predicate: rows after ``(after_at, after_id)`` in the list's order
    (``published_at DESC NULLS LAST``, then ``key`` ascending)."""
    if after_id is None:
        return "true"
    params["after_id"] = after_id
    if after_at is None:  # among the undated rows, which come last
        return f"(d.published_at IS NULL AND {key} > $after_id)"
    params["after_at"] = after_at
    return (f"(d.published_at < CAST($after_at AS TIMESTAMPTZ) OR (d.published_at = CAST($after_at AS TIMESTAMPTZ) "
            f"AND {key} > $after_id) OR d.published_at IS NULL)")


@read("lists.documents", tables=("documents", "sources", "mentions"))
def documents(*, scope: Scope, entities: Sequence[str], roles: Sequence[str], platforms: Sequence[str],
              after_at: datetime | None, after_id: str | None, limit: int | None,
              without_date: str = "include") -> Query:
    """id, kind, published_at, language, platform, handle, source_name, title, url, author,
    content_type, likes, shares, comments, views, tone, tone_label, captions, attribution_url, text:
    the next ``limit`` documents (None: all) in scope (with a mention of ``entities`` in ``roles``
    when given, from sources on ``platforms``; with or without those that have no date, as
    ``without_date`` says) after ``(after_at, after_id)``, newest first, undated last."""
    return _page(_DOCUMENT_COLUMNS, _DOCUMENTS_FROM, "d.id", None, scope, entities, roles, platforms, after_at,
                 after_id, limit, without_date)


@read("lists.documents_count", tables=("documents", "sources", "mentions"))
def documents_count(*, scope: Scope, entities: Sequence[str], roles: Sequence[str],
                    platforms: Sequence[str], without_date: str = "include") -> Query:
    """n, undated: how many documents ``lists.documents`` lists with these filters, and how many of
    them have no date (they are listed last and never counted for a day)."""
    return _count(_DOCUMENTS_FROM, scope, entities, roles, platforms, None, without_date)


@read("lists.mentions", tables=("mentions", "documents", "sources", "entities"))
def mentions(*, scope: Scope, entities: Sequence[str], roles: Sequence[str], platforms: Sequence[str],
             after_at: datetime | None, after_id: str | None, limit: int | None,
             without_date: str = "include") -> Query:
    """id, document_id, entity_id, entity_name, role, field, alias, surface, start, end, sentence,
    tone, tone_label, published_at, language, kind, platform, handle, title, url: the next ``limit``
    mentions (None: all; of ``entities``, in ``roles``, when given) on documents in scope from
    sources on ``platforms`` (with or without undated documents, as ``without_date`` says), after
    ``(after_at, after_id)``: newest document first, undated last, then by mention id."""
    return _page(_MENTION_COLUMNS, f"{_MENTIONS_FROM} LEFT JOIN entities AS e ON e.id = m.entity_id", "m.id", "m",
                 scope, entities, roles, platforms, after_at, after_id, limit, without_date)


@read("lists.mentions_count", tables=("mentions", "documents", "sources"))
def mentions_count(*, scope: Scope, entities: Sequence[str], roles: Sequence[str],
                   platforms: Sequence[str], without_date: str = "include") -> Query:
    """n, undated: how many mentions ``lists.mentions`` lists with these filters, and how many of
    them are on documents without a date."""
    return _count(_MENTIONS_FROM, scope, entities, roles, platforms, "m", without_date)


@read("lists.entity_volumes", tables=("mentions", "documents", "sources"))
def entity_volumes(*, scope: Scope, entities: Sequence[str], roles: Sequence[str],
                   platforms: Sequence[str], without_date: str = "include") -> Query:
    """entity_id, mentions, documents, undated: per entity of ``entities`` with at least one
    mention (in ``roles``, when given) on a document in scope from sources on ``platforms``: its
    mentions and documents with a date, and its documents without one (apart: they have no day)."""
    params: dict[str, object] = {}
    where = list_predicate(scope, entities, roles, platforms, params, mention="m", without_date=without_date)
    return Query(f"""
SELECT m.entity_id,
       count(*) FILTER (WHERE d.published_at IS NOT NULL) AS mentions,
       count(DISTINCT CASE WHEN d.published_at IS NOT NULL THEN m.document_id END) AS documents,
       count(DISTINCT CASE WHEN d.published_at IS NULL THEN m.document_id END) AS undated
FROM {_MENTIONS_FROM}
WHERE {where}
GROUP BY m.entity_id
ORDER BY m.entity_id""", params)


@read("lists.document_entities", tables=("mentions",))
def document_entities(*, ids: Sequence[str]) -> Query:
    """document_id, entity_id, role, n: the mentions of these documents counted per entity and role."""
    return Query("""
SELECT document_id, entity_id, role, count(*) AS n FROM mentions
WHERE document_id IN (SELECT unnest(CAST($ids AS VARCHAR[])))
GROUP BY document_id, entity_id, role
ORDER BY document_id, entity_id, role""", {"ids": list(ids)})


@read("lists.document_detail", tables=("documents", "sources", "stories"))
def document_detail(*, ids: Sequence[str]) -> Query:
    """Every stored field of these documents that a reader sees (text, captions, attribution,
    dates, engagement, tone), their source (platform, handle, source_name, official) and story
    (story_id, story_method; NULL before `limelight link`)."""
    return Query("""
SELECT d.id, d.kind, d.origin, d.title, d.text, d.captions, d.url, d.canonical_url, d.language,
       d.language_confidence, d.published_at, d.published_offset, d.date_source, d.author, d.attribution_url,
       d.attribution_text, d.fetched_at, d.content_type, d.platform_id, d.likes, d.shares, d.comments, d.views,
       d.tone, d.tone_label, s.platform, s.handle, s.name AS source_name, s.official,
       st.story_id, st.method AS story_method
FROM documents AS d JOIN sources AS s ON s.id = d.source_id
LEFT JOIN stories AS st ON st.document_id = d.id
WHERE d.id IN (SELECT unnest(CAST($ids AS VARCHAR[])))
ORDER BY d.id""", {"ids": list(ids)})


@read("lists.document_mentions", tables=("mentions", "entities"))
def document_mentions(*, ids: Sequence[str]) -> Query:
    """id, document_id, entity_id, entity_name, role, field, alias, surface, start, end,
    caption_index, sentence, tone, tone_label: every mention in these documents, in reading order
    (title, text, captions; then by position)."""
    return Query("""
SELECT m.id, m.document_id, m.entity_id, e.name AS entity_name, m.role, m.field, m.alias, m.surface, m.start,
       m."end", m.caption_index, m.sentence, m.tone, m.tone_label
FROM mentions AS m LEFT JOIN entities AS e ON e.id = m.entity_id
WHERE m.document_id IN (SELECT unnest(CAST($ids AS VARCHAR[])))
ORDER BY m.document_id, CASE m.field WHEN 'title' THEN 0 WHEN 'text' THEN 1 ELSE 2 END,
         m.caption_index NULLS FIRST, m.start, m.id""", {"ids": list(ids)})


@read("lists.document_links", tables=("links", "documents"))
def document_links(*, ids: Sequence[str]) -> Query:
    """direction (out, in), from_id, to_id, to_url, kind, score, evidence, other_title: the links from
    and to these documents; an attribution that names a stored page's URL gets that page's id (as
    the ``attributions`` view resolves it), and ``other_title`` is the other end's title (else the
    start of its text), NULL where it is not stored."""
    return Query("""
WITH wanted AS (SELECT unnest(CAST($ids AS VARCHAR[])) AS id),
-- the links that can concern these documents, picked before any attribution is resolved: the
-- resolution joins on two URL columns (an OR, so no hash join), which over every link of the
-- store took 6 s for one document at 100,000 (bench/web.py)
own_urls AS (
    SELECT d.canonical_url AS url FROM documents AS d
    WHERE d.id IN (SELECT id FROM wanted) AND d.canonical_url IS NOT NULL
    UNION
    SELECT d.url FROM documents AS d WHERE d.id IN (SELECT id FROM wanted) AND d.url IS NOT NULL
),
picked AS (
    SELECT l.from_id, l.to_id, l.to_url, l.kind, l.score, l.evidence FROM links AS l
    WHERE l.from_id IN (SELECT id FROM wanted) OR l.to_id IN (SELECT id FROM wanted)
       OR (l.to_id IS NULL AND l.kind = 'attribution' AND l.to_url IN (SELECT url FROM own_urls))
),
resolved AS (
    SELECT l.from_id, coalesce(l.to_id, t.id) AS to_id, l.to_url, l.kind, l.score, l.evidence
    FROM picked AS l
    LEFT JOIN documents AS t ON l.to_id IS NULL AND l.kind = 'attribution'
                            AND (t.canonical_url = l.to_url OR t.url = l.to_url)
    WHERE l.from_id IN (SELECT id FROM wanted) OR coalesce(l.to_id, t.id) IN (SELECT id FROM wanted)
),
sided AS (
    SELECT CASE WHEN r.from_id IN (SELECT id FROM wanted) THEN 'out' ELSE 'in' END AS direction, r.*
    FROM resolved AS r
)
SELECT x.direction, x.from_id, x.to_id, x.to_url, x.kind, x.score, x.evidence,
       coalesce(nullif(trim(o.title), ''), left(o.text, 80)) AS other_title
FROM sided AS x
LEFT JOIN documents AS o ON o.id = CASE WHEN x.direction = 'out' THEN x.to_id ELSE x.from_id END
ORDER BY x.direction DESC, x.kind, x.score DESC, x.to_id NULLS LAST, x.from_id, x.to_url, x.evidence""",
                 {"ids": list(ids)})
