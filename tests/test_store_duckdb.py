"""The DuckDB store on small synthetic documents (made up here, not real articles)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from limelight.errors import ConfigError
from limelight.models import Document, Enriched, ItemError, Link, Mention, Source, content_hash, document_id
from limelight.registry import Registry
from limelight.store.base import Store, StoreFactory, WriteResult
from limelight.store.duckdb_store import DuckDBStore, DuckDBStoreFactory, register
from limelight.store.schema import MIGRATIONS, WRITE_SCHEMAS, Migration
from limelight.watchlist import Watchlist

SOURCE = Source.make("web", "example.org", "Example News")


def make_doc(n: int, **changes: object) -> Enriched:
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
    doc = replace(doc, **changes)  # type: ignore[arg-type]
    mention = Mention(doc.id, "xiaomi", "Xiaomi", "Xiaomi", "title", 0, 6, "headline", title)
    link = Link(doc.id, None, "attribution", 1.0, "Source: wire", to_url="https://wire.example/1")
    return Enriched(doc, (mention,), (link,))


def count(store: DuckDBStore, table: str) -> int:
    return int(store.query(f"SELECT count(*) AS n FROM {table}").column("n")[0].as_py())


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DuckDBStore]:
    s = DuckDBStore(tmp_path / "project" / "limelight.duckdb")
    yield s
    s.close()


def test_store_duckdb_plugin_contract() -> None:
    registry = Registry()
    register(registry)
    factory = registry._plugins["store"]["duckdb"]
    assert isinstance(factory, StoreFactory)
    assert factory.provides == ("store",)


def test_store_duckdb_is_a_store(store: DuckDBStore) -> None:
    assert isinstance(store, Store)
    assert store.schema_version == MIGRATIONS[-1].version


def test_store_duckdb_write_schemas_match_tables(store: DuckDBStore) -> None:
    for table, schema in WRITE_SCHEMAS.items():
        columns = store.query(f"DESCRIBE {table}").column("column_name").to_pylist()
        assert set(schema.names) <= set(columns), table


def test_store_duckdb_round_trips_every_document_field(store: DuckDBStore) -> None:
    source = Source(id="s1", platform="weibo", handle="1749127163", name="Lei Jun", owner_entity="lei-jun",
                    official=True)
    doc = Document(
        id="doc-all-fields", kind="post", origin="export.ndjson:3", source=source,
        text="第一段。\n第二段。", title="标题", url="https://weibo.example/p/1",
        canonical_url="https://weibo.example/p/1", language="zh", language_confidence=0.93,
        published_at=datetime(2024, 3, 28, 1, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        date_source="meta:article:published_time", author="雷军", captions=("图一 小米", "图二"),
        attribution_url="https://wire.example/a", attribution_text="来源：新华社",
        fetched_at=datetime(2024, 3, 29, 8, 0, tzinfo=UTC), content_hash="abc123",
        content_type="repost", platform_id="P1", likes=0, shares=12, comments=None, views=None,
    )
    store.write([Enriched(doc)], "run-1")
    (back,) = store.get_documents(["doc-all-fields"])
    assert back == doc
    # Equality of datetimes compares instants; the publisher's offset must survive too.
    assert back.published_at is not None and back.published_at.utcoffset() == timedelta(hours=8)
    assert back.captions == ("图一 小米", "图二")
    # Missing engagement stays NULL, an explicit 0 stays 0.
    row = store.query("SELECT likes, shares, comments, views, first_run_id FROM documents").to_pylist()[0]
    assert row == {"likes": 0, "shares": 12, "comments": None, "views": None, "first_run_id": "run-1"}
    # Every Document field has a column (source becomes source_id).
    columns = set(store.query("DESCRIBE documents").column("column_name").to_pylist())
    assert {f.name for f in fields(Document)} - {"source"} <= columns


def test_store_duckdb_write_is_idempotent(store: DuckDBStore) -> None:
    batch = [make_doc(n) for n in range(5)]
    first = store.write(batch, "run-1")
    assert first == WriteResult(new=5, known=0, mentions=5)
    before = {t: count(store, t) for t in ("documents", "mentions", "links", "sources")}
    second = store.write(batch, "run-2")
    assert second == WriteResult(new=0, known=5, mentions=0)
    assert {t: count(store, t) for t in before} == before == {
        "documents": 5, "mentions": 5, "links": 5, "sources": 1}
    # Known documents are left alone: still credited to the first run.
    runs = store.query("SELECT DISTINCT first_run_id FROM documents").column(0).to_pylist()
    assert runs == ["run-1"]


def test_store_duckdb_mixed_batch_counts_new_and_known(store: DuckDBStore) -> None:
    store.write([make_doc(0), make_doc(1)], "run-1")
    result = store.write([make_doc(1), make_doc(2), make_doc(3)], "run-2")
    assert result == WriteResult(new=2, known=1, mentions=2)
    assert count(store, "documents") == 4


def test_store_duckdb_duplicates_within_a_batch_count_once(store: DuckDBStore) -> None:
    a = make_doc(7)
    again = make_doc(7, origin="sitemap.xml#7")  # same id, found through another input
    result = store.write([a, again, make_doc(8)], "run-1")
    assert result == WriteResult(new=2, known=0, mentions=2, duplicates=1)
    assert count(store, "documents") == 2
    origins = store.query("SELECT origin FROM documents ORDER BY origin").column(0).to_pylist()
    assert origins == ["synthetic#7", "synthetic#8"]  # the first copy wins


def test_store_duckdb_failed_batch_leaves_nothing_half_written(store: DuckDBStore) -> None:
    good = make_doc(1)
    bad_link = Link(good.document.id, None, "duplicate", None, "x")  # type: ignore[arg-type]
    broken = replace(make_doc(2), links=(bad_link,))  # score is NOT NULL: the last insert fails
    with pytest.raises(duckdb.ConstraintException):
        store.write([good, broken], "run-1")
    for table in ("documents", "mentions", "links", "sources"):
        assert count(store, table) == 0, table
    # The store is usable afterwards and the same documents are new, not "known".
    assert store.write([good], "run-2") == WriteResult(new=1, known=0, mentions=1)


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
        assert new.write([make_doc(1)], "run-2").known == 1


def test_store_duckdb_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "newer.duckdb"
    DuckDBStore(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_migrations VALUES (999, 'from the future', now())")
    con.close()
    with pytest.raises(ConfigError, match="newer limelight") as info:
        DuckDBStore(path)
    assert "upgrade limelight" in info.value.hint


def test_store_duckdb_refuses_a_foreign_database(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE sales (x INTEGER)")
    con.close()
    with pytest.raises(ConfigError, match="not a limelight store"):
        DuckDBStore(path)


def test_store_duckdb_read_only_needs_an_existing_store(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot open"):
        DuckDBStoreFactory().open(tmp_path / "missing.duckdb", read_only=True)


def test_store_duckdb_errors_are_written(store: DuckDBStore) -> None:
    run_id = store.start_run(["feeds.txt"], {"ingest.batch_size": 2})
    store.write_errors([ItemError("a.html", "extract", "no text found", "is it a login page?"),
                        ItemError("b.html", "source", "not UTF-8")], run_id)
    store.write_errors([], run_id)
    rows = store.query("SELECT run_id, origin, stage, message, hint FROM errors ORDER BY origin").to_pylist()
    assert rows == [
        {"run_id": run_id, "origin": "a.html", "stage": "extract", "message": "no text found",
         "hint": "is it a login page?"},
        {"run_id": run_id, "origin": "b.html", "stage": "source", "message": "not UTF-8", "hint": ""},
    ]


def test_store_duckdb_runs_are_recorded(store: DuckDBStore) -> None:
    run_id = store.start_run(["a/", "b.warc.gz"], {"languages": ["de", "zh"]})
    store.finish_run(run_id, {"new": 3, "errors": 1})
    (row,) = store.query("SELECT * FROM ingest_runs").to_pylist()
    assert row["inputs"] == ["a/", "b.warc.gz"]
    assert json.loads(row["settings"]) == {"languages": ["de", "zh"]}
    assert json.loads(row["stats"]) == {"new": 3, "errors": 1}
    assert row["finished_at"] >= row["started_at"]


def test_store_duckdb_sync_watchlist_replaces_entities(store: DuckDBStore) -> None:
    store.sync_watchlist(Watchlist.from_dict({"entity": [
        {"id": "xiaomi", "kind": "org", "name": "Xiaomi", "aliases": ["小米"]},
        {"id": "lei-jun", "kind": "person", "name": "Lei Jun", "parent": "xiaomi"},
    ]}))
    store.sync_watchlist(Watchlist.from_dict({"entity": [
        {"id": "xiaomi", "kind": "org", "name": "Xiaomi Corp", "aliases": ["小米"]},
    ]}))
    rows = store.query("SELECT id, name, aliases, parent FROM entities").to_pylist()
    assert rows == [
        {"id": "xiaomi", "name": "Xiaomi Corp", "aliases": ["Xiaomi Corp", "小米"], "parent": None}
    ]


def test_store_duckdb_write_links_skips_stored_links(store: DuckDBStore) -> None:
    store.write([make_doc(1), make_doc(2)], "run-1")
    a, b = make_doc(1).document.id, make_doc(2).document.id
    link = Link(a, b, "same_story", 0.9, "cosine 0.9")
    assert store.write_links([link, link], "run-2") == 1
    assert store.write_links([link], "run-3") == 0
    assert count(store, "links") == 3


def test_store_duckdb_naive_datetimes_are_read_as_utc(store: DuckDBStore) -> None:
    item = make_doc(1, published_at=datetime(2024, 5, 1, 12, 0))
    store.write([item], "run-1")
    (back,) = store.get_documents([item.document.id])
    assert back.published_at == datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)  # noqa: UP017
    offset = store.query("SELECT published_offset FROM documents").column(0)[0].as_py()
    assert offset is None  # the offset was not known, so none is claimed


def test_store_duckdb_repeats_across_batches_of_one_run_are_duplicates(store: DuckDBStore) -> None:
    # A document an earlier batch of the same run stored is no "already known" document: the run
    # summary lost these (53,330 items: 53,116 new, 53 known, 0 failed; 161 counted nowhere).
    assert store.write([make_doc(1), make_doc(2)], "run-1") == WriteResult(new=2, known=0, mentions=2)
    again = store.write([make_doc(2), make_doc(3), make_doc(3)], "run-1")
    assert again == WriteResult(new=1, known=0, mentions=1, duplicates=2)
    later = store.write([make_doc(1), make_doc(4)], "run-2")
    assert later == WriteResult(new=1, known=1, mentions=1, duplicates=0)


def test_store_duckdb_known_raw_maps_raw_keys_to_documents(store: DuckDBStore) -> None:
    a = replace(make_doc(1), extra=(("raw_key", "k1"), ("from_feed_summary", "1")))
    b = replace(make_doc(2), extra=(("raw_key", "k2"),))
    store.write([a, b, replace(make_doc(2), extra=(("raw_key", "k2b"),))], "run-1")
    assert store.known_raw(["k1", "k2", "k2b", "nope"]) == {
        "k1": a.document.id, "k2": b.document.id, "k2b": b.document.id}
    assert store.known_raw(["k1"], exclude_run="run-1") == {}  # this run's own: duplicates, not known
    # The key goes to raw_inputs; the document's extra keeps only what describes the document.
    extra = store.query("SELECT extra FROM documents WHERE id = ?", [a.document.id]).column(0)[0].as_py()
    assert json.loads(extra) == {"from_feed_summary": "1"}
    assert store.query("SELECT extra FROM documents WHERE id = ?", [b.document.id]).column(0)[0].as_py() is None
    # A raw key whose document is gone is not known.
    store.query("DELETE FROM documents WHERE id = ?", [a.document.id])
    assert store.known_raw(["k1"]) == {}
