"""Security headers on every response, and the access token when one is set.

Article text, titles, posts and entity names are untrusted, so every response says how a browser
may treat it: a strict Content-Security-Policy (scripts and everything else only from this
server, no inline scripts, no plugins, no framing, no <base>), ``X-Content-Type-Options: nosniff``
(a JSON or CSV answer is never run as a script or page) and ``Referrer-Policy: no-referrer`` (a
link out to an article does not tell its site what was being looked at).

With a token (``limelight serve --token T``) every request needs ``Authorization: Bearer T``, or
``?token=T`` for a page a browser opens; anything else is a 401, headers included. The token is
compared in constant time.

Without a token the app serves this machine only, and then takes only requests whose ``Host`` is
this machine's (``hosts``): a web page elsewhere that points its own name at 127.0.0.1 (DNS
rebinding) would otherwise read the API through the user's browser.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
                           "frame-ancestors 'none'; form-action 'self'")
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode("ascii")),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class Security:
    """ASGI middleware: the headers on every HTTP response, and the token check."""

    def __init__(self, app: ASGIApp, token: str | None = None, hosts: tuple[str, ...] | None = None) -> None:
        self.app = app
        self.token = token.encode("utf-8") if token else None
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in HEADERS if h[0] not in names)]
            await send(message)

        if self.hosts is not None and _host(scope) not in self.hosts:
            await _refuse(send_with_headers, 400, {"error": "this server answers requests for this machine only",
                                                   "allowed": list(self.hosts)})
            return
        if self.token is not None and not self._allowed(scope):
            await _refuse(send_with_headers, 401, {
                "error": "this server needs its access token", "allowed": [],
                "hint": "send Authorization: Bearer TOKEN (or ?token=TOKEN in a browser)"},
                [(b"www-authenticate", b'Bearer realm="limelight"')])
            return
        await self.app(scope, receive, send_with_headers)

    def _allowed(self, scope: Scope) -> bool:
        assert self.token is not None
        for name, value in scope.get("headers", []):
            if name.lower() == b"authorization":
                kind, _, given = value.partition(b" ")
                if kind.lower() == b"bearer" and hmac.compare_digest(given.strip(), self.token):
                    return True
        query = scope.get("query_string", b"").decode("latin-1")
        for name, value in parse_qsl(query, keep_blank_values=True):
            if name == "token" and hmac.compare_digest(value.encode("utf-8"), self.token):
                return True
        return False


def _host(scope: Scope) -> str:
    """The request's Host header without its port (``[::1]:8000`` → ``::1``)."""
    for name, value in scope.get("headers", []):
        if name.lower() == b"host":
            host = value.decode("latin-1").strip().lower()
            if host.startswith("["):
                return host[1:].split("]", 1)[0]
            return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return ""


async def _refuse(send: Send, status: int, body: dict[str, Any],
                  headers: list[tuple[bytes, bytes]] | None = None) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": data})
