"""The watcher on a SYNTHETIC watched folder: a cycle ingests only what is new, evaluates the
rules and stores their alerts; a stage that fails does not stop the others; `kill -9` in the
middle of a cycle loses and duplicates nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from limelight import api
from limelight.cli import main
from limelight.project import Project, init_project

WATCHLIST = """# SYNTHETIC watchlist
[[entity]]
id = "acme"
kind = "org"
name = "Acme"
aliases = ["Acme"]
"""


def _page(folder: Path, n: int, day: datetime) -> None:
    """A SYNTHETIC news page about Acme, dated ``day``."""
    folder.mkdir(parents=True, exist_ok=True)
    words = " ".join(f"word{(n * 7 + k) % 97}" for k in range(60))
    (folder / f"page-{n:05d}.html").write_text(
        f"<html><head><title>Acme report {n}</title>"
        f'<meta property="article:published_time" content="{day.isoformat()}"></head><body><article>'
        f"<h1>Acme report {n}</h1><p>Acme said on Tuesday that story {n} is about {words}.</p>"
        f"<p>Analysts following Acme expect more news {n} soon, the SYNTHETIC test page says.</p>"
        "</article></body></html>", encoding="utf-8")


def _project(tmp_path: Path, rules: str = "", batch_size: int = 2000) -> tuple[Project, Path]:
    root = tmp_path / "project"
    init_project(root, watchlist=WATCHLIST)
    feed = tmp_path / "incoming"
    feed.mkdir()
    (root / "limelight.toml").write_text(
        f'[watch]\ntargets = ["{feed}"]\ndeliver = false\n\n[ingest]\nworkers = -1\n'
        f'batch_size = {batch_size}\n\n{rules}', encoding="utf-8")
    return Project.open(root), feed


def _count(project: Project, sql: str) -> int:
    return int(api.query(sql, project).column(0)[0].as_py())


def test_watch_once_ingests_only_what_is_new_and_raises_the_rules_alerts(tmp_path: Path) -> None:
    rules = '[[alerts.rule]]\nname = "acme-searches"\nkind = "saved_search"\n'
    project, feed = _project(tmp_path, rules)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    for n in range(5):
        _page(feed, n, today)
    [first] = api.watch(project, once=True, fetch=False)
    assert first.ok and first.update is not None and first.update.ingest.stats.new == 5
    assert first.evaluation is not None and first.evaluation.per_rule == {"acme-searches": 0}
    assert "5 new documents" in first.sentence()
    [second] = api.watch(project, once=True, fetch=False)
    assert second.update is not None and second.update.ingest.stats.new == 0  # nothing processed again
    api.save_search("acme", "Acme", project)
    api.mark_saved_search_seen("acme", project)
    time.sleep(0.01)
    _page(feed, 5, today)
    [third] = api.watch(project, once=True, fetch=False)
    assert third.update is not None and third.update.ingest.stats.new == 1
    assert third.evaluation is not None and len(third.evaluation.changes.new) == 1
    [alert] = api.alerts(project)
    assert alert.rule == "acme-searches" and alert.status == "open" and alert.evidence.documents
    assert _count(project, "SELECT count(*) FROM documents") == 6


def test_watch_a_failing_stage_does_not_stop_the_others(tmp_path: Path) -> None:
    # a rule the watchlist cannot satisfy: the rules stage fails and says so; the ingest still ran
    project, feed = _project(tmp_path, '[[alerts.rule]]\nname = "x"\nkind = "storm"\nentity = "nobody"\n')
    _page(feed, 0, datetime.now(UTC) - timedelta(days=1))
    [cycle] = api.watch(project, once=True, fetch=False)
    assert not cycle.ok and cycle.update is not None and cycle.update.ingest.stats.new == 1
    assert any(f.startswith("rules: ConfigError") and "nobody" in f for f in cycle.failures)
    assert "FAILED rules" in cycle.sentence()


def test_watch_cli_once_exits_0_and_logs_the_cycle(tmp_path: Path) -> None:
    project, feed = _project(tmp_path)
    _page(feed, 0, datetime.now(UTC) - timedelta(days=1))
    result = CliRunner().invoke(main, ["watch", "--project", str(project.root), "--once", "--offline"])
    assert result.exit_code == 0, result.output
    assert _count(project, "SELECT count(*) FROM documents") == 1


@pytest.mark.full  # a real watcher process killed mid-ingest, then a catch-up cycle: minutes on 2 cores
def test_watch_kill_9_in_a_cycle_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    project, feed = _project(tmp_path, batch_size=5)
    day = datetime.now(UTC) - timedelta(days=1)
    for n in range(60):
        _page(feed, n, day)
    exe = Path(sys.executable).parent / "limelight"
    watcher = subprocess.Popen([str(exe), "watch", "--project", str(project.root), "--interval", "0", "--offline"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    stored = 0
    try:
        deadline = time.monotonic() + 180
        # kill it once some batches are in and others are not: in the middle of the cycle's ingest
        while time.monotonic() < deadline and stored == 0 and watcher.poll() is None:
            time.sleep(0.2)
            try:  # reads go through the watcher's read service while it owns the store
                stored = _count(project, "SELECT count(*) FROM documents")
            except Exception:  # the store is not there yet, or the service is starting
                stored = 0
    finally:
        os.killpg(watcher.pid, signal.SIGKILL)
        watcher.wait(30)
    assert 0 < stored < 60, f"the kill came at {stored} documents: not in the middle of the ingest"
    [cycle] = api.watch(project, once=True, fetch=False)  # the next cycle catches up
    assert cycle.ok, cycle.failures
    assert _count(project, "SELECT count(*) FROM documents") == 60
    assert _count(project, "SELECT count(DISTINCT origin) FROM documents") == 60
