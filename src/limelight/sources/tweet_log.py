"""Tweet logs as written by cmj/elontweets (``tweets.txt``), one post per line::

    [yy/mm/dd HH:MM:SS] @handle - <text> (<Dow HH:MM:SS>) <status URL>

The bracket is when the logger saw the post, the parenthesis when it was posted (weekday and time
only), both in America/Los_Angeles. The post date is resolved from the status id when it is an X
"snowflake" (the id encodes the exact post time in milliseconds), else as the latest date on or
before the log time that falls on the logged weekday. ``RT by @x:`` marks a repost. Some lines
were cut by the logger and lack the parenthesis and URL; their date stays unknown.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import IO, cast
from zoneinfo import ZoneInfo

from limelight.errors import ItemFailed
from limelight.models import ItemError
from limelight.registry import Registry
from limelight.sources._util import detect_stream_encoding, head_text, post_document
from limelight.sources.base import (
    Input,
    SourceContext,
    SourceItem,
    bounded_text_lines,
    guard,
    record_too_long,
)

LA = ZoneInfo("America/Los_Angeles")
LINE_RE = re.compile(r"^\[(\d\d)/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)\] @(\w+) - (.*)$", re.S)
_TAIL_RE = re.compile(r"\s*\((Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d\d):(\d\d):(\d\d)\)\s*(https?://\S*)?\s*$")
_URL_TAIL_RE = re.compile(r"\s*(https?://\S+/status/(\d+))\s*$")
_STATUS_RE = re.compile(r"/status/(\d+)")
_RT_RE = re.compile(r"^RT by @(\w+):\s?")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_TWITTER_EPOCH_MS = 1288834974657
_FIRST_SNOWFLAKE = 10**17  # ids below this predate snowflakes (late 2010) and carry no time


def snowflake_time(status_id: int) -> datetime | None:
    if status_id < _FIRST_SNOWFLAKE:
        return None
    return datetime.fromtimestamp(((status_id >> 22) + _TWITTER_EPOCH_MS) / 1000, tz=UTC)


def resolve_weekday(logged: datetime, weekday: str, hh: int, mm: int, ss: int) -> datetime:
    """Latest local datetime ≤ ``logged`` on ``weekday`` at hh:mm:ss (``logged`` is LA-aware)."""
    target = _DAYS.index(weekday)
    day = logged.date() - timedelta(days=(logged.weekday() - target) % 7)
    cand = datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=LA)
    if cand > logged:
        cand -= timedelta(days=7)
    return cand


def parse_line(line: str, origin: str) -> SourceItem:
    m = LINE_RE.match(line)
    if not m:
        return ItemError(
            origin,
            "source",
            "not a tweet-log line",
            "expected `[yy/mm/dd HH:MM:SS] @handle - text (Dow HH:MM:SS) URL`",
        )
    yy, mo, dd, h, mi, s = (int(x) for x in m.groups()[:6])
    handle, rest = m.group(7), m.group(8)
    logged = datetime(2000 + yy, mo, dd, h, mi, s, tzinfo=LA)
    url: str | None = None
    weekday: tuple[str, int, int, int] | None = None
    tail = _TAIL_RE.search(rest)
    if tail:
        weekday = (tail.group(1), int(tail.group(2)), int(tail.group(3)), int(tail.group(4)))
        url = tail.group(5)
        rest = rest[: tail.start()]
    else:
        utail = _URL_TAIL_RE.search(rest)
        if utail:
            url = utail.group(1)
            rest = rest[: utail.start()]
    status_id = None
    if url:
        sm = _STATUS_RE.search(url)
        status_id = sm.group(1) if sm else None
        if not sm:
            url = None  # cut off by the logger ("https:")
    content_type = "post"
    rt = _RT_RE.match(rest)
    if rt:
        content_type = "repost"
        rest = rest[rt.end() :]
    elif rest.startswith("RT @"):
        content_type = "repost"  # "RT @SpaceX - text": keep the prefix, it names the original author
    published: datetime | None = None
    date_source: str | None = None
    if status_id and (flake := snowflake_time(int(status_id))):
        published, date_source = flake, "status-id"
    elif weekday:
        published, date_source = resolve_weekday(logged, *weekday), "log-weekday"
    return post_document(
        platform="x",
        origin=origin,
        text=rest.strip(),
        account=handle,
        post_id=status_id,
        published_at=published,
        date_source=date_source,
        url=url,
        content_type=content_type,
        fetched_at=logged.astimezone(UTC),
    )


class TweetLog:
    name = "tweet_log"
    version = "1"
    title = "Tweet logs ([yy/mm/dd HH:MM:SS] @handle - text (Dow HH:MM:SS) URL)"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("document",)
    streams = True  # read line by line; the size cap does not apply

    def sniff(self, inp: Input) -> float:
        first = head_text(inp).lstrip("\ufeff").split("\n", 1)[0]
        if LINE_RE.match(first):
            return 0.95
        return 0.0

    def read(self, inp: Input, ctx: SourceContext) -> Iterator[SourceItem]:
        try:
            enc = detect_stream_encoding(inp)
        except ItemFailed as exc:
            yield ItemError(inp.origin, "source", exc.message, exc.hint)
            return
        limit = int(ctx.settings["ingest.max_record_bytes"])
        with io.TextIOWrapper(
            cast(IO[bytes], inp.open()), encoding=enc, errors="replace", newline=None
        ) as fh:
            for lineno, line in bounded_text_lines(cast(IO[str], fh), limit):
                origin = f"{inp.origin}:{lineno}"
                if line is None:
                    yield record_too_long(origin, limit)
                    continue
                line = line.rstrip("\n").lstrip("\ufeff")
                if line.strip():
                    yield guard(origin, partial(parse_line, line, origin))


def register(registry: Registry) -> None:
    registry.register("source", TweetLog())
