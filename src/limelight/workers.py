"""Supervised worker processes for extraction and enrichment.

Why our own pool rather than ``ProcessPoolExecutor``:

1. **A time limit per item.** An item stuck in C code (lxml on a tag with 200,000 attributes, a
   regular expression that backtracks) cannot be interrupted inside its own process. Only a
   supervisor can stop it: it kills the worker, turns the item into an error row, and hands the
   rest of the chunk to a fresh worker.
2. **Workers die with their parent.** ``kill -9`` of an ingest left ProcessPoolExecutor's workers
   and multiprocessing's resource tracker alive forever, blocked on pipes and holding the caller's
   stdout. Here a worker asks the kernel to kill it when its parent dies (``PR_SET_PDEATHSIG`` on
   Linux), watches its parent's pid as a fallback elsewhere, and talks over its own pipes only.
3. **A crash costs one item.** A segfault, an out-of-memory kill or a worker over its memory
   limit (``ingest.worker_memory_mb``, read from ``/proc``) costs the item it was working on, not
   the run (ProcessPoolExecutor raises ``BrokenProcessPool`` for everything in flight).

Protocol: the parent and a worker exchange frames (8-byte length + pickle) over the worker's stdin
and stdout. Which item the worker is on, and since when, sits in a 24-byte shared file (``mmap``)
that the worker updates before every item: the supervisor learns the culprit without one message
per item. Results come back in input order.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import mmap
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from limelight.errors import LimelightError, PluginError
from limelight.models import Document, Enriched, ItemError, RawPage
from limelight.settings import Settings
from limelight.watchlist import Watchlist

Item = RawPage | Document
Result = Enriched | ItemError

_LEN = struct.Struct("<Q")
_MARK = struct.Struct("<qqq")  # task sequence number, item index (-1: a batch step), start (monotonic ns)
_POLL = 0.2  # seconds between deadline and memory checks
_SETUP_DEATHS = 3  # workers that die before finishing set-up, in a row, before the run gives up
_HINT_TIMEOUT = "the rest of the input was ingested; raise ingest.item_timeout if such items are real"
# Not ``-m limelight.workers``: the package imports this module first, and runpy warns about that.
_WORKER_COMMAND = "import sys; from limelight.workers import worker_main; sys.exit(worker_main(sys.argv[1:]))"
_HINT_CRASH = "the rest of the input was ingested; if the item looks fine, please report it"


# -- frames -----------------------------------------------------------------------------------------


def _send(fh: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    fh.write(_LEN.pack(len(data)))
    fh.write(data)
    fh.flush()


def _read_exact(fh: IO[bytes], n: int) -> bytes:
    parts: list[bytes] = []
    while n:
        chunk = fh.read(n)
        if not chunk:
            raise EOFError("pipe closed")
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


def _recv(fh: IO[bytes]) -> Any:
    (n,) = _LEN.unpack(_read_exact(fh, _LEN.size))
    return pickle.loads(_read_exact(fh, n))


# -- the worker side ------------------------------------------------------------------------------


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to SIGKILL us when the parent dies, and watch its pid where that is not
    available (a pid that changes means we were re-parented: the parent is gone)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    if os.getppid() != parent:  # it died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="limelight-parent-watch", daemon=True).start()


def worker_main(argv: list[str]) -> int:
    """Entry point of a worker process (:data:`_WORKER_COMMAND` with PARENT_PID MARKER_FD)."""
    parent, marker_fd = int(argv[0]), int(argv[1])
    _die_with_parent(parent)
    # The protocol owns stdin/stdout; anything a library prints goes to stderr instead, so a stray
    # print() can never corrupt a frame.
    proto_in = os.fdopen(os.dup(0), "rb")
    proto_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    marker = mmap.mmap(marker_fd, _MARK.size)

    from limelight.pipeline import Processor

    try:
        settings, watchlist, root = _recv(proto_in)
        proc = Processor(settings, watchlist, root)
    except EOFError:
        return 0
    except LimelightError as exc:
        _send(proto_out, ("fatal", type(exc).__name__, exc.message, exc.hint))
        return 1
    except BaseException as exc:  # reported to the parent, which raises it there
        _send(proto_out, ("fatal", type(exc).__name__, f"{exc}", traceback.format_exc(limit=5)))
        return 1
    current = [0]

    def mark(index: int) -> None:
        marker[:] = _MARK.pack(current[0], index, time.monotonic_ns())

    proc.mark = mark
    _send(proto_out, ("ready", os.getpid()))
    while True:
        try:
            message = _recv(proto_in)
        except EOFError:
            return 0
        if message[0] == "stop":
            return 0
        _kind, seq, items, batching = message
        current[0] = seq
        results = proc.chunk(items, batching=batching)
        marker[:] = _MARK.pack(seq, -1, 0)  # idle: no deadline runs while the parent collects
        _send(proto_out, ("done", seq, results))


# -- the supervisor side ---------------------------------------------------------------------------


@dataclass
class _Chunk:
    """One chunk of the input; its results fill in as tasks finish (a killed task is split)."""

    items: list[Item]
    results: list[Result | None]
    open_tasks: int = 0

    @property
    def done(self) -> bool:
        return self.open_tasks == 0


@dataclass
class _Task:
    seq: int
    chunk: _Chunk
    positions: list[int]  # which items of the chunk this task carries
    batching: bool = True

    @property
    def items(self) -> list[Item]:
        return [self.chunk.items[p] for p in self.positions]


@dataclass
class _Worker:
    proc: subprocess.Popen[bytes]
    marker: mmap.mmap
    marker_file: IO[bytes]
    ready: bool = False
    task: _Task | None = None
    started: float = field(default_factory=time.monotonic)

    def mark(self) -> tuple[int, int, int]:
        seq, index, started_ns = _MARK.unpack(self.marker[:])
        return int(seq), int(index), int(started_ns)

    def rss_mb(self) -> float | None:
        try:
            with open(f"/proc/{self.proc.pid}/statm", "rb") as fh:
                pages = int(fh.read().split()[1])
        except (OSError, ValueError, IndexError):
            return None
        return pages * mmap.PAGESIZE / 2**20

    def peak_mb(self) -> float:
        """The most memory the worker has held (VmHWM), 0 when unknown (it has exited, or no /proc)."""
        return peak_rss_mb(self.proc.pid)


def for_a_long_run() -> None:
    """Set up a process that runs for days (the watcher, the server): pyarrow's system allocator
    instead of its default mimalloc, whose per-thread heaps kept what the short-lived threads of
    each cycle had freed. Measured in a 450-cycle watcher soak (bench/watch.py's feed): the main
    process grew 331 → 375 MB with mimalloc and stayed within 339-351 MB with the system pool."""
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())


def peak_rss_mb(pid: int | str = "self") -> float:
    """A process's peak resident memory in MB from ``/proc/PID/status`` (VmHWM; 0 when unknown).
    Not ``getrusage``: a child started from a large process inherits that process's high-water mark
    in ``ru_maxrss`` (Linux keeps it across exec)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


class WorkerError(LimelightError):
    """The workers cannot run at all (they die while starting); not one item's fault."""

    code = "E310"
    exit_status = 2


class WorkerPool:
    """``workers`` supervised processes that extract and enrich chunks of items, in order.

    ``item_timeout`` seconds per item (a batch step counts as one item); ``memory_mb`` per worker.
    Use as a context manager: leaving it stops every worker, whatever happened.
    """

    def __init__(self, workers: int, settings: Settings, watchlist: Watchlist, root: Path | None = None,
                 *, item_timeout: float | None = None, memory_mb: float | None = None,
                 window_per_worker: int = 8) -> None:
        self.n = max(1, workers)
        self.settings = settings
        self.init = (settings, watchlist, root)
        self.item_timeout = float(item_timeout if item_timeout is not None else settings["ingest.item_timeout"])
        self.memory_mb = float(memory_mb if memory_mb is not None else settings["ingest.worker_memory_mb"])
        self.window = window_per_worker * self.n
        self._messages: queue.Queue[tuple[_Worker, Any]] = queue.Queue()
        self._workers: list[_Worker] = []
        self._seq = 0
        self._setup_deaths = 0
        self.cache_key: tuple[object, ...] | None = None  # set by PoolCache
        self.restarts = 0  # workers replaced after a timeout, crash or memory kill (for tests and logs)
        self.peak_mb = 0.0  # the most memory any worker held, read as each one stops
        self._clean = True

    # -- life cycle ---------------------------------------------------------------------------------

    def __enter__(self) -> WorkerPool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        while len(self._workers) < self.n:
            self._workers.append(self._spawn())

    @property
    def reusable(self) -> bool:
        """Whether the last run ended cleanly (nothing in flight, every worker alive) so the pool
        may serve another run."""
        return self._clean and all(w.task is None and w.proc.poll() is None for w in self._workers)

    def sample_peak(self) -> float:
        """Update and return :attr:`peak_mb` from the running workers' high-water marks."""
        for w in self._workers:
            self.peak_mb = max(self.peak_mb, w.peak_mb())
        return self.peak_mb

    def close(self) -> None:
        for w in self._workers:
            self.peak_mb = max(self.peak_mb, w.peak_mb())
            with contextlib.suppress(OSError, ValueError):
                assert w.proc.stdin is not None
                _send(w.proc.stdin, ("stop",))
        deadline = time.monotonic() + 2.0
        for w in self._workers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                w.proc.wait(max(0.0, deadline - time.monotonic()))
            self._kill(w)
        self._workers.clear()

    def _spawn(self) -> _Worker:
        marker_file = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the worker
        marker_file.write(b"\0" * _MARK.size)
        marker_file.flush()
        marker = mmap.mmap(marker_file.fileno(), _MARK.size)
        fd = marker_file.fileno()
        proc = subprocess.Popen(
            [sys.executable, "-c", _WORKER_COMMAND, str(os.getpid()), str(fd)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(fd,), close_fds=True,
        )
        worker = _Worker(proc, marker, marker_file)
        threading.Thread(target=self._read, args=(worker,), name="limelight-worker-reader", daemon=True).start()
        threading.Thread(target=_forward_stderr, args=(proc,), name="limelight-worker-stderr", daemon=True).start()
        return worker

    def _read(self, worker: _Worker) -> None:
        """The worker's messages onto the queue. The set-up frame is sent from here too: a large
        watchlist fills the pipe, and the main thread must not wait for a worker to start reading."""
        assert worker.proc.stdout is not None and worker.proc.stdin is not None
        try:
            _send(worker.proc.stdin, self.init)
            while True:
                self._messages.put((worker, _recv(worker.proc.stdout)))
        except (EOFError, OSError, pickle.UnpicklingError, ValueError):
            self._messages.put((worker, ("eof",)))

    def _kill(self, worker: _Worker) -> None:
        self.peak_mb = max(self.peak_mb, worker.peak_mb())
        with contextlib.suppress(OSError):
            worker.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired, OSError):
            worker.proc.wait(5)
        for pipe in (worker.proc.stdin, worker.proc.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()
        with contextlib.suppress(ValueError, OSError):
            worker.marker.close()
        worker.marker_file.close()

    def _replace(self, worker: _Worker) -> None:
        self._kill(worker)
        self._workers[self._workers.index(worker)] = self._spawn()
        self.restarts += 1

    # -- running ------------------------------------------------------------------------------------

    def run(self, chunks: Iterable[list[Item]]) -> Iterator[list[Result]]:
        """Results for each chunk, in the order the chunks came."""
        self.start()
        self._clean = False  # until this run has handed out its last result
        source = iter(chunks)
        exhausted = False
        order: deque[_Chunk] = deque()
        tasks: deque[_Task] = deque()
        while True:
            while not exhausted and len(order) < self.window:
                try:
                    items = next(source)
                except StopIteration:
                    exhausted = True
                    break
                chunk = _Chunk(items, [None] * len(items))
                order.append(chunk)
                if items:
                    tasks.append(self._task(chunk, list(range(len(items)))))
            while order and order[0].done:
                head = order.popleft()
                yield [r for r in head.results if r is not None]
            if exhausted and not order:
                self._clean = True
                return
            self._dispatch(tasks)
            try:
                worker, message = self._messages.get(timeout=_POLL)
            except queue.Empty:
                pass
            else:
                self._handle(worker, message, tasks)
            self._supervise(tasks)

    def _task(self, chunk: _Chunk, positions: list[int], batching: bool = True) -> _Task:
        self._seq += 1
        chunk.open_tasks += 1
        return _Task(self._seq, chunk, positions, batching)

    def _dispatch(self, tasks: deque[_Task]) -> None:
        for worker in self._workers:
            if not tasks:
                return
            if worker.task is None and worker.ready:
                task = tasks.popleft()
                worker.task = task
                try:
                    assert worker.proc.stdin is not None
                    _send(worker.proc.stdin, ("task", task.seq, task.items, task.batching))
                except OSError:
                    pass  # it died; its "eof" message is on the way and re-queues the task

    def _handle(self, worker: _Worker, message: tuple[Any, ...], tasks: deque[_Task]) -> None:
        if worker not in self._workers:
            return  # a message from a worker we replaced already
        kind = message[0]
        if kind == "ready":
            worker.ready = True
            self._setup_deaths = 0
        elif kind == "done":
            task = worker.task
            worker.task = None
            if task is None or task.seq != message[1]:
                return
            for pos, result in zip(task.positions, message[2], strict=True):
                task.chunk.results[pos] = result
            task.chunk.open_tasks -= 1
        elif kind == "fatal":
            _name, text, hint = message[1], message[2], message[3]
            self.close()
            raise PluginError(f"the workers cannot start: {_name}: {text}", hint if "Traceback" not in hint else "")
        elif kind == "eof":
            self._died(worker, tasks, self._why_dead(worker))

    def _why_dead(self, worker: _Worker) -> str:
        code = worker.proc.poll()
        if code is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = worker.proc.wait(2)
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"the worker process was killed by {name}"
        return f"the worker process exited (status {code})"

    def _supervise(self, tasks: deque[_Task]) -> None:
        now_ns = time.monotonic_ns()
        for worker in list(self._workers):
            task = worker.task
            if task is None:
                continue
            seq, index, started_ns = worker.mark()
            if seq == task.seq and started_ns and (now_ns - started_ns) / 1e9 > self.item_timeout:
                self._culprit(worker, tasks, index, "extract",
                              f"took longer than {self.item_timeout:g} s (ingest.item_timeout); skipped",
                              _HINT_TIMEOUT)
                continue
            rss = worker.rss_mb()
            if rss is not None and rss > self.memory_mb:
                self._culprit(worker, tasks, index if seq == task.seq else -1, "extract",
                              f"needed more than {self.memory_mb:,.0f} MB of memory "
                              f"(ingest.worker_memory_mb); skipped", _HINT_TIMEOUT.replace(
                                  "ingest.item_timeout", "ingest.worker_memory_mb"))

    def _died(self, worker: _Worker, tasks: deque[_Task], why: str) -> None:
        if worker.task is None and not worker.ready:
            self._setup_deaths += 1
            if self._setup_deaths >= _SETUP_DEATHS:
                self.close()
                raise WorkerError(f"worker processes die while starting ({why})",
                                  "the workers' own messages are on stderr above; check the installation "
                                  "(pip install -e .) and free memory")
        seq, index, started_ns = worker.mark()
        task = worker.task
        known = task is not None and seq == task.seq and started_ns
        self._culprit(worker, tasks, index if known else -1, "extract",
                      f"{why} while working on this item; skipped", _HINT_CRASH)

    def _culprit(self, worker: _Worker, tasks: deque[_Task], index: int, stage: str, message: str,
                 hint: str) -> None:
        """Stop ``worker``; the item it was on becomes an error row, the rest of its task goes back
        to the queue (at the front: it holds up the chunks behind it). ``index`` −1 means the worker
        was in a batch step or between items: the task is retried one item at a time, so the next
        failure names the item."""
        task = worker.task
        worker.task = None
        self._replace(worker)
        if task is None:
            return
        task.chunk.open_tasks -= 1
        if index < 0 or index >= len(task.positions):
            if task.batching:
                tasks.appendleft(self._task(task.chunk, task.positions, batching=False))
                return
            index = 0  # one at a time and still no marker: blame the first item, go on with the rest
        pos = task.positions[index]
        task.chunk.results[pos] = ItemError(task.chunk.items[pos].origin, stage, message, hint)
        rest = task.positions[:index] + task.positions[index + 1:]
        if rest:
            tasks.appendleft(self._task(task.chunk, rest, batching=task.batching))


class PoolCache:
    """Warm worker pools kept between runs in one process, so repeated ingests (a watcher's cycles, a
    notebook, a test suite) do not pay each worker's start-up (~1.5 s: lingua's models) every time.

    A pool is reused only by a run with the same worker count, settings, watchlist, project folder
    and interpreter environment (``PYTHONPATH`` decides which plugins a worker loads), and only if
    its last run ended cleanly. One run uses a pool at a time. At most :data:`MAX_IDLE` pools wait
    (each worker holds ~0.4 GB), for ``ingest.worker_keepalive`` seconds; all stop when the process
    exits.
    """

    MAX_IDLE = 1

    def __init__(self) -> None:
        self._idle: dict[tuple[object, ...], tuple[WorkerPool, float]] = {}
        self._lock = threading.Lock()
        self._reaper: threading.Thread | None = None

    @staticmethod
    def key(workers: int, settings: Settings, watchlist: Watchlist, root: Path | None) -> tuple[object, ...]:
        import hashlib

        blob = pickle.dumps((settings, watchlist, str(root)), protocol=pickle.HIGHEST_PROTOCOL)
        return (workers, hashlib.sha256(blob).hexdigest(), os.environ.get("PYTHONPATH"), sys.executable)

    def acquire(self, workers: int, settings: Settings, watchlist: Watchlist, root: Path | None,
                window_per_worker: int) -> WorkerPool:
        key = self.key(workers, settings, watchlist, root)
        with self._lock:
            entry = self._idle.pop(key, None)
        if entry is not None and entry[0].reusable:
            return entry[0]
        if entry is not None:
            entry[0].close()
        pool = WorkerPool(workers, settings, watchlist, root, window_per_worker=window_per_worker)
        pool.cache_key = key
        return pool

    def release(self, pool: WorkerPool) -> None:
        keepalive = float(pool.settings["ingest.worker_keepalive"])
        if keepalive <= 0 or not pool.reusable or pool.cache_key is None:
            pool.close()
            return
        with self._lock:
            evicted = [p for p, _ in self._idle.values()] if len(self._idle) >= self.MAX_IDLE else []
            if evicted:
                self._idle.clear()
            self._idle[pool.cache_key] = (pool, time.monotonic() + keepalive)
            if self._reaper is None:
                self._reaper = threading.Thread(target=self._reap, name="limelight-pool-reaper", daemon=True)
                self._reaper.start()
        for old in evicted:
            old.close()

    def close_all(self) -> None:
        with self._lock:
            pools = [p for p, _ in self._idle.values()]
            self._idle.clear()
        for pool in pools:
            pool.close()

    def _reap(self) -> None:
        while True:
            time.sleep(1.0)
            now = time.monotonic()
            with self._lock:
                due = [k for k, (_, until) in self._idle.items() if until <= now]
                pools = [self._idle.pop(k)[0] for k in due]
            for pool in pools:
                pool.close()


POOLS = PoolCache()
atexit.register(POOLS.close_all)


def _forward_stderr(proc: subprocess.Popen[bytes]) -> None:
    """Copy a worker's stderr (library warnings) to ours, line by line, until it closes."""
    assert proc.stderr is not None
    with contextlib.suppress(OSError, ValueError):
        for line in proc.stderr:
            try:
                sys.stderr.write(line.decode("utf-8", "replace"))
            except (OSError, ValueError):
                return


def run_inline(processor_factory: Callable[[], Any], chunks: Iterable[list[Item]]) -> Iterator[list[Result]]:
    """The same contract as :meth:`WorkerPool.run` in this process (no time limit: nothing could
    enforce one). For notebooks and debugging (``ingest.workers = -1``)."""
    proc = processor_factory()
    for items in chunks:
        yield proc.chunk(items)
