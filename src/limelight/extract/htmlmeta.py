"""Metadata candidates read straight from an HTML tree: meta tags, JSON-LD, <title>, <h1>, links.

trafilatura's own metadata is the weakest part of its output (DESIGN.md: titles exact 0.58, authors
0.47 on its evaluation set), so :mod:`limelight.extract.html` gathers every candidate here and
chooses with rules measured on that set (``limelight.eval.extraction``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

ARTICLE_TYPES = {
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle", "report",
    "opinionnewsarticle", "backgroundnewsarticle", "scholarlyarticle", "techarticle", "liveblogposting",
    "posting", "socialmediaposting", "review", "pressrelease",
}
# Meta names that carry the publication (not modification) date, most specific first.
DATE_META = (
    "article:published_time", "og:article:published_time", "og:published_time", "datepublished",
    "publishdate", "publish-date", "publish_date", "pubdate", "publication_date", "published_time",
    "date.published", "dc.date.issued", "dcterms.issued", "dc.date.created", "dcterms.created",
    "sailthru.date", "parsely-pub-date", "article.published", "article_date_original", "cxenseparse:recs:publishtime",
    "date", "dc.date", "dcterms.date", "created",
)
AUTHOR_META = ("author", "article:author", "og:article:author", "dc.creator", "dcterms.creator",
               "parsely-author", "sailthru.author", "byl", "citation_author", "twitter:creator")


@dataclass
class PageMeta:
    meta: dict[str, list[str]] = field(default_factory=dict)  # lowercased name/property/itemprop → contents
    ld: list[dict[str, Any]] = field(default_factory=list)  # JSON-LD objects, article-typed first
    title_tag: str | None = None
    h1: list[str] = field(default_factory=list)
    canonical: str | None = None
    time_datetimes: list[str] = field(default_factory=list)  # <time datetime> / itemprop=datePublished
    author_nodes: list[str] = field(default_factory=list)  # text of rel=author / itemprop=author / byline

    def first(self, *names: str) -> str | None:
        for name in names:
            for value in self.meta.get(name, ()):
                if value.strip():
                    return value.strip()
        return None


def _text(el: HtmlElement) -> str:
    return " ".join(el.text_content().split())


def _walk_ld(node: Any, out: list[dict[str, Any]]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk_ld(item, out)
    elif isinstance(node, dict):
        out.append(node)
        if "@graph" in node:
            _walk_ld(node["@graph"], out)


def ld_types(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type", ())
    types = [t] if isinstance(t, str) else list(t) if isinstance(t, list) else []
    return {str(x).lower() for x in types}


def read_page_meta(tree: HtmlElement) -> PageMeta:
    pm = PageMeta()
    for el in tree.iterfind(".//meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop")
        content = el.get("content")
        if key and content is not None:
            pm.meta.setdefault(key.strip().lower(), []).append(content)
    objs: list[dict[str, Any]] = []
    for script in tree.xpath("//script[contains(translate(@type, 'LDJSON', 'ldjson'), 'ld+json')]"):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            # Some CMSs emit a trailing comma or raw newlines inside strings; strict=False takes the latter.
            try:
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", raw), strict=False)
            except ValueError:
                continue
        _walk_ld(data, objs)
    pm.ld = sorted(objs, key=lambda o: 0 if ld_types(o) & ARTICLE_TYPES else 1)
    titles = tree.xpath("//head/title") or tree.xpath("//title")
    if titles:
        pm.title_tag = _text(titles[0]) or None
    pm.h1 = [t for t in (_text(h) for h in tree.iterfind(".//h1")) if t and len(t) <= 300]
    for link in tree.xpath("//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel:
            pm.canonical = link.get("href").strip()
            break
    for el in tree.xpath("//*[@itemprop='datePublished'] | //time[@datetime]"):
        value = el.get("datetime") or el.get("content") or _text(el)
        if value:
            pm.time_datetimes.append(value.strip())
    for el in tree.xpath(
        "//*[@rel='author'] | //*[@itemprop='author'] | "
        "//*[contains(@class, 'byline') or contains(@class, 'author-name') or contains(@class, 'autor')]"
    )[:10]:
        name_el = el.xpath(".//*[@itemprop='name']")
        value = (name_el[0].get("content") or _text(name_el[0])) if name_el else _text(el)
        if value:
            pm.author_nodes.append(value)
    return pm


def ld_article(pm: PageMeta) -> dict[str, Any] | None:
    for obj in pm.ld:
        if ld_types(obj) & ARTICLE_TYPES:
            return obj
    return None


def ld_names(value: Any) -> list[str]:
    """Person names from a JSON-LD author value (string, object, or list of either)."""
    out: list[str] = []
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, str):
            out.append(name)
        elif isinstance(name, (list, dict)):
            out.extend(ld_names(name))
    elif isinstance(value, list):
        for item in value:
            out.extend(ld_names(item))
    return [" ".join(n.split()) for n in out if n and n.strip()]
