"""A small project for the dashboard's page and browser tests, written straight through the store (no
ingest: it takes a second). Everything in it is SYNTHETIC, made up here: the entities (Kestrel, Han
Zhiyuan, Rival), the outlets (*.example), the accounts, the texts and the dates.

It holds what each page needs to show something: articles in English, one German, one Chinese and
one Vietnamese article, posts and livestreams of watched accounts, posts that copy an official post, a story with a
translation and a republication, a burst of negative coverage (a storm), documents without a date,
and hostile text: a document whose title and text carry ``<script>``, ``onerror=`` and
``javascript:`` payloads, with a ``javascript:`` URL, and a watchlist entity whose name is a
``<script>``. A payload that ran would set ``window.__xss``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from limelight.models import Document, Enriched, Link, Mention, Source, content_hash, document_id
from limelight.project import Project, init_project

HOSTILE_NAME = "Rival <script>window.__xss=3</script>"
HOSTILE_TITLE = "<script>window.__xss=1</script>Kestrel recall <b>bold</b>"
HOSTILE_TEXT = ('Kestrel recalls cars <img src=x onerror="window.__xss=2"> today. '
                'Read <a href="javascript:alert(1)">more</a> at javascript:alert(1).\n'
                "Rival said nothing.")
HOSTILE_URL = "javascript:alert(1)"

WATCHLIST = f"""\
# SYNTHETIC watchlist for the dashboard tests
[[entity]]
id = "kestrel"
kind = "org"
name = "Kestrel"
aliases = ["Kestrel", "红隼"]
accounts = [{{ platform = "weibo", handle = "kestrel" }}]
official_accounts = [{{ platform = "weibo", handle = "kestrel" }}]

[[entity]]
id = "han"
kind = "person"
name = "Han Zhiyuan"
parent = "kestrel"
role = "founder"
aliases = ["Han Zhiyuan", "韩志远"]
accounts = [{{ platform = "x", handle = "hanzy" }}]

[[entity]]
id = "rival"
kind = "org"
name = {HOSTILE_NAME!r}
aliases = ["Rival"]
competitors = ["kestrel"]
"""

WEB = Source.make("web", "example.org", "Example Daily")
NEWS = Source.make("web", "news.example.com", "Example News")
DE = Source.make("web", "zeitung.example.de", "Beispiel-Zeitung")
ZH = Source.make("web", "xinwen.example.cn", "示例新闻")
VI = Source.make("web", "tin.example.vn", "Tin Ví Dụ")
WEIBO = Source.make("weibo", "kestrel", "Kestrel")
X = Source.make("x", "hanzy", "Han")
START = datetime(2024, 3, 1, 0, 0, tzinfo=UTC)
DAYS = 60
STORM_DAYS = (44, 45, 46)  # a burst of negative Kestrel articles

GERMAN_TITLE = "Kestrel eröffnet Werk in Grünheide"
GERMAN_TEXT = ("Der Autobauer Kestrel eröffnet heute sein erstes Werk in Grünheide bei Berlin.\n"
               "Han Zhiyuan sprach über Qualität, Größe und die Zukunft der Fabrik.")
CHINESE_TITLE = "红隼汽车发布新款电动车"
CHINESE_TEXT = "红隼今天在北京发布了新款电动车。\n韩志远表示首批订单超过预期。"
VIETNAMESE_TITLE = "Kestrel ra mắt xe điện mới tại Hà Nội"
VIETNAMESE_TEXT = ("Hãng xe Kestrel hôm nay ra mắt mẫu xe điện mới tại Hà Nội.\n"
                   "Ông Han Zhiyuan cho biết số đơn đặt hàng vượt kỳ vọng.")


def _doc(n: int, source: Source, text: str, *, title: str | None = None, day: int | None = 0, hour: int = 0,
         language: str = "en", kind: str = "article", content_type: str | None = None,
         url: str | None = None, attribution_url: str | None = None) -> Document:
    if kind == "article" and url is None:
        url = f"https://{source.handle}/story/{n}"
    chash = content_hash(title, text)
    published = None if day is None else START + timedelta(days=day, hours=hour)
    return Document(
        id=document_id(url, chash, f"{source.platform}:{n}" if url is None else None), kind=kind,  # type: ignore[arg-type]
        origin=f"synthetic#{n}", source=source, text=text, title=title, url=url, canonical_url=url,
        language=language, language_confidence=0.95, published_at=published,
        date_source=None if published is None else "synthetic", content_hash=chash,
        content_type=content_type, platform_id=str(n) if kind == "post" else None,
        attribution_url=attribution_url,
    )


def _mention(doc: Document, entity: str, surface: str, *, field: str = "text", role: str = "body",
             tone: float | None = 0.3) -> Mention | None:
    where = doc.title if field == "title" else doc.text
    assert where is not None
    start = where.find(surface)
    if start < 0:
        return None
    sentence = next((s for s in where.split("\n") if surface in s), where)
    label = None if tone is None else "negative" if tone < -0.2 else "positive" if tone > 0.2 else "neutral"
    return Mention(doc.id, entity, surface, surface, field, start, start + len(surface), role,  # type: ignore[arg-type]
                   sentence, tone=tone, tone_label=label)


def _item(doc: Document, mentions: list[Mention | None], links: tuple[Link, ...] = ()) -> Enriched:
    return Enriched(doc, tuple(m for m in mentions if m is not None), links)


class Corpus:
    """The SYNTHETIC documents, with handles on the ones tests look for."""

    def __init__(self) -> None:
        self.items: list[Enriched] = []
        self.stories: list[tuple[str, str, str]] = []
        n = 0
        for day in range(DAYS):
            # everyday coverage: Kestrel (often with Han), Rival alone (so Kestrel's share can rise)
            for k in range(2):
                n += 1
                source = (WEB, NEWS)[k]
                tone = -0.5 if (day + k) % 9 == 0 else 0.4
                doc = _doc(n, source, f"Kestrel ships cars on day {day}. Han Zhiyuan was pleased.\nMore {n}.",
                           title=f"Kestrel update {n}", day=day, hour=2 + 5 * k)
                self.items.append(_item(doc, [_mention(doc, "kestrel", "Kestrel", field="title", role="headline",
                                                       tone=tone),
                                              _mention(doc, "han", "Han Zhiyuan", role="quoted", tone=0.1)]))
            n += 1
            doc = _doc(n, NEWS, f"Rival opened a shop on day {day}.", title=f"Rival news {n}", day=day, hour=14)
            self.items.append(_item(doc, [_mention(doc, "rival", "Rival", field="title", role="headline", tone=0.0)]))
            if day in STORM_DAYS:
                for k in range(8):
                    n += 1
                    dragged = " Han Zhiyuan apologised." if k % 2 == 0 else ""
                    doc = _doc(n, (WEB, NEWS)[k % 2], f"Kestrel faces anger over brakes ({k}).{dragged}\n"
                               "Customers are upset.", title=f"Kestrel brake scandal {n}", day=day, hour=3 + k)
                    self.items.append(_item(doc, [_mention(doc, "kestrel", "Kestrel", field="title", role="headline",
                                                           tone=-0.8),
                                                  _mention(doc, "han", "Han Zhiyuan", role="body", tone=-0.7)]))
            # the official weibo account: a post every day, a livestream every 7 days until day 35
            n += 1
            post = _doc(n, WEIBO, f"Kestrel official notice {day}: new colours arrive.", day=day, hour=8,
                        kind="post", content_type="post", language="en")
            self.items.append(_item(post, [_mention(post, "kestrel", "Kestrel", role="lead")]))
            if day % 7 == 0 and day <= 35:
                n += 1
                live = _doc(n, WEIBO, f"Kestrel livestream {day}: factory tour.", day=day, hour=12, kind="post",
                            content_type="livestream")
                self.items.append(_item(live, [_mention(live, "kestrel", "Kestrel", role="speaking")]))
            # Han's own account: a post every second day; every fourth day it copies the official notice
            if day % 2 == 0:
                n += 1
                copied = day % 4 == 0
                text = post.text if copied else f"Han Zhiyuan here, day {day}."
                mine = _doc(n, X, text, day=day, hour=10, kind="post", content_type="post")
                links = (Link(mine.id, post.id, "copies_official", 0.97, "synthetic copy"),) if copied else ()
                self.items.append(_item(mine, [_mention(mine, "kestrel", "Kestrel"),
                                               _mention(mine, "han", "Han Zhiyuan", role="lead")], links))

        # one story across languages: an English original, its German translation, a republication
        n += 1
        origin = _doc(n, WEB, "Kestrel and Han Zhiyuan present the K9 sedan in Shanghai.\nOrders open in May.",
                      title="Kestrel unveils the K9", day=20, hour=1)
        n += 1
        self.german = _doc(n, DE, GERMAN_TEXT, title=GERMAN_TITLE, day=20, hour=6, language="de",
                           attribution_url=origin.url)
        n += 1
        copy = _doc(n, NEWS, origin.text, title="Kestrel unveils the K9 (wire)", day=20, hour=4)
        n += 1
        self.chinese = _doc(n, ZH, CHINESE_TEXT, title=CHINESE_TITLE, day=21, hour=2, language="zh")
        n += 1
        self.vietnamese = _doc(n, VI, VIETNAMESE_TEXT, title=VIETNAMESE_TITLE, day=22, hour=3, language="vi")
        self.items += [
            _item(origin, [_mention(origin, "kestrel", "Kestrel", field="title", role="headline"),
                           _mention(origin, "han", "Han Zhiyuan", role="lead")]),
            _item(self.german, [_mention(self.german, "kestrel", "Kestrel", field="title", role="headline"),
                                _mention(self.german, "han", "Han Zhiyuan", role="quoted")],
                  (Link(self.german.id, origin.id, "translation", 0.91, "synthetic translation"),)),
            _item(copy, [_mention(copy, "kestrel", "Kestrel", field="title", role="headline")],
                  (Link(copy.id, origin.id, "syndication", 0.99, "synthetic wire copy"),)),
            _item(self.chinese, [_mention(self.chinese, "kestrel", "红隼", field="title", role="headline"),
                                 _mention(self.chinese, "han", "韩志远", role="quoted")]),
            _item(self.vietnamese, [_mention(self.vietnamese, "kestrel", "Kestrel", field="title", role="headline"),
                                    _mention(self.vietnamese, "han", "Han Zhiyuan", role="quoted")]),
        ]
        self.story_id = "story-k9"
        self.stories = [(origin.id, self.story_id, "synthetic"), (self.german.id, self.story_id, "synthetic"),
                        (copy.id, self.story_id, "synthetic")]
        self.origin = origin

        # the hostile document, and documents without a date
        n += 1
        self.hostile = _doc(n, NEWS, HOSTILE_TEXT, title=HOSTILE_TITLE, day=30, hour=5, url=HOSTILE_URL,
                            attribution_url=HOSTILE_URL)
        self.items.append(_item(self.hostile, [
            _mention(self.hostile, "kestrel", "Kestrel", field="title", role="headline", tone=-0.4),
            _mention(self.hostile, "kestrel", "Kestrel", role="lead", tone=-0.4),
            _mention(self.hostile, "rival", "Rival", role="body", tone=0.0)]))
        self.undated = []
        for k in range(3):
            n += 1
            doc = _doc(n, WEB, f"Kestrel archive piece {k}, date unknown.", title=f"Kestrel archive {k}", day=None)
            self.undated.append(doc)
            self.items.append(_item(doc, [_mention(doc, "kestrel", "Kestrel", field="title", role="headline")]))

    @property
    def dated(self) -> int:
        return sum(1 for i in self.items if i.document.published_at is not None)


def make_project(root: Path) -> tuple[Project, Corpus]:
    corpus = Corpus()
    project = init_project(root, watchlist=WATCHLIST)
    store = project.open_store()
    try:
        store.sync_watchlist(project.watchlist)
        run = store.start_run(["synthetic/"], {"synthetic": True})
        store.write(corpus.items, run)
        store.replace_stories(corpus.stories)
        store.finish_run(run, {"new": len(corpus.items)}, finished_at=START + timedelta(days=DAYS))
    finally:
        store.close()
    return project, corpus


def dashboard_app(project: Project):  # type: ignore[no-untyped-def]
    """The app as `limelight serve` builds it; the pages, their static files and the search API are
    added here only where the app does not include them itself."""
    import importlib

    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    from limelight.web import app as web_app
    from limelight.web import pages

    app = web_app.create_app(project)
    included = set(getattr(web_app, "ROUTERS", ()))
    if "limelight.web.pages" not in included:
        app.include_router(pages.router)
    if not any(isinstance(r, Mount) and r.path == "/static" for r in app.router.routes):
        app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    if not included & {"limelight.web.api_search", "limelight.web.search"}:
        app.include_router(importlib.import_module("limelight.web.api_search").router)
    return app
