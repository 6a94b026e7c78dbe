"""A small project for the web tests, written straight through the store (no ingest, so it takes a
second). Everything in it is SYNTHETIC, made up here: the entities (Kestrel, Han Zhiyuan, Rival),
the outlets (*.example), the texts, the dates. Some documents have no date, one title is a
spreadsheet formula, one is markup, and there are more documents than one page of the API holds."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from limelight.models import Document, Enriched, Link, Mention, Source, content_hash, document_id
from limelight.project import Project, init_project

WATCHLIST = """\
# SYNTHETIC watchlist for the web tests
[[entity]]
id = "kestrel"
kind = "org"
name = "Kestrel"
aliases = ["Kestrel"]
accounts = [{ platform = "weibo", handle = "kestrel" }]
official_accounts = [{ platform = "weibo", handle = "kestrel" }]

[[entity]]
id = "han"
kind = "person"
name = "Han Zhiyuan"
parent = "kestrel"
aliases = ["Han Zhiyuan"]
accounts = [{ platform = "x", handle = "hanzy" }]

[[entity]]
id = "rival"
kind = "org"
name = "Rival <img src=x onerror=alert(1)>"
aliases = ["Rival"]
competitors = ["kestrel"]
"""

SOURCES = (Source.make("web", "example.org", "Example"), Source.make("web", "news.example.com", "News"),
           Source.make("weibo", "kestrel", "Kestrel"), Source.make("x", "hanzy", "Han"))
DOCUMENTS = 620  # more than the page cap (500)
FORMULA_TITLE = '=cmd("/c calc")'
START = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)


def undated(n: int) -> bool:
    return n % 50 == 7


def corpus() -> list[Enriched]:
    """SYNTHETIC documents: web articles and social posts in three languages over ~130 days."""
    items = []
    for n in range(DOCUMENTS):
        source = SOURCES[n % 4]
        kind = "article" if source.platform == "web" else "post"
        language = ("en", "de", "zh")[n % 3]
        title = (FORMULA_TITLE if n == 4 else f"Kestrel story {n}") if kind == "article" else None
        text = f"Kestrel news {n}. Han Zhiyuan said it went well.\nRival replied {n}."
        url = f"https://{source.handle}/{n}" if kind == "article" else None
        published = None if undated(n) else START + timedelta(hours=5 * n)
        chash = content_hash(title, text)
        doc = Document(
            id=document_id(url, chash, f"{source.platform}:{n}" if url is None else None), kind=kind,
            origin=f"synthetic#{n}", source=source, text=text, title=title, url=url, canonical_url=url,
            language=language, language_confidence=0.9, published_at=published, content_hash=chash,
            content_type="post" if kind == "post" else None, platform_id=str(n) if kind == "post" else None,
            captions=(f"Kestrel caption {n}",) if n % 6 == 0 else (),
            attribution_url="https://example.org/0" if n in (5, 9) else None,
        )
        tone = -0.6 if n % 7 == 0 else 0.3
        mentions = [Mention(doc.id, "kestrel", "Kestrel", "Kestrel", "title" if title else "text", 0, 7,
                            "headline" if title else "lead", text.split("\n")[0], tone=tone,
                            tone_label="negative" if tone < 0 else "positive")]
        if n % 5:
            start = text.index("Han")
            mentions.append(Mention(doc.id, "han", "Han Zhiyuan", "Han Zhiyuan", "text", start, start + 11,
                                    "quoted", text.split("\n")[0], tone=0.1, tone_label="neutral"))
        if n % 3 == 0:
            start = text.index("Rival")
            mentions.append(Mention(doc.id, "rival", "Rival", "Rival", "text", start, start + 5, "body",
                                    text.split("\n")[1]))
        links = (Link(doc.id, None, "attribution", 1.0, "Source: Example", to_url="https://example.org/0"),) \
            if doc.attribution_url else ()
        items.append(Enriched(doc, tuple(mentions), links))
    return items


def make_project(root: Path) -> Project:
    project = init_project(root, watchlist=WATCHLIST)
    store = project.open_store()
    try:
        store.sync_watchlist(project.watchlist)
        run = store.start_run(["synthetic/"], {"synthetic": True})
        store.write(corpus(), run)
        store.finish_run(run, {"new": DOCUMENTS})
    finally:
        store.close()
    return project


@dataclass
class Client:
    """Requests to the app in-process (httpx's ASGI transport), one event loop per call."""

    app: Any

    def get(self, path: str, params: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                return await client.get(path, params=params, headers=headers)

        return asyncio.run(go())
