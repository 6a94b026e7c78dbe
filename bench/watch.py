"""Watch benchmark: what a cycle costs against the whole project, and 1,000 cycles of a soak.

    python bench/watch.py --only cost [--documents 100000] [--tone vader|default]
    python bench/watch.py --only soak [--cycles 1000]

Targets (issue "Continuous monitoring"), ratios measured in one run (not a timed test):

- **cost**: a watch cycle that finds 1% new documents in an N-document project (default 100,000)
  takes <= 5% of processing the whole project. "Processing the whole project" is the first cycle
  on a fresh project (ingest, tone, link, the alert rules, exactly what a cycle runs); the new 1%
  is one more export file in the watched folder. A cycle with nothing new is timed too: it is the
  fixed cost every cycle pays.
- **soak**: 1,000 cycles against a local feed server on a simulated clock (each cycle is 15
  simulated minutes later; the feed gains an item every 4th cycle, answers 304 otherwise, fails
  with a 500 every 97th): the memory of the process and its ingest workers over the last 100
  cycles <= 1.1x over the first 100, and the store grows only with new items (bytes per new item
  measured over the first and the second half).

The documents are GENERATED (synthetic, fictional names): 4CAT-style NDJSON posts, each naming two
watched entities. They measure speed and stability, never quality. ``--tone vader`` (the default)
scores them with the VADER lexicon: the default scorers embed every text (issue "Tone a thousand
times faster"), which puts 100,000 posts at over an hour of tone alone on 2 cores; ``--tone
default`` measures with them (use a smaller ``--documents``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from limelight.project import Project, init_project  # noqa: E402
from limelight.sources.fetch import HttpFetcher  # noqa: E402
from limelight.watch import between_cycles, run_cycle  # noqa: E402
from limelight.workers import for_a_long_run  # noqa: E402

NAMES = ["Kestrel", "Orbital Foods", "Mira Voss", "Halden Bank", "Tern Motors"]
WATCHLIST = "# SYNTHETIC watchlist (fictional names) for bench/watch.py\n" + "".join(
    f'\n[[entity]]\nid = "{n.lower().replace(" ", "-")}"\nkind = "{"person" if n == "Mira Voss" else "org"}"\n'
    f'name = "{n}"\naliases = ["{n}"]\n' for n in NAMES)
RULES = """
[[alerts.rule]]
name = "storms"
kind = "storm"

[[alerts.rule]]
name = "negative"
kind = "negative_share"
"""
T0 = 1_735_689_600  # 2025-01-01: a year of posts, one every few minutes
MOODS = ["announced a synthetic product", "was criticised over a synthetic recall",
         "reported synthetic results", "faces a synthetic lawsuit", "won a synthetic award"]
POSTS_PER_FILE = 1_000


def write_posts(path: Path, first: int, n: int, span: int) -> None:
    """``n`` SYNTHETIC posts numbered from ``first``, spread over ``span`` seconds from T0."""
    step = max(1, span // max(1, first + n))
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(first, first + n):
            a, b = NAMES[i % len(NAMES)], NAMES[(i * 7 + 3) % len(NAMES)]
            fh.write(json.dumps({"id": f"synthetic-{i}", "thread_id": f"synthetic-{i}",
                                 "author": f"synthetic-user-{i % 300}",
                                 "body": f"SYNTHETIC post {i}: {a} {MOODS[i % len(MOODS)]}, and {b} said "
                                         f"nothing about it on day {i % 365}.",
                                 "timestamp": T0 + i * step}) + "\n")
    # Exports arrive minutes before a cycle sees them, not within the two seconds in which the
    # watcher takes a file to be still in writing (pipeline.RACY_NS) and reads it again next cycle.
    written = time.time() - 600
    os.utime(path, (written, written))


def _project(root: Path, targets: list[Any], tone: str, extra: str = "") -> Project:
    init_project(root, watchlist=WATCHLIST)
    scorers = '[tone]\nscorers = { en = "vader" }\n\n' if tone == "vader" else ""
    def toml(t: Any) -> str:  # a path or URL, or an inline table of one
        if isinstance(t, dict):
            return "{ " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in t.items()) + " }"
        return json.dumps(t)

    (root / "limelight.toml").write_text(
        f"# bench/watch.py: SYNTHETIC\n[watch]\ntargets = [{', '.join(map(toml, targets))}]\ndeliver = false\n\n"
        f"{scorers}{extra}{RULES}", encoding="utf-8")
    return Project.open(root)


def _rss_tree_mb() -> float:
    """Resident memory of this process and its children (the ingest workers), in MB (Linux /proc)."""
    me = os.getpid()
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            if int(pid) != me and int(fields[1]) != me:  # fields[1]: the parent's pid
                continue
            with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue  # a worker that ended meanwhile
    return total / 1e6


def _rss_self_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def _store_bytes(project: Project) -> int:
    path = project.root / str(project.settings["store.path"])
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


def _timed_cycle(store: Any, project: Project, now: datetime | None = None) -> tuple[float, Any]:
    began = time.perf_counter()
    summary = run_cycle(store, project, now=now, deliver=False)
    if summary.failures:
        raise SystemExit(f"the cycle failed: {summary.failures}")
    return time.perf_counter() - began, summary


def cost(n: int, fraction: float, tone: str) -> None:
    with tempfile.TemporaryDirectory(prefix="limelight-bench-watch-") as tmp:
        folder = Path(tmp) / "incoming"
        folder.mkdir()
        span = 365 * 86_400
        total = n + max(1, round(n * fraction))
        for k, first in enumerate(range(0, n, POSTS_PER_FILE)):
            write_posts(folder / f"export-{k:05d}.ndjson", first, min(POSTS_PER_FILE, n - first), span)
        project = _project(Path(tmp) / "project", [str(folder)], tone)
        store = project.open_store()
        try:
            full_s, full = _timed_cycle(store, project)
            new = total - n
            write_posts(folder / "export-new.ndjson", n, new, span)
            cycle_s, grown = _timed_cycle(store, project)
            idle_s, idle = _timed_cycle(store, project)
        finally:
            store.close()
    assert full.update is not None and grown.update is not None and idle.update is not None
    print(f"SYNTHETIC posts, tone {tone}; {n:,} in the first cycle, {full.update.ingest.stats.new:,} stored, "
          f"{full_s:.1f} s ({full.sentence()})")
    print(f"a cycle with {grown.update.ingest.stats.new:,} new ({fraction:.0%}): {cycle_s:.2f} s "
          f"({grown.sentence()})")
    print(f"a cycle with nothing new: {idle_s:.2f} s ({idle.update.ingest.stats.new} new)")
    print(f"cycle with {fraction:.0%} new / whole project: {cycle_s / full_s:.1%} (target <= 5%); "
          f"nothing new / whole project: {idle_s / full_s:.1%}")


class _Feed:
    """A local RSS feed whose items the soak adds to; ETag per version, 304 when unchanged, a 500 on demand."""

    def __init__(self) -> None:
        self.items = 0
        self.failing = False
        self.requests = 0
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                feed.requests += 1
                if self.path == "/robots.txt":
                    self._send(404, b"", "text/plain")
                elif self.path == "/feed.xml":
                    if feed.failing:
                        self._send(500, b"down", "text/plain")
                        return
                    tag = f'"v{feed.items}"'
                    if self.headers.get("If-None-Match") == tag:
                        self.send_response(304)
                        self.send_header("ETag", tag)
                        self.end_headers()
                        return
                    self._send(200, feed.rss(), "application/rss+xml", tag)
                elif self.path.startswith("/item/"):
                    self._send(200, feed.page(int(self.path.rsplit("/", 1)[1])), "text/html; charset=utf-8")
                else:
                    self._send(404, b"", "text/plain")

            def _send(self, status: int, body: bytes, ctype: str, etag: str | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if etag:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def rss(self) -> bytes:
        # the newest 20, as real feeds list only their latest items
        items = "".join(
            f"<item><title>Kestrel report {i}</title><link>{self.url}/item/{i}</link><guid>{self.url}/item/{i}</guid>"
            f"<pubDate>{_day(i).strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item>"
            for i in range(max(1, self.items - 19), self.items + 1))
        return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>SYNTHETIC</title><link>{self.url}</link>'
                f"{items}</channel></rss>").encode()

    def page(self, i: int) -> bytes:
        a, b = NAMES[i % len(NAMES)], NAMES[(i * 3 + 1) % len(NAMES)]
        words = " ".join(f"word{(i * 11 + k) % 89}" for k in range(80))
        return (f"<html><head><title>Kestrel report {i}</title><meta property=\"article:published_time\" "
                f"content=\"{_day(i).isoformat()}\"></head><body><article><h1>Kestrel report {i}</h1>"
                f"<p>{a} {MOODS[i % len(MOODS)]} on Tuesday, SYNTHETIC story {i}: {words}.</p>"
                f"<p>{b} declined to comment on the SYNTHETIC report {i}, analysts said.</p>"
                "</article></body></html>").encode()


SOAK_START = datetime(2026, 1, 1, tzinfo=UTC)
SOAK_STEP = timedelta(minutes=15)


def _day(i: int) -> datetime:
    return SOAK_START + SOAK_STEP * (4 * i)  # item i appears at cycle 4 i


def soak(cycles: int, tone: str) -> None:
    feed = _Feed()
    window = max(1, min(100, cycles // 4))
    with tempfile.TemporaryDirectory(prefix="limelight-bench-soak-") as tmp:
        project = _project(Path(tmp) / "project", [{"target": f"{feed.url}/feed.xml", "interval": 900}], tone,
                           '[fetch]\nhost_delay = 0.0\nallowed_networks = ["127.0.0.0/8"]\n\n')
        store = project.open_store()
        for_a_long_run()  # as watch() does
        fetcher = HttpFetcher(project.settings)  # one for the watcher's life, as watch() keeps
        rss: list[float] = []
        main: list[float] = []  # this process alone, after the first cycle, the first window, the last
        sizes: list[tuple[int, int]] = []  # (items stored, store bytes) after each cycle
        stored = failed = 0
        began = time.perf_counter()
        try:
            for c in range(cycles):
                if c % 4 == 0:
                    feed.items += 1
                feed.failing = c % 97 >= 94  # three cycles of 500s: at least one poll falls in them
                now = SOAK_START + SOAK_STEP * c
                summary = run_cycle(store, project, now=now, deliver=False, fetcher=fetcher)
                between_cycles(store, c + 1)  # as limelight.watch.watch does
                failed += bool(summary.failures or (summary.update and summary.update.exit_status))
                if summary.update is not None:
                    stored += summary.update.ingest.stats.new
                gc.collect()
                rss.append(_rss_tree_mb())
                if c in (0, window - 1, cycles - 1):
                    main.append(_rss_self_mb())
                if (c + 1) % window == 0:
                    # the data on disk, not the write-ahead log the watcher folds in at 16 MB
                    store.checkpoint()
                    sizes.append((stored, _store_bytes(project)))
                if (c + 1) % 100 == 0:
                    print(f"  cycle {c + 1:,}: {stored:,} items stored, {rss[-1]:.0f} MB resident, "
                          f"store {sizes[-1][1] / 1e6:.1f} MB, {time.perf_counter() - began:.0f} s", flush=True)
        finally:
            fetcher.close()
            store.close()
            feed.server.shutdown()
    first, last = sum(rss[:window]) / window, sum(rss[-window:]) / window
    half = len(sizes) // 2

    def per_item(a: tuple[int, int], b: tuple[int, int]) -> float:
        return (b[1] - a[1]) / max(1, b[0] - a[0])

    print(f"{cycles:,} cycles of a simulated {SOAK_STEP} each in {time.perf_counter() - began:.0f} s: "
          f"{stored:,} items stored ({feed.items:,} in the feed), {failed} cycles with a failure (the feed's 500s), "
          f"{feed.requests:,} requests")
    print(f"memory, mean of the last {window} cycles / the first {window}: {last:.0f} / {first:.0f} MB = "
          f"{last / first:.3f} (target <= 1.1)")
    if len(rss) >= 3 * window:  # the same after the first window's warm-up (models, caches, buffer pool)
        warm = sum(rss[window:2 * window]) / window
        print(f"after warm-up, the last {window} / cycles {window + 1}-{2 * window}: {last:.0f} / {warm:.0f} MB "
              f"= {last / warm:.3f}; this process alone: {main[0]:.0f} MB after the first cycle, "
              f"{main[1]:.0f} MB after cycle {window}, {main[2]:.0f} MB at the end")
    print(f"store on disk (checkpointed every {window} cycles): {sizes[0][1] / 1e6:.1f} MB after {window} cycles, "
          f"{sizes[-1][1] / 1e6:.1f} MB after {cycles:,}; growth per new item: first half "
          f"{per_item(sizes[0], sizes[half]):,.0f} bytes, second half {per_item(sizes[half], sizes[-1]):,.0f} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["cost", "soak"])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--fraction", type=float, default=0.01)
    parser.add_argument("--cycles", type=int, default=1_000)
    parser.add_argument("--tone", choices=["vader", "default"], default="vader")
    args = parser.parse_args()
    if args.only in (None, "cost"):
        cost(args.documents, args.fraction, args.tone)
    if args.only in (None, "soak"):
        soak(args.cycles, args.tone)


if __name__ == "__main__":
    main()
