"""Plain-text article dumps → Document.

The dumps look like a page copied from a browser, one block per line::

    <site name>            (optional: a short line naming the outlet, often with its domain)
    <title>
    <lead>
    <dateline>             ("ZNewsZNews27/12/2025", "27. Dezember 2025", "ngày 27/12/2025")
    <body, with image alt-text lines and photo captions in between>
    Quelle: <original URL>
    <comment prompt, "same category" list, nav words>

The stages below peel these off in an order that keeps them from confusing each other: boilerplate
tail first (its headline lists would otherwise look like paragraphs or captions), then attribution,
then the head (site, title), dateline, alt-text and captions.
"""

from __future__ import annotations

import re

from limelight.errors import ItemFailed
from limelight.extract.attribution import domain_of, find_attribution
from limelight.extract.boilerplate import cut_tail
from limelight.extract.captions import is_alt_text_line, is_caption_line
from limelight.extract.dates import find_date_in_text, iter_text_dates, parse_iso, plausible
from limelight.models import Document, RawPage, Source, content_hash, document_id
from limelight.registry import Registry
from limelight.settings import Settings
from limelight.textio import decode_bytes
from limelight.urls import normalize_url

_SENTENCE_END = re.compile(r"[.!?…。！？]\s*$")
_SITE_HINT = re.compile(r"(?:\b[\w-]+\.(?:[a-z]{2,6})\b|\s[-|–—·]\s)", re.I)
_BYLINE = re.compile(r"^\s*(?:Von|By|Par|Por|Tác giả|作者|文|记者)\s*[:：/]?\s*(.{2,60}?)\s*$", re.I)


def _is_short_line(line: str, max_words: int = 25) -> bool:
    return len(line) <= 200 and len(line.split()) <= max_words


def _looks_like_site(line: str, next_line: str | None) -> bool:
    """A first line that names the outlet rather than the article: domain or "Name - tagline", and
    followed by another short line (the real title)."""
    if next_line is None or not _is_short_line(next_line):
        return False
    return _is_short_line(line, 12) and _SITE_HINT.search(line) is not None and not _SENTENCE_END.search(line)


def _is_dateline(line: str) -> bool:
    """A short line that is mostly a date (plus outlet/author words): the article's dateline."""
    return len(line) <= 80 and len(line.split()) <= 10 and bool(iter_text_dates(line))


class TextExtractor:
    name = "text"
    version = "1"
    title = "Plain-text article dumps"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = (
        "text", "title", "published_at", "source", "captions", "attribution_url",
    )
    formats: tuple[str, ...] = ("text",)

    def extract(self, page: RawPage, settings: Settings) -> Document:
        raw, _encoding = decode_bytes(page.content)
        paragraphs = [" ".join(line.split()) for line in raw.splitlines()]
        paragraphs = [p for p in paragraphs if p]
        if not paragraphs:
            raise ItemFailed("no main text found", "the file holds only whitespace; check the export")

        paragraphs = cut_tail(paragraphs, min_keep=2)
        attribution, paragraphs = find_attribution(paragraphs)

        # Head: optional site line, then the title.
        sitename = page.hint("site") or page.hint("sitename")
        title = page.hint("title")
        if len(paragraphs) >= 3 and _looks_like_site(paragraphs[0], paragraphs[1]):
            sitename = sitename or paragraphs[0]
            paragraphs = paragraphs[1:]
        if title is None and len(paragraphs) >= 2 and _is_short_line(paragraphs[0]):
            title = paragraphs[0]
            paragraphs = paragraphs[1:]
        elif title is not None and paragraphs and paragraphs[0] == title:
            paragraphs = paragraphs[1:]

        # Dateline: the first short line with a date among the first few; it is metadata, not text.
        published = None
        date_source: str | None = None
        author: str | None = page.hint("author")
        for i, para in enumerate(paragraphs[:6]):
            if _is_dateline(para):
                published = plausible(find_date_in_text(para), settings)
                if published is not None:
                    date_source = "text:dateline"
                    del paragraphs[i]
                    break
        for i, para in enumerate(paragraphs[:6]):
            by = _BYLINE.match(para)
            if by and _is_short_line(para, 8):
                author = author or by.group(1)
                del paragraphs[i]
                break

        captions = tuple(p for p in paragraphs if is_caption_line(p))
        body = [p for p in paragraphs if not is_caption_line(p) and not is_alt_text_line(p)]
        if not body:
            raise ItemFailed("no main text found", "the file has a title but no paragraphs of text")

        if published is None:
            for key, src in (("published", "feed"), ("date", "hint")):
                hinted = plausible(parse_iso(page.hint(key)), settings)
                if hinted is not None:
                    published, date_source = hinted, src
                    break

        text = "\n".join(body)
        chash = content_hash(title, text)
        canonical = page.hint("canonical") or page.url
        canonical = normalize_url(canonical) or canonical if canonical else None  # the key: see extract.html
        handle = domain_of(canonical) or domain_of(sitename) or (sitename or "").strip().lower() or "unknown"
        return Document(
            id=document_id(canonical, chash),
            kind="article",
            origin=page.origin,
            source=Source.make("web", handle, name=sitename),
            text=text,
            title=title,
            url=page.url,
            canonical_url=canonical,
            published_at=published,
            date_source=date_source,
            author=author,
            captions=captions,
            attribution_url=attribution.url if attribution else None,
            attribution_text=attribution.text if attribution else None,
            fetched_at=page.fetched_at,
            content_hash=chash,
        )


def register(registry: Registry) -> None:
    registry.register("extractor", TextExtractor())
