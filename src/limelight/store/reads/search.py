"""Reads of the full-text search (:mod:`limelight.search`): candidates by index words, the index's
state, saved searches.

A search's candidates are named by a *plan*, plain data made from the query tree
(:func:`limelight.search.candidate_plan`):

* ``["words", [[w, ...], ...]]``: documents holding, for each inner list, one of its words;
* ``["and", [plan, ...]]`` / ``["or", [plan, ...]]``: the intersection / union of the plans;
* ``None``: no narrowing (a query whose every branch needs a NOT, or a term with no word).

Each plan becomes one predicate over a ``search_index`` row (a document's word list):
``list_has_any(terms, $w0)`` per inner list, AND / OR as the plan says; PostgreSQL answers it from
the GIN index on ``terms`` (``terms && ...``, bitmap AND / OR). Every word is a bound parameter
(``$w0``, ``$w1``...): the statement's text depends only on the plan's shape, never on what was
searched for, so quotes, ``%``, ``_`` or ``;`` in a query are data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from limelight.scope import Scope
from limelight.store.reads import Query, read
from limelight.store.reads.lists import keyset_after, list_predicate

Plan = list[Any] | None

_TABLES = ("documents", "sources", "search_index", "mentions", "ingest_runs")
# Newest first; undated documents after every dated one; the id breaks ties (the keyset).
ORDER = "d.published_at DESC NULLS LAST, d.id"


def _set(plan: list[Any], params: dict[str, Any]) -> str:
    """``plan`` as a predicate over ``search_index`` (its ``terms``)."""
    kind, parts = plan[0], plan[1]
    if kind == "words":
        tests = []
        for alternatives in parts:
            name = f"w{len(params)}"
            params[name] = [str(w) for w in alternatives]
            tests.append(f"list_has_any(terms, CAST(${name} AS VARCHAR[]))")
        if not tests:
            raise ValueError("a words plan needs at least one word")
        body = tests
        op = " AND "
    elif kind in ("and", "or"):
        body = [_set(child, params) for child in parts]
        op = " OR " if kind == "or" else " AND "
    else:
        raise ValueError(f"unknown search plan node {kind!r}")
    if len(body) == 1:
        return body[0]
    return "(" + op.join(f"({b})" for b in body) + ")"


def _where(plan: Plan, scope: Scope, entities: Sequence[str], roles: Sequence[str], platforms: Sequence[str],
           new_since: datetime | None, params: dict[str, Any], without_date: str) -> tuple[str, str]:
    """(WITH clause, predicate over ``documents AS d`` joined with ``sources AS s``): the plan's
    candidates and the list filters (:mod:`limelight.store.reads.lists`, the same predicate)."""
    words: dict[str, Any] = {}
    with_ = ""
    parts = [list_predicate(scope, entities, roles, platforms, params, without_date=without_date)]
    if plan is not None:
        with_ = f"WITH c AS (SELECT document_id FROM search_index WHERE {_set(plan, words)}) "
        params.update(words)
        parts.append("d.id IN (SELECT document_id FROM c)")
    if new_since is not None:
        # Stored by a run that started at or after new_since, or was still going then (its later
        # batches were not visible yet): such a document may be reported twice, never missed.
        params["new_since"] = new_since
        parts.append("d.first_run_id IN (SELECT r.id FROM ingest_runs AS r WHERE r.started_at >= $new_since "
                     "OR r.status = 'running' OR r.finished_at >= $new_since)")
    return with_, " AND ".join(parts)


@read("search.candidates", tables=_TABLES)
def candidates(*, plan: Plan, scope: Scope, entities: Sequence[str], roles: Sequence[str],
               platforms: Sequence[str], new_since: datetime | None, after_at: datetime | None,
               after_id: str | None, limit: int, without_date: str = "include") -> Query:
    """id, published_at, kind, language, title, text, captions, url, platform, handle,
    source_name: the next ``limit`` candidates of a search (documents in ``plan`` that pass the
    list filters, stored since ``new_since`` when given) after ``(after_at, after_id)``, newest
    first, undated last, as :mod:`limelight.store.reads.lists` orders its lists."""
    params: dict[str, Any] = {"limit": int(limit)}
    with_, where = _where(plan, scope, entities, roles, platforms, new_since, params, without_date)
    after = keyset_after(after_at, after_id, "d.id", params)
    return Query(
        f"{with_}SELECT d.id, d.published_at, d.kind, d.language, d.title, d.text, d.captions, "
        "coalesce(d.url, d.canonical_url) AS url, s.platform, s.handle, s.name AS source_name "
        f"FROM documents AS d JOIN sources AS s ON s.id = d.source_id WHERE {where} AND {after} "
        f"ORDER BY {ORDER} LIMIT $limit", params)


@read("search.count_candidates", tables=_TABLES)
def count_candidates(*, plan: Plan, scope: Scope, entities: Sequence[str], roles: Sequence[str],
                     platforms: Sequence[str], new_since: datetime | None, without_date: str = "include") -> Query:
    """One row: n, the candidates of a search (an upper bound of its matches)."""
    params: dict[str, Any] = {}
    with_, where = _where(plan, scope, entities, roles, platforms, new_since, params, without_date)
    return Query(f"{with_}SELECT count(*) AS n FROM documents AS d JOIN sources AS s ON s.id = d.source_id "
                 f"WHERE {where}", params)


@read("search.index_status", tables=("documents", "search_index"))
def index_status(*, version: int) -> Query:
    """One row: documents, indexed (of them, those in the search index at ``version``)."""
    return Query("SELECT (SELECT count(*) FROM documents) AS documents, "
                 "(SELECT count(*) FROM search_index WHERE version = $version) AS indexed",
                 {"version": int(version)})


@read("search.unindexed", tables=("documents", "search_index"))
def unindexed(*, version: int, after: str, limit: int) -> Query:
    """id of the next ``limit`` documents after id ``after`` that are not in the search index at
    ``version``, in id order."""
    return Query("SELECT d.id FROM documents AS d WHERE d.id > $after AND NOT EXISTS ("
                 "SELECT 1 FROM search_index AS i WHERE i.document_id = d.id AND i.version = $version) "
                 "ORDER BY d.id LIMIT $limit", {"version": int(version), "after": after, "limit": int(limit)})


@read("search.saved", tables=("saved_searches",))
def saved(*, saved_name: str | None = None) -> Query:
    """name, query, filters (JSON text), created_at, last_seen_at of every saved search (or the
    one named ``saved_name``), by name."""
    if saved_name is None:
        return Query("SELECT name, query, filters, created_at, last_seen_at FROM saved_searches ORDER BY name")
    return Query("SELECT name, query, filters, created_at, last_seen_at FROM saved_searches WHERE name = $name",
                 {"name": saved_name})
