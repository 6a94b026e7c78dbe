"""Ingestion: sources → extract → enrich → store, streaming and bounded in memory.

Sources run in the main process (they read files and fetch URLs in order). Extraction and
enrichment are per-document and run either inline (``workers=1``) or in a process pool that is fed
a bounded window of chunks, so a million-post export never sits in memory at once: Pool.imap would
read the whole input iterator ahead (its feeder thread has no back-pressure), so we submit chunks
ourselves and keep at most ``WINDOW_PER_WORKER × workers`` of them in flight. One writer in the main process
batches results into the store, one transaction per batch.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from limelight.enrich.base import EnrichContext, Enricher
from limelight.errors import ItemFailed, PluginError
from limelight.extract.base import Extractor
from limelight.models import Document, Enriched, ItemError, RawPage
from limelight.project import Project
from limelight.registry import registry
from limelight.settings import Settings
from limelight.sources.base import SourceContext
from limelight.watchlist import Watchlist

BASE_FIELDS = frozenset({"document.text", "document.title", "document.captions"})
_BUG_HINT = "this looks like a limelight bug; please report it with the input"
CHUNK = 128  # most items per task sent to a worker
CHUNK_BYTES = 200_000  # most raw page bytes per task
# Below this many documents a batch method is not worth its thread pool (pages come in small chunks).
BATCH_MIN = 16
# Chunks in flight per worker. Results are consumed in order, so one slow chunk at the head must
# not leave the other worker idle: keep several queued behind it (memory: a few MB of pages).
WINDOW_PER_WORKER = 8


@dataclass
class IngestStats:
    items: int = 0  # items the sources produced (documents, pages and errors)
    new: int = 0
    known: int = 0
    failed: int = 0
    mentions: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, int]:
        return {"items": self.items, "new": self.new, "known": self.known, "failed": self.failed,
                "mentions": self.mentions, "milliseconds": int(self.seconds * 1000)}


@dataclass
class IngestResult:
    run_id: str
    stats: IngestStats
    errors: list[ItemError] = field(default_factory=list)  # first 1,000; all are in the store

    @property
    def exit_status(self) -> int:
        return 1 if self.stats.failed else 0


def enricher_chain() -> list[Enricher]:
    """The registered enrichers in an order that satisfies each one's ``requires``."""
    pending: list[Enricher] = list(registry.all("enricher"))
    provided = set(BASE_FIELDS)
    chain: list[Enricher] = []
    while pending:
        ready = [e for e in pending if set(e.requires) <= provided]
        if not ready:
            missing = {e.name: sorted(set(e.requires) - provided) for e in pending}
            raise PluginError(f"enrichers cannot run, inputs missing: {missing}",
                              "install or register the plugin that provides them")
        for e in ready:
            chain.append(e)
            provided |= set(e.provides)
            pending.remove(e)
    return chain


class Processor:
    """Extract and enrich one item. Built once per process (enricher setup is the costly part)."""

    def __init__(self, settings: Settings, watchlist: Watchlist, root: Path | None = None) -> None:
        self.settings = settings
        self.extractors: dict[str, Extractor] = {}
        for ex in registry.all("extractor"):
            for fmt in ex.formats:
                self.extractors.setdefault(fmt, ex)
        self.enrichers = enricher_chain()
        ctx = EnrichContext(settings, watchlist, root)
        for e in self.enrichers:
            e.setup(ctx)

    def chunk(self, items: list[RawPage | Document]) -> list[Enriched | ItemError]:
        """Process a chunk in order. Enrichers with a ``batch`` method get the whole chunk at once
        (language ID batches on its own thread pool); a failing batch falls back to one by one so a
        single bad document cannot fail its neighbours."""
        out: list[Enriched | ItemError] = [self.extract(item) for item in items]
        for enricher in self.enrichers:
            batch = getattr(enricher, "batch", None)
            idx = [i for i, r in enumerate(out) if isinstance(r, Enriched)]
            if batch is not None and len(idx) >= BATCH_MIN:
                try:
                    done = batch([out[i] for i in idx])
                    for i, r in zip(idx, done, strict=True):
                        out[i] = r
                    continue
                except Exception:  # fall back below; the one-by-one call names the bad item
                    pass
            for i in idx:
                out[i] = self._enrich_one(enricher, out[i], items[i].origin)  # type: ignore[arg-type]
        return out

    def extract(self, item: RawPage | Document) -> Enriched | ItemError:
        if isinstance(item, Document):
            return Enriched(item)
        extractor = self.extractors.get(item.format)
        if extractor is None:
            return ItemError(item.origin, "extract", f"no extractor for format {item.format!r}",
                             "register an extractor plugin for it")
        try:
            return Enriched(extractor.extract(item, self.settings))
        except ItemFailed as exc:
            return ItemError(item.origin, "extract", exc.message, exc.hint)
        except Exception as exc:
            return ItemError(item.origin, "extract", f"{type(exc).__name__}: {exc}", _BUG_HINT)

    @staticmethod
    def _enrich_one(enricher: Enricher, item: Enriched, origin: str) -> Enriched | ItemError:
        try:
            return enricher(item)
        except ItemFailed as exc:
            return ItemError(origin, f"enrich:{enricher.name}", exc.message, exc.hint)
        except Exception as exc:
            return ItemError(origin, f"enrich:{enricher.name}", f"{type(exc).__name__}: {exc}", _BUG_HINT)

    def __call__(self, item: RawPage | Document) -> Enriched | ItemError:
        result = self.extract(item)
        for enricher in self.enrichers:
            if isinstance(result, ItemError):
                break
            result = self._enrich_one(enricher, result, item.origin)
        return result


_WORKER: Processor | None = None


def _init_worker(settings: Settings, watchlist: Watchlist, root: Path | None) -> None:
    global _WORKER
    _WORKER = Processor(settings, watchlist, root)


def _work(chunk: list[RawPage | Document]) -> list[Enriched | ItemError]:
    assert _WORKER is not None
    return _WORKER.chunk(chunk)


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Chunks of up to ``size`` items or about CHUNK_BYTES of raw page content, whichever comes
    first: a post is microseconds of work and a page tens of milliseconds, so pages travel in small
    chunks (the two workers finish together) and posts in large ones (pickling is amortised)."""
    chunk: list[Any] = []
    weight = 0
    for item in items:
        chunk.append(item)
        if isinstance(item, RawPage):
            weight += len(item.content)
        if len(chunk) >= size or weight >= CHUNK_BYTES:
            yield chunk
            chunk = []
            weight = 0
    if chunk:
        yield chunk


def process_stream(
    items: Iterable[RawPage | Document | ItemError],
    settings: Settings,
    watchlist: Watchlist,
    workers: int = 1,
    root: Path | None = None,
) -> Iterator[Enriched | ItemError]:
    """Extract and enrich a stream, in order, with ``workers`` processes (1 = inline)."""
    if workers <= 1:
        proc = Processor(settings, watchlist, root)
        for chunk in _chunks(items, CHUNK):
            work = [i for i in chunk if not isinstance(i, ItemError)]
            done = iter(proc.chunk(work))
            for item in chunk:
                yield item if isinstance(item, ItemError) else next(done)
        return
    # "spawn", not fork: lingua runs a Rust thread pool, and forking a process whose threads hold
    # locks deadlocks the child. Workers import limelight afresh and set up once (initializer).
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(settings, watchlist, root)) as pool:
        window: deque[Future[list[Enriched | ItemError]] | list[ItemError]] = deque()
        for chunk in _chunks(items, CHUNK):
            # Source errors pass straight through (ahead of their chunk); the rest go to a worker.
            errors = [i for i in chunk if isinstance(i, ItemError)]
            work = [i for i in chunk if not isinstance(i, ItemError)]
            if errors:
                window.append(errors)
            if work:
                window.append(pool.submit(_work, work))
            while len(window) > WINDOW_PER_WORKER * workers:
                yield from _result(window.popleft())
        while window:
            yield from _result(window.popleft())


def _result(entry: Future[list[Enriched | ItemError]] | list[ItemError]) -> list[Enriched | ItemError]:
    return entry.result() if isinstance(entry, Future) else list(entry)


def ingest(
    project: Project,
    targets: Sequence[str],
    *,
    workers: int | None = None,
    mapping: str | None = None,
    source: str | None = None,
    fetch: bool = True,
    on_error: Callable[[ItemError], None] | None = None,
    on_progress: Callable[[IngestStats], None] | None = None,
) -> IngestResult:
    """Ingest files, folders, globs and URLs into the project's store.

    Returns counts and the first errors; every error also lands in the store's ``errors`` table.
    Re-ingesting the same inputs stores nothing new and counts the documents as ``known``.
    """
    from limelight.sources.dispatch import read_all
    from limelight.sources.fetch import make_fetcher

    settings = project.settings
    n_workers = workers if workers is not None else int(settings["ingest.workers"])
    if n_workers == 0:
        n_workers = os.cpu_count() or 1
    batch_size = int(settings["ingest.batch_size"])
    store = project.open_store()
    t0 = time.perf_counter()
    stats = IngestStats()
    errors: list[ItemError] = []
    try:
        store.sync_watchlist(project.watchlist)
        run_id = store.start_run(list(targets), {"workers": n_workers, "mapping": mapping, "source": source})
        ctx = SourceContext(settings, make_fetcher(settings) if fetch else None)
        raw = read_all(targets, ctx, registry, mapping=mapping, source=source)
        batch: list[Enriched] = []
        error_batch: list[ItemError] = []

        def flush() -> None:
            if batch:
                res = store.write(batch, run_id)
                stats.new += res.new
                stats.known += res.known
                stats.mentions += res.mentions
                batch.clear()
            if error_batch:
                store.write_errors(error_batch, run_id)
                error_batch.clear()
            if on_progress:
                on_progress(stats)

        for out in process_stream(raw, settings, project.watchlist, n_workers, project.root):
            stats.items += 1
            if isinstance(out, ItemError):
                stats.failed += 1
                error_batch.append(out)
                if len(errors) < 1000:
                    errors.append(out)
                if on_error:
                    on_error(out)
            else:
                batch.append(out)
            if len(batch) >= batch_size or len(error_batch) >= batch_size:
                flush()
            elif on_progress and stats.items % 200 == 0:
                on_progress(stats)
        flush()
        stats.seconds = time.perf_counter() - t0
        store.finish_run(run_id, stats.as_dict())
    finally:
        store.close()
    return IngestResult(run_id, stats, errors)


def enrich_documents(docs: Iterable[Document], watchlist: Watchlist,
                     settings: Settings | None = None) -> list[Enriched]:
    """Enrich documents in memory without a store (for notebooks and tests)."""
    proc = Processor(settings or Settings.defaults(), watchlist)
    out: list[Enriched] = []
    for d in docs:
        r = proc(d)
        if isinstance(r, ItemError):
            raise ItemFailed(r.message, r.hint)
        out.append(r)
    return out


def extract_page(page: RawPage, settings: Settings | None = None) -> Document:
    """Extract one raw page with the registered extractor for its format."""
    settings = settings or Settings.defaults()
    for ex in registry.all("extractor"):
        if page.format in ex.formats:
            doc: Document = ex.extract(page, settings)
            return doc
    raise PluginError(f"no extractor for format {page.format!r}")


__all__ = ["IngestResult", "IngestStats", "enrich_documents", "extract_page", "ingest", "process_stream"]
