"""The search endpoints: ``/api/search`` and saved searches under ``/api/searches``.

A search takes the watchlist's query syntax (``q``: AND, OR, NOT, "phrases", NEAR/n, decided
exactly as a watchlist query: :mod:`limelight.search`), the list filters and ``limit`` / ``next``;
it answers ``{"query", "timezone", "total", "candidates", "limit", "next", "notes", "rows"}``, each
row a hit with its ``highlights`` (character offsets into the stored title, text or caption) and a
``snippet`` with its own ``snippet_highlights``; ``next`` is the search's cursor signed as the lists'
are (:func:`limelight.web.cursor.sign`), so an edited one is a 400. A query with a syntax error is a 400 naming the
column. Saving (POST, JSON body) and deleting a saved search write to the store, so they need it
free of another writer (DuckDB) or wait for it; a POST must be ``application/json``, which a page
from another site cannot send without this server agreeing (no CORS here).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from limelight import api
from limelight.listing import FILTERS, ListFilter
from limelight.search import MAX_LIMIT, SearchPage
from limelight.web import cursor, filters, live
from limelight.web.api import FILTER_HELP, route, secret
from limelight.web.filters import ApiError
from limelight.web.responses import JSON, plain, zone

router = APIRouter(prefix="/api", default_response_class=JSON)

_DEFAULT_LIMIT = 20
SEARCH_HELP = {
    "q": 'The query, as in watchlist queries: terms, "phrases", AND, OR, NOT, NEAR/n and (…); terms match '
         "like aliases (case, accents folded; whole words; Chinese without spaces).",
    **{k: FILTER_HELP[k] for k in FILTERS},
    "limit": f"Hits per page, 1 to {MAX_LIMIT} (default {_DEFAULT_LIMIT}).",
    "next": "The `next` cursor of the page before (opaque; only with the same query and filters).",
    "total": "true: also count every match (exact up to 5,000 candidates, else null with `candidates`).",
}
SAVED_HELP = {
    "new": "true: only matches stored since the saved search was last seen.",
    "limit": SEARCH_HELP["limit"], "next": SEARCH_HELP["next"], "total": SEARCH_HELP["total"],
}


def _route(path: str, summary: str, description: str, params: Mapping[str, str], *,
           path_params: Sequence[str] = (), name: str | None = None, cache: bool = False
           ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A GET endpoint on this router, documented and checked as in :mod:`limelight.web.api`; a
    search is kept in the answer cache (a saved search's run is not: ``new`` depends on when it
    was last seen)."""
    return route(router, path, summary, description, params, path_params=path_params, name=name, cache=cache)


def _flag(given: dict[str, str | None], name: str) -> bool:
    return filters.choice(given, name, ("true", "false"), "false") == "true"


def _cursor(request: Request, given: dict[str, str | None], what: str, binding: str) -> str | None:
    """The search's own cursor inside the signed ``next`` (a 400 naming ``next`` if it is not one
    this server gave for this query and these filters)."""
    token = given.get("next")
    if token is None:
        return None
    try:
        return cursor.unsign(token, what, binding, secret(request))
    except cursor.CursorError as exc:
        raise ApiError(str(exc), parameter="next",
                       hint="use the `next` value of the page before, with the same query and filters") from None


def _answer(request: Request, page: SearchPage, flt: ListFilter | None, limit: int, what: str,
            binding: str) -> JSON:
    timezone = flt.scope.timezone if flt is not None else "UTC"
    where = zone(timezone)
    rows = [plain({**hit.to_dict(), "published_at": hit.published_at}, where) for hit in page.hits]
    notes = [*live.notes(request), *(flt.notes() if flt is not None else ()), *page.notes]
    nxt = cursor.sign(page.next, what, binding, secret(request)) if page.next else None
    return JSON({"query": page.query, "timezone": timezone, "total": page.total, "candidates": page.candidates,
                 "unindexed": page.unindexed, "limit": limit, "next": nxt, "notes": notes, "rows": rows})


@_route("/search", "Search documents and posts (the watchlist's query syntax)",
        "Stored documents whose title, text or captions match `q`, decided exactly as a watchlist query "
        "decides them; newest first, documents without a date last. Each hit has its highlights and a "
        "snippet. Paginate with `limit` and the opaque `next`; a page may hold fewer hits than `limit` and "
        "still have a `next` when many candidates did not match.", SEARCH_HELP, cache=True)
def search(request: Request, **_: Any) -> JSON:
    project = live.project(request)
    given = filters.values(request, tuple(SEARCH_HELP))
    query = given.get("q")
    if not query:
        raise ApiError("q, the query, is missing", parameter="q", hint='e.g. q="Lei Jun" NEAR/5 Keynote')
    flt = filters.list_filter(project, given)
    limit = filters.limit(given, default=_DEFAULT_LIMIT, cap=MAX_LIMIT)
    binding = "\x1e".join((query, flt.key()))
    page = api.search(query, project, filters=flt, limit=limit, cursor=_cursor(request, given, "search", binding),
                      with_total=_flag(given, "total"))
    return _answer(request, page, flt, limit, "search", binding)


@router.get("/searches", summary="Saved searches", response_class=JSON)
def saved_searches(request: Request) -> JSON:
    """Every saved search: name, query, filters (the values given), created_at, last_seen_at."""
    filters.values(request, ())
    return JSON({"rows": [s.to_dict() for s in api.saved_searches(live.project(request))]})


@_route("/searches/{name}", "Run a saved search",
        "The saved search's matches, as /api/search answers; with new=true only those stored since it "
        "was last seen (what an alert asks).", SAVED_HELP, path_params=("name",), name="run_saved_search")
def run_saved(request: Request, name: str, **_: Any) -> JSON:
    project = live.project(request)
    given = filters.values(request, tuple(SAVED_HELP))
    limit = filters.limit(given, default=_DEFAULT_LIMIT, cap=MAX_LIMIT)
    new_only = _flag(given, "new")
    # The saved search's query and filters are inside its own cursor's key already; its name and
    # `new` are what the request says.
    binding = "\x1e".join((name, str(new_only)))
    page = api.run_saved_search(name, project, new_only=new_only, limit=limit,
                                cursor=_cursor(request, given, "saved search", binding),
                                with_total=_flag(given, "total"))
    return _answer(request, page, None, limit, "saved search", binding)


@router.post("/searches", summary="Save a search", status_code=201, response_class=JSON)
async def save_search(request: Request) -> JSON:
    """Save (or replace) a search from a JSON body ``{"name", "query", "filters": {...}}``; the query
    and the filter values are checked now. Its matches so far count as seen."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise ApiError("send the search as JSON (Content-Type: application/json)", status=415)
    try:
        body = await request.json()
    except ValueError:
        raise ApiError("the body is not JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not isinstance(body.get("query"), str):
        raise ApiError('the body must be {"name": "...", "query": "...", "filters": {...}}')
    given = body.get("filters") or {}
    if not isinstance(given, dict):
        raise ApiError("filters must be an object of filter values", parameter="filters", allowed=FILTERS)
    unknown = sorted(set(given) - set(FILTERS))
    if unknown:
        raise ApiError(f"unknown filter {unknown[0]!r}", parameter="filters", allowed=FILTERS)
    entry = api.save_search(body["name"], body["query"], live.project(request),
                            filters={k: v for k, v in given.items() if v is not None})
    return JSON(entry.to_dict(), status_code=201)


@router.delete("/searches/{name}", summary="Delete a saved search", status_code=204)
def delete_search(request: Request, name: str) -> Response:
    if not api.delete_saved_search(name, live.project(request)):
        raise ApiError(f"no saved search named {name!r}", status=404)
    return Response(status_code=204)
