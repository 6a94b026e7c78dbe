from __future__ import annotations

import gzip
import socket
import time
from collections.abc import Iterator

import brotli
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from limelight.settings import Settings
from limelight.sources.base import FetchError
from limelight.sources.fetch import HttpFetcher


@pytest.fixture
def fetcher() -> Iterator[HttpFetcher]:
    f = HttpFetcher(
        Settings.from_dict({"fetch": {"timeout": 1.0, "max_redirects": 2}, "ingest": {"max_bytes": 10_000}})
    )
    yield f
    f.close()


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
