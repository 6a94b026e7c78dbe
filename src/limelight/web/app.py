"""The FastAPI app over one project: routers, error answers, security, the OpenAPI docs.

``create_app(project)`` includes each router in :data:`ROUTERS` (a module with a ``router``):
the JSON API (:mod:`limelight.web.api`, under ``/api``), the full-text search
(:mod:`limelight.web.api_search`, ``/api/search``) and the HTML pages (:mod:`limelight.web.pages`).
A router module that ships files (``STATIC_DIR``, a folder) gets them served at ``/static``.

The OpenAPI schema is at ``/openapi.json`` and its reference at ``/docs``: a page rendered here,
without scripts, because FastAPI's Swagger UI loads scripts from a CDN and runs an inline one,
which the app's Content-Security-Policy forbids and an offline machine cannot fetch.

Errors are JSON ``{"error", "parameter", "allowed", "hint"}``: a bad filter and any library usage
or configuration error are 400s (never a 500), an unknown document a 404.
"""

from __future__ import annotations

import html
import importlib
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from limelight import __version__, api
from limelight.errors import LimelightError, StoreBusy
from limelight.listing import BadFilter
from limelight.project import Project
from limelight.web import cursor
from limelight.web.cache import AnswerCache
from limelight.web.filters import ApiError
from limelight.web.live import ConfigErrorHeader, LiveProject
from limelight.web.responses import error
from limelight.web.security import Security

# Routers, in order: each module has a ``router`` (fastapi.APIRouter); not-yet-written ones are skipped.
ROUTERS: tuple[str, ...] = ("limelight.web.api", "limelight.web.api_search", "limelight.web.pages")


def create_app(project: Project | Path | str, *, token: str | None = None,
               hosts: tuple[str, ...] | None = None, cursor_secret: bytes | None = None,
               reload_interval: float = 1.0, cache_bytes: int | None = None,
               stale_seconds: float | None = None) -> FastAPI:
    """The web app over ``project``. With ``token`` every request needs it; with ``hosts`` only
    requests for those host names are answered (see :mod:`limelight.web.security`);
    ``cursor_secret`` signs pagination cursors (by default the project's own, kept next to its
    store: :func:`limelight.web.cursor.project_secret`). limelight.toml and the watchlist are
    looked at every ``reload_interval`` seconds at most, and reloaded when they changed
    (:mod:`limelight.web.live`). The analyses' answers are kept in up to ``cache_bytes`` of memory
    (default ``web.cache_mb``; 0: none kept) while the store does not change, and for up to
    ``stale_seconds`` (default ``web.stale_seconds``) after it did (:mod:`limelight.web.cache`)."""
    proj = project if isinstance(project, Project) else Project.open(project)
    app = FastAPI(title="limelight", version=__version__, docs_url=None, redoc_url=None,
                  description=f"The JSON API over the limelight project {proj.root.name}: every number the "
                              "pages show. Times are in the project's report.timezone unless `timezone` is "
                              "given; every answer states its zone.")
    live = LiveProject(proj, interval=reload_interval)
    app.state.live = live
    if cache_bytes is None:
        cache_bytes = int(float(proj.settings["web.cache_mb"]) * 2**20)
    if stale_seconds is None:
        stale_seconds = float(proj.settings["web.stale_seconds"])
    app.state.answer_cache = AnswerCache(cache_bytes, stale_seconds=stale_seconds) if cache_bytes > 0 else None
    app.state.generation_probe = api.GenerationProbe()
    app.state.cursor_secret = cursor_secret or cursor.project_secret(proj)
    for name in ROUTERS:
        module = importlib.import_module(name)
        app.include_router(module.router)
        static = getattr(module, "STATIC_DIR", None)
        if static is not None:
            from starlette.staticfiles import StaticFiles

            app.mount("/static", StaticFiles(directory=static), name="static")
    _errors(app)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(reference_page(app.openapi()))

    # Outermost, around Starlette's own error middleware, so that a 500 gets the headers too.
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: Security(ConfigErrorHeader(build(), live),  # type: ignore[method-assign]
                                                  token=token, hosts=hosts)
    return app


def _errors(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return error(exc.status, exc.message, parameter=exc.parameter, allowed=exc.allowed, hint=exc.hint)

    @app.exception_handler(LimelightError)
    async def library_error(request: Request, exc: LimelightError) -> Response:
        if isinstance(exc, BadFilter):
            return error(400, exc.message, parameter=exc.parameter, allowed=exc.allowed, hint=exc.hint)
        if isinstance(exc, StoreBusy):
            # The server's state of the moment, not the request's fault: a client may ask again.
            busy = error(503, exc.message, hint=exc.hint)
            busy.headers["Retry-After"] = "1"
            return busy
        return error(400, exc.message, hint=exc.hint)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first: dict[str, Any] = exc.errors()[0] if exc.errors() else {}
        where = [str(p) for p in first.get("loc", ()) if p not in ("query", "path")]
        return error(400, str(first.get("msg", "bad request")), parameter=where[-1] if where else None)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404:
            message = f"nothing at {request.url.path}"
            return error(404, message, hint="the endpoints are listed at /docs")
        return error(exc.status_code, message)


def reference_page(schema: dict[str, Any]) -> str:
    """The OpenAPI schema as one HTML page: each endpoint, its summary and description, and its
    parameters. Everything is escaped; no scripts, no styles (the CSP allows neither inline)."""
    e = html.escape
    info = schema.get("info", {})
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{e(str(info.get('title', 'API')))} API</title></head><body>",
             f"<h1>{e(str(info.get('title', 'API')))} {e(str(info.get('version', '')))}</h1>",
             f"<p>{e(str(info.get('description', '')))}</p>",
             '<p>Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>']
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            parts.append(f"<h2 id=\"{e(op.get('operationId', path))}\"><code>{e(method.upper())} {e(path)}</code></h2>")
            parts.append(f"<p><strong>{e(op.get('summary', ''))}</strong></p>")
            if op.get("description"):
                parts.append(f"<p>{e(op['description'])}</p>")
            params = op.get("parameters", [])
            if params:
                parts.append("<table><thead><tr><th>parameter</th><th>in</th><th>what it does</th></tr></thead><tbody>")
                for p in params:
                    parts.append(f"<tr><td><code>{e(p.get('name', ''))}</code></td><td>{e(p.get('in', ''))}</td>"
                                 f"<td>{e(p.get('description', ''))}</td></tr>")
                parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)
