"""Inputs → shards: the units of work a cluster run hands to its workers.

A shard names its inputs and, for a large line-based export, a byte range of one; it never carries
the documents themselves (the Dask best-practice "load data on the workers, do not ship it from
the client": a task holds a path and two offsets, a few hundred bytes). Every worker must see the
same files at the same paths (a shared or network file system, or one machine).

Which inputs split: those whose chosen source says so (``source.splits(inp, settings)``, today
plain NDJSON / JSON Lines exports). Their shards end at line ends, about ``cluster.shard_bytes``
each, and carry the number of their first line so every item keeps the origin ``path:line`` a
local run gives it. Pages, WARC files, CSV exports (a quoted cell may span lines) and gzip files
are read whole: small files are grouped, in input order, into shards of about ``cluster.shard_bytes``
(at most :data:`FILES_PER_SHARD` files), so a folder of 100,000 pages is a few hundred tasks and a
few hundred loads, not 100,000; a large one is a shard of its own. A Common Crawl slice is thousands
of WARC files already.

Planning reads each splitting file once, in blocks, to count lines (about 1 GB/s); nothing else is
read on the client beyond what sniffing reads.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from limelight.models import ItemError
from limelight.registry import Registry
from limelight.settings import Settings
from limelight.sources.base import Input
from limelight.sources.dispatch import choose_source, expand_targets, is_url

_BLOCK = 1 << 20
FILES_PER_SHARD = 2000


@dataclass(frozen=True)
class Piece:
    """A file, or the byte range ``window`` of one starting at line ``first_line``."""

    origin: str
    path: str
    options: Mapping[str, str] = field(default_factory=dict)
    window: tuple[int, int] | None = None
    first_line: int = 1
    size: int = 0  # of the file when planned (in the shard's key)
    mtime_ns: int = 0

    def input(self) -> Input:
        return Input(origin=self.origin, path=Path(self.path), options=dict(self.options),
                     window=self.window, first_line=self.first_line)

    @property
    def where(self) -> str:
        return self.origin if self.window is None else f"{self.origin}:{self.first_line}"


@dataclass(frozen=True)
class Shard:
    """One task's input: pieces read in order."""

    index: int  # position in the run: shards are loaded in this order, as a local run writes
    pieces: tuple[Piece, ...]

    @property
    def key(self) -> str:
        """A name for the shard's output, the same however often the task is run again."""
        h = hashlib.sha256(str(self.index).encode())
        for p in self.pieces:
            h.update(json.dumps([p.origin, sorted(p.options.items()), p.window, p.first_line, p.size,
                                 p.mtime_ns]).encode())
        return f"{self.index:08d}-{h.hexdigest()[:16]}"

    @property
    def origin(self) -> str:
        """The shard's inputs, for an error row about the whole shard."""
        first = self.pieces[0].where
        return first if len(self.pieces) == 1 else f"{first} (and {len(self.pieces) - 1} more files)"


def line_windows(path: Path, target: int) -> Iterator[tuple[tuple[int, int], int]]:
    """``((start, end), first line)`` ranges of about ``target`` bytes covering ``path``, each
    ending just after a newline (or at the end of the file)."""
    size = path.stat().st_size
    start, line = 0, 1
    with open(path, "rb") as fh:
        while start < size:
            cut = min(start + target, size)
            fh.seek(cut)
            while cut < size:  # to the next line end; a long line makes a longer shard, never a cut one
                block = fh.read(_BLOCK)
                if not block:
                    cut = size
                    break
                i = block.find(b"\n")
                if i >= 0:
                    cut += i + 1
                    break
                cut += len(block)
            cut = min(cut, size)
            yield (start, cut), line
            fh.seek(start)
            left = cut - start
            while left:  # the next shard's first line number
                block = fh.read(min(_BLOCK, left))
                if not block:
                    break
                line += block.count(b"\n")
                left -= len(block)
            start = cut


def plan(targets: Sequence[str], settings: Settings, registry: Registry, options: Mapping[str, str],
         *, skip: Callable[[Input], bool] | None = None,
         on_input: Callable[[Input], None] | None = None) -> Iterator[Shard | ItemError]:
    """The shards of ``targets`` in input order, and an error for each target that cannot be one
    (a missing path; a URL: the cluster engine reads files, a local ingest or the watcher fetches).
    ``skip`` and ``on_input`` are the local ingest's (unchanged files; inputs read)."""
    target_bytes = max(1 << 12, int(settings["cluster.shard_bytes"]))
    index = 0
    group: list[Piece] = []
    weight = 0

    def cut() -> Iterator[Shard]:
        nonlocal index, weight
        if group:
            yield Shard(index, tuple(group))
            index += 1
            group.clear()
            weight = 0

    for target in targets:
        if is_url(target):
            yield ItemError(target, "source", "the cluster engine reads files, not URLs",
                            "fetch URLs, feeds and sitemaps with a local `limelight ingest` (or the watcher)")
            continue
        for inp in expand_targets([target], None, options):
            if isinstance(inp, ItemError):
                yield inp
                continue
            if skip is not None and skip(inp):
                continue
            if on_input is not None:
                on_input(inp)
            assert inp.path is not None
            try:
                st = inp.path.stat()
            except OSError as exc:
                yield ItemError(inp.origin, "source", f"cannot read: {exc.strerror or exc}", "check the permissions")
                continue
            windows: list[tuple[tuple[int, int], int]] = []
            if st.st_size > target_bytes:
                source = _source_for(inp, registry)
                splits = getattr(source, "splits", None)
                try:
                    if splits is not None and splits(inp, settings):
                        windows = list(line_windows(inp.path, target_bytes))
                except OSError:
                    windows = []  # the worker reads it whole and reports what is wrong with it
            if len(windows) <= 1:
                if weight + st.st_size > target_bytes or len(group) >= FILES_PER_SHARD:
                    yield from cut()
                group.append(Piece(inp.origin, str(inp.path), dict(inp.options), size=st.st_size,
                                   mtime_ns=st.st_mtime_ns))
                weight += st.st_size
                continue
            yield from cut()
            for window, first in windows:
                group.append(Piece(inp.origin, str(inp.path), dict(inp.options), window, first,
                                   st.st_size, st.st_mtime_ns))
                yield from cut()
    yield from cut()


def _source_for(inp: Input, registry: Registry) -> object | None:
    forced = inp.options.get("source")
    if forced:
        try:
            return registry.get("source", forced)
        except Exception:  # the worker's read reports an unknown source as the local run does
            return None
    try:
        source, _ = choose_source(inp, registry.all("source"))
    except OSError:
        return None
    return source
