"""What a source is: something that turns an :class:`Input` into raw pages, documents or errors.

The dispatcher (:mod:`limelight.sources.dispatch`) expands paths, directories, globs and URLs into
``Input`` objects, asks every registered source how well it can read each one (``sniff``) and
hands the input to the best. A source never raises for a bad item: it yields an ``ItemError``
and goes on.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol, cast, runtime_checkable

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


@dataclass
class Input:
    """One file or fetched URL. ``data()`` gives the bytes, gunzipped when the name ends in .gz."""

    origin: str
    path: Path | None = None
    url: str | None = None
    content: bytes | None = None  # set for fetched URLs
    content_type: str | None = None
    # Per-input choices from the caller: "source" (force a source plugin), "mapping" (a column mapping
    # name for social_csv), "fetched_at" (ISO time the page was saved, for relative dates).
    options: dict[str, str] = field(default_factory=dict)
    _cache: bytes | None = field(default=None, repr=False)
    _head: bytes | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The name without a trailing .gz, lower-cased, for extension checks."""
        base = (self.path.name if self.path else (self.url or self.origin).split("?")[0]).lower()
        return base[:-3] if base.endswith(".gz") else base

    def data(self) -> bytes:
        if self._cache is None:
            raw = self.content if self.content is not None else self.path.read_bytes()  # type: ignore[union-attr]
            if raw[:2] == b"\x1f\x8b":
                raw = gzip.decompress(raw)
            self._cache = raw
        return self._cache

    def head(self, n: int = 4096) -> bytes:
        """The first bytes (decompressed) without reading a large plain file whole. Every source's
        ``sniff`` asks for it, so the first 64 KiB are read once and kept."""
        if self._cache is not None or self.content is not None or self.path is None:
            return self.data()[:n]
        if self._head is None or (len(self._head) < n and len(self._head) == _HEAD):
            with open(self.path, "rb") as fh:
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
        The caller closes it (``with inp.open() as fh``)."""
        if self.path is not None and self.content is None:
            fh = open(self.path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
            if fh.read(2) == b"\x1f\x8b":
                fh.seek(0)
                return cast(IO[bytes], gzip.GzipFile(fileobj=fh))
            fh.seek(0)
            return fh
        return io.BytesIO(self.data())


@dataclass
class SourceContext:
    settings: Settings
    fetch: Fetcher | None = None  # None when offline; sources that need it report an ItemError


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
