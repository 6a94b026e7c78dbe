"""One owner of the store (limelight.store.service, docs/architecture.md): while an ingest or a link
writes, reports and `limelight sql` in other processes run, see committed data only and never a
lock error; writers wait for the file; a killed writer's discovery file breaks nothing."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from limelight.errors import ConfigError, StoreBusy, UsageError
from limelight.project import SEED_WATCHLIST, Project, init_project
from limelight.store import service
from limelight.store.duckdb_store import DuckDBStore
from limelight.store.remote import RemoteStore

pytestmark = pytest.mark.skipif(not service.HAS_UNIX_SOCKETS, reason="the read service needs Unix sockets")

CLI = [sys.executable, "-m", "limelight.cli"]
N_DOCS, BATCH = 700, 50  # ~10 s of ingest with one worker; a commit every 50 documents


def _project(root: Path, *, batch: int = BATCH, lock_timeout: float = 2.0) -> Path:
    init_project(root, watchlist=SEED_WATCHLIST)
    (root / "limelight.toml").write_text(
        f"[ingest]\nbatch_size = {batch}\n\n[store]\nlock_timeout = {lock_timeout}\n", encoding="utf-8")
    return root


def _news(folder: Path, n: int) -> None:
    """``n`` text articles in near-duplicate pairs (the duplicates linker links each pair), every one
    a new document. The made-up words have no c, k or l, so no text can spell "lock"."""
    rng = random.Random(7)
    vocab = ["".join(rng.choice("abdefghimnoprstuvy") for _ in range(rng.randint(3, 9))) for _ in range(4000)]
    folder.mkdir()
    for i in range(n):
        story = random.Random(i // 2)
        body = " ".join(story.choice(vocab) for _ in range(120))
        title = "Lei Jun and Xiaomi: " + " ".join(story.choice(vocab) for _ in range(5))
        tail = " ".join(rng.choice(vocab) for _ in range(6))
        dateline = f"{1 + i % 28}. Dezember 2025"  # dated, so the visibility report counts them
        (folder / f"{i:05d}.txt").write_text(f"{title}\n\n{dateline}\n\n{body}.\n\n{tail} {body}.\n", encoding="utf-8")


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)


def _count(proc: subprocess.CompletedProcess[str]) -> int:
    return int(json.loads(proc.stdout)[0]["n"])


def _wait_for_owner(project: Path, proc: subprocess.Popen[bytes]) -> service.Announcement:
    """The service the writer ``proc`` announces once it holds the store."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        announced = service.live_announcement(project / "limelight.duckdb")
        if announced is not None and announced.pid == proc.pid:
            return announced
        assert proc.poll() is None, "the writer ended before it announced its read service"
        time.sleep(0.02)
    pytest.fail("the writer did not announce its read service within 90 s")


class Poller(threading.Thread):
    """Reads one number again and again through ``Project.open_store(read_only=True)``, as a report
    in this process would, noting the value and which kind of store answered."""

    def __init__(self, project: Path, sql: str) -> None:
        super().__init__(daemon=True)
        self.project, self.sql = Project.open(project), sql
        self.seen: list[tuple[int, str]] = []
        self.errors: list[BaseException] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                store = self.project.open_store(read_only=True)
                try:
                    self.seen.append((int(store.query(self.sql).column(0)[0].as_py()), type(store).__name__))
                finally:
                    store.close()
            except BaseException as exc:  # noted for the test to report
                self.errors.append(exc)
            time.sleep(0.05)


@dataclass
class IngestRun:
    project: Path
    pid: int
    returncode: int
    output: str
    polled: list[tuple[int, str]]
    poll_errors: list[BaseException]
    cli_calls: list[tuple[list[str], subprocess.CompletedProcess[str]]] = field(default_factory=list)
    refused_write: subprocess.CompletedProcess[str] | None = None
    write_while_held: subprocess.CompletedProcess[str] | None = None
    seconds: float = 0.0


@pytest.fixture(scope="module")
def ingest_run(tmp_path_factory: pytest.TempPathFactory) -> IngestRun:
    """An ingest of N_DOCS articles with one worker, and meanwhile: a reader in this process, report
    and sql commands one after the other, an `sql` that writes, and an `sql --write`."""
    root = tmp_path_factory.mktemp("service")
    project = _project(root / "project")
    _news(root / "news", N_DOCS)
    t0 = time.monotonic()
    proc = subprocess.Popen([*CLI, "ingest", "-p", str(project), "-w", "1", "-q", str(root / "news")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    run = IngestRun(project, proc.pid, -1, "", [], [])
    try:
        _wait_for_owner(project, proc)
        poller = Poller(project, "SELECT count(*) FROM documents")
        poller.start()
        # Both are answered by the ingest's service (or wait for it), so they come first, while it surely runs.
        run.refused_write = _cli("sql", "-p", str(project), "DELETE FROM documents")
        run.write_while_held = _cli("sql", "-p", str(project), "--write", "SELECT 1")
        while proc.poll() is None:
            for args in (["sql", "-p", str(project), "--format", "json", "SELECT count(*) AS n FROM documents"],
                         ["report", "visibility", "-p", str(project), "--format", "json"]):
                run.cli_calls.append((args, _cli(*args)))
        poller.stop.set()
        poller.join(timeout=30)
        run.polled, run.poll_errors = poller.seen, poller.errors
    finally:
        if proc.poll() is None:
            proc.kill()
        out, _ = proc.communicate(timeout=60)
    run.returncode, run.output, run.seconds = proc.returncode, out.decode(errors="replace"), time.monotonic() - t0
    print(f"ingest of {N_DOCS} documents with readers: {run.seconds:.1f} s, {len(run.polled)} reads in "
          f"this process, {len(run.cli_calls)} commands")
    return run


def test_store_service_reads_during_ingest_see_only_committed_batches(ingest_run: IngestRun) -> None:
    run = ingest_run
    assert run.returncode == 0, run.output
    assert not run.poll_errors, run.poll_errors[:3]
    boundaries = set(range(0, N_DOCS + 1, BATCH)) | {N_DOCS}
    counts = [n for n, _ in run.polled]
    assert counts == sorted(counts), "a reader saw the count go down"
    assert set(counts) <= boundaries, f"a reader saw a batch half-written: {sorted(set(counts) - boundaries)}"
    # The reads really ran during the ingest, and through its service.
    assert any(0 < n < N_DOCS for n in counts), counts
    assert any(kind == "RemoteStore" and n < N_DOCS for n, kind in run.polled)
    sql_counts, report_rows = [], []
    for args, proc in run.cli_calls:
        assert proc.returncode == 0, (args, proc.stdout[-500:], proc.stderr[-2000:])
        assert "lock" not in (proc.stdout + proc.stderr).lower(), (args, proc.stderr[-2000:])
        if args[0] == "sql":
            sql_counts.append(_count(proc))
        else:
            report = json.loads(proc.stdout)
            assert report["analysis"] == "visibility"
            report_rows.append(len(report["rows"]))
    assert sql_counts and sql_counts == sorted(sql_counts) and set(sql_counts) <= boundaries, sql_counts
    assert any(report_rows), "every report was empty: none read stored documents"


def test_store_service_sql_refuses_writes_while_an_ingest_holds_the_store(ingest_run: IngestRun) -> None:
    refused = ingest_run.refused_write
    assert refused is not None and refused.returncode == 2, refused
    text = refused.stdout + refused.stderr
    # Answered by the ingest's service: it says who holds the store, and what to do.
    assert "read-only" in text and "DELETE statement" in text and "limelight ingest" in text, text
    assert "--write" in text and "Conflicting lock" not in text, text
    held = ingest_run.write_while_held
    assert held is not None and held.returncode == 2, held
    text = held.stdout + held.stderr
    assert f"process {ingest_run.pid} (limelight ingest" in text and "not free after 2 s" in text, text
    assert "Conflicting lock" not in text and "IO Error" not in text, text
    after = _cli("sql", "-p", str(ingest_run.project), "--format", "json", "SELECT count(*) AS n FROM documents")
    assert after.returncode == 0 and _count(after) == N_DOCS, after.stderr  # the refused DELETE changed nothing


def test_store_service_reads_during_link(ingest_run: IngestRun) -> None:
    project = ingest_run.project
    assert ingest_run.returncode == 0, ingest_run.output
    links_sql = "SELECT count(*) FROM links WHERE kind = 'duplicate'"
    with Project.open(project).open_store(read_only=True) as before_store:
        before = int(before_store.query(links_sql).column(0)[0].as_py())
    proc = subprocess.Popen([*CLI, "link", "-p", str(project), "-q", "--only", "duplicates"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    calls = []
    try:
        _wait_for_owner(project, proc)
        links, docs = Poller(project, links_sql), Poller(project, "SELECT count(*) FROM documents")
        links.start()
        docs.start()
        while proc.poll() is None or not calls:
            calls.append(_cli("sql", "-p", str(project), "--format", "json", "SELECT count(*) AS n FROM stories"))
        links.stop.set()
        docs.stop.set()
        links.join(timeout=30)
        docs.join(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out.decode(errors="replace")
    assert not links.errors and not docs.errors, (links.errors + docs.errors)[:3]
    with Project.open(project).open_store(read_only=True) as after_store:
        after = int(after_store.query(links_sql).column(0)[0].as_py())
    assert after > before
    # The duplicates linker commits its links in one transaction: a reader sees none or all of them.
    assert {n for n, _ in links.seen} <= {before, after}, sorted({n for n, _ in links.seen})
    assert [n for n, _ in links.seen] == sorted(n for n, _ in links.seen)
    assert {n for n, _ in docs.seen} == {N_DOCS}
    assert any(kind == "RemoteStore" for _, kind in links.seen + docs.seen)
    for call in calls:
        assert call.returncode == 0, call.stderr[-2000:]
        assert "lock" not in (call.stdout + call.stderr).lower(), call.stderr[-2000:]


def test_store_service_killed_writer_leaves_nothing_that_breaks_the_next_open(tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    store_path = project / "limelight.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from limelight.project import Project; "
         "s = Project.open(sys.argv[1]).open_store(); print('open', flush=True); time.sleep(120)", str(project)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        announced = service.live_announcement(store_path)
        assert announced is not None and announced.pid == holder.pid
        assert oct(os.stat(announced.socket).st_mode & 0o777) == oct(0o600)
        with Project.open(project).open_store(read_only=True) as remote:
            assert isinstance(remote, RemoteStore) and remote.count_documents() == 0
            with pytest.raises(UsageError, match=f"process {holder.pid}"):
                remote.write([], "run")
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert service.discovery_path(store_path).exists()  # what kill -9 leaves behind
    assert service.live_announcement(store_path) is None
    proj = Project.open(project)
    with proj.open_store(read_only=True) as direct:
        assert isinstance(direct, DuckDBStore) and direct.count_documents() == 0
    writer = proj.open_store()
    try:
        replaced = service.read_announcement(store_path)
        assert replaced is not None and replaced.pid == os.getpid()
        # A reader in the writer's own process goes through the service too (DuckDB would refuse
        # a second, read-only open of the file here).
        with proj.open_store(read_only=True) as remote:
            assert isinstance(remote, RemoteStore) and remote.count_documents() == 0
    finally:
        writer.close()
    assert not service.discovery_path(store_path).exists()
    assert not Path(replaced.socket).exists()
    done = _cli("sql", "-p", str(project), "--format", "json", "SELECT count(*) AS n FROM documents")
    assert done.returncode == 0 and _count(done) == 0, done.stderr


@pytest.fixture()
def owned(tmp_path: Path) -> Iterator[tuple[Project, DuckDBStore]]:
    """A project whose store this process holds for writing (and so serves)."""
    proj = Project.open(_project(tmp_path / "project"))
    store = proj.open_store()
    assert isinstance(store, DuckDBStore)
    try:
        yield proj, store
    finally:
        store.close()


def test_store_service_reads_see_committed_data_during_an_open_write(owned: tuple[Project, DuckDBStore]) -> None:
    proj, store = owned
    reader = proj.open_store(read_only=True)
    try:
        assert isinstance(reader, RemoteStore)
        sql = "SELECT count(*) FROM sources"
        with store._transaction() as con:
            con.execute("INSERT INTO sources (id, platform, handle) VALUES ('s1', 'web', 'example.com')")
            assert reader.query(sql).column(0)[0].as_py() == 0  # the open transaction is not seen
        assert reader.query(sql).column(0)[0].as_py() == 1
        assert reader.read("core.document_texts").num_rows == 0
        with pytest.raises(UsageError, match=r"read-only.*INSERT statement"):
            reader.query("INSERT INTO sources (id, platform, handle) VALUES ('s2', 'web', 'x')")
        assert reader.query(sql).column(0)[0].as_py() == 1
        import duckdb

        with pytest.raises(duckdb.Error, match="no_such_table"):  # the database's own error, as in-process
            reader.query("SELECT * FROM no_such_table")
    finally:
        reader.close()


def _articles(n: int) -> list[Any]:
    from limelight.models import Document, Enriched, Source, content_hash, document_id

    source = Source.make("web", "example.org", "Example News")
    out = []
    for i in range(n):
        title, text, url = f"Synthetic story {i}", f"Lei Jun, line {i}.\nSecond line.", f"https://example.org/{i}"
        out.append(Enriched(Document(
            id=document_id(url, content_hash(title, text)), kind="article", origin=f"synthetic#{i}", source=source,
            text=text, title=title, url=url, language="en", content_hash=content_hash(title, text),
            published_at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=i)), (), ()))
    return out


def test_store_service_streams_a_read_and_says_when_the_owner_goes_mid_stream(
        owned: tuple[Project, DuckDBStore]) -> None:
    from limelight.scope import Scope

    proj, store = owned
    # Enough rows that the stream cannot sit whole in the socket's buffer when the owner closes.
    store.write(_articles(3000), "run-1")
    params: dict[str, Any] = {"scope": Scope(), "entities": [], "roles": [], "platforms": [], "after_at": None,
                              "after_id": None, "limit": None}
    reader = proj.open_store(read_only=True)
    try:
        assert isinstance(reader, RemoteStore)
        batches = list(reader.read_batches("lists.documents", batch_rows=7, **params))
        assert [b.num_rows for b in batches] == [7] * 428 + [4]
        assert pa.Table.from_batches(batches).to_pylist() == store.read("lists.documents", **params).to_pylist()
        # The reader's other requests go on beside an open stream.
        stream = reader.read_batches("lists.documents", batch_rows=2, **params)
        assert next(stream).num_rows == 2 and reader.count_documents() == 3000
        # The owner closes in the middle: the stream says so instead of starting over elsewhere
        # (which would hand on the first rows twice).
        store.close()
        with pytest.raises(ConfigError, match="middle of a read"):
            list(stream)
    finally:
        reader.close()


def test_store_service_reader_goes_on_after_the_owner_closes(tmp_path: Path) -> None:
    proj = Project.open(_project(tmp_path / "project"))
    writer = proj.open_store()
    reader = proj.open_store(read_only=True)
    try:
        assert isinstance(reader, RemoteStore) and reader.count_documents() == 0
        writer.close()
        assert not service.discovery_path(proj.store_path).exists()
        # The service is gone: the same reader now opens the file itself and answers.
        assert reader.count_documents() == 0 and reader.read("core.document_texts").num_rows == 0
        assert isinstance(reader._delegate, DuckDBStore)
    finally:
        reader.close()
        writer.close()


def test_store_service_refuses_oversized_and_unknown_requests(owned: tuple[Project, DuckDBStore]) -> None:
    proj, _ = owned
    announced = service.live_announcement(proj.store_path)
    assert announced is not None
    for frame, expected in ((b"x" * 10, "not a JSON frame"), (service.dumps({"op": "drop"}), "unknown op"),
                            (b'{"op": "read", "name": "x", "params": {"$t": "os.system", "v": "ls"}}',
                             "unknown or malformed tag")):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(announced.socket)
            service.send_frame(sock, frame)
            answer = service.recv_frame(sock)
        assert answer is not None and answer[:1] == service.ERROR and expected in answer.decode(), answer
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(announced.socket)
        sock.sendall(service._HEADER.pack(service.MAX_REQUEST_BYTES + 1))
        answer = service.recv_frame(sock)
        assert answer is not None and b"over the limit" in answer
        assert service.recv_frame(sock) is None  # and the connection is closed


def _hold_slot(announced: service.Announcement) -> socket.socket:
    """A client connection that was answered (so it holds one of the owner's slots) and stays open."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(announced.socket)
    service.send_frame(sock, service.dumps({"op": "ping"}))
    answer = service.recv_frame(sock)
    assert answer is not None and answer[:1] == service.JSON_OK, answer
    return sock


def test_store_service_readers_beyond_its_slots_wait_in_line_then_are_served(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A web server opens a connection per request: at a full owner the 33rd reader used to be
    # refused at once (and its page failed) although a slot came free milliseconds later.
    monkeypatch.setattr(service, "MAX_CONNECTIONS", 2)
    monkeypatch.setattr(service, "MAX_WAITING", 1)
    monkeypatch.setattr(service, "SLOT_WAIT", 1.5)
    proj = Project.open(_project(tmp_path / "project"))
    store = proj.open_store()
    try:
        announced = service.live_announcement(proj.store_path)
        assert announced is not None
        held = [_hold_slot(announced), _hold_slot(announced)]
        got: dict[str, Any] = {}

        def waiting_reader() -> None:
            t = time.monotonic()
            with proj.open_store(read_only=True) as reader:
                got["count"] = reader.count_documents()
            got["waited"] = time.monotonic() - t

        line = threading.Thread(target=waiting_reader)
        line.start()
        time.sleep(0.3)
        assert line.is_alive() and "count" not in got  # in line, not refused
        # the line is full: one more is told at once that the owner is busy
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as extra:
            extra.settimeout(5)
            extra.connect(announced.socket)
            answer = service.recv_frame(extra)
        assert answer is not None and answer[:1] == service.ERROR and b'"busy"' in answer, answer
        held.pop().close()  # a slot comes free: the reader in line gets it
        line.join(timeout=10)
        assert got.get("count") == 0 and got["waited"] >= 0.3, got
        # a client whose wait runs out (both slots held for longer than SLOT_WAIT) hears busy
        held.append(_hold_slot(announced))
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as late:
            late.settimeout(10)
            late.connect(announced.socket)
            t = time.monotonic()
            answer = service.recv_frame(late)
        assert answer is not None and b'"busy"' in answer and time.monotonic() - t >= 1.0, answer
        # and a RemoteStore that keeps hearing busy stops with StoreBusy (503 on the web), not a hang
        import limelight.store.remote as remote

        monkeypatch.setattr(remote, "BUSY_WAIT", 0.5)
        with pytest.raises(StoreBusy, match="the store is busy"):
            RemoteStore(announced)
        for sock in held:
            sock.close()
    finally:
        store.close()


def test_store_service_writer_waits_for_a_reader_then_names_a_holder(tmp_path: Path) -> None:
    project = _project(tmp_path / "project", lock_timeout=15)
    Project.open(project).open_store().close()  # the file, with its schema
    reader = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); "
         "print('open', flush=True); time.sleep(1.0); c.close()", str(project / "limelight.duckdb")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "open"
        t0 = time.monotonic()
        Project.open(project).open_store().close()  # waits for the reader, then opens
        assert time.monotonic() - t0 > 0.3
    finally:
        reader.kill()
        reader.wait()
    (project / "limelight.toml").write_text("[store]\nlock_timeout = 0.5\n", encoding="utf-8")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('open', flush=True); time.sleep(60)", str(project / "limelight.duckdb")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        for read_only in (True, False):
            with pytest.raises(ConfigError) as info:
                Project.open(project).open_store(read_only=read_only)
            assert f"in use by process {holder.pid}" in info.value.message
            assert "not free after 0.5 s" in info.value.message and "Conflicting" not in info.value.message
            assert "an ingest, link, tone apply or report" in info.value.hint
    finally:
        holder.kill()
        holder.wait()


def test_store_service_codec_round_trips_and_refuses_unknown_tags() -> None:
    from limelight.analyses.base import Scope

    scope = Scope("Europe/Berlin", date(2025, 1, 2), None, ("de", "en"), ("reuters.com",), ("article",))
    value = {"scope": scope, "day": date(2025, 3, 4),
             "at": datetime(2025, 3, 4, 5, 6, 7, 890, tzinfo=timezone(timedelta(hours=8))),
             "utc": datetime(2025, 1, 1, tzinfo=UTC), "pair": (1, "a", None), "ids": ["a", "b"],
             "tagged": {"$t": "date", "v": "not a tag"}, "n": 3, "x": 1.5, "flag": False}
    back = service.loads(service.dumps(value))
    assert back == value
    assert isinstance(back["scope"], Scope) and isinstance(back["pair"], tuple) and back["at"].utcoffset()
    for bad in ({"$t": "subprocess.Popen", "v": ["ls"]}, {"$t": "Scope", "v": {"evil": 1}},
                {"$t": "date", "v": "yesterday"}, {"$t": "tuple", "v": "ab", "x": 1}):
        with pytest.raises(service.CodecError):
            service.decode(bad)
    import numpy as np

    assert service.loads(service.dumps({"n": np.int64(3), "v": np.array([1.5, 2.5])})) == {"n": 3, "v": [1.5, 2.5]}
    with pytest.raises(service.CodecError):
        service.dumps({"f": object()})
    deep: object = 1
    for _ in range(100):
        deep = [deep]
    with pytest.raises(service.CodecError):
        service.decode(deep)


def test_store_service_statement_check() -> None:
    for sql in ("SELECT 1", "with a as (select 1) select * from a", "show tables", "describe documents",
                "summarize documents", "explain select 1", "pragma show_tables", "from documents", "values (1)"):
        service.check_read_statements(sql, "process 1 (limelight ingest)")
    for sql in ("insert into t values (1)", "update t set a = 1", "delete from t", "create table t (a int)",
                "drop table documents", "copy documents to 'x.csv'", "attach 'x.duckdb'", "set threads = 1",
                "checkpoint", "begin", "select 1; delete from t", "pragma enable_profiling"):
        with pytest.raises(UsageError, match="read-only"):
            service.check_read_statements(sql, "process 1 (limelight ingest)")


def test_store_service_command_names() -> None:
    report = ["/v/bin/limelight", "report", "visibility", "-p", "x"]
    assert service.command_name(report) == "limelight report visibility"
    assert service.command_name(["/src/limelight/cli.py", "ingest", "-p", "x"]) == "limelight ingest"
    assert service.command_name(["python3", "-m", "limelight.cli", "link"]) == "limelight link"
    assert service.command_name(["/usr/bin/python3", "notebook.py"]) == "notebook.py"
