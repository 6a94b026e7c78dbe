"""Ingesting URLs, feeds and sitemaps end to end against a local HTTP server (never the internet).

The pages served are real benchmark pages from ../shared/data/extraction; the feed and sitemap
that point at them are written here (synthetic containers around real pages).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from limelight.cli import main


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    assert run("init", str(root))[0] == 0
    # Short timeout so the slow URL fails fast; the local test server listens on loopback.
    (root / "limelight.toml").write_text(
        '[fetch]\ntimeout = 1.0\nallowed_networks = ["127.0.0.0/8", "::1/128"]\n', encoding="utf-8"
    )
    return root


@pytest.fixture()
def pages(shared_data: Path) -> list[bytes]:
    files = sorted((shared_data / "extraction" / "scrapinghub_aeb" / "html").glob("*.html.gz"))[:3]
    return [gzip.decompress(f.read_bytes()) for f in files]


def test_cli_online_urls_errors_and_pages(project: Path, pages: list[bytes], httpserver: HTTPServer) -> None:
    import time

    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private/\n")
    httpserver.expect_request("/a.html").respond_with_data(pages[0], content_type="text/html; charset=utf-8")
    httpserver.expect_request("/missing.html").respond_with_data("not here", status=404)
    httpserver.expect_request("/broken.html").respond_with_data("oops", status=500)
    httpserver.expect_request("/private/p.html").respond_with_data(pages[1], content_type="text/html")

    def slow(_request: object) -> object:
        time.sleep(2.5)
        from werkzeug import Response

        return Response(pages[2], content_type="text/html")

    httpserver.expect_request("/slow.html").respond_with_handler(slow)
    urls = [httpserver.url_for(p) for p in ("/a.html", "/missing.html", "/broken.html", "/private/p.html",
                                            "/slow.html")]
    code, out = run("ingest", "-p", str(project), "-q", *urls)
    assert code == 1, out
    assert "404" in out and "500" in out and "robots.txt" in out and "timed out" in out
    con = duckdb.connect(str(project / "limelight.duckdb"), read_only=True)
    assert con.execute("select url from documents").fetchall() == [(urls[0],)]
    assert con.execute("select count(*) from errors").fetchone()[0] == 4


def test_cli_online_feed_and_sitemap_fetch_their_pages(project: Path, pages: list[bytes],
                                                       httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    for i, page in enumerate(pages):
        httpserver.expect_request(f"/story/{i}").respond_with_data(page, content_type="text/html; charset=utf-8")
    items = "".join(
        f"<item><title>Story {i}</title><link>{httpserver.url_for(f'/story/{i}')}</link>"
        f"<pubDate>Mon, 0{i + 1} Dec 2025 10:00:00 GMT</pubDate></item>" for i in range(2))
    httpserver.expect_request("/feed.xml").respond_with_data(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Synthetic feed</title>{items}</channel></rss>',
        content_type="application/rss+xml")
    httpserver.expect_request("/sitemap.xml").respond_with_data(
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{httpserver.url_for('/story/2')}</loc></url></urlset>", content_type="application/xml")
    code, out = run("ingest", "-p", str(project), "-q", httpserver.url_for("/feed.xml"),
                    httpserver.url_for("/sitemap.xml"))
    assert code == 0, out
    con = duckdb.connect(str(project / "limelight.duckdb"), read_only=True)
    urls = sorted(r[0] for r in con.execute("select url from documents").fetchall())
    assert urls == sorted(httpserver.url_for(f"/story/{i}") for i in range(3))
    assert all(len(r[0]) > 200 for r in con.execute("select text from documents").fetchall())


def test_cli_watchlist_check_reports_unmatched_alias(project: Path, seed_file: Path) -> None:
    wl = (project / "watchlist.toml").read_text(encoding="utf-8")
    (project / "watchlist.toml").write_text(
        wl + '\n[[entity]]\nid = "nobody"\nkind = "person"\nname = "Zyxw Qwerty"\n', encoding="utf-8")
    run("ingest", "-p", str(project), "-q", str(seed_file))
    code, out = run("watchlist", "check", "-p", str(project), "--format", "json")
    assert code == 0, out
    import json

    findings = json.loads(out)
    assert any(f.get("entity") == "nobody" and f["finding"] == "never_matched"
               and "Zyxw Qwerty" in json.dumps(f, ensure_ascii=False) for f in findings)
    assert not any(f.get("alias") == "Donnerlord" for f in findings)
