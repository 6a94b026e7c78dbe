"""Tone and the link stage's embeddings of stored documents, computed on the cluster.

After a backfill ingested on the cluster, ``limelight tone apply`` and the embedding step of
``limelight link`` would be the next single-machine bottleneck: both spend their time in a model, per
text. ``--engine dask`` sends that work out and keeps the store where it is:

- the client (the only process that opens the store) reads what is pending, a batch at a time, and
  writes each batch as Parquet files next to the store (``cluster.shard_dir``): documents, their
  sources and mentions for tone (the store's own schemas, :mod:`limelight.store.arrow`), the distinct
  title + lead texts for embeddings. Tasks carry the path of that folder, never the rows;
- a worker scores the batch with what its :class:`~limelight.cluster.worker.LimelightPlugin` set up
  once (the tone enricher with its models; the embedding model, one per process), and writes the
  result as Parquet into a temporary folder renamed into place, so a worker killed mid-task leaves
  nothing half written and Dask's rerun writes the same result;
- the client writes results into the store in batch order with the same calls a local run makes
  (``Store.update_tone``, ``Store.write_embeddings``). What is stored is what the local path
  stores: the same code scores the same texts (``tests/test_cluster.py`` compares the two).

Input batches are written only as the window of tasks in flight has room (:func:`engine.ordered`),
so the disk holds a few batches, not the corpus. A batch whose task fails for good is skipped and
stays pending (tone NULL, no vector): the next run picks it up, as after an interrupted local run.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from limelight.cluster.engine import Call, connect, ordered, shard_root, window_for
from limelight.models import Enriched, Mention
from limelight.project import Project
from limelight.store.base import Store

log = logging.getLogger(__name__)

TONE_TASK_DOCUMENTS = 1024  # documents per tone task: seconds of work, a few MB of Parquet
EMBED_TASK_TEXTS = 2048  # distinct title + lead texts per embedding task
_TONE = pa.schema([("id", pa.string()), ("tone", pa.float64()), ("tone_label", pa.string())])
_MENTION_FIELDS = tuple(f for f in Mention.__dataclass_fields__)


@dataclass(frozen=True)
class ClusterScoring:
    """What a cluster tone or embedding run did (failed batches stay pending for the next run)."""

    documents: int = 0
    mentions: int = 0
    texts: int = 0
    failed_batches: int = 0


def _finish(tmp: Path, final: Path) -> None:
    try:
        os.rename(tmp, final)
    except OSError:
        if not final.is_dir():  # a first run of this task finished before its worker died: same result
            raise
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)


def _run(project: Project, scheduler: str | None, root: Path, calls: Iterator[Call],
         on_dashboard: Callable[[str], None] | None = None) -> Iterator[tuple[Any, BaseException | None]]:
    """Each call's (result, exception) in order, on the configured cluster with the plugin set up
    for scoring (no ingest pool); ``root`` (this run's batches) is removed at the end."""
    from limelight.cluster.engine import dashboard
    from limelight.cluster.worker import LimelightPlugin

    try:
        with connect(project.settings, scheduler) as client:
            if on_dashboard is not None:
                on_dashboard(dashboard(client))
            plugin = LimelightPlugin(project.settings, project.watchlist, project.root, ingest=False)
            client.register_plugin(plugin, name=plugin.name)
            yield from ordered(client, calls, window_for(client))
    finally:
        shutil.rmtree(root, ignore_errors=True)


# -- tone ---------------------------------------------------------------------------------------------


def write_tone_batch(folder: Path, items: Sequence[Enriched]) -> None:
    """A batch of stored documents with their mentions, as a worker reads it."""
    from limelight.store.arrow import documents_table, mention_rows, sources_table

    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(documents_table(items, "tone"), folder / "documents.parquet")
    pq.write_table(sources_table(i.document.source for i in items), folder / "sources.parquet")
    pq.write_table(mention_rows({m.id: m for i in items for m in i.mentions}), folder / "mentions.parquet")


def read_tone_batch(folder: Path) -> list[Enriched]:
    """:func:`write_tone_batch`'s items again, in their order."""
    from limelight.store.arrow import document_from_row

    sources = {r["id"]: r for r in pq.read_table(folder / "sources.parquet").to_pylist()}
    by_doc: dict[str, list[Mention]] = {}
    for row in pq.read_table(folder / "mentions.parquet").to_pylist():
        by_doc.setdefault(row["document_id"], []).append(Mention(**{k: row[k] for k in _MENTION_FIELDS}))
    items = []
    for row in pq.read_table(folder / "documents.parquet").to_pylist():
        src = sources[row["source_id"]]
        row.update(platform=src["platform"], handle=src["handle"], source_name=src["name"],
                   owner_entity=src["owner_entity"], official=src["official"])
        items.append(Enriched(document_from_row(row), tuple(by_doc.get(row["id"], ()))))
    return items


def score_tone_batch(in_dir: str, out_dir: str) -> tuple[str, int, int]:
    """The task: tone for one batch, written as ``out_dir`` (mentions.parquet, documents.parquet)."""
    from limelight.cluster.worker import plugin

    final = Path(out_dir)
    if not final.is_dir():
        scored = plugin().tone().score(read_tone_batch(Path(in_dir)))
        mentions = [{"id": m.id, "tone": m.tone, "tone_label": m.tone_label}
                    for item in scored for m in item.mentions if m.tone is not None]
        docs = [{"id": i.document.id, "tone": i.document.tone, "tone_label": i.document.tone_label}
                for i in scored if i.document.tone is not None]
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
        pq.write_table(pa.Table.from_pylist(mentions, schema=_TONE), tmp / "mentions.parquet")
        pq.write_table(pa.Table.from_pylist(docs, schema=_TONE), tmp / "documents.parquet")
        _finish(tmp, final)
    meta = pq.read_metadata(final / "documents.parquet").num_rows, pq.read_metadata(final / "mentions.parquet").num_rows
    return str(final), meta[0], meta[1]


def tone_on_cluster(store: Store, project: Project, *, all_documents: bool = False,
                    documents: Sequence[str] | None = None, scheduler: str | None = None,
                    on_progress: Callable[[int, int, int], None] | None = None,
                    on_dashboard: Callable[[str], None] | None = None) -> ClusterScoring:
    """``tone apply`` with the scoring on the cluster; the same reads, writes and progress calls as
    :func:`limelight.tone.apply.score_store`."""
    from limelight.registry import check_store
    from limelight.tone.apply import ToneStage, pending_batch

    check_store(ToneStage(), store)
    ids = [str(v) for v in store.read("tone.pending_documents", all_documents=all_documents,
                                      among=None if documents is None else list(documents)).column("id").to_pylist()]
    if not ids:
        return ClusterScoring()
    run_id = f"tone-{os.getpid()}-{os.urandom(4).hex()}"
    root = shard_root(project, run_id)
    chunks = [ids[i:i + TONE_TASK_DOCUMENTS] for i in range(0, len(ids), TONE_TASK_DOCUMENTS)]

    def calls() -> Iterator[Call]:
        for n, chunk in enumerate(chunks):
            folder = root / f"in-{n:06d}"
            write_tone_batch(folder, pending_batch(store, chunk))
            yield Call(f"limelight-tone-{run_id}-{n}", score_tone_batch, (str(folder), str(root / f"out-{n:06d}")))

    n_docs = n_mentions = failed = done = 0
    for n, (result, exc) in enumerate(_run(project, scheduler, root, calls(), on_dashboard)):
        done += len(chunks[n])
        if exc is not None:
            failed += 1
            log.warning("tone batch %d failed on the cluster (it stays pending): %s", n, exc)
        else:
            out = Path(result[0])
            store.update_tone(pq.read_table(out / "mentions.parquet"), pq.read_table(out / "documents.parquet"))
            n_docs += result[1]
            n_mentions += result[2]
            shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(root / f"in-{n:06d}", ignore_errors=True)
        if on_progress is not None:
            on_progress(done, len(ids), n_docs + n_mentions)
    return ClusterScoring(documents=n_docs, mentions=n_mentions, failed_batches=failed)


# -- the link stage's embeddings -------------------------------------------------------------------------


def embed_batch(in_file: str, out_dir: str) -> tuple[str, int]:
    """The task: ``embeddings.model`` vectors for the texts in ``in_file``, written as ``out_dir``."""
    from limelight.cluster.worker import plugin
    from limelight.enrich.embeddings import get_embedder

    final = Path(out_dir)
    if not final.is_dir():
        texts = [str(t) for t in pq.read_table(in_file).column("text").to_pylist()]
        embedder = get_embedder(str(plugin().settings["embeddings.model"]))  # one per process
        vectors = np.asarray(embedder.passages(texts), dtype=np.float32)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
        flat = pa.array(vectors.reshape(-1), pa.float32())
        column = pa.FixedSizeListArray.from_arrays(flat, vectors.shape[1]) if len(texts) else pa.array(
            [], pa.list_(pa.float32()))
        pq.write_table(pa.table({"vector": column}), tmp / "vectors.parquet")
        (tmp / "model").write_text(embedder.name, encoding="utf-8")
        _finish(tmp, final)
    return str(final), pq.read_metadata(final / "vectors.parquet").num_rows


def embed_on_cluster(store: Store, project: Project, *, scheduler: str | None = None,
                     on_progress: Callable[[int, int], None] | None = None) -> ClusterScoring:
    """The vectors ``limelight link`` would compute (news documents without one for
    ``embeddings.model``), computed on the cluster and stored; the linkers then find them stored."""
    from limelight.link.base import NEWS_KINDS, embedding_model, missing_texts, vectors_from_arrow

    by_text = missing_texts(store, embedding_model(project.settings), None, NEWS_KINDS)
    unique = list(by_text)
    if not unique:
        return ClusterScoring()
    run_id = f"embed-{os.getpid()}-{os.urandom(4).hex()}"
    root = shard_root(project, run_id)
    chunks = [unique[i:i + EMBED_TASK_TEXTS] for i in range(0, len(unique), EMBED_TASK_TEXTS)]

    def calls() -> Iterator[Call]:
        root.mkdir(parents=True, exist_ok=True)
        for n, chunk in enumerate(chunks):
            path = root / f"in-{n:06d}.parquet"
            pq.write_table(pa.table({"text": pa.array(chunk, pa.string())}), path)
            yield Call(f"limelight-embed-{run_id}-{n}", embed_batch, (str(path), str(root / f"out-{n:06d}")))

    texts = failed = docs = 0
    for n, (result, exc) in enumerate(_run(project, scheduler, root, calls())):
        if exc is not None:
            failed += 1
            log.warning("embedding batch %d failed on the cluster (it stays pending): %s", n, exc)
        else:
            out = Path(result[0])
            vectors = vectors_from_arrow(pq.read_table(out / "vectors.parquet").column("vector"), 0)
            model = (out / "model").read_text(encoding="utf-8")
            rows = [(doc_id, i) for i, t in enumerate(chunks[n]) for doc_id in by_text[t]]
            store.write_embeddings([d for d, _ in rows], model, vectors[[i for _, i in rows]])
            texts += len(chunks[n])
            docs += len(rows)
            shutil.rmtree(out, ignore_errors=True)
        with contextlib.suppress(OSError):
            (root / f"in-{n:06d}.parquet").unlink()
        if on_progress is not None:
            on_progress(min((n + 1) * EMBED_TASK_TEXTS, len(unique)), len(unique))
    return ClusterScoring(documents=docs, texts=texts, failed_batches=failed)
