"""HTTP fetching for URL inputs, feeds and sitemaps (httpx).

One :class:`HttpFetcher` per run: a pooled client with the configured timeout, redirect limit and
User-Agent; bodies stream with a size cap (``ingest.max_bytes``, checked on the decoded bytes, so a
gzip bomb stops too); robots.txt is obeyed when ``fetch.respect_robots`` is on, cached per host.
Polite per host: one request at a time, starts at least ``fetch.host_delay`` seconds apart (or
the robots.txt Crawl-delay for our user agent, when longer, up to :data:`MAX_CRAWL_DELAY`).
Every failure is a :class:`FetchError` whose message says what happened in words.

Two guards sit under httpx, in the network backend of its connection pool (:class:`GuardedBackend`),
because only there is every connection seen, whatever asked for it: the URL, each redirect hop,
robots.txt, and the pages a feed or sitemap lists (those come through the same fetcher).

* Addresses: a host is resolved once, every resolved address is judged (:class:`AddressPolicy`),
  and the socket connects to the address that was judged, so a DNS answer that changes between check
  and connect (rebinding) cannot slip through. Loopback, private, link-local and other non-public
  addresses are refused unless ``fetch.allowed_networks`` lists them.
* Time: ``fetch.timeout`` is the deadline of the whole request (DNS, connect, TLS, headers, body and
  every redirect), not of each socket operation: httpx's own timeouts restart with every read, so a
  server dripping a byte a second would otherwise hold a fetch for as long as it likes.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from http import HTTPStatus
from typing import Any
from urllib.parse import SplitResult, urlsplit
from urllib.robotparser import RobotFileParser

import httpcore
import httpx

from limelight.errors import ConfigError
from limelight.settings import Settings
from limelight.sources.base import Fetcher, FetchError, FetchResult

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# IPv6 prefixes whose addresses carry an IPv4 address that the traffic ends up at; they are judged
# by that address, or [::ffff:127.0.0.1] would be a way to reach this machine.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# httpx's own pool defaults (httpx._config.DEFAULT_LIMITS, private there).
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)

# The monotonic time by which the current request must be done; None outside a request. A context
# variable rather than an attribute of the connection, because pooled connections outlive the request
# that opened them: each read takes the deadline of the request reading now. Each thread has its own.
_DEADLINE: ContextVar[float | None] = ContextVar("limelight_fetch_deadline", default=None)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Every network operation inside the block shares one deadline, ``seconds`` from now."""
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _budget(timeout: float | None, exc: type[httpcore.TimeoutException]) -> float | None:
    """The per-operation timeout cut to what is left of the deadline; ``exc`` once it has passed."""
    end = _DEADLINE.get()
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise exc("the request's deadline has passed")
    return left if timeout is None else min(timeout, left)


class AddressRefused(Exception):
    """A connection the address policy does not allow. Deliberately not an httpcore/httpx error:
    httpx re-raises it untouched, so nothing on the way mistakes it for a network failure (robots.txt
    loading treats those as "no robots.txt")."""

    def __init__(self, host: str, address: IPAddress, judged: IPAddress, kind: str) -> None:
        self.host, self.address, self.kind = host, address, kind
        shown = str(address) if judged == address else f"{address} (IPv4 {judged})"
        self.message = f"refused: {'' if _same_address(host, address) else host + ' '}resolves to {shown}, {kind}"
        self.hint = (
            f'only public addresses are fetched; add "{judged}/{judged.max_prefixlen}" (or its network) '
            "to fetch.allowed_networks if you mean to fetch from it"
        )
        super().__init__(self.message)


def _same_address(host: str, address: IPAddress) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")) == address
    except ValueError:
        return False


class AddressPolicy:
    """Which resolved addresses may be connected to: public ones, and those in ``allowed``."""

    def __init__(self, allowed: Iterable[IPNetwork] = ()) -> None:
        self.allowed = tuple(allowed)

    @classmethod
    def from_settings(cls, settings: Settings) -> AddressPolicy:
        value = settings["fetch.allowed_networks"]
        networks: list[IPNetwork] = []
        for entry in value:
            try:
                if not isinstance(entry, str):
                    raise ValueError("not a string")
                networks.append(ipaddress.ip_network(entry.strip()))
            except ValueError as exc:
                raise ConfigError(
                    f"setting fetch.allowed_networks: {entry!r} is not a network in CIDR notation ({exc})",
                    'write networks like "10.0.0.0/8", "127.0.0.0/8" or "::1/128" (host bits zero)',
                ) from None
        return cls(networks)

    def refusal(self, address: IPAddress) -> tuple[str, IPAddress] | None:
        """None when ``address`` may be connected to; else (its kind in words, the address judged)."""
        judged = _embedded_ipv4(address) or address
        if any(a in net for net in self.allowed for a in {address, judged} if a.version == net.version):
            return None
        kind = _kind(judged)
        return None if kind is None else (kind, judged)


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def _kind(address: IPAddress) -> str | None:
    """Why an address is not public, in words; None when it is public."""
    if address.is_loopback:
        return "a loopback address"
    if address.is_unspecified:  # 0.0.0.0 and :: reach this machine on Linux
        return "an unspecified address (this machine)"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private:
        return "a private address"
    # is_reserved as well: Python 3.11 calls e.g. ::7f00:1 (IPv4-compatible, deprecated) global.
    if address.is_reserved or not address.is_global:
        return "a non-public address"
    return None


def _resolve(host: str, port: int, timeout: float | None) -> list[tuple[Any, ...]]:
    """``getaddrinfo`` within ``timeout``. It has no timeout of its own, so it runs in a daemon
    thread; one that outlives the deadline is left to finish there and its answer dropped."""
    answer: list[Any] = []

    def lookup() -> None:
        try:
            answer.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except Exception as exc:  # OSError, or UnicodeError for a name IDNA cannot encode
            answer.append(exc)

    worker = threading.Thread(target=lookup, name="limelight-dns", daemon=True)
    worker.start()
    worker.join(timeout)
    if not answer:
        raise httpcore.ConnectTimeout(f"looking up {host} took too long")
    if isinstance(answer[0], Exception):
        raise httpcore.ConnectError(str(answer[0]))
    return list(answer[0])


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every operation ends by the current request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _budget(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _budget(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        # The socket is connected to an IP address, but httpcore passes the URL's host name here, so
        # SNI and the certificate check are against the name, as they should be.
        tls = self._inner.start_tls(ssl_context, server_hostname, _budget(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's sync backend with the address check and the deadline (see the module docstring)."""

    def __init__(self, policy: AddressPolicy, inner: httpcore.NetworkBackend | None = None) -> None:
        self.policy = policy
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        infos = _resolve(host, port, _budget(timeout, httpcore.ConnectTimeout))
        addresses: list[str] = []  # allowed ones, in the resolver's order, each once
        first_refusal: AddressRefused | None = None
        for *_, sockaddr in infos:
            text = str(sockaddr[0])
            address = ipaddress.ip_address(text.split("%")[0])  # drop an IPv6 zone ("fe80::1%eth0")
            refusal = self.policy.refusal(address)
            if refusal is None:
                if text not in addresses:
                    addresses.append(text)
            elif first_refusal is None:
                first_refusal = AddressRefused(host, address, refusal[1], refusal[0])
        if not addresses:
            if first_refusal is not None:
                raise first_refusal
            raise httpcore.ConnectError(f"{host} has no address")
        error: Exception | None = None
        for address_text in addresses:
            # Connect to the checked address itself: handing the inner backend the host name would
            # resolve it again, and the second answer is the one DNS rebinding controls.
            try:
                stream = self._inner.connect_tcp(
                    address_text,
                    port,
                    _budget(timeout, httpcore.ConnectTimeout),
                    local_address,
                    socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _DeadlineStream(stream)
        assert error is not None
        raise error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with :class:`GuardedBackend` under its connection pool.

    ``HTTPTransport`` takes no network backend, so it builds its pool and we swap in the same pool
    with our backend. That touches one private attribute (``_pool``, the same in httpx 0.27 and
    0.28), checked below; in return we keep httpx's request conversion, response stream and
    httpcore-to-httpx exception mapping, which a ``BaseTransport`` of our own would have to copy.
    """

    def __init__(self, policy: AddressPolicy, verify: ssl.SSLContext | bool = True) -> None:
        ssl_context = httpx.create_ssl_context(verify=verify)
        super().__init__(verify=ssl_context, limits=_LIMITS)
        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):
            # Fail loudly rather than fetch unguarded if a new httpx stores its pool elsewhere.
            raise RuntimeError("httpx.HTTPTransport has no _pool to give the address guard to")
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=_LIMITS.max_connections,
            max_keepalive_connections=_LIMITS.max_keepalive_connections,
            keepalive_expiry=_LIMITS.keepalive_expiry,
            network_backend=GuardedBackend(policy),
        )


ROBOTS_MAX_BYTES = 500 * 1024  # Google's documented limit for robots.txt
# A watcher keeps one fetcher for its life: robots.txt is read again after a day, as Google does.
ROBOTS_TTL = 86_400.0
MAX_CRAWL_DELAY = 60.0  # the longest robots.txt Crawl-delay obeyed: a larger one would stall a feed for hours


class _Host:
    """One host's turn: one request at a time, each starting at least the delay after the last."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.next_at = 0.0


def _seconds(value: float) -> str:
    return f"{value:g} s"


class HttpFetcher:
    """A callable ``url -> FetchResult`` that raises :class:`FetchError`.

    ``transport`` replaces the guarded transport, and with it the address check and the deadline
    inside connections (the body loop still checks the deadline); it is a seam for tests only.
    """

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        self.timeout = float(settings["fetch.timeout"])
        self.max_bytes = int(settings["ingest.max_bytes"])
        self.max_redirects = int(settings["fetch.max_redirects"])
        self.user_agent = str(settings["fetch.user_agent"])
        self.respect_robots = bool(settings["fetch.respect_robots"])
        self.policy = AddressPolicy.from_settings(settings)
        # Passing a transport also turns off httpx's HTTP(S)_PROXY support: through a proxy the
        # address connected to is the proxy's, and the target's could not be checked.
        self._client = httpx.Client(
            timeout=self.timeout,
            follow_redirects=True,
            max_redirects=self.max_redirects,
            headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate, br"},
            transport=transport if transport is not None else GuardedTransport(self.policy),
        )
        self.host_delay = max(0.0, float(settings["fetch.host_delay"]))
        self._robots: dict[str, tuple[float, RobotFileParser | None]] = {}  # host → (read at, parsed)
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()
        self._clock: Callable[[], float] = time.monotonic
        self._sleep: Callable[[float], None] = time.sleep

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __call__(self, url: str) -> FetchResult:
        return self.conditional(url)

    def conditional(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET ``url``, with ``If-None-Match`` / ``If-Modified-Since`` from the validators of its
        last 200 when given: a server that says nothing changed answers 304, returned here as a
        FetchResult with status 304 and no content (the watcher then has nothing to ingest)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise FetchError(url, "not an http(s) URL", "URLs start with http:// or https://")
        if self.respect_robots:
            try:
                allowed = self.allowed(url)
            except AddressRefused as exc:
                raise FetchError(url, exc.message, exc.hint) from None
            if not allowed:
                raise FetchError(
                    url,
                    "disallowed by robots.txt",
                    "the site asks crawlers not to fetch this; set fetch.respect_robots = false "
                    "only if you have permission",
                )
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        with self._turn(parts):
            return self._get(url, headers)

    @contextmanager
    def _turn(self, parts: SplitResult) -> Iterator[None]:
        """Wait for this host's turn: politeness to publishers (one request at a time, a minimum
        delay between starts, a longer robots.txt Crawl-delay obeyed) costs a monitor nothing,
        since it polls on a schedule anyway, and keeps it off the sites' block lists."""
        key = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            host = self._hosts.setdefault(key, _Host())
            rp = self._robots.get(key, (0.0, None))[1]
        delay = self.host_delay
        if rp is not None:
            asked = rp.crawl_delay(self.user_agent)
            if asked is not None:
                delay = max(delay, min(float(asked), MAX_CRAWL_DELAY))
        with host.lock:
            wait = host.next_at - self._clock()
            if wait > 0:
                self._sleep(wait)
            host.next_at = self._clock() + delay
            yield

    def _get(self, url: str, headers: dict[str, str] | None = None) -> FetchResult:
        # One deadline for the request the caller asked for, redirects included.
        end = time.monotonic() + self.timeout
        try:
            with deadline(self.timeout), self._client.stream("GET", url, headers=headers) as resp:
                if resp.status_code == 304 and headers:
                    return FetchResult(url=str(resp.url), status=304, content=b"", content_type=None,
                                       headers=tuple(resp.headers.items()))
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
                    # The connection's reads end by the deadline already; this also covers a
                    # transport given to __init__, and a server fast enough to never hit a read timeout.
                    if time.monotonic() > end:
                        raise self._timed_out(url)
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
        except AddressRefused as exc:
            raise FetchError(url, exc.message, exc.hint) from None
        except httpx.TimeoutException:
            raise self._timed_out(url) from None
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
        except httpx.InvalidURL as exc:  # e.g. a redirect to "http://[nonsense]/"
            raise FetchError(url, f"not a valid URL ({exc})") from None

    def _timed_out(self, url: str) -> FetchError:
        return FetchError(
            url,
            f"timed out after {_seconds(self.timeout)}",
            "the server is slow or down; try later or raise fetch.timeout",
        )

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets us fetch ``url``; raises :class:`AddressRefused` when its host's
        address is refused (nothing is cached then, so the next URL of that host asks again)."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            cached = self._robots.get(key)
            if cached is None or self._clock() - cached[0] >= ROBOTS_TTL:
                cached = self._robots[key] = (self._clock(), self._load_robots(key))
            rp = cached[1]
        return True if rp is None else rp.can_fetch(self.user_agent, url)

    def _load_robots(self, base: str) -> RobotFileParser | None:
        """Parsed robots.txt; None (= everything allowed) when it is missing or unreachable."""
        rp = RobotFileParser(base + "/robots.txt")
        try:
            with deadline(self.timeout), self._client.stream("GET", base + "/robots.txt") as resp:
                if resp.status_code in (401, 403):
                    rp.disallow_all = True  # type: ignore[attr-defined]  # urllib.robotparser's own convention
                    return rp
                if resp.status_code >= 400:
                    return None
                body = b""
                for chunk in resp.iter_bytes():
                    body += chunk
                    if len(body) >= ROBOTS_MAX_BYTES:
                        break  # what Google reads of a robots.txt; the rest is ignored, as there
        except (httpx.HTTPError, httpx.InvalidURL):
            return None
        rp.parse(body[:ROBOTS_MAX_BYTES].decode("utf-8", "replace").splitlines())
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
