"""One contract for every registered store, run on each (DuckDB always, PostgreSQL when
LIMELIGHT_TEST_POSTGRES names a server: tests/conftest.py). The documents are synthetic, made up
here; raw SQL in these tests is canonical (DuckDB's) and goes through the store's own dialect."""

from __future__ import annotations

import inspect
import json
import math
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from limelight.errors import ConfigError
from limelight.models import Document, Enriched, ItemError, Link, Mention, Source, content_hash, document_id
from limelight.registry import registry
from limelight.scope import Scope
from limelight.store.arrow import batch_tables, shard_files, write_shard
from limelight.store.base import LinkUpdate, Store, WriteResult
from limelight.store.dialect import translate
from limelight.store.reads import load
from limelight.store.schema import MIGRATIONS, WRITE_SCHEMAS
from limelight.timeseries.series import LOCAL
from limelight.watchlist import Watchlist

REPO = Path(__file__).resolve().parents[1]
STORES = sorted(plugin.name for kind, plugin in registry if kind == "store")
SOURCE = Source.make("web", "example.org", "Example News")


@dataclass(frozen=True)
class Target:
    """Where a contract test puts a store of one registered kind."""

    name: str
    location: Path | str

    def open(self, *, read_only: bool = False) -> Store:
        store: Store = registry.get("store", self.name).open(self.location, read_only=read_only)
        return store


@pytest.fixture(params=STORES)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    name = request.param
    if name == "duckdb":
        return Target(name, tmp_path / "project" / "limelight.duckdb")
    if name == "postgresql":
        return Target(name, request.getfixturevalue("postgres_url"))
    pytest.fail(f"no contract target for the registered store {name!r}: add one to tests/test_store_contract.py")


@pytest.fixture
def store(target: Target) -> Iterator[Store]:
    s = target.open()
    yield s
    s.close()


@pytest.fixture
def reference(tmp_path: Path) -> Iterator[Store]:
    """A DuckDB store (the reference implementation) to compare another store's results with."""
    s = Target("duckdb", tmp_path / "reference" / "limelight.duckdb").open()
    yield s
    s.close()


def sql(store: Store, canonical: str, params: dict[str, Any] | None = None) -> pa.Table:
    """Canonical SQL with $name parameters, run in the store's own dialect."""
    return store.query(translate(canonical, store.dialect), params or {})  # type: ignore[arg-type]


def count(store: Store, table: str) -> int:
    return int(sql(store, f"SELECT count(*) AS n FROM {table}").column("n")[0].as_py())


def make_doc(n: int, **changes: Any) -> Enriched:
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
    doc = replace(doc, **changes)
    mention = Mention(doc.id, "xiaomi", "Xiaomi", "Xiaomi", "title", 0, 6, "headline", title)
    link = Link(doc.id, None, "attribution", 1.0, "Source: wire", to_url="https://wire.example/1")
    return Enriched(doc, (mention,), (link,))


# -- schema -----------------------------------------------------------------------------------------


def test_store_contract_is_a_store(store: Store) -> None:
    assert isinstance(store, Store)
    assert store.schema_version == MIGRATIONS[-1].version
    assert store.dialect in ("duckdb", "postgres")
    assert set(load()) <= store.reads


def test_store_contract_migrates_from_empty_and_reopens(target: Target) -> None:
    versions = [m.version for m in MIGRATIONS]
    with target.open() as s:
        assert sql(s, "SELECT version FROM schema_migrations ORDER BY version").column(0).to_pylist() == versions
        assert count(s, "documents") == 0
        s.write([make_doc(1)], "run-1")
    for _ in range(2):  # reopening applies nothing twice and keeps what is stored
        with target.open() as s:
            assert sql(s, "SELECT version FROM schema_migrations ORDER BY version").column(0).to_pylist() == versions
            assert count(s, "documents") == 1
    with target.open(read_only=True) as s:
        assert count(s, "documents") == 1


def test_store_contract_write_schemas_match_tables(store: Store) -> None:
    # Each table has the writer's columns, and reads give them back with the writer's Arrow types
    # (DuckDB scans its batches without a cast; another store converts to the same types).
    for table, schema in WRITE_SCHEMAS.items():
        empty = sql(store, f"SELECT * FROM {table} LIMIT 0")
        assert set(schema.names) <= set(empty.column_names), table
        assert empty.select(schema.names).schema.types == schema.types, table
    # Every Document field has a column (source becomes source_id).
    columns = set(sql(store, "SELECT * FROM documents LIMIT 0").column_names)
    assert {f.name for f in fields(Document)} - {"source"} <= columns


def test_store_contract_refuses_a_newer_schema(target: Target) -> None:
    with target.open() as s:
        sql(s, "INSERT INTO schema_migrations VALUES (999, 'from the future', now())")
    with pytest.raises(ConfigError, match="newer limelight") as info:
        target.open()
    assert "upgrade limelight" in info.value.hint


# -- writes -----------------------------------------------------------------------------------------


def test_store_contract_write_is_idempotent(store: Store) -> None:
    batch = [make_doc(n) for n in range(5)]
    assert store.write(batch, "run-1") == WriteResult(new=5, known=0, mentions=5)
    before = {t: count(store, t) for t in ("documents", "mentions", "links", "sources")}
    assert store.write(batch, "run-2") == WriteResult(new=0, known=5, mentions=0)
    assert {t: count(store, t) for t in before} == before == {
        "documents": 5, "mentions": 5, "links": 5, "sources": 1}
    # Known documents are left alone: still credited to the first run.
    assert sql(store, "SELECT DISTINCT first_run_id FROM documents").column(0).to_pylist() == ["run-1"]


def test_store_contract_mixed_batch_counts_new_and_known(store: Store) -> None:
    store.write([make_doc(0), make_doc(1)], "run-1")
    assert store.write([make_doc(1), make_doc(2), make_doc(3)], "run-2") == WriteResult(new=2, known=1, mentions=2)
    assert count(store, "documents") == 4


def test_store_contract_duplicates_within_a_batch_count_once(store: Store) -> None:
    again = make_doc(7, origin="sitemap.xml#7")  # same id, found through another input
    assert store.write([make_doc(7), again, make_doc(8)], "run-1") == WriteResult(
        new=2, known=0, mentions=2, duplicates=1)
    origins = sql(store, "SELECT origin FROM documents ORDER BY origin").column(0).to_pylist()
    assert origins == ["synthetic#7", "synthetic#8"]  # the first copy wins


def test_store_contract_repeats_across_batches_of_one_run_are_duplicates(store: Store) -> None:
    assert store.write([make_doc(1), make_doc(2)], "run-1") == WriteResult(new=2, known=0, mentions=2)
    assert store.write([make_doc(2), make_doc(3), make_doc(3)], "run-1") == WriteResult(
        new=1, known=0, mentions=1, duplicates=2)
    assert store.write([make_doc(1), make_doc(4)], "run-2") == WriteResult(new=1, known=1, mentions=1)


def test_store_contract_failed_batch_leaves_nothing_half_written(store: Store) -> None:
    good = make_doc(1)
    bad_link = Link(good.document.id, None, "duplicate", None, "x")  # type: ignore[arg-type]
    broken = replace(make_doc(2), links=(bad_link,))  # score is NOT NULL: the links insert fails
    with pytest.raises(Exception, match=r"(?i)null"):
        store.write([good, broken], "run-1")
    for table in ("documents", "mentions", "links", "sources", "raw_inputs"):
        assert count(store, table) == 0, table
    # The store is usable afterwards and the same documents are new, not "known".
    assert store.write([good], "run-2") == WriteResult(new=1, known=0, mentions=1)


def test_store_contract_write_with_replace_replaces_and_keeps_the_first_run(store: Store) -> None:
    old = make_doc(1)
    store.write([old, make_doc(2)], "run-1")
    store.write_embeddings([old.document.id], "m", [[1.0, 0.0]])
    store.replace_stories([(old.document.id, "s1", "test")])
    fixed = replace(old, document=replace(old.document, text="Corrected lead about Xiaomi.", author="Desk"),
                    mentions=(Mention(old.document.id, "xiaomi", "Xiaomi", "Xiaomi", "text", 15, 21, "lead",
                                      "Corrected lead about Xiaomi."),), links=())
    # Without replace a known document is left as it is.
    assert store.write([fixed], "run-2") == WriteResult(new=0, known=1, mentions=0)
    assert store.get_documents([old.document.id])[0].text == old.document.text
    # With it (ingest --reprocess) the document and what derives from it are replaced, once a run.
    assert store.write([fixed, fixed], "run-3", replace=True) == WriteResult(new=1, known=0, mentions=1,
                                                                            duplicates=1)
    (back,) = store.get_documents([old.document.id])
    assert (back.text, back.author) == ("Corrected lead about Xiaomi.", "Desk")
    rows = sql(store, "SELECT first_run_id FROM documents WHERE id = $id", {"id": old.document.id}).to_pylist()
    assert rows == [{"first_run_id": "run-1"}]
    mentions = sql(store, "SELECT field, role FROM mentions WHERE document_id = $id", {"id": old.document.id})
    assert mentions.to_pylist() == [{"field": "text", "role": "lead"}]
    for table, column in (("links", "from_id"), ("embeddings", "document_id"), ("stories", "document_id")):
        n = sql(store, f"SELECT count(*) AS n FROM {table} WHERE {column} = $id", {"id": old.document.id})
        assert n.column("n")[0].as_py() == 0, table
    # The same batch again in that run: duplicates, not replaced again.
    assert store.write([fixed], "run-3", replace=True) == WriteResult(new=0, known=0, mentions=0, duplicates=1)


def test_store_contract_feed_summary_is_replaced_by_its_page(store: Store) -> None:
    summary = replace(make_doc(1), extra=(("from_feed_summary", "1"),))
    store.write([summary], "run-1")
    page = replace(make_doc(1), document=replace(make_doc(1).document, text="The whole article about Xiaomi."))
    assert store.write([page], "run-2").new == 1
    assert store.get_documents([page.document.id])[0].text == "The whole article about Xiaomi."
    assert store.write([summary], "run-3") == WriteResult(new=0, known=1, mentions=0)  # a page is not undone


def test_store_contract_remove_unproduced_after_reprocess(store: Store) -> None:
    a1, a2 = make_doc(1, origin="a.ndjson:1"), make_doc(2, origin="a.ndjson:2")
    b1, other = make_doc(3, origin="b.ndjson#1"), make_doc(4, origin="ab.ndjson:1")
    store.write([a1, a2, b1, other], "run-1")
    store.write([a1], "run-2", replace=True)  # the corrected mapping no longer makes a2
    assert store.remove_unproduced(["a.ndjson", "b.ndjson"], "run-2") == 2
    left = sql(store, "SELECT origin FROM documents ORDER BY origin").column(0).to_pylist()
    assert left == ["a.ndjson:1", "ab.ndjson:1"]  # ab.ndjson is another input, not a.ndjson's record
    assert count(store, "mentions") == 2
    assert store.remove_unproduced([], "run-2") == 0


def test_store_contract_errors_are_recorded_once(store: Store) -> None:
    run_1 = store.start_run(["feeds.txt"], {"ingest.batch_size": 2})
    errors = [ItemError("a.html", "extract", "no text found", "is it a login page?"),
              ItemError("b.html", "source", "not UTF-8")]
    store.write_errors(errors + errors[:1], run_1)
    store.write_errors(errors[:1], run_1)  # the same run again: no second sighting
    store.write_errors([], run_1)
    rows = sql(store, "SELECT run_id, origin, stage, message, hint, last_run_id, seen FROM errors "
                      "ORDER BY origin").to_pylist()
    assert rows == [
        {"run_id": run_1, "origin": "a.html", "stage": "extract", "message": "no text found",
         "hint": "is it a login page?", "last_run_id": run_1, "seen": 1},
        {"run_id": run_1, "origin": "b.html", "stage": "source", "message": "not UTF-8", "hint": "",
         "last_run_id": run_1, "seen": 1},
    ]
    store.write_errors(errors[:1], "run-2")
    again = sql(store, "SELECT run_id, last_run_id, seen FROM errors WHERE origin = 'a.html'").to_pylist()
    assert again == [{"run_id": run_1, "last_run_id": "run-2", "seen": 2}]


def test_store_contract_known_raw_maps_raw_keys_to_documents(store: Store) -> None:
    a = replace(make_doc(1), extra=(("raw_key", "k1"), ("from_feed_summary", "1")))
    b = replace(make_doc(2), extra=(("raw_key", "k2"),))
    store.write([a, b, replace(make_doc(2), extra=(("raw_key", "k2b"),))], "run-1")
    assert store.known_raw(["k1", "k2", "k2b", "nope"]) == {
        "k1": a.document.id, "k2": b.document.id, "k2b": b.document.id}
    assert store.known_raw(["k1"], exclude_run="run-1") == {}  # this run's own: duplicates, not known
    assert store.known_raw([]) == {}
    # The key goes to raw_inputs; the document's extra keeps only what describes the document.
    extra = sql(store, "SELECT extra FROM documents WHERE id = $id", {"id": a.document.id}).column(0)[0].as_py()
    assert json.loads(extra) == {"from_feed_summary": "1"}
    assert sql(store, "SELECT extra FROM documents WHERE id = $id", {"id": b.document.id}).column(0)[0].as_py() is None
    # A raw key whose document is gone is not known.
    store.write([a], "run-2", replace=True)
    store.remove_unproduced(["synthetic#2"], "run-2")
    assert store.known_raw(["k1", "k2"]) == {"k1": a.document.id}


def test_store_contract_sync_watchlist_and_fingerprints(store: Store) -> None:
    store.sync_watchlist(Watchlist.from_dict({"entity": [
        {"id": "xiaomi", "kind": "org", "name": "Xiaomi", "aliases": ["小米"]},
        {"id": "lei-jun", "kind": "person", "name": "Lei Jun", "parent": "xiaomi"},
    ]}), {"xiaomi": "fp-x", "lei-jun": "fp-l"})
    assert store.entity_fingerprints() == {"xiaomi": "fp-x", "lei-jun": "fp-l"}
    # Without fingerprints the stored ones are kept; a new entity has none, a removed one goes.
    store.sync_watchlist(Watchlist.from_dict({"entity": [
        {"id": "xiaomi", "kind": "org", "name": "Xiaomi Corp", "aliases": ["小米"]},
        {"id": "redmi", "kind": "product", "name": "Redmi", "competitors": ["xiaomi"]},
    ]}))
    assert store.entity_fingerprints() == {"xiaomi": "fp-x", "redmi": None}
    rows = sql(store, "SELECT id, name, aliases, parent, competitors FROM entities ORDER BY id").to_pylist()
    assert rows == [
        {"id": "redmi", "name": "Redmi", "aliases": ["Redmi"], "parent": None, "competitors": ["xiaomi"]},
        {"id": "xiaomi", "name": "Xiaomi Corp", "aliases": ["Xiaomi Corp", "小米"], "parent": None,
         "competitors": []},
    ]


def test_store_contract_documents_mentioning_count_and_scan(store: Store) -> None:
    docs = [make_doc(n) for n in range(7)]
    extra = Mention(docs[3].document.id, "lei-jun", "Lei Jun", "Lei Jun", "text", 0, 7, "quoted", "Lei Jun said.")
    store.write([*docs[:3], replace(docs[3], mentions=(*docs[3].mentions, extra)), *docs[4:]], "run-1")
    assert store.documents_mentioning(["lei-jun"]) == [docs[3].document.id]
    assert store.documents_mentioning(["xiaomi", "lei-jun"]) == sorted(d.document.id for d in docs)
    assert store.documents_mentioning([]) == []
    assert store.count_documents() == 7
    batches = list(store.scan_documents(3))
    assert [len(b) for b in batches] == [3, 3, 1]
    scanned = [d for b in batches for d in b]
    assert [d.id for d in scanned] == sorted(d.document.id for d in docs)
    assert {d.id: d for d in scanned} == {d.document.id: d.document for d in docs}


def test_store_contract_update_tone_and_replace_mentions_keeps_tone(store: Store) -> None:
    item = make_doc(1)
    store.write([item], "run-1")
    assert not store.has_toned_mentions()
    (mention,) = item.mentions
    store.update_tone(pa.table({"id": [mention.id], "tone": [-0.5], "tone_label": ["negative"]}),
                      pa.table({"id": [item.document.id], "tone": [0.25], "tone_label": ["positive"]}))
    assert store.has_toned_mentions()
    (back,) = store.get_documents([item.document.id])
    assert (back.tone, back.tone_label) == (0.25, "positive")
    # The unchanged mention keeps its tone, a new one has none, a vanished one goes.
    new = Mention(item.document.id, "lei-jun", "Lei Jun", "Lei Jun", "text", 0, 7, "quoted", "Lei Jun said.")
    assert store.replace_mentions([item.document.id], [mention, new, new]) == (0, 1)
    rows = sql(store, "SELECT entity_id, tone, tone_label FROM mentions ORDER BY entity_id").to_pylist()
    assert rows == [{"entity_id": "lei-jun", "tone": None, "tone_label": None},
                    {"entity_id": "xiaomi", "tone": -0.5, "tone_label": "negative"}]
    assert store.replace_mentions([item.document.id], [new]) == (1, 0)
    assert count(store, "mentions") == 1
    store.update_tone(pa.table({"id": pa.array([], pa.string()), "tone": pa.array([], pa.float64()),
                                "tone_label": pa.array([], pa.string())}),
                      pa.table({"id": [item.document.id], "tone": [None], "tone_label": [None]},
                               schema=pa.schema([("id", pa.string()), ("tone", pa.float64()),
                                                 ("tone_label", pa.string())])))
    assert store.get_documents([item.document.id])[0].tone is None


def test_store_contract_write_links_skips_stored_links(store: Store) -> None:
    store.write([make_doc(1), make_doc(2)], "run-1")
    a, b = make_doc(1).document.id, make_doc(2).document.id
    link = Link(a, b, "same_story", 0.9, "cosine 0.9")
    by_url = Link(a, None, "attribution", 1.0, "Quelle: dpa", to_url="https://dpa.example/x")
    assert store.write_links([link, link, by_url], "run-2") == 2
    assert store.write_links([link, by_url], "run-3") == 0
    assert store.write_links([], "run-3") == 0
    assert count(store, "links") == 4
    rows = sql(store, "SELECT kind, run_id FROM links WHERE to_id = $b", {"b": b}).to_pylist()
    assert rows == [{"kind": "same_story", "run_id": "run-2"}]


def test_store_contract_write_embeddings_keeps_stored_pairs(store: Store) -> None:
    store.write([make_doc(1), make_doc(2)], "run-1")
    a, b = make_doc(1).document.id, make_doc(2).document.id
    assert store.write_embeddings([a, b, a], "e5", [[0.5, -1.0, 0.25], [1.0, 2.0, 3.0], [9.0, 9.0, 9.0]]) == 2
    assert store.write_embeddings([a], "e5", [[7.0, 7.0, 7.0]]) == 0
    assert store.write_embeddings([a], "other", [[1.0, 1.0, 1.0]]) == 1
    assert store.write_embeddings([], "e5", []) == 0
    rows = sql(store, "SELECT vector FROM embeddings WHERE document_id = $a AND model = 'e5'", {"a": a}).to_pylist()
    assert rows == [{"vector": [0.5, -1.0, 0.25]}]  # the batch's first vector, as float32 values


def test_store_contract_replace_stories(store: Store) -> None:
    assert store.replace_stories([("d1", "s1", "minhash"), ("d2", "s1", "minhash")]) == 2
    assert store.replace_stories([("d3", "s2", "embedding")]) == 1
    assert sql(store, "SELECT document_id, story_id, method FROM stories").to_pylist() == [
        {"document_id": "d3", "story_id": "s2", "method": "embedding"}]
    assert store.replace_stories([]) == 0
    assert count(store, "stories") == 0


# -- what comes back --------------------------------------------------------------------------------


def test_store_contract_round_trips_every_document_field(store: Store) -> None:
    source = Source(id="s1", platform="weibo", handle="1749127163", name="Lei Jun", owner_entity="lei-jun",
                    official=True)
    doc = Document(
        id="doc-all-fields", kind="post", origin="export.ndjson:3", source=source,
        text="第一段。\n第二段。", title="标题", url="https://weibo.example/p/1",
        canonical_url="https://weibo.example/p/1", language="zh", language_confidence=0.93,
        published_at=datetime(2024, 3, 28, 1, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        date_source="meta:article:published_time", author="雷军", captions=("图一 小米", "图二", ""),
        attribution_url="https://wire.example/a", attribution_text="来源：新华社",
        fetched_at=datetime(2024, 3, 29, 8, 0, tzinfo=UTC), content_hash="abc123",
        content_type="repost", platform_id="P1", likes=0, shares=12, comments=None, views=2**40,
    )
    west = replace(doc, id="doc-west", published_at=datetime(1969, 12, 31, 20, 15, 30, 123456,
                                                             tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
                   captions=(), title=None, url=None, canonical_url=None, author="", views=None)
    naive = replace(doc, id="doc-naive", published_at=datetime(2024, 5, 1, 12, 0), fetched_at=None)
    store.write([Enriched(doc, extra=(("feed", "rss"), ("note", 'a "quoted" \\ value'))), Enriched(west),
                 Enriched(naive)], "run-1")
    back = store.get_documents(["doc-naive", "missing", "doc-all-fields", "doc-west"])
    assert [d.id for d in back] == ["doc-naive", "doc-all-fields", "doc-west"]  # order asked, unknown left out
    assert back[1] == doc and back[2] == west
    # Equality of datetimes compares instants; the publisher's offset must survive too.
    assert back[1].published_at is not None and back[1].published_at.utcoffset() == timedelta(hours=8)
    assert back[2].published_at is not None and back[2].published_at.utcoffset() == timedelta(hours=-5, minutes=-30)
    assert back[2].published_at.microsecond == 123456
    # A naive datetime is taken as UTC, and no offset is claimed for it.
    assert back[0].published_at == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert back[0].fetched_at is None
    offsets = sql(store, "SELECT id, published_offset FROM documents ORDER BY id").to_pylist()
    assert offsets == [{"id": "doc-all-fields", "published_offset": 8 * 3600},
                       {"id": "doc-naive", "published_offset": None},
                       {"id": "doc-west", "published_offset": -(5 * 3600 + 1800)}]
    row = sql(store, "SELECT likes, shares, comments, views, first_run_id, extra FROM documents "
                     "WHERE id = 'doc-all-fields'").to_pylist()[0]
    assert json.loads(row.pop("extra")) == {"feed": "rss", "note": 'a "quoted" \\ value'}
    assert row == {"likes": 0, "shares": 12, "comments": None, "views": 2**40, "first_run_id": "run-1"}
    assert store.get_documents([]) == []


def test_store_contract_unicode_nul_and_huge_text(store: Store) -> None:
    huge = ("Xiaomi 小米 Tiếng Việt ﷽ 👩🏽‍💻 " * 40_000) + "end"  # ~1.2M characters
    text = "before\x00after\r\n\ttab \\N \\. , \"q\" 'a' {x} [y] ∅ \u200b\u2028 " + huge
    caption = 'cap,\x00"quoted" {brace} \\ back'
    item = make_doc(1)
    item = replace(item, document=replace(item.document, text=text, title="\\.", captions=(caption, "NULL", "")))
    store.write([item], "run-1")
    (back,) = store.get_documents([item.document.id])
    # NUL is dropped where the backend cannot keep it (PostgreSQL text), kept where it can;
    # everything else comes back exactly.
    assert back.text.replace("\x00", "") == text.replace("\x00", "")
    assert back.text in (text, text.replace("\x00", ""))
    assert back.title == "\\."
    assert [c.replace("\x00", "") for c in back.captions] == [caption.replace("\x00", ""), "NULL", ""]
    assert len(back.text) >= len(huge)


def test_store_contract_query_results_keep_types_and_values(store: Store) -> None:
    store.write([make_doc(1), make_doc(2, title=None, published_at=None)], "run-1")
    got = sql(store, """SELECT title, CAST(NULL AS VARCHAR) AS nothing, '' AS empty, 'a
b,"c" 100%' AS odd, published_offset, likes, CAST(1.5 AS DOUBLE) AS f, title LIKE '%story%' AS hit,
        published_at, captions FROM documents ORDER BY origin""")
    assert got.schema.types == [pa.string(), pa.string(), pa.string(), pa.string(), pa.int32(), pa.int64(),
                                pa.float64(), pa.bool_(), pa.timestamp("us", tz="UTC"), pa.list_(pa.string())]
    assert got.to_pylist() == [
        {"title": "Xiaomi story 1", "nothing": None, "empty": "", "odd": 'a\nb,"c" 100%', "published_offset": 0,
         "likes": None, "f": 1.5, "hit": True, "published_at": datetime(2024, 3, 5, 9, 0, tzinfo=UTC), "captions": []},
        {"title": None, "nothing": None, "empty": "", "odd": 'a\nb,"c" 100%', "published_offset": None,
         "likes": None, "f": 1.5, "hit": None, "published_at": None, "captions": []},
    ]
    # One NULL column, no rows, a name twice: still the right shape.
    assert sql(store, "SELECT title FROM documents WHERE title IS NULL").to_pylist() == [{"title": None}]
    empty = sql(store, "SELECT id, published_at FROM documents WHERE id = 'none'")
    assert empty.num_rows == 0 and empty.schema.types == [pa.string(), pa.timestamp("us", tz="UTC")]
    assert sql(store, "SELECT id, id FROM documents LIMIT 1").column_names == ["id", "id"]
    assert sql(store, "SELECT count(*) AS n FROM documents").schema.types == [pa.int64()]




def test_store_contract_list_results_keep_every_value(store: Store) -> None:
    # Lists are what the lineage and evidence reads return; hostile text inside them (quotes, a
    # backslash, a newline, a comma, braces, non-Latin script), NULL elements, an empty list and a
    # NULL list must come back as they went in, in a column of the same list type.
    odd = ['say "hi"', "back\\slash", "two\nlines", "a,b", "{x}", "雷军 Lôi Quân", ""]
    store.write([make_doc(1, captions=tuple(odd)), make_doc(2, captions=())], "run-1")
    got = sql(store, """SELECT id, captions, CAST(NULL AS VARCHAR[]) AS nothing,
        list_prepend(CAST(NULL AS VARCHAR), captions) AS more, [1, 2, NULL] AS ints,
        [CAST(0.5 AS DOUBLE), -2.0] AS floats, [true, NULL] AS flags
        FROM documents ORDER BY id""")
    assert got.schema.types == [pa.string(), pa.list_(pa.string()), pa.list_(pa.string()), pa.list_(pa.string()),
                                pa.list_(pa.int32()), pa.list_(pa.float64()), pa.list_(pa.bool_())]
    ids = got.column("id").to_pylist()
    assert got.to_pylist() == [
        {"id": ids[0], "captions": odd, "nothing": None, "more": [None, *odd], "ints": [1, 2, None],
         "floats": [0.5, -2.0], "flags": [True, None]},
        {"id": ids[1], "captions": [], "nothing": None, "more": [None], "ints": [1, 2, None],
         "floats": [0.5, -2.0], "flags": [True, None]},
    ]
    # A list of doubles that JSON cannot spell (NaN) still comes back, by the slower row path.
    nan = sql(store, "SELECT [CAST('NaN' AS DOUBLE), 1.0] AS v").column("v").to_pylist()[0]
    assert math.isnan(nan[0]) and nan[1] == 1.0
def _list_params(**changes: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"scope": Scope(), "entities": [], "roles": [], "platforms": [], "after_at": None,
                              "after_id": None, "limit": None, "without_date": "include"}
    return {**params, **changes}


def test_store_contract_read_batches_streams_one_snapshot_in_order(store: Store) -> None:
    odd = ['say "hi"', "two\nlines", "雷军 Lôi Quân", "=HYPERLINK(1)", ""]
    docs = [make_doc(i, captions=tuple(odd[: i % 6]), published_at=None if i % 5 == 0 else
                     datetime(2024, 3, 1, tzinfo=UTC) + timedelta(hours=i // 3)) for i in range(1, 41)]
    store.write(docs, "run-1")
    whole = store.read("lists.documents", **_list_params())
    stream = store.read_batches("lists.documents", batch_rows=7, **_list_params())
    first = next(stream)
    # A write while the stream is open is neither blocked nor seen by it: one snapshot.
    assert store.write([make_doc(99)], "run-2").new == 1
    batches = [first, *stream]
    assert all(0 < b.num_rows <= 7 for b in batches) and sum(b.num_rows for b in batches) == 40
    got = pa.Table.from_batches(batches)
    assert got.schema == whole.schema and got.to_pylist() == whole.to_pylist()
    ids = got.column("id").to_pylist()
    assert ids[-8:] == sorted(d.document.id for d in docs if d.document.published_at is None)  # undated last
    only = pa.Table.from_batches(list(store.read_batches("lists.documents", batch_rows=3,
                                                          **_list_params(without_date="only"))))
    assert only.num_rows == 8 and only.column("published_at").null_count == 8
    # Nothing matches: one empty batch with the columns.
    (empty,) = store.read_batches("lists.mentions", batch_rows=5, **_list_params(entities=["nobody"]))
    assert empty.num_rows == 0 and empty.schema == store.read("lists.mentions", **_list_params()).schema
    # A stream given up half-way ends its read; the store goes on.
    abandoned = store.read_batches("lists.mentions", batch_rows=2, **_list_params())
    assert next(abandoned).num_rows == 2
    abandoned.close()  # type: ignore[attr-defined]
    assert store.count_documents() == 41


def test_store_contract_generation_moves_with_every_write(store: Store) -> None:
    def generation() -> int:
        return int(store.read("core.generation").column("generation")[0].as_py())

    seen = [generation()]
    assert generation() == seen[0]  # reading changes nothing
    run_id = store.start_run(["a"], {})
    store.write([make_doc(1)], run_id)
    store.finish_run(run_id, {"new": 1})
    store.save_search("s", "xiaomi", {}, datetime(2024, 1, 1, tzinfo=UTC))
    store.mark_changed()
    seen.append(generation())
    assert seen[1] >= seen[0] + 5
    store.write([make_doc(1)], run_id)  # a known document: still a write transaction
    assert generation() > seen[1]


# -- runs -------------------------------------------------------------------------------------------


def test_store_contract_runs_are_recorded(store: Store) -> None:
    run_id = store.start_run(["a/", "b.warc.gz"], {"languages": ["de", "zh"], "name": "Bürger \"x\""})
    store.finish_run(run_id, {"new": 3, "errors": 1})
    (row,) = sql(store, "SELECT * FROM ingest_runs").to_pylist()
    assert row["id"] == run_id and row["status"] == "finished"
    assert row["inputs"] == ["a/", "b.warc.gz"]
    assert json.loads(row["settings"]) == {"languages": ["de", "zh"], "name": "Bürger \"x\""}
    assert json.loads(row["stats"]) == {"new": 3, "errors": 1}
    assert row["finished_at"] >= row["started_at"]
    assert row["started_at"].utcoffset() == timedelta(0)


def test_store_contract_a_run_finishes_when_it_says(store: Store) -> None:
    # a backfill of a collection that ended long ago states its end: withdrawal measures up to it
    run_id = store.start_run(["archive.csv"], {})
    ended = datetime(2021, 2, 1, 12, tzinfo=UTC)
    store.finish_run(run_id, {}, finished_at=ended)
    (row,) = sql(store, "SELECT finished_at, status FROM ingest_runs WHERE id = $id", {"id": run_id}).to_pylist()
    assert row["finished_at"] == ended and row["status"] == "finished"


def test_store_contract_a_run_never_finished_is_interrupted(target: Target) -> None:
    with target.open() as s:
        killed = s.start_run(["a/"], {})  # the process dies before finish_run
        s.write([make_doc(1)], killed)
    with target.open() as s:
        run = s.start_run(["a/"], {})
        status = {r["id"]: r["status"] for r in sql(s, "SELECT id, status FROM ingest_runs").to_pylist()}
        assert status == {killed: "interrupted", run: "running"}
        s.finish_run(run, {})
        assert sql(s, "SELECT status FROM ingest_runs WHERE id = $id", {"id": run}).column(0).to_pylist() == [
            "finished"]


# -- bulk load --------------------------------------------------------------------------------------


_SUMMARY = replace(make_doc(20), extra=(("raw_key", "raw-20s"), ("from_feed_summary", "1")))


def _items_for_shards() -> tuple[list[list[Enriched]], list[ItemError]]:
    """Two shards' items: copies within and across shards, raw keys, and the real page of a feed
    summary an earlier run stored (:data:`_SUMMARY`)."""
    items = [replace(make_doc(n), extra=(("raw_key", f"raw-{n}"),)) for n in range(8)]
    page = replace(make_doc(20), document=replace(make_doc(20).document, text="Whole page about Xiaomi."),
                   extra=(("raw_key", "raw-20p"),))
    copy = replace(make_doc(3, origin="sitemap.xml#3"), extra=(("raw_key", "raw-3b"),))
    first = [*items[:5], copy]
    second = [items[4], *items[5:], page, make_doc(30, source=Source.make("weibo", "acct", "Acct"))]
    return [first, second], [ItemError("bad.html", "extract", "no text found", "login page?")]


def _table_rows(store: Store, table: str, columns: str, order: str) -> list[dict[str, Any]]:
    return sql(store, f"SELECT {columns} FROM {table} ORDER BY {order}").to_pylist()


_COMPARED = (
    ("documents", "id, origin, source_id, text, captions, published_at, published_offset, extra, first_run_id",
     "id"),
    ("mentions", "id, document_id, entity_id, surface, role", "id"),
    ("links", "from_id, to_id, to_url, kind, score, evidence, run_id", "from_id, kind, to_url"),
    ("sources", "id, platform, handle, name", "id"),
    ("raw_inputs", "raw_key, document_id, first_run_id", "raw_key"),
    ("errors", "run_id, origin, stage, message, hint, last_run_id, seen", "origin"),
)


def test_store_contract_bulk_load_stores_what_write_stores(store: Store, reference: Store, tmp_path: Path) -> None:
    shards, errors = _items_for_shards()
    for s in (store, reference):
        s.write([_SUMMARY], "run-0")
    files = []
    for i, part in enumerate(shards):
        # What a worker elsewhere does: the shard's tables, written with pyarrow.parquet.
        tables = batch_tables(part, "worker-run", errors if i == 0 else ())
        files.append(write_shard(tmp_path / f"shard-{i}", tables))
        assert pq.read_table(files[-1]["documents"]).num_rows == len(part)
    loaded = store.bulk_load([shard_files(tmp_path / f"shard-{i}") for i in range(len(shards))], "run-1")
    written = [reference.write(part, "run-1") for part in shards]
    reference.write_errors(errors, "run-1")
    assert loaded == WriteResult(new=sum(r.new for r in written), known=sum(r.known for r in written),
                                 mentions=sum(r.mentions for r in written),
                                 duplicates=sum(r.duplicates for r in written))
    assert loaded == WriteResult(new=10, known=0, mentions=10, duplicates=2)
    for table, columns, order in _COMPARED:
        assert _table_rows(store, table, columns, order) == _table_rows(reference, table, columns, order), table
    assert store.get_documents([make_doc(20).document.id])[0].text == "Whole page about Xiaomi."
    # Loading the same shards again (a worker's output retried): everything is known, nothing changes.
    before = {t: count(store, t) for t, _, _ in _COMPARED}
    assert store.bulk_load(files, "run-2") == WriteResult(new=0, known=12, mentions=0)
    assert {t: count(store, t) for t, _, _ in _COMPARED} == before
    assert store.write(shards[1], "run-3") == WriteResult(new=0, known=6, mentions=0)
    assert store.bulk_load([], "run-4") == WriteResult(new=0, known=0, mentions=0)


def test_store_contract_bulk_load_reads_older_and_partial_shards(store: Store, tmp_path: Path) -> None:
    item = replace(make_doc(1), extra=(("raw_key", "k1"),))
    tables = batch_tables([item], "w")
    # A shard written before a migration added tone (columns missing), and one without links.
    old = tables["documents"].drop_columns(["tone", "tone_label"])
    pq.write_table(old, tmp_path / "documents.parquet")
    pq.write_table(tables["sources"], tmp_path / "sources.parquet")
    pq.write_table(tables["mentions"], tmp_path / "mentions.parquet")
    pq.write_table(tables["raw_inputs"], tmp_path / "raw_inputs.parquet")
    assert store.bulk_load([shard_files(tmp_path)], "run-1") == WriteResult(new=1, known=0, mentions=1)
    assert count(store, "links") == 0
    assert store.known_raw(["k1"]) == {"k1": item.document.id}
    with pytest.raises(ValueError, match="notes"):
        store.bulk_load([{"notes": tmp_path / "documents.parquet"}], "run-2")


# -- the incremental link stage ---------------------------------------------------------------------


def test_store_contract_link_updates(store: Store) -> None:
    store.write([make_doc(n) for n in range(4)], "run-1")
    a, b, c, d = (make_doc(n).document.id for n in range(4))
    first = LinkUpdate(linker="dup", run_id="l1", fingerprint="v1", processed=[(a, "ha"), (b, "hb")],
                       add_links=[Link(a, b, "duplicate", 0.9, "minhash 0.9"), Link(a, b, "duplicate", 0.8, "again")],
                       pair_blocks=[5], pairs=[(a, b, 0.9, 5), (a, b, 0.7, 5), (c, d, 0.5, None)],
                       words={"xiaomi": 2, "story": 1}, short_words=[("xiaomi", a), ("xiaomi", a)],
                       stories=[(a, "s1", "words"), (b, "s1", "words")])
    assert store.apply_link_update(first) == 1
    assert store.apply_link_update(replace(first, processed=[(a, "ha2")], pairs=[(a, b, 0.9, 5)],
                                           words={"xiaomi": 3}, short_words=[], stories=None)) == 0
    assert sql(store, "SELECT document_id, content_hash, stale FROM link_state ORDER BY document_id").to_pylist() == \
        sorted([{"document_id": a, "content_hash": "ha2", "stale": False},
                {"document_id": b, "content_hash": "hb", "stale": False}], key=lambda r: r["document_id"])
    pairs = sorted((r["a"], r["b"], r["cosine"], r["block"])
                   for r in sql(store, "SELECT a, b, cosine, block FROM similar_pairs").to_pylist())
    assert pairs == sorted([(a, b, 0.9, 5), (c, d, 0.5, None)], key=lambda p: (p[0], p[1]))
    assert sql(store, "SELECT word, df FROM story_words ORDER BY word").to_pylist() == [
        {"word": "story", "df": 1}, {"word": "xiaomi", "df": 5}]
    assert count(store, "story_short_words") == 1
    assert sql(store, "SELECT fingerprint FROM linker_settings").column(0).to_pylist() == ["v1"]
    # Another linker's change makes the ends of its links stale for this one.
    other = LinkUpdate(linker="stories", run_id="l2", fingerprint="s1", add_links=[Link(b, c, "same_story", 0.6, "x")],
                       stale_for=("dup",), remove_links=[Link(a, b, "duplicate", 0.9, "minhash 0.9")])
    assert store.apply_link_update(other) == 1
    stale = sql(store, "SELECT document_id FROM link_state WHERE stale AND linker = 'dup'").column(0).to_pylist()
    assert sorted(stale) == sorted([a, b])
    assert sql(store, "SELECT kind FROM links WHERE to_id IS NOT NULL").column(0).to_pylist() == ["same_story"]
    # A full run starts the linker from nothing: its state, pairs and owned links, and the stories.
    full = LinkUpdate(linker="dup", run_id="l3", fingerprint="v2", full=True, owned=(("same_story", "x"),),
                      stories=[(c, "s9", "words")])
    assert store.apply_link_update(full) == 0
    assert {t: count(store, t) for t in ("similar_pairs", "story_words", "story_short_words", "stories")} == {
        "similar_pairs": 0, "story_words": 0, "story_short_words": 0, "stories": 1}
    assert sql(store, "SELECT count(*) AS n FROM link_state WHERE linker = 'dup'").column(0)[0].as_py() == 0
    assert sql(store, "SELECT count(*) AS n FROM links WHERE kind = 'same_story'").column(0)[0].as_py() == 0
    store.forget_linker("dup")
    assert sql(store, "SELECT linker FROM linker_settings ORDER BY linker").column(0).to_pylist() == ["stories"]
    # MinHash bands: a text stored already keeps its rows; replace starts over.
    assert store.write_minhash_bands(["h1", "h2"], [[1, 2], [3, 4]]) == 2
    assert store.write_minhash_bands(["h1", "h3"], [[9, 9], [5, 6]]) == 1
    assert sql(store, "SELECT bucket FROM minhash_bands WHERE content_hash = 'h1' ORDER BY band").column(0) \
        .to_pylist() == [1, 2]
    assert store.write_minhash_bands(["h4"], [[7, 8]], replace=True) == 1
    assert count(store, "minhash_bands") == 2


# -- named reads ------------------------------------------------------------------------------------

WATCHLIST = Watchlist.from_dict({"entity": [
    {"id": "kestrel", "kind": "org", "name": "Kestrel", "aliases": ["Kestrel"],
     "accounts": [{"platform": "weibo", "handle": "kestrel"}]},
    {"id": "han", "kind": "person", "name": "Han Zhiyuan", "parent": "kestrel", "aliases": ["Han Zhiyuan"],
     "accounts": [{"platform": "x", "handle": "hanzy"}]},
    {"id": "rival", "kind": "org", "name": "Rival", "aliases": ["Rival"], "competitors": ["kestrel"]},
]})
_SOURCES = (Source.make("web", "example.org", "Example"), Source.make("web", "news.example.com", "News"),
            Source.make("weibo", "kestrel", "Kestrel"), Source.make("x", "hanzy", "Han"))
_ZONES = (UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5)))


def _corpus() -> list[Enriched]:
    """Synthetic coverage over three weeks: articles and posts, three languages, offsets, copies."""
    items = []
    for n in range(18):
        source = _SOURCES[n % 4]
        kind = "article" if source.platform == "web" else "post"
        lang = ("en", "zh", "de")[n % 3]
        title = f"Kestrel story {n // 2}" if kind == "article" else None
        text = f"Kestrel news {n // 2}. Han Zhiyuan said it went well.\nRival replied {n}." if n % 5 else \
            f"Kestrel shares fall {n}.\nRival gains."
        url = f"https://{source.handle}/{n}" if kind == "article" else None
        published = None if n == 7 else datetime(2024, 3, 4, 23, 30, tzinfo=_ZONES[n % 3]) + timedelta(days=n)
        doc = Document(
            id=document_id(url, content_hash(title, text), f"{source.platform}:{n}" if url is None else None),
            kind=kind, origin=f"corpus#{n}", source=source, text=text, title=title, url=url, canonical_url=url,
            language=lang, language_confidence=0.9, published_at=published, content_hash=content_hash(title, text),
            content_type=("repost" if n % 4 == 3 else "post") if kind == "post" else None,
            platform_id=str(n) if kind == "post" else None, likes=n, shares=None if n % 2 else n * 2,
            captions=(f"Kestrel caption {n}",) if n % 6 == 0 else (),
        )
        mentions = [Mention(doc.id, "kestrel", "Kestrel", "Kestrel", "title" if title else "text", 0, 7,
                            "headline" if title else "lead", text.split("\n")[0])]
        if n % 5:
            start = text.index("Han")
            mentions.append(Mention(doc.id, "han", "Han Zhiyuan", "Han Zhiyuan", "text", start, start + 11,
                                    "quoted", text.split("\n")[0]))
        start = text.index("Rival")
        mentions.append(Mention(doc.id, "rival", "Rival", "Rival", "text", start, start + 5, "body",
                                text.split("\n")[1]))
        links = [Link(doc.id, None, "attribution", 1.0, "Source: example", to_url="https://example.org/0")] \
            if n in (2, 4, 6) else []
        items.append(Enriched(doc, tuple(mentions), tuple(links), extra=(("raw_key", f"corpus-{n}"),)))
    return items


def _fill(store: Store) -> list[str]:
    store.sync_watchlist(WATCHLIST, {"kestrel": "fp1"})
    run = store.start_run(["corpus/"], {"synthetic": True})
    items = _corpus()
    store.write(items, run)
    store.finish_run(run, {"new": len(items)})
    ids = [item.document.id for item in items]
    store.write_links([Link(ids[1], ids[3], "duplicate", 0.97, "minhash 0.97"),
                       Link(ids[5], ids[9], "same_story", 0.8, "cosine 0.8"),
                       Link(ids[10], ids[14], "copies_official", 0.9, "minhash 0.9")], "link-run")
    store.replace_stories([(ids[i], "story-a" if i < 6 else "story-b", "test") for i in range(12)])
    store.write_embeddings(ids[:10], "m", [[float(i), 1.0, -1.0] for i in range(10)])
    # Every mention and document toned, each with its own value: evidence lists ordered by tone
    # have no ties, so both stores must pick the same documents.
    mention_ids = [m.id for item in items for m in item.mentions]
    tones = [(-1) ** i * (i + 1) / 100 for i in range(len(mention_ids))]
    store.update_tone(
        pa.table({"id": mention_ids, "tone": tones,
                  "tone_label": ["negative" if t < 0 else "positive" for t in tones]}),
        pa.table({"id": ids, "tone": [i / 50 - 0.2 for i in range(len(ids))], "tone_label": ["neutral"] * len(ids)}))
    hashes = [item.document.content_hash for item in items]
    store.write_minhash_bands(hashes[:8], [[i % 3, i, 7] for i in range(8)])
    store.apply_link_update(LinkUpdate(
        linker="duplicates", run_id="link-run", fingerprint="fp-dup",
        processed=[(ids[i], hashes[i]) for i in range(10)],
        add_links=[Link(ids[2], ids[6], "duplicate", 0.95, "minhash")],
        stale_for=("stories",), pair_blocks=[19787, None],
        pairs=[(min(ids[0], ids[2]), max(ids[0], ids[2]), 0.91, 19787), (min(ids[1], ids[7]), max(ids[1], ids[7]), 0.8,
                                                                          None)],
        words={"kestrel": 12, "story": 5, "rival": 2}, short_words=[("kestrel", ids[3]), ("rival", ids[9])]))
    store.apply_link_update(LinkUpdate(linker="stories", run_id="link-run", fingerprint="fp-st",
                                       processed=[(ids[i], hashes[i]) for i in range(0, 18, 2)]))
    return ids


_SCOPES = (
    Scope(),
    Scope(timezone=LOCAL, since=date(2024, 3, 6), until=date(2024, 3, 18), languages=("en", "zh"),
          sources=("example.org", "weibo/*", "x/hanzy"), kinds=("article", "post")),
    Scope(timezone="Asia/Shanghai", kinds=("post",)),
)


def _examples(ids: list[str], hashes: list[str], scope: Scope) -> dict[str, Any]:
    """Example values for the parameters named reads take, by parameter name (a new read that
    uses a new name fails below until it gets one here)."""
    members, targets = WATCHLIST.members(list(WATCHLIST.entities), include_children=True)
    own = [("kestrel", "weibo", "kestrel"), ("han", "x", "hanzy")]
    return {
        "ids": ids[:12], "among": ids[:12], "chars": 40, "scope": scope, "by": "week", "timezone": "UTC",
        "members": members, "targets": targets, "watched": [e.id for e in WATCHLIST.entities],
        "entity_ids": [e.id for e in WATCHLIST.entities], "entity_names": [e.name for e in WATCHLIST.entities],
        "entities": ["kestrel", "han"], "focal": ["kestrel"], "groups": ["kestrel"], "a": ["kestrel"], "b": ["rival"],
        "weights": {"headline": 3.0, "lead": 2.0, "quoted": 1.5}, "role": None, "weighted": True,
        "evidence_limit": 3, "evidence_mentions": 2, "min_size": 2, "accounts": own, "own": own, "account": None,
        "as_of": date(2024, 3, 25), "storms": [1], "onsets": [date(2024, 3, 5)], "ends": [date(2024, 3, 15)],
        "platforms": ["weibo", "x"], "handles": ["kestrel", "hanzy"], "skip_reposts": True,
        "start": datetime(2024, 3, 1, tzinfo=UTC), "end": datetime(2024, 4, 1, tzinfo=UTC),
        "hashes": hashes, "kinds": ["article", "post"], "kind": "attribution",
        "link_kinds": ["duplicate", "same_story"], "prefixes": ["minhash", "cosine", "Source"], "model": "m",
        "linker": "duplicates", "blocks": [0, 19787], "undated": True, "words": ["kestrel", "story"],
        "low": 1, "high": 100, "everything": True, "all_documents": True, "needs_story": True,
        "after": "", "limit": 5,
        "roles": ["headline", "quoted"], "after_at": datetime(2024, 3, 12, tzinfo=UTC), "after_id": "",
        # search.*: candidates by index words (["words", [[alternatives], ...]], "and", "or"), a keyset
        "plan": ["or", [["and", [["words", [["kestrel"], ["news", "newss"]]], ["words", [["han"]]]]],
                        ["words", [["shares"]]]]],
        "new_since": datetime(2024, 1, 1, tzinfo=UTC), "version": 1,
    }


def _params(build: Callable[..., Any], examples: dict[str, Any]) -> dict[str, Any]:
    example = getattr(build, "example", None)  # a read may carry its own example arguments
    if callable(example):
        return dict(example())
    params: dict[str, Any] = {}
    for name, parameter in inspect.signature(build).parameters.items():
        if name in examples:
            params[name] = examples[name]
        elif parameter.default is inspect.Parameter.empty:
            pytest.fail(f"no example value for parameter {name!r} of {build.__qualname__}: add one to "
                        "_examples in tests/test_store_contract.py")
    return params


def _norm(value: Any) -> Any:
    """A value in a form both stores give alike: numbers as rounded floats, lists as tuples,
    datetimes as UTC instants."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        number = float(value)
        return "nan" if math.isnan(number) else round(number, 6) + 0.0
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, list | tuple):
        return tuple(_norm(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _norm(v)) for k, v in value.items()))
    return value


def _rows(table: pa.Table) -> list[tuple[Any, ...]]:
    return sorted((tuple(_norm(v) for v in row.values()) for row in table.to_pylist()), key=repr)


@pytest.mark.parametrize("scope", _SCOPES, ids=["all", "narrowed-local", "shanghai-posts"])
def test_store_contract_every_named_read_runs(store: Store, reference: Store, scope: Scope) -> None:
    ids = _fill(store)
    compare = store.dialect != reference.dialect
    if compare:
        assert _fill(reference) == ids
    hashes = [str(h) for h in sql(store, "SELECT DISTINCT content_hash FROM documents ORDER BY content_hash")
              .column(0).to_pylist()]
    examples = _examples(ids, hashes, scope)
    problems = []
    nonempty = 0
    for name, spec in sorted(load().items()):
        params = _params(spec.build, examples)
        if "scope" not in params and scope != _SCOPES[0]:
            continue  # reads without a scope run once
        try:
            got = store.read(name, **params)
        except Exception as exc:  # collect every failing read, report them together
            problems.append(f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
            continue
        assert isinstance(got, pa.Table), name
        nonempty += got.num_rows > 0
        if compare:
            want = reference.read(name, **params)
            if got.column_names != want.column_names:
                problems.append(f"{name}: columns {got.column_names} != DuckDB's {want.column_names}")
            elif _rows(got) != _rows(want):
                problems.append(f"{name}: rows differ from DuckDB's\n  {_rows(got)[:3]}\n  {_rows(want)[:3]}")
    assert not problems, "\n".join(problems)
    assert nonempty >= 5  # the examples reach real rows, not only empty results


# -- full-text search (limelight.search) -------------------------------------------------------------


def _terms(store: Store, doc_id: str) -> set[str]:
    rows = sql(store, "SELECT terms FROM search_index WHERE document_id = $id", {"id": doc_id}).column(0).to_pylist()
    assert len(rows) <= 1, rows  # one row per indexed document
    return set(rows[0]) if rows else set()


def test_store_contract_search_index_follows_the_documents(store: Store, tmp_path: Path) -> None:
    from limelight import search

    chinese = make_doc(2, text="雷军今天发布了小米SU7。", title=None)
    store.write([make_doc(1), chinese], "run-1")
    first = make_doc(1).document.id
    assert {"xiaomi", "story", "1", "lead", "paragraph", "about", "body"} == _terms(store, first)
    assert {"雷", "军", "su7", "发", "布"} <= _terms(store, chinese.document.id)
    assert "。" not in _terms(store, chinese.document.id)
    assert [h.document_id for h in search.search(store, "雷军").hits] == [chinese.document.id]
    # replaced with --reprocess: the old words go, the new text's come
    store.write([replace(make_doc(1), document=replace(make_doc(1).document, text="Ganz neuer Text."))], "run-2",
                replace=True)
    assert "paragraph" not in _terms(store, first) and "neuer" in _terms(store, first)
    assert count(store, "search_index") == 2
    # bulk_load indexes what it stores, once
    shard = write_shard(tmp_path / "shard", batch_tables([make_doc(3), make_doc(3)], "run-3"))
    store.bulk_load([shard], "run-3")
    assert "3" in _terms(store, make_doc(3).document.id) and count(store, "search_index") == 3
    # removed documents take their rows with them; reindex rebuilds exactly
    assert store.remove_unproduced(["synthetic"], "run-4") == 3
    assert count(store, "search_index") == 0
    store.write([make_doc(5)], "run-5")
    before = _terms(store, make_doc(5).document.id)
    assert store.reindex_search([make_doc(5).document.id, "no-such-id"]) == 1
    assert _terms(store, make_doc(5).document.id) == before and count(store, "search_index") == 1


def test_store_contract_saved_searches(store: Store) -> None:
    at = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    store.save_search("lei", '"Lei Jun" OR 雷军', {"language": "de,zh"}, at)
    store.save_search("o'brien; --", "x", {}, at)
    rows = store.read("search.saved").to_pylist()
    assert [r["name"] for r in rows] == ["lei", "o'brien; --"]
    assert json.loads(rows[0]["filters"]) == {"language": "de,zh"} and rows[0]["last_seen_at"] == at
    store.mark_search_seen("lei", at + timedelta(hours=1))
    store.save_search("o'brien; --", "y", {"kind": "post"}, at + timedelta(days=1))  # replaces
    (lei,) = store.read("search.saved", saved_name="lei").to_pylist()
    assert lei["last_seen_at"] == at + timedelta(hours=1) and lei["created_at"] == at
    (other,) = store.read("search.saved", saved_name="o'brien; --").to_pylist()
    assert other["query"] == "y" and json.loads(other["filters"]) == {"kind": "post"}
    assert store.delete_search("lei") and not store.delete_search("lei")
    assert [r["name"] for r in store.read("search.saved").to_pylist()] == ["o'brien; --"]


# -- several processes, one PostgreSQL project ------------------------------------------------------

def _ingest_script(tmp_path: Path) -> Path:
    script = tmp_path / "ingest.py"
    script.write_text(textwrap.dedent("""
        import json, sys, time
        from dataclasses import asdict, replace
        sys.path.insert(0, sys.argv[4])
        from test_store_contract import WATCHLIST, make_doc
        from limelight.registry import registry
        from pathlib import Path
        url, order, barrier = sys.argv[1], sys.argv[2], Path(sys.argv[3])
        store = registry.get("store", "postgresql").open(url)
        numbers = list(range(300)) if order == "up" else list(range(299, -1, -1))
        items = [replace(make_doc(n), extra=(("raw_key", f"raw-{n}"),)) for n in numbers]
        # Both start writing together, whichever was slower to import.
        (barrier / order).touch()
        deadline = time.time() + 60
        while len(list(barrier.iterdir())) < 2 and time.time() < deadline:
            time.sleep(0.002)
        store.sync_watchlist(WATCHLIST)
        run = store.start_run(["posts/"], {})
        results = [asdict(store.write(items[i:i + 40] + items[i:i + 2], run)) for i in range(0, len(items), 40)]
        store.finish_run(run, {})
        store.close()
        print(json.dumps(results))
    """))
    return script


def test_store_contract_concurrent_ingest_stores_each_document_once(target: Target, tmp_path: Path) -> None:
    if target.name == "duckdb":
        pytest.skip("DuckDB allows one writing process per file (others go through its store service)")
    script = _ingest_script(tmp_path)
    with target.open():
        pass  # migrated once here, so the race is over the documents, not the schema
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    procs = [subprocess.Popen([sys.executable, str(script), str(target.location), order, str(barrier),
                               str(REPO / "tests")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for order in ("up", "down")]
    outputs = [p.communicate(timeout=300) for p in procs]
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
    results = [json.loads(out) for out, _ in outputs]
    with target.open() as s:
        assert {t: count(s, t) for t in ("documents", "mentions", "links", "raw_inputs", "sources", "entities")} == {
            "documents": 300, "mentions": 300, "links": 300, "raw_inputs": 300, "sources": 1, "entities": 3}
        links = sql(s, "SELECT from_id, count(*) AS n FROM links GROUP BY from_id HAVING count(*) > 1")
        assert links.num_rows == 0
        statuses = sql(s, "SELECT status FROM ingest_runs").column(0).to_pylist()
        assert statuses == ["finished", "finished"]
    # Each item counted once in its process; each document new in exactly one of them.
    for per_batch in results:
        assert sum(r["new"] + r["known"] + r["duplicates"] for r in per_batch) == 300 + 2 * len(per_batch)
    assert sum(r["new"] for per_batch in results for r in per_batch) == 300
    assert sum(r["mentions"] for per_batch in results for r in per_batch) == 300


def test_store_contract_a_live_run_of_another_process_stays_running(target: Target) -> None:
    if target.name == "duckdb":
        pytest.skip("DuckDB allows one writing process per file: a second writer cannot start a run")
    with target.open() as first, target.open() as second:
        live = first.start_run(["a/"], {})
        other = second.start_run(["b/"], {})
        status = {r["id"]: r["status"] for r in sql(second, "SELECT id, status FROM ingest_runs").to_pylist()}
        assert status == {live: "running", other: "running"}
        first.finish_run(live, {})
        second.finish_run(other, {})


def test_store_contract_postgres_creates_the_schema_it_is_pointed_at(target: Target) -> None:
    if target.name == "duckdb":
        pytest.skip("a PostgreSQL project may live in a schema of its own; a DuckDB one is its file")
    import psycopg

    url = str(target.location)
    schema = url.rsplit("%3D", 1)[1] + "_sub"
    other = url.rsplit("%3D", 1)[0] + "%3D" + schema
    try:
        with Target(target.name, other).open() as s:
            s.write([make_doc(1)], "run-1")
        with psycopg.connect(other, autocommit=True) as con:
            row = con.execute("SELECT current_schema(), (SELECT count(*) FROM documents)").fetchone()
        assert row == (schema, 1)
    finally:
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_store_contract_refuses_a_foreign_database(target: Target) -> None:
    if target.name == "duckdb":
        import duckdb

        Path(target.location).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(target.location))
    else:
        import psycopg

        con = psycopg.connect(str(target.location), autocommit=True)
    con.execute("CREATE TABLE sales (x INTEGER)")
    con.close()
    with pytest.raises(ConfigError, match="not a limelight store"):
        target.open()


def test_store_contract_bad_location_says_what_to_do(target: Target) -> None:
    if target.name == "duckdb":
        with pytest.raises(ConfigError, match="cannot open"):
            registry.get("store", "duckdb").open(Path(target.location).parent / "missing.duckdb", read_only=True)
        return
    parts = urlsplit(str(target.location))
    url = urlunsplit(parts._replace(netloc=f"nobody-here:secret@{parts.hostname}:{parts.port or 5432}"))
    with pytest.raises(ConfigError, match="cannot open") as info:
        registry.get("store", "postgresql").open(url)
    assert "secret" not in str(info.value)
    with pytest.raises(ConfigError, match="postgresql:// URL"):
        registry.get("store", "postgresql").open(Path("limelight.duckdb"))



# -- alerts (limelight.alerts) ----------------------------------------------------------------------


def _alert(n: int = 1, **changes: Any) -> Any:
    from limelight.alerts.model import Alert, Evidence, EvidenceDocument, alert_id

    opened = datetime(2024, 5, 1, 8, 0, tzinfo=UTC) + timedelta(days=n)
    alert = Alert(
        id=alert_id("storm", f"kestrel-{n}", opened), rule="storm", kind="storm", severity="warning",
        title=f"Storm {n}: <script>alert(1)</script> @channel", summary="42 documents, usually 6",
        opened_at=opened, updated_at=opened, entity_id=f"kestrel-{n}",
        evidence=Evidence((EvidenceDocument("d1", "O'Brien; -- \"quoted\" 雷军", "https://example.org/1"),),
                          count=42, baseline=6.5, tone=-0.4))
    return replace(alert, **changes)


def test_store_contract_alerts_upsert_is_one_row_per_incident(store: Store) -> None:
    from limelight.alerts.model import Evidence, from_row

    def generation() -> int:
        return int(store.read("core.generation").column("generation")[0].as_py())

    first, other = _alert(1), _alert(2)
    changes = store.upsert_alerts([first, other])
    assert changes.new == (first.id, other.id) and changes.grown == () and changes.unchanged == 0
    before = generation()
    # The same incident evaluated again, later, unchanged: nothing changes, not even the generation.
    again = store.upsert_alerts([replace(first, updated_at=first.updated_at + timedelta(hours=3)), other])
    assert again.new == () and again.grown == () and again.unchanged == 2 and generation() == before
    # It grows: one row still, updated, version 2, opened_at kept.
    grown = replace(first, updated_at=first.updated_at + timedelta(days=2), severity="critical",
                    opened_at=first.opened_at + timedelta(minutes=1),
                    evidence=Evidence(first.evidence.documents, count=90, baseline=6.5, tone=-0.5))
    assert store.upsert_alerts([grown]).grown == (first.id,) and generation() > before
    rows = store.read("alerts.list").to_pylist()
    assert [r["id"] for r in rows] == [first.id, other.id]  # newest first: the one updated last
    stored = from_row(rows[0])
    assert stored.version == 2 and stored.severity == "critical" and stored.evidence.count == 90
    assert stored.opened_at == first.opened_at and stored.updated_at == grown.updated_at
    assert stored.title == first.title and stored.evidence.documents == first.evidence.documents
    assert from_row(rows[1]).version == 1
    # Closing is a change too.
    closed = replace(grown, status="closed", closed_at=grown.updated_at + timedelta(days=1),
                     updated_at=grown.updated_at + timedelta(days=1))
    assert store.upsert_alerts([closed]).grown == (first.id,)
    assert count(store, "alerts") == 2


def test_store_contract_alerts_list_filters(store: Store) -> None:
    store.upsert_alerts([_alert(1), _alert(2), _alert(3, status="closed", closed_at=datetime(2024, 6, 1, tzinfo=UTC))])
    ids = [_alert(n).id for n in (1, 2, 3)]

    def listed(**params: Any) -> list[str]:
        return [r["id"] for r in store.read("alerts.list", **params).to_pylist()]

    assert listed() == ids[::-1]
    assert listed(status="open") == ids[1::-1] and listed(status="closed") == [ids[2]]
    assert listed(entity="kestrel-2") == [ids[1]] and listed(entity="o'brien") == []
    assert listed(since=datetime(2024, 5, 3, 8, 0, tzinfo=UTC)) == [ids[2], ids[1]]
    assert listed(limit=1) == [ids[2]]
    # any of several entities and severities, a time range, and paging on by keyset
    critical = _alert(4, severity="critical")
    store.upsert_alerts([critical])
    assert listed(entity=["kestrel-1", "kestrel-4", "o'brien"]) == [critical.id, ids[0]]
    assert listed(severity=["critical"]) == [critical.id] and listed(severity=[]) == []
    assert listed(until=datetime(2024, 5, 3, 8, 0, tzinfo=UTC)) == [ids[0]]
    everything = listed()
    first = store.read("alerts.list", limit=2).to_pylist()
    rest = listed(after_at=first[-1]["updated_at"], after_id=first[-1]["id"])
    assert [r["id"] for r in first] + rest == everything
    counted = store.read("alerts.count", entity=["kestrel-1", "kestrel-4"], status="open").to_pylist()
    assert counted == [{"n": 2}]


def test_store_contract_alerts_deliveries_and_pending(store: Store) -> None:
    from limelight.alerts.model import Delivery

    a, b = _alert(1), _alert(2)
    store.upsert_alerts([a, b])

    def pending(channel: str) -> list[tuple[str, int, int]]:
        rows = store.read("alerts.pending", channel=channel).to_pylist()
        return [(r["id"], r["version"], r["attempt"]) for r in rows]

    assert pending("slack") == [(b.id, 1, 0), (a.id, 1, 0)]
    retry = datetime(2024, 5, 9, tzinfo=UTC)
    store.record_delivery([Delivery(a.id, 1, "slack", 1, "pending", retry, "HTTP 500 'x'"),
                           Delivery(b.id, 1, "slack", 1, "pending", retry, "HTTP 500 'x'")])
    rows = store.read("alerts.pending", channel="slack").to_pylist()
    assert [(r["attempt"], r["next_attempt_at"]) for r in rows] == [(1, retry), (1, retry)]
    done = datetime(2024, 5, 9, 0, 1, tzinfo=UTC)
    store.record_delivery([Delivery(a.id, 1, "slack", 2, "delivered", None, None, done),
                           Delivery(b.id, 1, "slack", 2, "failed", None, "HTTP 404")])
    assert pending("slack") == [] and pending("email") == [(b.id, 1, 0), (a.id, 1, 0)]
    states = store.read("alerts.deliveries", ids=[a.id]).to_pylist()
    assert [(s["attempt"], s["status"], s["delivered_at"], s["last_error"]) for s in states] == [
        (2, "delivered", done, None)]
    # The incident grows: its new version is pending again, once.
    store.upsert_alerts([replace(a, summary="90 documents, usually 6")])
    assert pending("slack") == [(a.id, 2, 0)]
    assert len(store.read("alerts.deliveries").to_pylist()) == 2


def test_store_contract_ingested_files_are_replaced_per_path(store: Store) -> None:
    at = datetime(2024, 5, 9, tzinfo=UTC)

    def row(path: str, size: int, run: str) -> dict[str, object]:
        return {"path": path, "size": size, "mtime_ns": 1_715_212_800_123_456_789, "options": "{}",
                "run_id": run, "read_at": at}

    store.write_ingested_files([row("/data/a.ndjson", 10, "r1"), row("/data/b.ndjson", 20, "r1")])
    store.write_ingested_files([row("/data/b.ndjson", 25, "r2")])  # the file grew and was read again
    got = [(r["path"], r["size"], r["mtime_ns"], r["run_id"], r["read_at"])
           for r in store.read("ingest.files").to_pylist()]
    assert got == [("/data/a.ndjson", 10, 1_715_212_800_123_456_789, "r1", at),
                   ("/data/b.ndjson", 25, 1_715_212_800_123_456_789, "r2", at)]
