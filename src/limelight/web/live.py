"""The project a running server answers from, reopened when its settings or watchlist change.

``limelight serve`` runs for days while people edit ``limelight.toml`` and the watchlist. Each
request asks :meth:`LiveProject.current`, which looks at the files (their ``mtime_ns`` and size:
one ``stat`` each) at most once per ``interval`` seconds and reopens the project when either
changed. An edit that does not load (a TOML syntax error, an unknown key) keeps the last good
project serving: every answer then says what is wrong (:attr:`LiveProject.error`: a note in the
JSON answers, an ``X-Limelight-Config-Error`` header, a banner on the pages) until the file is fixed.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from starlette.requests import Request

from limelight.errors import LimelightError
from limelight.project import CONFIG_NAME, WATCHLIST_NAME, Project
from limelight.web.security import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

Signature = tuple[tuple[int, int] | None, ...]


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None  # a watchlist created later is a change too
    return st.st_mtime_ns, st.st_size


class LiveProject:
    """The current :class:`Project` of a folder; :attr:`epoch` counts the reloads (so answers
    cached under one watchlist are not served under the next)."""

    def __init__(self, project: Project, *, interval: float = 1.0) -> None:
        self.root = project.root
        self.interval = interval
        self.error: str | None = None
        self.epoch = 0
        self._project = project
        self._paths = (project.root / CONFIG_NAME, project.root / WATCHLIST_NAME)
        self._signature = self._sign()
        self._checked = time.monotonic()
        self._lock = threading.Lock()

    def _sign(self) -> Signature:
        return tuple(_stat(p) for p in self._paths)

    def current(self) -> Project:
        """The project, reopened first if a file changed since the last look (a broken edit:
        the one before, with :attr:`error` set)."""
        if time.monotonic() - self._checked < self.interval:
            return self._project
        with self._lock:  # one request reloads; the others wait for it rather than load too
            if time.monotonic() - self._checked < self.interval:
                return self._project
            signature = self._sign()
            self._checked = time.monotonic()
            if signature != self._signature:
                self._signature = signature
                self._reload()
            return self._project

    def _reload(self) -> None:
        try:
            project = Project.open(self.root)
        except LimelightError as exc:
            self.error = f"{exc.message}: still serving the settings and watchlist loaded before"
            if exc.hint:
                self.error += f" ({exc.hint})"
            log.warning("limelight.toml or the watchlist changed and does not load: %s", exc.message)
            return
        self._project = project
        self.epoch += 1
        self.error = None
        log.info("reloaded %s: %d watched entities", self.root, len(project.watchlist))


def project(request: Request) -> Project:
    """The project this request is answered from: looked up once, so that a reload in the middle
    of a request cannot give it two watchlists."""
    got: Project | None = getattr(request.state, "limelight_project", None)
    if got is None:
        live: LiveProject | None = getattr(request.app.state, "live", None)
        # An app assembled by hand (a test including one router) may only set a fixed project.
        got = live.current() if live is not None else request.app.state.project
        request.state.limelight_project = got
    return got


def error(request: Request) -> str | None:
    """Why the settings or watchlist on disk are not the ones served, if they are not."""
    live: LiveProject | None = getattr(request.app.state, "live", None)
    return live.error if live is not None else None


def notes(request: Request) -> list[str]:
    """The note every JSON answer carries while a broken edit is not served."""
    problem = error(request)
    return [problem] if problem else []


HEADER = b"x-limelight-config-error"


class ConfigErrorHeader:
    """ASGI middleware: while an edit does not load, every HTTP response says so in a header too
    (for answers without ``notes``: errors, exports, pages fetched by scripts)."""

    def __init__(self, app: ASGIApp, live: LiveProject) -> None:
        self.app = app
        self.live = live

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            problem = self.live.error
            if message["type"] == "http.response.start" and problem:
                # Header values are Latin-1 on the wire: a path or message in another script is escaped.
                value = problem.encode("ascii", "backslashreplace").replace(b"\r", b" ").replace(b"\n", b" ")
                message["headers"] = [*message.get("headers", []), (HEADER, value)]
            await send(message)

        await self.app(scope, receive, send_with_header)
