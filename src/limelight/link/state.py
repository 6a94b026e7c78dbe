"""What the link stage remembers between runs, so that each run works on what is new.

Every built-in linker keeps, in the store (schema migration 6):

- ``link_state``: one row per document it has processed, with the content hash it saw. The next run
  reads only documents without one (:func:`pending`), plus those marked ``stale``: documents whose
  links another linker changed since (the story clusterer reads links, so a new link re-clusters
  its ends).
- ``linker_settings``: a fingerprint of what its results were made with (its version, the settings it
  reads, for the copied-posts linker the accounts). A different fingerprint, a processed document
  that is gone or was stored again with another text, or ``limelight link --full`` (:func:`forget`)
  make the next run start from nothing: it drops what the linker stored and processes every document.
- its candidate index, so new documents are compared with old ones without re-hashing or re-embedding
  them: MinHash band buckets per text (duplicates), the similar embedding pairs each day block found
  (translations, stories: :func:`update_pairs`), the story word counts.

A linker computes from what is new *exactly* what a run over the whole corpus computes for it: every
step is either a property of a pair (a shingle Jaccard, a cosine, a shared band bucket) or of a
neighbourhood the run reads whole (a content-hash group, a day block, a document's pairs, a
connected component of the story graph). ``tests/test_link_incremental.py`` checks it: ingest A,
link, ingest B, link gives the links and stories that ingest A + B, link does. Each linker then writes
everything it changed in one transaction (:class:`~limelight.store.base.LinkUpdate`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from limelight.link import ann
from limelight.link.ann import block_of, block_pairs, bucket_of, similar_pairs
from limelight.link.base import day_number, vectors_from_arrow
from limelight.store.base import Store

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Pending:
    """What a linker has to do in this run."""

    full: bool  # start from nothing (then ``new`` is every document in the linker's scope)
    why: str  # why it starts from nothing; "" when it does not
    new: list[tuple[str, str]]  # (document id, content hash) never processed
    stale: list[tuple[str, str]] = field(default_factory=list)  # processed, but their links changed since

    @property
    def todo(self) -> list[tuple[str, str]]:
        """Everything this run marks processed."""
        return self.new + self.stale

    @property
    def nothing(self) -> bool:
        return not self.full and not self.new and not self.stale


def fingerprint(name: str, version: str, **inputs: Any) -> str:
    """What a linker's results are made of: its name, version and the settings (inputs) it reads."""
    text = json.dumps({"linker": name, "version": version, **inputs}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def pending(store: Store, name: str, fingerprint: str, kinds: Sequence[str] | None, *,
            needs_story: bool = False) -> Pending:
    """The documents of ``kinds`` the linker ``name`` has to (re)consider, or all of them when it
    must start from nothing (see the module docstring)."""
    stored = store.read("link.fingerprint", linker=name).column("fingerprint").to_pylist()
    kind_list = None if kinds is None else list(kinds)
    why = ""
    rows: list[dict[str, Any]] = []
    if not stored:
        why = "no earlier run"
    elif stored[0] != fingerprint:
        why = "its version or settings changed"
    else:
        rows = store.read("link.pending", linker=name, kinds=kind_list, needs_story=needs_story).to_pylist()
        if any(r["conflict"] for r in rows):
            why = "documents it linked were removed or stored again"
    if why:
        rows = store.read("link.pending", linker=name, kinds=kind_list, everything=True).to_pylist()
        log.info("linker %s starts from nothing (%s): %d documents", name, why, len(rows))
        return Pending(True, why, [(str(r["id"]), str(r["content_hash"])) for r in rows])
    return Pending(False, "", [(str(r["id"]), str(r["content_hash"])) for r in rows if r["new"]],
                   [(str(r["id"]), str(r["content_hash"])) for r in rows if not r["new"]])


def forget(store: Store, name: str) -> None:
    """Make the linker's next run start from nothing (``limelight link --full``)."""
    store.forget_linker(name)


def link_readers(name: str) -> tuple[str, ...]:
    """The registered linkers other than ``name`` that read links (``requires`` "links"): when a
    linker changes links, their state of the ends goes stale, so they look at them again."""
    from limelight.registry import registry

    return tuple(x.name for x in registry.all("linker") if "links" in x.requires and x.name != name)


# -- similar embedding pairs, kept per day block ------------------------------------------------------


@dataclass
class PairChanges:
    """What new documents changed in a linker's similar pairs ((a, b) ids, a < b)."""

    added: dict[tuple[str, str], float] = field(default_factory=dict)
    removed: set[tuple[str, str]] = field(default_factory=set)
    blocks: list[int | None] = field(default_factory=list)  # blocks whose stored pairs ``rows`` replace
    rows: list[tuple[str, str, float, int | None]] = field(default_factory=list)  # pairs to store
    vectors: dict[str, np.ndarray] = field(default_factory=dict)  # the vectors read on the way, by id

    def ends(self) -> set[str]:
        """The documents whose pairs changed."""
        return {x for pair in (*self.added, *self.removed) for x in pair}


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def pairs_from_scratch(ids: Sequence[str], days: Sequence[float | None], vectors: np.ndarray,
                       window_days: float, threshold: float) -> PairChanges:
    """Every similar pair of the corpus (ids in id order), as a run from nothing stores them."""
    out = PairChanges()
    for (i, j), cos in similar_pairs(vectors, days, window_days, threshold).items():
        key = _key(ids[i], ids[j])
        out.added[key] = cos
        out.rows.append((*key, cos, block_of(bucket_of(days[i], window_days), bucket_of(days[j], window_days))))
    return out


def update_pairs(store: Store, linker: str, model: str, kinds: Sequence[str], new: dict[str, float | None],
                 window_days: float, threshold: float, *, exact_limit: int | None = None) -> PairChanges:
    """The pairs ``new`` documents (id → day; their vectors stored) change among the linker's
    stored ones. Each block they fall into (their day bucket, and the next one, whose previous bucket
    it is) is read whole, with its previous bucket, and searched as a run over the whole corpus
    searches it: what a block finds depends on its own documents only (:mod:`limelight.link.ann`).
    A block small enough for the exact search needs only the new documents' products, and loses no
    pair; a larger one is searched again and compared with what it found before."""
    out = PairChanges()
    if not new:
        return out
    limit = ann.EXACT_LIMIT if exact_limit is None else exact_limit
    touched: set[int | None] = set()
    for day in new.values():
        b = bucket_of(day, window_days)
        touched.update({None} if b is None else {b, b + 1})
    dated = sorted(t for t in touched if t is not None)
    wanted = {b for t in dated for b in (t - 1, t)}
    by_bucket = _load_buckets(store, model, kinds, wanted, window_days, undated=None in touched)
    out.vectors = {doc_id: vector for rows in by_bucket.values() for doc_id, _, vector in rows}
    for t in [*dated, *([None] if None in touched else [])]:
        cur = by_bucket.get(t, [])
        prev = by_bucket.get(t - 1, []) if t is not None else []
        block = cur + prev
        fresh = [k for k, (doc_id, _, _) in enumerate(block) if doc_id in new]
        if not fresh:
            continue
        ids = [doc_id for doc_id, _, _ in block]
        days = np.array([np.nan if d is None else d for _, d, _ in block], dtype=np.float64)
        vectors = np.stack([v for _, _, v in block]) if block else np.zeros((0, 0), dtype=np.float32)
        if len(block) <= limit:
            # The exact search is a property of each pair: the old documents' pairs stand as they are.
            found = block_pairs(vectors, days, len(cur), t, window_days, threshold, exact_limit=limit,
                                only=np.array(fresh, dtype=np.int64))
            for (x, y), cos in found.items():
                key = _key(ids[x], ids[y])
                out.added[key] = cos
                out.rows.append((*key, cos, t))
            continue
        found = block_pairs(vectors, days, len(cur), t, window_days, threshold, exact_limit=limit)
        now = {_key(ids[x], ids[y]): cos for (x, y), cos in found.items()}
        before = {_key(str(r["a"]), str(r["b"])) for r in store.read(
            "link.pairs_in_blocks", linker=linker, blocks=[] if t is None else [t], undated=t is None).to_pylist()}
        out.blocks.append(t)
        out.rows.extend((*key, cos, t) for key, cos in now.items())
        out.added.update({key: cos for key, cos in now.items() if key not in before})
        out.removed.update(before - set(now))
    return out


def _load_buckets(store: Store, model: str, kinds: Sequence[str], buckets: Iterable[int], window_days: float, *,
                  undated: bool) -> dict[int | None, list[tuple[str, float | None, np.ndarray]]]:
    """The embedded documents of these day buckets (and the undated ones), each bucket in id order:
    (id, day, vector). A run of consecutive buckets is one read, a day wider on each side than the
    buckets so that no rounding at a boundary loses a document; the bucket is then taken from the
    day exactly as the search computes it."""
    out: dict[int | None, list[tuple[str, float | None, np.ndarray]]] = defaultdict(list)
    wanted = set(buckets)
    ranges: list[tuple[int, int]] = []
    for b in sorted(wanted):
        if ranges and b == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], b)
        else:
            ranges.append((b, b))
    reads: list[dict[str, Any]] = [
        {"start": _instant(lo * window_days - 1.0), "end": _instant((hi + 1) * window_days + 1.0)} for lo, hi in ranges]
    if undated:
        reads.append({"undated": True})
    seen: set[str] = set()  # with windows under two days, the margins of two reads could overlap
    for params in reads:
        table = store.read("link.embedded_documents", model=model, kinds=list(kinds), **params)
        if table.num_rows == 0:
            continue
        vectors = vectors_from_arrow(table.column("vector"), 0)
        for doc_id, published, vector in zip(table.column("id").to_pylist(), table.column("published_at").to_pylist(),
                                             vectors, strict=True):
            day = day_number(published)
            found = bucket_of(day, window_days)
            if doc_id not in seen and ((found is None and undated) or found in wanted):
                seen.add(doc_id)
                out[found].append((str(doc_id), day, vector))
    for rows in out.values():
        rows.sort(key=lambda r: r[0])
    return out


def _instant(day: float) -> datetime:
    return datetime.fromtimestamp(day * 86400.0, UTC)
