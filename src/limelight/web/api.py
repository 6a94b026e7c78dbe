"""The JSON API under ``/api``: every number a page shows, from the library API.

Each endpoint parses its query parameters (:mod:`limelight.web.filters`, a bad one is a 400),
calls :mod:`limelight.api` and renders plain data. Analyses answer
``{"analysis", "title", "timezone", "options", "notes", "undated_documents", "rows", "documents"}``:
the analysis' table as rows, dates ISO 8601, times in the report's time zone (stated in
``timezone``), and how many documents in scope have no date (they are in no period: the lists show
them, last). Lists answer ``{"timezone", "total", "undated", "limit", "next", "notes", "rows"}``
and page on with the opaque ``next`` cursor; ``/export`` streams every row, with no cap.

Each request opens the store read-only for as long as it reads (``Project.open_store``: through a
running writer's read service, else a short open of the file); an export opens it once per batch.
Every read-only answer but the exports' and the saved searches' (analyses, ``/entities``, the
lists, a document, alerts, search) is kept while the store's generation and the project stay the
same (:mod:`limelight.web.cache`); ``/spillover/matrix`` answers every ordered pair of
up to :data:`SPILLOVER_MAX` entities in one request.
"""

from __future__ import annotations

import bisect
import inspect
import json
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import pyarrow as pa
from fastapi import APIRouter, Query, Request

from limelight import api
from limelight.analyses.base import AnalysisResult
from limelight.exports_stream import EXPORT_FORMATS
from limelight.listing import FILTERS, ListFilter, Position, snippet
from limelight.project import Project
from limelight.registry import registry
from limelight.scope import LOCAL
from limelight.web import cursor, filters, live, streams
from limelight.web.cache import cached
from limelight.web.responses import JSON, plain, zone

router = APIRouter(prefix="/api", default_response_class=JSON)

FILTER_HELP: dict[str, str] = {
    "entity": "Only these watchlist entity ids (comma-separated or repeated): their mentions, or documents "
              "that mention them.",
    "since": "Only documents published on or after this day, YYYY-MM-DD (in the time zone).",
    "until": "Only documents published on or before this day, YYYY-MM-DD.",
    "language": "Only documents in these languages: ISO 639-1 codes, comma-separated (de,en).",
    "role": "Only mentions in these roles (documents: with such a mention): headline, lead, body, caption, "
            "quoted, speaking, audience.",
    "source": "Only these sources: an outlet's domain (reuters.com, with subdomains) or platform/handle "
              "(x/realDonaldTrump; weibo/* for a platform).",
    "platform": "Only sources on these platforms (web, x, weibo, ...); with source, both hold.",
    "kind": "Only documents of these kinds: article, post, livestream, press_release, transcript.",
    "undated": "Documents without a date: include (listed last, the default), only (just them) or exclude.",
    "timezone": "Time zone of days and times (IANA name, or 'local'); default: the project's report.timezone.",
}
PAGE_HELP = {
    "limit": f"Rows per page, 1 to {filters.PAGE_MAX} (default {filters.PAGE_DEFAULT}).",
    "next": "The `next` cursor of the page before (opaque; only with the same filters).",
}
FORMAT_HELP = {"format": "csv (formula cells neutralised), jsonl or parquet; default csv."}


def _signature(params: Mapping[str, str], path: Sequence[str] = ()) -> inspect.Signature:
    """The signature FastAPI reads an endpoint's parameters from: the request, path parameters,
    and each query parameter as an optional text with its help (the endpoint checks and types the
    values itself, so that a bad one is our 400, not a validation error)."""
    kind = inspect.Parameter.KEYWORD_ONLY
    parameters = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)]
    parameters += [inspect.Parameter(name, kind, annotation=str) for name in path]
    parameters += [inspect.Parameter(name, kind, default=Query(None, description=text), annotation=str | None)
                   for name, text in params.items()]
    return inspect.Signature(parameters)


def route(on: APIRouter, path: str, summary: str, description: str, params: Mapping[str, str], *,
          path_params: Sequence[str] = (), name: str | None = None, cache: bool = False
          ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A GET endpoint on router ``on`` whose query parameters (``params``: name → help) OpenAPI
    documents and whose handler checks and types itself (``handler(request, **_)``, reading
    :func:`limelight.web.filters.values`). For other routers too (search, pages). With ``cache``
    its answers are kept until the store or the project changes (:mod:`limelight.web.cache`):
    only for an answer that depends on nothing else."""
    def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
        endpoint: Any = cached(handler, _generation, _epoch) if cache else handler
        endpoint.__signature__ = _signature(params, path_params)
        on.add_api_route(path, endpoint, methods=["GET"], summary=summary, description=description,
                         name=name or handler.__name__, response_class=JSON)
        return handler

    return decorate


def _route(path: str, summary: str, description: str, params: Mapping[str, str], *,
           path_params: Sequence[str] = (), name: str | None = None, cache: bool = False
           ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return route(router, path, summary, description, params, path_params=path_params, name=name, cache=cache)


def _generation(request: Request) -> int | None:
    """The store's generation, from the app's probe (a few ``stat`` calls while nothing was
    written; :class:`limelight.api.GenerationProbe`)."""
    state = request.app.state
    probe: api.GenerationProbe | None = getattr(state, "generation_probe", None)
    if probe is None:
        probe = state.generation_probe = api.GenerationProbe()
    return probe(_project(request))


def _epoch(request: Request) -> Hashable:
    """What besides the store an answer depends on: the project as loaded (a reload gives new
    answers), and whether a broken edit's note is in it."""
    current: live.LiveProject | None = getattr(request.app.state, "live", None)
    return (current.epoch, current.error) if current is not None else None


def _project(request: Request) -> Project:
    return live.project(request)


def secret(request: Request) -> bytes:
    """The key cursors are signed with (an app assembled without :func:`create_app` gets one of
    its own on first use)."""
    state = request.app.state
    key: bytes | None = getattr(state, "cursor_secret", None)
    if key is None:
        key = state.cursor_secret = cursor.project_secret(_project(request))
    return key


def _timezone(flt: ListFilter) -> tuple[str, list[str]]:
    """The time zone an answer states, and a note when its times are UTC (``local``)."""
    zone_name = flt.scope.timezone
    if zone_name == LOCAL:
        return zone_name, ["times are in UTC; days are each publisher's own date (local)"]
    return zone_name, []


# -- the watchlist ------------------------------------------------------------------------------


@_route("/entities", "The watchlist, with each entity's volume in range",
        "Every watched entity (or those named by `entity`) with its id, kind, name, parent, aliases and "
        "accounts, and its mentions and documents with a date in the filters' range; documents without a "
        "date are counted apart (`undated_documents`), never on a day.",
        {k: FILTER_HELP[k] for k in FILTERS}, cache=True)
def entities(request: Request, **_: Any) -> JSON:
    project = _project(request)
    given = filters.values(request, FILTERS)
    flt = filters.list_filter(project, given)
    tz, notes = _timezone(flt)
    rows = api.entities(project, filters=flt)
    return JSON({"timezone": tz, "notes": [*live.notes(request), *flt.notes(), *notes], "rows": rows})


# -- analyses -----------------------------------------------------------------------------------

# (path, analysis, options the endpoint fixes, summary)
ANALYSIS_ENDPOINTS: tuple[tuple[str, str, dict[str, Any], str], ...] = (
    ("/visibility", "visibility", {}, "Visibility: counts over time and by role"),
    ("/share_of_voice", "share_of_voice", {}, "Share of voice against siblings and competitors"),
    ("/tone", "tone", {}, "Tone over time"),
    ("/storms", "storms", {}, "Media storms: windows of unusual negative coverage"),
    ("/spillover", "spillover", {}, "Spillover between two entities (lagged correlation, p-values)"),
    ("/withdrawal", "withdrawal", {}, "Withdrawal and cadence changes of watched accounts"),
    ("/copies", "copied_posts", {}, "Posts that copy official posts, per account"),
    ("/stories", "stories", {"view": "stories"}, "Stories: clusters across outlets and languages"),
    ("/lineage", "stories", {"view": "documents"}, "Lineage: each story document's chain from its origin"),
)


# Analyses whose rows are a list that grows with the corpus (one per story, one per story
# document), paged as the lists are: (the order of the rows as a sort key, default page size).
# The key is a keyset position, so a page boundary does not move when rows are added before it.
PAGED_ANALYSES: dict[str, tuple[Callable[[dict[str, Any]], tuple[Any, ...]], int]] = {
    "/stories": (lambda r: (-int(r["size"]), str(r["story_id"])), 200),
    "/lineage": (lambda r: (str(r["story_id"]), r["published_at"] is None,
                            "" if r["published_at"] is None else r["published_at"].isoformat(),
                            str(r["document_id"])), filters.PAGE_MAX),
}


def _analysis_endpoint(path: str, name: str, fixed: dict[str, Any], summary: str) -> None:
    analysis = registry.get("analysis", name)
    params = filters.analysis_parameters(analysis.options, fixed)
    helps = {o.name: o.help + (f" One of: {', '.join(o.choices)}." if o.choices else "")
             for o in analysis.options}
    helps["platform"] = FILTER_HELP["platform"]
    paged = PAGED_ANALYSES.get(path)
    description = analysis.description
    if paged is not None:
        helps["limit"] = f"Rows per page, 1 to {filters.PAGE_MAX} (default {paged[1]})."
        helps["next"] = PAGE_HELP["next"]
        description += (f" Paged like the lists: at most `limit` rows (default {paged[1]}), `total` rows in all, "
                        "and `next`, a cursor for the page after (null on the last).")

    def handler(request: Request, **_: Any) -> JSON:
        project = _project(request)
        names = (*params, "limit", "next") if paged is not None else params
        given = filters.values(request, names)
        options = filters.analysis_options(project, analysis.options, {k: given[k] for k in params}, fixed)
        result = api.analyze(name, project, **options)
        if paged is None:
            return _analysis_answer(request, project, analysis, result)
        return _paged_analysis_answer(request, project, analysis, result, path, given, paged)

    handler.__name__ = f"analysis_{path.strip('/')}"
    _route(path, summary, description, {p: helps[p] for p in (*params, *(("limit", "next") if paged else ()))},
           cache=True)(handler)


def _paged_analysis_answer(request: Request, project: Project, analysis: Any, result: AnalysisResult, path: str,
                           given: Mapping[str, str | None],
                           paged: tuple[Callable[[dict[str, Any]], tuple[Any, ...]], int]) -> JSON:
    """One page of an analysis' rows in ``paged``'s order, after the position in ``next`` (signed
    and bound to the endpoint and its options, like the lists' cursors)."""
    key, default = paged
    limit = filters.limit(given, default=default)
    binding = json.dumps(plain(result.options), sort_keys=True, default=str)
    rows = sorted(result.table.to_pylist(), key=key)
    start = 0
    if given.get("next") is not None:
        try:
            token = cursor.unsign(given["next"] or "", path, binding, secret(request))
            after = tuple(json.loads(token))
        except (cursor.CursorError, ValueError, TypeError) as exc:
            raise filters.ApiError(str(exc) if isinstance(exc, cursor.CursorError) else "the cursor is not one "
                                   "this server gave out", parameter="next",
                                   hint="use the `next` value of the page before, with the same options") from None
        start = bisect.bisect_right([key(r) for r in rows], after)
    page = rows[start:start + limit]
    more = start + limit < len(rows)
    nxt = cursor.sign(json.dumps(list(key(page[-1]))), path, binding, secret(request)) if more and page else None
    shown = replace(result, table=pa.Table.from_pylist(page, schema=result.table.schema))
    return _analysis_answer(request, project, analysis, shown, total=len(rows), limit=limit, next=nxt)


def _analysis_answer(request: Request, project: Project, analysis: Any, result: AnalysisResult,
                     **extra: Any) -> JSON:
    tz = str(result.options.get("timezone") or "UTC")
    notes = [*live.notes(request), *result.notes]
    if tz == LOCAL:
        notes.append("times are in UTC; days are each publisher's own date (local)")
    undated = _undated(project, result.options)
    if undated and not any("without a date" in note for note in notes):
        notes.append(f"{undated:,} document{'s' if undated != 1 else ''} in scope without a date "
                     f"{'are' if undated != 1 else 'is'} in no period (GET /api/documents lists them last)")
    where = zone(tz)
    return JSON({
        "analysis": result.name, "title": analysis.title, "timezone": tz,
        "options": plain(result.options, where), "notes": notes,
        "undated_documents": undated, **extra,
        "rows": [plain(r, where) for r in result.table.to_pylist()],
        "documents": dict(result.documents),
    })


def _undated(project: Project, options: Mapping[str, Any]) -> int:
    """Documents in the analysis' scope (its entity too, where it has one) that have no date."""
    values: dict[str, Any] = {k: options.get(k) for k in ("language", "source", "kind")}
    entity = options.get("entity")
    if entity and entity in {e.id for e in project.watchlist.entities}:
        values["entity"] = entity
    return api.list_count("documents", project, filters=values)[1]


for _path, _name, _fixed, _summary in ANALYSIS_ENDPOINTS:
    _analysis_endpoint(_path, _name, _fixed, _summary)


# Entities in one spillover matrix: n·(n−1) ordered pairs, each a surrogate test (5: 20 pairs).
SPILLOVER_MAX = 5


def _spillover_matrix_endpoint() -> None:
    analysis = registry.get("analysis", "spillover")
    fixed = {"a": None, "b": None}
    params = filters.analysis_parameters(analysis.options, fixed)
    helps = {o.name: o.help + (f" One of: {', '.join(o.choices)}." if o.choices else "")
             for o in analysis.options}
    helps["platform"] = FILTER_HELP["platform"]
    helps = {"entities": f"The watchlist entity ids, 2 to {SPILLOVER_MAX} (comma-separated or repeated): every "
                         "ordered pair of them is one A → B.", **{p: helps[p] for p in params}}

    def spillover_matrix(request: Request, **_: Any) -> JSON:
        project = _project(request)
        given = filters.values(request, tuple(helps))
        entities = _entities(project, given.get("entities"))
        options = filters.analysis_options(project, analysis.options,
                                           {k: v for k, v in given.items() if k != "entities"}, fixed)
        for name in fixed:
            options.pop(name, None)
        result = api.spillover_matrix(entities, project, **options)
        pairs = [[a, b] for a in entities for b in entities if a != b]
        return _analysis_answer(request, project, analysis, result, entities=entities, pairs=pairs)

    _route("/spillover/matrix", "Spillover between every ordered pair of entities, in one request",
           "The spillover analysis (as /api/spillover answers it for one pair) for each of the n·(n−1) ordered "
           "pairs of `entities`: their rows in one list, each naming its `a` and `b`, in the order of `pairs`. "
           "The day totals are read once and each A's surrogates drawn once, so the matrix costs far less "
           "than its pairs one by one. " + analysis.description, helps, cache=True)(spillover_matrix)


def _entities(project: Project, text: str | None) -> list[str]:
    ids = [e.id for e in project.watchlist.entities]
    wanted = list(dict.fromkeys(v.strip() for v in (text or "").split(",") if v.strip()))
    for value in wanted:
        if value not in ids:
            raise filters.ApiError(f"entity {value!r} is not in the watchlist", parameter="entities",
                                   allowed=ids or ["(the watchlist is empty)"])
    if not 2 <= len(wanted) <= SPILLOVER_MAX:
        raise filters.ApiError(f"entities must name 2 to {SPILLOVER_MAX} entities, not {len(wanted)}",
                               parameter="entities", allowed=ids,
                               hint="each ordered pair is a surrogate test: n entities are n·(n−1) pairs")
    return wanted


_spillover_matrix_endpoint()


# -- lists --------------------------------------------------------------------------------------

_LIST_PARAMS = (*FILTERS, "limit", "next")
_EXPORT_PARAMS = (*FILTERS, "format")


def _list(request: Request, what: str) -> JSON:
    project = _project(request)
    given = filters.values(request, _LIST_PARAMS)
    flt = filters.list_filter(project, given)
    limit = filters.limit(given)
    after = filters.position(given, what, flt, secret(request))
    got = api.list_page(what, project, filters=flt, after=after, limit=limit)
    tz, notes = _timezone(flt)
    where = zone(tz)
    rows = []
    for r in got.rows.to_pylist():
        if what == "documents":
            r["snippet"] = snippet(r.pop("text"))
            r["entities"] = got.entities.get(r["id"], [])
        rows.append(plain(r, where))
    if got.undated:
        notes.append(f"{got.undated:,} of these {what} are on documents without a date: listed last, "
                     "never counted for a day")
    nxt = cursor.encode(got.next, what, flt.key(), secret(request)) if got.next else None
    return JSON({"timezone": tz, "total": got.total, "undated": got.undated, "limit": limit, "next": nxt,
                 "notes": [*live.notes(request), *flt.notes(), *notes], "rows": rows})


def _export(request: Request, what: str) -> Any:
    project = _project(request)
    given = filters.values(request, _EXPORT_PARAMS)
    flt = filters.list_filter(project, given)
    fmt = filters.choice(given, "format", EXPORT_FORMATS, "csv")
    total, _ = api.list_count(what, project, filters=flt)
    return streams.download(api.export(what, project, fmt=fmt, filters=flt), what, total=total)


_LIST_DESCRIPTION = ("Newest first; documents without a date come last (published_at null) and are never put "
                     "on a day. Paginate with `limit` and the opaque `next` cursor; `total` counts every row "
                     "with these filters, `undated` those without a date. For every row at once, use /export.")


@_route("/documents", "Documents (list)", "Stored documents matching the filters, each with a snippet and the "
        "entities it mentions per role. " + _LIST_DESCRIPTION,
        {**{k: FILTER_HELP[k] for k in FILTERS}, **PAGE_HELP}, cache=True)
def documents(request: Request, **_: Any) -> JSON:
    return _list(request, "documents")


@_route("/documents/export", "Documents export (CSV, JSON Lines, Parquet; no row cap)",
        "Every document matching the filters, with its text, streamed at constant memory. The total is in "
        "the X-Total-Count header.", {**{k: FILTER_HELP[k] for k in FILTERS}, **FORMAT_HELP})
def documents_export(request: Request, **_: Any) -> Any:
    return _export(request, "documents")


@_route("/documents/{document_id}", "One document: text, captions, attribution, mentions with roles, links",
        "The stored document with its source and story, every mention (entity, role, sentence, span) in "
        "reading order, and its links out and in (duplicates, syndication, translations, attribution).",
        {"timezone": FILTER_HELP["timezone"]}, path_params=("document_id",), cache=True)
def document(request: Request, document_id: str, **_: Any) -> JSON:
    project = _project(request)
    given = filters.values(request, ("timezone",))
    flt = filters.list_filter(project, given)
    doc = api.document(document_id, project)
    if doc is None:
        raise filters.ApiError(f"no document {document_id!r}", parameter="document_id", status=404,
                               hint="document ids are in GET /api/documents")
    tz, notes = _timezone(flt)
    notes = [*live.notes(request), *notes]
    if doc.get("published_at") is None:
        notes.append("this document has no trustworthy date: it is counted in no period")
    return JSON({"timezone": tz, "notes": notes, "document": plain(doc, zone(tz))})


@_route("/mentions", "Mentions (list)", "Mentions matching the filters, with their entity, role, sentence and "
        "document. " + _LIST_DESCRIPTION, {**{k: FILTER_HELP[k] for k in FILTERS}, **PAGE_HELP}, cache=True)
def mentions(request: Request, **_: Any) -> JSON:
    return _list(request, "mentions")


@_route("/mentions/export", "Mentions export (CSV, JSON Lines, Parquet; no row cap)",
        "Every mention matching the filters, streamed at constant memory. The total is in the X-Total-Count "
        "header.", {**{k: FILTER_HELP[k] for k in FILTERS}, **FORMAT_HELP})
def mentions_export(request: Request, **_: Any) -> Any:
    return _export(request, "mentions")


# -- alerts -------------------------------------------------------------------------------------

_ALERT_PARAMS = ("entity", "since", "until", "timezone", "status", "severity", "limit", "next")
ALERT_HELP = {
    "status": "open or closed (default: both).",
    "severity": "Only these severities, comma-separated: info, warning, critical.",
}


@_route("/alerts", "Alerts",
        "The alerts the watcher (`limelight watch`) and `limelight alerts` stored (storms, silences, share "
        "shifts, saved searches...), newest change first, each with its evidence (top documents, the count "
        "against the usual, tone). `since` and `until` are days in the time zone, on the time the alert last "
        "changed. An empty list while no rule has fired. " + "Pages on with the opaque `next` cursor.",
        {**{k: FILTER_HELP[k] for k in ("entity", "since", "until", "timezone")}, **ALERT_HELP, **PAGE_HELP},
        cache=True)
def alerts(request: Request, **_: Any) -> JSON:
    import datetime as dt

    from limelight.alerts.model import SEVERITIES, STATUSES

    project = _project(request)
    given = filters.values(request, _ALERT_PARAMS)
    flt = filters.list_filter(project, {k: v for k, v in given.items() if k in ("entity", "since", "until",
                                                                                 "timezone")})
    limit = filters.limit(given)
    status = given.get("status")
    if status is not None and status not in STATUSES:
        raise filters.ApiError(f"no alert status {status!r}", parameter="status", allowed=list(STATUSES))
    severity_text = given.get("severity")
    severity = [v.strip() for v in severity_text.split(",") if v.strip()] if severity_text else None
    for value in severity or ():
        if value not in SEVERITIES:
            raise filters.ApiError(f"no alert severity {value!r}", parameter="severity", allowed=list(SEVERITIES))
    tz, notes = _timezone(flt)
    where = zone(tz) or dt.UTC

    def at(day: dt.date | None, shift: int = 0) -> dt.datetime | None:  # a day's start in the time zone
        return None if day is None else dt.datetime.combine(day + dt.timedelta(days=shift), dt.time(), where)

    binding = "\x1f".join((flt.key(), status or "", ",".join(severity or ())))
    after = None
    if given.get("next") is not None:
        try:
            pos = cursor.decode(given["next"] or "", "alerts", binding, secret(request))
        except cursor.CursorError as exc:
            raise filters.ApiError(str(exc), parameter="next",
                                   hint="use the `next` value of the page before, with the same filters") from None
        after = (pos.published_at, pos.id) if pos.published_at is not None else None
    chosen = dict(status=status, entity=list(flt.entities) or None, since=at(flt.scope.since),
                  until=at(flt.scope.until, 1), severity=severity)
    rows = api.alerts(project, **chosen, limit=limit + 1, after=after)  # type: ignore[arg-type]
    more = len(rows) > limit
    rows = rows[:limit]
    token = None
    if more:
        last = rows[-1]
        token = cursor.encode(Position(last.updated_at, last.id), "alerts", binding, secret(request))
    return JSON({"timezone": tz, "total": api.alert_count(project, **chosen),  # type: ignore[arg-type]
                 "undated": 0, "limit": limit, "next": token,
                 "notes": [*live.notes(request), *flt.notes(), *notes],
                 "rows": [_alert_row(a, zone(tz)) for a in rows]})


def _alert_row(alert: Any, where: Any) -> dict[str, Any]:
    """An alert as the API shows it: its times in the answer's time zone."""
    row = alert.to_dict()
    for name in ("opened_at", "updated_at", "closed_at"):
        row[name] = plain(getattr(alert, name), where)
    return row
