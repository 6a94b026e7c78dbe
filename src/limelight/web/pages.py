"""The dashboard's HTML pages: server-rendered frames, charts drawn in the browser from the JSON API.

Each page is a Jinja2 template (``templates/``, autoescaped: titles, texts and entity names are
untrusted) with the filter bar, the project's time zone stated, and empty figures that
``static/limelight.js`` fills from ``/api/...`` with Apache ECharts (``static/vendor/echarts``):
every number a page shows comes from a documented endpoint. A page's own data travels in
``data-*`` attributes of ``<main id="page">``, never in an inline script, so the app's
Content-Security-Policy (no inline scripts, styles or handlers) holds. The document page is the
exception that proves the rule: it has no chart, so its text is rendered here, escaped.

The filters (since, until, language, source, role, platform, kind, the period length ``by`` and
``timezone``) live in the URL's query string, and every link between pages keeps them, so a view
can be bookmarked and shared. A bad filter value renders the page with the API's message (400)
instead of charts that would each fail the same way.

The app mounts :data:`router` and serves :data:`STATIC_DIR` at ``/static``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from limelight import __version__, api
from limelight.errors import LimelightError, StoreBusy
from limelight.listing import FILTERS, BadFilter
from limelight.models import MENTION_ROLES, Entity
from limelight.project import Project
from limelight.scope import DOCUMENT_KINDS, LOCAL
from limelight.web import live
from limelight.web.api import SPILLOVER_MAX
from limelight.web.responses import plain, zone

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

router = APIRouter(include_in_schema=False)

# What every page keeps in its links and hands to the API: the filter bar, the period, the zone.
KEPT = ("since", "until", "language", "source", "role", "platform", "kind", "by", "timezone")
PERIODS = ("day", "week", "month")

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,  # every {{ value }} is HTML-escaped: titles, texts and names are untrusted
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# A time as the API writes it (ISO 8601, already in the page's zone), to the minute: "2024-03-21 06:00".
_env.filters["when"] = lambda value: str(value)[:16].replace("T", " ") if value else ""


class PageError(Exception):
    """A page that cannot be shown as asked: the status and what to tell the reader."""

    def __init__(self, status: int, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.hint = hint


def _project(request: Request) -> Project:
    return live.project(request)


def _given(request: Request) -> dict[str, str]:
    """The kept query parameters that have a value (a repeated one joined with commas, as the API does)."""
    out: dict[str, str] = {}
    for name in (*KEPT, "token"):
        values = [v for v in request.query_params.getlist(name) if v.strip()]
        if values:
            out[name] = ",".join(values)
    return out


def _href(path: str, given: Mapping[str, str], **extra: str | None) -> str:
    """``path`` with the kept filters (and ``extra``) as its query string."""
    query = {**given, **{k: v for k, v in extra.items() if v}}
    return path + ("?" + urlencode(query) if query else "")


def _segment(value: str) -> str:
    return quote(value, safe="")


def _frame(request: Request, page: str, title: str) -> dict[str, Any]:
    """What every page's template needs: the filters as given, whether they are valid, the time zone
    and the navigation (links that keep the filters)."""
    project = _project(request)
    given = _given(request)
    error: dict[str, Any] | None = None
    timezone = str(project.settings["report.timezone"])
    try:
        flt = api.list_filter(project, {k: v for k, v in given.items() if k in FILTERS})
        timezone = flt.scope.timezone
    except BadFilter as exc:
        error = {"message": exc.message, "parameter": exc.parameter, "allowed": list(exc.allowed), "hint": exc.hint}
    by = given.get("by", "week")
    if by not in PERIODS and error is None:
        error = {"message": f"by must be one of {', '.join(PERIODS)}, not {by!r}", "parameter": "by",
                 "allowed": list(PERIODS), "hint": ""}
    entities = [{"id": e.id, "name": e.name, "kind": e.kind, "href": _href(f"/entity/{_segment(e.id)}", given)}
                for e in project.watchlist.entities]
    nav = [(name, label, _href(path, given)) for name, label, path in (
        ("overview", "Overview", "/"), ("stories", "Stories", "/stories"), ("spillover", "Spillover", "/spillover"),
        ("search", "Search", "/search"))]
    return {
        "page": page, "title": title, "project_name": project.root.name, "version": __version__,
        "config_error": live.error(request),
        "given": given, "error": error, "timezone": timezone, "local": timezone == LOCAL,
        "timezone_is_default": "timezone" not in given, "by": by if by in PERIODS else "week",
        "periods": PERIODS, "roles": MENTION_ROLES, "kinds": DOCUMENT_KINDS, "entities": entities, "nav": nav,
        "href": lambda path, **extra: _href(path, given, **extra), "data": {},
        # With an access token, the page's own files need it too (a browser sends no header for them).
        "asset_query": "?" + urlencode({"token": given["token"]}) if "token" in given else "",
    }


def _render(name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    if context.get("error") is not None and status == 200:
        status = 400
    return HTMLResponse(_env.get_template(name).render(**context), status_code=status)


def _error_page(request: Request, exc: PageError) -> HTMLResponse:
    context = _frame(request, "error", "Not found" if exc.status == 404 else "Error")
    context["problem"] = {"message": exc.message, "hint": exc.hint}
    return _render("error.html", context, exc.status)


def _entity(project: Project, entity_id: str) -> Entity:
    for entity in project.watchlist.entities:
        if entity.id == entity_id:
            return entity
    known = ", ".join(e.id for e in project.watchlist.entities) or "none"
    raise PageError(404, f"no entity {entity_id!r} in the watchlist", f"known ids: {known}")


def _share_focal(project: Project, entity: Entity) -> str | None:
    """The organisation whose share of voice the entity page shows: the entity itself when it has
    children or competitors, else its parent (the entity among its siblings), else none."""
    wl = project.watchlist
    if wl.children(entity.id) or entity.competitors:
        return entity.id
    if entity.parent and any(e.id == entity.parent for e in wl.entities):
        return entity.parent
    return None


# -- pages --------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> HTMLResponse:
    context = _frame(request, "overview", "Overview")
    return _render("overview.html", context)


@router.get("/entity/{entity_id}", response_class=HTMLResponse)
def entity_page(request: Request, entity_id: str) -> HTMLResponse:
    project = _project(request)
    try:
        entity = _entity(project, entity_id)
    except PageError as exc:
        return _error_page(request, exc)
    context = _frame(request, "entity", entity.name)
    wl = project.watchlist
    names = {e.id: e.name for e in wl.entities}
    given = context["given"]
    accounts: dict[tuple[str, str], dict[str, Any]] = {}
    for account in (*entity.accounts, *entity.official_accounts):  # an account listed twice is shown once
        path = f"/account/{_segment(entity.id)}/{_segment(account.platform)}/{_segment(account.handle)}"
        accounts.setdefault((account.platform, account.handle), {
            "platform": account.platform, "handle": account.handle,
            "official": account in entity.official_accounts, "href": _href(path, given)})
    context.update({
        "entity": entity,
        "parent": {"id": entity.parent, "name": names.get(entity.parent, entity.parent),
                   "href": _href(f"/entity/{_segment(entity.parent)}", given)} if entity.parent else None,
        "children": [{"id": c.id, "name": c.name, "href": _href(f"/entity/{_segment(c.id)}", given)}
                     for c in wl.children(entity.id)],
        "competitors": [{"id": c, "name": names.get(c, c), "href": _href(f"/entity/{_segment(c)}", given)}
                        for c in entity.competitors],
        "accounts": list(accounts.values()),
        "data": {"entity": entity.id, "share-entity": _share_focal(project, entity) or ""},
    })
    return _render("entity.html", context)


@router.get("/account/{entity_id}/{platform}/{handle:path}", response_class=HTMLResponse)
def account_page(request: Request, entity_id: str, platform: str, handle: str) -> HTMLResponse:
    project = _project(request)
    try:
        entity = _entity(project, entity_id)
        account = next((a for a in (*entity.accounts, *entity.official_accounts)
                        if a.platform.lower() == platform.lower() and a.handle.lower() == handle.lower()), None)
        if account is None:
            listed = ", ".join(f"{a.platform}/{a.handle}" for a in (*entity.accounts, *entity.official_accounts))
            raise PageError(404, f"{platform}/{handle} is not an account of {entity.id} in the watchlist",
                            f"its accounts: {listed or 'none'}")
    except PageError as exc:
        return _error_page(request, exc)
    context = _frame(request, "account", f"{account.platform}/{account.handle}")
    context.update({
        "entity": entity, "account": account,
        "official": account in entity.official_accounts,
        "entity_href": _href(f"/entity/{_segment(entity.id)}", context["given"]),
        "data": {"entity": entity.id, "platform": account.platform, "handle": account.handle},
    })
    return _render("account.html", context)


@router.get("/spillover", response_class=HTMLResponse)
def spillover_page(request: Request) -> HTMLResponse:
    project = _project(request)
    context = _frame(request, "spillover", "Spillover")
    ids = [e.id for e in project.watchlist.entities]
    wanted = [v.strip() for v in ",".join(request.query_params.getlist("entities")).split(",") if v.strip()]
    unknown = [v for v in wanted if v not in ids]
    if unknown and context["error"] is None:
        context["error"] = {"message": f"entity {unknown[0]!r} is not in the watchlist", "parameter": "entities",
                            "allowed": ids, "hint": ""}
    chosen = [v for v in dict.fromkeys(wanted) if v in ids] or _spillover_default(project)
    if len(chosen) > SPILLOVER_MAX and context["error"] is None:
        context["error"] = {"message": f"at most {SPILLOVER_MAX} entities at once, not {len(chosen)}",
                            "parameter": "entities", "allowed": [], "hint": "each ordered pair is a surrogate test"}
    chosen = chosen[:SPILLOVER_MAX]
    max_lag = _small_int(request, "max_lag", 7, 1, 30, context)
    permutations = _small_int(request, "permutations", 199, 19, 999, context)
    spill = {"entities": ",".join(chosen), "max_lag": str(max_lag), "permutations": str(permutations)}
    context["given"] = {**context["given"], **spill}
    context.update({"chosen": chosen, "max_lag": max_lag, "permutations": permutations, "spillover_max": SPILLOVER_MAX,
                    "data": {"entities": ",".join(chosen), "max-lag": str(max_lag),
                             "permutations": str(permutations)}})
    return _render("spillover.html", context)


def _spillover_default(project: Project) -> list[str]:
    """Segments and people with a parent, and their parents: the pairs a spillover is looked for in."""
    wl = project.watchlist
    ids = [e.id for e in wl.entities]
    chosen = [e.id for e in wl.entities if e.parent in ids]
    chosen = [*dict.fromkeys([*(e.parent for e in wl.entities if e.id in chosen and e.parent), *chosen])]
    return (chosen or ids)[:min(SPILLOVER_MAX, 4)]


def _small_int(request: Request, name: str, default: int, lo: int, hi: int, context: dict[str, Any]) -> int:
    text = request.query_params.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = lo - 1
    if not lo <= value <= hi:
        if context["error"] is None:
            context["error"] = {"message": f"{name} must be a whole number from {lo} to {hi}, not {text!r}",
                                "parameter": name, "allowed": [f"{lo}..{hi}"], "hint": ""}
        return default
    return value


@router.get("/stories", response_class=HTMLResponse)
def stories_page(request: Request) -> HTMLResponse:
    context = _frame(request, "stories", "Stories")
    return _render("stories.html", context)


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request) -> HTMLResponse:
    context = _frame(request, "search", "Search")
    q = request.query_params.get("q", "")
    context.update({"q": q, "data": {"q": q}})
    return _render("search.html", context)


@router.get("/documents", response_class=HTMLResponse)
def documents_page(request: Request) -> HTMLResponse:
    """Every document with the filters, dated ones first and those without a date in a list apart."""
    context = _frame(request, "documents", "Documents")
    entity = request.query_params.get("entity", "")
    ids = [e.id for e in _project(request).watchlist.entities]
    if entity and entity not in ids and context["error"] is None:
        context["error"] = {"message": f"entity {entity!r} is not in the watchlist", "parameter": "entity",
                            "allowed": ids, "hint": ""}
    chosen = entity if entity in ids else ""
    context.update({"entity_filter": chosen, "data": {"entity": chosen}})
    return _render("documents.html", context)


@router.get("/document/{document_id}", response_class=HTMLResponse)
def document_page(request: Request, document_id: str) -> HTMLResponse:
    project = _project(request)
    context = _frame(request, "document", "Document")
    try:
        doc = api.document(document_id, project)
    except LimelightError as exc:
        return _error_page(request, PageError(503 if isinstance(exc, StoreBusy) else 400, exc.message, exc.hint))
    if doc is None:
        return _error_page(request, PageError(404, f"no document {document_id!r}",
                                              "documents are listed on /documents and found on /search"))
    tz = context["timezone"]
    shown = plain(doc, zone(tz))
    mentions = shown.get("mentions") or []
    by_field: dict[tuple[str, int | None], list[dict[str, Any]]] = {}
    for m in mentions:
        by_field.setdefault((m["field"], m.get("caption_index")), []).append(m)
    captions = shown.get("captions") or []
    given = context["given"]
    context.update({
        "title": doc.get("title") or f"{doc.get('kind', 'document')} {document_id}",
        "doc": shown,
        "source_url": safe_url(doc.get("url")),
        "canonical_url": safe_url(doc.get("canonical_url")),
        "attribution_url": safe_url(doc.get("attribution_url")),
        "title_parts": marked(doc.get("title") or "", by_field.get(("title", None), [])),
        "text_parts": marked(doc.get("text") or "", by_field.get(("text", None), [])),
        "caption_parts": [marked(c or "", by_field.get(("caption", i), [])) for i, c in enumerate(captions)],
        "mentions": [{**m, "href": _href(f"/entity/{_segment(m['entity_id'])}", given)} for m in mentions],
        "links": [{**link, "href": _href(f"/document/{_segment(other)}", given) if (other := _other(link, document_id))
                   else None, "other": other, "url": safe_url(link.get("to_url"))}
                  for link in shown.get("links") or []],
        "data": {"document": document_id},
    })
    return _render("document.html", context)


def _other(link: Mapping[str, Any], document_id: str) -> str | None:
    """The document at the other end of a link, if it is stored."""
    ends = [link.get("from_id"), link.get("to_id")]
    others = [e for e in ends if e and e != document_id]
    return str(others[0]) if others else None


def safe_url(url: Any) -> str | None:
    """``url`` when it is an http(s) address a link may point at; None for anything else
    (``javascript:``, ``data:``, relative paths): stored URLs come from untrusted pages."""
    if not isinstance(url, str):
        return None
    text = url.strip()
    if text.lower().startswith(("http://", "https://")) and not any(c in text for c in "\x00\r\n\t "):
        return text
    return None


def marked(text: str, spans: Sequence[Mapping[str, Any]]) -> list[tuple[str, Mapping[str, Any] | None]]:
    """``text`` cut into (piece, mention or None): the mentions' spans marked, in order; a span that
    overlaps one before it or lies outside the text is left unmarked (the text is never changed)."""
    out: list[tuple[str, Mapping[str, Any] | None]] = []
    pos = 0
    for m in sorted(spans, key=lambda m: (int(m.get("start") or 0), int(m.get("end") or 0))):
        start, end = int(m.get("start") or 0), int(m.get("end") or 0)
        if start < pos or end > len(text) or start >= end:
            continue
        if start > pos:
            out.append((text[pos:start], None))
        out.append((text[start:end], m))
        pos = end
    if pos < len(text) or not out:
        out.append((text[pos:], None))
    return out
