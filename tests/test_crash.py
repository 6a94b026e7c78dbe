"""The crash harness: `kill -9` of an ingest (1 and 2 workers) at random moments, then the same
ingest again: the store must equal a clean ingest of the same inputs (same ids, rows, mentions,
sources and links), and no process of the killed run may remain.

The inputs are a small seeded hostile corpus (tests/hostile_corpus.py, synthetic). Moments are drawn
from a fixed seed over the clean run's duration. A slice of kills runs in every CI; 52 kills are
marked ``full`` (`make test-full`, run by `.ci/run`).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import hostile_corpus
import limelight
from limelight.project import CONFIG_NAME

# Run-specific columns: which run first stored a row, and when. Everything else must be equal.
_SKIP = {"first_run_id", "run_id"}
_TABLES = {"documents": "id", "mentions": "id", "sources": "id", "links": "from_id, kind, to_id, to_url"}


def _new_project(root: Path) -> Path:
    limelight.init(root)
    (root / CONFIG_NAME).write_text(hostile_corpus.SETTINGS, encoding="utf-8")
    (root / "watchlist.toml").write_text(hostile_corpus.WATCHLIST, encoding="utf-8")
    return root


def _command(project: Path, corpus: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "limelight.cli", "ingest", "-q", "--offline", "-w", str(workers),
            "-p", str(project), str(corpus)]


def snapshot(project: Path) -> dict[str, list[tuple[Any, ...]]]:
    proj = limelight.open_project(project)
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table, key in _TABLES.items():
        cols = [c for c in limelight.query(f"select * from {table} limit 0", proj).column_names if c not in _SKIP]
        quoted = ", ".join(f'"{c}"' for c in cols)
        rows = limelight.query(f"select {quoted} from {table} order by {key}", proj)
        out[table] = [tuple(r.values()) for r in rows.to_pylist()]
    return out


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as fh:
                    kids = {int(x) for x in fh.read().split()}
                todo.extend(kids - found)
                found |= kids
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


def kill_at(project: Path, corpus: Path, workers: int, after: float) -> tuple[bool, set[int]]:
    """Start an ingest, SIGKILL it ``after`` seconds in; (whether it was still running, its
    descendants seen while it ran)."""
    proc = subprocess.Popen(_command(project, corpus, workers), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    seen: set[int] = set()
    end = time.monotonic() + after
    while time.monotonic() < end and proc.poll() is None:
        seen |= _descendants(proc.pid)
        time.sleep(0.05)
    running = proc.poll() is None
    if running:
        seen |= _descendants(proc.pid)
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    return running, seen


@pytest.fixture(scope="module")
def crash_setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[tuple[Any, ...]]], float]:
    root = tmp_path_factory.mktemp("crash")
    hostile_corpus.build(root / "corpus", seed=5, scale=0.015, records=40)
    clean = _new_project(root / "clean")
    t0 = time.monotonic()
    subprocess.run(_command(clean, root / "corpus", 2), check=False, capture_output=True, timeout=600)
    took = time.monotonic() - t0
    expected = snapshot(clean)
    assert len(expected["documents"]) > 80 and len(expected["mentions"]) > 30
    print(f"clean ingest: {len(expected['documents'])} documents in {took:.1f} s")
    return root, expected, took


def run_kills(crash_setup: tuple[Path, dict[str, list[tuple[Any, ...]]], float], kills: int, seed: int) -> int:
    """Kill ingests at random moments until ``kills`` of them were still running when killed (a
    moment past the end of a faster run is drawn again, at most ``kills`` extra times); after each,
    rerun and compare. Returns the number of trials."""
    root, expected, took = crash_setup
    rng = random.Random(seed)
    killed_running = trials = 0
    while killed_running < kills:
        assert trials < 2 * kills, f"only {killed_running} of {trials} kills hit a running ingest"
        workers = 1 + trials % 2
        project = _new_project(root / f"trial-{seed}-{trials}")
        running, seen = kill_at(project, root / "corpus", workers, rng.uniform(0.2, 0.9 * took))
        trials += 1
        killed_running += running
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(p) for p in seen):
            time.sleep(0.1)
        orphans = [p for p in seen if _alive(p)]
        assert not orphans, f"trial {trials}: processes of the killed ingest remain: {orphans}"
        rerun = subprocess.run(_command(project, root / "corpus", workers), capture_output=True, text=True,
                               timeout=600)
        assert rerun.returncode in (0, 1), rerun.stderr[-2000:]
        got = snapshot(project)
        for table in _TABLES:
            assert got[table] == expected[table], \
                f"trial {trials} ({workers} workers): {table} differs from a clean ingest"
    return trials


def test_crash_kill9_then_rerun_equals_clean_ingest(crash_setup: tuple[Path, Any, float]) -> None:
    run_kills(crash_setup, kills=4, seed=1)


@pytest.mark.full
def test_crash_kill9_at_52_moments_then_rerun_equals_clean_ingest(crash_setup: tuple[Path, Any, float]) -> None:
    trials = run_kills(crash_setup, kills=52, seed=2)
    print(f"crash: 52 kills of running ingests in {trials} trials, each rerun equal to a clean ingest")
