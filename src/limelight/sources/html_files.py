"""HTML pages from files (.html, .htm, also gzipped) or fetched URLs → ``RawPage(format="html")``."""

from __future__ import annotations

from collections.abc import Iterator

from limelight.models import RawPage
from limelight.registry import Registry
from limelight.sources._util import (
    looks_like_feed,
    looks_like_html,
    looks_like_sitemap,
    looks_like_weibo_cn,
    option_datetime,
)
from limelight.sources.base import Input, SourceContext, SourceItem

_HTML_EXT = (".html", ".htm", ".xhtml", ".shtml")


class HtmlFiles:
    name = "html_files"
    version = "1"
    title = "HTML pages (files or URLs)"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("raw_page",)

    def sniff(self, inp: Input) -> float:
        head = inp.head(8192)
        # Feeds and sitemaps are XML that may contain HTML fragments; their own sources read them.
        html = looks_like_html(head)
        if (looks_like_feed(head) or looks_like_sitemap(head)) and not html:
            return 0.0
        ctype = (inp.content_type or "").lower()
        score = 0.0
        if inp.name.endswith(_HTML_EXT) or "html" in ctype:
            score = 0.6
        elif html:
            score = 0.5
        # weibo.cn pages are HTML too, but weibo_cn turns them into posts; stay a fallback only.
        if score and looks_like_weibo_cn(head):
            score = 0.2
        return score

    def read(self, inp: Input, ctx: SourceContext) -> Iterator[SourceItem]:
        yield RawPage(
            origin=inp.origin,
            content=inp.data(),
            format="html",
            url=inp.url,
            fetched_at=option_datetime(inp),
            hints=(("content_type", inp.content_type),) if inp.content_type else (),
        )


def register(registry: Registry) -> None:
    registry.register("source", HtmlFiles())
