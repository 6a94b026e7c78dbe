"""The default store: one DuckDB file per project.

Writes go in batches: each batch becomes a few Arrow tables (one per store table), DuckDB scans them
with ``INSERT ... SELECT`` in one transaction, and nothing is ever inserted row by row. Re-ingesting
is idempotent: a document whose id is stored already is counted as ``known`` and left untouched,
together with its mentions and links. Finding the known ids joins the batch's ids against
``documents``, so a write reads as many ids as the batch holds, never the whole table. Each write
also records the raw-input keys its items came from (``raw_inputs``), so the next run recognises
a known page before extracting it (``known_raw``, the same kind of bounded join).

The connection runs with ``TimeZone = 'UTC'`` so ``TIMESTAMPTZ`` values come back in UTC on every
machine; the publisher's own UTC offset is kept beside ``published_at`` (``published_offset``).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from limelight.alerts.model import Alert, AlertChanges, Delivery
from limelight.errors import ConfigError
from limelight.models import Document, Enriched, ItemError, Link, Mention
from limelight.registry import Registry
from limelight.store.alert_rows import (
    ALERT_COLUMNS,
    alert_rows,
    delivery_row,
    plan_upsert,
    update_assignments,
    update_values,
)

# The Arrow conversion is shared with the other stores and with bulk_load's shards (store/arrow.py).
from limelight.store.arrow import document_from_row as _document_from_row
from limelight.store.arrow import documents_table as _documents_table
from limelight.store.arrow import (
    first_links,
    fresh_shard_tables,
    plan_write,
    read_shard,
    shard_errors,
    shard_plan_inputs,
)
from limelight.store.arrow import from_summary as _from_summary
from limelight.store.arrow import links_table as _links_table
from limelight.store.arrow import mentions_table as _mentions_table
from limelight.store.arrow import raw_key as _raw_key
from limelight.store.arrow import search_index_tables as _search_index_tables
from limelight.store.arrow import sources_table as _sources_table
from limelight.store.arrow import to_json as _json
from limelight.store.base import LinkUpdate, WriteResult
from limelight.store.read_methods import NamedReadMethods
from limelight.store.reads import build as build_read
from limelight.store.reads import load as load_reads
from limelight.store.schema import (
    BUMP_GENERATION,
    ENTITY_SCHEMA,
    ERROR_SCHEMA,
    GENERATION_VERSION,
    MENTION_SCHEMA,
    MIGRATIONS,
    RAW_INPUT_SCHEMA,
    WATCH_TARGET_COLUMNS,
    Migration,
)
from limelight.watchlist import Watchlist


class DuckDBStore(NamedReadMethods):
    """A :class:`~limelight.store.base.Store` on one DuckDB file.

    One owning connection for writes, guarded by a lock (a DuckDB connection is not safe to share
    between threads), and one read cursor per reading thread (:meth:`read`): a cursor is a second
    connection to the same database, so a read runs while a write transaction is open and sees
    what was committed before it started, never a half-written batch and never the write lock.
    """

    name = "duckdb"
    dialect = "duckdb"
    blocks_writers = True  # DuckDB: while a process has the file open, no other one can write it

    def __init__(self, path: Path | str, *, read_only: bool = False,
                 migrations: Sequence[Migration] = MIGRATIONS) -> None:
        self.path = Path(path)
        self.read_only = read_only
        # Tests pass a shorter list to make an "older" file; everything else uses MIGRATIONS.
        self._migrations = tuple(migrations)
        self.schema_version = self._migrations[-1].version
        self._lock = threading.RLock()
        self._replaced: dict[str, set[str]] = {}  # run id → documents a run replaced (write)
        self._local = threading.local()  # this thread's read cursor
        self._cursors: list[duckdb.DuckDBPyConnection] = []  # every read cursor, closed with the store
        self._on_close: list[Callable[[], None]] = []  # run by close() first (the read service stops)
        # Reads in flight, so that reopen() swaps the connection only between them; its epoch
        # tells each thread that its read cursor belongs to a closed connection.
        self._gate = threading.Condition()
        self._reading = 0
        self._reopening = False
        self._epoch = 0
        self._streams = 0  # read_batches streams open: reopen() would close their cursors
        self._con = _connect(self.path, read_only)
        self._generation = False  # whether write transactions bump store_generation (once it exists)
        try:
            self._migrate()
            self._generation = self.schema_version >= GENERATION_VERSION
        except BaseException:
            self._con.close()
            raise

    # -- schema -----------------------------------------------------------------------------------

    def _migrate(self) -> None:
        con = self._con
        tables = {row[0] for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()}
        if "schema_migrations" in tables:
            row = con.execute("SELECT max(version) FROM schema_migrations").fetchone()
            current = int(row[0]) if row and row[0] is not None else 0
        elif tables:
            raise ConfigError(
                f"{self.path} is a DuckDB file but not a limelight store (it has tables "
                f"{', '.join(sorted(tables)[:5])} and no schema_migrations)",
                "point store.path at a new file or at a store limelight made",
            )
        else:
            current = 0
        if current > self.schema_version:
            raise ConfigError(
                f"{self.path} was written by a newer limelight (store schema version {current}; "
                f"this limelight knows versions up to {self.schema_version})",
                "upgrade limelight (pip install -U limelight), or use another store.path",
            )
        pending = [m for m in self._migrations if m.version > current]
        if pending and self.read_only:
            raise ConfigError(
                f"{self.path} has store schema version {current}, this limelight needs "
                f"{self.schema_version}",
                "open it once for writing (e.g. run `limelight ingest`) so the schema is upgraded",
            )
        for migration in pending:
            # One transaction per step: a failed step leaves the file at the previous version.
            with self._transaction():
                con.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY, description VARCHAR NOT NULL,
                    applied_at TIMESTAMPTZ NOT NULL)""")
                for statement in migration.statements:
                    con.execute(statement)
                con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())",
                            [migration.version, migration.description])

    # -- transactions and bulk inserts ------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            self._con.begin()
            try:
                yield self._con
                if self._generation:
                    self._con.execute(BUMP_GENERATION)
            except BaseException:
                self._con.rollback()
                raise
            try:
                self._con.commit()
            except BaseException:
                # A failed COMMIT may or may not have ended the transaction; make sure it has.
                with suppress(duckdb.Error):
                    self._con.rollback()
                raise

    def _insert(self, table: str, data: pa.Table, *, new_keys_only: str | None = None) -> int:
        """Insert an Arrow table through a registered view; with ``new_keys_only``, skip rows
        whose key column is already in ``table``. Returns the rows inserted."""
        if data.num_rows == 0:
            return 0
        view = f"_batch_{table}"
        cols = ", ".join(f'"{c}"' for c in data.column_names)
        sql = f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {view} AS b"
        if new_keys_only:
            sql += (f' WHERE NOT EXISTS (SELECT 1 FROM {table} AS t '
                    f'WHERE t."{new_keys_only}" = b."{new_keys_only}")')
        self._con.register(view, data)
        try:
            row = self._con.execute(sql).fetchone()
        finally:
            self._con.unregister(view)
        return int(row[0]) if row else 0

    def _known_ids(self, ids: list[str]) -> dict[str, tuple[str | None, bool]]:
        """The ids among ``ids`` that ``documents`` holds already, each with the run that first
        stored it and whether it was built from a feed entry's summary (a join, bounded by the batch)."""
        self._con.register("_batch_ids", pa.table({"id": pa.array(ids, pa.string())}))
        try:
            rows = self._con.execute(
                "SELECT d.id, d.first_run_id, coalesce(json_extract_string(d.extra, '$.from_feed_summary') = '1', "
                "false) FROM documents AS d JOIN _batch_ids AS b ON d.id = b.id"
            ).fetchall()
        finally:
            self._con.unregister("_batch_ids")
        return {r[0]: (r[1], bool(r[2])) for r in rows}

    def _seen_in_run(self, run_id: str, ids: list[str]) -> None:
        """Note the ids a ``--reprocess`` run produced (a temporary table of this connection)."""
        self._con.execute("CREATE TEMP TABLE IF NOT EXISTS _reprocessed (run_id VARCHAR, id VARCHAR)")
        self._con.register("_seen_ids", pa.table({"id": pa.array(ids, pa.string())}))
        try:
            self._con.execute("INSERT INTO _reprocessed SELECT ?, id FROM _seen_ids", [run_id])
        finally:
            self._con.unregister("_seen_ids")

    def remove_unproduced(self, input_origins: Sequence[str], run_id: str) -> int:
        """After ``ingest --reprocess``: delete the documents stored from these inputs (origin equal
        to one, or one followed by ``:line`` or ``#record``) that the run did not produce again (a
        corrected mapping makes other ids, or no document). Returns how many went."""
        if not input_origins:
            return 0
        with self._transaction() as con:
            con.execute("CREATE TEMP TABLE IF NOT EXISTS _reprocessed (run_id VARCHAR, id VARCHAR)")
            con.register("_inputs", pa.table({"origin": pa.array(list(input_origins), pa.string())}))
            try:
                ids = [r[0] for r in con.execute("""
                    SELECT d.id FROM documents AS d JOIN _inputs AS i
                      ON d.origin = i.origin OR starts_with(d.origin, i.origin || ':')
                         OR starts_with(d.origin, i.origin || '#')
                    WHERE d.id NOT IN (SELECT id FROM _reprocessed WHERE run_id = ?)""", [run_id]).fetchall()]
            finally:
                con.unregister("_inputs")
            if ids:
                self._drop_documents(ids)
            con.execute("DELETE FROM _reprocessed WHERE run_id = ?", [run_id])
        return len(ids)

    def _drop_documents(self, ids: list[str]) -> None:
        """Delete documents and everything derived from them (mentions, links from them,
        embeddings, story rows), inside the caller's transaction."""
        self._con.register("_drop_ids", pa.table({"id": pa.array(ids, pa.string())}))
        try:
            # A linker that had linked a dropped document starts its next run from nothing (its
            # settings row goes), since links to and from the document went with it; then its
            # per-document state goes too, so a document stored again is new to every linker.
            self._con.execute("DELETE FROM linker_settings WHERE linker IN "
                              "(SELECT linker FROM link_state WHERE document_id IN (SELECT id FROM _drop_ids))")
            self._con.execute("DELETE FROM link_state WHERE document_id IN (SELECT id FROM _drop_ids)")
            for table, column in (("mentions", "document_id"), ("links", "from_id"), ("embeddings", "document_id"),
                                  ("stories", "document_id"), ("search_index", "document_id"),
                                  ("documents", "id")):
                self._con.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT id FROM _drop_ids)")
        finally:
            self._con.unregister("_drop_ids")

    def _index(self, documents: pa.Table) -> None:
        """Write the search index rows of these just-inserted documents (inside the caller's transaction)."""
        for table, rows in _search_index_tables(documents).items():
            self._insert(table, rows)

    def reindex_search(self, document_ids: Sequence[str]) -> int:
        """Rebuild the search index rows of these stored documents in one transaction (``limelight
        search --reindex``: documents stored before the index, or under an older version of it).
        Returns the documents indexed."""
        ids = list(dict.fromkeys(document_ids))
        if not ids:
            return 0
        with self._transaction() as con:
            con.register("_index_ids", pa.table({"id": pa.array(ids, pa.string())}))
            try:
                con.execute("DELETE FROM search_index WHERE document_id IN (SELECT id FROM _index_ids)")
                documents = con.execute("SELECT d.id, d.title, d.text, d.captions FROM documents AS d "
                                        "JOIN _index_ids AS i ON i.id = d.id").to_arrow_table()
            finally:
                con.unregister("_index_ids")
            self._index(documents)
        return documents.num_rows

    # -- saved searches (limelight.search) ---------------------------------------------------------

    def save_search(self, name: str, query: str, filters: Mapping[str, Any], created_at: datetime) -> None:
        """Store (or replace) the search ``name``; its matches count as seen up to ``created_at``."""
        with self._transaction() as con:
            con.execute("DELETE FROM saved_searches WHERE name = ?", [name])
            con.execute("INSERT INTO saved_searches VALUES (?, ?, ?, ?, ?)",
                        [name, query, _json(dict(filters)), created_at, created_at])

    def delete_search(self, name: str) -> bool:
        """Forget the saved search ``name``; False when there was none."""
        with self._transaction() as con:
            row = con.execute("DELETE FROM saved_searches WHERE name = ?", [name]).fetchone()
        return bool(row and row[0])

    def mark_search_seen(self, name: str, at: datetime) -> None:
        """Record that the saved search ``name``'s matches were looked at up to ``at``."""
        with self._transaction() as con:
            con.execute("UPDATE saved_searches SET last_seen_at = ? WHERE name = ?", [at, name])

    # -- alerts (limelight.alerts) ---------------------------------------------------------------

    def upsert_alerts(self, alerts: Sequence[Alert]) -> AlertChanges:
        """Store incidents: new ids inserted at version 1, changed ones updated with the version
        bumped, unchanged ones left alone (and with nothing changed, no transaction at all)."""
        given = alert_rows(alerts)
        if not given:
            return AlertChanges()
        ids = list(given)
        new, grown, unchanged = plan_upsert(given, self.read("alerts.state", ids=ids).to_pylist())
        if not new and not grown:
            return AlertChanges(unchanged=unchanged)
        with self._transaction() as con:
            query = build_read("alerts.state", {"ids": ids})  # again, on the writer: what this transaction sees
            new, grown, unchanged = plan_upsert(given, con.execute(query.sql, query.params).to_arrow_table()
                                                .to_pylist())
            for alert_id in new:
                con.execute(f"INSERT INTO alerts ({ALERT_COLUMNS}) VALUES ({', '.join('?' * 15)})",
                            [*given[alert_id], 1])
            for alert_id in grown:
                con.execute(f"UPDATE alerts SET {update_assignments('?')}, version = version + 1 WHERE id = ?",
                            [*update_values(given[alert_id]), alert_id])
        return AlertChanges(new, grown, unchanged)

    def record_delivery(self, deliveries: Sequence[Delivery]) -> None:
        """Record the state of each (alert, version, channel), replacing what was stored, in one transaction."""
        if not deliveries:
            return
        with self._transaction() as con:
            for d in deliveries:
                con.execute("DELETE FROM alert_deliveries WHERE alert_id = ? AND version = ? AND channel = ?",
                            [d.alert_id, d.version, d.channel])
                con.execute("INSERT INTO alert_deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?)", delivery_row(d))

    def write_watch_targets(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Replace the ``watch_targets`` rows of these targets, in one transaction."""
        if not rows:
            return
        with self._transaction() as con:
            for r in rows:
                con.execute("DELETE FROM watch_targets WHERE target = ?", [r["target"]])
                con.execute("INSERT INTO watch_targets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [r[c] for c in WATCH_TARGET_COLUMNS])

    def write_ingested_files(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Replace the ``ingested_files`` rows of these paths, in one transaction."""
        if not rows:
            return
        from limelight.store.schema import INGESTED_FILE_COLUMNS, INGESTED_FILE_SCHEMA

        # As a registered Arrow table, not executemany: a folder of 100k pages is 100k rows.
        latest = {r["path"]: r for r in rows}
        batch = pa.Table.from_pylist([{c: r[c] for c in INGESTED_FILE_COLUMNS} for r in latest.values()],
                                     schema=INGESTED_FILE_SCHEMA)
        with self._transaction() as con:
            con.register("_batch_files", batch)
            try:
                con.execute("DELETE FROM ingested_files WHERE path IN (SELECT path FROM _batch_files)")
                con.execute("INSERT INTO ingested_files SELECT * FROM _batch_files")
            finally:
                con.unregister("_batch_files")

    def known_raw(self, keys: Sequence[str], exclude_run: str | None = None) -> dict[str, str]:
        """Raw-input keys seen by earlier runs → the document each produced, for documents still
        stored; ``exclude_run`` leaves out the keys that run recorded (a join, bounded by ``keys``)."""
        if not keys:
            return {}
        with self._lock:
            self._con.register("_batch_raw", pa.table({"raw_key": pa.array(list(keys), pa.string())}))
            try:
                rows = self._con.execute(
                    """SELECT r.raw_key, r.document_id FROM raw_inputs AS r
                       JOIN _batch_raw AS b ON r.raw_key = b.raw_key
                       JOIN documents AS d ON d.id = r.document_id
                       WHERE r.first_run_id IS DISTINCT FROM ?""", [exclude_run]).fetchall()
            finally:
                self._con.unregister("_batch_raw")
        return {r[0]: r[1] for r in rows}

    # -- writes -----------------------------------------------------------------------------------

    def write(self, batch: Sequence[Enriched], run_id: str, *, replace: bool = False) -> WriteResult:
        """Store the batch's new documents in one transaction; a known one is counted and left as it
        is, except (a) with ``replace`` (``ingest --reprocess``: a corrected mapping re-reads its
        files), and (b) when the stored one was built from a feed entry's summary and this is the
        real page. Then the stored document and what derives from it (mentions, links from it,
        embedding, story row) are replaced; it keeps its first run. Replaced documents count as new."""
        # The same page can arrive twice in one batch (a feed and a sitemap naming one URL): the
        # first copy wins and is stored once.
        firsts: dict[str, Enriched] = {}
        raw: dict[str, str] = {}  # raw-input key → the document it produced
        for item in batch:
            firsts.setdefault(item.document.id, item)
            key = _raw_key(item)
            if key is not None:
                raw.setdefault(key, item.document.id)
        if not firsts:
            return WriteResult(new=0, known=0, mentions=0)
        with self._transaction():
            found = self._known_ids(list(firsts))
            done = self._replaced.setdefault(run_id, set())  # replaced once per run; later copies are duplicates
            redo = [doc_id for doc_id, (first, summary) in found.items() if first != run_id and doc_id not in done
                    and (replace or (summary and not _from_summary(firsts[doc_id])))]
            done.update(redo)
            if replace:
                self._seen_in_run(run_id, list(firsts))
            if redo:
                self._drop_documents(redo)
            first_runs = {doc_id: found[doc_id][0] for doc_id in redo}
            stored = {doc_id: (run_id if doc_id in done and doc_id not in first_runs else first)
                      for doc_id, (first, _) in found.items() if doc_id not in first_runs}
            fresh = [item for doc_id, item in firsts.items() if doc_id not in stored]
            self._insert("sources", _sources_table(item.document.source for item in fresh),
                         new_keys_only="id")
            documents = _documents_table(fresh, run_id, first_runs)
            self._insert("documents", documents)
            self._index(documents)
            n_mentions = self._insert("mentions", _mentions_table(fresh))
            self._insert("links", _links_table([link for item in fresh for link in item.links], run_id))
            self._insert("raw_inputs", pa.table({
                "raw_key": pa.array(list(raw), pa.string()), "document_id": pa.array(list(raw.values()), pa.string()),
                "first_run_id": pa.array([run_id] * len(raw), pa.string())}, schema=RAW_INPUT_SCHEMA),
                new_keys_only="raw_key")
        # Every item counts once: a copy of a document an earlier run stored is known (however many
        # copies), the first copy of a fresh one is new, and every other copy is a duplicate.
        known = sum(1 for item in batch if stored.get(item.document.id, run_id) != run_id)
        return WriteResult(new=len(fresh), known=known, mentions=n_mentions,
                           duplicates=len(batch) - len(fresh) - known)

    def bulk_load(self, parquet_files: Sequence[Mapping[str, Path | str]], run_id: str) -> WriteResult:
        """Load shards a worker wrote (one mapping of table → Parquet file each; store/arrow.py) as
        ``write`` would store the same items: one transaction per shard, known ids counted as
        known, copies as duplicates; then the shard's errors as ``write_errors`` records them."""
        total = WriteResult(new=0, known=0, mentions=0)
        for files in parquet_files:
            tables = read_shard(files)
            ids, summary = shard_plan_inputs(tables["documents"])
            with self._transaction():
                found = self._known_ids(list(dict.fromkeys(ids))) if ids else {}
                done = self._replaced.setdefault(run_id, set())
                plan = plan_write(ids, found, summary, run_id, done)
                done.update(plan.redo)
                if plan.redo:
                    self._drop_documents(plan.redo)
                fresh = fresh_shard_tables(tables, plan, run_id)
                self._insert("sources", fresh["sources"], new_keys_only="id")
                self._insert("documents", fresh["documents"])
                self._index(fresh["documents"])
                n_mentions = self._insert("mentions", fresh["mentions"])
                self._insert("links", fresh["links"])
                self._insert("raw_inputs", fresh["raw_inputs"], new_keys_only="raw_key")
            self.write_errors(shard_errors(tables["errors"]), run_id)
            got = plan.result(ids, run_id, new=len(plan.fresh), mentions=n_mentions)
            total = WriteResult(new=total.new + got.new, known=total.known + got.known,
                                mentions=total.mentions + got.mentions, duplicates=total.duplicates + got.duplicates)
        return total

    def write_links(self, links: Sequence[Link], run_id: str) -> int:
        """Add links found across documents (the link stage); a link stored already is skipped.
        Returns the links added."""
        data = _links_table(list(dict.fromkeys(links)), run_id)
        if data.num_rows == 0:
            return 0
        with self._transaction() as con:
            con.register("_batch_links", data)
            try:
                row = con.execute("""
                    INSERT INTO links SELECT * FROM _batch_links AS b WHERE NOT EXISTS (
                        SELECT 1 FROM links AS l WHERE l.from_id = b.from_id AND l.kind = b.kind
                        AND l.to_id IS NOT DISTINCT FROM b.to_id AND l.to_url IS NOT DISTINCT FROM b.to_url)
                """).fetchone()
            finally:
                con.unregister("_batch_links")
        return int(row[0]) if row else 0

    def update_tone(self, mentions: pa.Table, documents: pa.Table) -> None:
        """Set tone and tone_label of stored mentions and documents (tables: id, tone, tone_label),
        in one transaction. Used by `limelight tone apply`."""
        with self._transaction() as con:
            for table, data in (("mentions", mentions), ("documents", documents)):
                if data.num_rows == 0:
                    continue
                con.register("_tone", data)
                try:
                    con.execute(f"UPDATE {table} SET tone = t.tone, tone_label = t.tone_label "
                                f"FROM _tone AS t WHERE {table}.id = t.id")
                finally:
                    con.unregister("_tone")

    def write_embeddings(self, document_ids: Sequence[str], model: str, vectors: Any) -> int:
        """Store one vector per document for ``model`` (an (n, dim) float array, rows in the order of
        ``document_ids``); a (document, model) pair stored already is kept. Returns the rows added."""
        ids = list(document_ids)
        if not ids:
            return 0
        import numpy as np

        matrix = np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1)
        flat = pa.array(matrix.reshape(-1), pa.float32())
        offsets = pa.array(np.arange(0, matrix.size + 1, matrix.shape[1], dtype=np.int32), pa.int32())
        data = pa.table({"document_id": pa.array(ids, pa.string()), "model": pa.array([model] * len(ids)),
                         "vector": pa.ListArray.from_arrays(offsets, flat)})
        with self._transaction():
            return self._insert_new_embeddings(data)

    def _insert_new_embeddings(self, data: pa.Table) -> int:
        # The key is two columns, which _insert's new_keys_only cannot express; a batch naming one
        # document twice keeps its first vector.
        self._con.register("_batch_embeddings", data)
        try:
            row = self._con.execute("""
                INSERT INTO embeddings SELECT document_id, model, vector FROM (
                    SELECT *, row_number() OVER (PARTITION BY document_id, model) AS k FROM _batch_embeddings
                ) AS b WHERE k = 1 AND NOT EXISTS (
                    SELECT 1 FROM embeddings AS e WHERE e.document_id = b.document_id AND e.model = b.model)
            """).fetchone()
        finally:
            self._con.unregister("_batch_embeddings")
        return int(row[0]) if row else 0

    def replace_stories(self, rows: Sequence[tuple[str, str, str]]) -> int:
        """Replace the ``stories`` table with (document_id, story_id, method) rows in one
        transaction: each `limelight link` run recomputes the clusters whole. Returns rows written."""
        data = pa.table({"document_id": pa.array([r[0] for r in rows], pa.string()),
                         "story_id": pa.array([r[1] for r in rows], pa.string()),
                         "method": pa.array([r[2] for r in rows], pa.string())})
        with self._transaction() as con:
            con.execute("DELETE FROM stories")
            return self._insert("stories", data)

    def write_errors(self, errors: Sequence[ItemError], run_id: str) -> None:
        """Record errors once per (origin, stage, message): an error seen before gets this run as
        its ``last_run_id`` and one more ``seen``, so re-ingesting a bad file adds no rows."""
        now = datetime.now(UTC)
        unique = {(e.origin, e.stage, e.message): e for e in errors}
        data = pa.Table.from_pylist(
            [{"run_id": run_id, "origin": e.origin, "stage": e.stage, "message": e.message,
              "hint": e.hint, "at": now, "last_run_id": run_id, "seen": 1} for e in unique.values()],
            schema=ERROR_SCHEMA,
        )
        if data.num_rows == 0:
            return
        with self._transaction() as con:
            con.register("_batch_errors", data)
            try:
                con.execute("""
                    UPDATE errors SET last_run_id = b.run_id, seen = errors.seen + 1, "at" = b."at"
                    FROM _batch_errors AS b
                    WHERE errors.origin = b.origin AND errors.stage = b.stage AND errors.message = b.message
                      AND errors.last_run_id IS DISTINCT FROM b.run_id""")
                con.execute("""
                    INSERT INTO errors SELECT * FROM _batch_errors AS b WHERE NOT EXISTS (
                        SELECT 1 FROM errors AS e
                        WHERE e.origin = b.origin AND e.stage = b.stage AND e.message = b.message)""")
            finally:
                con.unregister("_batch_errors")

    def sync_watchlist(self, watchlist: Watchlist, fingerprints: dict[str, str] | None = None) -> None:
        """Replace the entities table with the watchlist's; ``fingerprints`` (entity id → what decided
        its mentions, :mod:`limelight.enrich.rematch`) are recorded with them, else kept as stored."""
        if fingerprints is None:
            fingerprints = {k: v for k, v in self.entity_fingerprints().items() if v is not None}
        data = pa.Table.from_pylist(
            [{"id": e.id, "kind": e.kind, "name": e.name, "aliases": list(e.aliases), "parent": e.parent,
              "role": e.role, "query": e.query, "competitors": list(e.competitors), "query_mode": e.query_mode,
              "fingerprint": fingerprints.get(e.id)}
             for e in watchlist.entities],
            schema=ENTITY_SCHEMA,
        )
        with self._transaction() as con:
            con.execute("DELETE FROM entities")
            self._insert("entities", data)

    def replace_mentions(self, document_ids: Sequence[str], mentions: Sequence[Mention]) -> tuple[int, int]:
        """Replace the mentions of these documents with ``mentions`` in one transaction; a mention
        that comes out the same (id, surface and sentence) keeps its tone. Returns (removed, added):
        the old mentions that are gone and the new ones that were not there before."""
        unique: dict[str, Mention] = {}
        for m in mentions:
            unique.setdefault(m.id, m)
        cols: dict[str, list[Any]] = {"id": list(unique)}
        for name in MENTION_SCHEMA.names[1:]:
            cols[name] = [getattr(m, name) for m in unique.values()]
        new = pa.Table.from_pydict(cols, schema=MENTION_SCHEMA)
        docs = pa.table({"id": pa.array(list(document_ids), pa.string())})
        same = "o.id = n.id AND o.surface = n.surface AND o.sentence = n.sentence"
        with self._transaction() as con:
            con.register("_docs", docs)
            con.register("_new", new)
            try:
                con.execute("CREATE OR REPLACE TEMP TABLE _old AS SELECT * FROM mentions "
                            "WHERE document_id IN (SELECT id FROM _docs)")
                row = con.execute(f"""SELECT
                    (SELECT count(*) FROM _old AS o WHERE NOT EXISTS (SELECT 1 FROM _new AS n WHERE {same})),
                    (SELECT count(*) FROM _new AS n WHERE NOT EXISTS (SELECT 1 FROM _old AS o WHERE {same}))
                    """).fetchone()
                con.execute("DELETE FROM mentions WHERE document_id IN (SELECT id FROM _docs)")
                names = [c for c in MENTION_SCHEMA.names if c not in ("tone", "tone_label")]
                listed = ", ".join(f'"{c}"' for c in names)
                picked = ", ".join(f'n."{c}"' for c in names)
                con.execute(f"""
                    INSERT INTO mentions ({listed}, tone, tone_label)
                    SELECT {picked}, coalesce(n.tone, o.tone), coalesce(n.tone_label, o.tone_label)
                    FROM _new AS n LEFT JOIN _old AS o ON {same}""")
                con.execute("DROP TABLE _old")
            finally:
                con.unregister("_new")
                con.unregister("_docs")
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def start_run(self, inputs: Sequence[str], settings: dict[str, Any]) -> str:
        now = datetime.now(UTC)
        # Sortable and readable in error listings, unique thanks to the random tail.
        run_id = f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        with self._transaction() as con:
            # This process holds the file's write lock, so no other run can be going on: a run still
            # marked running was killed (kill -9, power loss) and never finished.
            con.execute("UPDATE ingest_runs SET status = 'interrupted' WHERE status = 'running'")
            con.execute(
                "INSERT INTO ingest_runs (id, started_at, inputs, settings, status) VALUES (?, ?, ?, ?, 'running')",
                [run_id, now, list(inputs), _json(settings)],
            )
        return run_id

    def finish_run(self, run_id: str, stats: dict[str, int], finished_at: datetime | None = None) -> None:
        with self._transaction() as con:
            con.execute("UPDATE ingest_runs SET finished_at = ?, stats = ?, status = 'finished' WHERE id = ?",
                        [finished_at or datetime.now(UTC), _json(stats), run_id])

    # -- reads ------------------------------------------------------------------------------------

    @property
    def reads(self) -> frozenset[str]:
        return frozenset(load_reads())

    def _reader(self) -> duckdb.DuckDBPyConnection:
        cursor: duckdb.DuckDBPyConnection | None = getattr(self._local, "cursor", None)
        if cursor is None or getattr(self._local, "epoch", None) != self._epoch:
            with self._lock:
                cursor = self._con.cursor()
                cursor.execute("SET TimeZone = 'UTC'")
                self._cursors.append(cursor)
            self._local.cursor, self._local.epoch = cursor, self._epoch
        return cursor

    def _on_reader(self, run: Callable[[duckdb.DuckDBPyConnection], pa.Table]) -> pa.Table:
        """``run(cursor)`` on this thread's read cursor, counted as a read in flight. The cursor is
        made before the count (making one takes the write lock, which reopen() holds while it
        waits for the reads in flight) and checked after it: reopened in between, it is made again."""
        while True:
            cursor = self._reader()
            with self._reading_now():
                if getattr(self._local, "epoch", None) == self._epoch:
                    return run(cursor)

    @contextmanager
    def _reading_now(self) -> Iterator[None]:
        with self._gate:
            while self._reopening:
                self._gate.wait()
            self._reading += 1
        try:
            yield
        finally:
            with self._gate:
                self._reading -= 1
                self._gate.notify_all()

    def reopen(self, wait: float = 2.0) -> bool:
        """Close the DuckDB connection and open it again, between reads (waiting up to ``wait``
        seconds for those in flight; False, and nothing done, when they do not end by then, or
        while a stream is open). Why: DuckDB 1.5.6 keeps about a kilobyte per aggregate query
        until its database closes (1,000 GROUP BY queries: +1.1 MB of malloc, freed by close);
        a watcher running the rules every cycle for months grew by megabytes a day. The caller
        holds no transaction and no run is going on (the watcher calls it between cycles)."""
        # Lock order: the write lock (no transaction of another thread is going on, so none is
        # inside a read), then the gate (new reads wait, those in flight end: _on_reader).
        with self._lock, self._gate:  # the write lock also keeps a second reopen() out
            self._reopening = True
            try:
                if not self._gate.wait_for(lambda: self._reading == 0, timeout=wait) or self._streams:
                    return False
                self._close_connection()
                self._con = _reconnect(self.path, self.read_only)
                self._epoch += 1
                return True
            finally:
                self._reopening = False
                self._gate.notify_all()

    def read(self, name: str, **params: Any) -> pa.Table:
        """Run a named read on this thread's read cursor (not under the write lock)."""
        query = build_read(name, params)
        return self._on_reader(lambda cursor: cursor.execute(query.sql, query.params).to_arrow_table())

    def read_batches(self, name: str, *, batch_rows: int, **params: Any) -> Iterator[pa.RecordBatch]:
        """A named read streamed in batches, on a cursor of its own (closed when the stream ends):
        DuckDB streams the result, so memory holds a batch (and what a sort in the read keeps),
        and the cursor's snapshot lets this store's writes go on meanwhile."""
        query = build_read(name, params)
        with self._lock:  # counted under the write lock, which reopen() holds throughout
            cursor = self._con.cursor()
            self._cursors.append(cursor)
            self._streams += 1
        try:
            cursor.execute("SET TimeZone = 'UTC'")
            reader = cursor.execute(query.sql, query.params).to_arrow_reader(max(1, int(batch_rows)))
            empty = True
            for batch in reader:
                if batch.num_rows:
                    empty = False
                    yield batch
            if empty:
                yield pa.RecordBatch.from_pylist([], schema=reader.schema)
        finally:
            with self._lock:
                self._streams -= 1
                if cursor in self._cursors:
                    self._cursors.remove(cursor)
            with suppress(duckdb.Error):
                cursor.close()

    def mark_changed(self) -> None:
        with self._transaction():
            pass  # the transaction's end bumps the generation

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> pa.Table:
        """Raw SQL (``limelight sql``, the store's own statements), on this thread's read cursor."""
        args: Any = params if isinstance(params, dict) else list(params)
        return self._on_reader(lambda cursor: cursor.execute(sql, args).to_arrow_table())

    def get_documents(self, ids: Sequence[str]) -> list[Document]:
        """The stored documents with these ids, in the order asked (unknown ids are left out)."""
        table = self.query(
            """SELECT d.*, s.platform, s.handle, s.name AS source_name, s.owner_entity, s.official
               FROM documents AS d JOIN sources AS s ON s.id = d.source_id
               WHERE d.id IN (SELECT unnest(?::VARCHAR[]))""",
            [list(ids)],
        )
        by_id = {row["id"]: _document_from_row(row) for row in table.to_pylist()}
        return [by_id[i] for i in ids if i in by_id]

    def on_close(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` when the store closes, before its connections close
        (:mod:`limelight.store.service` stops there, its queries still running on read cursors)."""
        self._on_close.append(callback)

    def checkpoint(self, min_log_bytes: int = 0) -> bool:
        """CHECKPOINT when the ``.wal`` beside the file holds at least ``min_log_bytes``. The
        connection keeps checkpoint_threshold at 256 MB for ingest speed (:func:`_connect`), and in
        DuckDB 1.5 each small insert into a table with a LIST column (``ingest_runs.inputs``) logs
        about two bytes per row already in its row group: a watcher's idle cycles grew the log
        (and the file's size on disk) without one new item until the next big write."""
        if str(self.path) == ":memory:":
            return False
        try:
            size = self.path.with_name(self.path.name + ".wal").stat().st_size
        except OSError:
            return False
        if size < min_log_bytes:
            return False
        with self._lock:
            self._con.execute("CHECKPOINT")
        return True

    def close(self) -> None:
        callbacks, self._on_close = self._on_close, []
        for callback in reversed(callbacks):  # outside the lock: a stopping reader may need it
            callback()
        with self._lock:
            self._close_connection()

    def _close_connection(self) -> None:  # under the write lock
        for cursor in self._cursors:
            with suppress(duckdb.Error):
                cursor.close()
        self._cursors.clear()
        self._con.close()

    def __enter__(self) -> DuckDBStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the incremental link stage (limelight.link.state) ----------------------------------------
    # Everything one linker run changes goes in one transaction: an interrupted `limelight link`
    # leaves the link state, links, pairs and stories of the run before it, never half of each.

    def apply_link_update(self, update: LinkUpdate) -> int:
        """Write one linker run's changes (:class:`~limelight.store.base.LinkUpdate`) in one
        transaction. Returns the links added."""
        with self._transaction() as con:
            if update.full:
                con.execute("DELETE FROM link_state WHERE linker = ?", [update.linker])
                con.execute("DELETE FROM similar_pairs WHERE linker = ?", [update.linker])
                for kind, prefix in update.owned:
                    con.execute("DELETE FROM links WHERE kind = ? AND left(evidence, length(?)) = ?",
                                [kind, prefix, prefix])
                if update.stories is not None:
                    for table in ("stories", "story_words", "story_short_words"):
                        con.execute(f"DELETE FROM {table}")
            self._remove_links(update.remove_links)
            added = self._add_links(update.add_links, update.run_id)
            if update.stale_for:
                ends = sorted({end for link in (*update.remove_links, *update.add_links)
                               for end in (link.from_id, link.to_id) if end})
                self._with_ids("_stale_ids", ends, f"""UPDATE link_state SET stale = true
                    WHERE linker IN ({", ".join("?" for _ in update.stale_for)})
                    AND document_id IN (SELECT id FROM _stale_ids)""", list(update.stale_for))
            self._replace_pairs(update)
            self._add_story_words(update)
            if update.stories is not None:
                region = sorted(set(update.story_region) | {r[0] for r in update.stories})
                if not update.full:
                    self._with_ids("_story_ids", region, "DELETE FROM stories WHERE document_id IN "
                                   "(SELECT id FROM _story_ids)")
                self._insert("stories", pa.table({
                    "document_id": pa.array([r[0] for r in update.stories], pa.string()),
                    "story_id": pa.array([r[1] for r in update.stories], pa.string()),
                    "method": pa.array([r[2] for r in update.stories], pa.string())}))
            if update.processed:
                ids = [doc_id for doc_id, _ in update.processed]
                self._with_ids("_done_ids", ids, "DELETE FROM link_state WHERE linker = ? AND document_id IN "
                               "(SELECT id FROM _done_ids)", [update.linker])
                n = len(update.processed)
                self._insert("link_state", pa.table({
                    "document_id": pa.array(ids, pa.string()), "linker": pa.array([update.linker] * n, pa.string()),
                    "content_hash": pa.array([h for _, h in update.processed], pa.string()),
                    "stale": pa.array([False] * n, pa.bool_()), "run_id": pa.array([update.run_id] * n, pa.string())}))
            con.execute("DELETE FROM linker_settings WHERE linker = ?", [update.linker])
            con.execute("INSERT INTO linker_settings VALUES (?, ?, ?)",
                        [update.linker, update.fingerprint, update.run_id])
        return added

    def write_minhash_bands(self, content_hashes: Sequence[str], buckets: Any, *, replace: bool = False) -> int:
        """Store the MinHash band buckets ((n, bands) integers, a row per text) of these content
        hashes; a text stored already keeps its rows, ``replace`` drops every stored one first.
        Returns the texts added."""
        import numpy as np

        n = len(content_hashes)
        matrix = np.asarray(buckets, dtype=np.int64).reshape(n, -1) if n else np.zeros((0, 0), dtype=np.int64)
        bands = matrix.shape[1]
        data = pa.table({"content_hash": pa.array(np.repeat(np.array(list(content_hashes), dtype=object), bands),
                                                  pa.string()),
                         "band": pa.array(np.tile(np.arange(bands, dtype=np.int32), n), pa.int32()),
                         "bucket": pa.array(matrix.reshape(-1), pa.int64())})
        with self._transaction() as con:
            if replace:
                con.execute("DELETE FROM minhash_bands")
            if n == 0:
                return 0
            con.register("_batch_bands", data)
            try:
                row = con.execute("""
                    INSERT INTO minhash_bands SELECT content_hash, band, bucket FROM _batch_bands AS b
                    WHERE NOT EXISTS (SELECT 1 FROM minhash_bands AS m WHERE m.content_hash = b.content_hash)
                """).fetchone()
            finally:
                con.unregister("_batch_bands")
        return (int(row[0]) if row else 0) // max(1, bands)

    def forget_linker(self, linker: str) -> None:
        """Forget what ``linker``'s stored results were made with: its next run starts from nothing."""
        with self._transaction() as con:
            con.execute("DELETE FROM linker_settings WHERE linker = ?", [linker])

    def _with_ids(self, view: str, ids: Sequence[str], sql: str, params: Sequence[Any] = ()) -> None:
        """Run ``sql`` (inside the caller's transaction) with ``view`` holding ``ids`` as column ``id``."""
        if not ids:
            return
        self._con.register(view, pa.table({"id": pa.array(list(ids), pa.string())}))
        try:
            self._con.execute(sql, list(params))
        finally:
            self._con.unregister(view)

    def _remove_links(self, links: Sequence[Link]) -> None:
        if not links:
            return
        data = pa.table({"from_id": pa.array([x.from_id for x in links], pa.string()),
                         "to_id": pa.array([x.to_id for x in links], pa.string()),
                         "to_url": pa.array([x.to_url for x in links], pa.string()),
                         "kind": pa.array([x.kind for x in links], pa.string()),
                         "evidence": pa.array([x.evidence for x in links], pa.string())})
        self._con.register("_gone_links", data)
        try:
            self._con.execute("""
                DELETE FROM links WHERE EXISTS (SELECT 1 FROM _gone_links AS g
                    WHERE g.from_id = links.from_id AND g.kind = links.kind AND g.evidence = links.evidence
                    AND g.to_id IS NOT DISTINCT FROM links.to_id AND g.to_url IS NOT DISTINCT FROM links.to_url)""")
        finally:
            self._con.unregister("_gone_links")

    def _add_links(self, links: Sequence[Link], run_id: str) -> int:
        # One link per (from, kind, to), the first offered, as against the links stored already.
        data = _links_table(first_links(links), run_id)
        if data.num_rows == 0:
            return 0
        cols = ", ".join(data.column_names)
        self._con.register("_new_links", data)
        try:
            row = self._con.execute(f"""
                INSERT INTO links ({cols}) SELECT {cols} FROM _new_links AS b WHERE NOT EXISTS (
                    SELECT 1 FROM links AS l WHERE l.from_id = b.from_id AND l.kind = b.kind
                    AND l.to_id IS NOT DISTINCT FROM b.to_id AND l.to_url IS NOT DISTINCT FROM b.to_url)""").fetchone()
        finally:
            self._con.unregister("_new_links")
        return int(row[0]) if row else 0

    def _replace_pairs(self, update: LinkUpdate) -> None:
        blocks = [int(b) for b in update.pair_blocks if b is not None]
        if blocks:
            self._con.execute("DELETE FROM similar_pairs WHERE linker = ? AND block IN (SELECT unnest(?::BIGINT[]))",
                              [update.linker, blocks])
        if any(b is None for b in update.pair_blocks):
            self._con.execute("DELETE FROM similar_pairs WHERE linker = ? AND block IS NULL", [update.linker])
        if not update.pairs:
            return
        data = pa.table({"a": pa.array([p[0] for p in update.pairs], pa.string()),
                         "b": pa.array([p[1] for p in update.pairs], pa.string()),
                         "cosine": pa.array([p[2] for p in update.pairs], pa.float64()),
                         "block": pa.array([p[3] for p in update.pairs], pa.int64())})
        self._con.register("_new_pairs", data)
        try:
            self._con.execute("""
                INSERT INTO similar_pairs SELECT DISTINCT ON (n.a, n.b) ?, n.a, n.b, n.cosine, n.block
                FROM _new_pairs AS n WHERE NOT EXISTS (
                    SELECT 1 FROM similar_pairs AS p WHERE p.linker = ? AND p.a = n.a AND p.b = n.b)""",
                              [update.linker, update.linker])
        finally:
            self._con.unregister("_new_pairs")

    def _add_story_words(self, update: LinkUpdate) -> None:
        if update.words:
            data = pa.table({"word": pa.array(list(update.words), pa.string()),
                             "df": pa.array(list(update.words.values()), pa.int32())})
            self._con.register("_word_counts", data)
            try:
                self._con.execute("UPDATE story_words SET df = story_words.df + w.df FROM _word_counts AS w "
                                  "WHERE story_words.word = w.word")
                self._con.execute("INSERT INTO story_words SELECT word, df FROM _word_counts AS w "
                                  "WHERE NOT EXISTS (SELECT 1 FROM story_words AS s WHERE s.word = w.word)")
            finally:
                self._con.unregister("_word_counts")
        if update.short_words:
            data = pa.table({"word": pa.array([w for w, _ in update.short_words], pa.string()),
                             "document_id": pa.array([d for _, d in update.short_words], pa.string())})
            self._con.register("_short_words", data)
            try:
                self._con.execute("""
                    INSERT INTO story_short_words SELECT DISTINCT word, document_id FROM _short_words AS n
                    WHERE NOT EXISTS (SELECT 1 FROM story_short_words AS s
                                      WHERE s.word = n.word AND s.document_id = n.document_id)""")
            finally:
                self._con.unregister("_short_words")


class DuckDBStoreFactory:
    name = "duckdb"
    version = "1"
    title = "DuckDB: one embedded file per project (the default)"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("store",)

    def open(self, target: Path | str, *, read_only: bool = False) -> DuckDBStore:
        return DuckDBStore(target, read_only=read_only)

    def fingerprint(self, target: Path | str) -> Hashable:
        """What changes on disk whenever a commit lands in the store at ``target``: inode, size,
        modification and change times of the file and of its write-ahead log (a commit appends to
        the log and syncs it; a checkpoint rewrites the file and drops the log). Reading it is a
        few ``stat`` calls, where reading the generation opens the database: a caller compares
        fingerprints and reads the generation only when they differ."""
        path = Path(target)
        out: list[tuple[int, int, int, int] | None] = []
        for file in (path, path.with_name(path.name + ".wal")):
            try:
                st = file.stat()
            except OSError:
                out.append(None)
            else:
                out.append((st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
        return tuple(out)


def register(registry: Registry) -> None:
    registry.register("store", DuckDBStoreFactory())


# -- helpers --------------------------------------------------------------------------------------


def _reconnect(path: Path, read_only: bool, tries: int = 60) -> duckdb.DuckDBPyConnection:
    """:func:`_connect` again after a close: the file's lock was free for a moment, and another
    process may have opened the file meanwhile; it is asked again for half a minute."""
    for attempt in range(tries):
        try:
            return _connect(path, read_only)
        except ConfigError:
            if attempt == tries - 1:
                raise
            time.sleep(0.5)
    raise AssertionError("unreachable")


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    if str(path) != ":memory:" and not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        text = str(exc)
        if "lock" in text.lower():
            hint = "another limelight process (an ingest, link, tone apply or report) has it open; wait or stop it"
        elif read_only and not path.exists():
            hint = "run `limelight ingest` first to create it"
        else:
            hint = "check store.path in limelight.toml points at a limelight DuckDB file"
        raise ConfigError(f"cannot open the store {path}: {text}", hint) from None
    con.execute("SET TimeZone = 'UTC'")
    if not read_only:
        # DuckDB checkpoints the WAL into the file every 16 MB by default; during an ingest that
        # is every few batches and rewrites blocks again and again. At 256 MB, 100k synthetic
        # documents took 6.4 s instead of 10.9 s (close included) and the file was 44 MB, not 79.
        con.execute("SET checkpoint_threshold = '256MB'")
    return con
