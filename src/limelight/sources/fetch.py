"""HTTP fetching for URL inputs, feeds and sitemaps (httpx).

One :class:`HttpFetcher` per run: a pooled client with the configured timeout, redirect limit and
User-Agent; bodies stream with a size cap (``ingest.max_bytes``, checked on the decoded bytes, so a
gzip bomb stops too); robots.txt is obeyed when ``fetch.respect_robots`` is on, cached per host.
Every failure is a :class:`FetchError` whose message says what happened in words.
"""

from __future__ import annotations

import threading
from http import HTTPStatus
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from limelight.settings import Settings
from limelight.sources.base import Fetcher, FetchError, FetchResult


def _seconds(value: float) -> str:
    return f"{value:g} s"


class HttpFetcher:
    """A callable ``url -> FetchResult`` that raises :class:`FetchError`."""

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        self.timeout = float(settings["fetch.timeout"])
        self.max_bytes = int(settings["ingest.max_bytes"])
        self.max_redirects = int(settings["fetch.max_redirects"])
        self.user_agent = str(settings["fetch.user_agent"])
        self.respect_robots = bool(settings["fetch.respect_robots"])
        self._client = httpx.Client(
            timeout=self.timeout,
            follow_redirects=True,
            max_redirects=self.max_redirects,
            headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate, br"},
            transport=transport,
        )
        self._robots: dict[str, RobotFileParser | None] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __call__(self, url: str) -> FetchResult:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise FetchError(url, "not an http(s) URL", "URLs start with http:// or https://")
        if self.respect_robots and not self.allowed(url):
            raise FetchError(
                url,
                "disallowed by robots.txt",
                "the site asks crawlers not to fetch this; set fetch.respect_robots = false "
                "only if you have permission",
            )
        return self._get(url)

    def _get(self, url: str) -> FetchResult:
        try:
            with self._client.stream("GET", url) as resp:
                if resp.status_code >= 400:
                    raise FetchError(
                        url,
                        f"HTTP {resp.status_code} {_phrase(resp)}".rstrip(),
                        _status_hint(resp.status_code),
                    )
                declared = resp.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    raise FetchError(
                        url,
                        f"too large: {int(declared):,} bytes (cap {self.max_bytes:,})",
                        "raise ingest.max_bytes to accept it",
                    )
                chunks: list[bytes] = []
                size = 0
                for chunk in resp.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FetchError(
                            url,
                            f"too large: more than {self.max_bytes:,} bytes",
                            "raise ingest.max_bytes to accept it",
                        )
                    chunks.append(chunk)
                return FetchResult(
                    url=str(resp.url),
                    status=resp.status_code,
                    content=b"".join(chunks),
                    content_type=resp.headers.get("Content-Type"),
                    headers=tuple(resp.headers.items()),
                )
        except httpx.TimeoutException:
            raise FetchError(
                url,
                f"timed out after {_seconds(self.timeout)}",
                "the server is slow or down; try later or raise fetch.timeout",
            ) from None
        except httpx.TooManyRedirects:
            raise FetchError(
                url,
                f"more than {self.max_redirects} redirects",
                "a redirect loop? raise fetch.max_redirects if the chain is real",
            ) from None
        except httpx.ConnectError as exc:
            raise FetchError(
                url, f"cannot connect ({_connect_reason(exc)})", "check the address and your network"
            ) from None
        except httpx.DecodingError as exc:
            raise FetchError(url, f"the server sent a body that does not decode ({exc})") from None
        except httpx.HTTPError as exc:
            raise FetchError(url, f"{type(exc).__name__}: {exc}") from None

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if key not in self._robots:
                self._robots[key] = self._load_robots(key)
            rp = self._robots[key]
        return True if rp is None else rp.can_fetch(self.user_agent, url)

    def _load_robots(self, base: str) -> RobotFileParser | None:
        """Parsed robots.txt; None (= everything allowed) when it is missing or unreachable."""
        rp = RobotFileParser(base + "/robots.txt")
        try:
            resp = self._client.get(base + "/robots.txt")
        except httpx.HTTPError:
            return None
        if resp.status_code in (401, 403):
            rp.disallow_all = True  # type: ignore[attr-defined]  # urllib.robotparser's own convention
            return rp
        if resp.status_code >= 400:
            return None
        rp.parse(resp.text.splitlines())
        return rp


def _phrase(resp: httpx.Response) -> str:
    # The standard phrase, not the server's spelling ("NOT FOUND", "Not found"...).
    try:
        return HTTPStatus(resp.status_code).phrase
    except ValueError:
        return resp.reason_phrase


def _status_hint(status: int) -> str:
    if status == 404:
        return "the page is gone or the URL is wrong"
    if status in (401, 403):
        return "the site refuses access (login, paywall or bot block)"
    if status == 429:
        return "rate-limited; wait and try again"
    if status >= 500:
        return "server error; try again later"
    return ""


def _connect_reason(exc: httpx.ConnectError) -> str:
    text = str(exc).lower()
    if "refused" in text:
        return "connection refused"
    if "name or service not known" in text or "nodename" in text or "getaddrinfo" in text:
        return "unknown host"
    return str(exc) or "connection failed"


def make_fetcher(settings: Settings) -> Fetcher:
    return HttpFetcher(settings)
