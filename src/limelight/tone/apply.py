"""`limelight tone apply`: tone for stored mentions and documents that have none yet.

Tone runs after ingestion by default (``tone.at_ingest = false``): the best measured scorers embed
every clause (~15-30 ms a text on 2 cores), which would make tone, not parsing or storing, the cost
of ingesting a large social export. Run here, it is batched, resumable (only rows whose tone is
NULL are read, so an interrupted run picks up where it stopped) and idempotent.

Scope: every mention, and every document that has at least one mention; documents about no watched
entity are skipped unless ``all_documents`` is set, since no analysis reads their tone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from limelight.enrich.base import EnrichContext
from limelight.enrich.tone import ToneEnricher
from limelight.models import Enriched, Mention
from limelight.settings import Settings
from limelight.store.base import Store
from limelight.watchlist import Watchlist

BATCH_DOCUMENTS = 256
_TONE_SCHEMA = pa.schema([("id", pa.string()), ("tone", pa.float64()), ("tone_label", pa.string())])
# The stage's named reads (limelight.store.reads.tone); checked against the store before it runs.
READS = ("tone.pending_documents", "tone.mentions_of")


@dataclass(frozen=True)
class ToneSummary:
    documents: int
    mentions: int
    failed_batches: int = 0  # --engine dask: batches whose task failed; they stay pending


class ToneStage:
    """What :func:`limelight.registry.check_store` checks: the reads this stage uses."""

    name = "tone apply"
    reads = READS


def pending_batch(store: Store, ids: Sequence[str]) -> list[Enriched]:
    """These stored documents with their mentions, as the tone enricher takes them."""
    by_doc: dict[str, list[Mention]] = {}
    for row in store.read("tone.mentions_of", ids=list(ids)).to_pylist():
        by_doc.setdefault(row["document_id"], []).append(Mention(**row))
    return [Enriched(d, tuple(by_doc.get(d.id, ()))) for d in store.get_documents(list(ids))]


def score_store(store: Store, settings: Settings, watchlist: Watchlist, root: Path | None, *,
                documents: Sequence[str] | None = None, all_documents: bool = False,
                on_progress: Callable[[int, int, int], None] | None = None) -> ToneSummary:
    """Score what has no tone yet on an open store (the caller opens and closes it); ``documents``
    limits it to those ids (the documents a watchlist change matched again). ``on_progress(done,
    total, texts)`` after each batch: documents done of those pending, and texts (mentions plus
    documents) scored so far. Returns how many documents and mentions were scored."""
    from limelight.registry import check_store

    check_store(ToneStage(), store)
    enricher = ToneEnricher()
    enricher.setup(EnrichContext(settings, watchlist, root))
    n_docs = n_mentions = 0
    ids = [str(v) for v in store.read("tone.pending_documents", all_documents=all_documents,
                                      among=None if documents is None else list(documents)).column("id").to_pylist()]
    for start in range(0, len(ids), BATCH_DOCUMENTS):
        chunk = ids[start:start + BATCH_DOCUMENTS]
        scored = enricher.score(pending_batch(store, chunk))
        mention_rows = [{"id": m.id, "tone": m.tone, "tone_label": m.tone_label}
                        for item in scored for m in item.mentions if m.tone is not None]
        doc_rows = [{"id": i.document.id, "tone": i.document.tone, "tone_label": i.document.tone_label}
                    for i in scored if i.document.tone is not None]
        store.update_tone(pa.Table.from_pylist(mention_rows, schema=_TONE_SCHEMA),
                          pa.Table.from_pylist(doc_rows, schema=_TONE_SCHEMA))
        n_docs += len(doc_rows)
        n_mentions += len(mention_rows)
        if on_progress:
            on_progress(min(start + BATCH_DOCUMENTS, len(ids)), len(ids), n_docs + n_mentions)
    return ToneSummary(n_docs, n_mentions)
