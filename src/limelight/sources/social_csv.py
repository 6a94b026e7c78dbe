"""CSV (and JSONL) social exports through column mappings → post Documents.

Which mapping reads a file, first match wins:

1. ``Input.options["mapping"]`` (``limelight ingest --mapping NAME``): a ``[mappings.NAME]`` table
   from the settings or a built-in preset; an unknown name is an error that lists the known ones.
2. A ``[mappings.NAME]`` table whose ``glob`` matches the file name or whose ``match_columns`` are
   all in the header.
3. A built-in preset whose columns are all in the header: weiboSpider CSVs, the dslabs and
   gabrielpreda Trump tweet CSVs.
4. A 4CAT CSV export (``id``, ``thread_id``, ``timestamp``, ``body``...), mapped as 4CAT items.

Mapping keys: ``platform``, ``text`` (required), ``timestamp``, ``timestamp_format`` (strptime; else
ISO 8601, Unix seconds or a dateutil guess), ``timezone`` (for naive times; default UTC),
``account`` (a column) or ``account_value`` (a constant), ``account_name``, ``id``, ``likes``,
``shares``, ``comments``, ``views``, ``url``, ``url_template`` (e.g.
``"https://x.com/i/status/{id}"``), ``content_type`` (a column), ``is_repost`` and ``reply_to``
(columns marking reposts and replies), ``kind`` (``post`` or ``livestream``), ``delimiter``,
``match_columns``, ``glob``. JSONL files use the same keys with dotted paths (``user.name``).
Rows stream from disk in the encoding detected on the file's head (GB18030, UTF-16... work).
"""

from __future__ import annotations

import csv
import fnmatch
import io
import itertools
import json
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, tzinfo
from functools import partial
from typing import IO, Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limelight.errors import ItemFailed
from limelight.extract.dates import parse_datetime_text
from limelight.models import ItemError
from limelight.registry import Registry
from limelight.sources._util import detect_stream_encoding, from_epoch, head_text, post_document, to_int
from limelight.sources.base import (
    Input,
    SourceContext,
    SourceItem,
    TextLines,
    bounded_text_lines,
    guard,
    record_too_long,
)
from limelight.sources.social_ndjson import map_4cat

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # long posts in one cell

_FALSE = {"", "0", "false", "no", "na", "n/a", "none", "null", "nan"}
_FOURCAT_COLUMNS = {"id", "thread_id", "timestamp", "body"}


@dataclass(frozen=True)
class ColumnMapping:
    name: str
    text: str
    platform: str = "unknown"
    timestamp: str | None = None
    timestamp_format: str | None = None
    timezone: str = "UTC"
    account: str | None = None
    account_value: str | None = None
    account_name: str | None = None
    id: str | None = None
    likes: str | None = None
    shares: str | None = None
    comments: str | None = None
    views: str | None = None
    url: str | None = None
    url_template: str | None = None
    content_type: str | None = None
    is_repost: str | None = None
    reply_to: str | None = None
    kind: str = "post"
    delimiter: str | None = None
    match_columns: tuple[str, ...] = ()
    glob: str | None = None
    # Presets only: a regex removed from the start of the text (weiboSpider numbers posts "12:").
    text_prefix: str | None = None
    text_suffix: str | None = None

    @staticmethod
    def from_settings(name: str, table: Mapping[str, Any]) -> ColumnMapping:
        known = {f.name for f in fields(ColumnMapping)} - {"name", "text_prefix", "text_suffix"}
        unknown = sorted(set(table) - known)
        if unknown:
            raise ItemFailed(
                f"column mapping {name!r} has unknown key(s) {', '.join(unknown)}",
                f"allowed keys: {', '.join(sorted(known))}",
            )
        if not table.get("text"):
            raise ItemFailed(f"column mapping {name!r} names no text column", 'add text = "<column>"')
        values = dict(table)
        if "match_columns" in values:
            values["match_columns"] = tuple(values["match_columns"])
        return ColumnMapping(name=name, **values)

    def columns(self) -> list[str]:
        cols = [
            self.text,
            self.timestamp,
            self.account,
            self.account_name,
            self.id,
            self.likes,
            self.shares,
            self.comments,
            self.views,
            self.url,
            self.content_type,
            self.is_repost,
            self.reply_to,
        ]
        return [c for c in cols if c]


PRESETS: dict[str, ColumnMapping] = {
    m.name: m
    for m in (
        # github.com/dataabc/weiboSpider CSV: 微博 (text), 翻译 (machine translation), counts, time (CST).
        ColumnMapping(
            name="weibospider",
            platform="weibo",
            text="微博",
            timestamp="发布时间",
            timezone="Asia/Shanghai",
            likes="点赞数",
            shares="转发数",
            comments="评论数",
            match_columns=("微博", "点赞数", "转发数", "评论数", "发布时间"),
            text_prefix=r"^\s*\d+\s*[:：]",
            text_suffix=r"\s*全文\s*$",
        ),
        # dslabs trump_tweets (Trump Twitter Archive export): no account column, one account per file.
        ColumnMapping(
            name="trump-archive-dslabs",
            platform="x",
            text="text",
            timestamp="created_at",
            id="id_str",
            likes="favorite_count",
            shares="retweet_count",
            is_repost="is_retweet",
            reply_to="in_reply_to_user_id_str",
            url_template="https://x.com/i/status/{id}",
            match_columns=(
                "source",
                "id_str",
                "text",
                "created_at",
                "retweet_count",
                "favorite_count",
                "is_retweet",
            ),
        ),
        # gabrielpreda/trump-tweets (tweepy search API): user_name is the display name.
        ColumnMapping(
            name="tweepy-user-tweets",
            platform="x",
            text="text",
            timestamp="date",
            id="id",
            account="user_name",
            account_name="user_name",
            likes="favorites",
            shares="retweets",
            is_repost="is_retweet",
            url_template="https://x.com/i/status/{id}",
            match_columns=("id", "user_name", "date", "text", "retweets", "favorites", "is_retweet"),
        ),
    )
}


def _zone(name: str) -> tzinfo:
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ItemFailed(f"unknown time zone {name!r}", "use an IANA name such as Europe/Berlin") from None


def parse_time(value: Any, fmt: str | None, zone: tzinfo) -> datetime | None:
    if value is None:
        return None
    s = str(value).strip()
    if not s or s.lower() in _FALSE:
        return None
    try:
        if fmt:
            dt = datetime.strptime(s, fmt)
        elif re.fullmatch(r"\d{9,13}(\.\d+)?", s):
            return from_epoch(s)
        else:
            try:
                dt = datetime.fromisoformat(s)
            except ValueError:
                parsed = parse_datetime_text(s)
                if parsed is None:
                    return None
                dt = parsed
    except (ValueError, OverflowError):
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone)
    try:
        return dt.astimezone(UTC)
    except (OverflowError, ValueError):  # year 1 east of UTC, year 9999 west of it
        return None


def _lookup(row: Mapping[str, Any], column: str | None) -> Any:
    if not column:
        return None
    if column in row:
        return row[column]
    obj: Any = row
    for part in column.split("."):  # JSONL: dotted paths into nested objects
        if not isinstance(obj, Mapping) or part not in obj:
            return None
        obj = obj[part]
    return obj


def _truthy(value: Any) -> bool:
    return value is not None and str(value).strip().lower() not in _FALSE


def map_row(
    mapping: ColumnMapping,
    row: Mapping[str, Any],
    origin: str,
    zone: tzinfo,
    account_override: str | None = None,
) -> SourceItem:
    text = _lookup(row, mapping.text)
    text = "" if text is None else str(text)
    if mapping.text_prefix:
        text = re.sub(mapping.text_prefix, "", text, count=1)
    if mapping.text_suffix:
        text = re.sub(mapping.text_suffix, "", text)
    text = text.strip()
    raw_ts = _lookup(row, mapping.timestamp)
    published = parse_time(raw_ts, mapping.timestamp_format, zone)
    if mapping.timestamp and raw_ts not in (None, "") and published is None:
        return ItemError(
            origin,
            "source",
            f"cannot read the time {str(raw_ts)[:40]!r} in column {mapping.timestamp!r}",
            "set timestamp_format in the column mapping (strptime codes)",
        )
    pid = _lookup(row, mapping.id)
    pid = str(pid).strip() if pid not in (None, "") else None
    content_type = _lookup(row, mapping.content_type)
    if content_type is None:
        if mapping.is_repost and _truthy(_lookup(row, mapping.is_repost)):
            content_type = "repost"
        elif mapping.reply_to and _truthy(_lookup(row, mapping.reply_to)):
            content_type = "reply"
        elif mapping.is_repost or mapping.reply_to:
            content_type = "post"
    url = _lookup(row, mapping.url)
    if not url and mapping.url_template and pid:
        url = mapping.url_template.format(id=pid)
    account = account_override or _lookup(row, mapping.account) or mapping.account_value
    return post_document(
        platform=mapping.platform,
        origin=origin,
        text=text,
        account=str(account).strip() if account not in (None, "") else None,
        account_name=_lookup(row, mapping.account_name),
        post_id=pid,
        published_at=published,
        date_source=f"column:{mapping.timestamp}" if published else None,
        url=str(url) if url else None,
        kind=mapping.kind,
        content_type=str(content_type) if content_type is not None else None,
        likes=to_int(_lookup(row, mapping.likes)),
        shares=to_int(_lookup(row, mapping.shares)),
        comments=to_int(_lookup(row, mapping.comments)),
        views=to_int(_lookup(row, mapping.views)),
    )


def _header_of(inp: Input) -> list[str]:
    """Column names from the first line (CSV) or the first object's keys (JSONL)."""
    head = head_text(inp, 65536).lstrip("\ufeff")
    if head.lstrip().startswith("{"):
        try:
            return list(json.loads(head.lstrip().split("\n", 1)[0]))
        except (json.JSONDecodeError, TypeError):
            return []
    first = head.split("\n", 1)[0]
    delim = _delimiter(first)
    try:
        return [c.strip() for c in next(csv.reader([first], delimiter=delim))]
    except (csv.Error, StopIteration):
        return []


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _preset_for(header: list[str]) -> ColumnMapping | None:
    cols = set(header)
    for preset in PRESETS.values():
        if set(preset.match_columns) <= cols:
            return preset
    return None


def _platform_from_name(name: str) -> str:
    for key in ("weibo", "douyin", "tiktok", "telegram"):
        if key in name:
            return key
    return "x" if ("twitter" in name or "tweet" in name) else "unknown"


class SocialCsv:
    name = "social_csv"
    version = "1"
    title = "CSV/JSONL social exports (4CAT, weiboSpider, tweet archives, column mappings)"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("document",)
    streams = True  # rows stream from disk; the size cap does not apply

    def sniff(self, inp: Input) -> float:
        if inp.options.get("mapping"):
            return 0.99
        is_csv = inp.name.endswith((".csv", ".tsv"))
        if not is_csv and not inp.name.endswith(".txt"):
            return 0.0
        header = _header_of(inp)
        if _preset_for(header) or set(header) >= _FOURCAT_COLUMNS:
            return 0.95
        return 0.5 if is_csv else 0.0

    def read(self, inp: Input, ctx: SourceContext) -> Iterator[SourceItem]:
        try:
            mapping = self._choose(inp, ctx)
            zone = _zone(mapping.timezone) if mapping else UTC
            enc = detect_stream_encoding(inp)
        except ItemFailed as exc:
            yield ItemError(inp.origin, "source", exc.message, exc.hint)
            return
        account = inp.options.get("account")
        if mapping and account is None and mapping.name == "weibospider":
            # weiboSpider names its CSVs after the account id (weibo/<uid>.csv); keep that id.
            m = re.search(r"(?<!\d)(\d{6,})(?!\d)", inp.name)
            account = m.group(1) if m else None
        with io.TextIOWrapper(cast(IO[bytes], inp.open()), encoding=enc, errors="replace", newline="") as fh:
            first = fh.readline()
            if first.lstrip("\ufeff").lstrip().startswith("{"):
                yield from self._read_jsonl(inp, first, cast(IO[str], fh), mapping, zone, account,
                                            int(ctx.settings["ingest.max_record_bytes"]))
                return
            delim = (mapping.delimiter if mapping and mapping.delimiter else None) or _delimiter(first)
            head_reader = csv.DictReader(io.StringIO(first.lstrip("\ufeff")), delimiter=delim)
            header = [h.strip() for h in (head_reader.fieldnames or [])]
            if mapping is None:
                yield ItemError(
                    inp.origin,
                    "source",
                    f"no column mapping fits this CSV (columns: {', '.join(header)})",
                    'add a [mappings.NAME] table with text = "<column>" and match_columns to '
                    "limelight.toml, or pass --mapping NAME",
                )
                return
            if mapping.name != "4cat":
                missing = [c for c in mapping.columns() if c not in header]
                if missing:
                    yield ItemError(
                        inp.origin,
                        "source",
                        f"column mapping {mapping.name!r}: column(s) {', '.join(missing)} not in the header",
                        f"the file has: {', '.join(header)}",
                    )
                    return
            limit = int(ctx.settings["ingest.max_record_bytes"])
            lines = TextLines(cast(IO[str], fh), limit)
            reader = csv.reader(lines, delimiter=delim)
            start = 2  # the line a row starts on (a quoted cell may span lines), for its origin
            while True:
                origin = f"{inp.origin}:{start}"
                cells: list[str] | None = None
                broken: csv.Error | None = None
                try:
                    cells = next(reader)
                except StopIteration:
                    pass
                except csv.Error as exc:
                    broken = exc
                for n in lines.too_long:  # TextLines counts from the line after the header
                    yield record_too_long(f"{inp.origin}:{n + 1}", limit)
                lines.too_long.clear()
                start = lines.lineno + 2
                if broken is not None:
                    # The reader starts afresh on the next line: one broken row is one error row.
                    yield ItemError(origin, "source", f"broken CSV row: {broken}", "the other rows are read")
                    continue
                if cells is None:
                    break
                if not any(c.strip() for c in cells):
                    continue
                row = dict(zip(header, cells, strict=False))
                yield guard(origin, partial(self._map, mapping, row, origin, zone, account, inp))

    def _read_jsonl(
        self,
        inp: Input,
        first: str,
        rest: IO[str],
        mapping: ColumnMapping | None,
        zone: tzinfo,
        account: str | None,
        limit: int,
    ) -> Iterator[SourceItem]:
        if mapping is None:
            yield ItemError(
                inp.origin,
                "source",
                "no column mapping fits this JSONL file",
                "pass --mapping NAME with a [mappings.NAME] table",
            )
            return
        numbered = itertools.chain([(1, first)], ((n + 1, line) for n, line in bounded_text_lines(rest, limit)))
        for n, line in numbered:
            if line is None:
                yield record_too_long(f"{inp.origin}:{n}", limit)
                continue
            yield from self._jsonl_line(mapping, line, f"{inp.origin}:{n}", zone, account, inp)

    def _jsonl_line(
        self, mapping: ColumnMapping, line: str, origin: str, zone: tzinfo, account: str | None, inp: Input
    ) -> Iterator[SourceItem]:
        if not line.strip():
            return
        try:
            record = json.loads(line)
        except RecursionError:
            yield ItemError(origin, "source", "the record is nested too deeply to read",
                            "the other lines are read; fix or drop this one")
            return
        except json.JSONDecodeError as exc:
            yield ItemError(
                origin,
                "source",
                f"invalid JSON: {exc.msg} (column {exc.colno})",
                "the other lines are read; fix or drop this one",
            )
            return
        if isinstance(record, dict):
            yield guard(origin, partial(self._map, mapping, record, origin, zone, account, inp))
        else:
            yield ItemError(origin, "source", f"expected a JSON object, got {type(record).__name__}",
                            "the other lines are read")

    @staticmethod
    def _map(
        mapping: ColumnMapping,
        row: Mapping[str, Any],
        origin: str,
        zone: tzinfo,
        account: str | None,
        inp: Input,
    ) -> SourceItem:
        if mapping.name == "4cat":
            platform = inp.options.get("platform") or _platform_from_name(inp.name)
            return map_4cat(dict(row), origin, platform)
        return map_row(mapping, row, origin, zone, account)

    @staticmethod
    def _choose(inp: Input, ctx: SourceContext) -> ColumnMapping | None:
        tables: dict[str, Any] = ctx.settings["mappings"] or {}
        user = {name: ColumnMapping.from_settings(name, t) for name, t in tables.items()}
        wanted = inp.options.get("mapping")
        if wanted:
            if wanted in user:
                return user[wanted]
            if wanted in PRESETS:
                return PRESETS[wanted]
            known = sorted(set(user) | set(PRESETS))
            raise ItemFailed(
                f"unknown column mapping {wanted!r}",
                f"known mappings: {', '.join(known)}; define it as [mappings.{wanted}] in limelight.toml",
            )
        header = _header_of(inp)
        for m in user.values():
            if (m.glob and fnmatch.fnmatch(inp.name, m.glob.lower())) or (
                m.match_columns and set(m.match_columns) <= set(header)
            ):
                return m
        preset = _preset_for(header)
        if preset:
            return preset
        if set(header) >= _FOURCAT_COLUMNS:
            return ColumnMapping(name="4cat", text="body")
        return None


def register(registry: Registry) -> None:
    registry.register("source", SocialCsv())
