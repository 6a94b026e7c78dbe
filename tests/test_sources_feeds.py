from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from _sources_helpers import FIXTURES, ctx, errors, file_input, pages, source_registry
from limelight.settings import Settings
from limelight.sources.dispatch import choose_source, read_input
from limelight.sources.feeds import Feeds
from limelight.sources.fetch import HttpFetcher


@pytest.fixture
def fetcher() -> Iterator[HttpFetcher]:
    # The local test server listens on loopback, which is refused unless allowed.
    f = HttpFetcher(Settings.from_dict({"fetch": {"timeout": 2.0, "allowed_networks": ["127.0.0.0/8", "::1/128"]}}))
    yield f
    f.close()


def test_feeds_rss2_offline_wraps_entries_in_html() -> None:
    items = list(Feeds().read(file_input(FIXTURES / "rss2.xml"), ctx()))
    first, second = pages(items)
    assert first.url == "https://news.example.org/xiaomi-auto"
    assert first.hint("feed_title") == "Beispiel Nachrichten"
    assert first.hint("title") == "Xiaomi stellt neues Auto vor"
    # The pubDate as the feed wrote it, offset kept (09:30 +0100 is 08:30 UTC).
    assert first.hint("published") == "2025-12-27T09:30:00+01:00"
    assert b"<title>Xiaomi stellt neues Auto vor</title>" in first.content
    assert "Lei Jun präsentierte".encode() in first.content  # content:encoded wins over the summary
    assert b"<title>Zweiter Artikel &amp; mehr</title>" in second.content
    assert first.origin.endswith("rss2.xml#1")


def test_feeds_rss1_and_atom() -> None:
    (rdf,) = pages(list(Feeds().read(file_input(FIXTURES / "rss1.rdf"), ctx())))
    assert rdf.hint("published") == "2025-12-27T08:00:00+07:00" and rdf.url == "https://rdf.example.org/a"
    (atom,) = pages(list(Feeds().read(file_input(FIXTURES / "atom.xml"), ctx())))
    assert atom.hint("published") == "2025-12-26T12:00:00+08:00"
    assert atom.hint("feed_title") == "Atom Example"
    assert "雷军在发布会上介绍了YU7".encode() in atom.content


def test_feeds_online_fetches_articles_and_keeps_unfetchable_entries(
    httpserver: HTTPServer, fetcher: HttpFetcher, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/a1").respond_with_data(
        "<html><title>A1</title></html>", content_type="text/html"
    )
    httpserver.expect_request("/a2").respond_with_data("gone", status=404)
    feed = (
        f'<rss version="2.0"><channel><title>T</title>'
        f"<item><title>one</title><link>{httpserver.url_for('/a1')}</link></item>"
        f"<item><title>two</title><link>{httpserver.url_for('/a2')}</link></item>"
        f"<item><title>three</title><link>{httpserver.url_for('/a1')}?x</link></item></channel></rss>"
    )
    httpserver.expect_request("/feed.xml").respond_with_data(feed, content_type="application/rss+xml")
    from limelight.sources.dispatch import read_all

    with caplog.at_level("WARNING", logger="limelight.sources.feeds"):
        items = list(
            read_all(
                [httpserver.url_for("/feed.xml")], ctx(fetcher=fetcher, fetch={"max_pages": 2}), source_registry()
            )
        )
    fetched, from_feed = pages(items)
    assert fetched.content == b"<html><title>A1</title></html>" and fetched.hint("title") == "one"
    # The 404 entry is stored from the feed, marked as such; the failure is a warning, not an error row.
    assert from_feed.hint("title") == "two" and from_feed.url == httpserver.url_for("/a2")
    assert from_feed.hint("from_feed_summary") == "1" and from_feed.hint("fetch_failed") == "HTTP 404 Not Found"
    assert b"<h1>two</h1>" in from_feed.content and from_feed.origin.endswith("/feed.xml#2")
    assert any("HTTP 404 Not Found" in r.getMessage() and "stored from the feed" in r.getMessage()
               for r in caplog.records)
    # max_pages = 2: the third entry is not fetched, and the run says so.
    (cap_note,) = errors(items)
    assert cap_note.message == "the feed has more than 2 entries; read the first 2"
    assert len(items) == 3


def test_feeds_entry_at_refused_address_is_not_fetched(httpserver: HTTPServer, fetcher: HttpFetcher,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    # A feed may list any link; one pointing into the private network (here the cloud metadata
    # address) is refused like a URL given directly: nothing is fetched from it, and the entry is
    # stored from the feed's own text (which its author wrote anyway), the refusal a warning.
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/a1").respond_with_data("<html><title>A1</title></html>", content_type="text/html")
    httpserver.expect_request("/a3").respond_with_data("<html><title>A3</title></html>", content_type="text/html")
    inside = "http://169.254.169.254/latest/meta-data/"
    feed = (
        f'<rss version="2.0"><channel><title>T</title>'
        f"<item><title>one</title><link>{httpserver.url_for('/a1')}</link></item>"
        f"<item><title>two</title><link>{inside}</link></item>"
        f"<item><title>three</title><link>{httpserver.url_for('/a3')}</link></item></channel></rss>"
    )
    httpserver.expect_request("/feed.xml").respond_with_data(feed, content_type="application/rss+xml")
    from limelight.sources.dispatch import read_all

    with caplog.at_level("WARNING", logger="limelight.sources.feeds"):
        items = list(read_all([httpserver.url_for("/feed.xml")], ctx(fetcher=fetcher), source_registry()))
    assert [p.hint("title") for p in pages(items)] == ["one", "two", "three"]
    assert not errors(items)
    refused = pages(items)[1]
    assert refused.hint("fetch_failed") == "refused: resolves to 169.254.169.254, a link-local address"
    assert refused.content.startswith(b"<!DOCTYPE html>") and refused.hint("from_feed_summary") == "1"
    assert any(inside in r.getMessage() and "link-local" in r.getMessage() for r in caplog.records)


def test_feeds_html_page_given_as_feed_is_one_clear_error() -> None:
    inp = file_input(FIXTURES / "not_a_feed.rss")
    src, _ = choose_source(inp, source_registry().all("source"))
    assert src is not None and src.name == "feeds"
    (err,) = list(read_input(inp, ctx(), source_registry()))
    assert err.message == "this is an HTML page, not a feed"  # type: ignore[union-attr]
    assert "/feeds/all.rss" in err.hint  # type: ignore[union-attr]


def test_feeds_garbage_is_an_item_error() -> None:
    (err,) = errors(list(Feeds().read(file_input(FIXTURES / "garbage.rss"), ctx())))
    assert err.message.startswith("not a readable RSS/Atom feed")
