"""The client side of a cluster run: connect to Dask, send shards, hand finished shards back in order.

``limelight ingest --engine dask`` plans shards (:mod:`limelight.cluster.shards`), registers the
worker plugin (:mod:`limelight.cluster.worker`) and keeps a bounded window of shard tasks in flight
(never the whole graph at once: Dask's advice for very many tasks, and a client that plans a
million shards holds a million small records, not a million futures). Finished shards are handed
to the caller in plan order, so the store loads them in the order a local run writes, and every
rule that depends on order (the first copy of a document is new, later copies duplicates) holds.

Which cluster (``[cluster]`` in limelight.toml, docs/cluster.md):

- ``cluster.scheduler`` (or ``--scheduler``) set: connect to that running scheduler;
- else ``cluster.kind = "local"``: a ``LocalCluster`` of ``cluster.workers`` processes, one thread
  each, memory limit ``cluster.memory_limit`` (the nanny restarts a worker over it) and, with
  ``cluster.lifetime``, workers retired and replaced after that long (staggered), so a slow leak
  cannot take a node down;
- ``"kubernetes"`` / ``"slurm"``: ``dask_kubernetes.operator.KubeCluster`` or
  ``dask_jobqueue.SLURMCluster`` built from ``cluster.options``, scaled to ``cluster.workers``.

A task that fails (a bug, a worker killed more often than Dask's ``allowed-failures``) is not the
end of the run: its shard becomes one error row naming it, and the others are loaded.
"""

from __future__ import annotations

import collections
import contextlib
import importlib
import logging
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from limelight.cluster.shards import Shard, plan
from limelight.errors import ConfigError
from limelight.models import ItemError
from limelight.project import Project
from limelight.settings import Settings
from limelight.sources.base import Input
from limelight.store.base import Store

if TYPE_CHECKING:
    from limelight.cluster.worker import LimelightPlugin, ShardDone
    from limelight.pipeline import IngestStats

log = logging.getLogger(__name__)

IN_FLIGHT_PER_WORKER = 4  # shard tasks queued per worker: enough that none waits on the client
_INSTALL = "install the cluster extra: pip install 'limelight[dask]'"
# cluster.kind → (module, class, the package that provides it); each is built from cluster.options
_CLUSTER_CLASSES = {"kubernetes": ("dask_kubernetes.operator", "KubeCluster", "dask-kubernetes"),
                    "slurm": ("dask_jobqueue", "SLURMCluster", "dask-jobqueue")}


@dataclass(frozen=True)
class ShardFailed:
    """A shard whose task failed for good: its input becomes one error row."""

    index: int
    error: ItemError


def _dask() -> Any:
    try:
        import distributed
    except ImportError:
        raise ConfigError("--engine dask needs dask.distributed, which is not installed", _INSTALL) from None
    return distributed


@contextlib.contextmanager
def connect(settings: Settings, scheduler: str | None = None) -> Iterator[Any]:
    """A ``distributed.Client`` for the configured cluster, closed (with a cluster it started) on exit."""
    distributed = _dask()
    address = scheduler or str(settings["cluster.scheduler"])
    if address:
        try:
            client = distributed.Client(address, timeout=float(settings["cluster.connect_timeout"]))
        except OSError as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {address}: {exc}",
                              "start it (`dask scheduler`) or check cluster.scheduler") from None
        with client:
            yield client
        return
    with _start_cluster(settings, distributed) as cluster, distributed.Client(cluster) as client:
        yield client


@contextlib.contextmanager
def _start_cluster(settings: Settings, distributed: Any) -> Iterator[Any]:
    kind = str(settings["cluster.kind"])
    n = int(settings["cluster.workers"])
    options = dict(settings["cluster.options"])
    if kind == "local":
        import os

        kwargs: dict[str, Any] = {
            "n_workers": n or (os.cpu_count() or 1), "threads_per_worker": 1, "processes": True,
            "memory_limit": str(settings["cluster.memory_limit"]),
            "dashboard_address": str(settings["cluster.dashboard_address"]) or None,
            "silence_logs": logging.WARNING,
        }
        lifetime = str(settings["cluster.lifetime"])
        if lifetime:
            kwargs.update(lifetime=lifetime, lifetime_stagger="10 minutes", lifetime_restart=True)
        kwargs.update(options)
        with distributed.LocalCluster(**kwargs) as cluster:
            yield cluster
        return
    if kind in _CLUSTER_CLASSES:
        module, name, package = _CLUSTER_CLASSES[kind]
        try:
            cls = getattr(importlib.import_module(module), name)
        except ImportError:
            raise ConfigError(f"cluster.kind = \"{kind}\" needs {package}",
                              f"pip install {package} (see docs/cluster.md)") from None
        with cls(**options) as cluster:
            cluster.scale(n or 2)
            yield cluster
        return
    raise ConfigError(f"unknown cluster.kind {kind!r}", "use local, kubernetes or slurm")


def dashboard(client: Any) -> str:
    link = getattr(client, "dashboard_link", None)
    try:
        return str(link) if link else ""
    except Exception:  # no dashboard (bokeh absent, or disabled)
        return ""


def ordered(client: Any, calls: Iterable[Call], limit: int) -> Iterator[tuple[Any, BaseException | None]]:
    """Submit ``calls`` lazily, at most ``limit`` in flight, and yield each one's (result, None) or
    (None, exception) in the order given. Lazily: a call is made (its input written, say) only when
    the window has room, so a plan of a million tasks never becomes a million futures, nor a million
    input files on disk. Waiting on the oldest future is enough for order; the others run meanwhile."""
    window: collections.deque[Any] = collections.deque()
    source = iter(calls)
    exhausted = False
    while True:
        while not exhausted and len(window) < limit:
            call = next(source, None)
            if call is None:
                exhausted = True
                break
            # pure=False with a key of our own: a rerun of the same plan is a new task, not a cache hit
            window.append(client.submit(call.fn, *call.args, key=call.key, pure=False))
        if not window:
            return
        fut = window.popleft()
        try:
            outcome: tuple[Any, BaseException | None] = (fut.result(), None)
        except Exception as exc:  # a task that failed for good (its error, or too many worker deaths)
            outcome = (None, exc)
        fut.release()
        yield outcome


@dataclass(frozen=True)
class Call:
    """One task for :func:`ordered`: the function (importable on the workers), its arguments (file
    references and small values, never the data) and its Dask key."""

    key: str
    fn: Callable[..., Any]
    args: tuple[Any, ...]


def window_for(client: Any) -> int:
    return max(2, IN_FLIGHT_PER_WORKER * max(1, len(client.nthreads())))


def run_shards(client: Any, shards: Sequence[Shard], plugin: LimelightPlugin, out_dir: Path, run_id: str,
               *, on_submit: Callable[[int], None] | None = None) -> Iterator[ShardDone | ShardFailed]:
    """Every shard's outcome, in plan order. The plugin is (re)registered first, so the workers
    run with this run's settings and watchlist."""
    from limelight.cluster.worker import process_shard

    client.register_plugin(plugin, name=plugin.name)

    def calls() -> Iterator[Call]:
        for n, shard in enumerate(shards, 1):
            yield Call(f"limelight-shard-{run_id}-{shard.key}", process_shard, (shard, str(out_dir), run_id))
            if on_submit is not None:
                on_submit(n)

    for shard, (done, exc) in zip(shards, ordered(client, calls(), window_for(client)), strict=True):
        yield done if exc is None else _failed(shard, exc)


def _failed(shard: Shard, exc: BaseException) -> ShardFailed:
    """A task that failed for good: one error row, the run goes on."""
    where = shard.origin
    log.warning("shard %s failed on the cluster: %s", where, exc)
    return ShardFailed(shard.index, ItemError(
        where, "cluster", f"this input's shard failed on the cluster: {type(exc).__name__}: {exc}",
        "the other shards were loaded; run the ingest again to retry it (what is stored is kept)"))


@dataclass
class ClusterProgress:
    """What the CLI shows of a cluster run."""

    dashboard: str = ""
    shards: int = 0  # planned
    sent: int = 0
    loaded: int = 0
    items: int = 0
    load_seconds: float = 0.0  # spent here loading shards into the store (the one serial step)


def shard_root(project: Project, run_id: str) -> Path:
    configured = str(project.settings["cluster.shard_dir"])
    base = Path(configured).expanduser() if configured else (project.root or Path.cwd()) / ".limelight-shards"
    if not base.is_absolute():
        base = (project.root or Path.cwd()) / base
    return base / run_id


def ingest_on_cluster(store: Store, project: Project, targets: Sequence[str], run_id: str,
                      options: dict[str, str], stats: IngestStats, *, scheduler: str | None = None,
                      on_input: Callable[[Input], None] | None = None, skip: Callable[[Input], bool] | None = None,
                      on_cluster: Callable[[ClusterProgress], None] | None = None) -> Iterator[list[ItemError]]:
    """The body of ``ingest(engine="dask")``: plan, run, and load each shard in order into
    ``store`` (counting into ``stats``); yields each shard's error rows (stored already) so the
    caller reports them as a local run does."""
    from limelight.registry import registry
    from limelight.store.arrow import read_shard, shard_errors, shard_files

    _dask()  # a clear error before planning, when the extra is not installed
    from limelight.cluster.worker import LimelightPlugin

    settings = project.settings
    progress = ClusterProgress()
    planned: list[Shard] = []
    for part in plan(targets, settings, registry, options, skip=skip, on_input=on_input):
        if isinstance(part, ItemError):
            stats.items += 1
            stats.failed += 1
            store.write_errors([part], run_id)
            yield [part]
        else:
            planned.append(part)
    progress.shards = len(planned)
    if not planned:
        return
    out_dir = shard_root(project, run_id)
    plugin = LimelightPlugin(settings, project.watchlist, project.root)
    try:
        with connect(settings, scheduler) as client:
            progress.dashboard = dashboard(client)

            def sent(n: int) -> None:
                progress.sent = n
                if on_cluster is not None:
                    on_cluster(progress)

            for outcome in run_shards(client, planned, plugin, out_dir, run_id, on_submit=sent):
                if isinstance(outcome, ShardFailed):
                    stats.items += 1
                    stats.failed += 1
                    store.write_errors([outcome.error], run_id)
                    errs = [outcome.error]
                else:
                    files = shard_files(outcome.directory)
                    t0 = time.perf_counter()
                    res = store.bulk_load([files], run_id)  # its errors too, as write_errors records them
                    errs = shard_errors(read_shard({"errors": files["errors"]})["errors"]) if "errors" in files else []
                    stats.items += outcome.items
                    stats.failed += outcome.failed
                    stats.new += res.new
                    stats.known += res.known
                    stats.duplicates += res.duplicates
                    stats.mentions += res.mentions
                    stats.worker_peak_mb = max(stats.worker_peak_mb, outcome.worker_peak_mb)
                    stats.worker_restarts += outcome.restarts
                    shutil.rmtree(outcome.directory, ignore_errors=True)
                    progress.load_seconds += time.perf_counter() - t0
                progress.loaded += 1
                progress.items = stats.items
                if on_cluster is not None:
                    on_cluster(progress)
                yield errs
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
