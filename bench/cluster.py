"""Cluster benchmark: `ingest --engine dask` against itself and the local path, ratios from one run.

    python bench/cluster.py                # 5,000 pages (the extraction pages repeated)
    python bench/cluster.py --pages 2000

Targets (issue #13), on the same pages in the same run:
- 2 Dask workers >= 1.7x one Dask worker;
- one Dask worker >= 0.8x the local single-process path (``limelight ingest --workers 1``).

It also prints what the scaling model in docs/cluster.md needs: the cost of one shard on one worker,
the scheduler's cost per task (a no-op task through the same in-order window), and the client's
cost of loading a shard into the store (the one serial step).

The pages are the real pages of ../shared/data/extraction (scrapinghub_aeb and trafilatura_eval),
hard-linked under new names until there are ``--pages`` of them: a repeated page is extracted and
enriched in full and then counted as a duplicate by the store, so the work per page is real.
Each Dask configuration runs on a cluster started beforehand (its start-up printed apart): the
ratios compare the work, and a backfill pays the start-up once.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("LIMELIGHT_DATA", REPO.parent / "shared" / "data"))
sys.path.insert(0, str(REPO / "bench"))

from ingest import WATCHLIST, html_pages  # noqa: E402  (the ingest benchmark's watchlist and pages)

SHARD_BYTES = 1 << 20  # ~50 gzipped pages a shard: many more shards than workers, so no long tail


def corpus(folder: Path, n: int) -> list[Path]:
    pages = html_pages()
    folder.mkdir(parents=True)
    out = []
    for i in range(n):
        src = pages[i % len(pages)]
        dst = folder / f"{i:05d}-{src.name}"
        os.link(src, dst)
        out.append(dst)
    return out


def project(root: Path) -> object:
    from limelight.project import Project, init_project

    init_project(root, watchlist=WATCHLIST)
    (root / "limelight.toml").write_text(f"[ingest]\nworkers = 1\n[cluster]\nshard_bytes = {SHARD_BYTES}\n",
                                         encoding="utf-8")
    return Project.open(root)


def noop(i: int) -> int:
    return i


def scheduler_cost(client: object, n: int = 2000) -> float:
    """Seconds per task for ``n`` no-op tasks through the engine's in-order window."""
    from limelight.cluster.engine import Call, ordered, window_for

    t = time.perf_counter()
    for _ in ordered(client, (Call(f"noop-{i}-{os.getpid()}", noop, (i,)) for i in range(n)), window_for(client)):
        pass
    return (time.perf_counter() - t) / n


def main() -> None:
    import distributed

    import limelight
    from limelight.cluster.engine import ClusterProgress

    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=5000)
    args = parser.parse_args()
    if not html_pages():
        print(f"no pages under {DATA}/extraction; skipping the cluster benchmark")
        return
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "pages"
        corpus(folder, args.pages)
        size = sum(p.stat().st_size for p in folder.iterdir())
        print(f"{args.pages:,} pages ({size / 2**20:.0f} MiB gzipped), shards of {SHARD_BYTES / 2**20:.0f} MiB")

        t = time.perf_counter()
        local = limelight.ingest([str(folder)], project(tmp / "local"), workers=1, fetch=False)
        t_local = time.perf_counter() - t
        print(f"  local, 1 worker process: {t_local:.1f} s ({local.stats.new:,} new, "
              f"{local.stats.duplicates:,} duplicates, {local.stats.failed} failed)")

        times: dict[int, float] = {}
        last: dict[int, ClusterProgress] = {}
        for workers in (1, 2):
            t = time.perf_counter()
            with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                          dashboard_address=None, memory_limit="4GiB") as cluster, \
                    distributed.Client(cluster) as client:
                started = time.perf_counter() - t
                if workers == 1:
                    per_task = scheduler_cost(client)
                seen: list[ClusterProgress] = []
                t = time.perf_counter()
                res = limelight.ingest([str(folder)], project(tmp / f"dask-{workers}"), fetch=False, engine="dask",
                                       scheduler=cluster.scheduler_address,
                                       on_cluster=lambda p, seen=seen: seen.append(ClusterProgress(**vars(p))))
                times[workers] = time.perf_counter() - t
                last[workers] = seen[-1]
            assert (res.stats.new, res.stats.duplicates, res.stats.failed) == (
                local.stats.new, local.stats.duplicates, local.stats.failed), "the cluster stored something else"
            p = last[workers]
            print(f"  dask, {workers} worker(s): {times[workers]:.1f} s for {p.shards} shards "
                  f"(cluster start {started:.1f} s apart; loading into the store {p.load_seconds:.1f} s)")

        one = last[1]
        print(f"  per shard on one worker: {times[1] / one.shards:.2f} s ({args.pages / one.shards:.0f} pages); "
              f"scheduler per no-op task: {per_task * 1000:.2f} ms; "
              f"store load per shard: {one.load_seconds / one.shards * 1000:.0f} ms")
        print(f"  on {os.cpu_count()} cores")
        print(f"CLUSTER 2 Dask workers / 1 Dask worker:  {times[1] / times[2]:.2f}  (target >= 1.7)")
        print(f"CLUSTER 1 Dask worker / local 1 process: {t_local / times[1]:.2f}  (target >= 0.8)")


if __name__ == "__main__":
    main()
