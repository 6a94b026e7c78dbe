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
from typing import Any

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


class _Feed:
    """A SYNTHETIC news site on 127.0.0.1: an RSS feed with an ETag that answers 304 to a client
    that has the current one, article pages, and a switch that makes the feed fail with 500."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.items: list[int] = []
        self.failing = False
        self.requests: list[tuple[str, str | None]] = []  # (path, If-None-Match)
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: object) -> None:
                pass

            def do_GET(self) -> None:
                feed.requests.append((self.path, self.headers.get("If-None-Match")))
                if self.path == "/feed.xml":
                    if feed.failing:
                        return self._send(500, b"down", "text/plain")
                    etag = f'"v{len(feed.items)}"'
                    if self.headers.get("If-None-Match") == etag:
                        self.send_response(304)
                        self.send_header("ETag", etag)
                        self.end_headers()
                        return None
                    return self._send(200, feed.rss(), "application/rss+xml", etag)
                if self.path.startswith("/a/"):
                    n = int(self.path.rsplit("/", 1)[1])
                    day = datetime.now(UTC) - timedelta(days=1)
                    return self._send(200, feed.page(n, day), "text/html; charset=utf-8")
                return self._send(404, b"no", "text/plain")

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
        items = "".join(f"<item><title>Acme report {n}</title><link>{self.url}/a/{n}</link>"
                        f"<guid>{self.url}/a/{n}</guid></item>" for n in self.items)
        return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>SYNTHETIC</title>'
                f"<link>{self.url}/</link>{items}</channel></rss>").encode()

    @staticmethod
    def page(n: int, day: datetime) -> bytes:
        words = " ".join(f"word{(n * 7 + k) % 97}" for k in range(60))
        return (f"<html><head><title>Acme report {n}</title>"
                f'<meta property="article:published_time" content="{day.isoformat()}"></head><body><article>'
                f"<h1>Acme report {n}</h1><p>Acme said that story {n} is about {words}.</p>"
                f"<p>Analysts following Acme expect more news {n} soon, the SYNTHETIC page says.</p>"
                "</article></body></html>").encode()

    def feed_requests(self) -> list[str | None]:
        return [inm for path, inm in self.requests if path == "/feed.xml"]


def test_watch_polls_a_feed_with_conditional_get_and_backs_off_after_a_failure(tmp_path: Path) -> None:
    site = _Feed()
    try:
        root = tmp_path / "project"
        init_project(root, watchlist=WATCHLIST)
        (root / "limelight.toml").write_text(
            f'[watch]\ntargets = [{{ target = "{site.url}/feed.xml", interval = 0 }}]\ndeliver = false\n\n'
            '[ingest]\nworkers = -1\n\n[fetch]\ntimeout = 5.0\nallowed_networks = ["127.0.0.0/8"]\n', encoding="utf-8")
        project = Project.open(root)

        def state() -> dict:
            [row] = api.query("SELECT * FROM watch_targets", project).to_pylist()
            return row

        site.items = [1, 2]
        [first] = api.watch(project, once=True)
        assert first.update is not None and first.update.ingest.stats.new == 2, first.failures
        assert state()["status"] == "changed" and state()["etag"] == '"v2"'
        assert site.feed_requests() == [None]  # nothing known yet: a plain GET
        def asked() -> int:  # robots.txt aside (read once per cycle and host)
            return sum(path != "/robots.txt" for path, _ in site.requests)

        pages = asked()
        # nothing changed: the server answers 304, no page is fetched, nothing is ingested
        [same] = api.watch(project, once=True)
        assert same.ok and same.update is not None and same.update.ingest.stats.new == 0
        assert site.feed_requests()[-1] == '"v2"' and asked() == pages + 1
        assert state()["status"] == "unchanged" and state()["etag"] == '"v2"'
        # a new item: read, the new page stored
        site.items = [1, 2, 3]
        [grown] = api.watch(project, once=True)
        assert grown.update is not None and grown.update.ingest.stats.new == 1
        assert state()["etag"] == '"v3"' and _count(project, "SELECT count(*) FROM documents") == 3
        # the feed fails: recorded, and the next cycle does not ask again before the backoff
        site.failing = True
        [down] = api.watch(project, once=True)
        assert not down.ok and state()["status"] == "failed" and state()["failures"] == 1
        assert "500" in state()["last_error"] and state()["etag"] == '"v3"'  # the validators are kept
        polls = len(site.feed_requests())
        [waiting] = api.watch(project, once=True)
        assert len(site.feed_requests()) == polls and waiting.update is None  # not due yet
        assert state()["next_at"] > datetime.now(UTC) + timedelta(seconds=30)
    finally:
        site.server.shutdown()


class _Known:
    """A store stand-in that knows the watch_targets rows given (only ``read`` is called)."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows

    def read(self, name: str) -> Any:  # the Arrow table due_targets reads
        import pyarrow as pa

        assert name == "watch.targets"
        return pa.Table.from_pylist(self.rows) if self.rows else pa.table({"target": pa.array([], pa.string())})


def _settings(watch: str, timezone: str = "UTC") -> Any:
    import tomllib

    from limelight.settings import Settings

    return Settings.from_dict(tomllib.loads(f'[report]\ntimezone = "{timezone}"\n\n[watch]\n{watch}'))


def test_watch_reads_a_target_only_within_its_active_hours_in_the_project_time_zone() -> None:
    from limelight.watch import due_targets

    settings = _settings('active_hours = "07:00-22:00"\ntargets = ["in/", "https://example.org/feed.xml", '
                         '{ target = "https://night.example/feed.xml", active_hours = "22:00-06:00" }]',
                         timezone="Asia/Ho_Chi_Minh")  # UTC+7
    store = _Known([])
    # 01:30 UTC is 08:30 in Hanoi: the day targets, not the night one
    day, _ = due_targets(store, settings, datetime(2026, 3, 1, 1, 30, tzinfo=UTC))
    assert day == ["in/", "https://example.org/feed.xml"]
    # 16:00 UTC is 23:00 in Hanoi: only the night target, whose span wraps past midnight
    night, _ = due_targets(store, settings, datetime(2026, 3, 1, 16, 0, tzinfo=UTC))
    assert night == ["https://night.example/feed.xml"]
    # the edges: from is active, until is not
    assert due_targets(store, settings, datetime(2026, 3, 1, 0, 0, tzinfo=UTC))[0][:1] == ["in/"]  # 07:00
    assert "in/" not in due_targets(store, settings, datetime(2026, 3, 1, 15, 0, tzinfo=UTC))[0]  # 22:00


@pytest.mark.parametrize("hours", ["7-22", "07:00-07:00", "25:00-06:00", "07:60-08:00", "07:00"])
def test_watch_refuses_active_hours_that_are_not_a_span_of_the_day(hours: str) -> None:
    from limelight.errors import ConfigError
    from limelight.watch import watch_targets

    with pytest.raises(ConfigError, match="active hours"):
        watch_targets(_settings(f'targets = [{{ target = "in/", active_hours = "{hours}" }}]'))


def test_watch_jitters_each_feeds_next_poll_within_the_configured_band() -> None:
    import random

    from limelight.sources.base import FetchResult
    from limelight.watch import _polled

    settings = _settings('jitter = 0.2\ntargets = [{ target = "https://a.example/feed", interval = 1000 }]')
    now = datetime(2026, 3, 1, tzinfo=UTC)
    ok = FetchResult("https://a.example/feed", 200, b"", "application/rss+xml", (("ETag", '"x"'),))
    rng = random.Random(7)
    waits = [(_polled({"https://a.example/feed": (ok, None)}, {}, settings, now, rng)[0]["next_at"] - now)
             .total_seconds() for _ in range(200)]
    assert all(800 <= w <= 1200 for w in waits)
    assert max(waits) - min(waits) > 300  # spread over the band, not one fixed wait


def test_watch_keeps_one_fetcher_for_its_life_and_closes_every_fetcher_it_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # One fetcher per cycle left a client and a TLS context behind every time; the watcher's
    # memory grew cycle after cycle, and robots.txt was read again at every poll.
    import limelight.sources.fetch as fetch_module
    import limelight.watch as watch_module

    made: list[Any] = []
    real = fetch_module.make_fetcher

    def counting(settings: Any) -> Any:
        fetcher = real(settings)
        closed = fetcher.close
        fetcher.closed = 0

        def close() -> None:
            fetcher.closed += 1
            closed()

        fetcher.close = close
        made.append(fetcher)
        return fetcher

    monkeypatch.setattr(watch_module, "make_fetcher", counting)
    monkeypatch.setattr(fetch_module, "make_fetcher", counting)
    project, feed = _project(tmp_path)
    _page(feed, 0, datetime.now(UTC) - timedelta(days=1))
    cycles = api.watch(project, cycles=3, interval=0)
    assert len(cycles) == 3 and all(c.ok for c in cycles)
    assert len(made) == 1 and made[0].closed == 1  # the watcher's own, closed when it stops
    made.clear()
    api.ingest([str(feed)], project)  # a run without one makes its own and closes it
    assert len(made) == 1 and made[0].closed == 1


def test_watch_folds_the_write_ahead_log_into_the_store_once_it_adds_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A watcher holds the store for days; its small writes stayed in the log (the connection's
    # threshold is 256 MB, for ingest speed), and the store grew on disk cycle after cycle.
    import limelight.watch as watch_module

    project, feed = _project(tmp_path)
    wal = project.store_path.with_name(project.store_path.name + ".wal")
    store = project.open_store()
    try:
        _page(feed, 0, datetime.now(UTC) - timedelta(days=1))
        assert watch_module.run_cycle(store, project, fetch=False).ok
        assert wal.exists() and wal.stat().st_size > 0  # under 16 MB: left to grow
        monkeypatch.setattr(watch_module, "CHECKPOINT_LOG_BYTES", 1)
        _page(feed, 1, datetime.now(UTC) - timedelta(days=1))
        assert watch_module.run_cycle(store, project, fetch=False).ok
        assert not wal.exists() or wal.stat().st_size == 0
    finally:
        store.close()
    assert _count(project, "SELECT count(*) FROM documents") == 2


def test_watch_reopens_a_duckdb_store_every_reopen_cycles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import limelight.watch as watch_module
    from limelight.store.duckdb_store import DuckDBStore

    reopened: list[bool] = []
    real = DuckDBStore.reopen

    def spy(self: DuckDBStore, wait: float = 2.0) -> bool:
        reopened.append(real(self, wait))
        return reopened[-1]

    monkeypatch.setattr(DuckDBStore, "reopen", spy)
    monkeypatch.setattr(watch_module, "REOPEN_CYCLES", 2)
    project, feed = _project(tmp_path)
    _page(feed, 0, datetime.now(UTC) - timedelta(days=1))
    cycles = api.watch(project, cycles=5, interval=0, fetch=False)
    assert all(c.ok for c in cycles) and reopened == [True, True]  # after cycles 2 and 4
    assert _count(project, "SELECT count(*) FROM documents") == 1


def test_watch_runs_on_the_system_allocator_for_arrow(tmp_path: Path) -> None:
    # mimalloc's per-thread heaps kept what each cycle's threads freed: the soak's memory crept up.
    import pyarrow as pa

    project, _ = _project(tmp_path)
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    try:
        api.watch(project, once=True, fetch=False)
        assert pa.default_memory_pool().backend_name == "system"
    finally:
        pa.set_memory_pool(pa.mimalloc_memory_pool())
