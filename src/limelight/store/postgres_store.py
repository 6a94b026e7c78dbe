"""A second store: one PostgreSQL database (or schema) per project, shared by many processes.

``store.path = "postgresql://user@host/db"`` in limelight.toml selects it (docs/postgresql.md).
It runs the same migrations as DuckDB (:mod:`limelight.store.schema`, translated by SQLGlot), the
same named reads (translated by :mod:`limelight.store.dialect`) and the same write rule
(:func:`limelight.store.arrow.plan_write`), so it passes the same contract tests.

Writes: each batch becomes the same Arrow tables DuckDB inserts (:mod:`limelight.store.arrow`);
each is turned into CSV by Arrow (lists as PostgreSQL array literals, NUL characters dropped:
PostgreSQL refuses them in text) and ``COPY``'d: straight into its table when its rows are expected
to be new (in a savepoint), else, or when one was stored after all, into a temporary staging table
of this connection and on with ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``. Nothing is
converted row by row in Python and nothing is inserted row by row.

Several processes may ingest into one project at once. Every keyed table is inserted with
``ON CONFLICT DO NOTHING`` in key order (so two writers lock rows in the same order and do not
deadlock); a document another writer stored first (its insert waits for that writer's commit,
then does nothing) is counted as known, and its mentions and links are left to the writer that
stored it, so nothing is stored twice. Tables without a key (errors, links from the link stage)
and the whole-table rewrites (entities, stories) take a lock for the length of their transaction.
A transaction that still loses a deadlock or serialization race is retried.

Runs: each run holds a session advisory lock while it runs, so a run marked ``running`` whose
lock nobody holds was killed; ``start_run`` marks only those interrupted, never a run another
process is still doing.

Reads run on one autocommit connection per reading thread, so they see committed data only and a
write transaction never blocks them; results come back as Arrow tables with DuckDB's types as far
as PostgreSQL allows (timestamps in UTC, lists as lists, count(*) as int64, numeric as int64
when every value is whole, else float64).
"""

from __future__ import annotations

import io
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, LiteralString, TypeVar

import pyarrow as pa
import pyarrow.compute as pc

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
from limelight.store.arrow import WritePlan as _WritePlan
from limelight.store.arrow import (
    document_from_row,
    documents_table,
    errors_table,
    first_links,
    fresh_shard_tables,
    from_summary,
    links_table,
    mention_rows,
    mentions_table,
    plan_write,
    raw_inputs_table,
    raw_key,
    read_shard,
    search_index_tables,
    shard_errors,
    shard_plan_inputs,
    sources_table,
    to_json,
)
from limelight.store.base import LinkUpdate, WriteResult
from limelight.store.dialect import ddl_to_postgres, to_postgres
from limelight.store.read_methods import NamedReadMethods
from limelight.store.reads import build as build_read
from limelight.store.reads import load as load_reads
from limelight.store.schema import (
    BUMP_GENERATION,
    ENTITY_SCHEMA,
    GENERATION_VERSION,
    MENTION_SCHEMA,
    MIGRATIONS,
    Migration,
)
from limelight.watchlist import Watchlist

if TYPE_CHECKING:
    import psycopg

_T = TypeVar("_T")

# Advisory locks. What one project (the store's schema) serializes is keyed by the schema and a
# name (one bigint); runs by a class of their own and hashtext(run id) (two ints).
_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || %s, 0))"
_MIGRATE, _ERRORS, _LINKS = "/limelight/migrate", "/limelight/errors", "/limelight/links"
_RUNS = 0x1172

# PostgreSQL has no zone maps: without these, deleting a document's mentions and links (replace,
# rematch) and finding an entity's documents would scan the whole table. Not migrations: they are
# this backend's business, created if missing each time a writer opens the store.
_INDEXES: dict[str, LiteralString] = {
    "mentions_document_id": "CREATE INDEX IF NOT EXISTS mentions_document_id ON mentions (document_id)",
    "mentions_entity_id": "CREATE INDEX IF NOT EXISTS mentions_entity_id ON mentions (entity_id)",
    "links_from_id": "CREATE INDEX IF NOT EXISTS links_from_id ON links (from_id)",
    "errors_key": "CREATE INDEX IF NOT EXISTS errors_key ON errors (origin, stage, message)",
    # The search's candidates: documents whose word list overlaps a term's words (GIN, the index
    # PostgreSQL's own full-text search uses); a replaced document's row goes by id.
    "search_index_terms": "CREATE INDEX IF NOT EXISTS search_index_terms ON search_index USING gin (terms)",
    "search_index_document_id": "CREATE INDEX IF NOT EXISTS search_index_document_id ON search_index (document_id)",
}

# Key column of each table a write inserts into (None: no key, duplicates are the caller's care).
_KEYS: dict[str, str | None] = {"sources": "id", "documents": "id", "mentions": "id", "links": None,
                                "raw_inputs": "raw_key", "entities": "id", "stories": "document_id",
                                "link_state": None, "search_index": None}

_RETRIES = 6  # a write transaction that loses a deadlock or serialization race is run again


class PostgresStore(NamedReadMethods):
    """A :class:`~limelight.store.base.Store` on one PostgreSQL database (its current schema).

    One writing connection, guarded by a lock (a psycopg connection runs one statement at a
    time), and one autocommit read connection per reading thread.
    """

    name = "postgresql"
    dialect = "postgres"
    blocks_writers = False  # PostgreSQL: readers and writers of many processes at once

    def __init__(self, url: str, *, read_only: bool = False, migrations: Sequence[Migration] = MIGRATIONS) -> None:
        self.url = url
        self.read_only = read_only
        self._migrations = tuple(migrations)
        self.schema_version = self._migrations[-1].version
        self._lock = threading.RLock()
        self._replaced: dict[str, set[str]] = {}  # run id → documents a run replaced (write)
        self._runs: set[str] = set()  # runs this store started and holds the lock of
        self._local = threading.local()  # this thread's read connection
        self._readers: list[psycopg.Connection[Any]] = []
        self._staged: set[str] = set()  # staging tables this connection has
        self._used: set[str] = set()  # staging tables used in the current transaction
        self._con = _connect(url, read_only=read_only, role="writer")
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
        row = con.execute("SELECT current_schema()").fetchone()
        if row is None or row[0] is None:
            # The search_path names a schema that does not exist yet (a project per schema).
            path = con.execute("SHOW search_path").fetchone()
            first = str(path[0] if path else "").split(",")[0].strip().strip('"')
            if self.read_only or not first or first.startswith("$"):
                raise ConfigError(f"the PostgreSQL store {_redact(self.url)} has no schema to use (search_path "
                                  f"{first or 'empty'})", "create the schema, or open it once for writing")
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(first)}")
        # Two processes opening a new project at once: one migrates, the other waits and then
        # finds it migrated.
        if not self.read_only:
            con.execute("SELECT pg_advisory_lock(hashtextextended(current_schema() || %s, 0))", (_MIGRATE,))
        try:
            tables = {str(r[0]) for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").fetchall()}
            if "schema_migrations" in tables:
                got = con.execute("SELECT max(version) FROM schema_migrations").fetchone()
                current = int(got[0]) if got and got[0] is not None else 0
            elif tables:
                raise ConfigError(
                    f"{_redact(self.url)} is a PostgreSQL database but not a limelight store (its schema has "
                    f"tables {', '.join(sorted(tables)[:5])} and no schema_migrations)",
                    "point store.path at an empty database, or at a schema of its own "
                    "(postgresql://.../db?options=-csearch_path%3Dlimelight)")
            else:
                current = 0
            if current > self.schema_version:
                raise ConfigError(
                    f"{_redact(self.url)} was written by a newer limelight (store schema version {current}; "
                    f"this limelight knows versions up to {self.schema_version})",
                    "upgrade limelight (pip install -U limelight), or use another store.path")
            pending = [m for m in self._migrations if m.version > current]
            if pending and self.read_only:
                raise ConfigError(
                    f"{_redact(self.url)} has store schema version {current}, this limelight needs "
                    f"{self.schema_version}",
                    "open it once for writing (e.g. run `limelight ingest`) so the schema is upgraded")
            for migration in pending:
                # One transaction per step: a failed step leaves the store at the previous version.
                with con.transaction():
                    con.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
                        version INTEGER PRIMARY KEY, description TEXT NOT NULL,
                        applied_at TIMESTAMPTZ NOT NULL)""")
                    for statement in migration.statements:
                        con.execute(ddl_to_postgres(statement))
                    con.execute("INSERT INTO schema_migrations VALUES (%s, %s, now())",
                                (migration.version, migration.description))
            if not self.read_only:
                # Only the missing ones: CREATE INDEX locks its table even when the index exists,
                # and another process may be writing to it.
                have = {str(r[0]) for r in con.execute(
                    "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()").fetchall()}
                for name, statement in _INDEXES.items():
                    if name not in have:
                        con.execute(statement)
        finally:
            if not self.read_only:
                with suppress(Exception):
                    con.execute("SELECT pg_advisory_unlock(hashtextextended(current_schema() || %s, 0))",
                                (_MIGRATE,))

    # -- transactions and bulk inserts ------------------------------------------------------------

    def _write(self, body: Callable[[], _T]) -> _T:
        """``body()`` in one transaction of the writing connection, retried when PostgreSQL
        aborts it to break a deadlock or a serialization conflict with another writer."""
        import psycopg.errors

        for attempt in range(_RETRIES):
            try:
                with self._lock, self._transaction():
                    return body()
            except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
                if attempt == _RETRIES - 1:
                    raise
                time.sleep(random.uniform(0.01, 0.05) * 2 ** attempt)
        raise AssertionError("unreachable")  # the loop returns or raises

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection[Any]]:
        with self._lock:
            if self.read_only:
                raise ConfigError("this PostgreSQL store was opened read-only", "open it for writing to change it")
            self._used.clear()
            known = set(self._staged)
            try:
                with self._con.transaction():
                    yield self._con
                    if self._generation:
                        # Last, so the row lock is held only for the commit: a writer waiting for
                        # it holds nothing another writer waits for (no deadlock).
                        self._con.execute(BUMP_GENERATION)
            except BaseException:
                self._staged = known  # a staging table created in a rolled-back transaction is gone
                raise

    def _stage(self, table: str, data: pa.Table, *, shaped: bool = False) -> str:
        """COPY ``data`` into this connection's staging table for ``table`` (a temporary table
        emptied at commit) and return its name; inside the caller's transaction. The staging table
        has the columns of the store table ``table``, or with ``shaped`` those of ``data``
        (a name used with one shape only)."""
        stage = f"_stage_{table}"
        if stage not in self._staged:
            columns = _columns_ddl(data.schema) if shaped else f"LIKE {table}"
            self._con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} ({columns}) ON COMMIT DELETE ROWS")
            self._staged.add(stage)
        elif stage in self._used:
            self._con.execute(f"TRUNCATE {stage}")
        self._used.add(stage)
        if data.num_rows:
            cols = ", ".join(_ident(c) for c in data.column_names)
            with self._con.cursor() as cur, cur.copy(f"COPY {stage} ({cols}) FROM STDIN (FORMAT csv)") as copy:
                for chunk in _csv_chunks(data):
                    copy.write(chunk)
        return stage

    def _insert(self, table: str, data: pa.Table, *, returning: str | None = None,
                direct: bool = False) -> tuple[int, list[str]]:
        """Insert ``data`` in key order (two writers then lock rows in the same order and cannot
        deadlock), skipping rows whose key is stored already, by this or another writer. Returns
        (rows inserted, the ``returning`` column of those rows).

        With ``direct`` the rows are expected to be new (the batch's known ids were left out, or
        they derive from documents this transaction inserted): they are COPY'd straight into the
        table, and only when one is stored after all (another writer committed it meanwhile, or a
        row was left behind) does the insert go through the staging table, which skips it."""
        if data.num_rows == 0:
            return 0, []
        key = _KEYS.get(table)
        if key is not None:
            data = data.sort_by(key)
        if direct and self._copy_direct(table, data):
            return data.num_rows, [str(v) for v in data.column(returning).to_pylist()] if returning else []
        stage = self._stage(table, data)
        cols = ", ".join(_ident(c) for c in data.column_names)
        sql = f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {stage}"
        if key is not None:
            sql += f" ORDER BY {_ident(key)} ON CONFLICT ({_ident(key)}) DO NOTHING"
        if returning is not None:
            sql += f" RETURNING {_ident(returning)}"
        with self._con.cursor() as cur:
            cur.execute(sql)
            values = [str(r[0]) for r in cur.fetchall()] if returning is not None else []
            return max(cur.rowcount, 0), values

    def _copy_direct(self, table: str, data: pa.Table) -> bool:
        """COPY ``data`` into ``table`` inside a savepoint; False (and nothing written) when a row's
        key is stored already."""
        import psycopg.errors

        cols = ", ".join(_ident(c) for c in data.column_names)
        try:
            with self._con.transaction(), self._con.cursor() as cur, \
                    cur.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as copy:
                for chunk in _csv_chunks(data):
                    copy.write(chunk)
        except psycopg.errors.UniqueViolation:
            return False
        return True

    def _known_ids(self, ids: list[str]) -> dict[str, tuple[str | None, bool]]:
        """The ids among ``ids`` that ``documents`` holds already, each with the run that first
        stored it and whether it was built from a feed entry's summary (primary-key lookups)."""
        if not ids:
            return {}
        rows = self._con.execute(
            "SELECT id, first_run_id, coalesce(json_extract_path_text(extra, 'from_feed_summary') = '1', false) "
            "FROM documents WHERE id = ANY(%s)", (ids,)).fetchall()
        return {str(r[0]): (r[1], bool(r[2])) for r in rows}

    def _temp_reprocessed(self) -> None:
        # The documents a ``--reprocess`` run produced, per connection as in the DuckDB store.
        self._con.execute("CREATE TEMP TABLE IF NOT EXISTS _reprocessed (run_id TEXT, id TEXT)")

    def _seen_in_run(self, run_id: str, ids: list[str]) -> None:
        self._temp_reprocessed()
        self._con.execute("INSERT INTO _reprocessed SELECT %s, unnest(%s::text[])", (run_id, ids))

    def remove_unproduced(self, input_origins: Sequence[str], run_id: str) -> int:
        """After ``ingest --reprocess``: delete the documents stored from these inputs (origin equal
        to one, or one followed by ``:line`` or ``#record``) that the run did not produce again."""
        if not input_origins:
            return 0

        def body() -> int:
            self._temp_reprocessed()
            ids = [str(r[0]) for r in self._con.execute("""
                SELECT d.id FROM documents AS d JOIN unnest(%s::text[]) AS i(origin)
                  ON d.origin = i.origin OR starts_with(d.origin, i.origin || ':')
                     OR starts_with(d.origin, i.origin || '#')
                WHERE d.id NOT IN (SELECT id FROM _reprocessed WHERE run_id = %s)""",
                (list(input_origins), run_id)).fetchall()]
            if ids:
                self._drop_documents(ids)
            self._con.execute("DELETE FROM _reprocessed WHERE run_id = %s", (run_id,))
            return len(ids)

        return self._write(body)

    def _drop_documents(self, ids: list[str]) -> None:
        """Delete documents and everything derived from them, inside the caller's transaction. A
        linker that had linked one starts its next run from nothing (see DuckDBStore._drop_documents)."""
        self._con.execute("DELETE FROM linker_settings WHERE linker IN "
                          "(SELECT linker FROM link_state WHERE document_id = ANY(%s))", (ids,))
        self._con.execute("DELETE FROM link_state WHERE document_id = ANY(%s)", (ids,))
        for table, column in (("mentions", "document_id"), ("links", "from_id"), ("embeddings", "document_id"),
                              ("stories", "document_id"), ("search_index", "document_id"),
                              ("documents", "id")):
            self._con.execute(f"DELETE FROM {table} WHERE {column} = ANY(%s)", (ids,))

    def _index(self, documents: pa.Table) -> None:
        """Write the search index rows of these just-inserted documents (inside the caller's
        transaction; the rows derive from them, so they are new)."""
        for table, rows in search_index_tables(documents).items():
            self._insert(table, rows, direct=True)

    def reindex_search(self, document_ids: Sequence[str]) -> int:
        """Rebuild the search index rows of these stored documents in one transaction. Returns the
        documents indexed."""
        ids = list(dict.fromkeys(document_ids))
        if not ids:
            return 0

        def body() -> int:
            self._con.execute("DELETE FROM search_index WHERE document_id = ANY(%s)", (ids,))
            rows = self._con.execute("SELECT id, title, text, captions FROM documents WHERE id = ANY(%s)",
                                     (ids,)).fetchall()
            documents = pa.table({"id": pa.array([r[0] for r in rows], pa.string()),
                                  "title": pa.array([r[1] for r in rows], pa.string()),
                                  "text": pa.array([r[2] for r in rows], pa.string()),
                                  "captions": pa.array([r[3] for r in rows], pa.list_(pa.string()))})
            self._index(documents)
            return len(rows)

        return self._write(body)

    # -- saved searches (limelight.search) ---------------------------------------------------------

    def save_search(self, name: str, query: str, filters: Mapping[str, Any], created_at: datetime) -> None:
        """Store (or replace) the search ``name``; its matches count as seen up to ``created_at``."""
        def body() -> None:
            self._con.execute(
                "INSERT INTO saved_searches VALUES (%s, %s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET "
                "query = excluded.query, filters = excluded.filters, created_at = excluded.created_at, "
                "last_seen_at = excluded.last_seen_at", (name, query, to_json(dict(filters)), created_at, created_at))

        self._write(body)

    def delete_search(self, name: str) -> bool:
        """Forget the saved search ``name``; False when there was none."""
        def body() -> bool:
            return self._con.execute("DELETE FROM saved_searches WHERE name = %s", (name,)).rowcount > 0

        return self._write(body)

    def mark_search_seen(self, name: str, at: datetime) -> None:
        """Record that the saved search ``name``'s matches were looked at up to ``at``."""
        def body() -> None:
            self._con.execute("UPDATE saved_searches SET last_seen_at = %s WHERE name = %s", (at, name))

        self._write(body)

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

        def body() -> tuple[tuple[str, ...], tuple[str, ...], int]:
            # Two watchers raising the same incident at once: one waits for the other's commit and
            # then finds its row, rather than both inserting it (or both bumping the version).
            self._con.execute("SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || %s, 0))",
                              ("limelight-alerts",))
            rows = self._con.execute("SELECT id, fingerprint FROM alerts WHERE id = ANY(%s)", (ids,)).fetchall()
            plan = plan_upsert(given, [{"id": r[0], "fingerprint": r[1]} for r in rows])
            for alert_id in plan[0]:
                self._con.execute(f"INSERT INTO alerts ({ALERT_COLUMNS}) VALUES ({', '.join(['%s'] * 15)})",
                                  (*given[alert_id], 1))
            for alert_id in plan[1]:
                self._con.execute(f"UPDATE alerts SET {update_assignments('%s')}, version = version + 1 "
                                  "WHERE id = %s", (*update_values(given[alert_id]), alert_id))
            return plan

        new, grown, unchanged = self._write(body)
        return AlertChanges(new, grown, unchanged)

    def record_delivery(self, deliveries: Sequence[Delivery]) -> None:
        """Record the state of each (alert, version, channel), replacing what was stored, in one transaction."""
        if not deliveries:
            return

        def body() -> None:
            with self._con.cursor() as cur:
                cur.executemany(
                    "INSERT INTO alert_deliveries VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (alert_id, version, channel) DO UPDATE SET attempt = excluded.attempt, "
                    "status = excluded.status, next_attempt_at = excluded.next_attempt_at, "
                    "last_error = excluded.last_error, delivered_at = excluded.delivered_at",
                    [delivery_row(d) for d in deliveries])

        self._write(body)

    def write_watch_targets(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Replace the ``watch_targets`` rows of these targets, in one transaction."""
        if not rows:
            return
        from limelight.store.schema import WATCH_TARGET_COLUMNS

        def body() -> None:
            with self._con.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO watch_targets ({', '.join(WATCH_TARGET_COLUMNS)}) VALUES "
                    f"({', '.join(['%s'] * len(WATCH_TARGET_COLUMNS))}) ON CONFLICT (target) DO UPDATE SET "
                    + ", ".join(f"{c} = excluded.{c}" for c in WATCH_TARGET_COLUMNS[1:]),
                    [[r[c] for c in WATCH_TARGET_COLUMNS] for r in rows])

        self._write(body)

    def write_ingested_files(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Replace the ``ingested_files`` rows of these paths, in one transaction."""
        if not rows:
            return
        from limelight.store.schema import INGESTED_FILE_COLUMNS as cols

        def body() -> None:
            with self._con.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO ingested_files ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))}) "
                    "ON CONFLICT (path) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in cols[1:]),
                    [[r[c] for c in cols] for r in rows])

        self._write(body)

    def known_raw(self, keys: Sequence[str], exclude_run: str | None = None) -> dict[str, str]:
        """Raw-input keys seen by earlier runs → the document each produced, for documents still stored."""
        if not keys:
            return {}
        rows = self._reader().execute(
            """SELECT r.raw_key, r.document_id FROM raw_inputs AS r JOIN documents AS d ON d.id = r.document_id
               WHERE r.raw_key = ANY(%s) AND r.first_run_id IS DISTINCT FROM %s""",
            (list(keys), exclude_run)).fetchall()
        return {str(r[0]): str(r[1]) for r in rows}

    # -- writes -----------------------------------------------------------------------------------

    def write(self, batch: Sequence[Enriched], run_id: str, *, replace: bool = False) -> WriteResult:
        """Store the batch's new documents in one transaction, by the rule every store follows
        (:func:`limelight.store.arrow.plan_write`); see the DuckDB store for what it means."""
        ids = [item.document.id for item in batch]
        if not ids:
            return WriteResult(new=0, known=0, mentions=0)
        raw: dict[str, str] = {}
        for item in batch:
            key = raw_key(item)
            if key is not None:
                raw.setdefault(key, item.document.id)

        def tables(plan: _WritePlan) -> dict[str, pa.Table]:
            fresh = [batch[plan.firsts[doc_id]] for doc_id in plan.fresh]
            return {"sources": sources_table(item.document.source for item in fresh),
                    "documents": documents_table(fresh, run_id, plan.first_runs),
                    "mentions": mentions_table(fresh),
                    "links": links_table([link for item in fresh for link in item.links], run_id),
                    "raw_inputs": raw_inputs_table(raw, run_id)}

        return self._store(ids, lambda i: from_summary(batch[i]), tables, run_id, replace=replace)

    def bulk_load(self, parquet_files: Sequence[Mapping[str, Path | str]], run_id: str) -> WriteResult:
        """Load shards a worker wrote (one mapping of table → Parquet file each; store/arrow.py) as
        ``write`` would store the same items: one transaction per shard; then the shard's errors."""
        total = WriteResult(new=0, known=0, mentions=0)
        for files in parquet_files:
            shard = read_shard(files)
            ids, summary = shard_plan_inputs(shard["documents"])
            got = self._store(ids, summary, _shard_rows(shard, run_id), run_id)
            total = WriteResult(new=total.new + got.new, known=total.known + got.known,
                                mentions=total.mentions + got.mentions, duplicates=total.duplicates + got.duplicates)
            self.write_errors(shard_errors(shard["errors"]), run_id)
        self._refresh_statistics()
        return total

    def _refresh_statistics(self) -> None:
        """ANALYZE the tables a run fills. The planner otherwise plans the analyses over a table
        it still believes empty until autovacuum comes round (a minute or more after a bulk load):
        at 1M mentions, visibility took 6.7 scans before it and 4.3 after (the PostgreSQL manual's advice
        for populating a database). A sampled ANALYZE costs well under a second per table."""
        with self._lock:
            self._con.execute("ANALYZE sources, documents, mentions, links, search_index")

    def _store(self, ids: list[str], new_from_summary: Callable[[int], bool],
               tables: Callable[[_WritePlan], dict[str, pa.Table]], run_id: str, *,
               replace: bool = False) -> WriteResult:
        """The write of one batch: plan it against the stored ids, then insert what is fresh."""

        def body() -> tuple[_WritePlan, int, int]:
            found = self._known_ids(list(dict.fromkeys(ids)))
            plan = plan_write(ids, found, new_from_summary, run_id, self._replaced.get(run_id, set()),
                              replace=replace)
            if replace:
                self._seen_in_run(run_id, list(plan.firsts))
            if plan.redo:
                self._drop_documents(plan.redo)
            fresh = tables(plan)
            self._insert("sources", fresh["sources"])  # mostly stored already: through staging
            _, inserted = self._insert("documents", fresh["documents"], returning="id", direct=True)
            mentions, links, documents = fresh["mentions"], fresh["links"], fresh["documents"]
            if len(inserted) < len(plan.fresh):
                # Another writer stored some of these first (its commit came while this insert
                # waited): they are known, and their mentions and links are that writer's.
                mine = set(inserted)
                for doc_id in plan.fresh:
                    if doc_id not in mine:
                        plan.stored[doc_id] = None
                kept = pa.array(inserted, pa.string())
                mentions = mentions.filter(pc.is_in(mentions.column("document_id"), value_set=kept))
                links = links.filter(pc.is_in(links.column("from_id"), value_set=kept))
                documents = documents.filter(pc.is_in(documents.column("id"), value_set=kept))
            self._index(documents)
            n_mentions, _ = self._insert("mentions", mentions, direct=True)
            self._insert("links", links, direct=True)
            # Known documents' raw keys are mostly stored already: those go through staging at once.
            self._insert("raw_inputs", fresh["raw_inputs"], direct=not found)
            return plan, len(inserted), n_mentions

        plan, new, n_mentions = self._write(body)
        self._replaced.setdefault(run_id, set()).update(plan.redo)  # after the commit: a retry replans
        return plan.result(ids, run_id, new=new, mentions=n_mentions)

    def write_links(self, links: Sequence[Link], run_id: str) -> int:
        """Add links found across documents (the link stage); a link stored already is skipped."""
        data = links_table(list(dict.fromkeys(links)), run_id)
        if data.num_rows == 0:
            return 0

        def body() -> int:
            # links has no key: writers take turns so two never add the same link.
            self._con.execute(_LOCK, (_LINKS,))
            stage = self._stage("links", data)
            cur = self._con.execute(f"""
                INSERT INTO links SELECT * FROM {stage} AS b WHERE NOT EXISTS (
                    SELECT 1 FROM links AS l WHERE l.from_id = b.from_id AND l.kind = b.kind
                    AND l.to_id IS NOT DISTINCT FROM b.to_id AND l.to_url IS NOT DISTINCT FROM b.to_url)""")
            return max(cur.rowcount, 0)

        return self._write(body)

    def update_tone(self, mentions: pa.Table, documents: pa.Table) -> None:
        """Set tone and tone_label of stored mentions and documents (tables: id, tone, tone_label)."""

        def body() -> None:
            for table, data in (("mentions", mentions), ("documents", documents)):
                if data.num_rows == 0:
                    continue
                tone = pa.table({"id": data.column("id").cast(pa.string()),
                                 "tone": data.column("tone").cast(pa.float64()),
                                 "tone_label": data.column("tone_label").cast(pa.string())})
                stage = self._stage(f"tone_{table}", tone, shaped=True)
                self._con.execute(f"UPDATE {table} SET tone = t.tone, tone_label = t.tone_label "
                                  f"FROM {stage} AS t WHERE {table}.id = t.id")

        self._write(body)

    def write_embeddings(self, document_ids: Sequence[str], model: str, vectors: Any) -> int:
        """Store one vector per document for ``model``; a (document, model) pair stored already is
        kept, and so is a batch's first vector for a pair it names twice. Returns the rows added."""
        ids = list(document_ids)
        if not ids:
            return 0
        import numpy as np

        matrix = np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1)
        flat = pa.array(matrix.reshape(-1), pa.float32())
        offsets = pa.array(np.arange(0, matrix.size + 1, matrix.shape[1], dtype=np.int32), pa.int32())
        data = pa.table({"document_id": pa.array(ids, pa.string()), "model": pa.array([model] * len(ids)),
                         "vector": pa.ListArray.from_arrays(offsets, flat)})

        def body() -> int:
            stage = self._stage("embeddings", data)
            cur = self._con.execute(f"""
                INSERT INTO embeddings (document_id, model, vector)
                SELECT document_id, model, vector FROM {stage} ORDER BY document_id, model
                ON CONFLICT (document_id, model) DO NOTHING""")
            return max(cur.rowcount, 0)

        return self._write(body)

    def replace_stories(self, rows: Sequence[tuple[str, str, str]]) -> int:
        """Replace the ``stories`` table with (document_id, story_id, method) rows in one transaction."""
        data = pa.table({"document_id": pa.array([r[0] for r in rows], pa.string()),
                         "story_id": pa.array([r[1] for r in rows], pa.string()),
                         "method": pa.array([r[2] for r in rows], pa.string())})

        def body() -> int:
            # A whole-table rewrite: a second writer waits instead of inserting beside this one.
            self._con.execute("LOCK TABLE stories IN SHARE ROW EXCLUSIVE MODE")
            self._con.execute("DELETE FROM stories")
            return self._insert("stories", data)[0]

        return self._write(body)

    def write_errors(self, errors: Sequence[ItemError], run_id: str) -> None:
        """Record errors once per (origin, stage, message): an error seen before gets this run as
        its ``last_run_id`` and one more ``seen``, so re-ingesting a bad file adds no rows."""
        data = errors_table(errors, run_id, datetime.now(UTC))
        if data.num_rows == 0:
            return

        def body() -> None:
            # errors has no key: writers take turns so two never add the same error.
            self._con.execute(_LOCK, (_ERRORS,))
            stage = self._stage("errors", data)
            self._con.execute(f"""
                UPDATE errors SET last_run_id = b.run_id, seen = errors.seen + 1, "at" = b."at"
                FROM {stage} AS b
                WHERE errors.origin = b.origin AND errors.stage = b.stage AND errors.message = b.message
                  AND errors.last_run_id IS DISTINCT FROM b.run_id""")
            cols = ", ".join(_ident(c) for c in data.column_names)
            self._con.execute(f"""
                INSERT INTO errors ({cols}) SELECT {cols} FROM {stage} AS b WHERE NOT EXISTS (
                    SELECT 1 FROM errors AS e
                    WHERE e.origin = b.origin AND e.stage = b.stage AND e.message = b.message)""")

        self._write(body)

    def sync_watchlist(self, watchlist: Watchlist, fingerprints: dict[str, str] | None = None) -> None:
        """Replace the entities table with the watchlist's; ``fingerprints`` (entity id → what decided
        its mentions) are recorded with them, else kept as stored."""
        if fingerprints is None:
            fingerprints = {k: v for k, v in self.entity_fingerprints().items() if v is not None}
        data = pa.Table.from_pylist(
            [{"id": e.id, "kind": e.kind, "name": e.name, "aliases": list(e.aliases), "parent": e.parent,
              "role": e.role, "query": e.query, "competitors": list(e.competitors), "query_mode": e.query_mode,
              "fingerprint": fingerprints.get(e.id)}
             for e in watchlist.entities],
            schema=ENTITY_SCHEMA,
        )

        def body() -> None:
            # Every ingest syncs the watchlist first: with two starting at once, the second waits.
            self._con.execute("LOCK TABLE entities IN SHARE ROW EXCLUSIVE MODE")
            self._con.execute("DELETE FROM entities")
            self._insert("entities", data)

        self._write(body)

    def replace_mentions(self, document_ids: Sequence[str], mentions: Sequence[Mention]) -> tuple[int, int]:
        """Replace the mentions of these documents with ``mentions`` in one transaction; a mention
        that comes out the same (id, surface and sentence) keeps its tone. Returns (removed, added)."""
        unique: dict[str, Mention] = {}
        for m in mentions:
            unique.setdefault(m.id, m)
        new = mention_rows(unique)
        docs = list(document_ids)
        same = "o.id = n.id AND o.surface = n.surface AND o.sentence = n.sentence"

        def body() -> tuple[int, int]:
            con = self._con
            staged = self._stage("mentions", new)
            con.execute("CREATE TEMP TABLE IF NOT EXISTS _old_mentions (LIKE mentions) ON COMMIT DELETE ROWS")
            con.execute("TRUNCATE _old_mentions")
            con.execute("INSERT INTO _old_mentions SELECT * FROM mentions WHERE document_id = ANY(%s)", (docs,))
            row = con.execute(f"""SELECT
                (SELECT count(*) FROM _old_mentions AS o WHERE NOT EXISTS (SELECT 1 FROM {staged} AS n WHERE {same})),
                (SELECT count(*) FROM {staged} AS n WHERE NOT EXISTS (SELECT 1 FROM _old_mentions AS o WHERE {same}))
                """).fetchone()
            con.execute("DELETE FROM mentions WHERE document_id = ANY(%s)", (docs,))
            names = [c for c in MENTION_SCHEMA.names if c not in ("tone", "tone_label")]
            listed = ", ".join(_ident(c) for c in names)
            picked = ", ".join(f"n.{_ident(c)}" for c in names)
            con.execute(f"""
                INSERT INTO mentions ({listed}, tone, tone_label)
                SELECT {picked}, coalesce(n.tone, o.tone), coalesce(n.tone_label, o.tone_label)
                FROM {staged} AS n LEFT JOIN _old_mentions AS o ON {same} ORDER BY n.id""")
            return (int(row[0]), int(row[1])) if row else (0, 0)

        return self._write(body)

    # -- the incremental link stage ----------------------------------------------------------------

    def apply_link_update(self, update: LinkUpdate) -> int:
        """Write one linker run's changes (:class:`~limelight.store.base.LinkUpdate`) in one
        transaction. Returns the links added."""

        def body() -> int:
            con = self._con
            # links has no key, and the link tables are rewritten in parts: linkers take turns.
            con.execute(_LOCK, (_LINKS,))
            if update.full:
                con.execute("DELETE FROM link_state WHERE linker = %s", (update.linker,))
                con.execute("DELETE FROM similar_pairs WHERE linker = %s", (update.linker,))
                for kind, prefix in update.owned:
                    con.execute("DELETE FROM links WHERE kind = %s AND left(evidence, length(%s)) = %s",
                                (kind, prefix, prefix))
                if update.stories is not None:
                    for table in ("stories", "story_words", "story_short_words"):
                        con.execute(f"DELETE FROM {table}")
            self._remove_links(update.remove_links)
            added = self._add_links(update.add_links, update.run_id)
            if update.stale_for:
                ends = sorted({end for link in (*update.remove_links, *update.add_links)
                               for end in (link.from_id, link.to_id) if end})
                con.execute("UPDATE link_state SET stale = true WHERE linker = ANY(%s) AND document_id = ANY(%s)",
                            (list(update.stale_for), ends))
            self._replace_pairs(update)
            self._add_story_words(update)
            if update.stories is not None:
                if not update.full:
                    region = sorted(set(update.story_region) | {r[0] for r in update.stories})
                    con.execute("DELETE FROM stories WHERE document_id = ANY(%s)", (region,))
                self._insert("stories", pa.table({
                    "document_id": pa.array([r[0] for r in update.stories], pa.string()),
                    "story_id": pa.array([r[1] for r in update.stories], pa.string()),
                    "method": pa.array([r[2] for r in update.stories], pa.string())}))
            if update.processed:
                ids = [doc_id for doc_id, _ in update.processed]
                con.execute("DELETE FROM link_state WHERE linker = %s AND document_id = ANY(%s)", (update.linker, ids))
                n = len(update.processed)
                self._insert("link_state", pa.table({
                    "document_id": pa.array(ids, pa.string()), "linker": pa.array([update.linker] * n, pa.string()),
                    "content_hash": pa.array([h for _, h in update.processed], pa.string()),
                    "stale": pa.array([False] * n, pa.bool_()), "run_id": pa.array([update.run_id] * n, pa.string())}))
            con.execute("DELETE FROM linker_settings WHERE linker = %s", (update.linker,))
            con.execute("INSERT INTO linker_settings VALUES (%s, %s, %s)",
                        (update.linker, update.fingerprint, update.run_id))
            return added

        return self._write(body)

    def _remove_links(self, links: Sequence[Link]) -> None:
        if not links:
            return
        data = pa.table({"from_id": pa.array([x.from_id for x in links], pa.string()),
                         "to_id": pa.array([x.to_id for x in links], pa.string()),
                         "to_url": pa.array([x.to_url for x in links], pa.string()),
                         "kind": pa.array([x.kind for x in links], pa.string()),
                         "evidence": pa.array([x.evidence for x in links], pa.string())})
        stage = self._stage("gone_links", data, shaped=True)
        self._con.execute(f"""
            DELETE FROM links WHERE EXISTS (SELECT 1 FROM {stage} AS g
                WHERE g.from_id = links.from_id AND g.kind = links.kind AND g.evidence = links.evidence
                AND g.to_id IS NOT DISTINCT FROM links.to_id AND g.to_url IS NOT DISTINCT FROM links.to_url)""")

    def _add_links(self, links: Sequence[Link], run_id: str) -> int:
        # One link per (from, kind, to), the first offered, as against the links stored already.
        data = links_table(first_links(links), run_id)
        if data.num_rows == 0:
            return 0
        stage = self._stage("links", data)
        cols = ", ".join(_ident(c) for c in data.column_names)
        cur = self._con.execute(f"""
            INSERT INTO links ({cols}) SELECT {cols} FROM {stage} AS b WHERE NOT EXISTS (
                SELECT 1 FROM links AS l WHERE l.from_id = b.from_id AND l.kind = b.kind
                AND l.to_id IS NOT DISTINCT FROM b.to_id AND l.to_url IS NOT DISTINCT FROM b.to_url)""")
        return max(cur.rowcount, 0)

    def _replace_pairs(self, update: LinkUpdate) -> None:
        blocks = [int(b) for b in update.pair_blocks if b is not None]
        if blocks:
            self._con.execute("DELETE FROM similar_pairs WHERE linker = %s AND block = ANY(%s::bigint[])",
                              (update.linker, blocks))
        if any(b is None for b in update.pair_blocks):
            self._con.execute("DELETE FROM similar_pairs WHERE linker = %s AND block IS NULL", (update.linker,))
        if not update.pairs:
            return
        data = pa.table({"a": pa.array([p[0] for p in update.pairs], pa.string()),
                         "b": pa.array([p[1] for p in update.pairs], pa.string()),
                         "cosine": pa.array([p[2] for p in update.pairs], pa.float64()),
                         "block": pa.array([p[3] for p in update.pairs], pa.int64())})
        stage = self._stage("pairs", data, shaped=True)
        self._con.execute(f"""
            INSERT INTO similar_pairs (linker, a, b, cosine, block)
            SELECT DISTINCT ON (n.a, n.b) %s, n.a, n.b, n.cosine, n.block
            FROM {stage} AS n WHERE NOT EXISTS (
                SELECT 1 FROM similar_pairs AS p WHERE p.linker = %s AND p.a = n.a AND p.b = n.b)""",
                          (update.linker, update.linker))

    def _add_story_words(self, update: LinkUpdate) -> None:
        if update.words:
            data = pa.table({"word": pa.array(list(update.words), pa.string()),
                             "df": pa.array(list(update.words.values()), pa.int32())})
            stage = self._stage("story_words", data)
            self._con.execute(f"UPDATE story_words SET df = story_words.df + w.df FROM {stage} AS w "
                              "WHERE story_words.word = w.word")
            self._con.execute(f"INSERT INTO story_words (word, df) SELECT word, df FROM {stage} AS w "
                              "WHERE NOT EXISTS (SELECT 1 FROM story_words AS s WHERE s.word = w.word)")
        if update.short_words:
            data = pa.table({"word": pa.array([w for w, _ in update.short_words], pa.string()),
                             "document_id": pa.array([d for _, d in update.short_words], pa.string())})
            stage = self._stage("story_short_words", data)
            self._con.execute(f"""
                INSERT INTO story_short_words (word, document_id) SELECT DISTINCT word, document_id FROM {stage} AS n
                WHERE NOT EXISTS (SELECT 1 FROM story_short_words AS s
                                  WHERE s.word = n.word AND s.document_id = n.document_id)""")

    def write_minhash_bands(self, content_hashes: Sequence[str], buckets: Any, *, replace: bool = False) -> int:
        """Store the MinHash band buckets ((n, bands) integers, a row per text) of these content
        hashes; a text stored already keeps its rows, ``replace`` drops every stored one first.
        Returns the texts added."""
        import numpy as np

        matrix = np.asarray(buckets, dtype=np.int64)
        matrix = matrix.reshape(len(content_hashes), -1) if len(content_hashes) else matrix.reshape(0, 0)
        n, bands = matrix.shape
        data = pa.table({"content_hash": pa.array(np.repeat(np.array(list(content_hashes), dtype=object), bands),
                                                  pa.string()),
                         "band": pa.array(np.tile(np.arange(bands, dtype=np.int32), n), pa.int32()),
                         "bucket": pa.array(matrix.reshape(-1), pa.int64())})

        def body() -> int:
            self._con.execute(_LOCK, (_LINKS,))
            if replace:
                self._con.execute("DELETE FROM minhash_bands")
            if n == 0:
                return 0
            stage = self._stage("minhash_bands", data)
            cur = self._con.execute(f"""
                INSERT INTO minhash_bands (content_hash, band, bucket)
                SELECT content_hash, band, bucket FROM {stage} AS b
                WHERE NOT EXISTS (SELECT 1 FROM minhash_bands AS m WHERE m.content_hash = b.content_hash)""")
            return max(cur.rowcount, 0) // max(1, bands)

        return self._write(body)

    def forget_linker(self, linker: str) -> None:
        """Forget what ``linker``'s stored results were made with: its next run starts from nothing."""
        def body() -> None:
            self._con.execute("DELETE FROM linker_settings WHERE linker = %s", (linker,))

        self._write(body)

    # -- runs -------------------------------------------------------------------------------------

    def start_run(self, inputs: Sequence[str], settings: dict[str, Any]) -> str:
        now = datetime.now(UTC)
        run_id = f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        with self._lock:
            # Held by this session until finish_run or close, taken before the run is visible so
            # no other process ever sees it running without its lock.
            self._con.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (_RUNS, run_id))
            self._runs.add(run_id)

        def body() -> None:
            # Other processes may be ingesting right now: only a running run whose lock no session
            # holds (its process died: kill -9, power loss) was interrupted.
            self._con.execute("""
                WITH running AS MATERIALIZED (
                    SELECT id FROM ingest_runs WHERE status = 'running' AND NOT (id = ANY(%s)))
                UPDATE ingest_runs SET status = 'interrupted'
                WHERE id IN (SELECT id FROM running WHERE pg_try_advisory_xact_lock(%s, hashtext(id)))""",
                (list(self._runs), _RUNS))
            self._con.execute(
                "INSERT INTO ingest_runs (id, started_at, inputs, settings, status) "
                "VALUES (%s, %s, %s, %s, 'running')", (run_id, now, list(inputs), to_json(settings)))

        try:
            self._write(body)
        except BaseException:
            self._release_run(run_id)
            raise
        return run_id

    def finish_run(self, run_id: str, stats: dict[str, int], finished_at: datetime | None = None) -> None:
        def body() -> None:
            self._con.execute("UPDATE ingest_runs SET finished_at = %s, stats = %s, status = 'finished' "
                              "WHERE id = %s", (finished_at or datetime.now(UTC), to_json(stats), run_id))

        self._write(body)
        self._release_run(run_id)
        if stats.get("new", 0) or stats.get("mentions", 0):
            self._refresh_statistics()

    def _release_run(self, run_id: str) -> None:
        with self._lock:
            if run_id in self._runs:
                self._runs.discard(run_id)
                with suppress(Exception):
                    self._con.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", (_RUNS, run_id))

    # -- reads ------------------------------------------------------------------------------------

    @property
    def reads(self) -> frozenset[str]:
        return frozenset(load_reads())

    def _reader(self) -> psycopg.Connection[Any]:
        con: psycopg.Connection[Any] | None = getattr(self._local, "con", None)
        if con is None or con.closed:
            con = _connect(self.url, read_only=self.read_only, role="reader")
            with self._lock:
                self._readers.append(con)
            self._local.con = con
        return con

    def read(self, name: str, **params: Any) -> pa.Table:
        """Run a named read, translated to PostgreSQL, on this thread's read connection."""
        query = build_read(name, params)
        return self._fetch(to_postgres(query.sql), dict(query.params))

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> pa.Table:
        """Raw SQL in PostgreSQL's dialect, on this thread's read connection; read-only when the
        store is. Parameters are psycopg's (``%s`` with a list, ``%(name)s`` with a dict, and then
        a literal ``%`` is written ``%%``); with none (``limelight sql``), the text runs as it is."""
        if isinstance(params, Mapping):
            return self._fetch(sql, dict(params))
        return self._fetch(sql, list(params) or None)

    def _fetch(self, sql: str, params: list[Any] | dict[str, Any] | None) -> pa.Table:
        """Run ``sql`` on this thread's read connection and return its rows as an Arrow table.

        A result of plain columns (text, numbers, booleans, times: what scans return) comes back
        through ``COPY (...) TO STDOUT`` as CSV parsed by Arrow, with no Python object per value:
        a million mention rows in a few seconds instead of tens. Anything else (lists, the
        statements COPY does not take) is fetched as rows and converted column by column. Lists of
        plain values travel through the same COPY as JSON text, parsed by Arrow's JSON reader: the
        lineage read's 200,000 rows of four lists each took 2-4 s as Python rows."""
        import psycopg

        con = self._reader()
        if params is not None:
            sql = psycopg.ClientCursor(con).mogrify(sql, params)  # COPY takes no bound parameters
        fields = _describe(con, sql)
        if fields and all(oid in _CSV_TYPES or oid in _JSON_ARRAYS for _, oid in fields):
            try:
                return _copy_out(con, sql, fields)
            except pa.ArrowInvalid:
                pass  # a list COPY cannot carry as JSON (NaN, a nested array): fetched as rows below
        with con.cursor() as cur:
            cur.execute(sql)
            if cur.description is None:
                return pa.table({})
            fields = [(d.name, int(d.type_code)) for d in cur.description]
            rows = cur.fetchall()
        columns: list[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else [() for _ in fields]
        arrays = [_arrow_column(values, oid) for (_, oid), values in zip(fields, columns, strict=True)]
        return pa.Table.from_arrays(arrays, names=[name for name, _ in fields])

    def read_batches(self, name: str, *, batch_rows: int, **params: Any) -> Iterator[pa.RecordBatch]:
        """A named read streamed in batches on a connection of its own (one COPY: one snapshot),
        parsed by Arrow's streaming CSV reader as the bytes arrive, so memory holds a block and a
        batch. numeric columns stay double (a batch cannot know whether the next one is whole).
        A result COPY cannot carry comes from a server-side cursor, a batch of rows at a time."""
        import psycopg

        query = build_read(name, params)
        con = _connect(self.url, read_only=True, role="stream")
        finished = False
        try:
            sql = psycopg.ClientCursor(con).mogrify(to_postgres(query.sql), dict(query.params))
            fields = _describe(con, sql)
            if fields is not None and all(oid in _CSV_TYPES or oid in _JSON_ARRAYS for _, oid in fields):
                yield from _copy_batches(con, sql, fields, max(1, int(batch_rows)))
            else:
                yield from _cursor_batches(con, sql, max(1, int(batch_rows)))
            finished = True
        finally:
            if not finished:  # abandoned half-way: the server stops sending instead of finishing
                with suppress(Exception):
                    con.cancel_safe(timeout=2)
            with suppress(Exception):
                con.close()

    def mark_changed(self) -> None:
        self._write(lambda: None)  # the transaction's end bumps the generation

    def get_documents(self, ids: Sequence[str]) -> list[Document]:
        """The stored documents with these ids, in the order asked (unknown ids are left out)."""
        table = self._fetch(
            """SELECT d.*, s.platform, s.handle, s.name AS source_name, s.owner_entity, s.official
               FROM documents AS d JOIN sources AS s ON s.id = d.source_id WHERE d.id = ANY(%s)""",
            [list(ids)])
        by_id = {row["id"]: document_from_row(row) for row in table.to_pylist()}
        return [by_id[i] for i in ids if i in by_id]

    def checkpoint(self, min_log_bytes: int = 0) -> bool:
        """Nothing to do: PostgreSQL checkpoints and autovacuums on its own schedule."""
        return False

    def close(self) -> None:
        with self._lock:
            for run_id in list(self._runs):
                self._release_run(run_id)
            for con in self._readers:
                with suppress(Exception):
                    con.close()
            self._readers.clear()
            with suppress(Exception):
                self._con.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _shard_rows(shard: dict[str, pa.Table], run_id: str) -> Callable[[_WritePlan], dict[str, pa.Table]]:
    return lambda plan: fresh_shard_tables(shard, plan, run_id)


class PostgresStoreFactory:
    name = "postgresql"
    version = "1"
    title = "PostgreSQL: one database (or schema) per project, shared by many processes"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("store",)

    def open(self, target: Path | str, *, read_only: bool = False) -> PostgresStore:
        url = str(target)
        if not url.startswith(("postgresql://", "postgres://")):
            raise ConfigError(f"the postgresql store needs a postgresql:// URL, not {url!r}",
                              'set store.path = "postgresql://user@host/database" in limelight.toml')
        return PostgresStore(url, read_only=read_only)


def register(registry: Registry) -> None:
    registry.register("store", PostgresStoreFactory())


# -- helpers --------------------------------------------------------------------------------------


def _connect(url: str, *, read_only: bool, role: str) -> psycopg.Connection[Any]:
    try:
        import psycopg
        from psycopg.types.numeric import FloatLoader
        from psycopg.types.string import TextLoader
    except ImportError:
        raise ConfigError("the PostgreSQL store needs psycopg, which is not installed",
                          "pip install 'limelight[postgresql]'") from None
    try:
        con = psycopg.connect(url, autocommit=True, application_name=f"limelight {role}", connect_timeout=10)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"cannot open the store {_redact(url)}: {first}",
                          "check store.path in limelight.toml: is the server running, do the user and "
                          "database exist, is the password in the URL, PGPASSWORD or ~/.pgpass?") from None
    # UTC on every machine, as the DuckDB store: timestamps come back as UTC instants.
    con.execute("SET TimeZone = 'UTC'")
    # No JIT: the reads are joins, sorts and recursive walks whose estimated cost (a recursive CTE
    # is guessed at a billion rows) sets off JIT's full optimisation, which cost 1.3 s of a 8.9 s
    # lineage read at 1M mentions and saved nothing elsewhere (bench/analyses.py, issue 9).
    con.execute("SET jit = off")
    if read_only:
        con.execute("SET default_transaction_read_only = on")
    # JSON stays the text that was stored (DuckDB's reads give a string too); numeric comes back
    # as float (then int64 when whole, see _arrow_column), not Decimal.
    for name in ("json", "jsonb"):
        con.adapters.register_loader(name, TextLoader)
    con.adapters.register_loader("numeric", FloatLoader)
    return con


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_DDL_TYPES = {pa.string(): 'TEXT COLLATE "C"', pa.int32(): "INTEGER", pa.int64(): "BIGINT",
              pa.float64(): "DOUBLE PRECISION", pa.float32(): "REAL", pa.bool_(): "BOOLEAN",
              pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ"}


def _columns_ddl(schema: pa.Schema) -> str:
    """Column definitions for a staging table shaped like ``schema`` (no constraints)."""
    return ", ".join(f"{_ident(f.name)} {_DDL_TYPES[f.type]}" for f in schema)


# -- Arrow → COPY ---------------------------------------------------------------------------------

_CSV_ROWS = 20_000  # rows per CSV chunk handed to COPY: bounded memory for a big shard


def _csv_chunks(data: pa.Table) -> Iterator[bytes]:
    """``data`` as COPY's CSV: strings quoted (so NULL and '' differ), NUL characters dropped,
    lists as array literals."""
    import pyarrow.csv as pacsv

    ready = pa.Table.from_arrays([_copy_column(col) for col in data.columns], names=data.column_names)
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    for batch in ready.to_batches(max_chunksize=_CSV_ROWS):
        buffer = io.BytesIO()
        pacsv.write_csv(batch, buffer, options)
        yield buffer.getvalue()


def _copy_column(column: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return pc.replace_substring(column, "\x00", "")
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _array_literal(column.combine_chunks() if column.num_chunks != 1 else column.chunk(0))
    return column


def _array_literal(lists: pa.Array) -> pa.Array:
    """Each list as PostgreSQL's array literal: ``{"a","b \\"c\\""}``, ``{1.5,2}``, ``{}``; NULL stays NULL."""
    import numpy as np

    values = pc.list_flatten(lists)
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        text = pc.replace_substring(values, "\x00", "")
        text = pc.replace_substring(pc.replace_substring(text, "\\", "\\\\"), '"', '\\"')
        text = pc.binary_join_element_wise('"', text, '"', "")
    else:
        text = pc.cast(values, pa.string())
    text = pc.fill_null(text, "NULL")
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy(zero_copy_only=False)
    offsets = pa.array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32))
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, text, mask=lists.is_null()), ",")
    return pc.binary_join_element_wise("{", joined, "}", "")


# -- results → Arrow ------------------------------------------------------------------------------

_TS = pa.timestamp("us", tz="UTC")
# PostgreSQL's built-in type OIDs (fixed in every release) → the Arrow type DuckDB's reads give.
_SCALARS: dict[int, pa.DataType] = {
    16: pa.bool_(), 17: pa.binary(), 18: pa.string(), 19: pa.string(), 20: pa.int64(), 21: pa.int16(),
    23: pa.int32(), 25: pa.string(), 26: pa.int64(), 114: pa.string(), 700: pa.float32(), 701: pa.float64(),
    705: pa.string(), 1042: pa.string(), 1043: pa.string(), 1082: pa.date32(), 1083: pa.time64("us"),
    1114: pa.timestamp("us"), 1184: _TS, 1186: pa.duration("us"), 2950: pa.string(), 3802: pa.string(),
}
_ARRAYS: dict[int, int] = {  # array type → element type
    1000: 16, 1005: 21, 1007: 23, 1009: 25, 1014: 1042, 1015: 1043, 1016: 20, 1021: 700, 1022: 701,
    1115: 1114, 1182: 1082, 1185: 1184, 1231: 1700, 199: 114, 3807: 3802, 2951: 2950,
}
_NUMERIC = 1700


def _arrow_column(values: Sequence[Any], oid: int) -> pa.Array:
    if oid == _NUMERIC:
        return _numeric(values)
    if oid in _SCALARS:
        kind = _SCALARS[oid]
        if oid == 2950:  # uuid objects
            values = [None if v is None else str(v) for v in values]
        return pa.array(values, kind)
    element = _ARRAYS.get(oid)
    if element is not None:
        inner = pa.float64() if element == _NUMERIC else _SCALARS[element]
        if element == 2950:
            values = [None if v is None else [None if x is None else str(x) for x in v] for v in values]
        return pa.array(values, pa.list_(inner))
    # Anything else (a range, an enum, a composite): its text, rather than failing the read.
    return pa.array([None if v is None else str(v) for v in values], pa.string())


# Types COPY's CSV writes in a form Arrow's CSV reader parses (numeric as double, then _whole).
_CSV_TYPES: dict[int, pa.DataType] = {
    16: pa.bool_(), 18: pa.string(), 19: pa.string(), 20: pa.int64(), 21: pa.int16(), 23: pa.int32(),
    25: pa.string(), 26: pa.int64(), 114: pa.string(), 700: pa.float32(), 701: pa.float64(), 705: pa.string(),
    1042: pa.string(), 1043: pa.string(), 1082: pa.date32(), 1114: pa.timestamp("us"), 1184: _TS,
    1700: pa.float64(), 2950: pa.string(), 3802: pa.string(),
}


# Arrays of those types COPY carries as JSON (to_json), which Arrow's JSON reader parses.
_JSON_ARRAYS: dict[int, pa.DataType] = {
    1000: pa.bool_(), 1005: pa.int16(), 1007: pa.int32(), 1009: pa.string(), 1014: pa.string(),
    1015: pa.string(), 1016: pa.int64(), 1021: pa.float32(), 1022: pa.float64(),
}


def _describe(con: psycopg.Connection[Any], sql: str) -> list[tuple[str, int]] | None:
    """The result columns (name, type oid) of the query ``sql``, planned but not run; None when it
    is no plain query (a DELETE, SHOW, a trailing semicolon...), which then runs as it is."""
    import psycopg

    try:
        with con.cursor() as cur:
            cur.execute(f"SELECT * FROM (\n{sql}\n) AS _q LIMIT 0")
            return [(d.name, int(d.type_code)) for d in cur.description or ()]
    except psycopg.Error:
        return None


def _copy_sql(sql: str, fields: list[tuple[str, int]]) -> tuple[str, list[str]]:
    """The COPY statement that sends the result of ``sql`` as CSV (its lists as JSON text), and
    the names its columns are parsed under (a result may repeat a column name)."""
    keys = [f"c{i}" for i in range(len(fields))]
    if any(oid in _JSON_ARRAYS for _, oid in fields):
        columns = ", ".join(f"to_json(_q.{key})" if oid in _JSON_ARRAYS else f"_q.{key}"
                            for key, (_, oid) in zip(keys, fields, strict=True))
        sql = f"SELECT {columns} FROM (\n{sql}\n) AS _q({', '.join(keys)})"
    return f"COPY (\n{sql}\n) TO STDOUT (FORMAT csv)", keys


def _csv_options(keys: list[str], fields: list[tuple[str, int]], **read: Any) -> dict[str, Any]:
    """How Arrow's CSV reader parses COPY's CSV of these columns."""
    import pyarrow.csv as pacsv

    types = {key: _CSV_TYPES.get(oid, pa.string()) for key, (_, oid) in zip(keys, fields, strict=True)}
    return {
        "read_options": pacsv.ReadOptions(column_names=keys, **read),
        # one NULL column is an empty line: a row, not a line to skip
        "parse_options": pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
        # NULL is an unquoted empty field, '' a quoted one; booleans are t and f.
        "convert_options": pacsv.ConvertOptions(column_types=types, strings_can_be_null=True,
                                                quoted_strings_can_be_null=False, null_values=[""],
                                                true_values=["t"], false_values=["f"]),
    }


def _empty_result(fields: list[tuple[str, int]], *, numeric: pa.DataType | None = None) -> pa.Table:
    return pa.Table.from_arrays(
        [pa.array([], pa.list_(_JSON_ARRAYS[oid]) if oid in _JSON_ARRAYS
                  else (numeric if oid == _NUMERIC and numeric is not None else _CSV_TYPES.get(oid, pa.string())))
         for _, oid in fields], names=[name for name, _ in fields])


def _copy_out(con: psycopg.Connection[Any], sql: str, fields: list[tuple[str, int]]) -> pa.Table:
    import pyarrow.csv as pacsv

    copy_sql, keys = _copy_sql(sql, fields)
    buffer = io.BytesIO()
    with con.cursor() as cur, cur.copy(copy_sql) as copy:
        for data in copy:
            buffer.write(data)
    if buffer.tell() == 0:
        return _empty_result(fields)
    buffer.seek(0)
    table = pacsv.read_csv(buffer, **_csv_options(keys, fields))
    out = []
    for key, (_, oid) in zip(keys, fields, strict=True):
        column = table.column(key)
        if oid == _NUMERIC:
            column = _whole(column)
        elif oid in _JSON_ARRAYS:
            column = _json_lists(column, _JSON_ARRAYS[oid])
        out.append(column)
    return pa.Table.from_arrays(out, names=[name for name, _ in fields])


class _CopyStream(io.RawIOBase):
    """COPY TO STDOUT's data as a readable file, fetched from the server as the reader asks."""

    def __init__(self, copy: Any) -> None:
        super().__init__()
        self._copy = copy
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._pending:
            data = self._copy.read()
            if not data:
                return 0
            self._pending = memoryview(data)
        n = min(len(b), len(self._pending))
        b[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def _copy_batches(con: psycopg.Connection[Any], sql: str, fields: list[tuple[str, int]],
                  batch_rows: int) -> Iterator[pa.RecordBatch]:
    """The result of ``sql`` through one COPY, parsed block by block (:meth:`PostgresStore.read_batches`)."""
    import pyarrow.csv as pacsv

    copy_sql, keys = _copy_sql(sql, fields)
    empty = _empty_result(fields, numeric=pa.float64())
    sent = False
    with con.cursor() as cur, cur.copy(copy_sql) as copy:
        stream = io.BufferedReader(_CopyStream(copy), buffer_size=1 << 20)
        if stream.peek(1):
            # blocks of 8 MB: a batch of tens of thousands of rows, and one row may be longer than
            # the reader's default 1 MB block (a long article), which it would refuse
            reader = pacsv.open_csv(stream, **_csv_options(keys, fields, block_size=8 << 20))
            for block in reader:
                columns = []
                for key, (_, oid) in zip(keys, fields, strict=True):
                    column = block.column(block.schema.get_field_index(key))
                    if oid in _JSON_ARRAYS:
                        column = _json_lists(pa.chunked_array([column]), _JSON_ARRAYS[oid]).combine_chunks()
                    columns.append(column)
                batch = pa.RecordBatch.from_arrays(columns, schema=empty.schema)
                for start in range(0, batch.num_rows, batch_rows):
                    sent = True
                    yield batch.slice(start, batch_rows)
    if not sent:
        yield pa.RecordBatch.from_pylist([], schema=empty.schema)


def _cursor_batches(con: psycopg.Connection[Any], sql: str, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """The result of ``sql`` from a server-side cursor, ``batch_rows`` rows at a time (the
    results COPY cannot carry as CSV: a list of lists, a type Arrow's CSV reader does not parse)."""
    sent = False
    with con.transaction(), con.cursor(name="limelight_stream") as cur:
        cur.execute(sql)
        fields = [(d.name, int(d.type_code)) for d in cur.description or ()]
        while True:
            rows = cur.fetchmany(batch_rows)
            if not rows and sent:
                return
            columns: list[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else [() for _ in fields]
            arrays = [_arrow_column(values, oid) for (_, oid), values in zip(fields, columns, strict=True)]
            sent = True
            yield pa.RecordBatch.from_arrays(arrays, names=[name for name, _ in fields])
            if not rows:
                return


def _json_lists(column: pa.ChunkedArray, element: pa.DataType) -> pa.ChunkedArray:
    """A column of JSON arrays (``to_json`` of a PostgreSQL array; NULL stays NULL) as an Arrow
    list column, parsed by Arrow's JSON reader as one object per line. Raises ArrowInvalid where
    the text is no list of ``element`` (NaN, a nested array), and the caller fetches rows."""
    import pyarrow.json as pajson

    # large_string: the joined text of a big result may pass the 2 GiB of a string array
    text = pc.fill_null(pc.cast(column, pa.large_string()).combine_chunks() if column.num_chunks
                        else pa.array([], pa.large_string()), "null")
    if len(text) == 0:
        return pa.chunked_array([], pa.list_(element))
    lines = pc.binary_join_element_wise(pa.scalar('{"v":', pa.large_string()), text,
                                        pa.scalar("}", pa.large_string()), pa.scalar("", pa.large_string()))
    whole = pc.binary_join(pa.ListArray.from_arrays(pa.array([0, len(lines)], pa.int32()), lines),
                           pa.scalar("\n", pa.large_string()))
    data = whole[0].as_buffer()
    parsed = pajson.read_json(
        pa.BufferReader(data),
        # one block: a row may be longer than the default 1 MB block, which the reader refuses
        read_options=pajson.ReadOptions(use_threads=False, block_size=max(1 << 20, data.size + 1)),
        parse_options=pajson.ParseOptions(explicit_schema=pa.schema([("v", pa.list_(element))]),
                                          unexpected_field_behavior="error"))
    if parsed.num_rows != len(text):
        raise pa.ArrowInvalid(f"{parsed.num_rows} JSON rows for {len(text)} values")
    return parsed.column("v")


def _whole(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A numeric column as int64 when every value is a whole number that fits, else as double."""
    import numpy as np

    values = column.to_numpy(zero_copy_only=False)
    present = values[~np.isnan(values)]
    if np.all(np.mod(present, 1) == 0) and np.all(np.abs(present) < 2 ** 53):
        return column.cast(pa.int64())
    return column


def _numeric(values: Sequence[Any]) -> pa.Array:
    # sum(bigint) is numeric in PostgreSQL and an integer in DuckDB; avg() a fraction in both.
    present = [v for v in values if v is not None]
    if all(float(v).is_integer() and abs(v) < 2 ** 53 for v in present):
        return pa.array([None if v is None else int(v) for v in values], pa.int64())
    return pa.array([None if v is None else float(v) for v in values], pa.float64())
