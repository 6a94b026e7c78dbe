"""RSS 0.9x/1.0/2.0 and Atom feeds (feedparser) → one RawPage per entry.

Online (``ctx.fetch`` set) each entry's link is fetched and the article page becomes the RawPage;
offline the entry's own content or summary is wrapped in a minimal HTML page. The feed's title,
the entry's date (as the feed wrote it, offset included) and title travel as hints; extraction
prefers what the page itself says.

An entry whose page cannot be fetched (a 404, a timeout, a refused address) is not lost: its title
and text are in the feed, so it is stored from the feed as offline mode would store it, marked in
the document's ``extra`` (``from_feed_summary``, and ``fetch_failed`` with the reason) and reported
as a warning line. It is not an error row: the entry was ingested, from the feed instead of its page.
"""

from __future__ import annotations

import calendar
import email.utils
import html
import logging
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import urljoin

import feedparser

from limelight.models import ItemError, RawPage
from limelight.registry import Registry
from limelight.sources._util import looks_like_feed, looks_like_html, looks_like_sitemap
from limelight.sources.base import FetchError, Input, SourceContext, SourceItem, fetched_page, guard

log = logging.getLogger(__name__)

_FEED_EXT = (".rss", ".atom", ".rdf", ".feed")
_FEED_CTYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")
_ALT_LINK = re.compile(rb"""<link\b[^>]*type=["']application/(?:rss|atom)\+xml["'][^>]*>""", re.I)
_HREF = re.compile(rb"""href=["']([^"']+)["']""", re.I)


def _entry_date(entry: Any) -> str | None:
    """The entry's date as ISO text with the offset the feed wrote ("08:30 +0800" stays 08:30+08:00,
    so the publisher's local day is kept), else feedparser's UTC reading of it, else None."""
    for key in ("published", "updated"):
        raw = dict.get(entry, key)  # not entry.get: feedparser maps a missing "updated" with a warning
        if not isinstance(raw, str) or not raw.strip():
            continue
        try:  # RFC 822, as RSS writes it
            dt = email.utils.parsedate_to_datetime(raw.strip())
        except (TypeError, ValueError, IndexError):
            try:  # ISO 8601, as Atom writes it
                dt = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
            except ValueError:
                continue
        if dt.tzinfo is not None and dt.year >= 1:
            return dt.isoformat()
    return _iso(dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed"))


def _iso(parsed: time.struct_time | None) -> str | None:
    """The entry's date as ISO text, or None when there is none or it is no real date (feedparser
    turns ``pubDate 0000-00-00`` into a struct that no datetime can hold)."""
    if not parsed:
        return None
    # feedparser normalises dates to UTC struct_time.
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC).isoformat()
    except (OverflowError, OSError, ValueError, TypeError):
        return None


_ENTRY_START = re.compile(rb"<(?:[\w.-]+:)?(?:item|entry)[\s>/]", re.I)


def cut_entries(data: bytes, cap: int) -> tuple[bytes, bool]:
    """``data`` cut just before its ``cap + 1``-th entry, and whether it was cut. feedparser parses a
    feed whole before anything can be capped (a 100,000-entry feed took 99 s and 661 MB); a cut feed
    is unclosed XML, which its lenient parser reads up to the cut."""
    for n, m in enumerate(_ENTRY_START.finditer(data)):
        if n == cap:
            return data[: m.start()], True
    return data, False


def feed_links_in_html(data: bytes, base: str | None) -> list[str]:
    """The RSS/Atom links an HTML page advertises (``<link rel="alternate" type=...>``)."""
    links = []
    for tag in _ALT_LINK.findall(data[:200_000]):
        m = _HREF.search(tag)
        if m:
            href = html.unescape(m.group(1).decode("utf-8", "replace"))
            links.append(urljoin(base, href) if base else href)
    return links


def _entry_html(entry: Any) -> bytes:
    title = html.escape(entry.get("title") or "")
    body = ""
    if entry.get("content"):
        body = entry["content"][0].get("value") or ""
    if not body:
        body = entry.get("summary") or ""
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    ).encode()


class Feeds:
    name = "feeds"
    version = "1"
    title = "RSS and Atom feeds"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("raw_page",)

    def sniff(self, inp: Input) -> float:
        head = inp.head(4096)
        if looks_like_sitemap(head):
            return 0.0
        if looks_like_feed(head) and not looks_like_html(head):
            return 0.95
        ctype = (inp.content_type or "").lower()
        if any(ctype.startswith(c) for c in _FEED_CTYPES):
            return 0.9
        if inp.name.endswith(_FEED_EXT) or inp.name.endswith(("/feed", "/rss")):
            return 0.7  # above html_files: a "feed" that is HTML gets the clear error below
        return 0.0

    def read(self, inp: Input, ctx: SourceContext) -> Iterator[SourceItem]:
        data = inp.data()
        head = data[:4096]
        if looks_like_html(head) and not looks_like_feed(head):
            links = feed_links_in_html(data, inp.url)
            hint = (
                f"its feed link: {links[0]}"
                if links
                else "ingest it as a page (without --source feeds), or find the site's RSS link"
            )
            yield ItemError(inp.origin, "source", "this is an HTML page, not a feed", hint)
            return
        cap = int(ctx.settings["fetch.max_pages"])
        data, cut = cut_entries(data, cap)
        parsed = feedparser.parse(data, response_headers={"content-location": inp.url} if inp.url else None)
        if parsed.bozo and not parsed.entries:
            exc = parsed.get("bozo_exception")
            yield ItemError(
                inp.origin,
                "source",
                f"not a readable RSS/Atom feed ({exc})",
                "check the URL or file; feeds are XML starting with <rss> or <feed>",
            )
            return
        feed_title = parsed.feed.get("title")
        entries = parsed.entries[:cap]
        if cut:
            yield ItemError(
                inp.origin,
                "source",
                f"the feed has more than {cap:,} entries; read the first {cap:,}",
                "raise fetch.max_pages to read more",
            )
        for i, entry in enumerate(entries):
            yield guard(f"{inp.origin}#{i + 1}", partial(self._entry, inp, ctx, entry, i, feed_title))

    @staticmethod
    def _entry(inp: Input, ctx: SourceContext, entry: Any, index: int, feed_title: str | None) -> SourceItem:
        hints: list[tuple[str, str]] = []
        if feed_title:
            hints.append(("feed_title", feed_title))
        published = _entry_date(entry)
        if published:
            hints.append(("published", published))
        if entry.get("title"):
            hints.append(("title", entry["title"]))
        if entry.get("author"):
            hints.append(("author", entry["author"]))
        link = entry.get("link")
        origin = f"{inp.origin}#{index + 1}"
        failed: tuple[tuple[str, str], ...] = ()
        if ctx.fetch is not None and link:
            try:
                res = ctx.fetch(link)
            except FetchError as exc:
                # The entry's own title and text are in hand: store those rather than lose it.
                log.warning("%s: %s — stored from the feed's entry (%s) instead", link, exc.message, origin)
                failed = (("fetch_failed", exc.message),)
            else:
                return fetched_page(res, (*hints, ("feed", inp.origin)))
        return RawPage(
            origin=origin,
            content=_entry_html(entry),
            format="html",
            url=link,
            hints=(*hints, ("feed", inp.origin), ("from_feed_summary", "1"), *failed),
        )


def register(registry: Registry) -> None:
    registry.register("source", Feeds())
