"""The store interface. DuckDB is the embedded default; a second backend implements the same."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa

from limelight.alerts.model import Alert, AlertChanges, Delivery
from limelight.models import Document, Enriched, ItemError, Link, Mention
from limelight.watchlist import Watchlist

# The Enriched.extra key under which the pipeline hands ``write`` the raw-input key an item was
# extracted from; the store records it (``known_raw``) and does not keep it in the document's extra.
RAW_KEY = "raw_key"


@dataclass(frozen=True, slots=True)
class WriteResult:
    new: int  # documents not seen before
    known: int  # documents already stored by an earlier run (idempotent re-ingest): nothing changed
    mentions: int  # mentions written for the new documents
    # Further copies of a document this run stored (a feed and a sitemap naming one URL, a headline
    # repeated in an export): the first copy is new, the others are counted here, so that
    # items = new + known + duplicates + failed. Copies of a document an earlier run stored are all
    # known, however many there are.
    duplicates: int = 0


@runtime_checkable
class Store(Protocol):
    name: str
    schema_version: int
    dialect: str  # the SQL dialect it runs: "duckdb", "postgres" (limelight.store.dialect)

    @property
    def reads(self) -> frozenset[str]:
        """The named reads it provides (:mod:`limelight.store.reads`); a property, so a store may
        compute it."""
        ...

    def read(self, name: str, **params: Any) -> pa.Table:
        """Run the named read (:mod:`limelight.store.reads`) with these parameters. Reads see
        committed data only and are never blocked by a write in progress."""
        ...

    def write(self, batch: Sequence[Enriched], run_id: str, *, replace: bool = False) -> WriteResult:
        """Write one batch in one transaction. Documents already stored are counted, not changed,
        unless ``replace`` (``ingest --reprocess``) or the stored one came from a feed summary and
        this is its real page: then it is replaced with what derives from it."""
        ...

    def bulk_load(self, parquet_files: Sequence[Mapping[str, Path | str]], run_id: str) -> WriteResult:
        """Load shards a worker produced elsewhere: one mapping per shard of table name (documents,
        mentions, sources, links, raw_inputs, errors) → a Parquet file with that table's write
        schema (:mod:`limelight.store.arrow`). Stored as ``write`` stores the same items (known ids
        counted as known, copies as duplicates, the same ids), one transaction per shard."""
        ...

    def remove_unproduced(self, input_origins: Sequence[str], run_id: str) -> int:
        """After a ``replace`` run: delete documents from these inputs that the run did not produce."""
        ...

    def write_errors(self, errors: Sequence[ItemError], run_id: str) -> None: ...

    def known_raw(self, keys: Sequence[str], exclude_run: str | None = None) -> dict[str, str]:
        """Raw-input keys (:func:`limelight.pipeline.raw_key`) seen by earlier runs → the id of the
        document each produced, for those documents still stored; ``exclude_run`` leaves out what
        that run recorded (its repeats are duplicates, not known). ``write`` records the keys of
        the items that carry one (``Enriched.extra["raw_key"]``)."""
        ...

    def sync_watchlist(self, watchlist: Watchlist, fingerprints: dict[str, str] | None = None) -> None:
        """Replace the entities table with the watchlist's entities; ``fingerprints`` (entity id →
        what decided its stored mentions) are recorded with them, else the stored ones are kept."""
        ...

    # -- mentions follow the watchlist (limelight.enrich.rematch) ---------------------------------

    def entity_fingerprints(self) -> dict[str, str | None]:
        """Stored entity ids and the fingerprint their mentions were made with (None: unknown)."""
        ...

    def documents_mentioning(self, entity_ids: Sequence[str]) -> list[str]: ...

    def count_documents(self) -> int: ...

    def scan_documents(self, batch_size: int) -> Iterator[list[Document]]:
        """Every stored document, a batch at a time."""
        ...

    def replace_mentions(self, document_ids: Sequence[str], mentions: Sequence[Mention]) -> tuple[int, int]:
        """Replace these documents' mentions (unchanged ones keep their tone); (removed, added)."""
        ...

    def has_toned_mentions(self) -> bool: ...

    def start_run(self, inputs: Sequence[str], settings: dict[str, Any]) -> str: ...

    def finish_run(self, run_id: str, stats: dict[str, int], finished_at: datetime | None = None) -> None:
        """Mark the run finished, at ``finished_at`` (default now). Withdrawal measures silence up to
        the last finished run, so a backfill of a collection that ended earlier states when it did."""
        ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        """Raw SQL in the store's own dialect: only for ``limelight sql`` (the escape hatch, on a
        read-only store) and the store's own tests. Plugins and stages use :meth:`read`."""
        ...

    def get_documents(self, ids: Sequence[str]) -> list[Document]:
        """The stored documents with these ids, in the order asked (unknown ids are left out)."""
        ...

    # -- what the stages after ingest write (tone, link) ------------------------------------------

    def update_tone(self, mentions: pa.Table, documents: pa.Table) -> None:
        """Set tone and tone_label of stored mentions and documents (tables: id, tone, tone_label)."""
        ...

    def write_links(self, links: Sequence[Link], run_id: str) -> int:
        """Add links across documents; a link stored already is skipped. Returns the links added."""
        ...

    def write_embeddings(self, document_ids: Sequence[str], model: str, vectors: Any) -> int:
        """One vector per document for ``model`` ((n, dim) floats); stored pairs are kept. Returns rows added."""
        ...

    def replace_stories(self, rows: Sequence[tuple[str, str, str]]) -> int:
        """Replace the story clusters with (document_id, story_id, method) rows. Returns rows written."""
        ...

    def read_batches(self, name: str, *, batch_rows: int, **params: Any) -> Iterator[pa.RecordBatch]:
        """Every row of the named read ``name`` as Arrow record batches of at most ``batch_rows``
        rows, in the read's order, at constant memory (an export of millions of rows): one
        snapshot, what was committed when the read started, on a connection of its own, so it may
        be consumed slowly while this store's other reads and writes go on. At least one batch,
        empty when there are no rows (it carries the columns). Exhaust or close the iterator to
        end the read."""
        ...

    def mark_changed(self) -> None:
        """Record that the stored data changed outside this store's own write methods
        (``limelight sql --write``): the generation moves, so nothing cached from before is used."""
        ...

    def checkpoint(self, min_log_bytes: int = 0) -> bool:
        """Fold the write-ahead log into the database file when it holds at least
        ``min_log_bytes`` (the watcher, after a cycle: its small writes would otherwise pile up
        in the log until the database's own threshold); True when it did. A store whose database
        does this itself (PostgreSQL) does nothing."""
        ...

    # Whether no other process can write the store while this one has it open (a DuckDB file):
    # a long read is then spooled and the store closed soon (limelight.listing.batches).
    blocks_writers: bool

    def close(self) -> None: ...

    # -- full-text search (limelight.search) ------------------------------------------------------

    def reindex_search(self, document_ids: Sequence[str]) -> int:
        """Rebuild the search index rows of these stored documents (``write`` and ``bulk_load``
        index what they store; this is for documents stored before the index or under an older
        version of it). Returns the documents indexed."""
        ...

    def save_search(self, name: str, query: str, filters: Mapping[str, Any], created_at: datetime) -> None:
        """Store (or replace) the saved search ``name``: its query, its filters (JSON-able), and
        ``created_at``, which is also up to when its matches count as seen."""
        ...

    def delete_search(self, name: str) -> bool:
        """Forget the saved search ``name``; False when there was none."""
        ...

    def mark_search_seen(self, name: str, at: datetime) -> None:
        """Record that the saved search ``name``'s matches were looked at up to ``at``."""
        ...

    # -- alerts (limelight.alerts) ---------------------------------------------------------------

    def upsert_alerts(self, alerts: Sequence[Alert]) -> AlertChanges:
        """Store incidents, in one transaction: an id not stored yet is a new row at version 1; a
        stored one whose content changed (:func:`limelight.alerts.model.fingerprint`) is updated,
        its version bumped and its ``opened_at`` kept; one given exactly as stored changes nothing
        (not even the store's generation)."""
        ...

    def record_delivery(self, deliveries: Sequence[Delivery]) -> None:
        """Record one attempt to deliver a digest to a channel: the state of each (alert, version,
        channel) it carried, replacing the one stored, in one transaction."""
        ...

    # -- the watcher (limelight.watch) ------------------------------------------------------------

    def write_watch_targets(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Replace the ``watch_targets`` rows of these targets (each a mapping of the table's
        columns: target, etag, last_modified, status, checked_at, changed_at, failures, next_at,
        last_error), in one transaction."""
        ...

    def write_ingested_files(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Replace the ``ingested_files`` rows of these paths (each a mapping of the table's
        columns: path, size, mtime_ns, options, run_id, read_at), in one transaction."""
        ...

    # -- the incremental link stage (limelight.link.state) ----------------------------------------

    def apply_link_update(self, update: LinkUpdate) -> int:
        """Write everything one linker run changed, in one transaction (see :class:`LinkUpdate`), so
        a run that stops half-way leaves the state of the run before. Returns the links added."""
        ...

    def write_minhash_bands(self, content_hashes: Sequence[str], buckets: Any, *, replace: bool = False) -> int:
        """Store the MinHash LSH band buckets ((n, bands) integers) of these texts; a text stored
        already is kept, ``replace`` drops every stored one first. Returns the texts added."""
        ...

    def forget_linker(self, linker: str) -> None:
        """Forget what ``linker``'s stored results were made with: its next run starts from nothing."""
        ...


@runtime_checkable
class StoreFactory(Protocol):
    name: str
    version: str
    title: str
    requires: tuple[str, ...]
    provides: tuple[str, ...]

    def open(self, target: Path | str, *, read_only: bool = False) -> Store:
        """The store at ``target``: a file path (DuckDB) or a URL (``postgresql://...``)."""
        ...


# -- the incremental link stage ----------------------------------------------------------------------


@dataclass(frozen=True)
class LinkUpdate:
    """What one linker run changes (:meth:`Store.apply_link_update`), written in one transaction.

    ``full``: start from nothing: the linker's ``link_state`` rows, its similar pairs and the links it
    owns (``owned``: (kind, evidence prefix) pairs) go first, and with ``stories`` given, every story
    row and the story word counts too."""

    linker: str
    run_id: str
    fingerprint: str  # what the linker's results are made with (version, settings)
    full: bool = False
    owned: tuple[tuple[str, str], ...] = ()
    processed: Sequence[tuple[str, str]] = ()  # (document_id, content_hash) linked now; no longer stale
    remove_links: Sequence[Link] = ()  # stored links that no longer hold (matched on ends, kind, evidence)
    add_links: Sequence[Link] = ()  # a link stored already (same ends and kind) is skipped
    stale_for: tuple[str, ...] = ()  # linkers whose state of the ends of removed and added links goes stale
    pair_blocks: Sequence[int | None] = ()  # day blocks (None: undated) whose stored pairs ``pairs`` replace
    pairs: Sequence[tuple[str, str, float, int | None]] = ()  # (a, b, cosine, block), a < b; stored ones kept
    words: Mapping[str, int] | None = None  # story word counts: document frequency to add per word
    short_words: Sequence[tuple[str, str]] = ()  # (word, document_id) of newly counted short texts
    stories: Sequence[tuple[str, str, str]] | None = None  # (document_id, story_id, method) rows ...
    story_region: Sequence[str] = ()  # ... replacing those of these documents (all of them when full)
