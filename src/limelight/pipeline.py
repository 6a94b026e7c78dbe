"""Ingestion: sources → extract → enrich → validate → store, streaming and bounded in memory.

Sources run in the main process (they read files and fetch URLs in order). Extraction, enrichment
and validation are per-document and run in supervised worker processes (:mod:`limelight.workers`):
every item has a time limit (``ingest.item_timeout``) and every worker a memory limit, and an item
over either becomes an error row while the rest of its chunk is stored. The pool is fed a bounded
window of chunks, so a million-post export never sits in memory at once. One writer in the main
process batches results into the store, one transaction per batch; a batch the store refuses is
written again item by item, so one bad item never costs the good ones beside it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from limelight.enrich.base import EnrichContext, Enricher
from limelight.enrich.rematch import RematchSummary, rematch
from limelight.errors import ConfigError, ItemFailed, PluginError
from limelight.extract.base import Extractor
from limelight.models import Document, Enriched, ItemError, RawPage, evolve
from limelight.project import Project
from limelight.registry import registry
from limelight.settings import Settings
from limelight.sources.base import Fetcher, FetchResult, Input, SourceContext, Validators
from limelight.store.base import RAW_KEY, Store, WriteResult
from limelight.validate import check_document
from limelight.watchlist import Watchlist
from limelight.workers import POOLS, WorkerPool, peak_rss_mb, run_inline

if TYPE_CHECKING:
    from limelight.cluster.engine import ClusterProgress

BASE_FIELDS = frozenset({"document.text", "document.title", "document.captions"})
_BUG_HINT = "this looks like a limelight bug; please report it with the input"
# Hints of a raw page kept in the stored document's ``extra``: how feeds mark entries stored
# from the feed itself (docs/sources.md, Feeds), and the raw key (see raw_key).
_HINTS_TO_EXTRA = frozenset({"from_feed_summary", "fetch_failed", RAW_KEY})
RAW_BATCH = 256  # raw items checked against the store's raw_inputs in one query
RAW_BATCH_BYTES = 16_000_000  # ... or about this many bytes of raw pages, whichever comes first
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
    known: int = 0  # stored by an earlier run (raw pages recognised before extraction included)
    duplicates: int = 0  # further copies of a document this run stored (the first copy is new)
    failed: int = 0
    removed: int = 0  # --reprocess: stored documents of the inputs that the run no longer makes
    unchanged: int = 0  # skip_unchanged: local files passed over, unchanged since an ingest read them in full
    mentions: int = 0
    seconds: float = 0.0
    # Peak memory (MB) of this process and of the largest worker, and workers replaced after a
    # time-out, crash or memory kill: stored with the run, so memory is visible per run.
    main_peak_mb: float = 0.0
    worker_peak_mb: float = 0.0
    worker_restarts: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"items": self.items, "new": self.new, "known": self.known, "duplicates": self.duplicates,
                "removed": self.removed, "unchanged_files": self.unchanged,
                "failed": self.failed,
                "mentions": self.mentions, "milliseconds": int(self.seconds * 1000),
                "main_peak_mb": round(self.main_peak_mb), "worker_peak_mb": round(self.worker_peak_mb),
                "worker_restarts": self.worker_restarts}


@dataclass
class IngestResult:
    run_id: str
    stats: IngestStats
    errors: list[ItemError] = field(default_factory=list)  # first 1,000; all are in the store
    rematch: RematchSummary | None = None  # what a changed watchlist re-matched before the run

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
    """Extract, validate and enrich items. Built once per worker process (enricher setup is the
    costly part).

    ``mark`` is called with an item's index before each step of work on it, and with −1 before a
    batch step over the whole chunk: a worker points it at its shared marker, so the supervisor
    knows which item is stuck or crashed it (:mod:`limelight.workers`).
    """

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
        self.mark: Callable[[int], None] = _no_mark

    def chunk(self, items: list[RawPage | Document], batching: bool = True) -> list[Enriched | ItemError]:
        """Process a chunk in order. Enrichers with a ``batch`` method get the whole chunk at once
        (language ID batches on its own thread pool); a failing batch falls back to one by one so a
        single bad document cannot fail its neighbours."""
        out: list[Enriched | ItemError] = []
        for i, item in enumerate(items):
            self.mark(i)
            out.append(self.extract(item))
        for enricher in self.enrichers:
            batch = getattr(enricher, "batch", None)
            idx = [i for i, r in enumerate(out) if isinstance(r, Enriched)]
            if batching and batch is not None and len(idx) >= BATCH_MIN:
                self.mark(-1)
                try:
                    done = batch([out[i] for i in idx])
                    for i, r in zip(idx, done, strict=True):
                        out[i] = r
                    continue
                except Exception:  # fall back below; the one-by-one call names the bad item
                    pass
            for i in idx:
                self.mark(i)
                out[i] = self._enrich_one(enricher, out[i], items[i].origin)  # type: ignore[arg-type]
        return out

    def extract(self, item: RawPage | Document) -> Enriched | ItemError:
        """The item as a validated document (:mod:`limelight.validate`), or its error row."""
        if isinstance(item, Document):
            doc = item
        else:
            extractor = self.extractors.get(item.format)
            if extractor is None:
                return ItemError(item.origin, "extract", f"no extractor for format {item.format!r}",
                                 "register an extractor plugin for it")
            try:
                doc = extractor.extract(item, self.settings)
            except ItemFailed as exc:
                return ItemError(item.origin, "extract", exc.message, exc.hint)
            except RecursionError:
                return ItemError(item.origin, "extract", "the page is nested too deeply to read",
                                 "this is not a page a browser would show either")
            except Exception as exc:
                return ItemError(item.origin, "extract", f"{type(exc).__name__}: {exc}", _BUG_HINT)
        try:
            checked = check_document(doc, self.settings)
        except ItemFailed as exc:
            return ItemError(item.origin, "validate", exc.message, exc.hint)
        # What a raw page's container said about it that the Document has no field for (a feed entry
        # stored from the feed because its page could not be fetched), and the raw key the store
        # records so the next run recognises the page before extracting it.
        extra = () if isinstance(item, Document) else tuple(
            (key, value) for key, value in item.hints if key in _HINTS_TO_EXTRA)
        return Enriched(checked, extra=extra)

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


def _no_mark(index: int) -> None:
    return None


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
    stats: IngestStats | None = None,
) -> Iterator[Enriched | ItemError]:
    """Extract, validate and enrich a stream, in order, in ``workers`` supervised processes
    (``-1``: in this process, without time or memory limits). Source errors pass straight through.
    ``stats`` receives the workers' peak memory and restarts when the stream ends."""
    if workers < 0:
        yield from _in_order(items, lambda chunks: run_inline(lambda: Processor(settings, watchlist, root), chunks))
        return
    pool = POOLS.acquire(workers, settings, watchlist, root, WINDOW_PER_WORKER)
    restarts = pool.restarts
    try:
        yield from process_stream_in(pool, items)
    finally:
        if stats is not None:
            stats.worker_peak_mb = max(stats.worker_peak_mb, pool.sample_peak())
            stats.worker_restarts += pool.restarts - restarts
        POOLS.release(pool)  # kept warm for the next run if it ended cleanly, else stopped


def process_stream_in(pool: WorkerPool, items: Iterable[RawPage | Document | ItemError]
                      ) -> Iterator[Enriched | ItemError]:
    """:func:`process_stream` through a pool the caller owns (a cluster worker keeps one for its life)."""
    return _in_order(items, pool.run)


def _in_order(items: Iterable[RawPage | Document | ItemError],
              run: Callable[[Iterable[list[RawPage | Document]]], Iterator[list[Enriched | ItemError]]]
              ) -> Iterator[Enriched | ItemError]:
    held: list[list[ItemError]] = []

    def work_chunks() -> Iterator[list[RawPage | Document]]:
        # Source errors travel beside their chunk (held), ahead of the chunk's results.
        for chunk in _chunks(items, CHUNK):
            held.append([i for i in chunk if isinstance(i, ItemError)])
            yield [i for i in chunk if not isinstance(i, ItemError)]

    for done in run(work_chunks()):
        yield from held.pop(0)
        yield from done


def ingest(
    store: Store,
    project: Project,
    targets: Sequence[str],
    *,
    workers: int | None = None,
    mapping: str | None = None,
    source: str | None = None,
    account: str | None = None,
    fetch: bool = True,
    on_error: Callable[[ItemError], None] | None = None,
    on_progress: Callable[[IngestStats], None] | None = None,
    on_stage: Callable[[str, int, int], None] | None = None,
    reprocess: bool = False,
    validators: Mapping[str, Validators] | None = None,
    on_target: Callable[[str, FetchResult | None, str | None], None] | None = None,
    skip_unchanged: bool = False,
    fetcher: Fetcher | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    on_cluster: Callable[[ClusterProgress], None] | None = None,
) -> IngestResult:
    """Ingest files, folders, globs and URLs into ``store``, an open store of ``project`` (the
    library API opens it: :func:`limelight.api.ingest`; this stage never does).

    ``reprocess`` (``ingest --reprocess``, after correcting a mapping or an extractor setting) reads
    the inputs again and replaces what they stored: known documents are replaced, not counted, and
    documents from these files that the run no longer makes are removed (``stats.removed``).

    First the stored mentions follow the watchlist (:mod:`limelight.enrich.rematch`, progress
    through ``on_stage(stage, done, total)``); the result's ``rematch`` says what changed.

    Returns counts and the first errors; every error also lands in the store's ``errors`` table.
    Re-ingesting the same inputs stores nothing new and counts the documents as ``known``; a raw
    page seen by an earlier run is recognised before extraction (:func:`skip_known_raw`). Every item
    is counted once: items = new + known + duplicates + failed. ``account`` files every post of a
    column-mapped export under that handle (``Input.options["account"]``). ``validators`` and
    ``on_target`` are the watcher's conditional GET of URL targets
    (:class:`limelight.sources.base.SourceContext`); ``fetcher`` is the watcher's own, kept between
    runs (without one, a run with ``fetch`` makes one and closes it when it ends).

    Every local file read to the end with no failed item is recorded with its size and
    modification time (``ingested_files``); ``skip_unchanged`` (the watcher's cycles) passes over a
    file whose size, st_mtime_ns and options still match, counted in ``stats.unchanged``, not in
    ``items``. A file that grew or changed is read again, its known items counted as known.

    ``engine="dask"`` runs extraction and enrichment as Dask tasks over shards of the inputs
    (:mod:`limelight.cluster`; ``scheduler`` an address, else the ``[cluster]`` settings) and loads
    each finished shard with ``Store.bulk_load``, in input order: the same store as a local run. It
    reads files only; ``on_cluster`` hears the dashboard address and the shards planned and loaded.
    """
    if engine not in ("local", "dask"):
        raise ConfigError(f"unknown engine {engine!r}", "use local or dask")
    if engine == "dask" and reprocess:
        raise ConfigError("--reprocess runs on the local engine only", "drop --engine dask, or drop --reprocess")
    from limelight.sources.dispatch import read_all
    from limelight.sources.fetch import make_fetcher

    settings = project.settings
    n_workers = workers if workers is not None else int(settings["ingest.workers"])
    if n_workers == 0:
        n_workers = os.cpu_count() or 1
    batch_size = int(settings["ingest.batch_size"])
    t0 = time.perf_counter()
    stats = IngestStats()
    errors: list[ItemError] = []
    # Mentions follow the watchlist: documents stored under an older one are matched again first.
    result_rematch = follow_watchlist(store, project, on_stage)
    # The search index follows the documents: one stored before it existed is indexed here, once.
    from limelight import search

    search.catch_up(store, on_progress=(lambda done, total: on_stage("search index", done, total))
                    if on_stage else None)
    run_id = store.start_run(list(targets), {"workers": n_workers, "mapping": mapping, "source": source,
                                              "account": account})
    # A fetcher made here is closed here (its connections and TLS context); the watcher passes the
    # one it keeps for its life, so robots.txt and each host's turn carry over between cycles.
    own = make_fetcher(settings) if fetch and fetcher is None else None
    try:
        ctx = SourceContext(settings, (fetcher or own) if fetch else None, validators=validators,
                            on_target=on_target)
        inputs: list[str] = []  # file inputs read, for --reprocess to find what they no longer make
        files = FileLedger(store, {"mapping": mapping, "source": source, "account": account},
                           skip_unchanged=skip_unchanged and not reprocess)

        def on_input(inp: Input) -> None:
            if inp.path is not None:
                inputs.append(inp.origin)

        def unchanged(inp: Input) -> bool:
            if files.unchanged(inp):
                stats.unchanged += 1
                return True
            return False

        batch: list[Enriched] = []
        error_batch: list[ItemError] = []

        def flush() -> None:
            if batch:
                res, refused = write_batch(store, batch, run_id, replace=reprocess)
                stats.new += res.new
                stats.known += res.known
                stats.duplicates += res.duplicates
                stats.mentions += res.mentions
                for err in refused:
                    record_error(err)
                batch.clear()
            if error_batch:
                store.write_errors(error_batch, run_id)
                error_batch.clear()
            if on_progress:
                on_progress(stats)

        def record_error(err: ItemError, stored: bool = False) -> None:
            if not stored:  # a shard's errors are stored by bulk_load and counted by its task
                stats.failed += 1
                error_batch.append(err)
            files.failed(err.origin)
            if len(errors) < 1000:
                errors.append(err)
            if on_error:
                on_error(err)

        if engine == "dask":
            from limelight.cluster.engine import ingest_on_cluster

            opts = {k: v for k, v in (("account", account), ("mapping", mapping), ("source", source)) if v}
            for shard_errors in ingest_on_cluster(store, project, targets, run_id, opts, stats, scheduler=scheduler,
                                                  on_input=on_input, skip=unchanged, on_cluster=on_cluster):
                for err in shard_errors:
                    record_error(err, stored=True)
                flush()
        else:
            items = read_all(targets, ctx, registry, {"account": account} if account else None,
                             mapping=mapping, source=source, on_input=on_input, skip=unchanged)
            raw = items if reprocess else skip_known_raw(items, store, run_id, stats)
            for out in process_stream(raw, settings, project.watchlist, n_workers, project.root, stats):
                stats.items += 1
                if isinstance(out, ItemError):
                    record_error(out)
                else:
                    batch.append(out)
                if len(batch) >= batch_size or len(error_batch) >= batch_size:
                    flush()
                elif on_progress and stats.items % 200 == 0:
                    on_progress(stats)
        flush()
        if reprocess:
            stats.removed = store.remove_unproduced(inputs, run_id)
        # Only now, with every item of the run written: a run killed before this reads the files again.
        files.record(run_id)
        stats.seconds = time.perf_counter() - t0
        stats.main_peak_mb = peak_rss_mb()
        store.finish_run(run_id, stats.as_dict())
        return IngestResult(run_id, stats, errors, result_rematch)
    finally:
        close = getattr(own, "close", None)
        if close is not None:
            close()


# A file modified this recently may still be being written within the same mtime tick (the
# "racy timestamp" problem git's index has): it is not recorded, so the next run reads it again.
RACY_NS = 2_000_000_000


class FileLedger:
    """Which local files a run read in full, by size and st_mtime_ns (the ``ingested_files`` table).

    ``unchanged(inp)`` is asked before a file is read: it stats the file once, remembers what it saw
    and, with ``skip_unchanged``, says whether the stored row still matches. ``failed(origin)`` marks
    the file an error came from (origins are ``path``, ``path:line`` or ``path#record``), so a file
    with a failed item is read again next time. ``record`` writes the rest, after the run's writes."""

    def __init__(self, store: Store, options: Mapping[str, str | None], *, skip_unchanged: bool) -> None:
        self.store = store
        self.options = json.dumps({k: v for k, v in options.items() if v}, sort_keys=True)
        self.known: dict[str, tuple[int, int, str]] = {}
        if skip_unchanged:
            for r in store.read("ingest.files").to_pylist():
                self.known[r["path"]] = (r["size"], r["mtime_ns"], r["options"])
        self.skip = skip_unchanged
        self.seen: dict[str, tuple[int, int]] = {}
        self.bad: set[str] = set()

    def unchanged(self, inp: Input) -> bool:
        if inp.path is None:
            return False
        try:
            st = inp.path.stat()
        except OSError:  # read_input reports it
            return False
        now = (st.st_size, st.st_mtime_ns)
        if self.skip and self.known.get(inp.origin) == (*now, self.options):
            return True
        if time.time_ns() - st.st_mtime_ns >= RACY_NS:
            self.seen[inp.origin] = now
        return False

    def failed(self, origin: str) -> None:
        if origin in self.seen:
            self.bad.add(origin)
            return
        for i, ch in enumerate(origin):
            if ch in ":#" and origin[:i] in self.seen:
                self.bad.add(origin[:i])

    def record(self, run_id: str) -> None:
        at = datetime.now(UTC)
        rows = [{"path": path, "size": size, "mtime_ns": mtime, "options": self.options, "run_id": run_id,
                 "read_at": at} for path, (size, mtime) in self.seen.items() if path not in self.bad]
        if rows:
            self.store.write_ingested_files(rows)


def follow_watchlist(store: Store, project: Project,
                     on_stage: Callable[[str, int, int], None] | None = None) -> RematchSummary:
    """Re-match what a watchlist edit can affect (:func:`limelight.enrich.rematch.rematch`), scoring
    the tone of new mentions when the project uses tone."""
    def tone(ids: list[str]) -> int:
        from limelight.tone.apply import score_store

        return score_store(store, project.settings, project.watchlist, project.root, documents=ids).mentions

    return rematch(store, project.watchlist, project.settings, on_progress=on_stage, tone=tone)


def raw_key(page: RawPage, extractor: str) -> str:
    """What decides the document a raw page becomes: its bytes, format, URL and hints, and the
    extractor (name and version) that reads it. ``fetched_at`` is left out (a page fetched again
    is the same page), so is ``origin`` (it does not change the document)."""
    h = hashlib.sha256(page.content)
    h.update(b"\x1f".join(part.encode("utf-8", "surrogatepass") for part in (
        page.format, extractor, page.url or "", *(f"{k}={v}" for k, v in sorted(page.hints)))))
    return h.hexdigest()[:32]


def extractor_versions() -> dict[str, str]:
    """Format → ``name:version`` of the extractor Processor uses for it (the first registered)."""
    extractors: dict[str, str] = {}
    for ex in registry.all("extractor"):
        for fmt in ex.formats:
            extractors.setdefault(fmt, f"{ex.name}:{ex.version}")
    return extractors


def with_raw_keys(items: Iterable[RawPage | Document | ItemError]) -> Iterator[RawPage | Document | ItemError]:
    """``items`` with each raw page carrying its raw key (hint ``raw_key``), as
    :func:`skip_known_raw` leaves them, without asking a store: a cluster worker has none, and the
    store that loads its shard counts a known page as known by its document id."""
    extractors = extractor_versions()
    for item in items:
        if isinstance(item, RawPage) and item.format in extractors:
            yield evolve(item, hints=(*item.hints, (RAW_KEY, raw_key(item, extractors[item.format]))))
        else:
            yield item


def skip_known_raw(items: Iterable[RawPage | Document | ItemError], store: Store, run_id: str,
                   stats: IngestStats) -> Iterator[RawPage | Document | ItemError]:
    """``items`` without the raw pages an earlier run already turned into a stored document, each
    counted as ``known`` here; the others carry their raw key (hint ``raw_key``) for the store.

    Checked in the main process, a batch per query, before anything goes to a worker: re-ingesting
    181 known pages extracted every one again only to find its id stored. Posts need no check: a
    source makes them without extraction, and the store recognises their ids as cheaply."""
    extractors = extractor_versions()
    pending: list[RawPage | Document | ItemError] = []
    weight = 0

    def release() -> Iterator[RawPage | Document | ItemError]:
        keys = {i: raw_key(item, extractors[item.format]) for i, item in enumerate(pending)
                if isinstance(item, RawPage) and item.format in extractors}
        known = store.known_raw(sorted(set(keys.values())), exclude_run=run_id) if keys else {}
        for i, item in enumerate(pending):
            key = keys.get(i)
            if key is None:
                yield item
            elif key in known:
                stats.items += 1
                stats.known += 1
            else:
                assert isinstance(item, RawPage)
                yield evolve(item, hints=(*item.hints, (RAW_KEY, key)))
        pending.clear()

    for item in items:
        pending.append(item)
        if isinstance(item, RawPage):
            weight += len(item.content)
        # Errors and posts wait for the batch too, so the order of everything is kept.
        if len(pending) >= RAW_BATCH or weight >= RAW_BATCH_BYTES:
            yield from release()
            weight = 0
    yield from release()


def write_batch(store: Store, batch: Sequence[Enriched], run_id: str, *,
                replace: bool = False) -> tuple[WriteResult, list[ItemError]]:
    """Write a batch in one transaction; when the store refuses it, write its items one by one and
    turn each item it still refuses into an error row (stage ``store``), so one bad item never costs
    the good ones beside it. Validation (:mod:`limelight.validate`) should leave nothing to refuse;
    this is the last line. When every single item fails too, the store itself is broken (disk full,
    connection gone): that is raised, not blamed on the items."""
    try:
        return store.write(batch, run_id, replace=replace), []
    except Exception as batch_exc:
        new = known = mentions = duplicates = 0
        refused: list[ItemError] = []
        for item in batch:
            try:
                res = store.write([item], run_id, replace=replace)
            except Exception as exc:
                refused.append(ItemError(item.document.origin, "store",
                                         f"the store refused this item: {type(exc).__name__}: {exc}", _BUG_HINT))
                continue
            new, known, mentions = new + res.new, known + res.known, mentions + res.mentions
            duplicates += res.duplicates
        if len(refused) == len(batch):
            raise batch_exc
        return WriteResult(new, known, mentions, duplicates), refused


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
