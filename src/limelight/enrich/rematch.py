"""Mentions follow the watchlist: after an edit, re-match the stored documents it can affect.

An analyst refines aliases daily. Without this, a new entity or alias changed nothing: re-ingesting
counted every document as known, so the new entity kept 0 mentions. Here each entity carries a
fingerprint of what decides its matches (:data:`MATCH_KEYS` and :data:`MATCHER_VERSION`); the store
keeps the fingerprints of the watchlist its mentions were made with. When they differ:

1. the *changed* entities are those added, removed, or with another fingerprint;
2. the *candidate* documents are those that mention a changed entity now, plus those whose text
   the changed entities' new aliases and query terms match (a scan of the stored texts with an
   automaton of only those entities);
3. every candidate is matched again against the whole new watchlist, and its mentions replaced:
   one entity's new alias can take a span from another ("Xiaomi Auto" now wins over "Xiaomi"),
   and a sentence's roles depend on all its mentions, so a candidate is redone whole. A mention
   that comes out the same keeps its tone;
4. when the project uses tone (some mention has one), the new mentions of the candidates are scored.

Cost follows the change, not the corpus: the scan reads the texts once with a small automaton,
and only candidates are matched in full. It runs from ``limelight watchlist apply`` and at the
start of every ingest.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from limelight.enrich.mentions import MentionFinder
from limelight.models import Entity
from limelight.settings import Settings
from limelight.store.base import Store
from limelight.watchlist import Watchlist

MATCH_KEYS = ("kind", "name", "aliases", "query", "query_mode")
# Bump when variant generation, boundaries or role rules change what a watchlist matches: every
# stored entity then counts as changed once, and its documents are matched again.
MATCHER_VERSION = "2"
BATCH = 500


def fingerprint(entity: Entity) -> str:
    """What decides an entity's mentions, hashed."""
    data = {key: getattr(entity, key) for key in MATCH_KEYS}
    data["aliases"] = list(entity.aliases)
    blob = json.dumps([MATCHER_VERSION, data], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def fingerprints(watchlist: Watchlist) -> dict[str, str]:
    return {e.id: fingerprint(e) for e in watchlist.entities}


@dataclass(frozen=True)
class RematchSummary:
    changed: tuple[str, ...]  # entity ids added, removed or changed
    candidates: int  # documents matched again
    mentions_removed: int
    mentions_added: int
    toned: int  # new mentions given a tone
    seconds: float

    @property
    def changed_anything(self) -> bool:
        return bool(self.changed)


Progress = Callable[[str, int, int], None]  # (stage, done, total)


def changed_entities(stored: dict[str, str | None], watchlist: Watchlist) -> list[str]:
    """Ids whose mentions may differ from the stored ones: added, removed, or another fingerprint
    (a store written before fingerprints existed has None for each: all count as changed)."""
    new = fingerprints(watchlist)
    ids = {eid for eid, fp in new.items() if stored.get(eid) != fp}
    ids |= {eid for eid in stored if eid not in new}
    return sorted(ids)


def rematch(store: Store, watchlist: Watchlist, settings: Settings, *,
            on_progress: Progress | None = None, tone: Callable[[list[str]], int] | None = None) -> RematchSummary:
    """Bring the store's mentions in line with ``watchlist`` (see the module docstring), then record
    its fingerprints. ``tone(document_ids)`` scores the untoned mentions of those documents and
    returns how many; it is called only when the store holds toned mentions."""
    t0 = time.perf_counter()
    stored = store.entity_fingerprints()
    changed = changed_entities(stored, watchlist)
    if not changed:
        store.sync_watchlist(watchlist, fingerprints(watchlist))
        return RematchSummary((), 0, 0, 0, 0, time.perf_counter() - t0)
    context = int(settings["mentions.context_chars"])
    limit = int(settings["mentions.max_per_document"])
    candidates = set(store.documents_mentioning(changed))
    present = [e for e in watchlist.entities if e.id in set(changed)]
    total = store.count_documents()
    if present and total:
        scanner = MentionFinder(present, context, limit)
        done = 0
        for batch in store.scan_documents(BATCH):
            candidates.update(d.id for d in batch if scanner.find(d))
            done += len(batch)
            if on_progress:
                on_progress("scanning stored documents", done, total)
    finder = MentionFinder(watchlist.entities, context, limit)
    ids = sorted(candidates)
    removed = added = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        docs = store.get_documents(chunk)
        mentions = [m for d in docs for m in finder.find(d)]
        r, a = store.replace_mentions(chunk, mentions)
        removed, added = removed + r, added + a
        if on_progress:
            on_progress("matching again", min(start + BATCH, len(ids)), len(ids))
    store.sync_watchlist(watchlist, fingerprints(watchlist))
    toned = tone(ids) if tone is not None and ids and store.has_toned_mentions() else 0
    return RematchSummary(tuple(changed), len(ids), removed, added, toned, time.perf_counter() - t0)
