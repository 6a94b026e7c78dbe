"""News pages of the synthetic sample: planning the coverage, then rendering each page as HTML.

Planning and rendering are separate so that a republication or a syndicated copy can be rendered
from the very same abstract article (its sequence of template keys) as the original.
"""

from __future__ import annotations

import html
import json
import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import urlsplit

from limelight.sample.templates import (
    CAPTIONS,
    CHROME,
    NAV,
    PORTAL_FILLER,
    SENTENCES,
    SUBHEADS,
    TITLES,
    TOPICS,
)
from limelight.sample.world import (
    CITIES,
    END,
    EVENT_FACTS,
    EVENTS,
    LANGS,
    MONTHS,
    MT_NICKNAME,
    NAMES,
    NEWS_OUTLETS,
    OUTLET_BY_DOMAIN,
    START,
    STORM_END,
    STORM_START,
    Outlet,
)

# Share of coverage per language; Chinese and Vietnamese outlets follow the company most closely.
LANG_WEIGHTS = (0.19, 0.21, 0.28, 0.32)
# Deliveries reported for the previous month, the same number in every outlet.
MONTHLY_UNITS = {6: 41_000, 7: 44_000, 8: 48_000, 9: 52_000, 10: 39_000, 11: 43_000, 12: 45_000}

Block = tuple[str, ...]  # ("p", key, key...) | ("h", subhead) | ("fig", caption_key)


@dataclass
class Article:
    """One planned page. ``blocks`` hold template keys, not text, so any language can render it."""

    lang: str
    outlet: Outlet
    published: datetime
    topic: str
    city: str
    facts: dict[str, object]
    blocks: list[Block]
    title_variant: int
    kind: str = "original"  # original | republication | syndication | blog | press_release
    original: Article | None = None
    machine_translated: bool = False
    author: str | None = None
    pid: int = 0
    url: str = ""
    canonical: str = ""
    related: list[Article] = field(default_factory=list)

    @property
    def day(self) -> date:
        return self.published.date()

    @property
    def path(self) -> str:
        """Local file path under ``articles/``: domain, then the URL path flattened."""
        parts = urlsplit(self.url)
        name = parts.path.strip("/").replace("/", "_") or "index"
        if not name.endswith(".html"):
            name += ".html"
        return f"{parts.netloc}/{name}"


# --- text rendering --------------------------------------------------------------------------

def fmt_num(lang: str, n: int) -> str:
    if lang == "zh":
        # Chinese press counts in 万 (10,000) for round large numbers: 12万, 25.9万.
        if n >= 10_000 and n % 1000 == 0:
            return f"{n / 10_000:g}万"
        return str(n)
    s = f"{n:,}"
    return s.replace(",", ".") if lang in ("de", "vi") else s


def params(a: Article, lang: str, *, nickname: bool = False) -> dict[str, str]:
    p = dict(NAMES[lang])
    if nickname and lang in MT_NICKNAME:
        p["ceo"] = MT_NICKNAME[lang]
    p["city"] = CITIES[a.city][lang]
    p["outlet"] = a.outlet.name
    for key, value in a.facts.items():
        if isinstance(value, dict):
            p[key] = str(value[lang])
        elif isinstance(value, int):
            p[key] = fmt_num(lang, value)
        else:
            p[key] = str(value)
    return p


def sentence(key: str, lang: str, p: dict[str, str]) -> str:
    return SENTENCES[key][1][lang].format_map(p)


def join(lang: str, parts: list[str]) -> str:
    return ("" if lang == "zh" else " ").join(parts)


def title_text(a: Article, lang: str, *, nickname: bool = False) -> str:
    variants = TITLES[TOPICS[a.topic].title]
    return variants[a.title_variant % len(variants)][lang].format_map(params(a, lang, nickname=nickname))


@dataclass(frozen=True, slots=True)
class Rendered:
    title: str
    paragraphs: list[tuple[str, str]]  # ("p"|"h", text) and ("fig", caption)
    tone: int

    @property
    def text(self) -> str:
        return "\n\n".join(t for kind, t in self.paragraphs if kind == "p")


def render(a: Article, lang: str) -> Rendered:
    """The article's words in ``lang``. A machine-translated republication renders the CEO's name as
    the literal nickname in its headline and the first sentence naming him, and keeps the real name
    elsewhere: the inconsistency real machine translation shows (the seed's "Donnerlord")."""
    mt = a.machine_translated and lang in MT_NICKNAME
    p = params(a, lang)
    nick = params(a, lang, nickname=True) if mt else p
    nick_left = mt
    out: list[tuple[str, str]] = []
    tones: list[int] = []
    for block in a.blocks:
        if block[0] == "p":
            texts = []
            for k in block[1:]:
                use_nick = nick_left and "{ceo}" in SENTENCES[k][1][lang]
                nick_left = nick_left and not use_nick
                texts.append(sentence(k, lang, nick if use_nick else p))
                tones.append(SENTENCES[k][0])
            out.append(("p", join(lang, texts)))
        elif block[0] == "h":
            text = SUBHEADS[block[1]][lang]
            out.append(("h", text + "." if mt else text))
        else:
            out.append(("fig", CAPTIONS[block[1]][lang].format_map(p)))
    mean = sum(tones) / len(tones) if tones else 0.0
    tone = 1 if mean > 0.25 else -1 if mean < -0.25 else 0
    return Rendered(title_text(a, lang, nickname=mt), out, tone)


def slugify(text: str, lang: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", folded.lower())
    return "-".join(words[:9]) or "tin"


# --- planning --------------------------------------------------------------------------------

def _phase(day: date) -> str:
    return "pre" if day < STORM_START else "storm" if day <= STORM_END else "post"


def _time(rng: random.Random, day: date, lang: str, after: datetime | None = None) -> datetime:
    # Local publishing hours 07-21 keep the calendar date the same in UTC for every offset used here,
    # so "published inside the range" holds whichever way a reader normalises the time zone.
    offset = {"de": 2 if day < date(2025, 10, 26) else 1, "en": 0, "vi": 7, "zh": 8}[lang]
    tz = timezone(timedelta(hours=offset))
    dt = datetime(day.year, day.month, day.day, rng.randint(7, 20), rng.randint(0, 59), tzinfo=tz)
    if after is not None and dt <= after:
        dt = min(after.astimezone(tz) + timedelta(minutes=rng.randint(40, 180)),
                 datetime(day.year, day.month, day.day, 21, 59, tzinfo=tz))
    return dt


def _blocks(rng: random.Random, topic: str, *, positive_only: bool = False) -> list[Block]:
    t = TOPICS[topic]
    lead = rng.choice(t.leads)
    chosen = [g for g in t.groups if rng.random() < g.p]
    # Even a short news item has a few paragraphs; top up with the topic's groups in order.
    for g in t.groups:
        if len(chosen) >= 2:
            break
        if g not in chosen:
            chosen.append(g)
    body: list[list[str]] = []
    for group in sorted(chosen, key=t.groups.index):
        keys = [k for k in group.keys if not positive_only or SENTENCES[k][0] >= 0]
        if keys:
            body.append(rng.sample(keys, rng.randint(1, min(group.most, len(keys)))))
    caps = [t.captions[0]] + [c for c in t.captions[1:] if rng.random() < 0.5]
    blocks: list[Block] = [("p", lead), ("fig", caps[0])]
    subheads = list(t.subheads)
    for gi, keys in enumerate(body):
        if subheads and gi > 0:
            blocks.append(("h", subheads.pop(0)))
        # Paragraphs of one to three sentences, as news sites write them.
        while keys:
            n = rng.randint(1, 3)
            blocks.append(("p", *keys[:n]))
            keys = keys[n:]
        if len(caps) > 1 and gi == len(body) // 2:
            blocks.append(("fig", caps.pop(1)))
    blocks.extend(("fig", c) for c in caps[1:])
    return blocks


def _facts(topic: str, day: date) -> dict[str, object]:
    base = topic.split("_")[0] if topic.startswith("deliveries") else topic
    facts: dict[str, object] = dict(EVENT_FACTS.get(base, {}))
    if topic.startswith("deliveries") or topic == "ceo_profile":
        month = (day.month - 2) % 12 + 1
        facts["month"] = {lang: MONTHS[lang][month - 1] for lang in LANGS}
        facts["units"] = MONTHLY_UNITS[month]
    return facts


def _original(rng: random.Random, day: date, topic: str, city: str,
              lang: str | None = None, outlet: Outlet | None = None) -> Article:
    lang = lang or rng.choices(LANGS, LANG_WEIGHTS)[0]
    outlet = outlet or rng.choice(NEWS_OUTLETS[lang])
    return Article(lang=lang, outlet=outlet, published=_time(rng, day, lang), topic=topic, city=city,
                   facts=_facts(topic, day), blocks=_blocks(rng, topic),
                   title_variant=rng.randrange(4), author=rng.choice(outlet.authors))


def plan(rng: random.Random) -> list[Article]:
    """All pages of the sample, in publication order."""
    originals: list[Article] = []
    for ev in EVENTS:
        room = (END - ev.day).days
        offsets = list(range(min(11, room + 1)))
        # Coverage peaks on the day and fades over a week and a half: the burst a storm detector sees.
        weights = [0.34, 0.2, 0.12, 0.08, 0.06, 0.05, 0.04, 0.03, 0.03, 0.025, 0.025][:len(offsets)]
        for _ in range(ev.articles):
            day = ev.day + timedelta(days=rng.choices(offsets, weights)[0])
            originals.append(_original(rng, day, ev.topic, ev.city))
    day = START
    while day <= END:
        phase = _phase(day)
        rate = 0.45 if phase == "storm" else 0.35
        n = (rng.random() < rate) + (rng.random() < rate * 0.25)
        for _ in range(n):
            if phase == "pre":
                topic = "deliveries" if rng.random() < 0.6 else "ceo_profile"
            else:
                topic = "deliveries_storm" if phase == "storm" else "deliveries_post"
            originals.append(_original(rng, day, topic, rng.choice(list(CITIES))))
        day += timedelta(days=1)
    # The anchor of the seed's shape: a Vietnamese analysis of the withdrawal, republished in German.
    anchor = _original(rng, date(2025, 12, 27), "withdrawal", "beijing", "vi",
                       OUTLET_BY_DOMAIN["tinnhanhso.example"])
    anchor.title_variant = 0
    originals.append(anchor)

    extra = _republications(rng, originals, anchor) + _syndications(rng, originals) + _special(rng)
    pages = originals + extra
    pages.sort(key=lambda a: (a.published.astimezone(UTC), a.outlet.domain, a.topic))
    _assign_urls(rng, pages)
    for a in pages:
        # Syndicated copies marked "" point their canonical at the original; all else at themselves.
        if a.kind == "syndication" and a.canonical == "" and a.original is not None:
            a.canonical = a.original.url
        elif a.canonical in ("", "self"):
            a.canonical = a.url
    _relate(rng, pages)
    return pages


def _republications(rng: random.Random, originals: list[Article], anchor: Article) -> list[Article]:
    """About twenty translated republications, each naming its original in an attribution line."""
    out: list[Article] = []

    def pick(langs: tuple[str, ...], topics: set[str], n: int, domains: set[str],
             must: Article | None = None) -> list[Article]:
        pool = [a for a in originals if a.lang in langs and a.topic in topics and a.outlet.domain in domains
                and a.day <= END - timedelta(days=2) and a is not must]
        chosen = rng.sample(pool, n - (must is not None))
        return ([must] if must is not None else []) + chosen

    vi_topics = {"withdrawal", "launch_ultra", "ads", "spillover", "autoshow", "crash", "launch_suv"}
    vi_src = pick(("vi",), vi_topics, 12, {"tinnhanhso.example", "congnghe24.example"}, anchor)
    portal = OUTLET_BY_DOMAIN["mekong-portal.example"]
    for i, orig in enumerate(vi_src):
        lang = "de" if i < 8 else "en"
        # The anchor appears in German the same day, as the seed's republication did.
        out.append(_copy_of(rng, orig, portal, lang, "republication", machine_translated=True,
                            same_day=orig is anchor))
    zh_topics = {"crash", "ads", "spillover", "results_q3", "launch_ultra", "recall", "chip"}
    zh_src = pick(("zh",), zh_topics, 8, {"kexun.example", "chexian.example", "shangjie.example"})
    digest = OUTLET_BY_DOMAIN["sinodigest.example"]
    vi_outlet = OUTLET_BY_DOMAIN["doanhnhanviet.example"]
    for i, orig in enumerate(zh_src):
        if i < 5:
            out.append(_copy_of(rng, orig, digest, "en" if i < 3 else "de", "republication"))
        else:
            out.append(_copy_of(rng, orig, vi_outlet, "vi", "republication"))
    return out


def _copy_of(rng: random.Random, orig: Article, outlet: Outlet, lang: str, kind: str,
             *, machine_translated: bool = False, same_day: bool = False) -> Article:
    lag = 0 if same_day else rng.choice((0, 0, 1, 2))
    day = min(orig.day + timedelta(days=lag), END)
    return Article(lang=lang, outlet=outlet, published=_time(rng, day, lang, after=orig.published),
                   topic=orig.topic, city=orig.city, facts=orig.facts, blocks=orig.blocks,
                   title_variant=orig.title_variant, kind=kind, original=orig,
                   machine_translated=machine_translated,
                   author=rng.choice(outlet.authors) if outlet.authors else None)


def _syndications(rng: random.Random, originals: list[Article]) -> list[Article]:
    """Exact copies on mirror domains; two of three keep the original as canonical."""
    out: list[Article] = []
    for src, mirror in (("globaltechwire.example", "newsmirror.example"),
                        ("technikbote.example", "nachrichtenspiegel.example")):
        pool = [a for a in originals if a.outlet.domain == src]
        for i, orig in enumerate(rng.sample(pool, 3)):
            copy = _copy_of(rng, orig, OUTLET_BY_DOMAIN[mirror], orig.lang, "syndication", same_day=True)
            copy.author = orig.author
            copy.canonical = "" if i < 2 else "self"
            out.append(copy)
    return out


def _special(rng: random.Random) -> list[Article]:
    """A fan blog and a press-release wire: pages whose layout differs from the news sites."""
    out: list[Article] = []
    by_topic = {ev.topic: ev for ev in EVENTS}
    blog, wire = OUTLET_BY_DOMAIN["kestrel-fans.example"], OUTLET_BY_DOMAIN["presswire.example"]
    for topic in ("launch_suv", "launch_phone", "launch_ultra"):
        ev = by_topic[topic]
        day = ev.day + timedelta(days=1)
        out.append(Article(lang="en", outlet=blog, published=_time(rng, day, "en"), topic=topic, city=ev.city,
                           facts=_facts(topic, day), blocks=_blocks(rng, topic), title_variant=1,
                           kind="blog", author=blog.authors[0]))
    for topic in ("launch_suv", "chip", "launch_ultra"):
        ev = by_topic[topic]
        out.append(Article(lang="en", outlet=wire, published=_time(rng, ev.day, "en"), topic=topic,
                           city=ev.city, facts=_facts(topic, ev.day),
                           blocks=_blocks(rng, topic, positive_only=True), title_variant=0,
                           kind="press_release", author=wire.authors[0]))
    return out


def _assign_urls(rng: random.Random, pages: list[Article]) -> None:
    used_ids: set[int] = set()
    used_urls: set[str] = set()
    for a in pages:
        pid = rng.randint(100_000, 9_999_999)
        while pid in used_ids:
            pid = rng.randint(100_000, 9_999_999)
        used_ids.add(pid)
        a.pid = pid
        slug = slugify(title_text(a, a.lang, nickname=a.machine_translated and a.lang in MT_NICKNAME), a.lang)
        if a.lang == "zh":
            slug = str(pid)
        d = a.published
        url = a.outlet.url.format(slug=slug, id=pid, y=f"{d.year}", m=f"{d.month:02d}", d=f"{d.day:02d}",
                                  lang=a.lang)
        n = 2
        base = slug
        while url in used_urls:
            slug = f"{base}-{n}"
            n += 1
            url = a.outlet.url.format(slug=slug, id=pid, y=f"{d.year}", m=f"{d.month:02d}",
                                      d=f"{d.day:02d}", lang=a.lang)
        used_urls.add(url)
        a.url = url


def _relate(rng: random.Random, pages: list[Article]) -> None:
    by_outlet: dict[str, list[Article]] = {}
    for a in pages:
        by_outlet.setdefault(a.outlet.domain, []).append(a)
    for a in pages:
        # A page can only link to what its outlet had already published.
        earlier = [b for b in by_outlet[a.outlet.domain] if b.lang == a.lang and b.published < a.published]
        recent = earlier[-12:]
        a.related = rng.sample(recent, min(3, len(recent)))


# --- HTML ------------------------------------------------------------------------------------

def _e(s: str) -> str:
    return html.escape(s, quote=True)


def visible_date(dt: datetime, lang: str) -> str:
    if lang == "de":
        return f"{dt.day:02d}.{dt.month:02d}.{dt.year}, {dt.hour:02d}:{dt.minute:02d} Uhr"
    if lang == "en":
        return f"{MONTHS['en'][dt.month - 1]} {dt.day}, {dt.year}"
    if lang == "vi":
        return f"{dt.day:02d}/{dt.month:02d}/{dt.year} {dt.hour:02d}:{dt.minute:02d}"
    return f"{dt.year}年{dt.month}月{dt.day}日 {dt.hour:02d}:{dt.minute:02d}"


def _figures(a: Article, r: Rendered, lang: str) -> list[str]:
    """HTML for each ("fig", caption) block; portal pages get the slug-style alt text that machine
    translation leaves behind (the seed's "... im lang anh 1")."""
    out: list[str] = []
    n = 0
    alt_base = ""
    if a.outlet.role == "portal" and a.original is not None:
        alt_base = slugify(title_text(a.original, a.original.lang), a.original.lang).replace("-", " ")
    host = urlsplit(a.url).netloc
    for kind, text in r.paragraphs:
        if kind != "fig":
            continue
        n += 1
        src = f"https://{host}/images/{a.published.year}/{a.published.month:02d}/{a.pid}-{n}.jpg"
        alt = f"{alt_base} anh {n}" if alt_base else re.split(r"\s*(Foto|Photo|Ảnh|图片来源)[:：]", text)[0]
        out.append(f'<figure class="photo"><img src="{_e(src)}" alt="{_e(alt)}" width="960" height="640">'
                   f"<figcaption>{_e(text)}</figcaption></figure>")
    return out


def _body(a: Article, r: Rendered, lang: str, *, lead_class: str = "lead", first_prefix: str = "") -> str:
    figs = iter(_figures(a, r, lang))
    parts: list[str] = []
    first = True
    for kind, text in r.paragraphs:
        if kind == "p":
            if first:
                parts.append(f'<p class="{lead_class}">{_e(first_prefix + text)}</p>')
                first = False
            else:
                parts.append(f"<p>{_e(text)}</p>")
        elif kind == "h":
            parts.append(f"<h2>{_e(text)}</h2>")
        else:
            parts.append(next(figs))
    if a.kind == "republication" and a.original is not None:
        label = CHROME[lang]["attrib"]
        # The attribution names the original's URL, as the seed's "Quelle:" line does.
        parts.append(f'<p class="source">{label}: {_e(a.original.url)}</p>')
    return "\n".join(parts)


def _head(a: Article, r: Rendered, lang: str, extra: str = "") -> str:
    lead = next((t for k, t in r.paragraphs if k == "p"), "")
    desc = lead if len(lead) <= 160 else lead[:157] + "..."
    author_meta = f'<meta name="author" content="{_e(a.author)}">\n' if a.author else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(r.title)} | {_e(a.outlet.name)}</title>\n"
        f'<meta name="description" content="{_e(desc)}">\n'
        f'<meta property="og:type" content="article">\n'
        f'<meta property="og:site_name" content="{_e(a.outlet.name)}">\n'
        f'<meta property="og:title" content="{_e(r.title)}">\n'
        f'<meta property="og:url" content="{_e(a.url)}">\n'
        f'<meta property="og:image" content="https://{urlsplit(a.url).netloc}/images/{a.pid}-og.jpg">\n'
        f'<meta property="article:published_time" content="{a.published.isoformat()}">\n'
        f'<meta property="article:section" content="{_e(a.outlet.section)}">\n'
        f"{author_meta}"
        f'<link rel="canonical" href="{_e(a.canonical)}">\n'
        f'<link rel="stylesheet" href="/static/site.css">\n{extra}</head>\n'
    )


def _nav(lang: str) -> str:
    items = "".join(f'<li><a href="/{slugify(n, lang) if lang != "zh" else f"channel{i}"}/">{_e(n)}</a></li>'
                    for i, n in enumerate(NAV[lang]))
    return f"<nav class=\"main-nav\"><ul>{items}</ul></nav>"


def _related(a: Article, lang: str, heading_key: str = "related") -> str:
    items = "".join(f'<li><a href="{_e(b.url)}">{_e(render(b, lang).title)}</a></li>' for b in a.related)
    return f'<aside class="related"><h2>{_e(CHROME[lang][heading_key])}</h2><ul>{items}</ul></aside>'


def _comments(lang: str) -> str:
    c = CHROME[lang]
    return (f'<section class="comments"><h2>{_e(c["comments"])}</h2><p>{_e(c["prompt"])}</p>'
            f'<form class="comment-form"><textarea name="comment"></textarea><button type="submit">OK</button>'
            f"</form></section>")


def _footer(a: Article, lang: str) -> str:
    text = CHROME[lang]["footer"].format(site=a.outlet.name, n=a.pid % 900 + 100)
    return f'<footer class="site-footer"><p>{_e(text)}</p></footer>'


def page_html(a: Article) -> str:
    lang = a.lang
    r = render(a, lang)
    layout = a.outlet.layout
    byline = CHROME[lang]["by"].format(a=a.author) if a.author else ""
    vis = visible_date(a.published, lang)
    iso = a.published.isoformat()
    if layout == "classic":
        return (
            _head(a, r, lang) + "<body>\n"
            f'<header class="site-header"><a class="logo" href="https://{urlsplit(a.url).netloc}/">{_e(a.outlet.name)}'
            f"</a>{_nav(lang)}</header>\n<main>\n<article>\n"
            f'<p class="kicker">{_e(a.outlet.section)}</p>\n<h1>{_e(r.title)}</h1>\n'
            f'<p class="byline"><span class="author">{_e(byline)}</span> · <time datetime="{iso}">{vis}</time></p>\n'
            f"{_body(a, r, lang)}\n</article>\n{_related(a, lang)}\n{_comments(lang)}\n</main>\n"
            f"{_footer(a, lang)}\n</body>\n</html>\n"
        )
    if layout == "magazine":
        ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": r.title,
                         "datePublished": iso, "author": {"@type": "Person", "name": a.author},
                         "publisher": {"@type": "Organization", "name": a.outlet.name},
                         "mainEntityOfPage": a.canonical, "inLanguage": lang}, ensure_ascii=False)
        return (
            _head(a, r, lang, f'<script type="application/ld+json">{ld}</script>\n')
            + '<body class="magazine">\n'
            f'<div id="top-bar"><span class="brand">{_e(a.outlet.name)}</span>{_nav(lang)}'
            f'<form class="search"><input type="search" name="q"></form></div>\n'
            f'<div class="container"><div class="story">\n<div class="story-header">'
            f'<span class="section">{_e(a.outlet.section)}</span><h1 class="headline">{_e(r.title)}</h1>'
            f'<div class="story-meta"><span class="author-name">{_e(a.author or "")}</span> '
            f'<time datetime="{iso}">{vis}</time></div></div>\n'
            f'<div class="story-body">\n{_body(a, r, lang, lead_class="summary")}\n</div>\n'
            f'<div class="share-bar">{_e(CHROME[lang]["share"])}: Weibo · Facebook · X</div>\n'
            f'</div>\n<div class="sidebar">{_related(a, lang)}<div class="ad-slot">Ad</div></div></div>\n'
            f"{_comments(lang)}\n{_footer(a, lang)}\n</body>\n</html>\n"
        )
    if layout == "portal":
        src = a.original.outlet.name if a.original is not None else a.outlet.name
        filler = "".join(f"<li><a href=\"/{lang}/{slugify(t, lang)}-{a.pid % 97 + i}.html\">{_e(t)}</a></li>"
                         for i, t in enumerate(PORTAL_FILLER.get(lang, PORTAL_FILLER["en"])[:4]))
        return (
            _head(a, r, lang) + '<body class="portal">\n'
            f'<div class="portal-top"><a href="https://{a.outlet.domain}/{lang}/">{_e(a.outlet.name)}</a> - '
            f'{_e(CHROME[lang]["portal_tag"])}</div>\n'
            f'<div class="post"><h1 class="post-title">{_e(r.title)}</h1>\n'
            # Source outlet shown twice (name and logo text), as scraped portals render it.
            f'<div class="post-meta"><span class="src-name">{_e(src)}</span><span class="src-logo">{_e(src)}'
            f'</span><span class="post-date">{a.published:%d/%m/%Y}</span></div>\n'
            f'<div class="post-content">\n{_body(a, r, lang, lead_class="sapo")}\n</div></div>\n'
            f"{_comments(lang)}\n"
            f'<div class="same-cat"><h3>{_e(CHROME[lang]["same_cat"])}</h3><ul>{filler}</ul></div>\n'
            f"{_footer(a, lang)}\n</body>\n</html>\n"
        )
    if layout == "blog":
        return (
            _head(a, r, lang) + '<body class="single-post">\n<div id="page">'
            f'<header id="masthead"><p class="site-title">{_e(a.outlet.name)}</p>'
            f'<p class="site-description">Unofficial news and opinions about Kestrel gear</p></header>\n'
            f'<div id="content"><article class="post type-post">\n<header class="entry-header">'
            f'<h1 class="entry-title">{_e(r.title)}</h1><div class="entry-meta"><span class="posted-on">'
            f'<time class="entry-date published" datetime="{iso}">{vis}</time></span> '
            f'<span class="byline">by <span class="author vcard">{_e(a.author or "")}</span></span></div></header>\n'
            f'<div class="entry-content">\n{_body(a, r, lang, lead_class="intro")}\n</div>\n'
            f'<footer class="entry-footer">Posted in Kestrel · Tagged EV, phones</footer></article>\n'
            f'<div id="comments"><h2>Leave a Reply</h2><p>Your email address will not be published.</p></div>'
            f"</div></div>\n</body>\n</html>\n"
        )
    # wire: a press release with a dateline in front of the first paragraph
    city = CITIES[a.city]["en"].upper()
    dateline = f"{city}, {MONTHS['en'][a.published.month - 1]} {a.published.day}, {a.published.year} /PressWire/ -- "
    return (
        _head(a, r, lang) + '<body class="release-page">\n'
        f'<div class="wire-header">{_e(a.outlet.name)} · News releases</div>\n<div class="release">'
        f'<h1>{_e(r.title)}</h1><p class="release-date"><time datetime="{iso}">{vis}</time></p>\n'
        f'<div class="release-body">\n{_body(a, r, lang, lead_class="dateline", first_prefix=dateline)}\n'
        f'</div>\n<div class="contact">Media contact: press@kestrel-tech.example</div></div>\n'
        f"{_footer(a, lang)}\n</body>\n</html>\n"
    )


def truth_record(a: Article) -> dict[str, object]:
    """Ground truth for one page: what a perfect pipeline would extract and link."""
    r = render(a, a.lang)
    return {
        "path": f"articles/{a.path}", "url": a.url, "canonical": a.canonical, "lang": a.lang,
        "outlet": a.outlet.domain, "kind": a.kind, "topic": a.topic, "phase": _phase(a.day),
        "published": a.published.isoformat(), "title": r.title, "author": a.author, "tone": r.tone,
        "captions": [t for k, t in r.paragraphs if k == "fig"],
        "original_url": a.original.url if a.original is not None else None,
        "machine_translated": a.machine_translated,
        "sentences": [k for b in a.blocks if b[0] == "p" for k in b[1:]],
    }


def body_html(a: Article) -> str:
    """The article body as an HTML fragment, for feeds that carry the full content."""
    return _body(a, render(a, a.lang), a.lang)
