"""The read service: other processes read a DuckDB store through the process that writes it.

DuckDB lets one process open a file for writing, and while it has it open no other process can
open it at all, not even read-only (and a writer cannot open it while readers have it). So the
process that owns the store for writing (``Project.open_store()``: an ingest, a link, tone apply)
also answers reads for everyone else, on a Unix domain socket, from a daemon thread:

- The socket lives in a short private folder (``$XDG_RUNTIME_DIR/limelight`` or
  ``/tmp/limelight-<uid>``, mode 0700; the socket itself 0600) because a socket path may be at
  most ~107 bytes and a project folder can be deeper than that.
- The *discovery file* ``<store file>.service.json`` (socket, pid, command, started_at), written
  atomically next to the store, tells a reader where to ask. It is removed when the store closes;
  one left by a killed writer is stale (its pid is dead, or nothing listens on its socket) and
  readers ignore it; the next writer, which holds the file's lock, replaces it.
- A request is one length-prefixed JSON frame: ``{"op": "read", "name", "params"}`` (a named
  read), ``{"op": "query", "sql", "params"}`` (``limelight sql``), ``{"op": "stream", "name",
  "params", "batch_rows"}`` (a named read a batch at a time, ``Store.read_batches``: BATCH frames
  of one Arrow IPC batch each, then END) or ``{"op": "info"}``. Any other answer is one frame:
  ``A`` + an Arrow IPC stream of the result, ``J`` + JSON (info), or ``E`` + JSON ``{kind,
  class, message, hint}``, which the client raises again as the same error.
- Parameters travel through :func:`encode` / :func:`decode`: JSON with tags for dates, datetimes,
  tuples and registered frozen dataclasses (the report :class:`Scope`). Never pickle: a frame
  from a socket must not be able to run code.
- Every query runs on a small pool of threads, each with its own read cursor of the store
  (:meth:`DuckDBStore.read`), inside ``BEGIN TRANSACTION READ ONLY``: it sees what was committed
  before it started and never takes the write lock, so it runs while a batch is being written.
  Raw SQL must also be a read statement (SELECT, WITH, FROM, VALUES, SHOW, DESCRIBE, SUMMARIZE,
  PRAGMA that reads, EXPLAIN), checked with DuckDB's own parser before it runs.
- Bounded: requests of at most :data:`MAX_REQUEST_BYTES`, :data:`MAX_CONNECTIONS` clients at a time;
  a client beyond them waits in line (first come, first served) up to :data:`SLOT_WAIT` seconds for
  one to leave, at most :data:`MAX_WAITING` of them (one more is told at once that the owner is
  busy; so is one whose wait ran out); a query stopped after :data:`QUERY_TIMEOUT` seconds, an idle
  client dropped after :data:`IDLE_TIMEOUT`. A web server with a thread per request opens a
  connection per request: refusing the 33rd at once made a burst of readers fail while the slots
  were freed a few milliseconds later.

Unix domain sockets only: where ``socket.AF_UNIX`` is missing (Windows' Python), no service
starts, and a reader waits for the writer to finish (``store.lock_timeout``) as before.
docs/architecture.md, "One owner of the store", has the whole design.
"""

from __future__ import annotations

import atexit
import dataclasses
import hashlib
import json
import logging
import numbers
import os
import queue
import socket
import stat
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from limelight.errors import ConfigError, LimelightError, PluginError, UsageError

log = logging.getLogger(__name__)

PROTOCOL = 1
MAX_REQUEST_BYTES = 8 * 1024 * 1024  # a get_documents of ~100k ids fits; anything bigger is not a read
MAX_CONNECTIONS = 32
MAX_WAITING = 128  # clients waiting for a slot: each waits in a thread of its own
SLOT_WAIT = 30.0  # seconds a waiting client gets a slot in, or is told the owner is busy
QUERY_WORKERS = 4  # threads (and so read cursors) that run queries; more clients queue for them
QUERY_TIMEOUT = 600.0
IDLE_TIMEOUT = 60.0
_MAX_DEPTH = 32  # nesting of a decoded parameter

# POSIX only: the private folder, file modes and the pid check (os.kill(pid, 0)) are POSIX semantics.
HAS_UNIX_SOCKETS = hasattr(socket, "AF_UNIX") and os.name == "posix"
_HEADER = struct.Struct(">Q")
ARROW, JSON_OK, ERROR = b"A", b"J", b"E"
# A stream (op "stream", Store.read_batches): BATCH frames, each an Arrow IPC stream of one batch,
# then END, or ERROR in place of either.
BATCH, END = b"B", b"Z"


# -- the parameter codec --------------------------------------------------------------------------


class CodecError(ValueError):
    """A value that cannot be sent, or a frame that does not decode."""


_TYPES: dict[str, type] = {}  # tag → registered dataclass
_TAGS: dict[type, str] = {}
_defaults_loaded = False


def register_type(cls: type, tag: str | None = None) -> type:
    """Let instances of the dataclass ``cls`` travel as parameters, under ``tag`` (its name by
    default). Only registered classes are ever built from a frame."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    tag = tag or cls.__name__
    if tag in ("tuple", "dict", "date", "datetime") or (tag in _TYPES and _TYPES[tag] is not cls):
        raise ValueError(f"the codec tag {tag!r} is taken")
    _TYPES[tag] = cls
    _TAGS[cls] = tag
    return cls


def _load_defaults() -> None:
    global _defaults_loaded
    if _defaults_loaded:
        return
    _defaults_loaded = True
    # Imported late: the analyses import the store. Scope is moving to limelight.scope; the tag
    # stays "Scope" wherever the class lives.
    try:
        from limelight.scope import Scope  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        from limelight.analyses.base import Scope
    register_type(Scope, "Scope")


def encode(value: Any) -> Any:
    """``value`` as plain JSON data: tuples, dates, datetimes and registered dataclasses tagged
    (``{"$t": tag, "v": ...}``), and a dict that could be mistaken for a tag spelled as pairs."""
    _load_defaults()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$t": "tuple", "v": [encode(v) for v in value]}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and "$t" not in value:
            return {k: encode(v) for k, v in value.items()}
        return {"$t": "dict", "v": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, datetime):  # before date: a datetime is a date
        return {"$t": "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {"$t": "date", "v": value.isoformat()}
    if hasattr(value, "tolist") and callable(value.tolist):  # a numpy array or scalar a caller computed
        return encode(value.tolist())
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    tag = _TAGS.get(type(value))
    if tag is not None:
        return {"$t": tag, "v": {f.name: encode(getattr(value, f.name))
                                 for f in dataclasses.fields(value) if f.init}}
    raise CodecError(f"a {type(value).__name__} cannot be sent to the process that holds the store",
                     "pass plain values (str, int, float, bool, None, lists, dicts, dates) or a registered dataclass")


def decode(data: Any, _depth: int = 0) -> Any:
    """The inverse of :func:`encode`; an unknown tag or a malformed value raises CodecError."""
    _load_defaults()
    if _depth > _MAX_DEPTH:
        raise CodecError("the parameters are nested too deeply")
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if isinstance(data, list):
        return [decode(v, _depth + 1) for v in data]
    if not isinstance(data, dict):
        raise CodecError(f"cannot decode a {type(data).__name__}")
    if "$t" not in data:
        return {k: decode(v, _depth + 1) for k, v in data.items()}
    tag, body = data.get("$t"), data.get("v")
    if set(data) != {"$t", "v"}:
        raise CodecError(f"a tagged value has keys {sorted(data)}, not $t and v")
    try:
        if tag == "tuple" and isinstance(body, list):
            return tuple(decode(v, _depth + 1) for v in body)
        if tag == "dict" and isinstance(body, list):
            return {decode(k, _depth + 1): decode(v, _depth + 1) for k, v in body}
        if tag == "datetime" and isinstance(body, str):
            return datetime.fromisoformat(body)
        if tag == "date" and isinstance(body, str):
            return date.fromisoformat(body)
        cls = _TYPES.get(tag) if isinstance(tag, str) else None
        if cls is not None and isinstance(body, dict):
            names = {f.name for f in dataclasses.fields(cls) if f.init}
            unknown = set(body) - names
            if unknown:
                raise CodecError(f"{tag} has no field(s) {', '.join(sorted(unknown))}")
            return cls(**{k: decode(v, _depth + 1) for k, v in body.items()})
    except (TypeError, ValueError) as exc:
        if isinstance(exc, CodecError):
            raise
        raise CodecError(f"a malformed {tag} value: {exc}") from None
    raise CodecError(f"unknown or malformed tag {tag!r}")


def dumps(value: Any) -> bytes:
    return json.dumps(encode(value), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes) -> Any:
    try:
        return decode(json.loads(data))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CodecError(f"not a JSON frame: {exc}") from None


# -- frames ---------------------------------------------------------------------------------------


class ConnectionClosed(OSError):
    """The other side closed the connection (or it broke) before a whole frame came."""


def send_frame(sock: socket.socket, payload: bytes | memoryview, kind: bytes = b"") -> None:
    sock.sendall(_HEADER.pack(len(kind) + len(payload)) + kind)
    sock.sendall(payload)


def recv_frame(sock: socket.socket, limit: int | None = None) -> bytes | None:
    """One frame's payload; None when the peer closed cleanly between frames."""
    head = _recv_exact(sock, _HEADER.size, eof_ok=True)
    if head is None:
        return None
    (size,) = _HEADER.unpack(head)
    if limit is not None and size > limit:
        raise CodecError(f"a request of {size:,} bytes is over the limit of {limit:,}")
    data = _recv_exact(sock, size, eof_ok=False)
    assert data is not None
    return data


def _recv_exact(sock: socket.socket, size: int, *, eof_ok: bool) -> bytes | None:
    buf = bytearray()
    while len(buf) < size:
        chunk = sock.recv(min(size - len(buf), 1 << 20))
        if not chunk:
            if eof_ok and not buf:
                return None
            raise ConnectionClosed("the connection closed in the middle of a frame")
        buf += chunk
    return bytes(buf)


def table_bytes(table: pa.Table) -> pa.Buffer:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def bytes_table(data: bytes | memoryview) -> pa.Table:
    with pa.ipc.open_stream(pa.py_buffer(data)) as reader:
        return reader.read_all()


def error_payload(exc: BaseException) -> dict[str, str]:
    """How an error travels: the client raises the same class with the same text (:func:`raise_error`)."""
    if isinstance(exc, LimelightError):
        kind = next((cls.__name__ for cls in (ConfigError, PluginError) if isinstance(exc, cls)), "UsageError")
        return {"kind": kind, "class": type(exc).__name__, "message": exc.message, "hint": exc.hint}
    if isinstance(exc, ServiceGone):
        return {"kind": "gone", "class": "ServiceGone", "message": str(exc), "hint": ""}
    if isinstance(exc, CodecError):
        return {"kind": "UsageError", "class": "CodecError", "message": str(exc.args[0]),
                "hint": str(exc.args[1]) if len(exc.args) > 1 else ""}
    if type(exc).__module__.split(".")[0] in ("duckdb", "_duckdb"):
        return {"kind": "duckdb", "class": type(exc).__name__, "message": str(exc), "hint": ""}
    return {"kind": "internal", "class": type(exc).__name__, "message": str(exc), "hint": ""}


class ServiceBusy(Exception):
    """The owner serves :data:`MAX_CONNECTIONS` clients already."""


class ServiceGone(Exception):
    """The service is not there any more (refused, socket gone, closed mid-request, or closing):
    the client reads another way (:class:`limelight.store.remote.RemoteStore`)."""


def raise_error(payload: dict[str, Any]) -> None:
    kind, message, hint = payload.get("kind"), str(payload.get("message", "")), str(payload.get("hint", ""))
    if kind == "UsageError":
        raise UsageError(message, hint)
    if kind == "ConfigError":
        raise ConfigError(message, hint)
    if kind == "PluginError":
        raise PluginError(message, hint)
    if kind == "busy":
        raise ServiceBusy(message)
    if kind == "gone":
        raise ServiceGone(message)
    if kind == "duckdb":
        import duckdb

        cls = getattr(duckdb, str(payload.get("class")), None)
        if not (isinstance(cls, type) and issubclass(cls, duckdb.Error)):
            cls = duckdb.Error
        raise cls(message)
    raise ConfigError(f"the process that holds the store failed on this request: {message}",
                      "see its output; run the command again after it finishes")


# -- where a service is announced -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Announcement:
    """What ``<store>.service.json`` says."""

    socket: str
    pid: int
    command: str
    started_at: str
    store: str
    protocol: int = PROTOCOL

    def holder(self) -> str:
        """"process 123 (limelight ingest, since 10:04:05 UTC)", for messages."""
        since = self.started_at[11:19]
        return f"process {self.pid} ({self.command}" + (f", since {since} UTC)" if since else ")")


def discovery_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".service.json")


def read_announcement(store_path: Path) -> Announcement | None:
    """The announcement next to the store, or None (none, unreadable, or another protocol)."""
    try:
        data = json.loads(discovery_path(store_path).read_text(encoding="utf-8"))
        ann = Announcement(socket=str(data["socket"]), pid=int(data["pid"]), command=str(data.get("command", "")),
                           started_at=str(data.get("started_at", "")), store=str(data.get("store", "")),
                           protocol=int(data.get("protocol", 0)))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return ann if ann.protocol == PROTOCOL else None


def live_announcement(store_path: Path) -> Announcement | None:
    """The announcement if its process is alive and its socket is there; a stale one (a writer
    killed with ``kill -9``) gives None. Connecting proves the rest (:class:`RemoteStore`)."""
    if not HAS_UNIX_SOCKETS:
        return None
    ann = read_announcement(store_path)
    if ann is None or not pid_alive(ann.pid):
        return None
    try:
        if not stat.S_ISSOCK(os.stat(ann.socket).st_mode):
            return None
    except OSError:
        return None
    return ann


def pid_alive(pid: int) -> bool:
    # POSIX only (callers check HAS_UNIX_SOCKETS first): on Windows os.kill(pid, 0) ends the process.
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    except OSError:
        return False
    return True


def describe_process(pid: int) -> str:
    """A short name for another process ("limelight report visibility"), from /proc where there is one."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            args = [a.decode("utf-8", "replace") for a in fh.read().split(b"\0") if a]
    except OSError:
        return ""
    return command_name(args)


def command_name(argv: list[str]) -> str:
    """"limelight ingest" from ``[.../bin/limelight, ingest, -p, P, ...]`` or ``[python, -m, limelight.cli, ...]``."""
    if not argv:
        return ""
    args = list(argv)
    if len(args) > 2 and args[1] == "-m":
        args = [args[2].split(".")[0], *args[3:]]
    elif Path(args[0]).name.startswith("python") and len(args) > 1:
        args = args[1:]
    name = Path(args[0]).name
    if Path(args[0]).parent.name == "limelight" and name in ("cli.py", "__main__.py"):
        name = "limelight"  # `python -m limelight.cli`: argv[0] is the module's file
    words = [w for w in args[1:3] if not w.startswith("-")][:2] if name == "limelight" else []
    return " ".join([name, *words])[:80]


def _runtime_dir() -> Path:
    """A private folder for the socket with a short path (AF_UNIX paths are ~107 bytes at most)."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    candidates = []
    if os.environ.get("XDG_RUNTIME_DIR"):
        candidates.append(Path(os.environ["XDG_RUNTIME_DIR"]) / "limelight")
    candidates.append(Path(tempfile.gettempdir()) / f"limelight-{uid}")
    candidates.append(Path("/tmp") / f"limelight-{uid}")
    for folder in candidates:
        if len(str(folder)) > 70:  # the socket's name adds 26 characters
            continue
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            st = os.lstat(folder)
        except OSError:
            continue
        # In a shared /tmp another user could have made the folder first: use it only if it is ours
        # and private.
        if stat.S_ISDIR(st.st_mode) and st.st_uid == uid and not st.st_mode & 0o077:
            return folder
    raise OSError("no private folder with a short path for the store's socket "
                  f"(tried {', '.join(map(str, candidates))})")


def socket_path(store_path: Path) -> Path:
    digest = hashlib.sha256(str(store_path.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return _runtime_dir() / f"{digest}.sock"


# -- the service ----------------------------------------------------------------------------------

# DuckDB's statement types a client's raw SQL may be (SHOW, DESCRIBE, SUMMARIZE, FROM, VALUES and
# the reading PRAGMAs parse as SELECT). The transaction is read-only as well, so a statement that
# slipped past this list still could not write.
_READ_STATEMENTS = frozenset({"SELECT", "EXPLAIN"})
_parse_lock = threading.Lock()
_parser: Any = None


def check_read_statements(sql: str, holder: str) -> None:
    """Refuse SQL that is not made of read statements, before it runs."""
    import duckdb

    global _parser
    with _parse_lock:
        if _parser is None:
            _parser = duckdb.connect(":memory:")  # only parses: it never sees the store's tables
        statements = _parser.extract_statements(sql)
    for statement in statements:
        kind = statement.type.name
        if kind not in _READ_STATEMENTS:
            raise UsageError(
                f"the store is open read-only: {holder} holds it for writing, so `limelight sql` can only "
                f"read (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN); this is a {kind} statement",
                "pass --write to change the store: it waits up to store.lock_timeout seconds for that "
                "process to finish")


_SERVED: dict[str, ReadService] = {}  # store path → the service this process runs for it
_SERVED_LOCK = threading.Lock()


class ReadService:
    """Answers reads from other processes for a store this process holds for writing."""

    def __init__(self, store: Any, store_path: Path, *, max_connections: int | None = None,
                 query_workers: int = QUERY_WORKERS, query_timeout: float = QUERY_TIMEOUT,
                 idle_timeout: float = IDLE_TIMEOUT, max_request_bytes: int = MAX_REQUEST_BYTES,
                 max_waiting: int | None = None, slot_wait: float | None = None) -> None:
        # The bounds' defaults are read when a service starts, not when this module is imported.
        max_connections = MAX_CONNECTIONS if max_connections is None else max_connections
        self.store = store
        self.store_path = Path(store_path)
        self.max_request_bytes = max_request_bytes
        self.query_timeout = query_timeout
        self.idle_timeout = idle_timeout
        self._slots = threading.BoundedSemaphore(max_connections)
        self._max_waiting = MAX_WAITING if max_waiting is None else max_waiting
        self._slot_wait = SLOT_WAIT if slot_wait is None else slot_wait
        self._waiting = 0  # clients in line for a slot (under _mu)
        self._query_workers = query_workers
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._workers: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._clients: set[socket.socket] = set()
        self._running: dict[int, Any] = {}  # id of a running job → its cursor (interrupted on stop)
        self._mu = threading.Lock()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.announcement: Announcement | None = None
        self.holder = f"process {os.getpid()} ({command_name(sys.argv)})"

    def start(self) -> Announcement:
        path = socket_path(self.store_path)
        # This process holds the store's write lock, so no other process can be serving it: a
        # socket file there is a killed writer's.
        path.unlink(missing_ok=True)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(str(path))
            os.chmod(path, 0o600)
            sock.listen(16)
            sock.settimeout(0.2)  # accept() wakes up to see a stop
        except BaseException:
            sock.close()
            raise
        self._sock = sock
        self._start_workers()
        now = datetime.now(UTC)
        self.announcement = ann = Announcement(
            socket=str(path), pid=os.getpid(), command=command_name(sys.argv) or "python",
            started_at=now.isoformat(timespec="seconds"), store=str(self.store_path.resolve()))
        self.holder = ann.holder()
        self._thread = threading.Thread(target=self._accept, name="limelight-store-service", daemon=True)
        self._thread.start()
        _write_atomically(discovery_path(self.store_path), json.dumps(dataclasses.asdict(ann), indent=1))
        atexit.register(self.stop)
        return ann

    def stop(self) -> None:
        """Stop answering: no new clients, running queries get a moment to finish, then are
        interrupted; the discovery file and the socket go. Called before the store closes."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        atexit.unregister(self.stop)
        ann = self.announcement
        if ann is not None and read_announcement(self.store_path) == ann:
            discovery_path(self.store_path).unlink(missing_ok=True)
        if self._sock is not None:
            if ann is not None:
                # accept() does not wake up when its socket closes: a connection of our own wakes it.
                with suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as wake:
                    wake.settimeout(1.0)
                    wake.connect(ann.socket)
                Path(ann.socket).unlink(missing_ok=True)
            self._sock.close()
        if self._thread is not None:
            self._thread.join(timeout=2)
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and self._running:
            time.sleep(0.02)
        with self._mu:
            for cursor in list(self._running.values()):
                cursor.interrupt()
            for client in list(self._clients):
                with suppress(OSError):
                    client.shutdown(socket.SHUT_RDWR)  # wakes the handler blocked in recv
        for _ in self._workers:
            self._jobs.put(None)
        for worker in self._workers:
            worker.join(timeout=2)
        while True:  # jobs no worker took: their clients get an answer, not a hang
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job.finish(error=ServiceGone(f"{self.holder} closed the store"))

    def _start_workers(self) -> None:
        """The threads that run queries, each with its read cursor made now: the cursor is made
        under the store's write lock, which a batch being written holds, and a query must never
        wait for a batch."""
        ready = threading.Barrier(self._query_workers + 1)
        for i in range(self._query_workers):
            worker = threading.Thread(target=self._work, args=(ready,), name=f"limelight-read-{i}", daemon=True)
            worker.start()
            self._workers.append(worker)
        with suppress(threading.BrokenBarrierError):
            ready.wait(timeout=10)

    def _work(self, ready: threading.Barrier) -> None:
        reader = getattr(self.store, "_reader", None)
        try:
            if reader is not None:
                reader()
        finally:
            with suppress(threading.BrokenBarrierError):
                ready.wait(timeout=10)
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                job.finish(result=self._run(job.request))
            except Exception as exc:
                job.finish(error=exc)

    # -- serving ----------------------------------------------------------------------------------

    def _accept(self) -> None:
        assert self._sock is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # the socket was closed: stopping
            if self._stopping.is_set():
                client.close()
                return
            client.settimeout(self.idle_timeout)
            with self._mu:
                # A newcomer takes a free slot only when nobody is in line before it.
                now = self._waiting == 0 and self._slots.acquire(blocking=False)
                queued = not now and self._waiting < self._max_waiting
                if queued:
                    self._waiting += 1
            if now:
                threading.Thread(target=self._serve, args=(client,), name="limelight-store-client",
                                 daemon=True).start()
            elif queued:
                threading.Thread(target=self._wait_then_serve, args=(client,), name="limelight-store-waiting",
                                 daemon=True).start()
            else:
                self._refuse(client)

    def _wait_then_serve(self, client: socket.socket) -> None:
        """A client in line: served once a slot is free (a semaphore wakes its waiters in the order
        they came), told the owner is busy when none was free in time or the service stops."""
        try:
            got = self._slots.acquire(timeout=self._slot_wait)
        finally:
            with self._mu:
                self._waiting -= 1
        if not got:
            self._refuse(client)
        elif self._stopping.is_set():
            self._slots.release()
            self._refuse(client)
        else:
            self._serve(client)

    def _refuse(self, client: socket.socket) -> None:
        try:
            send_frame(client, json.dumps({"kind": "busy", "message": f"{self.holder} serves "
                                           "as many readers as it can"}).encode(), ERROR)
        except OSError:
            pass
        finally:
            client.close()

    def _serve(self, client: socket.socket) -> None:
        with self._mu:
            self._clients.add(client)
        try:
            while not self._stopping.is_set():
                try:
                    frame = recv_frame(client, self.max_request_bytes)
                except CodecError as exc:
                    send_frame(client, json.dumps(error_payload(exc)).encode(), ERROR)
                    return  # the rest of an oversized frame is still in the socket
                if frame is None:
                    return
                answer = self._answer(frame, client)
                if answer is not None:
                    send_frame(client, answer[1], answer[0])
        except OSError:  # the client went away, timed out idle, or we are stopping
            pass
        finally:
            with self._mu:
                self._clients.discard(client)
            client.close()
            self._slots.release()

    def _answer(self, frame: bytes, client: socket.socket) -> tuple[bytes, bytes | memoryview] | None:
        """The answer to one request frame; None when it was sent already (a stream)."""
        try:
            request = loads(frame)
            if not isinstance(request, dict):
                raise CodecError("a request is a JSON object")
            op = request.get("op")
            if op in ("info", "ping"):
                return JSON_OK, json.dumps(self._info()).encode()
            if op == "stream":
                self._stream(request, client)
                return None
            if op not in ("read", "query"):
                raise CodecError(f"unknown op {op!r}")
            job = _Job(request)
            self._jobs.put(job)
            if not job.done.wait(timeout=self.query_timeout + 5):
                raise UsageError(f"the query did not finish within {self.query_timeout:g} s",
                                 "narrow it down (a LIMIT, a WHERE), or run it after the writer finishes")
            if job.error is not None:
                raise job.error
            assert job.result is not None
            return ARROW, memoryview(table_bytes(job.result))
        except Exception as exc:  # every failure goes back to the client as an error frame
            if not isinstance(exc, LimelightError | CodecError | ServiceGone) and "duckdb" not in type(exc).__module__:
                log.exception("store service: a request failed")
            return ERROR, json.dumps(error_payload(exc)).encode()

    def _stream(self, request: dict[str, Any], client: socket.socket) -> None:
        """A named read sent a batch at a time (``Store.read_batches``), on this client's thread
        and the store's own streaming connection, not on the query pool: an export that runs for
        minutes must not hold a pool thread the short reads need. The client's speed sets the pace;
        a send that waits longer than the query timeout (a client that stopped reading) ends it."""
        name, params, rows = request.get("name"), request.get("params"), request.get("batch_rows")
        if (not isinstance(name, str) or not isinstance(params, dict) or not all(isinstance(k, str) for k in params)
                or not isinstance(rows, int) or isinstance(rows, bool) or rows < 1):
            raise CodecError("a stream needs a name, params (an object) and batch_rows (a positive integer)")
        if self._stopping.is_set():
            raise ServiceGone(f"{self.holder} is closing the store")
        client.settimeout(self.query_timeout)
        batches = self.store.read_batches(name, batch_rows=rows, **params)
        try:
            for batch in batches:
                if self._stopping.is_set():
                    raise ServiceGone(f"{self.holder} closed the store during the read")
                send_frame(client, memoryview(table_bytes(pa.Table.from_batches([batch]))), BATCH)
        except OSError:
            raise  # the client went away: nothing to tell it
        except Exception as exc:
            if not isinstance(exc, LimelightError | CodecError | ServiceGone) and "duckdb" not in type(exc).__module__:
                log.exception("store service: a stream failed")
            send_frame(client, json.dumps(error_payload(exc)).encode(), ERROR)
            return
        finally:
            batches.close()
            client.settimeout(self.idle_timeout)
        send_frame(client, b"", END)

    def _info(self) -> dict[str, Any]:
        return {"protocol": PROTOCOL, "pid": os.getpid(), "holder": self.holder, "name": self.store.name,
                "dialect": self.store.dialect, "schema_version": self.store.schema_version,
                "reads": sorted(self.store.reads)}

    def _run(self, request: dict[str, Any]) -> pa.Table:
        """On a pool thread: one read in a read-only transaction on this thread's read cursor."""
        if self._stopping.is_set():
            raise ServiceGone(f"{self.holder} is closing the store")
        run = self._job(request)
        # The store's read cursor for this thread: DuckDBStore keeps one per thread, and the pool's
        # fixed threads keep the number of cursors fixed too. Interrupting it is the query timeout.
        cursor = self.store._reader()
        job = id(threading.current_thread())
        timer = threading.Timer(self.query_timeout, cursor.interrupt)
        with self._mu:
            self._running[job] = cursor
        timer.start()
        try:
            cursor.execute("BEGIN TRANSACTION READ ONLY")
            try:
                return run()
            finally:
                with suppress(Exception):  # nothing to undo; an interrupted one may be over already
                    cursor.execute("ROLLBACK")
        except Exception as exc:
            if type(exc).__name__ == "InterruptException" and self._stopping.is_set():
                raise ServiceGone(f"{self.holder} closed the store") from None
            if type(exc).__name__ == "InterruptException":
                raise UsageError(f"the query was stopped after {self.query_timeout:g} s",
                                 "narrow it down (a LIMIT, a WHERE), or run it after the writer finishes") from None
            raise
        finally:
            timer.cancel()
            with self._mu:
                self._running.pop(job, None)

    def _job(self, request: dict[str, Any]) -> Callable[[], pa.Table]:
        """The request checked, as the call that answers it."""
        params = request.get("params")
        if request["op"] == "query":
            sql = request.get("sql")
            if not isinstance(sql, str):
                raise CodecError("a query needs sql (a string)")
            args = [] if params is None else params
            if not isinstance(args, list | dict):
                raise CodecError("query params are a list or an object")
            check_read_statements(sql, self.holder)
            return lambda: self.store.query(sql, args)
        name = request.get("name")
        if not isinstance(name, str) or not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
            raise CodecError("a read needs a name and params (an object)")
        return lambda: self.store.read(name, **params)


class _Job:
    """One query for a worker thread, and its outcome."""

    __slots__ = ("done", "error", "request", "result")

    def __init__(self, request: dict[str, Any]) -> None:
        self.request = request
        self.done = threading.Event()
        self.result: pa.Table | None = None
        self.error: BaseException | None = None

    def finish(self, *, result: pa.Table | None = None, error: BaseException | None = None) -> None:
        self.result, self.error = result, error
        self.done.set()


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def serve(store: Any, store_path: Path, *, on_close: Callable[[Callable[[], None]], None] | None = None
          ) -> ReadService | None:
    """Start the read service for a store this process just opened for writing; it stops when
    the store closes (through ``on_close``, the store's hook). None where it cannot run (no Unix
    sockets, no private folder): readers then wait for the writer, as without a service."""
    if not HAS_UNIX_SOCKETS:
        return None
    key = str(Path(store_path).resolve())
    with _SERVED_LOCK:
        running = _SERVED.get(key)
        if running is not None and not running._stopping.is_set():
            return None  # this process serves it already (a second writer handle on one instance)
        service = ReadService(store, store_path)
        try:
            service.start()
        except OSError as exc:
            log.warning("cannot start the read service for %s (%s): other processes cannot read it "
                        "until this one is done", store_path, exc)
            service.stop()
            return None
        _SERVED[key] = service

    def stop() -> None:
        service.stop()
        with _SERVED_LOCK:
            if _SERVED.get(key) is service:
                del _SERVED[key]

    if on_close is not None:
        on_close(stop)
    return service
