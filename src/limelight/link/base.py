"""What every linker shares: the store it needs, the plugin contract, embeddings on demand, helpers.

Link direction, everywhere: ``from_id`` is the later document (the copy, the translation), ``to_id``
the earlier one it comes from. So following ``to_id`` walks towards a story's origin.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pyarrow as pa

from limelight.settings import Settings
from limelight.store.base import Store
from limelight.watchlist import Watchlist

# Document kinds the news linkers (duplicates, translations, stories) look at. Social posts are
# linked by the copied-posts linker only: an account repeating its own template post every week is
# not news syndication.
NEWS_KINDS: tuple[str, ...] = ("article", "press_release", "transcript")
# How much of title + lead the embedding model reads, in estimated tokens. The model's cost grows
# faster than the text (attention is quadratic), and a CJK character is about one token where a Latin
# word of five characters is about one or two: a character cap would give Chinese four times the
# tokens, and the time, of German. ~180 tokens hold a title and a lead paragraph in any script.
EMBED_TOKENS = 180.0
_CJK_CHAR = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# A one-line first paragraph (a dateline, a teaser) says little: paragraphs are added until the lead
# has at least this many characters.
LEAD_MIN_CHARS = 250


@runtime_checkable
class Linker(Protocol):
    name: str
    version: str
    title: str
    requires: tuple[str, ...]
    provides: tuple[str, ...]

    def run(self, store: Store, settings: Settings, watchlist: Watchlist, run_id: str = "link") -> int:
        """Find links across the stored documents, write the new ones, return how many were new."""
        ...


def embed_text(title: str | None, text: str) -> str:
    """Title + lead: what a document's embedding is made from. The lead is the first paragraph,
    extended by the next ones while it is shorter than ``LEAD_MIN_CHARS``."""
    lead: list[str] = []
    size = 0
    for para in text.split("\n"):
        para = para.strip()
        if not para:
            continue
        lead.append(para)
        size += len(para)
        if size >= LEAD_MIN_CHARS:
            break
    body = "\n".join(lead)
    joined = f"{title.strip()}\n{body}" if title and title.strip() else body
    return _truncate_tokens(joined, EMBED_TOKENS)


def _truncate_tokens(text: str, budget: float) -> str:
    """Cut ``text`` where its estimated token count reaches ``budget``: 1 per CJK character, 0.3 per
    other character (e5's tokenizer gives about one token per 3–4 Latin characters)."""
    cost = 0.0
    for i, ch in enumerate(text):
        cost += 1.0 if _CJK_CHAR.match(ch) else 0.3
        if cost > budget:
            return text[:i]
    return text


def ensure_embeddings(store: Store, settings: Settings, where: str, params: Sequence[Any] = (),
                      batch: int = 256) -> tuple[list[str], np.ndarray, int]:
    """Vectors for the documents matching ``where`` (SQL on ``d`` = documents): stored ones are read,
    missing ones are computed and stored first. Returns (ids, vectors, how many were computed)."""
    from limelight.enrich.embeddings import get_embedder

    embedder = get_embedder(str(settings["embeddings.model"]))
    missing = store.query(
        f"""SELECT d.id, d.title, d.text FROM documents AS d
            WHERE ({where}) AND NOT EXISTS (
                SELECT 1 FROM embeddings AS e WHERE e.document_id = d.id AND e.model = ?)
            ORDER BY d.id""",
        [*params, embedder.name],
    ).to_pylist()
    for start in range(0, len(missing), batch):
        chunk = missing[start:start + batch]
        vectors = embedder.passages([embed_text(r["title"], r["text"]) for r in chunk])
        store.write_embeddings([r["id"] for r in chunk], embedder.name, vectors)
    table = store.query(
        f"""SELECT d.id, e.vector FROM documents AS d
            JOIN embeddings AS e ON e.document_id = d.id AND e.model = ?
            WHERE ({where}) ORDER BY d.id""",
        [embedder.name, *params],
    )
    return table.column("id").to_pylist(), vectors_from_arrow(table.column("vector"), embedder.dim), len(missing)


def vectors_from_arrow(column: pa.ChunkedArray, dim: int) -> np.ndarray:
    """A FLOAT[] column as an (n, dim) float32 matrix without a Python loop per row."""
    if len(column) == 0:
        return np.zeros((0, dim), dtype=np.float32)
    values = column.combine_chunks().flatten().to_numpy(zero_copy_only=False)
    return np.asarray(values, dtype=np.float32).reshape(len(column), -1)


def day_number(dt: datetime | None) -> float | None:
    """Days since the epoch (fractional), for time windows; None stays None."""
    return None if dt is None else dt.timestamp() / 86400.0


def earlier_first(a: tuple[float | None, str], b: tuple[float | None, str]) -> bool:
    """Whether document ``a`` (day, id) counts as earlier than ``b``: by date, undated last, ties by id
    so the direction of a link is the same on every run."""
    da, db = a[0], b[0]
    if da is not None and db is not None and da != db:
        return da < db
    if (da is None) != (db is None):
        return da is not None
    return a[1] < b[1]


class UnionFind:
    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self._parent.setdefault(x, x)
        while parent != x:
            grand = self._parent.setdefault(parent, parent)
            self._parent[x] = grand  # path halving keeps later finds short
            x, parent = parent, grand
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)
