"""NDJSON social exports: Zeeschuimer captures and 4CAT NDJSON datasets → post Documents.

Two shapes, one JSON object per line:

- Zeeschuimer: ``{"source_platform": "tiktok.com", "source_platform_url": ..., "timestamp_collected":
  ..., "data": {<the platform's own item>}}``; ``data`` is mapped by the platform's ``map_*``.
- 4CAT NDJSON datasets: items already mapped by 4CAT (``id``, ``thread_id``, ``author``, ``body``,
  ``timestamp``...); mapped by :func:`map_4cat`.

As in 4CAT's ``map_item``, each mapper turns one record into one item and leaves what the record
does not hold as ``None`` (4CAT's ``MissingMappedField``): no zero likes for "not collected".
The file is read line by line so a million-line export never sits in memory.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

from limelight.errors import ItemFailed
from limelight.models import Document, ItemError
from limelight.registry import Registry
from limelight.settings import Settings
from limelight.sources._util import from_epoch, option_datetime, post_document, to_int
from limelight.sources.base import Input, SourceContext, SourceItem, bounded_lines, guard, record_too_long

Record = dict[str, Any]
_TAG_RE = re.compile(r"<[^>]+>")
_BR_RE = re.compile(r"<br\s*/?>", re.I)


def _strip_tags(markup: str) -> str:
    return html.unescape(_TAG_RE.sub("", _BR_RE.sub("\n", markup))).strip()


def _get(obj: Any, *path: str) -> Any:
    """``obj[a][b]...`` or None when any step is missing."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _twitter_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(str(value), "%a %b %d %H:%M:%S %z %Y").astimezone(UTC)
    except ValueError:
        return None


def map_weibo(item: Record, origin: str) -> Document:
    """A Weibo status as the web/mobile API returns it (``mblog``: id, mblogid, user, text_raw...)."""
    item = item.get("mblog", item)
    user = item.get("user") or {}
    uid = user.get("idstr") or (str(user["id"]) if user.get("id") is not None else None)
    text = item.get("text_raw") or _strip_tags(item.get("text") or "")
    retweeted = item.get("retweeted_status")
    content_type = "post"
    if retweeted:
        content_type = "repost"
        orig_user = _get(retweeted, "user", "screen_name")
        orig_text = retweeted.get("text_raw") or _strip_tags(retweeted.get("text") or "")
        if orig_text:
            text = f"{text}\n\n//@{orig_user or '?'}: {orig_text}"
    page_type = _get(item, "page_info", "type")
    kind = "post"
    if page_type == "live":
        kind, content_type = "livestream", "livestream"
    elif page_type == "video" and content_type == "post":
        content_type = "video"
    created = item.get("created_at")
    published = _twitter_time(created)
    bid = item.get("mblogid") or item.get("bid")
    return post_document(
        platform="weibo",
        origin=origin,
        text=text,
        account=uid,
        account_name=user.get("screen_name"),
        post_id=item.get("idstr") or item.get("mid") or (str(item["id"]) if item.get("id") else None),
        published_at=published,
        date_source="weibo:created_at" if published else None,
        url=f"https://weibo.com/{uid}/{bid}" if uid and bid else None,
        kind=kind,
        content_type=content_type,
        likes=to_int(item.get("attitudes_count")),
        shares=to_int(item.get("reposts_count")),
        comments=to_int(item.get("comments_count")),
    )


def map_douyin(item: Record, origin: str) -> Document:
    """A Douyin aweme or live room, in the API (snake_case) or embedded-page (camelCase) shape."""
    embed = bool(item.get("ZS_collected_from_embed"))
    raw_stream: Any
    if embed:
        room = item.get("cellRoom")
        raw_stream = room.get("rawdata") if isinstance(room, dict) else None
    else:
        raw_stream = item.get("rawdata") or _get(item, "cell_room", "rawdata")
    if isinstance(raw_stream, str):
        raw_stream = json.loads(raw_stream)
    if raw_stream:
        owner = raw_stream.get("owner") or {}
        stats = raw_stream.get("stats") or {}
        rid = raw_stream.get("id_str") or raw_stream.get("id")
        created = from_epoch(raw_stream.get("create_time") or raw_stream.get("createtime"))
        return post_document(
            platform="douyin",
            origin=origin,
            text=raw_stream.get("title") or "",
            account=owner.get("sec_uid") or owner.get("id_str") or owner.get("uid"),
            account_name=owner.get("nickname"),
            post_id=str(rid) if rid else None,
            published_at=created,
            date_source="douyin:create_time" if created else None,
            url=f"https://live.douyin.com/{raw_stream['owner']['web_rid']}" if owner.get("web_rid") else None,
            kind="livestream",
            content_type="livestream",
            views=to_int(stats.get("total_user")),
        )
    if embed:
        aweme_id, created_key, author, stats = (
            item.get("awemeId"),
            "createTime",
            item.get("authorInfo"),
            item.get("stats"),
        )
        keys = ("secUid", "uid", "diggCount", "shareCount", "commentCount", "playCount")
        video_list = _get(item, "video", "bitRateList")
    else:
        aweme_id, created_key, author, stats = (
            item.get("aweme_id"),
            "create_time",
            item.get("author"),
            item.get("statistics"),
        )
        keys = ("sec_uid", "uid", "digg_count", "share_count", "comment_count", "play_count")
        video_list = _get(item, "video", "bit_rate")
    author = author or {}
    stats = stats if isinstance(stats, dict) else {}
    created = from_epoch(item.get(created_key))
    content_type = "images" if item.get("images") and not video_list else "video"
    return post_document(
        platform="douyin",
        origin=origin,
        text=item.get("desc") or "",
        account=author.get(keys[0]) or author.get(keys[1]),
        account_name=author.get("nickname"),
        post_id=str(aweme_id) if aweme_id else None,
        published_at=created,
        date_source="douyin:create_time" if created else None,
        url=f"https://www.douyin.com/video/{aweme_id}" if aweme_id else None,
        content_type=content_type,
        likes=to_int(stats.get(keys[2])),
        shares=to_int(stats.get(keys[3])),
        comments=to_int(stats.get(keys[4])),
        views=to_int(stats.get(keys[5])),
    )


def map_tiktok(item: Record, origin: str) -> Document:
    """A TikTok item (``itemStruct``): id, desc, createTime, author, stats (diggCount...)."""
    author = item.get("author")
    if isinstance(author, dict):  # intercepted API response
        handle, name = author.get("uniqueId"), author.get("nickname")
    else:  # embedded page JSON: author is the handle
        handle, name = author, item.get("nickname")
    stats = item.get("stats") or {}
    pid = item.get("id")
    created = from_epoch(item.get("createTime"))
    content_type = "images" if item.get("imagePost") else "video"
    return post_document(
        platform="tiktok",
        origin=origin,
        text=item.get("desc") or "",
        account=handle,
        account_name=name,
        post_id=str(pid) if pid else None,
        published_at=created,
        date_source="tiktok:createTime" if created else None,
        url=f"https://www.tiktok.com/@{handle}/video/{pid}" if handle and pid else None,
        content_type=content_type,
        likes=to_int(stats.get("diggCount")),
        shares=to_int(stats.get("shareCount")),
        comments=to_int(stats.get("commentCount")),
        views=to_int(stats.get("playCount")),
    )


def _x_screen_name(tweet: Record) -> str | None:
    user = _get(tweet, "core", "user_results", "result") or {}
    # X moved screen_name from user.legacy to user.core in 2025; read both.
    return (
        _get(user, "core", "screen_name")
        or _get(user, "legacy", "screen_name")
        or _get(tweet, "user", "screen_name")
    )


def map_x(item: Record, origin: str) -> Document:
    """An X/Twitter GraphQL tweet (``rest_id``, ``legacy``, ``core``) as Zeeschuimer captures it."""
    tweet = item.get("tweet", item) if item.get("__typename") == "TweetWithVisibilityResults" else item
    legacy = tweet.get("legacy") or {}
    pid = tweet.get("rest_id") or legacy.get("id_str")
    handle = _x_screen_name(tweet)
    text = legacy.get("full_text") or ""
    note = _get(tweet, "note_tweet", "note_tweet_results", "result", "text")
    if note:
        text = note  # long posts: full_text is cut at 280 characters
    content_type = "post"
    rt = _get(legacy, "retweeted_status_result", "result")
    if rt:
        rt = rt.get("tweet", rt)
        content_type = "repost"
        text = f"RT @{_x_screen_name(rt) or '?'}: {_get(rt, 'legacy', 'full_text') or ''}"
    elif tweet.get("quoted_status_result"):
        content_type = "quote"
    elif legacy.get("in_reply_to_status_id_str"):
        content_type = "reply"
    published = _twitter_time(legacy.get("created_at"))
    return post_document(
        platform="x",
        origin=origin,
        text=text,
        account=handle or legacy.get("user_id_str"),
        account_name=_get(tweet, "core", "user_results", "result", "legacy", "name"),
        post_id=str(pid) if pid else None,
        published_at=published,
        date_source="x:created_at" if published else None,
        url=f"https://x.com/{handle}/status/{pid}" if handle and pid else None,
        content_type=content_type,
        likes=to_int(legacy.get("favorite_count")),
        shares=to_int(legacy.get("retweet_count")),
        comments=to_int(legacy.get("reply_count")),
        views=to_int(_get(tweet, "views", "count")),
    )


def _first(record: Record, *keys: str) -> Any:
    for key in keys:
        value = record.get(key)
        if value not in (None, ""):
            return value
    return None


def map_4cat(record: Record, origin: str, platform: str) -> Document:
    """An item 4CAT mapped already (its NDJSON/CSV export columns)."""
    published = from_epoch(record.get("unix_timestamp"))
    if published is None and record.get("timestamp"):
        ts = record["timestamp"]
        published = from_epoch(ts) if isinstance(ts, int | float) or str(ts).isdigit() else None
        if published is None:
            try:
                published = datetime.fromisoformat(str(ts)).replace(tzinfo=UTC)  # 4CAT writes UTC
            except ValueError:
                published = None
    subject = str(record.get("subject") or "").lower()
    kind = "livestream" if subject == "stream" else "post"
    content_type = "livestream" if kind == "livestream" else record.get("content_type")
    if content_type is None and str(record.get("is_retweet", "")).lower() in ("yes", "true"):
        content_type = "repost"
    pid = record.get("id")
    return post_document(
        platform=platform,
        origin=origin,
        text=str(record.get("body") or ""),
        account=_first(record, "author", "author_user_id", "author_id"),
        account_name=_first(record, "author_fullname", "author_full", "author_nickname"),
        post_id=str(pid) if pid not in (None, "") else None,
        published_at=published,
        date_source="4cat:timestamp" if published else None,
        url=_first(record, "url", "link", "post_url", "tiktok_url"),
        kind=kind,
        content_type=content_type,
        likes=to_int(_first(record, "likes", "like_count", "digg_count")),
        shares=to_int(_first(record, "shares", "retweet_count", "share_count", "forward_count")),
        comments=to_int(_first(record, "comments", "reply_count", "comment_count")),
        views=to_int(_first(record, "views", "plays", "play_count", "impression_count")),
    )


MAPPERS: dict[str, Callable[[Record, str], Document]] = {
    "weibo": map_weibo,
    "douyin": map_douyin,
    "tiktok": map_tiktok,
    "x": map_x,
}
_PLATFORM_ALIASES = {
    "weibo.com": "weibo",
    "m.weibo.cn": "weibo",
    "douyin.com": "douyin",
    "tiktok.com": "tiktok",
    "twitter.com": "x",
    "x.com": "x",
    "twitter": "x",
}


def platform_of(source_platform: str) -> str:
    key = source_platform.lower().removeprefix("www.")
    return _PLATFORM_ALIASES.get(key, key.split(".")[0])


def map_item(platform: str, record: Record, origin: str = "") -> Document:
    """Map one platform record (Zeeschuimer ``data``) to a Document; KeyError for unknown platforms."""
    return MAPPERS[platform_of(platform)](record, origin)


def record_shape(record: Record) -> str | None:
    """``"zeeschuimer"`` for a capture (``source_platform`` + ``data``), ``"4cat"`` for an item 4CAT
    mapped (``thread_id`` + ``body``), else None: JSON lines of some other export, which only a
    column mapping can read (social_csv)."""
    if "source_platform" in record and isinstance(record.get("data"), dict):
        return "zeeschuimer"
    if "body" in record and "thread_id" in record:
        return "4cat"
    return None


def _platform_from_name(inp: Input) -> str:
    name = inp.name
    for key in ("weibo", "douyin", "tiktok", "twitter", "telegram", "x-"):
        if key in name:
            return "x" if key in ("twitter", "x-") else key
    return "unknown"


class SocialNdjson:
    name = "social_ndjson"
    version = "1"
    title = "Zeeschuimer / 4CAT NDJSON exports (Weibo, Douyin, TikTok, X)"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("document",)
    streams = True  # read line by line; the size cap does not apply

    def sniff(self, inp: Input) -> float:
        head = inp.head(8192).lstrip(b"\xef\xbb\xbf \t\r\n")
        by_name = inp.name.endswith((".ndjson", ".jsonl"))
        if not head.startswith(b"{"):
            return 0.3 if by_name else 0.0
        if b'"source_platform"' in head:
            return 0.9
        if b'"thread_id"' in head and b'"body"' in head:
            return 0.85
        if by_name:
            return 0.7
        return 0.3 if b"}\n{" in head or b"}\r\n{" in head else 0.0

    def splits(self, inp: Input, settings: Settings) -> bool:
        """Whether a cluster run may read this input in byte ranges cut at line ends
        (:mod:`limelight.cluster.shards`): a plain file of one record a line, read by this
        source itself. A gzip cannot be entered in the middle; a column mapping reads it as CSV does."""
        from limelight.sources.social_csv import user_mapping_for

        if inp.path is None or inp.content is not None:
            return False
        with open(inp.path, "rb") as fh:  # the raw bytes: head() would give a gzip's inflated start
            if fh.read(2) == b"\x1f\x8b":
                return False
        return user_mapping_for(inp, settings) is None

    def read(self, inp: Input, ctx: SourceContext) -> Iterator[SourceItem]:
        from limelight.sources.social_csv import SocialCsv, user_mapping_for

        if user_mapping_for(inp, ctx.settings) is not None:
            # A [mappings.NAME] whose glob or match_columns names this file decides, as for a CSV.
            yield from SocialCsv().read(inp, ctx)
            return
        default_platform = inp.options.get("platform") or _platform_from_name(inp)
        fetched = option_datetime(inp)
        limit = int(ctx.settings["ingest.max_record_bytes"])
        with inp.open() as fh:
            for lineno, raw in bounded_lines(fh, limit, inp.first_line):
                origin = f"{inp.origin}:{lineno}"
                if raw is None:
                    yield record_too_long(origin, limit)
                elif raw.strip():
                    yield guard(origin, partial(self._line, raw, origin, default_platform, fetched))

    def _line(self, raw: bytes, origin: str, default_platform: str, fetched: datetime | None) -> SourceItem:
        try:
            record = json.loads(raw.replace(b"\x00", b""))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            msg = (
                f"invalid JSON: {exc.msg} (column {exc.colno})"
                if isinstance(exc, json.JSONDecodeError)
                else f"not UTF-8 text ({exc.reason})"
            )
            return ItemError(origin, "source", msg, "the other lines are read; fix or drop this one")
        if not isinstance(record, dict):
            return ItemError(origin, "source", f"expected a JSON object, got {type(record).__name__}")
        return self._map(record, origin, default_platform, fetched)

    @staticmethod
    def _map(record: Record, origin: str, default_platform: str, fetched: datetime | None) -> SourceItem:
        try:
            if "source_platform" in record and isinstance(record.get("data"), dict):
                platform = platform_of(str(record["source_platform"]))
                if platform not in MAPPERS:
                    return ItemError(
                        origin,
                        "source",
                        f"no mapper for platform {record['source_platform']!r}",
                        f"supported: {', '.join(sorted(MAPPERS))}; or map it with a column mapping",
                    )
                doc = MAPPERS[platform](record["data"], origin)
                try:  # when it was collected is the capture's metadata, not the post's: never fatal
                    collected = from_epoch(record.get("timestamp_collected"))
                except ItemFailed:
                    collected = None
            elif "body" in record:
                doc = map_4cat(record, origin, default_platform)
                collected = None
            else:
                # Mapping it as a 4CAT item would store an empty post under an unknown account.
                keys = ", ".join(list(record)[:12])
                return ItemError(origin, "source",
                                 f"neither a Zeeschuimer capture nor a 4CAT item (keys: {keys})",
                                 "for another export, describe its keys in a [mappings.NAME] table "
                                 "(docs/sources.md, Column mappings) and ingest with --mapping NAME")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            return ItemError(
                origin,
                "source",
                f"cannot map this record: {type(exc).__name__}: {exc}",
                "is the export from a supported Zeeschuimer/4CAT version?",
            )
        when = collected or fetched
        if when is not None and doc.fetched_at is None:
            doc = replace(doc, fetched_at=when)
        return doc


def register(registry: Registry) -> None:
    registry.register("source", SocialNdjson())
