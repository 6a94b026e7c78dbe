"""Exports made ahead of their reader: the rows are read and encoded on threads of their own while
the bytes already made are handed on, so a slow client never holds the store and the two cores
work at once (DuckDB or PostgreSQL producing the next batch, Arrow encoding this one: both release
the GIL).

Two stages, each a daemon thread, joined by bounded queues:

1. read: the store is opened (``open_store()``), the list streamed a batch at a time
   (:func:`limelight.listing.batches`), the store closed when the last batch is read;
2. encode: each batch becomes bytes (:class:`limelight.exports_stream.ExportStream`).

Where no other process can write while this one has the store open (a DuckDB file,
``Store.blocks_writers``), the bytes go to a temporary file that the reader follows as it grows:
the store is held for as long as reading and encoding take, never for as long as the client takes
to download. Elsewhere (PostgreSQL, a writer's read service) they go through a queue of a few
chunks: memory stays bounded either way. The temporary file is removed when the reader is done
(or gives up). An error on either thread is raised in the reader, after the bytes made before it.
"""

from __future__ import annotations

import os
import queue
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, suppress
from pathlib import Path
from typing import Any

import pyarrow as pa

from limelight.exports_stream import ExportStream
from limelight.store.base import Store

DEPTH = 4  # batches (and chunks) in flight between the stages
_READ_BYTES = 1 << 20
_END = object()


class AheadExport:
    """The bytes of an export (iterate once), made ahead on two threads; ``rows`` counts the rows
    encoded so far (all of them once iteration ends)."""

    def __init__(self, open_store: Callable[[], AbstractContextManager[Store]],
                 batches: Callable[[Store], Iterable[pa.Table]], fmt: str, *, timezone: str | None = None,
                 csv_raw: bool = False) -> None:
        self.fmt = fmt
        self._open_store = open_store
        self._batches = batches
        self._timezone = timezone
        self._csv_raw = csv_raw
        self._encoder: ExportStream | None = None

    @property
    def rows(self) -> int:
        return self._encoder.rows if self._encoder is not None else 0

    def __iter__(self) -> Iterator[bytes]:
        tables: queue.Queue[Any] = queue.Queue(DEPTH)
        stop = threading.Event()  # the reader gave up: both threads end at their next step
        spooled: queue.Queue[_Spool | None] = queue.Queue(1)  # the read stage says where bytes go

        def read() -> None:
            try:
                with self._open_store() as store:
                    spooled.put(_Spool() if getattr(store, "blocks_writers", False) else None)
                    for table in self._batches(store):
                        if not _put(tables, table, stop):
                            return
                _put(tables, _END, stop)
            except BaseException as exc:  # handed to the reader, which raises it
                if spooled.empty():
                    spooled.put(None)
                _put(tables, _Failed(exc), stop)

        reader = threading.Thread(target=read, name="limelight-export-read", daemon=True)
        reader.start()
        spool = spooled.get()
        self._encoder = encoder = ExportStream(_drain(tables, stop), self.fmt, timezone=self._timezone,
                                               csv_raw=self._csv_raw)
        if spool is None:
            yield from _queued(encoder, stop)
        else:
            yield from _followed(encoder, spool, stop)
        reader.join(timeout=5)


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def _put(q: queue.Queue[Any], item: Any, stop: threading.Event) -> bool:
    """Put ``item`` unless the reader gave up (then False)."""
    while not stop.is_set():
        try:
            q.put(item, timeout=0.2)
            return True
        except queue.Full:
            continue
    return False


def _drain(q: queue.Queue[Any], stop: threading.Event) -> Iterator[Any]:
    """The items put on ``q`` until its end (or the error a stage put there, raised here)."""
    while True:
        item = q.get()
        if item is _END:
            return
        if isinstance(item, _Failed):
            raise item.error
        yield item
        if stop.is_set():
            return


def _queued(encoder: Iterable[bytes], stop: threading.Event) -> Iterator[bytes]:
    """The encoder's chunks made on a thread of their own, through a bounded queue."""
    chunks: queue.Queue[Any] = queue.Queue(DEPTH)

    def encode() -> None:
        try:
            for chunk in encoder:
                if not _put(chunks, chunk, stop):
                    return
            _put(chunks, _END, stop)
        except BaseException as exc:
            _put(chunks, _Failed(exc), stop)

    threading.Thread(target=encode, name="limelight-export-encode", daemon=True).start()
    try:
        yield from _drain(chunks, stop)
    finally:
        stop.set()


class _Spool:
    """A temporary file one thread appends to and another follows."""

    def __init__(self) -> None:
        fd, name = tempfile.mkstemp(prefix="limelight-export-", suffix=".part")
        self.path = Path(name)
        self.sink = os.fdopen(fd, "wb")
        self.written = 0
        self.done = False
        self.error: BaseException | None = None
        self.changed = threading.Condition()


def _followed(encoder: Iterable[bytes], spool: _Spool, stop: threading.Event) -> Iterator[bytes]:
    """The encoder's chunks written to ``spool`` on a thread of their own, read back as they land."""

    def encode() -> None:
        try:
            for chunk in encoder:
                if stop.is_set():
                    return
                spool.sink.write(chunk)
                spool.sink.flush()
                with spool.changed:
                    spool.written += len(chunk)
                    spool.changed.notify_all()
        except BaseException as exc:
            spool.error = exc
        finally:
            with suppress(OSError):
                spool.sink.close()
            with spool.changed:
                spool.done = True
                spool.changed.notify_all()

    threading.Thread(target=encode, name="limelight-export-encode", daemon=True).start()
    handed = 0
    try:
        with open(spool.path, "rb") as source:
            while True:
                with spool.changed:
                    while spool.written == handed and not spool.done:
                        spool.changed.wait(timeout=0.5)
                    available, done, error = spool.written - handed, spool.done, spool.error
                while available > 0:
                    data = source.read(min(available, _READ_BYTES))
                    if not data:
                        break
                    handed += len(data)
                    available -= len(data)
                    yield data
                if done and spool.written == handed:
                    if error is not None:
                        raise error
                    return
    finally:
        stop.set()
        spool.path.unlink(missing_ok=True)
