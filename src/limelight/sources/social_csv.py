"""CSV (and JSONL) exports through column mappings → post and article Documents.

Which mapping reads a file, first match wins:

1. ``Input.options["mapping"]`` (``limelight ingest --mapping NAME``): a ``[mappings.NAME]`` table
   from the settings or a built-in preset; an unknown name is an error that lists the known ones.
2. A ``[mappings.NAME]`` table whose ``glob`` matches the file name or whose ``match_columns`` are
   all in the header (for JSONL: the first record's keys).
3. A built-in preset whose columns are all in the header: weiboSpider CSVs, the dslabs and
   gabrielpreda Trump tweet CSVs.
4. A 4CAT CSV export (``id``, ``thread_id``, ``timestamp``, ``body``...), mapped as 4CAT items.

A file no mapping fits is one error row that lists its columns (or keys) and shows a mapping to add.

Mapping keys: ``platform``, ``text`` and/or ``title`` (at least one), ``timestamp``,
``timestamp_format`` (strptime; else ISO 8601, Unix seconds or a dateutil guess), ``timezone`` (for
naive times; default UTC), ``account`` (a column) or ``account_value`` (a constant),
``account_name``, ``outlet`` (articles: the source's domain or name), ``id``, ``likes``, ``shares``,
``comments``, ``views``, ``url``, ``url_template`` (e.g. ``"https://x.com/i/status/{id}"``),
``content_type`` (a column), ``is_repost`` and ``reply_to`` (columns marking reposts and replies),
``kind`` (``post``, ``livestream``, ``article``, ``press_release`` or ``transcript``), ``delimiter``,
``quoting`` (``minimal`` or ``none``), ``quotechar``, ``escapechar``, ``max_lines_per_row``,
``match_columns``, ``glob``. JSONL files use the same keys with dotted paths (``user.name``).
Rows stream from disk in the encoding detected on the file's head (GB18030, UTF-16... work).

Rows are checked against the header, because a CSV's worst failure is silent: one unmatched quote
(a headline that opens with ``"``) swallows the rows after it into one cell. A row whose cell count
differs from the header's, a quoted cell that runs over more than ``max_lines_per_row`` lines, and a
multi-line cell that closes in the middle of a cell (what a runaway quote looks like when it ends at
a later headline's quote) are each one error row for the line the row starts on, and the lines after
that start are read again as rows of their own.
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
from limelight.extract.attribution import domain_of
from limelight.extract.dates import parse_datetime_text
from limelight.models import ItemError
from limelight.registry import Registry
from limelight.settings import Settings
from limelight.sources._util import detect_stream_encoding, from_epoch, head_text, post_document, to_int
from limelight.sources.base import (
    Input,
    RowOverflow,
    SourceContext,
    SourceItem,
    TextLines,
    bounded_text_lines,
    guard,
    record_too_long,
)
from limelight.sources.social_ndjson import map_4cat, record_shape

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # long posts in one cell

_FALSE = {"", "0", "false", "no", "na", "n/a", "none", "null", "nan"}
_FOURCAT_COLUMNS = {"id", "thread_id", "timestamp", "body"}
_KINDS = ("post", "livestream", "article", "press_release", "transcript")
_QUOTING = {"minimal": csv.QUOTE_MINIMAL, "none": csv.QUOTE_NONE}
_JSONL_EXT = (".jsonl", ".ndjson", ".json-lines")
_EXAMPLE_CHAR = {"delimiter": "\\t", "quotechar": "'", "escapechar": "\\\\"}


@dataclass(frozen=True)
class ColumnMapping:
    name: str
    text: str | None = None
    title: str | None = None
    platform: str = "unknown"
    timestamp: str | None = None
    timestamp_format: str | None = None
    timezone: str = "UTC"
    account: str | None = None
    account_value: str | None = None
    account_name: str | None = None
    outlet: str | None = None
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
    quoting: str = "minimal"
    quotechar: str = '"'
    escapechar: str | None = None
    max_lines_per_row: int = 50
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
        if not table.get("text") and not table.get("title"):
            raise ItemFailed(f"column mapping {name!r} names no text or title column",
                             'add text = "<column>" (or title = "<column>" for a headline export)')
        values = dict(table)
        if "match_columns" in values:
            values["match_columns"] = tuple(values["match_columns"])
        _check_value(name, "kind", values.get("kind", "post"), _KINDS)
        _check_value(name, "quoting", values.get("quoting", "minimal"), tuple(_QUOTING))
        for key in ("delimiter", "quotechar", "escapechar"):
            value = values.get(key)
            if value is not None and (not isinstance(value, str) or len(value) != 1):
                raise ItemFailed(f"column mapping {name!r}: {key} must be one character, not {value!r}",
                                 f'e.g. {key} = "{_EXAMPLE_CHAR[key]}"')
        lines = values.get("max_lines_per_row", 50)
        if isinstance(lines, bool) or not isinstance(lines, int) or lines < 1:
            raise ItemFailed(f"column mapping {name!r}: max_lines_per_row must be a whole number ≥ 1, "
                             f"not {lines!r}", "the default is 50")
        return ColumnMapping(name=name, **values)

    def columns(self) -> list[str]:
        cols = [
            self.text,
            self.title,
            self.timestamp,
            self.account,
            self.account_name,
            self.outlet,
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

    def dialect(self, header_line: str) -> dict[str, Any]:
        """``csv.reader`` keyword arguments for this mapping (the delimiter guessed from the header
        line when the mapping names none)."""
        return {"delimiter": self.delimiter or _delimiter(header_line), "quoting": _QUOTING[self.quoting],
                "quotechar": self.quotechar, "escapechar": self.escapechar}


def _check_value(name: str, key: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ItemFailed(f"column mapping {name!r}: {key} = {value!r} is not one of {', '.join(allowed)}",
                         f"write e.g. {key} = \"{allowed[0]}\"")


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
        # dslabs trump_tweets: the Trump Twitter Archive's export of @realDonaldTrump's own tweets
        # (2009-2017). It has no account column because every row is that one account.
        ColumnMapping(
            name="trump-archive-dslabs",
            platform="x",
            text="text",
            timestamp="created_at",
            id="id_str",
            account_value="realDonaldTrump",
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
        # gabrielpreda/trump-tweets and its siblings (one account's timeline through tweepy):
        # user_name is the *display* name ("Donald J. Trump"), not the handle, and no column holds
        # the handle. Posts are filed under an unknown handle with that name; pass
        # `--account HANDLE` to file them under the real one.
        ColumnMapping(
            name="tweepy-user-tweets",
            platform="x",
            text="text",
            timestamp="date",
            id="id",
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


def _cell(row: Mapping[str, Any], column: str | None) -> str | None:
    """A column's value as stripped text; None when absent or empty."""
    value = _lookup(row, column)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _outlet(value: str | None) -> str | None:
    """An outlet as its handle: the domain when it is one (``https://www.bild.de/`` → ``bild.de``),
    else the name as written ("The Guardian")."""
    if not value:
        return None
    return domain_of(value) if ("://" in value or re.fullmatch(r"[\w.-]+\.[a-z]{2,}", value, re.I)) else value


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
    title = _cell(row, mapping.title)
    if not text and not title:
        named = " and ".join(f"{what} (column {col!r})" for what, col in
                             (("no text", mapping.text), ("no title", mapping.title)) if col)
        return ItemError(origin, "source", f"the row has {named}: nothing to store",
                         "the other rows are read; fill or drop this one")
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
    platform = mapping.platform
    if mapping.kind == "article":
        # A headline or article export: its source is an outlet on the web (a domain or a name),
        # from the outlet (or account) column, else the constant, else the domain of the row's URL.
        platform = "web" if platform == "unknown" else platform
        outlet = _cell(row, mapping.outlet) or _cell(row, mapping.account)
        account: Any = account_override or _outlet(outlet) or mapping.account_value \
            or domain_of(str(url) if url else None)
        account_name: Any = _cell(row, mapping.account_name) or outlet
    else:
        account = account_override or _lookup(row, mapping.account) or mapping.account_value
        account_name = _lookup(row, mapping.account_name)
    return post_document(
        platform=platform,
        origin=origin,
        text=text,
        title=title,
        account=str(account).strip() if account not in (None, "") else None,
        account_name=account_name,
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


def _first_record(inp: Input) -> dict[str, Any] | None:
    """The first JSON object of a JSON-lines input (from its head), or None."""
    head = head_text(inp, 65536).lstrip("\ufeff").lstrip()
    if not head.startswith("{"):
        return None
    try:
        record = json.loads(head.split("\n", 1)[0])
    except (json.JSONDecodeError, RecursionError):
        return None
    return record if isinstance(record, dict) else None


def _header_of(inp: Input) -> list[str]:
    """Column names from the first line (CSV) or the first object's keys (JSONL)."""
    head = head_text(inp, 65536).lstrip("\ufeff")
    if head.lstrip().startswith("{"):
        record = _first_record(inp)
        return list(record) if record is not None else []
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


def user_mappings(settings: Settings) -> dict[str, ColumnMapping]:
    """The ``[mappings.NAME]`` tables of the settings; ItemFailed for a table that is wrong."""
    tables: dict[str, Any] = settings["mappings"] or {}
    return {name: ColumnMapping.from_settings(name, t) for name, t in tables.items()}


def user_mapping_for(inp: Input, settings: Settings) -> ColumnMapping | None:
    """The first ``[mappings.NAME]`` whose ``glob`` matches the file name or whose
    ``match_columns`` are all in its header (CSV) or first record (JSONL)."""
    header: list[str] | None = None
    for m in user_mappings(settings).values():
        if m.glob and fnmatch.fnmatch(inp.name, m.glob.lower()):
            return m
        if m.match_columns:
            header = _header_of(inp) if header is None else header
            if set(m.match_columns) <= set(header):
                return m
    return None


_TEXT_KEYS = ("text", "content", "body", "message", "full_text", "description", "desc", "正文", "微博", "内容")
_TITLE_KEYS = ("title", "headline", "标题", "titel")
_TIME_KEYS = ("date", "created_at", "timestamp", "time", "datetime", "published", "published_at",
              "publish_date", "created", "发布时间", "时间", "datum")
_OUTLET_KEYS = ("outlet", "source", "media_name", "domain", "publisher", "site")


def mapping_example(keys: list[str], file_name: str) -> str:
    """A ``[mappings.NAME]`` table for a file no mapping fits, guessed from its column names, for
    the error message (the person checks it; nothing is read with a guess)."""
    by_lower = {k.lower(): k for k in keys}

    def pick(candidates: tuple[str, ...]) -> str | None:
        return next((by_lower[c] for c in candidates if c in by_lower), None)

    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", file_name.split(".")[0]).strip("-") or "my-export"
    title, text, when, outlet = pick(_TITLE_KEYS), pick(_TEXT_KEYS), pick(_TIME_KEYS), pick(_OUTLET_KEYS)
    lines = [f"[mappings.{stem}]"]
    if title:
        lines.append(f'title = "{title}"')
    if text or not title:
        lines.append(f'text = "{text or "<column>"}"')
    if when:
        lines.append(f'timestamp = "{when}"')
    if title and outlet:
        lines += ['kind = "article"', f'outlet = "{outlet}"']
    lines.append(f'glob = "{file_name}"')
    return " / ".join(lines)


def _no_mapping(inp: Input, what: str, keys: list[str]) -> ItemError:
    return ItemError(
        inp.origin,
        "source",
        f"no column mapping fits this {what} ({'keys in its first record' if what == 'JSONL file' else 'columns'}: "
        f"{', '.join(keys) or 'none found'})",
        f"describe it in limelight.toml, one key per line: {mapping_example(keys, inp.name)} "
        "(keys: docs/sources.md, Column mappings); then ingest again, or pass --mapping NAME",
    )


class SocialCsv:
    name = "social_csv"
    version = "1"
    title = "CSV/JSONL exports (4CAT, weiboSpider, tweet archives, headline and article exports via column mappings)"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("document",)
    streams = True  # rows stream from disk; the size cap does not apply

    def sniff(self, inp: Input) -> float:
        if inp.options.get("mapping"):
            return 0.99
        if inp.name.endswith(_JSONL_EXT):
            # Zeeschuimer captures and 4CAT items are social_ndjson's; any other JSON lines are an
            # export for a column mapping (or one clear error saying how to write it).
            record = _first_record(inp)
            return 0.8 if record is not None and record_shape(record) is None else 0.0
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
        limit = int(ctx.settings["ingest.max_record_bytes"])
        with io.TextIOWrapper(cast(IO[bytes], inp.open()), encoding=enc, errors="replace", newline="") as fh:
            first = fh.readline()
            if first.lstrip("\ufeff").lstrip().startswith("{"):
                yield from self._read_jsonl(inp, first, cast(IO[str], fh), mapping, zone, account, limit)
                return
            dialect = (mapping or ColumnMapping(name="none", text="-")).dialect(first)
            try:
                header = [h.strip() for h in next(csv.reader([first.lstrip("\ufeff")], **dialect), [])]
            except csv.Error as exc:
                yield ItemError(inp.origin, "source", f"cannot read the header line: {exc}",
                                "check the file's delimiter and quoting")
                return
            if mapping is None:
                yield _no_mapping(inp, "CSV", header)
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
            yield from self._read_rows(inp, cast(IO[str], fh), header, dialect, mapping, zone, account, limit)

    def _read_rows(
        self,
        inp: Input,
        fh: IO[str],
        header: list[str],
        dialect: dict[str, Any],
        mapping: ColumnMapping,
        zone: tzinfo,
        account: str | None,
        limit: int,
    ) -> Iterator[SourceItem]:
        lines = TextLines(fh, limit, max_row_lines=mapping.max_lines_per_row, max_row_chars=limit)
        reader = csv.reader(lines, **dialect)
        while True:
            lines.start_row()
            cells: list[str] | None = None
            problem: tuple[str, str] | None = None
            try:
                cells = next(reader)
            except StopIteration:
                pass
            except csv.Error as exc:
                problem = (f"broken CSV row: {exc}", "the other rows are read")
            except RowOverflow as exc:
                problem = _overflow_problem(exc, mapping, limit)
            row = lines.row
            too_long = list(lines.too_long)
            lines.too_long.clear()
            for n in too_long:  # TextLines counts from the line after the header
                yield record_too_long(f"{inp.origin}:{n + 1}", limit)
            if cells is None and problem is None:
                break
            origin = f"{inp.origin}:{row[0][0] + 1}" if row else inp.origin
            if problem is None and cells is not None and any(c.strip() for c in cells):
                problem = _row_problem(cells, row, header, dialect)
            if problem is not None:
                yield ItemError(origin, "source", *problem)
                # A broken row may have swallowed the rows after its first line (an unmatched
                # quote, perhaps over an over-long line reported above): read them again as rows
                # of their own.
                lines.push_back(row[1:])
                continue
            assert cells is not None
            if too_long or not any(c.strip() for c in cells):
                continue  # empty, or it lost an over-long line: its error row is the one above
            record = dict(zip(header, cells, strict=False))
            yield guard(origin, partial(self._map, mapping, record, origin, zone, account, inp))

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
            record = _first_record(inp)
            yield _no_mapping(inp, "JSONL file", list(record) if record is not None else [])
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
        wanted = inp.options.get("mapping")
        if wanted:
            user = user_mappings(ctx.settings)
            if wanted in user:
                return user[wanted]
            if wanted in PRESETS:
                return PRESETS[wanted]
            known = sorted(set(user) | set(PRESETS))
            raise ItemFailed(
                f"unknown column mapping {wanted!r}",
                f"known mappings: {', '.join(known)}; define it as [mappings.{wanted}] in limelight.toml",
            )
        mapping = user_mapping_for(inp, ctx.settings)
        if mapping:
            return mapping
        header = _header_of(inp)
        preset = _preset_for(header)
        if preset:
            return preset
        if set(header) >= _FOURCAT_COLUMNS:
            return ColumnMapping(name="4cat", text="body")
        return None


def _overflow_problem(exc: RowOverflow, mapping: ColumnMapping, limit: int) -> tuple[str, str]:
    if exc.chars > limit:
        what = f"runs on for more than {limit:,} characters (ingest.max_record_bytes)"
    else:
        what = f"runs on for more than {mapping.max_lines_per_row} lines (max_lines_per_row)"
    return (f"the row starting here {what}: a quote that is never closed",
            "the lines after it are read as rows of their own; if cells really are that long, raise "
            'max_lines_per_row in the column mapping; if the file never quotes cells, set quoting = "none"')


def _row_problem(cells: list[str], row: list[tuple[int, str]], header: list[str],
                 dialect: dict[str, Any]) -> tuple[str, str] | None:
    """Why a row that parsed cannot be right, or None. A row with too few or too many cells lost
    its columns to a stray delimiter or quote; a multi-line row that only parses leniently is a
    quote opened in one headline and closed by the next headline's quote (its cell count can come
    out right by chance). Empty cells after the last column (a trailing delimiter) are fine."""
    n = len(cells)
    while n > len(header) and not cells[n - 1].strip():
        n -= 1
    spans = f" over {len(row)} lines" if len(row) > 1 else ""
    if n != len(header):
        return (f"the row has {len(cells)} cells{spans} where the header has {len(header)}",
                "the other rows are read; check the delimiter and quotes of this row (a quote opened and "
                'never closed swallows the next lines; set quoting = "none" for files that never quote)')
    if len(row) > 1 and not _parses_strictly(row, dialect):
        return (f"a quoted cell opened on this line runs over {len(row)} lines and closes in the middle of a "
                "cell: an unmatched quote",
                "the lines after it are read as rows of their own; if the file never quotes cells (many TSVs), "
                'set quoting = "none" in its column mapping')
    return None


def _parses_strictly(row: list[tuple[int, str]], dialect: dict[str, Any]) -> bool:
    try:
        return sum(1 for _ in csv.reader((text for _, text in row), strict=True, **dialect)) == 1
    except csv.Error:
        return False


def register(registry: Registry) -> None:
    registry.register("source", SocialCsv())
