"""Saved weibo.cn (the old mobile site) pages → one post Document per ``div.c[id^=M_]``.

Timeline pages (``/<uid>/profile``, ``/u/<uid>``) list posts; info, album, picture and comment
pages list none and yield nothing (the dispatcher reports "0 items"). Times are China Standard
Time. weibo.cn writes them relative to the moment of the visit (``5分钟前``, ``今天 12:00``, and
``06月17日 18:12`` without a year), so those need the year of the visit. It comes from the fetch
time: the fetch itself for URLs, else ``Input.options["fetched_at"]``, else a ``fetched_at`` in the
``url_map.json`` beside saved files (top level, or per page: ``{"https://weibo.cn/...": {"file":
"<file>.html", "fetched_at": "2020-06-19T00:47:00+08:00"}}``; weiboSpider's own maps are
``{url: file}``). The page's own clock (``weibo.cn[06-19 00:47]`` at its foot) then pins the visit
to the minute. A day that would lie after the visit in that year belongs to the year before.

Without a fetch time the year is not guessed: the post keeps no date and ``date_source`` says why
(``weibo.cn:no-year``, ``weibo.cn:relative-no-fetched_at``). Two things that look like context
are not used: the full dates of other posts on the page (they bound the year from below only, and
weiboSpider's saved pages mix full and year-less dates from one visit), and the file's
modification time (the saved pages here carry the date they were copied, six years later).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.html
from lxml.etree import ParserError

from limelight.models import ItemError, evolve
from limelight.registry import Registry
from limelight.sources._util import looks_like_weibo_cn, option_datetime, post_document, to_int
from limelight.sources.base import Input, SourceContext, SourceItem, guard
from limelight.textio import check_markup, decode_bytes

CST = ZoneInfo("Asia/Shanghai")
_COUNT_RE = re.compile(r"^(赞|转发|评论)\[(\d+)\]$")
_UID_RE = re.compile(r"weibo\.cn/(?:u/)?(\d{5,})(?:/|\?|$)")


def parse_weibo_time(raw: str, fetched: datetime | None) -> datetime | None:
    """A weibo.cn time string → UTC; None when it is relative and the fetch time is unknown."""
    return resolve_weibo_time(raw, fetched)[0]


def resolve_weibo_time(raw: str, fetched: datetime | None) -> tuple[datetime | None, str]:
    """A weibo.cn time string → (UTC time, ``date_source``); without a time, the source says why
    there is none. ``fetched`` is the moment of the visit."""
    s = raw.replace("\xa0", " ").strip()
    s = s.split("来自", 1)[0].strip()
    if m := re.match(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?", s):
        y, mo, d, h, mi = (int(x) for x in m.groups()[:5])
        try:
            return datetime(y, mo, d, h, mi, int(m.group(6) or 0), tzinfo=CST).astimezone(UTC), "weibo.cn:time"
        except ValueError:
            return None, "weibo.cn:unreadable-time"
    yearless = re.match(r"^(\d{1,2})月(\d{1,2})日\s*(\d{1,2}):(\d{2})", s)
    relative = s.startswith("刚刚") or re.match(r"^(\d+)分钟前|^今天\s*\d{1,2}:\d{2}", s)
    if not yearless and not relative:
        return None, ("weibo.cn:no-time" if not s else "weibo.cn:unreadable-time")
    if fetched is None:
        return None, "weibo.cn:no-year" if yearless else "weibo.cn:relative-no-fetched_at"
    now = fetched.astimezone(CST)
    try:
        if yearless:
            mo, d, h, mi = (int(x) for x in yearless.groups())
            when = datetime(now.year, mo, d, h, mi, tzinfo=CST)
            if when > now + timedelta(days=1):  # "12月30日" seen on 2 January: last year's
                when = when.replace(year=now.year - 1)
            return when.astimezone(UTC), "weibo.cn:time+fetched_at-year"
        if s.startswith("刚刚"):
            return now.astimezone(UTC), "weibo.cn:relative+fetched_at"
        if m := re.match(r"^(\d+)分钟前", s):
            return (now - timedelta(minutes=int(m.group(1)))).astimezone(UTC), "weibo.cn:relative+fetched_at"
        m = re.match(r"^今天\s*(\d{1,2}):(\d{2})", s)
        assert m is not None
        today = now.replace(hour=int(m.group(1)), minute=int(m.group(2)), second=0, microsecond=0)
        return today.astimezone(UTC), "weibo.cn:relative+fetched_at"
    except ValueError:  # 02月29日 in a year without one, 25:00
        return None, "weibo.cn:unreadable-time"


_PAGE_CLOCK = re.compile(r"weibo\.cn\[(\d{2})-(\d{2}) (\d{2}):(\d{2})\]")


def visit_time(page_text: str, fetched: datetime | None) -> datetime | None:
    """The moment of the visit: ``fetched`` pinned to the page's own clock (``weibo.cn[06-19 00:47]``,
    CST, no year) when that clock lies within three days of it (a save date, not the visit), else
    ``fetched`` as it is."""
    if fetched is None:
        return None
    m = _PAGE_CLOCK.search(page_text[-4000:])
    if not m:
        return fetched
    near = fetched.astimezone(CST)
    mo, d, h, mi = (int(x) for x in m.groups())
    for year in (near.year, near.year - 1, near.year + 1):
        try:
            clock = datetime(year, mo, d, h, mi, tzinfo=CST)
        except ValueError:
            continue
        if abs(clock - near) <= timedelta(days=3):
            return clock
    return fetched


def _text(el: lxml.html.HtmlElement) -> str:
    """Text of an element with emoticon images kept as their alt text ([嘻嘻]), which carries tone."""
    parts: list[str] = []
    if el.text:
        parts.append(el.text)
    for child in el:
        if child.tag == "img" and (child.get("alt") or "").startswith("["):
            parts.append(child.get("alt") or "")
        elif child.tag == "br":
            parts.append("\n")
        elif isinstance(child.tag, str):
            parts.append(_text(child))
        if child.tail:
            parts.append(child.tail)
    return "".join(parts)


def _clean(s: str) -> str:
    return re.sub(r"[ \t\xa0]+", " ", s).strip()


def page_url(inp: Input) -> str | None:
    return _url_map_entry(inp)[0]


def _url_map_entry(inp: Input) -> tuple[str | None, datetime | None]:
    """The page's URL and save time: from the input itself, else from the ``url_map.json`` beside
    the file (``{url: file}``, or ``{url: {"file": ..., "fetched_at": ...}}``, and an optional
    top-level ``"fetched_at"``)."""
    if inp.url:
        return inp.url, None
    if inp.path is None:
        return None, None
    url_map = inp.path.parent / "url_map.json"
    if not url_map.exists():
        return None, None
    try:
        mapping = json.loads(url_map.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None
    if not isinstance(mapping, dict):
        return None, None
    shared = _iso_time(mapping.get("fetched_at"))
    for url, entry in mapping.items():
        file = entry.get("file") if isinstance(entry, dict) else entry
        if isinstance(file, str) and Path(file).name == inp.path.name:
            own = _iso_time(entry.get("fetched_at")) if isinstance(entry, dict) else None
            return str(url), own or shared
    return None, shared


def _iso_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=CST)  # a saved page's own clock is CST


class WeiboCn:
    name = "weibo_cn"
    version = "1"
    title = "Saved weibo.cn pages (timelines → posts)"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("document",)

    def sniff(self, inp: Input) -> float:
        head = inp.head(8192)
        if inp.name == "url_map.json" and b"weibo.cn/" in head:
            return 0.9  # the sidecar that names the pages' URLs: read with them, nothing on its own
        return 0.9 if looks_like_weibo_cn(head) else 0.0

    def read(self, inp: Input, ctx: SourceContext) -> Iterator[SourceItem]:
        if inp.name == "url_map.json":
            return
        text, _ = decode_bytes(inp.data())
        check_markup(text)  # this page is parsed here, in the main process: nothing could stop a stall
        try:
            # lxml refuses str input that carries an XML encoding declaration.
            tree = lxml.html.fromstring(re.sub(r"^\s*<\?xml[^>]*\?>", "", text))
        except (ParserError, ValueError) as exc:
            yield ItemError(inp.origin, "source", f"cannot parse the weibo.cn page: {exc}")
            return
        url, saved = _url_map_entry(inp)
        fetched = visit_time(text, option_datetime(inp) or saved)
        uid = None
        if url and (m := _UID_RE.search(url)):
            uid = m.group(1)
        title = _clean(tree.findtext(".//title") or "")
        owner_name = title[: -len("的微博")] if title.endswith("的微博") else None
        for div in tree.xpath('//div[@class="c"][starts-with(@id, "M_")]'):
            bid = div.get("id")[2:]
            if not bid:
                continue  # single-post (comment) pages carry an empty id and the counts elsewhere
            yield guard(f"{inp.origin}#M_{bid}", partial(self._post, div, bid, inp, uid, owner_name, fetched))

    @staticmethod
    def _post(
        div: lxml.html.HtmlElement,
        bid: str,
        inp: Input,
        uid: str | None,
        owner_name: str | None,
        fetched: datetime | None,
    ) -> SourceItem:
        blocks = div.xpath("./div")
        ctt = div.xpath('.//span[@class="ctt"]')
        body = _clean(_text(ctt[0])) if ctt else ""
        repost_of = div.xpath('./div[1]/span[@class="cmt"][contains(., "转发了")]/a')
        content_type = "post"
        text = body
        if repost_of:
            content_type = "repost"
            orig_author = _clean(repost_of[0].text_content())
            reason = ""
            for cmt in div.xpath('./div[last()]/span[@class="cmt"][contains(., "转发理由")]'):
                # The reason is the text after the label, up to the counters.
                parts = [cmt.tail or ""]
                for sib in cmt.itersiblings():
                    if sib.tag == "a" and _COUNT_RE.match(_clean(sib.text_content())):
                        break
                    if sib.tag == "span" and sib.get("class") == "ct":
                        break
                    parts.append(_text(sib) if sib.tag != "br" else "\n")
                    parts.append(sib.tail or "")
                reason = _clean("".join(parts))
            text = f"{reason}\n\n//@{orig_author}: {body}" if reason else f"//@{orig_author}: {body}"
        counts: dict[str, int | None] = {"赞": None, "转发": None, "评论": None}
        last = blocks[-1] if blocks else div
        for a in last.xpath("./a"):
            if m := _COUNT_RE.match(_clean(a.text_content())):
                counts[m.group(1)] = to_int(m.group(2))
        ct = div.xpath('.//span[@class="ct"]')
        raw_time = ct[-1].text_content() if ct else ""
        published, date_source = resolve_weibo_time(raw_time, fetched)
        doc = post_document(
            platform="weibo",
            origin=f"{inp.origin}#M_{bid}",
            text=text,
            account=uid,
            account_name=owner_name,
            post_id=bid,
            published_at=published,
            date_source=date_source,
            url=f"https://weibo.cn/comment/{bid}",
            content_type=content_type,
            likes=counts["赞"],
            shares=counts["转发"],
            comments=counts["评论"],
            fetched_at=fetched,
        )
        # Without a date the reason stays with the post: "no-year" is never a silently wrong year.
        return doc if published is not None else evolve(doc, date_source=date_source)


def register(registry: Registry) -> None:
    registry.register("source", WeiboCn())
