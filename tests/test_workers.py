"""The supervised worker pool: an item over its time or memory limit, or one that crashes its worker,
is one error row and the rest of its batch is stored; workers die with their parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import limelight
from _evil_plugin import install_evil_plugin
from limelight.project import CONFIG_NAME


def _project(root: Path, settings: str = "") -> limelight.Project:
    """A project whose limelight.toml holds only ``settings`` (the rest defaults)."""
    limelight.init(root)
    (root / CONFIG_NAME).write_text(textwrap.dedent(settings), encoding="utf-8")
    return limelight.open_project(root)


def _dumps(folder: Path, n: int, cue: str | None = None, at: int = 3) -> list[str]:
    """``n`` small text dumps; the one at index ``at`` carries ``cue``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        body = f"Ordinary report number {i} about the weather in town, told at some length."
        if cue is not None and i == at:
            body += f" {cue}"
        path = folder / f"doc{i:03d}.txt"
        path.write_text(f"Report {i}\n\n{body}\n", encoding="utf-8")
        paths.append(str(path))
    return paths


def _stored_titles(project: limelight.Project) -> set[str]:
    return set(limelight.query("select title from documents", project).column("title").to_pylist())


@pytest.mark.parametrize("workers", [1, 2])
def test_workers_item_over_time_limit_is_one_error_row_rest_stored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    install_evil_plugin(tmp_path, monkeypatch)
    project = _project(tmp_path / "p", "[ingest]\nitem_timeout = 2.0\n")
    paths = _dumps(tmp_path / "in", 40, "STALL-ME", at=7)
    t0 = time.monotonic()
    result = limelight.ingest([str(tmp_path / "in")], project, workers=workers, fetch=False)
    took = time.monotonic() - t0
    assert result.stats.failed == 1
    (err,) = result.errors
    assert err.origin == paths[7]
    assert "took longer than 2 s" in err.message and "ingest.item_timeout" in err.message
    assert _stored_titles(project) == {f"Report {i}" for i in range(40) if i != 7}
    assert took < 60, "the stalled item must not hold the run much past its limit"
    rows = limelight.query("select origin, stage from errors", project).to_pylist()
    assert rows == [{"origin": paths[7], "stage": "extract"}]


def test_workers_crash_costs_the_one_item(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_evil_plugin(tmp_path, monkeypatch)
    project = _project(tmp_path / "p")
    paths = _dumps(tmp_path / "in", 30, "CRASH-ME", at=12)
    result = limelight.ingest([str(tmp_path / "in")], project, workers=2, fetch=False)
    (err,) = result.errors
    assert err.origin == paths[12]
    assert "killed by SIGSEGV" in err.message
    assert _stored_titles(project) == {f"Report {i}" for i in range(30) if i != 12}


def test_workers_memory_limit_costs_the_one_item(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_evil_plugin(tmp_path, monkeypatch)
    # A worker with lingua's models loaded holds ~0.4 GB; the greedy item asks for up to 20 GB.
    project = _project(tmp_path / "p", "[ingest]\nworker_memory_mb = 1500\n")
    paths = _dumps(tmp_path / "in", 20, "EAT-ME", at=4)
    result = limelight.ingest([str(tmp_path / "in")], project, workers=1, fetch=False)
    (err,) = result.errors
    assert err.origin == paths[4]
    assert "more than 1,500 MB" in err.message
    assert len(_stored_titles(project)) == 19


def test_workers_exception_in_plugin_is_an_error_row_not_a_restart(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_evil_plugin(tmp_path, monkeypatch)
    project = _project(tmp_path / "p")
    paths = _dumps(tmp_path / "in", 20, "RAISE-ME", at=0)
    result = limelight.ingest([str(tmp_path / "in")], project, workers=1, fetch=False)
    (err,) = result.errors
    assert err.origin == paths[0] and err.stage == "enrich:evil"
    assert "evil plugin raised" in err.message
    assert len(_stored_titles(project)) == 19


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                found |= {int(x) for x in fh.read().split()}
    except OSError:
        pass
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_their_parent_and_release_its_stdout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """kill -9 of an ingest with 2 workers (one of them stuck on an item) leaves no process behind,
    and nothing keeps the caller's stdout open: reading it reaches end of file."""
    install_evil_plugin(tmp_path, monkeypatch)
    _project(tmp_path / "p")
    _dumps(tmp_path / "in", 60, "STALL-ME", at=2)
    proc = subprocess.Popen([sys.executable, "-m", "limelight.cli", "ingest", "-q", "-w", "2", "-p",
                             str(tmp_path / "p"), str(tmp_path / "in")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while time.monotonic() < deadline and len(workers) < 2:
        workers = _children(proc.pid)
        time.sleep(0.2)
    assert len(workers) >= 2, "the ingest did not start its workers"
    time.sleep(2.0)  # the stalled item is in a worker now
    proc.send_signal(signal.SIGKILL)
    assert proc.stdout is not None
    t0 = time.monotonic()
    proc.stdout.read()  # returns only when every holder of the pipe's write end is gone
    assert time.monotonic() - t0 < 10
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)], "worker processes outlived their parent"


def test_workers_warm_pool_serves_the_next_run_with_the_same_setup(tmp_path: Path) -> None:
    """A second ingest into the same project reuses the warm workers; a changed watchlist gets new
    ones (workers hold the watchlist they were started with)."""
    from limelight.workers import POOLS

    project = _project(tmp_path / "p")
    limelight.ingest(_dumps(tmp_path / "a", 5), project, fetch=False)
    first = {w.proc.pid for pool, _ in POOLS._idle.values() for w in pool._workers}
    limelight.ingest(_dumps(tmp_path / "b", 5), project, fetch=False)
    second = {w.proc.pid for pool, _ in POOLS._idle.values() for w in pool._workers}
    assert first and first == second
    (tmp_path / "p" / "watchlist.toml").write_text(
        '[[entity]]\nid = "x"\nkind = "org"\nname = "Weather"\naliases = ["weather"]\n', encoding="utf-8")
    changed = limelight.open_project(tmp_path / "p")
    (tmp_path / "c").mkdir()
    for i in range(5):
        (tmp_path / "c" / f"n{i}.txt").write_text(f"News {i}\n\nFresh weather news number {i}, told at length.\n",
                                                   encoding="utf-8")
    result = limelight.ingest([str(tmp_path / "c")], changed, fetch=False)
    third = {w.proc.pid for pool, _ in POOLS._idle.values() for w in pool._workers}
    assert third and not third & first
    assert result.stats.mentions == 5  # the new workers match the new watchlist
    assert not any(_alive(p) for p in first), "the evicted pool's workers were stopped"
