"""The store's bulk-load seam: batches as Arrow tables with the store's table schemas.

Every store writes a batch the same way: the documents, mentions, sources, links and raw-input
keys of its items become Arrow tables (:data:`limelight.store.schema.WRITE_SCHEMAS`), the store
decides which documents are new (:func:`plan_write`) and inserts those tables whole. The same tables
written to Parquet are a *shard*: a worker elsewhere can produce shards (:func:`batch_tables`,
:func:`write_shard`) and ``Store.bulk_load`` loads them with the idempotency of ``Store.write``
(known ids counted as known, copies as duplicates, the same ids).

Shard layout: one Parquet file per table (:data:`SHARD_TABLES`), named ``<table>.parquet``; a
shard may leave out a table it has no rows for, and a column a newer schema added reads as NULL.
A shard's documents table has one row per item, copies included (so counts match ``write``);
its mentions and links are those of each document's first copy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from limelight.models import Document, Enriched, ItemError, Link, Mention, Source
from limelight.store.base import RAW_KEY, WriteResult
from limelight.store.schema import (
    DOCUMENT_SCHEMA,
    ERROR_SCHEMA,
    LINK_SCHEMA,
    MENTION_SCHEMA,
    RAW_INPUT_SCHEMA,
    SOURCE_SCHEMA,
    WRITE_SCHEMAS,
)

# The tables a shard holds, in the order a store loads them.
SHARD_TABLES: tuple[str, ...] = ("sources", "documents", "mentions", "links", "raw_inputs", "errors")

# Document fields stored as they are; the others need a conversion (see documents_table).
_CONVERTED = {"source", "published_at", "fetched_at", "captions"}
PLAIN_FIELDS = tuple(f.name for f in fields(Document) if f.name not in _CONVERTED)


# -- values ---------------------------------------------------------------------------------------


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def utc(dt: datetime | None) -> datetime | None:
    """Aware datetimes as UTC; naive ones are taken to be UTC already (their offset is unknown)."""
    if dt is None:
        return None
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)


def offset(dt: datetime | None) -> int | None:
    off = dt.utcoffset() if dt is not None else None
    return None if off is None else int(off.total_seconds())


def raw_key(item: Enriched) -> str | None:
    for key, value in item.extra:
        if key == RAW_KEY:
            return value
    return None


def from_summary(item: Enriched) -> bool:
    return dict(item.extra).get("from_feed_summary") == "1"


def _extra_from_summary(extra: str | None) -> bool:
    """The stored ``extra`` JSON's view of :func:`from_summary` (a shard row has no Enriched)."""
    if not extra:
        return False
    try:
        value = json.loads(extra)
    except ValueError:
        return False
    return isinstance(value, dict) and value.get("from_feed_summary") == "1"


# -- tables ---------------------------------------------------------------------------------------


def sources_table(sources: Iterable[Source]) -> pa.Table:
    unique: dict[str, Source] = {}
    for source in sources:
        unique.setdefault(source.id, source)
    return pa.Table.from_pylist(
        [{"id": s.id, "platform": s.platform, "handle": s.handle, "name": s.name,
          "owner_entity": s.owner_entity, "official": s.official} for s in unique.values()],
        schema=SOURCE_SCHEMA,
    )


def documents_table(items: Sequence[Enriched], run_id: str, first_runs: dict[str, str | None] | None = None
                    ) -> pa.Table:
    # Column-wise build: one list per column, no per-row dicts.
    cols: dict[str, list[Any]] = {name: [] for name in DOCUMENT_SCHEMA.names}
    for item in items:
        doc = item.document
        for name in PLAIN_FIELDS:
            cols[name].append(getattr(doc, name))
        cols["source_id"].append(doc.source.id)
        cols["published_at"].append(utc(doc.published_at))
        cols["published_offset"].append(offset(doc.published_at))
        cols["fetched_at"].append(utc(doc.fetched_at))
        cols["captions"].append(list(doc.captions))
        extra = {k: v for k, v in item.extra if k != RAW_KEY}  # the raw key goes to raw_inputs
        cols["extra"].append(to_json(extra) if extra else None)
        cols["first_run_id"].append((first_runs or {}).get(doc.id) or run_id)
    return pa.Table.from_pydict(cols, schema=DOCUMENT_SCHEMA)


def mentions_table(items: Sequence[Enriched]) -> pa.Table:
    # An enricher may report one span twice (two aliases matching the same text); keep one.
    unique: dict[str, Mention] = {}
    for item in items:
        for mention in item.mentions:
            unique.setdefault(mention.id, mention)  # Mention.id hashes: compute it once per mention
    return mention_rows(unique)


def mention_rows(unique: Mapping[str, Mention]) -> pa.Table:
    """Mentions keyed by their id (computed once by the caller) as a mentions table."""
    cols: dict[str, list[Any]] = {"id": list(unique)}
    for name in MENTION_SCHEMA.names[1:]:
        cols[name] = [getattr(m, name) for m in unique.values()]
    return pa.Table.from_pydict(cols, schema=MENTION_SCHEMA)


def first_links(links: Iterable[Link]) -> list[Link]:
    """One link per (from, kind, to document, to URL), the first offered: the key both stores keep
    links unique by when a linker adds them."""
    first: dict[tuple[str, str, str | None, str | None], Link] = {}
    for link in links:
        first.setdefault((link.from_id, link.kind, link.to_id, link.to_url), link)
    return list(first.values())


def links_table(links: Sequence[Link], run_id: str) -> pa.Table:
    cols = {name: [getattr(link, name) for link in links] for name in LINK_SCHEMA.names if name != "run_id"}
    cols["run_id"] = [run_id] * len(links)
    return pa.Table.from_pydict(cols, schema=LINK_SCHEMA)


def raw_inputs_table(raw: Mapping[str, str], run_id: str) -> pa.Table:
    """Raw-input key → the document it produced, recorded for ``run_id``."""
    return pa.table({"raw_key": pa.array(list(raw), pa.string()),
                     "document_id": pa.array(list(raw.values()), pa.string()),
                     "first_run_id": pa.array([run_id] * len(raw), pa.string())}, schema=RAW_INPUT_SCHEMA)


def errors_table(errors: Sequence[ItemError], run_id: str, at: datetime | None = None) -> pa.Table:
    """One row per (origin, stage, message), as ``write_errors`` records them."""
    now = at or datetime.now(UTC)
    unique = {(e.origin, e.stage, e.message): e for e in errors}
    return pa.Table.from_pylist(
        [{"run_id": run_id, "origin": e.origin, "stage": e.stage, "message": e.message,
          "hint": e.hint, "at": now, "last_run_id": run_id, "seen": 1} for e in unique.values()],
        schema=ERROR_SCHEMA,
    )


def search_index_tables(documents: pa.Table) -> dict[str, pa.Table]:
    """The search index rows of these documents (a table with id, title, text and captions):
    ``search_index`` (document_id, version, terms: the distinct index words of
    :func:`index_terms`), written in the transaction that stores them."""
    from limelight.enrich.matcher import INDEX_VERSION, index_terms

    ids = [str(v) for v in documents.column("id").to_pylist()]
    terms = [sorted(index_terms((title or "", text or "", *(captions or ()))))
             for title, text, captions in zip(documents.column("title").to_pylist(),
                                              documents.column("text").to_pylist(),
                                              documents.column("captions").to_pylist(), strict=True)]
    return {"search_index": pa.table({"document_id": pa.array(ids, pa.string()),
                                      "version": pa.array([INDEX_VERSION] * len(ids), pa.int32()),
                                      "terms": pa.array(terms, pa.list_(pa.string()))})}


def document_from_row(row: dict[str, Any]) -> Document:
    """A stored document (a documents row joined with its source's columns) as a Document."""
    published = row["published_at"]
    if published is not None and row["published_offset"] is not None:
        published = published.astimezone(timezone(timedelta(seconds=row["published_offset"])))
    source = Source(id=row["source_id"], platform=row["platform"], handle=row["handle"],
                    name=row["source_name"], owner_entity=row["owner_entity"], official=row["official"])
    return Document(
        source=source, published_at=published, fetched_at=row["fetched_at"],
        captions=tuple(row["captions"]), **{name: row[name] for name in PLAIN_FIELDS},
    )


# -- shards ---------------------------------------------------------------------------------------


def batch_tables(batch: Sequence[Enriched], run_id: str, errors: Sequence[ItemError] = ()) -> dict[str, pa.Table]:
    """A batch as a shard's tables: what a worker writes for ``Store.bulk_load`` to load."""
    firsts: dict[str, Enriched] = {}
    raw: dict[str, str] = {}
    for item in batch:
        firsts.setdefault(item.document.id, item)
        key = raw_key(item)
        if key is not None:
            raw.setdefault(key, item.document.id)
    unique = list(firsts.values())
    return {
        "sources": sources_table(item.document.source for item in unique),
        "documents": documents_table(batch, run_id),
        "mentions": mentions_table(unique),
        "links": links_table([link for item in unique for link in item.links], run_id),
        "raw_inputs": raw_inputs_table(raw, run_id),
        "errors": errors_table(errors, run_id),
    }


def write_shard(directory: Path | str, tables: Mapping[str, pa.Table]) -> dict[str, Path]:
    """Write a shard's tables as ``<directory>/<table>.parquet``; returns table → file."""
    import pyarrow.parquet as pq

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for name in SHARD_TABLES:
        if name in tables:
            files[name] = out / f"{name}.parquet"
            pq.write_table(conform(name, tables[name]), files[name])
    return files


def shard_files(directory: Path | str) -> dict[str, Path]:
    """The shard in ``directory``: table → its ``<table>.parquet`` file, for the files there."""
    base = Path(directory)
    return {name: base / f"{name}.parquet" for name in SHARD_TABLES if (base / f"{name}.parquet").exists()}


def read_shard(files: Mapping[str, Path | str]) -> dict[str, pa.Table]:
    """A shard's Parquet files as tables with the store's schemas (a missing table is empty)."""
    import pyarrow.parquet as pq

    unknown = set(files) - set(SHARD_TABLES)
    if unknown:
        raise ValueError(f"a shard holds only {', '.join(SHARD_TABLES)}; not {', '.join(sorted(unknown))}")
    return {name: conform(name, pq.read_table(files[name]) if name in files else None) for name in SHARD_TABLES}


def conform(name: str, table: pa.Table | None) -> pa.Table:
    """``table`` with exactly the columns and types of the store table ``name`` (missing ones NULL)."""
    schema = WRITE_SCHEMAS[name]
    if table is None:
        return schema.empty_table()
    columns = [table.column(f.name).cast(f.type) if f.name in table.column_names
               else pa.nulls(table.num_rows, f.type) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


# -- what a write stores --------------------------------------------------------------------------


@dataclass(slots=True)
class WritePlan:
    """Which documents of a batch a store inserts, and what the rest count as."""

    firsts: dict[str, int]  # document id → index of its first copy in the batch
    redo: list[str]  # stored documents to replace (``--reprocess``, or a feed summary's real page)
    first_runs: dict[str, str | None]  # a replaced document keeps its first run
    stored: dict[str, str | None]  # document id → the run that stored it, for the ids stored already
    fresh: list[str]  # ids to insert, in batch order

    def result(self, ids: Sequence[str], run_id: str, new: int, mentions: int) -> WriteResult:
        """Every item counts once: a copy of a document an earlier run stored is known (however many
        copies), the first copy of a fresh one is new, and every other copy is a duplicate."""
        known = sum(1 for doc_id in ids if self.stored.get(doc_id, run_id) != run_id)
        return WriteResult(new=new, known=known, mentions=mentions, duplicates=len(ids) - new - known)


def first_rows(ids: Sequence[str]) -> dict[str, int]:
    firsts: dict[str, int] = {}
    for i, doc_id in enumerate(ids):
        firsts.setdefault(doc_id, i)
    return firsts


def plan_write(ids: Sequence[str], found: Mapping[str, tuple[str | None, bool]],
               new_from_summary: Callable[[int], bool], run_id: str, done: set[str], *,
               replace: bool = False) -> WritePlan:
    """The write rule of every store. ``found``: the batch's ids stored already → (their first run,
    built from a feed summary?); ``new_from_summary(i)``: is the batch's row ``i`` a summary too;
    ``done``: what this run replaced already (later copies are duplicates). A known document is
    replaced with ``replace`` or when the stored one is a feed summary and this is its real page."""
    firsts = first_rows(ids)
    redo = [doc_id for doc_id, (first, summary) in found.items() if first != run_id and doc_id not in done
            and (replace or (summary and not new_from_summary(firsts[doc_id])))]
    first_runs = {doc_id: found[doc_id][0] for doc_id in redo}
    replaced = done | set(redo)
    stored = {doc_id: (run_id if doc_id in replaced and doc_id not in first_runs else first)
              for doc_id, (first, _) in found.items() if doc_id not in first_runs}
    fresh = [doc_id for doc_id in firsts if doc_id not in stored]
    return WritePlan(firsts, redo, first_runs, stored, fresh)


def shard_plan_inputs(documents: pa.Table) -> tuple[list[str], Callable[[int], bool]]:
    """A shard's document ids and its rows' summary flags, for :func:`plan_write`."""
    ids = [str(v) for v in documents.column("id").to_pylist()]
    extra = documents.column("extra")
    return ids, lambda i: _extra_from_summary(extra[i].as_py())


def fresh_shard_tables(tables: Mapping[str, pa.Table], plan: WritePlan, run_id: str) -> dict[str, pa.Table]:
    """The rows of a shard a store inserts under ``plan``: the first copy of each fresh document
    (credited to ``run_id``, or to its first run when replaced), their sources, mentions and
    links, and every raw-input key (a store keeps the keys it does not know yet)."""
    docs = tables["documents"].take(pa.array([plan.firsts[i] for i in plan.fresh], pa.int64()))
    first_run = [plan.first_runs.get(i) or run_id for i in plan.fresh]
    docs = docs.set_column(docs.schema.get_field_index("first_run_id"), "first_run_id",
                           pa.array(first_run, pa.string()))
    fresh_ids = pa.array(plan.fresh, pa.string())
    sources = _first_by_key(tables["sources"], "id")
    sources = sources.filter(pc.is_in(sources.column("id"), value_set=docs.column("source_id").unique()))
    mentions = _first_by_key(tables["mentions"], "id")
    mentions = mentions.filter(pc.is_in(mentions.column("document_id"), value_set=fresh_ids))
    links = tables["links"].filter(pc.is_in(tables["links"].column("from_id"), value_set=fresh_ids))
    links = links.set_column(links.schema.get_field_index("run_id"), "run_id",
                             pa.array([run_id] * links.num_rows, pa.string()))
    raw = _first_by_key(tables["raw_inputs"], "raw_key")
    raw = raw.set_column(raw.schema.get_field_index("first_run_id"), "first_run_id",
                         pa.array([run_id] * raw.num_rows, pa.string()))
    return {"sources": sources, "documents": docs, "mentions": mentions, "links": links, "raw_inputs": raw}


def shard_errors(errors: pa.Table) -> list[ItemError]:
    """A shard's error rows as the errors ``write_errors`` records (few: a list is fine)."""
    return [ItemError(r["origin"], r["stage"], r["message"], r["hint"] or "") for r in errors.to_pylist()]


def _first_by_key(table: pa.Table, key: str) -> pa.Table:
    """``table`` with the first row of each ``key`` value (a shard should hold each once already)."""
    if table.num_rows == 0:
        return table
    rows = list(first_rows([str(v) for v in table.column(key).to_pylist()]).values())
    return table if len(rows) == table.num_rows else table.take(pa.array(rows, pa.int64()))
