"""A real ``limelight ingest`` writing to a project while bench/web.py's clients read it.

The feed is SYNTHETIC: 4CAT-style NDJSON posts (``id``, ``thread_id``, ``author``, ``body``,
``timestamp``) whose text names the entities of bench/analyses.py's synthetic watchlist, so every
post stores mentions. Batches are ingested one after another, each by its own ``limelight ingest``
process, until the phase ends: the first is sized from a guessed rate to outlast the phase, each
later one from the rate the one before it reached, so a slow machine only adds a batch. While a
process runs it owns the store, and everyone else (the server) reads through its read service; a
watcher samples the discovery file ``<store>.service.json`` to show for how much of the phase it did.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from limelight.store.service import discovery_path

GUESSED_RATE = 100.0  # posts a second for the first batch (85 seen under load on 2 cores); then the measured rate
MIN_BATCH = 1_000
T0 = 1_767_225_600  # 2026-01-01, after every generated document: the new posts are the newest


def write_posts(path: Path, first: int, n: int, names: list[str]) -> None:
    """``n`` SYNTHETIC posts numbered from ``first``, each naming two watchlist entities."""
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(first, first + n):
            a, b = names[i % len(names)], names[(i * 7 + 3) % len(names)]
            fh.write(json.dumps({"id": f"synthetic-{i}", "thread_id": f"synthetic-{i}",
                                 "author": f"synthetic-user-{i % 200}",
                                 "body": f"SYNTHETIC benchmark post {i}: {a} and {b} announced a synthetic product.",
                                 "timestamp": T0 + i * 5}))
            fh.write("\n")


@dataclass
class Run:
    posts: int
    rc: int
    seconds: float
    summary: str  # the ingest's "Ingested ..." line, or its last lines of output (an error)


@dataclass
class IngestLoop:
    """Ingest fresh SYNTHETIC batches into ``project`` until the phase ends; :meth:`start` returns at once."""

    project: Path
    store_path: Path
    feed: Path  # the folder the batches are written to (their documents' origin starts with it)
    names: list[str]
    seconds: float  # how long the phase is meant to last
    runs: list[Run] = field(default_factory=list)
    samples: int = 0  # discovery-file samples taken during the phase
    owned: int = 0  # of them, with the discovery file present
    phase_end: float | None = None  # time.monotonic() at which the phase ends, once it began
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        self.feed.mkdir(parents=True, exist_ok=True)
        self._threads = [threading.Thread(target=self._loop, daemon=True),
                         threading.Thread(target=self._watch, daemon=True)]
        for th in self._threads:
            th.start()

    def wait_owned(self, timeout: float = 120.0) -> bool:
        """True once the discovery file is there (an ingest owns the store and serves its reads)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end and self._threads[0].is_alive():
            if discovery_path(self.store_path).exists():
                return True
            time.sleep(0.05)
        return False

    def begin_phase(self) -> None:
        """The clients start now: the phase (and the discovery-file samples) run from here."""
        self.phase_end = time.monotonic() + self.seconds

    def stop(self) -> None:
        """No new batch after this; wait for the running one to finish."""
        self._stop.set()
        for th in self._threads:
            th.join()

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.rc == 0 for r in self.runs)

    def _left(self) -> float:
        end = self.phase_end if self.phase_end is not None else time.monotonic() + self.seconds
        return end - time.monotonic()

    def _loop(self) -> None:
        exe = str(Path(sys.executable).parent / "limelight")
        rate, first = GUESSED_RATE, 0
        while not self._stop.is_set() and self._left() > 0:
            n = max(MIN_BATCH, int(rate * self._left() * 1.2))
            path = self.feed / f"synthetic-batch-{len(self.runs):03d}.ndjson"
            write_posts(path, first, n, self.names)
            first += n
            t = time.perf_counter()
            proc = subprocess.run([exe, "ingest", "--project", str(self.project), "--quiet", str(path)],
                                  capture_output=True, text=True)
            took = time.perf_counter() - t
            lines = [x for x in (proc.stdout + "\n" + proc.stderr).splitlines() if x.strip()]
            summary = [x for x in lines if x.startswith("Ingested ")][-1:] if proc.returncode == 0 else []
            self.runs.append(Run(n, proc.returncode, took, " / ".join(summary or lines[-3:])))
            if proc.returncode != 0:
                return  # a failed ingest ends the loop: the benchmark reports it and fails
            rate = n / took

    def _watch(self) -> None:
        disc = discovery_path(self.store_path)
        while self._threads[0].is_alive():
            if self.phase_end is not None and time.monotonic() < self.phase_end:
                self.samples += 1
                self.owned += disc.exists()
            time.sleep(0.1)
