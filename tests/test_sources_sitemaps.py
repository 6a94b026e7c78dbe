from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from _sources_helpers import ctx, errors, pages, source_registry
from limelight.settings import Settings
from limelight.sources.dispatch import read_all
from limelight.sources.fetch import HttpFetcher
from limelight.sources.sitemaps import parse_sitemap

# Synthetic sitemaps following sitemaps.org and the Google News sitemap schema.
NEWS = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>{a}</loc>
    <news:news><news:publication><news:name>Example News</news:name><news:language>vi</news:language>
      </news:publication><news:publication_date>2025-12-27T08:00:00+07:00</news:publication_date>
      <news:title>Lôi Quân khác lạ</news:title></news:news></url>
  <url><loc>{b}</loc><lastmod>2025-12-20</lastmod></url>
</urlset>"""
INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>{news}</loc><lastmod>2025-12-27</lastmod></sitemap>
  <sitemap><loc>{missing}</loc></sitemap>
</sitemapindex>"""


@pytest.fixture
def fetcher() -> Iterator[HttpFetcher]:
    # The local test server listens on loopback, which is refused unless allowed.
    f = HttpFetcher(Settings.from_dict({"fetch": {"timeout": 2.0, "allowed_networks": ["127.0.0.0/8", "::1/128"]}}))
    yield f
    f.close()


def test_sitemaps_index_and_news_sitemap(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    url = httpserver.url_for
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/sitemap.xml").respond_with_data(
        INDEX.format(news=url("/news-sitemap.xml"), missing=url("/gone.xml")), content_type="application/xml"
    )
    httpserver.expect_request("/news-sitemap.xml").respond_with_data(NEWS.format(a=url("/a"), b=url("/b")))
    httpserver.expect_request("/a").respond_with_data("<html>A</html>", content_type="text/html")
    httpserver.expect_request("/b").respond_with_data("<html>B</html>", content_type="text/html")
    httpserver.expect_request("/gone.xml").respond_with_data("", status=404)
    items = list(read_all([url("/sitemap.xml")], ctx(fetcher=fetcher), source_registry()))
    a, b = pages(items)
    assert a.content == b"<html>A</html>" and a.url == url("/a")
    assert a.hint("published") == "2025-12-27T08:00:00+07:00"
    assert a.hint("title") == "Lôi Quân khác lạ" and a.hint("language") == "vi"
    assert b.hint("lastmod") == "2025-12-20"
    (err,) = errors(items)
    assert err.origin == url("/gone.xml") and err.message == "HTTP 404 Not Found"


def test_sitemaps_loc_at_refused_address_is_an_error_row(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    url = httpserver.url_for
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/sitemap.xml").respond_with_data(NEWS.format(a=url("/a"), b="http://10.1.2.3/admin"))
    httpserver.expect_request("/a").respond_with_data("<html>A</html>", content_type="text/html")
    items = list(read_all([url("/sitemap.xml")], ctx(fetcher=fetcher), source_registry()))
    (a,) = pages(items)
    assert a.url == url("/a")
    (err,) = errors(items)
    assert err.origin == "http://10.1.2.3/admin"
    assert err.message == "refused: resolves to 10.1.2.3, a private address"


def test_sitemaps_offline_says_fetching_is_needed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "sitemap.xml"
    p.write_text(NEWS.format(a="https://e.org/a", b="https://e.org/b"), encoding="utf-8")
    items = list(read_all([str(p)], ctx(), source_registry()))
    (err,) = items
    assert "lists 2 URLs but fetching is off" in err.message  # type: ignore[union-attr]


def test_sitemaps_parse_rejects_other_xml() -> None:
    with pytest.raises(ValueError, match="urlset"):
        parse_sitemap(b"<rss><channel/></rss>")


def test_sitemaps_only_news_title_is_the_page_title() -> None:
    # image:title names a picture on the page, not the page.
    data = """<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
      xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"
      xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
      <url><loc>https://a.example/1</loc><image:image><image:loc>https://a.example/1.jpg</image:loc>
        <image:title>Foto: dpa</image:title></image:image></url>
      <url><loc>https://a.example/2</loc><news:news><news:title>Lôi Quân khác lạ</news:title></news:news></url>
    </urlset>""".encode()
    _, (first, second) = parse_sitemap(data)
    assert ("title", "Foto: dpa") not in first.hints
    assert ("title", "Lôi Quân khác lạ") in second.hints
