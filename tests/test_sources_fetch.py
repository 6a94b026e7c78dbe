from __future__ import annotations

import gzip
import itertools
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import brotli
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from limelight.errors import ConfigError
from limelight.settings import Settings
from limelight.sources.base import FetchError
from limelight.sources.fetch import AddressPolicy, GuardedTransport, HttpFetcher

# The local test servers listen on loopback, which the fetcher refuses unless told otherwise.
LOOPBACK = ["127.0.0.0/8", "::1/128"]


def make(**fetch: Any) -> HttpFetcher:
    return HttpFetcher(Settings.from_dict({"fetch": {"timeout": 1.0, **fetch}}))


@pytest.fixture
def fetcher() -> Iterator[HttpFetcher]:
    f = HttpFetcher(
        Settings.from_dict(
            {
                "fetch": {"timeout": 1.0, "max_redirects": 2, "allowed_networks": LOOPBACK},
                "ingest": {"max_bytes": 10_000},
            }
        )
    )
    yield f
    f.close()


@contextmanager
def listener(host: str = "127.0.0.1") -> Iterator[tuple[socket.socket, int]]:
    """A listening socket nobody accepts on; a connection attempt still lands in its backlog."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.bind((host, 0))
        sock.listen(8)
        sock.setblocking(False)
        yield sock, sock.getsockname()[1]


def connected(sock: socket.socket) -> bool:
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


@contextmanager
def drip_server(fast: bytes, slow: bytes, interval: float = 0.5) -> Iterator[int]:
    """A plain-socket HTTP server: reads the request, sends ``fast`` at once, then ``slow`` one byte
    every ``interval`` seconds, each byte well within a per-read timeout."""
    stop = threading.Event()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(0.1)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                try:
                    conn.recv(65536)
                    conn.sendall(fast)
                    for byte in slow:
                        if stop.wait(interval):
                            return
                        conn.sendall(bytes([byte]))
                except OSError:  # the client gave up: what the test wants
                    continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        server.close()


def test_fetch_ok_sends_user_agent_and_returns_final_url(
    httpserver: HTTPServer, fetcher: HttpFetcher
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": httpserver.url_for("/new")}
    )
    httpserver.expect_request("/new", headers={"User-Agent": fetcher.user_agent}).respond_with_data(
        "<html>ok</html>", content_type="text/html; charset=utf-8"
    )
    res = fetcher(httpserver.url_for("/old"))
    assert res.content == b"<html>ok</html>"
    assert res.url == httpserver.url_for("/new")
    assert res.content_type == "text/html; charset=utf-8"


def test_fetch_decodes_gzip_and_brotli(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/gz").respond_with_data(
        gzip.compress(b"gzipped page"), headers={"Content-Encoding": "gzip"}
    )
    httpserver.expect_request("/br").respond_with_data(
        brotli.compress(b"brotli page"), headers={"Content-Encoding": "br"}
    )
    assert fetcher(httpserver.url_for("/gz")).content == b"gzipped page"
    assert fetcher(httpserver.url_for("/br")).content == b"brotli page"


@pytest.mark.parametrize(
    ("status", "message"), [(404, "HTTP 404 Not Found"), (500, "HTTP 500 Internal Server Error")]
)
def test_fetch_http_errors_read_as_words(
    httpserver: HTTPServer, fetcher: HttpFetcher, status: int, message: str
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/x").respond_with_data("nope", status=status)
    with pytest.raises(FetchError) as info:
        fetcher(httpserver.url_for("/x"))
    assert info.value.message == message


def test_fetch_timeout(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    def slow(request: Request) -> Response:
        time.sleep(2)
        return Response("late")

    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/slow").respond_with_handler(slow)
    with pytest.raises(FetchError) as info:
        fetcher(httpserver.url_for("/slow"))
    assert info.value.message == "timed out after 1 s"


def test_fetch_body_over_cap_is_refused(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/big").respond_with_data(b"x" * 20_000)
    # A gzip bomb: small on the wire, large decoded; the cap counts decoded bytes.
    httpserver.expect_request("/bomb").respond_with_data(
        gzip.compress(b"0" * 50_000), headers={"Content-Encoding": "gzip"}
    )
    for path in ("/big", "/bomb"):
        with pytest.raises(FetchError) as info:
            fetcher(httpserver.url_for(path))
        assert info.value.message.startswith("too large")
        assert "ingest.max_bytes" in info.value.hint


def test_fetch_respects_robots_txt(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private\n")
    httpserver.expect_request("/public").respond_with_data("fine")
    assert fetcher(httpserver.url_for("/public")).content == b"fine"
    with pytest.raises(FetchError) as info:
        fetcher(httpserver.url_for("/private/page"))
    assert info.value.message == "disallowed by robots.txt"


def test_fetch_robots_txt_is_read_up_to_its_cap(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    """A robots.txt was read whole, however large; now at most ROBOTS_MAX_BYTES (Google's limit)."""
    from limelight.sources.fetch import ROBOTS_MAX_BYTES

    robots = "User-agent: *\nDisallow: /private\n" + "#" * (20 * ROBOTS_MAX_BYTES) + "\nDisallow: /late\n"
    httpserver.expect_request("/robots.txt").respond_with_data(robots, content_type="text/plain")
    httpserver.expect_request("/late").respond_with_data("<html><body>late</body></html>")
    with pytest.raises(FetchError, match="robots"):
        fetcher(httpserver.url_for("/private"))
    assert fetcher(httpserver.url_for("/late")).status == 200  # past the cap: not read, not obeyed


def test_fetch_too_many_redirects(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchError) as info:
        fetcher(httpserver.url_for("/loop"))
    assert info.value.message == "more than 2 redirects"


def test_fetch_connection_refused(fetcher: HttpFetcher) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError) as info:
        fetcher(f"http://127.0.0.1:{port}/")
    assert info.value.message == "cannot connect (connection refused)"


@pytest.mark.parametrize(
    "spelling",
    [
        "localhost",
        "0.0.0.0",
        "2130706433",
        "127.1",
        "0x7f000001",
        "017700000001",
        "[::ffff:127.0.0.1]",
        "[::1]",
    ],
)
def test_fetch_refuses_loopback_spellings(spelling: str) -> None:
    host = "::1" if spelling == "[::1]" else "127.0.0.1"
    with listener(host) as (sock, port), make() as fetcher:
        with pytest.raises(FetchError) as info:
            fetcher(f"http://{spelling}:{port}/")  # robots.txt first: refused there already
        assert info.value.message.startswith("refused: ")
        assert "loopback address" in info.value.message or "unspecified address" in info.value.message
        assert "fetch.allowed_networks" in info.value.hint
        assert not connected(sock)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.1:{port}/", "refused: 127.1 resolves to 127.0.0.1, a loopback address"),
        ("http://10.0.0.7/", "refused: resolves to 10.0.0.7, a private address"),
        ("http://192.168.1.1/", "refused: resolves to 192.168.1.1, a private address"),
        ("http://169.254.169.254/latest/meta-data/", "refused: resolves to 169.254.169.254, a link-local address"),
        ("http://[fe80::1]/", "refused: resolves to fe80::1, a link-local address"),
        ("http://100.64.0.1/", "refused: resolves to 100.64.0.1, a non-public address"),
    ],
)
def test_fetch_refusal_names_address_and_setting(url: str, message: str) -> None:
    with listener() as (sock, port), make(respect_robots=False) as fetcher:
        with pytest.raises(FetchError) as info:
            fetcher(url.format(port=port))
        assert not connected(sock)
    assert info.value.message == message
    judged = message.split("resolves to ")[1].split(",")[0]
    prefix = 128 if ":" in judged else 32
    assert f'"{judged}/{prefix}"' in info.value.hint and "fetch.allowed_networks" in info.value.hint


def test_fetch_refuses_redirect_to_private_address(httpserver: HTTPServer) -> None:
    # The server the user asked for is allowed; the address it redirects to is not.
    with listener("127.0.0.2") as (sock, port), make(allowed_networks=["127.0.0.1/32"]) as fetcher:
        httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
        httpserver.expect_request("/hop").respond_with_data(
            "", status=302, headers={"Location": f"http://127.0.0.2:{port}/inside"}
        )
        url = f"http://127.0.0.1:{httpserver.port}/hop"
        with pytest.raises(FetchError) as info:
            fetcher(url)
        assert info.value.url == url
        assert info.value.message == "refused: resolves to 127.0.0.2, a loopback address"
        assert not connected(sock)


def test_fetch_allowed_networks_permits_loopback(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/page").respond_with_data("hello")
    url = f"http://127.0.0.1:{httpserver.port}/page"
    with make(allowed_networks=["127.0.0.0/8"]) as fetcher:
        assert fetcher(url).content == b"hello"
        # localhost may resolve to ::1 as well; that address is skipped, not the whole host.
        assert fetcher(httpserver.url_for("/page")).content == b"hello"
    with make(allowed_networks=["10.0.0.0/8"]) as fetcher, pytest.raises(FetchError) as info:
        fetcher(url)
    assert info.value.message.startswith("refused: ")


def test_fetch_allowed_network_covers_ipv4_mapped_form() -> None:
    policy = AddressPolicy.from_settings(Settings.from_dict({"fetch": {"allowed_networks": ["127.0.0.0/8"]}}))
    import ipaddress

    assert policy.refusal(ipaddress.ip_address("::ffff:127.0.0.1")) is None
    assert policy.refusal(ipaddress.ip_address("::ffff:10.0.0.1")) == (
        "a private address",
        ipaddress.ip_address("10.0.0.1"),
    )
    assert policy.refusal(ipaddress.ip_address("93.184.215.14")) is None  # public


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "not-a-network", "10.0.0.1/8", 42])
def test_fetch_invalid_allowed_network_is_config_error(entry: object) -> None:
    with pytest.raises(ConfigError) as info:
        HttpFetcher(Settings.from_dict({"fetch": {"allowed_networks": ["127.0.0.0/8", entry]}}))
    assert "fetch.allowed_networks" in info.value.message and repr(entry) in info.value.message


def test_fetch_total_deadline_slow_headers() -> None:
    status = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    with drip_server(b"", status) as port, make(respect_robots=False, allowed_networks=LOOPBACK) as fetcher:
        start = time.monotonic()
        with pytest.raises(FetchError) as info:
            fetcher(f"http://127.0.0.1:{port}/")
        elapsed = time.monotonic() - start
    assert info.value.message == "timed out after 1 s"
    assert 0.9 <= elapsed < 2.5


def test_fetch_total_deadline_slow_body() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n"
    with drip_server(head, b"x" * 100) as port, make(respect_robots=False, allowed_networks=LOOPBACK) as fetcher:
        start = time.monotonic()
        with pytest.raises(FetchError) as info:
            fetcher(f"http://127.0.0.1:{port}/")
        elapsed = time.monotonic() - start
    assert info.value.message == "timed out after 1 s"
    assert 0.9 <= elapsed < 2.5


def test_fetch_total_deadline_covers_redirect_chain(httpserver: HTTPServer) -> None:
    # Each hop takes 0.4 s, under the 1 s per-operation timeout; three of them exceed the deadline.
    def slow_hop(request: Request) -> Response:
        time.sleep(0.4)
        return Response("", status=302, headers={"Location": "/hop"})

    httpserver.expect_request("/hop").respond_with_handler(slow_hop)
    with make(respect_robots=False, max_redirects=10, allowed_networks=LOOPBACK) as fetcher:
        start = time.monotonic()
        with pytest.raises(FetchError) as info:
            fetcher(httpserver.url_for("/hop"))
        elapsed = time.monotonic() - start
    assert info.value.message == "timed out after 1 s"
    assert elapsed < 1.6


def test_fetch_total_deadline_slow_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def slow_lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "slow-dns.test":
            time.sleep(1.5)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow_lookup)
    with make(timeout=0.5, respect_robots=False) as fetcher:
        start = time.monotonic()
        with pytest.raises(FetchError) as info:
            fetcher("http://slow-dns.test/")
    assert info.value.message == "timed out after 0.5 s"
    assert time.monotonic() - start < 1.2


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[HTTPServer, ssl.SSLContext]]:
    """An HTTPS server on 127.0.0.1 whose certificate names only "localhost", and a client context
    that trusts it."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True,
    )
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    server = HTTPServer(host="127.0.0.1", ssl_context=server_ctx)
    server.start()
    yield server, ssl.create_default_context(cafile=str(cert))
    server.clear()
    server.stop()


def test_fetch_tls_checks_the_host_name_not_the_address(tls_server: tuple[HTTPServer, ssl.SSLContext]) -> None:
    # The socket connects to the checked IP, but SNI and the certificate check must use the name:
    # this certificate is valid for "localhost" and not for 127.0.0.1.
    server, client_ctx = tls_server
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/page").respond_with_data("secure")
    settings = Settings.from_dict({"fetch": {"timeout": 2.0, "allowed_networks": LOOPBACK}})
    policy = AddressPolicy.from_settings(settings)
    with HttpFetcher(settings, transport=GuardedTransport(policy, verify=client_ctx)) as fetcher:
        assert fetcher(f"https://localhost:{server.port}/page").content == b"secure"
        with pytest.raises(FetchError) as info:
            fetcher(f"https://127.0.0.1:{server.port}/page")
    assert "certificate" in info.value.message.lower()


def _recording(httpserver: HTTPServer, paths: list[str], seconds: float = 0.0) -> list[tuple[str, float, float]]:
    """Serve ``paths``, recording (path, start, end) of each request as the server saw it."""
    seen: list[tuple[str, float, float]] = []
    lock = threading.Lock()

    def handler(request: Request) -> Response:
        start = time.monotonic()
        time.sleep(seconds)
        with lock:
            seen.append((request.path, start, time.monotonic()))
        return Response("page")

    for path in paths:
        httpserver.expect_request(path).respond_with_handler(handler)
    return seen


def test_fetch_is_polite_per_host_delay_between_starts_and_other_hosts_do_not_wait(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    seen = _recording(httpserver, ["/a", "/b", "/c", "/other"])
    with make(allowed_networks=LOOPBACK, host_delay=0.4) as fetcher:
        for path in ("/a", "/b"):
            fetcher(f"http://127.0.0.1:{httpserver.port}{path}")
        # another host (the same server by another name) has a turn of its own
        fetcher(f"http://localhost:{httpserver.port}/other")
        fetcher(f"http://127.0.0.1:{httpserver.port}/c")
    starts = {path: start for path, start, _ in seen}
    assert starts["/b"] - starts["/a"] >= 0.38 and starts["/c"] - starts["/b"] >= 0.38, seen
    assert starts["/other"] - starts["/b"] < 0.3, seen


def test_fetch_obeys_a_longer_robots_crawl_delay(httpserver: HTTPServer) -> None:
    # urllib.robotparser reads whole seconds only
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nCrawl-delay: 1\n")
    seen = _recording(httpserver, ["/a", "/b"])
    with make(allowed_networks=LOOPBACK, host_delay=0.0) as fetcher:
        fetcher(f"http://127.0.0.1:{httpserver.port}/a")
        fetcher(f"http://127.0.0.1:{httpserver.port}/b")
    assert seen[1][1] - seen[0][1] >= 0.98, seen


def test_fetch_sends_one_request_at_a_time_per_host() -> None:
    # A threaded server, which would take the requests side by side if the fetcher sent them so.
    server = HTTPServer(threaded=True)
    server.start()
    try:
        server.expect_request("/robots.txt").respond_with_data("", status=404)
        paths = [f"/p{k}" for k in range(4)]
        seen = _recording(server, paths, seconds=0.2)
        with make(allowed_networks=LOOPBACK, host_delay=0.0) as fetcher:
            fetcher(f"http://127.0.0.1:{server.port}/p0")  # robots.txt read, then three at once
            threads = [threading.Thread(target=fetcher, args=(f"http://127.0.0.1:{server.port}{p}",))
                       for p in paths[1:]]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        server.clear()
        server.stop()
    spans = sorted((start, end) for _, start, end in seen)
    assert len(spans) == 4
    assert all(later[0] >= earlier[1] - 0.005 for earlier, later in itertools.pairwise(spans)), spans


def test_fetch_reads_robots_txt_once_a_day_not_once_per_url(httpserver: HTTPServer) -> None:
    # The watcher keeps one fetcher for its life: robots.txt is cached, but not for ever.
    from limelight.sources.fetch import ROBOTS_TTL

    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private\n")
    httpserver.expect_request("/a").respond_with_data("a")
    now = [1000.0]
    with make(allowed_networks=LOOPBACK, host_delay=0.0) as fetcher:
        fetcher._clock = lambda: now[0]
        for _ in range(3):
            fetcher(f"http://127.0.0.1:{httpserver.port}/a")
        robots = [r for r, _ in httpserver.log if r.path == "/robots.txt"]
        assert len(robots) == 1
        now[0] += ROBOTS_TTL  # a day later the site may have changed its rules
        httpserver.clear()
        httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /\n")
        with pytest.raises(FetchError, match="robots"):
            fetcher(f"http://127.0.0.1:{httpserver.port}/a")
