"""What only the DuckDB store does, on small synthetic documents (made up here, not real articles).
What every store does is in tests/test_store_contract.py, which runs on DuckDB too."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from limelight.errors import ConfigError
from limelight.models import Document, Enriched, Link, Mention, Source, content_hash, document_id
from limelight.registry import Registry
from limelight.store.base import StoreFactory, WriteResult
from limelight.store.duckdb_store import DuckDBStore, DuckDBStoreFactory, register
from limelight.store.schema import MIGRATIONS, Migration

SOURCE = Source.make("web", "example.org", "Example News")


def make_doc(n: int) -> Enriched:
    """A synthetic article with one headline mention and one link."""
    title = f"Xiaomi story {n}"
    text = f"Lead paragraph {n} about Xiaomi.\nBody {n}."
    url = f"https://example.org/{n}"
    doc = Document(
        id=document_id(url, content_hash(title, text)), kind="article", origin=f"synthetic#{n}",
        source=SOURCE, text=text, title=title, url=url, canonical_url=url, language="en",
        published_at=datetime(2024, 3, 4, 9, 0, tzinfo=UTC) + timedelta(days=n),
        content_hash=content_hash(title, text),
    )
    mention = Mention(doc.id, "xiaomi", "Xiaomi", "Xiaomi", "title", 0, 6, "headline", title)
    link = Link(doc.id, None, "attribution", 1.0, "Source: wire", to_url="https://wire.example/1")
    return Enriched(doc, (mention,), (link,))


def count(store: DuckDBStore, table: str) -> int:
    return int(store.query(f"SELECT count(*) AS n FROM {table}").column("n")[0].as_py())


def test_store_duckdb_plugin_contract() -> None:
    registry = Registry()
    register(registry)
    factory = registry._plugins["store"]["duckdb"]
    assert isinstance(factory, StoreFactory)
    assert factory.provides == ("store",)


def test_store_duckdb_failed_batch_raises_duckdbs_constraint_error(tmp_path: Path) -> None:
    good = make_doc(1)
    bad_link = Link(good.document.id, None, "duplicate", None, "x")  # type: ignore[arg-type]
    with DuckDBStore(tmp_path / "s.duckdb") as store, pytest.raises(duckdb.ConstraintException):
        store.write([good, replace(make_doc(2), links=(bad_link,))], "run-1")


def test_store_duckdb_empty_file_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()  # an empty DuckDB file, as another tool might leave
    with DuckDBStore(path) as s:
        versions = s.query("SELECT version FROM schema_migrations ORDER BY version").column(0).to_pylist()
        assert versions == [m.version for m in MIGRATIONS]
        assert count(s, "documents") == 0


def test_store_duckdb_older_file_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with DuckDBStore(path) as old:
        old.write([make_doc(1)], "run-1")
    step = Migration(MIGRATIONS[-1].version + 1, "test step: a notes column",
                     ("ALTER TABLE documents ADD COLUMN notes VARCHAR",))
    with DuckDBStore(path, migrations=(*MIGRATIONS, step)) as new:
        assert new.schema_version == step.version
        assert new.query("SELECT max(version) FROM schema_migrations").column(0)[0].as_py() == step.version
        assert new.query("SELECT notes FROM documents").to_pylist() == [{"notes": None}]
        assert new.write([make_doc(1)], "run-2") == WriteResult(new=0, known=1, mentions=0)


def test_store_duckdb_read_only_needs_an_existing_store(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot open"):
        DuckDBStoreFactory().open(tmp_path / "missing.duckdb", read_only=True)
    with pytest.raises(ConfigError, match="run `limelight ingest` first"):
        DuckDBStoreFactory().open(tmp_path / "missing.duckdb", read_only=True)


def test_store_duckdb_reopen_keeps_the_data_and_gives_each_thread_a_fresh_cursor(tmp_path: Path) -> None:
    # DuckDB keeps memory per aggregate query until its connection closes; a watcher reopens.
    import threading

    with DuckDBStore(tmp_path / "s.duckdb") as store:
        store.write([make_doc(1)], "run-1")
        before = store._reader()
        errors: list[BaseException] = []
        stop = threading.Event()

        def reader() -> None:  # reads go on, from another thread, while the connection is swapped
            while not stop.is_set():
                try:
                    assert count(store, "documents") >= 1
                except BaseException as exc:
                    errors.append(exc)
                    return

        thread = threading.Thread(target=reader)
        thread.start()
        try:
            assert all(store.reopen() for _ in range(5))
        finally:
            stop.set()
            thread.join()
        assert errors == []
        assert store._reader() is not before  # the old cursor belongs to a closed connection
        store.write([make_doc(2)], "run-2")
        assert count(store, "documents") == 2


def test_store_duckdb_reopen_waits_for_no_stream_and_says_so(tmp_path: Path) -> None:
    with DuckDBStore(tmp_path / "s.duckdb") as store:
        store.write([make_doc(n) for n in range(3)], "run-1")
        stream = store.read_batches("core.table_counts", batch_rows=1)
        next(stream)  # open, mid-way: reopening would close its cursor under it
        assert store.reopen(wait=0.1) is False
        assert sum(b.num_rows for b in stream) >= 0  # the stream still reads to its end
        assert store.reopen() is True
        assert count(store, "documents") == 3
