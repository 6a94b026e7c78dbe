"""``limelight serve``: run the web app with uvicorn, on this machine only unless a token is set.

The app binds 127.0.0.1 by default. Any other address (0.0.0.0, a LAN address, a host name) serves
the project's articles, posts and watchlist to other machines, so it needs a token: without one
:func:`check_bind` refuses with a :class:`~limelight.errors.UsageError` that says what to do.
"""

from __future__ import annotations

import threading
from pathlib import Path

from limelight.errors import UsageError
from limelight.project import Project

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
KEEP_ALIVE = 30  # seconds an idle HTTP connection is kept open


def check_bind(host: str, token: str | None) -> None:
    """Refuse a non-local ``host`` without a token (and an empty token anywhere)."""
    if token is not None and not token.strip():
        raise UsageError("the token is empty", "pass a long random string: --token $(openssl rand -hex 16)")
    if host not in LOCAL_HOSTS and not token:
        raise UsageError(
            f"binding to {host} would serve this project to other machines without a token",
            "bind 127.0.0.1 (the default), or pass --token T (or set LIMELIGHT_TOKEN): every request then "
            "needs Authorization: Bearer T")


def serve(project: Project | Path | str = ".", *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          token: str | None = None, log_level: str = "info", watch: bool = False) -> None:
    """Serve the project's JSON API (and its pages) until interrupted; with ``watch`` the watcher
    (:func:`limelight.watch.watch`) runs in a thread of this process, holding the store's writer,
    and the app reads through its read service."""
    check_bind(host, token)
    import uvicorn

    from limelight.workers import for_a_long_run

    for_a_long_run()

    from limelight.web.app import create_app

    proj = project if isinstance(project, Project) else Project.open(project)
    # Without a token only this machine's host names are answered (no DNS rebinding); with one,
    # whatever name the machine is reached by.
    hosts = None if token else (*LOCAL_HOSTS, host)
    app = create_app(proj, token=token, hosts=hosts)
    # server_header off: the Server header says nothing about what runs here
    stop = threading.Event()
    watcher = None
    if watch:
        from limelight.watch import watch as run_watch

        watcher = threading.Thread(target=run_watch, args=(proj,), kwargs={"stop": stop}, name="limelight-watch",
                                   daemon=True)
        watcher.start()
    try:
        # timeout_keep_alive above the clients' own idle expiry (httpx: 5 s, as uvicorn's default):
        # with equal timers the server may close an idle connection just as a client reuses it,
        # and that request fails without an answer.
        uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False, proxy_headers=False,
                    timeout_keep_alive=KEEP_ALIVE)
    finally:
        stop.set()
        if watcher is not None:
            watcher.join(60)  # let a cycle finish its transaction and close the store
