"""A store read through the process that holds it for writing (:mod:`limelight.store.service`).

``Project.open_store(read_only=True)`` returns a :class:`RemoteStore` when a live service is
announced for the store: reports, ``limelight sql`` and exports then run while an ingest or a link
writes, and see what it has committed. Only the read side of the Store protocol is here; every
write method says which process holds the store.

When the owner finishes while a reader is between two requests (its service stops and the
socket goes), the next request is run on a fresh open (``reopen``: the owner's successor, or the
file itself once it is free), so a report that spans the end of an ingest still completes.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn

import pyarrow as pa

from limelight.errors import ConfigError, StoreBusy, UsageError
from limelight.models import Document
from limelight.store import service
from limelight.store.base import Store
from limelight.store.read_methods import NamedReadMethods
from limelight.store.service import ServiceGone

CONNECT_TIMEOUT = 5.0
BUSY_WAIT = 10.0  # seconds a reader waits for a free slot at a busy owner


class RemoteStore(NamedReadMethods):
    """The read side of a :class:`~limelight.store.base.Store`, over the owner's Unix socket."""

    def __init__(self, announcement: service.Announcement, *, reopen: Callable[[], Store] | None = None,
                 timeout: float = service.QUERY_TIMEOUT + 30) -> None:
        self.announcement = announcement
        self._reopen = reopen
        self._timeout = timeout
        self._lock = threading.Lock()  # one request at a time on the one connection
        self._sock: socket.socket | None = None
        self._delegate: Store | None = None  # where requests go after the owner went away
        self.holder = announcement.holder()
        info = json.loads(self._request({"op": "info"}))  # raises ServiceGone: the caller tries another way
        if info.get("protocol") != service.PROTOCOL:
            self.close()
            raise ServiceGone(f"the owner speaks protocol {info.get('protocol')}, not {service.PROTOCOL}")
        self.name: str = str(info["name"])
        self.dialect: str = str(info["dialect"])
        self.schema_version: int = int(info["schema_version"])
        self.reads: frozenset[str] = frozenset(info["reads"])
        self.holder = str(info["holder"])
        self.read_only = True
        self.blocks_writers = False  # the owner writes; this process holds no file

    # -- transport --------------------------------------------------------------------------------

    def _connect(self) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(CONNECT_TIMEOUT)
        try:
            sock.connect(self.announcement.socket)
        except OSError as exc:
            sock.close()
            raise ServiceGone(str(exc)) from None
        sock.settimeout(self._timeout)
        return sock

    def _request(self, request: dict[str, Any]) -> bytes:
        """Send one request, return the payload of an ok answer; an error answer is raised."""
        frame = service.dumps(request)
        deadline = time.monotonic() + BUSY_WAIT
        delay = 0.05
        while True:
            try:
                return self._exchange(frame)
            except service.ServiceBusy as exc:
                if time.monotonic() + delay > deadline:
                    raise StoreBusy(f"the store is busy: {exc}", "try again in a moment") from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    def _exchange(self, frame: bytes) -> bytes:
        with self._lock:
            # A kept connection may have been dropped meanwhile (the owner's idle timeout): one
            # retry on a new one. A read can be sent twice safely.
            for attempt in (0, 1):
                fresh = self._sock is None
                if self._sock is None:
                    self._sock = self._connect()
                try:
                    service.send_frame(self._sock, frame)
                    answer = service.recv_frame(self._sock)
                    if answer is None:
                        raise service.ConnectionClosed("the owner closed the connection")
                except OSError as exc:
                    self._drop()
                    if fresh or attempt:
                        raise ServiceGone(str(exc)) from None
                    continue
                kind, payload = answer[:1], memoryview(answer)[1:]
                if kind == service.ERROR:
                    error = json.loads(bytes(payload))
                    if error.get("kind") == "busy":
                        self._drop()  # the owner closed it after saying so
                    service.raise_error(error)
                return bytes(payload) if kind == service.JSON_OK else answer
            raise AssertionError("unreachable")

    def _drop(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None

    def _table(self, request: dict[str, Any]) -> pa.Table:
        answer = self._request(request)
        if answer[:1] != service.ARROW:
            raise ConfigError("the process that holds the store sent something other than a table",
                              "run the command again after it finishes")
        return service.bytes_table(memoryview(answer)[1:])

    def _after_owner(self) -> Store:
        """The store to use now that the owner is gone."""
        if self._delegate is None:
            self._drop()
            if self._reopen is None:
                raise ConfigError(f"{self.holder} stopped serving the store during this command",
                                  "run it again")
            self._delegate = self._reopen()
        return self._delegate

    # -- the read side of the Store protocol ------------------------------------------------------

    def read(self, name: str, **params: Any) -> pa.Table:
        if self._delegate is None:
            try:
                return self._table({"op": "read", "name": name, "params": params})
            except ServiceGone:
                pass
        return self._after_owner().read(name, **params)

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> pa.Table:
        args: Any = params if isinstance(params, dict) else list(params)
        if self._delegate is None:
            try:
                return self._table({"op": "query", "sql": sql, "params": args})
            except ServiceGone:
                pass
        return self._after_owner().query(sql, args)

    def read_batches(self, name: str, *, batch_rows: int, **params: Any) -> Iterator[pa.RecordBatch]:
        """The named read streamed by the owner on a connection of its own (this store's other
        requests go on beside it). The owner going away before the first batch: the read runs on
        a fresh open instead; after it, the stream cannot go on from the same snapshot and says so."""
        if self._delegate is None:
            request = service.dumps({"op": "stream", "name": name, "params": params, "batch_rows": int(batch_rows)})
            deadline = time.monotonic() + BUSY_WAIT
            delay = 0.05
            while True:
                try:
                    yield from self._stream(request)
                    return
                except ServiceGone:
                    break  # nothing was sent: read it elsewhere
                except service.ServiceBusy as exc:
                    if time.monotonic() + delay > deadline:
                        raise StoreBusy(f"the store is busy: {exc}", "try again in a moment") from None
                    time.sleep(delay)
                    delay = min(delay * 2, 1.0)
        yield from self._after_owner().read_batches(name, batch_rows=batch_rows, **params)

    def _stream(self, request: bytes) -> Iterator[pa.RecordBatch]:
        sock = self._connect()
        sent = False
        try:
            try:
                service.send_frame(sock, request)
            except OSError as exc:
                raise ServiceGone(str(exc)) from None
            while True:
                try:
                    frame = service.recv_frame(sock)
                except OSError as exc:
                    frame = None
                    reason = str(exc)
                else:
                    reason = "it closed the connection"
                if frame is None:
                    if not sent:
                        raise ServiceGone(reason)
                    raise ConfigError(f"{self.holder} stopped serving the store in the middle of a read ({reason})",
                                      "run it again")
                kind, payload = frame[:1], memoryview(frame)[1:]
                if kind == service.BATCH:
                    sent = True
                    yield from service.bytes_table(payload).to_batches()
                elif kind == service.END:
                    return
                elif kind == service.ERROR:
                    try:
                        service.raise_error(json.loads(bytes(payload)))
                    except ServiceGone as exc:
                        if not sent:
                            raise
                        # rows were handed on already: reading again elsewhere would repeat them
                        raise ConfigError(f"{self.holder} closed the store in the middle of a read ({exc})",
                                          "run it again") from None
                else:
                    raise ConfigError("the process that holds the store sent something other than a table",
                                      "run the command again after it finishes")
        finally:
            sock.close()

    def get_documents(self, ids: Sequence[str]) -> list[Document]:
        from limelight.store.duckdb_store import _document_from_row

        table = self.query(
            """SELECT d.*, s.platform, s.handle, s.name AS source_name, s.owner_entity, s.official
               FROM documents AS d JOIN sources AS s ON s.id = d.source_id
               WHERE d.id IN (SELECT unnest(?::VARCHAR[]))""", [list(ids)])
        by_id = {row["id"]: _document_from_row(row) for row in table.to_pylist()}
        return [by_id[i] for i in ids if i in by_id]

    def close(self) -> None:
        with self._lock:
            self._drop()
        if self._delegate is not None:
            self._delegate.close()
            self._delegate = None

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes go through the owner, not through a reader -----------------------------------------

    def _refuse(self, *_: Any, **__: Any) -> NoReturn:
        raise UsageError(f"this store is open read-only: {self.holder} holds it, and writes go through it",
                         "run the command that writes after it finishes")

    write = bulk_load = remove_unproduced = write_errors = known_raw = sync_watchlist = replace_mentions = _refuse
    start_run = finish_run = update_tone = write_links = write_embeddings = replace_stories = _refuse
    apply_link_update = write_minhash_bands = forget_linker = _refuse
    reindex_search = save_search = delete_search = mark_search_seen = mark_changed = _refuse
    upsert_alerts = record_delivery = write_watch_targets = write_ingested_files = checkpoint = _refuse

    def __getattr__(self, name: str) -> Any:
        # A Store method added after this class (a new write) refuses too, rather than being missing.
        if name.startswith("_") or not callable(getattr(Store, name, None)):
            raise AttributeError(name)
        return self._refuse
