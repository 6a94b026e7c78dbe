"""Saved weibo.cn (the old mobile site) pages → one post Document per ``div.c[id^=M_]``.

Timeline pages (``/<uid>/profile``, ``/u/<uid>``) list posts; info, album, picture and comment
pages list none and yield nothing (the dispatcher reports "0 items"). Times are China Standard
Time. weibo.cn writes them relative to the moment of the visit (``5分钟前``, ``今天 12:00``, and
``06月17日 18:12`` without a year for the current year), so those need the page's fetch time:
the fetch itself for URLs, else ``Input.options["fetched_at"]``. Without it the date stays
``None`` rather than a guess. The page URL comes from the input, or from a ``url_map.json``
beside saved files (``{"https://weibo.cn/...": ".../<file>.html"}``, as weiboSpider's test data).
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

from limelight.models import ItemError
from limelight.registry import Registry
from limelight.sources._util import looks_like_weibo_cn, option_datetime, post_document, to_int
from limelight.sources.base import Input, SourceContext, SourceItem, guard
from limelight.textio import check_markup, decode_bytes

CST = ZoneInfo("Asia/Shanghai")
_COUNT_RE = re.compile(r"^(赞|转发|评论)\[(\d+)\]$")
_UID_RE = re.compile(r"weibo\.cn/(?:u/)?(\d{5,})(?:/|\?|$)")


def parse_weibo_time(raw: str, fetched: datetime | None) -> datetime | None:
    """A weibo.cn time string → UTC; None when it is relative and the fetch time is unknown."""
    s = raw.replace("\xa0", " ").strip()
    s = s.split("来自", 1)[0].strip()
    if m := re.match(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?", s):
        y, mo, d, h, mi = (int(x) for x in m.groups()[:5])
        return datetime(y, mo, d, h, mi, int(m.group(6) or 0), tzinfo=CST).astimezone(UTC)
    if fetched is None:
        return None
    now = fetched.astimezone(CST)
    if s.startswith("刚刚"):
        return now.astimezone(UTC)
    if m := re.match(r"^(\d+)分钟前", s):
        return (now - timedelta(minutes=int(m.group(1)))).astimezone(UTC)
    if m := re.match(r"^今天\s*(\d{1,2}):(\d{2})", s):
        return now.replace(hour=int(m.group(1)), minute=int(m.group(2)), second=0, microsecond=0).astimezone(
            UTC
        )
    if m := re.match(r"^(\d{1,2})月(\d{1,2})日\s*(\d{1,2}):(\d{2})", s):
        mo, d, h, mi = (int(x) for x in m.groups())
        return datetime(now.year, mo, d, h, mi, tzinfo=CST).astimezone(UTC)
    return None


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
    if inp.url:
        return inp.url
    if inp.path is None:
        return None
    url_map = inp.path.parent / "url_map.json"
    if not url_map.exists():
        return None
    try:
        mapping = json.loads(url_map.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for url, file in mapping.items():
        if Path(str(file)).name == inp.path.name:
            return str(url)
    return None


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
        url = page_url(inp)
        fetched = option_datetime(inp)
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
        published = parse_weibo_time(raw_time, fetched)
        return post_document(
            platform="weibo",
            origin=f"{inp.origin}#M_{bid}",
            text=text,
            account=uid,
            account_name=owner_name,
            post_id=bid,
            published_at=published,
            date_source="weibo.cn:time" if published else None,
            url=f"https://weibo.cn/comment/{bid}",
            content_type=content_type,
            likes=counts["赞"],
            shares=counts["转发"],
            comments=counts["评论"],
            fetched_at=fetched,
        )


def register(registry: Registry) -> None:
    registry.register("source", WeiboCn())
