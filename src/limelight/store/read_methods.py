"""The read side of the Store protocol that every store answers the same way: through its named
reads (core.*), so DuckDB, PostgreSQL and the remote client share one implementation."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa

from limelight.models import Document


class NamedReadMethods:
    """Mixed into a store that has ``read(name, **params)`` and ``get_documents(ids)``."""

    def read(self, name: str, **params: Any) -> pa.Table:  # provided by the store
        raise NotImplementedError

    def get_documents(self, ids: Sequence[str]) -> list[Document]:  # provided by the store
        raise NotImplementedError

    def entity_fingerprints(self) -> dict[str, str | None]:
        """The stored entities and the fingerprint their mentions were made with (None: unknown)."""
        return {str(r["id"]): r["fingerprint"] for r in self.read("core.entity_fingerprints").to_pylist()}

    def documents_mentioning(self, entity_ids: Sequence[str]) -> list[str]:
        table = self.read("core.documents_mentioning", entity_ids=list(entity_ids))
        return [str(v) for v in table.column(0).to_pylist()]

    def count_documents(self) -> int:
        return int(self.read("core.count_documents").column(0)[0].as_py())

    def has_toned_mentions(self) -> bool:
        return bool(self.read("core.has_toned_mentions").column(0)[0].as_py())

    def scan_documents(self, batch_size: int) -> Iterator[list[Document]]:
        """Every stored document, ``batch_size`` at a time, in id order (keyset pagination: each
        batch is its own short read, so nothing is held open between batches)."""
        after = ""
        while True:
            ids = [str(v) for v in self.read("core.document_ids_after", after=after, limit=batch_size)
                   .column(0).to_pylist()]
            if not ids:
                return
            yield self.get_documents(ids)
            after = ids[-1]
