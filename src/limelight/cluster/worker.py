"""What runs on a Dask worker: the plugin that loads the heavy parts once, and the shard task.

:class:`LimelightPlugin` is registered with the cluster once per run (``Client.register_plugin``):
every worker, including one the nanny restarts after a crash, sets it up before its first task. It
keeps the project's settings and watchlist and one supervised worker pool
(:mod:`limelight.workers`) whose process holds the language models, the matcher automaton and the
enrichers: set up once per Dask worker, not per task (Dask's advice: no expensive set-up inside
tasks). The supervised pool is kept, not replaced by the Dask worker itself, because it is what
gives every item its time limit (``ingest.item_timeout``: only a supervisor can stop an item stuck
in C code) and its memory limit: a bad item on a worker becomes the same error row as locally.

:func:`process_shard` reads its shard with the same sources, extracts and enriches it with the same
code, and writes the result as a Parquet shard (:mod:`limelight.store.arrow`) into a temporary folder
renamed into place when complete, so a worker killed mid-task leaves no half shard under the real
name; Dask runs the task again elsewhere and the same name is written again.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin, get_worker

from limelight.cluster.shards import Shard
from limelight.models import Enriched, ItemError
from limelight.settings import Settings
from limelight.watchlist import Watchlist

PLUGIN = "limelight"
# The pool inside a Dask worker lives as long as the worker: tasks follow each other for hours.
_KEEP = 365 * 24 * 3600.0


class LimelightPlugin(WorkerPlugin):
    """The project's settings, watchlist and worker pool on one Dask worker."""

    name = PLUGIN
    idempotent = False  # a new run's settings and watchlist replace the last run's

    def __init__(self, settings: Settings, watchlist: Watchlist, root: Path | None, *, ingest: bool = True) -> None:
        self.settings = Settings({**settings.values, "ingest.worker_keepalive": _KEEP})
        self.watchlist = watchlist
        self.root = root
        self.ingest = ingest  # False: a tone or embedding run, which needs no ingest pool
        self._pool: Any = None
        self._tone: Any = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:  # sent to the workers: what to build, not what was built
        return {"settings": self.settings, "watchlist": self.watchlist, "root": self.root, "ingest": self.ingest}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.settings, self.watchlist, self.root = state["settings"], state["watchlist"], state["root"]
        self.ingest = state["ingest"]
        self._pool, self._tone, self._lock = None, None, threading.Lock()

    def setup(self, worker: Any = None) -> None:
        if self.ingest:
            self.pool()  # start the pool's process now: its set-up overlaps the scheduler's first sends

    def tone(self) -> Any:
        """The tone enricher, set up once on this worker (its scorer and models load here)."""
        from limelight.enrich.base import EnrichContext
        from limelight.enrich.tone import ToneEnricher

        with self._lock:
            if self._tone is None:
                enricher = ToneEnricher()
                enricher.setup(EnrichContext(self.settings, self.watchlist, self.root))
                self._tone = enricher
            return self._tone

    def teardown(self, worker: Any = None) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    def pool(self) -> Any:
        """The worker's supervised pool, replaced if its last run ended in an exception."""
        from limelight.pipeline import WINDOW_PER_WORKER
        from limelight.workers import WorkerPool

        with self._lock:
            if self._pool is None or not self._pool.reusable:
                if self._pool is not None:
                    self._pool.close()
                self._pool = WorkerPool(1, self.settings, self.watchlist, self.root,
                                        window_per_worker=WINDOW_PER_WORKER)
            return self._pool


@dataclass(frozen=True)
class ShardDone:
    """What a task returns to the client: where its shard is and its counts (a few hundred bytes)."""

    index: int
    directory: str
    items: int
    failed: int
    worker_peak_mb: float
    restarts: int


def plugin() -> LimelightPlugin:
    """This worker's limelight plugin (the tasks of :mod:`limelight.cluster.scoring` use it too)."""
    plugin = get_worker().plugins.get(PLUGIN)
    if not isinstance(plugin, LimelightPlugin):
        raise RuntimeError("the limelight worker plugin is not registered on this worker")
    return plugin


def process_shard(shard: Shard, out_dir: str, run_id: str) -> ShardDone:
    """Read, extract and enrich one shard on this worker and write it as ``out_dir/<shard key>``."""
    return run_shard(shard, Path(out_dir), run_id, plugin())


def run_shard(shard: Shard, out_dir: Path, run_id: str, plugin: LimelightPlugin) -> ShardDone:
    from limelight.pipeline import process_stream_in, with_raw_keys
    from limelight.registry import registry
    from limelight.sources.base import SourceContext
    from limelight.sources.dispatch import read_input
    from limelight.store.arrow import batch_tables, write_shard

    final = out_dir / shard.key
    if final.is_dir():  # a run of this task that finished before its worker died
        return _done(shard, final, plugin)
    ctx = SourceContext(plugin.settings, None)
    items = with_raw_keys(item for piece in shard.pieces for item in read_input(piece.input(), ctx, registry))
    batch: list[Enriched] = []
    errors: list[ItemError] = []
    pool = plugin.pool()
    restarts, n = pool.restarts, 0
    for out in process_stream_in(pool, items):
        n += 1
        (errors if isinstance(out, ItemError) else batch).append(out)  # type: ignore[arg-type]
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{shard.key}.", dir=out_dir))
    try:
        write_shard(tmp, batch_tables(batch, run_id, errors))
        (tmp / "counts").write_text(f"{n} {len(errors)}\n", encoding="ascii")
        try:
            os.rename(tmp, final)
        except OSError:
            if not final.is_dir():  # another run of this task got there first: theirs is the same
                raise
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
    return ShardDone(shard.index, str(final), n, len(errors), pool.sample_peak(), pool.restarts - restarts)


def _done(shard: Shard, final: Path, plugin: LimelightPlugin) -> ShardDone:
    n, failed = (int(v) for v in (final / "counts").read_text(encoding="ascii").split())
    return ShardDone(shard.index, str(final), n, failed, 0.0, 0)
