"""The store interface. DuckDB is the embedded default; a second backend implements the same."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa

from limelight.models import Document, Enriched, ItemError, Link
from limelight.watchlist import Watchlist


@dataclass(frozen=True, slots=True)
class WriteResult:
    new: int  # documents not seen before
    known: int  # documents already stored (idempotent re-ingest): nothing changed
    mentions: int  # mentions written for the new documents


@runtime_checkable
class Store(Protocol):
    name: str
    schema_version: int

    def write(self, batch: Sequence[Enriched], run_id: str) -> WriteResult:
        """Write one batch in one transaction. Documents already stored are counted, not changed."""
        ...

    def write_errors(self, errors: Sequence[ItemError], run_id: str) -> None: ...

    def sync_watchlist(self, watchlist: Watchlist) -> None:
        """Replace the entities table with the watchlist's entities."""
        ...

    def start_run(self, inputs: Sequence[str], settings: dict[str, Any]) -> str: ...

    def finish_run(self, run_id: str, stats: dict[str, int]) -> None: ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> pa.Table: ...

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

    def close(self) -> None: ...


@runtime_checkable
class StoreFactory(Protocol):
    name: str
    version: str
    title: str
    requires: tuple[str, ...]
    provides: tuple[str, ...]

    def open(self, path: Path) -> Store: ...
