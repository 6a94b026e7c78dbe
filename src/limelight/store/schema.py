"""The DuckDB store's schema as ordered migrations, and the Arrow schemas its writer builds.

Migrations are append-only: a released step is never edited, a change is a new step at the end.
``schema_migrations`` records which steps a file has; opening an older file applies the missing ones,
opening a file written by a newer limelight stops with a :class:`~limelight.errors.ConfigError`
(we cannot know what its newer steps mean, so guessing could corrupt it).

The Arrow schemas are written out instead of inferred from the Python values: a batch where every
``likes`` is ``None`` would otherwise infer Arrow's ``null`` type, and a batch of naive and aware
datetimes would not convert at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "core tables: sources, documents, entities, mentions, links, ingest_runs, errors",
        (
            """CREATE TABLE sources (
                id VARCHAR PRIMARY KEY,
                platform VARCHAR NOT NULL,
                handle VARCHAR NOT NULL,
                name VARCHAR,
                owner_entity VARCHAR,
                official BOOLEAN NOT NULL DEFAULT false
            )""",
            # One column per Document field; ``source`` becomes ``source_id``. ``published_offset``
            # keeps the publisher's UTC offset in seconds (TIMESTAMPTZ stores only the instant), so
            # analyses can bucket by the local publication date and the original datetime reads back.
            """CREATE TABLE documents (
                id VARCHAR PRIMARY KEY,
                kind VARCHAR NOT NULL,
                origin VARCHAR NOT NULL,
                source_id VARCHAR NOT NULL,
                text VARCHAR NOT NULL,
                title VARCHAR,
                url VARCHAR,
                canonical_url VARCHAR,
                language VARCHAR,
                language_confidence DOUBLE,
                published_at TIMESTAMPTZ,
                published_offset INTEGER,
                date_source VARCHAR,
                author VARCHAR,
                captions VARCHAR[] NOT NULL,
                attribution_url VARCHAR,
                attribution_text VARCHAR,
                fetched_at TIMESTAMPTZ,
                content_hash VARCHAR NOT NULL,
                content_type VARCHAR,
                platform_id VARCHAR,
                likes BIGINT,
                shares BIGINT,
                comments BIGINT,
                views BIGINT,
                extra JSON,
                first_run_id VARCHAR
            )""",
            """CREATE TABLE entities (
                id VARCHAR PRIMARY KEY,
                kind VARCHAR NOT NULL,
                name VARCHAR NOT NULL,
                aliases VARCHAR[] NOT NULL,
                parent VARCHAR,
                role VARCHAR,
                query VARCHAR,
                competitors VARCHAR[] NOT NULL
            )""",
            # "start" and "end" match the Mention fields; "end" is a keyword, so quote it in SQL.
            """CREATE TABLE mentions (
                id VARCHAR PRIMARY KEY,
                document_id VARCHAR NOT NULL,
                entity_id VARCHAR NOT NULL,
                alias VARCHAR NOT NULL,
                surface VARCHAR NOT NULL,
                field VARCHAR NOT NULL,
                start INTEGER NOT NULL,
                "end" INTEGER NOT NULL,
                role VARCHAR NOT NULL,
                sentence VARCHAR NOT NULL,
                caption_index INTEGER
            )""",
            """CREATE TABLE links (
                from_id VARCHAR NOT NULL,
                to_id VARCHAR,
                to_url VARCHAR,
                kind VARCHAR NOT NULL,
                score DOUBLE NOT NULL,
                evidence VARCHAR NOT NULL,
                run_id VARCHAR
            )""",
            """CREATE TABLE ingest_runs (
                id VARCHAR PRIMARY KEY,
                started_at TIMESTAMPTZ NOT NULL,
                finished_at TIMESTAMPTZ,
                inputs VARCHAR[] NOT NULL,
                settings JSON,
                stats JSON
            )""",
            # "at" is a keyword too: write errors."at" in SQL.
            """CREATE TABLE errors (
                run_id VARCHAR,
                origin VARCHAR NOT NULL,
                stage VARCHAR NOT NULL,
                message VARCHAR NOT NULL,
                hint VARCHAR NOT NULL,
                "at" TIMESTAMPTZ NOT NULL
            )""",
        ),
    ),
    Migration(
        2,
        "attributions view: attribution links resolved against stored documents' URLs",
        (
            """CREATE VIEW attributions AS
                SELECT l.from_id, coalesce(l.to_id, d.id) AS to_id, l.to_url, l.evidence
                FROM links AS l
                LEFT JOIN documents AS d
                  ON l.to_id IS NULL AND (d.canonical_url = l.to_url OR d.url = l.to_url)
                WHERE l.kind = 'attribution'""",
        ),
    ),
    Migration(
        3,
        "tone on documents and mentions; embeddings and story clusters for the link stage",
        (
            "ALTER TABLE documents ADD COLUMN tone DOUBLE",
            "ALTER TABLE documents ADD COLUMN tone_label VARCHAR",
            "ALTER TABLE mentions ADD COLUMN tone DOUBLE",
            "ALTER TABLE mentions ADD COLUMN tone_label VARCHAR",
            # One vector per document and model (title + lead), reused for linking and copy checks.
            """CREATE TABLE embeddings (
                document_id VARCHAR NOT NULL,
                model VARCHAR NOT NULL,
                vector FLOAT[] NOT NULL,
                PRIMARY KEY (document_id, model)
            )""",
            # Story clusters: one row per document, rewritten by each `limelight link` run.
            """CREATE TABLE stories (
                document_id VARCHAR PRIMARY KEY,
                story_id VARCHAR NOT NULL,
                method VARCHAR NOT NULL
            )""",
        ),
    ),
    Migration(
        4,
        "mentions follow the watchlist (entity fingerprints), run status, each error recorded once",
        (
            # What decided each entity's stored mentions (limelight.enrich.rematch); NULL on a store
            # from before, so every entity counts as changed once and its documents are re-matched.
            "ALTER TABLE entities ADD COLUMN query_mode VARCHAR",
            "ALTER TABLE entities ADD COLUMN fingerprint VARCHAR",
            # running | finished | interrupted: a run killed mid-way stayed "unfinished" forever.
            "ALTER TABLE ingest_runs ADD COLUMN status VARCHAR",
            "UPDATE ingest_runs SET status = CASE WHEN finished_at IS NULL THEN 'interrupted' ELSE 'finished' END",
            # Re-ingesting a bad file added its error rows again every time: now one row per
            # (origin, stage, message), with the last run that saw it and how many runs did.
            "ALTER TABLE errors ADD COLUMN last_run_id VARCHAR",
            "ALTER TABLE errors ADD COLUMN seen INTEGER DEFAULT 1",
            "UPDATE errors SET last_run_id = run_id, seen = 1",
        ),
    ),
    Migration(
        5,
        "raw inputs seen: a page ingested before is recognised before it is extracted again",
        (
            # raw_key hashes a raw item's bytes, format, URL, hints and extractor version
            # (limelight.pipeline.raw_key); document_id is what it produced. Re-ingesting 181 known
            # pages re-extracted every one (18 s) only to find each id stored already.
            """CREATE TABLE raw_inputs (
                raw_key VARCHAR PRIMARY KEY,
                document_id VARCHAR NOT NULL,
                first_run_id VARCHAR
            )""",
        ),
    ),
    Migration(
        6,
        "incremental link stage: what each linker has processed, its candidate indexes",
        (
            # One row per document a linker has linked (with the content hash it saw, so a replaced
            # text is noticed); ``stale``: another linker changed its links since (stories re-cluster
            # it). `limelight link` reads only documents without a current row (issue "One owner of
            # the store": a run costs what is new, not the whole corpus).
            """CREATE TABLE link_state (
                document_id VARCHAR NOT NULL,
                linker VARCHAR NOT NULL,
                content_hash VARCHAR NOT NULL,
                stale BOOLEAN NOT NULL,
                run_id VARCHAR,
                PRIMARY KEY (document_id, linker)
            )""",
            # What a linker's stored results were computed with (version, settings, accounts); a
            # different fingerprint makes the next run start from nothing.
            """CREATE TABLE linker_settings (
                linker VARCHAR PRIMARY KEY,
                fingerprint VARCHAR NOT NULL,
                run_id VARCHAR
            )""",
            # MinHash LSH band buckets per distinct text (content hash): new texts find their
            # near-copy candidates with a join instead of re-hashing the corpus.
            """CREATE TABLE minhash_bands (
                content_hash VARCHAR NOT NULL,
                band INTEGER NOT NULL,
                bucket BIGINT NOT NULL
            )""",
            # Similar embedding pairs each linker found (a < b), with the day block that found them
            # (NULL: undated), so new documents are compared with their time neighbourhood only.
            """CREATE TABLE similar_pairs (
                linker VARCHAR NOT NULL,
                a VARCHAR NOT NULL,
                b VARCHAR NOT NULL,
                cosine DOUBLE NOT NULL,
                block BIGINT
            )""",
            # Document frequencies of title + lead words over the linked news documents, and the
            # words of short texts (headlines), for the story clusterer's rare-word rule.
            """CREATE TABLE story_words (
                word VARCHAR PRIMARY KEY,
                df INTEGER NOT NULL
            )""",
            """CREATE TABLE story_short_words (
                word VARCHAR NOT NULL,
                document_id VARCHAR NOT NULL
            )""",
        ),
    ),
    Migration(
        7,
        "full-text search: each document's index words, which documents are indexed, saved searches",
        (
            # One row per indexed document: the distinct folded words of its title, text and
            # captions (CJK: each letter) as a list, written with the document (limelight.search
            # narrows candidates by them, then the watchlist's matcher decides), and the index
            # words' version (a new tokenizer version makes --reindex redo the document). A list
            # per document rather than a row per word: PostgreSQL indexes it with GIN, whose
            # pending list takes a batch's words at almost no cost, where a B-tree over one row
            # per word made every write 2.3x slower (bench/store.py). Documents stored before
            # this step have no row until `limelight search --reindex`.
            """CREATE TABLE search_index (
                document_id VARCHAR NOT NULL,
                version INTEGER NOT NULL,
                terms VARCHAR[] NOT NULL
            )""",
            # A query and its filters (JSON) under a name; last_seen_at: up to when its matches
            # were looked at (the alerts' "new matches since").
            """CREATE TABLE saved_searches (
                name VARCHAR PRIMARY KEY,
                query VARCHAR NOT NULL,
                filters JSON,
                created_at TIMESTAMPTZ NOT NULL,
                last_seen_at TIMESTAMPTZ
            )""",
        ),
    ),
    Migration(
        8,
        "the store's generation: a number every committed write changes",
        (
            # One row, bumped by the last statement of every write transaction (in it, so a reader
            # never sees the new number before the new rows). The web layer keys its cached answers
            # by it: an unchanged generation is an unchanged store, whichever process wrote last.
            """CREATE TABLE store_generation (
                id INTEGER PRIMARY KEY,
                generation BIGINT NOT NULL
            )""",
            "INSERT INTO store_generation VALUES (1, 0)",
        ),
    ),
    Migration(
        9,
        "alerts: one row per incident, and where each version of it was delivered",
        (
            # One row per incident (limelight.alerts.model.Alert): the id is derived from the rule,
            # the entity or account and the incident's start, so a rule that sees the same incident
            # again finds its row. ``fingerprint`` hashes what the incident says (severity, title,
            # summary, status, evidence); a different one updates the row and bumps ``version``, the
            # same one changes nothing, so re-evaluating a rule never re-sends an alert.
            """CREATE TABLE alerts (
                id VARCHAR PRIMARY KEY,
                rule VARCHAR NOT NULL,
                kind VARCHAR NOT NULL,
                entity_id VARCHAR,
                account VARCHAR,
                severity VARCHAR NOT NULL,
                title VARCHAR NOT NULL,
                summary VARCHAR NOT NULL,
                opened_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL,
                closed_at TIMESTAMPTZ,
                status VARCHAR NOT NULL,
                evidence JSON NOT NULL,
                version INTEGER NOT NULL,
                fingerprint VARCHAR NOT NULL
            )""",
            # One row per (alert, version, channel): the state of delivering that version there.
            # ``attempt``: attempts made; ``status``: pending (retry at next_attempt_at), delivered,
            # or failed (gave up). No row for an alert's current version: not tried yet. A digest
            # updates the rows of every alert it carried in one transaction, so a restarted
            # `limelight alerts deliver` resumes where the last one stopped.
            """CREATE TABLE alert_deliveries (
                alert_id VARCHAR NOT NULL,
                version INTEGER NOT NULL,
                channel VARCHAR NOT NULL,
                attempt INTEGER NOT NULL,
                status VARCHAR NOT NULL,
                next_attempt_at TIMESTAMPTZ,
                last_error VARCHAR,
                delivered_at TIMESTAMPTZ,
                PRIMARY KEY (alert_id, version, channel)
            )""",
        ),
    ),
    Migration(
        10,
        "watch_targets: what the watcher knows of each URL it polls",
        (
            # One row per polled URL target (limelight.watch): the validators of its last 200
            # (ETag, Last-Modified) for a conditional GET, what the last poll found (changed,
            # unchanged, failed), consecutive failures, and when it is due again (its interval
            # after a poll, a backoff after a failure). In the store, so a restarted watcher keeps
            # its schedule and does not fetch every feed again at once.
            """CREATE TABLE watch_targets (
                target VARCHAR PRIMARY KEY,
                etag VARCHAR,
                last_modified VARCHAR,
                status VARCHAR NOT NULL,
                checked_at TIMESTAMPTZ NOT NULL,
                changed_at TIMESTAMPTZ,
                failures INTEGER NOT NULL,
                next_at TIMESTAMPTZ NOT NULL,
                last_error VARCHAR
            )""",
        ),
    ),
    Migration(
        11,
        "ingested_files: the size and modification time of each local file an ingest read in full",
        (
            # One row per local input file (its path as given, as Input.origin) that an ingest read
            # to the end with no failed item: its size and st_mtime_ns when read, and the options it
            # was read with (mapping, source, account) as JSON. The watcher passes over a file whose
            # three still match (pipeline.ingest(skip_unchanged=True)), so a cycle over a watched
            # folder of exports costs a stat per file, not a read of every post again.
            """CREATE TABLE ingested_files (
                path VARCHAR PRIMARY KEY,
                size BIGINT NOT NULL,
                mtime_ns BIGINT NOT NULL,
                options VARCHAR NOT NULL,
                run_id VARCHAR NOT NULL,
                read_at TIMESTAMPTZ NOT NULL
            )""",
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version
# watch_targets' columns, in the table's order (Store.write_watch_targets takes rows of them).
WATCH_TARGET_COLUMNS = ("target", "etag", "last_modified", "status", "checked_at", "changed_at", "failures",
                        "next_at", "last_error")
# ingested_files' columns, in the table's order (Store.write_ingested_files takes rows of them).
INGESTED_FILE_COLUMNS = ("path", "size", "mtime_ns", "options", "run_id", "read_at")

# The step that made store_generation, and the statement that ends every write transaction.
GENERATION_VERSION = 8
BUMP_GENERATION = "UPDATE store_generation SET generation = generation + 1 WHERE id = 1"

# No secondary indexes on purpose: DuckDB scans with zone maps, and every ART index slows bulk
# inserts and is kept in memory. The primary keys are there for idempotence, not for speed.

_TS = pa.timestamp("us", tz="UTC")
_STRS = pa.list_(pa.string())

INGESTED_FILE_SCHEMA = pa.schema([
    ("path", pa.string()), ("size", pa.int64()), ("mtime_ns", pa.int64()), ("options", pa.string()),
    ("run_id", pa.string()), ("read_at", _TS),
])

SOURCE_SCHEMA = pa.schema([
    ("id", pa.string()), ("platform", pa.string()), ("handle", pa.string()), ("name", pa.string()),
    ("owner_entity", pa.string()), ("official", pa.bool_()),
])

DOCUMENT_SCHEMA = pa.schema([
    ("id", pa.string()), ("kind", pa.string()), ("origin", pa.string()), ("source_id", pa.string()),
    ("text", pa.string()), ("title", pa.string()), ("url", pa.string()), ("canonical_url", pa.string()),
    ("language", pa.string()), ("language_confidence", pa.float64()), ("published_at", _TS),
    ("published_offset", pa.int32()), ("date_source", pa.string()), ("author", pa.string()),
    ("captions", _STRS), ("attribution_url", pa.string()), ("attribution_text", pa.string()),
    ("fetched_at", _TS), ("content_hash", pa.string()), ("content_type", pa.string()),
    ("platform_id", pa.string()), ("likes", pa.int64()), ("shares", pa.int64()), ("comments", pa.int64()),
    ("views", pa.int64()), ("extra", pa.string()), ("first_run_id", pa.string()),
    ("tone", pa.float64()), ("tone_label", pa.string()),
])

ENTITY_SCHEMA = pa.schema([
    ("id", pa.string()), ("kind", pa.string()), ("name", pa.string()), ("aliases", _STRS),
    ("parent", pa.string()), ("role", pa.string()), ("query", pa.string()), ("competitors", _STRS),
    ("query_mode", pa.string()), ("fingerprint", pa.string()),
])

MENTION_SCHEMA = pa.schema([
    ("id", pa.string()), ("document_id", pa.string()), ("entity_id", pa.string()), ("alias", pa.string()),
    ("surface", pa.string()), ("field", pa.string()), ("start", pa.int32()), ("end", pa.int32()),
    ("role", pa.string()), ("sentence", pa.string()), ("caption_index", pa.int32()),
    ("tone", pa.float64()), ("tone_label", pa.string()),
])

LINK_SCHEMA = pa.schema([
    ("from_id", pa.string()), ("to_id", pa.string()), ("to_url", pa.string()), ("kind", pa.string()),
    ("score", pa.float64()), ("evidence", pa.string()), ("run_id", pa.string()),
])

ERROR_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("origin", pa.string()), ("stage", pa.string()), ("message", pa.string()),
    ("hint", pa.string()), ("at", _TS), ("last_run_id", pa.string()), ("seen", pa.int32()),
])

RAW_INPUT_SCHEMA = pa.schema([
    ("raw_key", pa.string()), ("document_id", pa.string()), ("first_run_id", pa.string()),
])

# Table name → the Arrow schema the writer inserts; a test checks each against the migrated table.
WRITE_SCHEMAS: dict[str, pa.Schema] = {
    "sources": SOURCE_SCHEMA,
    "documents": DOCUMENT_SCHEMA,
    "entities": ENTITY_SCHEMA,
    "mentions": MENTION_SCHEMA,
    "links": LINK_SCHEMA,
    "errors": ERROR_SCHEMA,
    "raw_inputs": RAW_INPUT_SCHEMA,
}
