"""HTML pages → Document, with trafilatura for the main text and our own rules for metadata.

The cascade, stage by stage:

1. decode the bytes (:func:`limelight.textio.decode_bytes`: BOM, meta charset, legacy encodings)
   and refuse markup that would stall the parser (:func:`limelight.textio.check_markup`);
2. parse once with trafilatura's ``load_html`` and read every metadata candidate from the tree
   (:mod:`limelight.extract.htmlmeta`) and the photo captions (``<figcaption>``, ``.caption``...);
3. ``trafilatura.bare_extraction`` for the main text, comments excluded;
4. clean its text: captions out (they go to ``captions``), attribution lines out (they go to
   ``attribution_*``), boilerplate tails (comment prompts, "related" lists) cut;
5. choose title, date and author from the candidates with the rules below, each measured on
   trafilatura's evaluation pages (``limelight.eval.extraction``).
"""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import date, datetime
from urllib.parse import urljoin

from lxml.html import HtmlElement
from trafilatura import bare_extraction
from trafilatura.settings import Document as TrafDocument
from trafilatura.utils import load_html

from limelight.errors import ItemFailed
from limelight.extract.attribution import Attribution, domain_of, find_attribution, link_attribution
from limelight.extract.boilerplate import cut_tail
from limelight.extract.captions import html_captions, is_caption_line, norm, remove_captions
from limelight.extract.dates import date_from_url, parse_iso, plausible
from limelight.extract.htmlmeta import AUTHOR_META, DATE_META, PageMeta, ld_article, ld_names, read_page_meta
from limelight.models import Document, RawPage, Source, content_hash, document_id
from limelight.registry import Registry
from limelight.settings import Settings
from limelight.textio import check_markup, decode_bytes
from limelight.urls import normalize_url

MIN_TEXT_CHARS = 15
_POSTS_BY = re.compile(r"^.*?\b(?:posts|articles|stories|beiträge|artikel|texte)\s+(?:by|von)\s+", re.I)
_TITLE_SEPARATORS = re.compile(r"\s+(?:[|–—·•»:/]|-|::|//|\\\\)\s+")
_BY_PREFIX = re.compile(
    r"^\s*(?:by|von|par|por|di|de|autor(?:in)?|author|written by|geschrieben von|tác giả)\s*[:：]?\s+", re.I
)


# --- title ---------------------------------------------------------------------------------------


def _alnum(text: str) -> str:
    return re.sub(r"\W", "", norm(text))


def _is_site(part: str, sites: list[str]) -> bool:
    """``part`` names the outlet: equal to a site name, or the domain written out ("SMAVA", "MDR.DE")."""
    p = _alnum(part)
    return bool(p) and any(p == s or (len(p) >= 3 and len(s) >= 3 and (p in s or s in p)) for s in sites)


def _site_keys(site_names: list[str]) -> list[str]:
    keys = []
    for name in site_names:
        keys.append(_alnum(name))
        if "." in name and " " not in name.strip():  # a domain: also without its TLD
            keys.append(_alnum(name.rsplit(".", 1)[0]))
    return [k for k in dict.fromkeys(keys) if k]


def strip_site(title: str, site_names: list[str], guess: bool = False) -> str:
    """Drop the site-name part of "Headline | Site" / "Site - Headline".

    With ``guess`` (for <title>, which nearly always carries the site), a short first or last part is
    taken for an unknown site name; og:title and JSON-LD headlines only lose a part that names the site.
    """
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    sites = _site_keys(site_names)
    kept = [p for p in parts if not _is_site(p, sites)]
    if kept and len(kept) < len(parts):
        return _rejoin(title, kept)
    if guess:
        first, last = parts[0], parts[-1]
        if len(last.split()) <= 4 and len(" ".join(parts[:-1]).split()) >= 3:
            return _rejoin(title, parts[:-1])
        if len(first.split()) <= 3 and len(" ".join(parts[1:]).split()) >= 4:
            return _rejoin(title, parts[1:])
    return title


def _rejoin(title: str, parts: list[str]) -> str:
    """The span of ``title`` from the first to the last kept part (keeps inner separators as written)."""
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() if 0 <= start < end else " ".join(parts)


def _h1_matches(h1: str, ref: str, site_names: list[str]) -> bool:
    """The <h1> is the headline that <title>/og:title/JSON-LD name, in full or shortened."""
    h, full = norm(h1), norm(ref)
    stripped = norm(strip_site(ref, site_names, guess=True))
    if h in (full, stripped):
        return True
    if len(stripped) >= 10 and stripped in h:  # the meta title is a shortened form of the h1
        return True
    return len(h) >= 10 and h in stripped and len(h) >= 0.5 * len(stripped)


def choose_title(pm: PageMeta, fallback: str | None, site_names: list[str]) -> str | None:
    """The headline as shown on the page.

    An <h1> that agrees with <title>/og:title/JSON-LD is the headline exactly as written (those often
    carry the site name or an SEO variant) unless the h1 is the site name itself, as on many blogs;
    else JSON-LD headline, og:title and <title> with the site part stripped, then trafilatura's choice.
    """
    ld = ld_article(pm)
    ld_headline = ld.get("headline") if ld else None
    ld_headline = " ".join(ld_headline.split()) if isinstance(ld_headline, str) else None
    og = pm.first("og:title", "twitter:title")
    refs = [t for t in (og, ld_headline, pm.title_tag, fallback) if t]
    sites = _site_keys(site_names)
    for h1 in pm.h1:
        if _is_site(h1, sites):
            continue
        if any(_h1_matches(h1, ref, site_names) for ref in refs):
            return h1
    for cand, guess in ((ld_headline, False), (og, False), (pm.title_tag, True)):
        if cand and cand.strip() and not _is_site(cand, sites):
            return strip_site(" ".join(cand.split()), site_names, guess=guess)
    return fallback


# --- date ----------------------------------------------------------------------------------------


def choose_date(
    pm: PageMeta, htmldate_day: str | None, url: str | None, page: RawPage, settings: Settings
) -> tuple[datetime | None, str | None]:
    """Publication date and where it came from.

    htmldate (run by trafilatura with ``original_date``) is trusted for the *day*: it weighs meta
    tags, JSON-LD and visible dates, and on trafilatura's pages it beat "first explicit meta tag
    wins" (0.886 vs 0.882 same-day, 0.870 vs 0.854 same UTC day). When a JSON-LD or meta value
    states that day, we keep that value instead, for its time of day and as a precise
    ``date_source``. Without an htmldate day: JSON-LD, meta tags, the URL, then container hints.

    The container's timestamp (a feed entry's pubDate, a news sitemap's publication date) keeps its
    time too: it wins outright on a page built from a feed entry (that page has no metadata of its
    own, and htmldate read a day off its URL or text: "08:30+08:00" became midnight UTC), and it
    replaces a bare day from htmldate or the URL when it falls on that day.
    """
    container, container_src, container_days = _container_date(page, settings)
    if container is not None and page.hint("from_feed_summary"):
        return container, container_src
    ld = ld_article(pm)
    candidates: list[tuple[str | None, str]] = []
    if ld:
        for key in ("datePublished", "dateCreated"):
            value = ld.get(key)
            candidates.append((value if isinstance(value, str) else None, f"json-ld:{key}"))
    for name in DATE_META:
        candidates.append((pm.first(name), f"meta:{name}"))
    day = plausible(parse_iso(htmldate_day), settings)
    if day is not None and htmldate_day:
        for value, src in candidates:
            if value and value.strip().startswith(htmldate_day):
                dt = plausible(parse_iso(value), settings)
                if dt is not None:
                    return dt, src
        if container is not None and day.date() in container_days:
            return container, container_src
        return day, "htmldate"
    for value, src in candidates:
        dt = plausible(parse_iso(value), settings)
        if dt is not None:
            return dt, src
    dt = plausible(date_from_url(url), settings)
    if dt is not None:
        if container is not None and dt.date() in container_days:
            return container, container_src
        return dt, "url"
    return container, container_src


def _container_date(page: RawPage, settings: Settings) -> tuple[datetime | None, str | None, set[date]]:
    """The date a container gave the page (hint ``published`` from a feed or news sitemap, else
    ``date``), where it came from, and the days it falls on: in UTC and in the offset it was written
    with (a page's visible day is the publisher's local day)."""
    for key, src in (("published", "sitemap" if page.hint("sitemap") else "feed"), ("date", "hint")):
        raw = page.hint(key)
        dt = plausible(parse_iso(raw), settings)
        if dt is None or raw is None:
            continue
        days = {dt.date()}
        with suppress(ValueError):
            local = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
            days.add(local.date())
        return dt, src, days
    return None, None, set()


# --- author --------------------------------------------------------------------------------------


def clean_author(value: str | None) -> str | None:
    if not value:
        return None
    value = " ".join(value.split())
    value = _BY_PREFIX.sub("", _POSTS_BY.sub("", value)).strip(" ,;|-–—·")
    if not value or "://" in value or value.startswith("@") or len(value) > 80 or "@" in value:
        return None
    if not any(ch.isalpha() for ch in value):
        return None
    return value


def _is_handle(value: str) -> bool:
    """A login or slug rather than a name ("christian.stadtfeld", "admin_2")."""
    return " " not in value and re.search(r"[._]", value) is not None


def choose_author(pm: PageMeta, fallback: str | None, site_names: list[str]) -> str | None:
    """Authors as "A; B".

    JSON-LD persons first (explicit, and keeps co-authors), but not an organisation or the outlet
    itself, which many CMSs put there when no person signed; then trafilatura's choice (meta tags and
    bylines), then meta tags and byline elements it missed.
    """
    sites = [norm(s) for s in site_names if s]
    domains = {re.sub(r"\W", "", s) for s in sites if "." in s}

    def ok(value: str | None, not_site: bool = False) -> str | None:
        value = clean_author(value)
        if not value or _is_handle(value):
            return None
        n = norm(value)
        # "Finanztreff De" is trafilatura's rendering of the domain finanztreff.de, not a person.
        if re.sub(r"\W", "", n) in domains:
            return None
        # On personal blogs the site *is* the author, so only JSON-LD (where CMSs put the outlet by
        # default) is checked against the site names.
        if not_site and any(n == s or (len(n) >= 4 and (n in s or s in n)) for s in sites):
            return None
        return value

    ld = ld_article(pm)
    if ld:
        raw = ld.get("author")
        people = raw if isinstance(raw, list) else [raw]
        names = []
        for person in people:
            if isinstance(person, dict) and "organization" in str(person.get("@type", "")).lower():
                continue
            names += [n for n in (ok(x, not_site=True) for x in ld_names(person)) if n]
        if names:
            return "; ".join(dict.fromkeys(names))
    for value in (fallback, *(pm.first(name) for name in AUTHOR_META), *pm.author_nodes):
        if value and (found := ok(value)) and len(found.split()) <= 6:
            return found
    return None


# --- the extractor -------------------------------------------------------------------------------


def _absolute(base: str | None, href: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    return urljoin(base, href) if base else (href if "://" in href else None)


class HtmlExtractor:
    name = "html"
    version = "1"
    title = "HTML pages (trafilatura main text + limelight metadata rules)"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = (
        "text", "title", "published_at", "author", "source", "captions", "attribution_url", "canonical_url",
    )
    formats: tuple[str, ...] = ("html",)

    def extract(self, page: RawPage, settings: Settings) -> Document:
        html, _encoding = decode_bytes(page.content)
        check_markup(html)
        tree: HtmlElement | None = load_html(html)
        if tree is None:
            raise ItemFailed("not an HTML page (no document tree could be parsed)", "is the file HTML?")
        pm = read_page_meta(tree)
        captions = html_captions(tree)
        result = bare_extraction(
            tree,
            url=page.url,
            with_metadata=True,
            include_comments=False,
            favor_precision=bool(settings["extract.favor_precision"]),
        )
        raw_text = result.text if isinstance(result, TrafDocument) else None
        if not isinstance(result, TrafDocument) or not raw_text or not raw_text.strip():
            raise ItemFailed(
                "no main text found",
                "the page may be a listing, a paywall or rendered by JavaScript; try its feed or an archived copy",
            )
        paragraphs = [" ".join(line.split()) for line in raw_text.splitlines()]
        paragraphs = remove_captions([p for p in paragraphs if p], captions)
        # Credit-ended lines that the HTML did not mark as captions ("<p>... Foto: dpa</p>").
        inline_caps = [p for p in paragraphs if len(p) <= 300 and is_caption_line(p)]
        if inline_caps and len(inline_caps) < len(paragraphs):
            captions += [c for c in inline_caps if norm(c) not in {norm(x) for x in captions}]
            paragraphs = [p for p in paragraphs if p not in inline_caps]
        attribution, paragraphs = find_attribution(paragraphs)
        paragraphs = cut_tail(paragraphs, min_keep=3)
        text = "\n".join(paragraphs)
        # A few characters ("Menu") is what trafilatura returns for a page with no article on it.
        if len(text) < MIN_TEXT_CHARS:
            raise ItemFailed("no main text found",
                             "only navigation, captions or boilerplate were found; is this an article page?")

        site_names = [s for s in (pm.first("og:site_name", "application-name"), result.sitename,
                                  domain_of(page.url)) if s]
        ld = ld_article(pm)
        publisher = ld.get("publisher") if ld else None
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            site_names.append(publisher["name"])
        sitename = site_names[0] if site_names else None

        base = page.url or result.url
        linked_canonical = _absolute(base, pm.canonical) or _absolute(base, pm.first("og:url"))
        foreign = link_attribution(page.url, linked_canonical, "canonical")
        # A canonical on another domain marks a republication: keep the page's own URL as its key
        # (else it would collapse into the original in the store) and record the original instead.
        canonical = page.url if foreign else (linked_canonical or page.url)
        # The key is the normalised URL: ?utm_source=x, #fragment, case and default ports are one page.
        canonical = normalize_url(canonical) or canonical if canonical else None
        # An attribution line written on the page beats a link: it is what the editors chose to say.
        attribution = attribution or _html_attribution(tree) or foreign

        # A page that names no title of its own keeps the one its container gave it (a feed
        # entry's title, a Google News sitemap's news:title).
        title = choose_title(pm, result.title, site_names) or _clean_hint(page.hint("title"))
        # trafilatura keeps the <h1> as the first line; the lead is the first paragraph after it.
        if title and len(paragraphs) > 1 and norm(paragraphs[0]) == norm(title):
            paragraphs = paragraphs[1:]
            text = "\n".join(paragraphs)
        published, date_source = choose_date(pm, result.date, canonical or page.url, page, settings)
        author = choose_author(pm, result.author, site_names)

        chash = content_hash(title, text)
        handle = domain_of(canonical) or domain_of(page.url) or domain_of(sitename) or (sitename or "unknown")
        return Document(
            id=document_id(canonical, chash),
            kind="article",
            origin=page.origin,
            source=Source.make("web", handle, name=sitename),
            text=text,
            title=title,
            url=page.url,
            canonical_url=canonical,
            language=result.language or None,
            published_at=published,
            date_source=date_source,
            author=author,
            captions=tuple(captions),
            attribution_url=attribution.url if attribution else None,
            attribution_text=attribution.text if attribution else None,
            fetched_at=page.fetched_at,
            content_hash=chash,
        )


def _clean_hint(value: str | None) -> str | None:
    value = " ".join(value.split()) if value else None
    return value or None


def _html_attribution(tree: HtmlElement) -> Attribution | None:
    """An attribution the main-text extraction dropped: a short block that starts with a marker and
    links out ("<p>Quelle: <a href=…>…</a></p>" in a footer box)."""
    from limelight.extract.attribution import parse_attribution_line

    for el in tree.xpath("//p[a[@href]] | //div[a[@href]][not(.//div)] | //span[a[@href]]")[:400]:
        line = " ".join(el.text_content().split())
        if len(line) > 200:
            continue
        att = parse_attribution_line(line)
        if att is None:
            continue
        href = el.xpath("./a/@href")
        url = att.url or (str(href[0]) if href and str(href[0]).startswith("http") else None)
        return Attribution(text=att.text, url=url, name=att.name)
    return None


def register(registry: Registry) -> None:
    registry.register("extractor", HtmlExtractor())
