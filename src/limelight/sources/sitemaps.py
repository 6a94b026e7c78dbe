"""XML sitemaps, sitemap indexes and Google News sitemaps → one fetched RawPage per ``<loc>``.

Indexes are followed through ``ctx.fetch`` up to three levels deep; all pages together are capped by
``fetch.max_pages``. ``<lastmod>`` and the news tags (``news:publication_date``, ``news:title``,
``news:language``) travel as hints: the extractor keeps the publication date's time when the page
states only its day, and uses ``news:title`` when the page names no title. Offline there is nothing
to read: a sitemap lists URLs only.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from limelight.errors import ItemFailed
from limelight.models import ItemError
from limelight.registry import Registry
from limelight.sources._util import looks_like_sitemap
from limelight.sources.base import FetchError, Input, SourceContext, SourceItem, fetched_page

MAX_DEPTH = 3
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)


@dataclass
class SitemapEntry:
    loc: str
    hints: list[tuple[str, str]] = field(default_factory=list)


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def parse_sitemap(data: bytes) -> tuple[str, list[SitemapEntry]]:
    """``("urlset" | "sitemapindex", entries)``; raises ValueError when it is not a sitemap."""
    try:
        root = etree.fromstring(data.lstrip(), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not XML ({exc})") from None
    if root is None or _local(root.tag) not in ("urlset", "sitemapindex"):
        raise ValueError("no <urlset> or <sitemapindex> root element")
    entries: list[SitemapEntry] = []
    for node in root:
        if _local(node.tag) not in ("url", "sitemap"):
            continue
        entry = SitemapEntry(loc="")
        for child in node.iter():
            name = _local(child.tag)
            text = (child.text or "").strip()
            if not text:
                continue
            if name == "loc" and child.getparent() is node:
                entry.loc = text
            elif name == "lastmod":
                entry.hints.append(("lastmod", text))
            elif name == "publication_date":
                entry.hints.append(("published", text))
            elif name == "title" and _local(child.getparent().tag) == "news":
                # news:title only: image:title and video:title name a picture or a clip, not the page.
                entry.hints.append(("title", text))
            elif name == "language":
                entry.hints.append(("language", text))
            elif name == "name" and _local(child.getparent().tag) == "publication":
                entry.hints.append(("publication", text))
        if entry.loc:
            entries.append(entry)
    return _local(root.tag), entries


class Sitemaps:
    name = "sitemaps"
    version = "1"
    title = "XML sitemaps, sitemap indexes and Google News sitemaps"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("raw_page",)

    def sniff(self, inp: Input) -> float:
        head = inp.head(4096)
        if looks_like_sitemap(head):
            return 0.95
        if "sitemap" in inp.name and inp.name.endswith(".xml"):
            return 0.6
        return 0.0

    def read(self, inp: Input, ctx: SourceContext) -> Iterator[SourceItem]:
        budget = [int(ctx.settings["fetch.max_pages"])]
        yield from self._read(inp.data(), inp.origin, ctx, 0, budget, set())

    def _read(
        self, data: bytes, origin: str, ctx: SourceContext, depth: int, budget: list[int], seen: set[str]
    ) -> Iterator[SourceItem]:
        try:
            kind, entries = parse_sitemap(data)
        except ValueError as exc:
            yield ItemError(origin, "source", f"not a sitemap: {exc}")
            return
        if ctx.fetch is None:
            yield ItemError(
                origin,
                "source",
                f"this sitemap lists {len(entries):,} URLs but fetching is off",
                "run online (without --offline) to fetch the pages it lists",
            )
            return
        for entry in entries:
            if entry.loc in seen:
                continue
            seen.add(entry.loc)
            if kind == "sitemapindex":
                if depth + 1 >= MAX_DEPTH:
                    yield ItemError(
                        entry.loc,
                        "source",
                        f"sitemap indexes nested deeper than {MAX_DEPTH} levels",
                        "pass the inner sitemap directly",
                    )
                    continue
                try:
                    res = ctx.fetch(entry.loc)
                except FetchError as exc:
                    yield ItemError(entry.loc, "source", exc.message, exc.hint or f"listed in {origin}")
                    continue
                try:  # sitemap.xml.gz served as a file: capped after decompression like any input
                    cap = int(ctx.settings["ingest.max_bytes"])
                    content = Input(res.url, content=res.content, max_bytes=cap).data()
                except (ItemFailed, OSError, EOFError, zlib.error) as exc:
                    yield ItemError(entry.loc, "source", f"cannot read this sitemap: {exc}", f"listed in {origin}")
                    continue
                yield from self._read(content, res.url, ctx, depth + 1, budget, seen)
                continue
            if budget[0] <= 0:
                yield ItemError(
                    origin,
                    "source",
                    "stopped at fetch.max_pages",
                    "raise fetch.max_pages to read more of this sitemap",
                )
                return
            budget[0] -= 1
            try:
                res = ctx.fetch(entry.loc)
            except FetchError as exc:
                yield ItemError(entry.loc, "source", exc.message, exc.hint or f"listed in {origin}")
                continue
            yield fetched_page(res, (*entry.hints, ("sitemap", origin)))


def register(registry: Registry) -> None:
    registry.register("source", Sitemaps())
