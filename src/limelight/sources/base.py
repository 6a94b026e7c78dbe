"""What a source is: something that turns an :class:`Input` into raw pages, documents or errors.

The dispatcher (:mod:`limelight.sources.dispatch`) expands paths, directories, globs and URLs into
``Input`` objects, asks every registered source how well it can read each one (``sniff``) and
hands the input to the best. A source never raises for a bad item: it yields an ``ItemError``
and goes on.
"""

from __future__ import annotations

import gzip
import io
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, AnyStr, Protocol, cast, runtime_checkable

from limelight.errors import ItemFailed
from limelight.models import Document, ItemError, RawPage
from limelight.settings import Settings

SourceItem = RawPage | Document | ItemError
_HEAD = 65536


class FetchError(Exception):
    """An HTTP fetch failed; ``str(exc)`` says why for the person reading the error line."""

    def __init__(self, url: str, message: str, hint: str = "") -> None:
        self.url, self.message, self.hint = url, message, hint
        super().__init__(f"{url}: {message}")


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # final URL after redirects
    status: int
    content: bytes
    content_type: str | None
    headers: tuple[tuple[str, str], ...] = ()


Fetcher = Callable[[str], FetchResult]  # raises FetchError


# A streamed gzip input may expand to this many times its size on disk. Real exports compress 3-30x;
# a decompression bomb (a 5.4 MB gzip of 2 GB) compresses about 1000x. Whole-read inputs are capped
# by ingest.max_bytes after decompression instead.
MAX_GZIP_RATIO = 100
_MIN_STREAM_ALLOWANCE = 64 * 2**20


class InputTooLarge(ItemFailed):
    """The input (after decompression) is larger than a cap allows."""


@dataclass
class Input:
    """One file or fetched URL. ``data()`` gives the bytes, gunzipped when they are gzip.

    ``max_bytes`` (set by the dispatcher from ``ingest.max_bytes``) caps what ``data()`` returns
    *after* decompression, reading the stream no further than the cap, so a small gzip that expands
    to gigabytes costs a few megabytes and one error row.
    """

    origin: str
    path: Path | None = None
    url: str | None = None
    content: bytes | None = None  # set for fetched URLs
    content_type: str | None = None
    # Per-input choices from the caller: "source" (force a source plugin), "mapping" (a column mapping
    # name for social_csv), "fetched_at" (ISO time the page was saved, for relative dates).
    options: dict[str, str] = field(default_factory=dict)
    max_bytes: int | None = None
    # A byte range of a plain file, and the number of its first line: one shard of a line-based
    # export read on a cluster worker (limelight.cluster.shards). ``open`` gives only those bytes;
    # ``head`` still reads the file's start, so every worker sniffs the same source as a local run.
    window: tuple[int, int] | None = None
    first_line: int = 1
    _cache: bytes | None = field(default=None, repr=False)
    _head: bytes | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The name without a trailing .gz, lower-cased, for extension checks."""
        base = (self.path.name if self.path else (self.url or self.origin).split("?")[0]).lower()
        return base[:-3] if base.endswith(".gz") else base

    def data(self) -> bytes:
        if self._cache is None:
            with self._raw() as fh:
                stream: IO[bytes]
                if fh.read(2) == b"\x1f\x8b":
                    fh.seek(0)
                    stream = cast(IO[bytes], gzip.GzipFile(fileobj=fh))
                else:
                    fh.seek(0)
                    stream = fh
                limit = self.max_bytes
                raw = stream.read() if limit is None else stream.read(limit + 1)
            if limit is not None and len(raw) > limit:
                raise InputTooLarge(f"more than {limit:,} bytes after decompression",
                                    "raise ingest.max_bytes in limelight.toml to accept it")
            self._cache = raw
        return self._cache

    def _raw(self) -> IO[bytes]:
        if self.content is not None:
            return io.BytesIO(self.content)
        assert self.path is not None
        return open(self.path, "rb")

    def head(self, n: int = 4096) -> bytes:
        """The first bytes (decompressed) without reading a large plain file whole. Every source's
        ``sniff`` asks for it, so the first 64 KiB are read once and kept."""
        if self._cache is not None:
            return self._cache[:n]
        if self._head is None or (len(self._head) < n and len(self._head) == _HEAD):
            with self._raw() as fh:
                start = fh.read(2)
                fh.seek(0)
                if start == b"\x1f\x8b":
                    with gzip.open(fh) as gz:
                        self._head = gz.read(max(n, _HEAD))
                else:
                    self._head = fh.read(max(n, _HEAD))
        return self._head[:n]

    def open(self) -> IO[bytes]:
        """A stream for large inputs (NDJSON, CSV, WARC) so nothing accumulates in memory.
        The caller closes it (``with inp.open() as fh``). A gzip stream stops with
        :class:`InputTooLarge` past :data:`MAX_GZIP_RATIO` times the compressed size."""
        fh = self._raw()
        if self.window is not None:
            start, end = self.window
            fh.seek(start)
            return cast(IO[bytes], io.BufferedReader(_Window(fh, end - start), 1 << 16))
        if fh.read(2) == b"\x1f\x8b":
            fh.seek(0)
            size = len(self.content) if self.content is not None else os.fstat(fh.fileno()).st_size
            allowance = max(MAX_GZIP_RATIO * size, _MIN_STREAM_ALLOWANCE)
            capped = _Capped(cast(IO[bytes], gzip.GzipFile(fileobj=fh)), allowance, fh)
            return cast(IO[bytes], io.BufferedReader(capped, 1 << 16))
        fh.seek(0)
        return fh


class _Window(io.RawIOBase):
    """The next ``length`` bytes of ``inner``, then end of file."""

    def __init__(self, inner: IO[bytes], length: int) -> None:
        self._inner, self._left = inner, length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(min(len(buffer), self._left))
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


class _Capped(io.RawIOBase):
    """A read-only stream that raises :class:`InputTooLarge` after ``limit`` bytes."""

    def __init__(self, inner: IO[bytes], limit: int, owner: IO[bytes]) -> None:
        self._inner, self._limit, self._owner, self._done = inner, limit, owner, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        self._done += len(data)
        if self._done > self._limit:
            raise InputTooLarge(
                f"decompresses to more than {self._limit:,} bytes ({MAX_GZIP_RATIO}× its size): "
                "a decompression bomb, or not a real export",
                "decompress it yourself and ingest the plain file if it is genuine")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._inner.close()
            self._owner.close()
        finally:
            super().close()


def fetched_page(res: FetchResult, hints: tuple[tuple[str, str], ...]) -> RawPage:
    """A page a feed or sitemap listed, as fetched (its final URL is its origin)."""
    return RawPage(origin=res.url, content=res.content, format="html", url=res.url,
                   fetched_at=datetime.now(UTC), hints=hints)


def guard(origin: str, build: Callable[[], SourceItem], stage: str = "source") -> SourceItem:
    """One record → one item. Whatever goes wrong while mapping it (a count of 1e400, a date in
    year 0, a missing key) becomes one error row for that record, and the caller goes on with the
    next: a bad record never costs the rest of its file."""
    try:
        return build()
    except ItemFailed as exc:
        return ItemError(origin, stage, exc.message, exc.hint)
    except RecursionError:
        return ItemError(origin, stage, "the record is nested too deeply to read",
                         "the other records were read; fix or drop this one")
    except Exception as exc:
        return ItemError(origin, stage, f"cannot read this record: {type(exc).__name__}: {exc}",
                         "the other records were read; fix or drop this one")


def record_too_long(origin: str, limit: int) -> ItemError:
    return ItemError(origin, "source", f"the record is longer than {limit:,} bytes (ingest.max_record_bytes)",
                     "the other records were read; raise ingest.max_record_bytes if it is real")


# A character class, not (?:\r?\n)+: sre runs it 60x faster over a flood of newlines.
_BLANK_BYTES = re.compile(rb"[\r\n]+")
_BLANK_TEXT = re.compile(r"[\r\n]+")
_BLOCK = 1 << 20


def _split_lines(read: Callable[[int], AnyStr], blank: re.Pattern[AnyStr], newline: AnyStr, max_len: int,
                 skip_blank: bool, first_line: int = 1) -> Iterator[tuple[int, AnyStr | None]]:
    """``(line number, line)`` read a block at a time, numbered from ``first_line``. A line longer
    than ``max_len`` comes as ``None`` and is never held whole. With ``skip_blank``, runs of empty
    lines are counted in one step and not yielded: a gzip of a gigabyte of newlines is a megabyte
    on disk."""
    lineno = first_line - 1
    pending: list[AnyStr] = []
    pending_len = 0
    skipping = False
    while True:
        block = read(_BLOCK)
        if not block:
            if pending or skipping:
                yield lineno + 1, None if skipping else block[:0].join(pending)
            return
        pos = 0
        while pos < len(block):
            if skip_blank and not pending and not skipping:
                run = blank.match(block, pos)
                if run:
                    last = block.rfind(newline, pos, run.end())
                    if last >= 0:  # consume whole empty lines only
                        lineno += block.count(newline, pos, last + 1)
                        pos = last + 1
                        continue
            i = block.find(newline, pos)
            if i < 0:
                piece = block[pos:]
                if not skipping:
                    pending.append(piece)
                    pending_len += len(piece)
                    if pending_len > max_len:
                        skipping, pending, pending_len = True, [], 0
                break
            piece = block[pos:i + 1]
            pos = i + 1
            lineno += 1
            if skipping:
                skipping = False
                yield lineno, None
            elif pending:
                pending.append(piece)
                line = block[:0].join(pending)
                pending, pending_len = [], 0
                yield lineno, line if len(line) <= max_len else None
            else:
                yield lineno, piece if len(piece) <= max_len else None


def bounded_lines(fh: IO[bytes], max_bytes: int, first_line: int = 1) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, line)`` for each non-empty line of a binary stream, the first numbered
    ``first_line``; ``None`` for a line longer than ``max_bytes``, which is skipped without ever
    being held whole (a 2 GB line costs one block of memory)."""
    return _split_lines(fh.read, _BLANK_BYTES, b"\n", max_bytes, skip_blank=True, first_line=first_line)


def bounded_text_lines(fh: IO[str], max_chars: int) -> Iterator[tuple[int, str | None]]:
    """:func:`bounded_lines` for a text stream (a decoded file): empty lines skipped, an over-long
    line as ``None``."""
    return _split_lines(fh.read, _BLANK_TEXT, "\n", max_chars, skip_blank=True)


class RowOverflow(Exception):
    """A CSV row ran over :class:`TextLines`' ``max_row_lines`` lines or ``max_row_chars``
    characters: almost always a quote that is never closed. Raised from inside ``csv.reader``."""

    def __init__(self, lines: int, chars: int) -> None:
        self.lines, self.chars = lines, chars
        super().__init__(f"{lines} lines, {chars} characters")


class TextLines:
    """The lines of a text stream for ``csv.reader``, each at most ``max_chars``: a longer line is
    replaced by an empty one and its number noted in ``too_long`` for the caller to report.
    ``lineno`` is the number of the last line handed out, so a row's origin is exact however many
    lines a quoted cell spans. Every line is kept (a blank line may sit inside a quoted cell).

    ``row`` holds the ``(line number, line)`` pairs handed out since :meth:`start_row`, so a caller
    that finds the row broken (an unmatched quote that swallowed the rows after it) can
    :meth:`push_back` all but its first line and read them again as rows of their own. A row longer
    than ``max_row_lines`` lines or ``max_row_chars`` characters raises :class:`RowOverflow`, so a
    runaway quote costs at most that much memory and re-reading, never the rest of the file.
    """

    def __init__(self, fh: IO[str], max_chars: int, max_row_lines: int | None = None,
                 max_row_chars: int | None = None) -> None:
        self._lines = _split_lines(fh.read, _BLANK_TEXT, "\n", max_chars, skip_blank=False)
        self.lineno = 0
        self.too_long: list[int] = []
        self.row: list[tuple[int, str]] = []
        self._row_chars = 0
        self._back: list[tuple[int, str]] = []  # a stack: the next line is the last one
        self.max_row_lines = max_row_lines
        self.max_row_chars = max_row_chars

    def __iter__(self) -> Iterator[str]:
        return self

    def start_row(self) -> None:
        self.row = []
        self._row_chars = 0

    def push_back(self, lines: list[tuple[int, str]]) -> None:
        """Hand these lines out again, in order, before reading on."""
        self._back.extend(reversed(lines))

    def __next__(self) -> str:
        if self._back:
            self.lineno, text = self._back.pop()
        else:
            self.lineno, line = next(self._lines)
            if line is None:
                self.too_long.append(self.lineno)  # reported once, however often it is re-read
                line = "\n"
            text = line
        self.row.append((self.lineno, text))
        self._row_chars += len(text)
        if (self.max_row_lines is not None and len(self.row) > self.max_row_lines) or (
                self.max_row_chars is not None and self._row_chars > self.max_row_chars):
            raise RowOverflow(len(self.row), self._row_chars)
        return text


# What a caller knows of a URL target's last 200: (ETag, Last-Modified), either may be None.
Validators = tuple[str | None, str | None]


@dataclass
class SourceContext:
    settings: Settings
    fetch: Fetcher | None = None  # None when offline; sources that need it report an ItemError
    # The watcher's conditional GET: URL targets with the validators of their last 200 are fetched
    # with If-None-Match / If-Modified-Since, and a 304 reads nothing. ``on_target(target, result,
    # error)`` hears how each URL target's own fetch went (result None: it failed, with error).
    validators: Mapping[str, Validators] | None = None
    on_target: Callable[[str, FetchResult | None, str | None], None] | None = None


@runtime_checkable
class SourcePlugin(Protocol):
    name: str
    version: str
    title: str
    requires: tuple[str, ...]
    provides: tuple[str, ...]  # "raw_page" and/or "document"

    def sniff(self, inp: Input) -> float:
        """0 = cannot read it; 1 = certainly mine. Look at ``inp.name`` and ``inp.head()`` only."""
        ...

    def read(self, inp: Input, ctx: SourceContext) -> Iterator[SourceItem]: ...
