"""The library API: plain functions returning plain data. CLI and web only parse, call and render."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from limelight import listing
from limelight.analyses.base import SCOPE_NAMES, AnalysisResult, Scope, evidence_documents
from limelight.cluster.engine import ClusterProgress
from limelight.enrich.rematch import RematchSummary
from limelight.errors import LimelightError, UsageError
from limelight.exports_ahead import AheadExport
from limelight.exports_stream import EXPORT_FORMATS
from limelight.link.run import LinkSummary
from limelight.listing import ListFilter, Page, Position, parse_filter
from limelight.models import ItemError
from limelight.pipeline import IngestResult, IngestStats
from limelight.pipeline import ingest as _ingest
from limelight.project import Project, init_project
from limelight.registry import check_store, registry
from limelight.store.base import Store
from limelight.update import UpdateResult


def _project(project: Project | Path | str) -> Project:
    return project if isinstance(project, Project) else Project.open(project)


def open_project(root: Path | str = ".") -> Project:
    return Project.open(root)


def init(root: Path | str, *, sample: bool = False, example: str | None = None) -> Project:
    """Create a project folder with limelight.toml and a commented watchlist template.
    ``example="seed"`` writes the founding case's watchlist instead (Xiaomi, Lei Jun and their
    aliases in four scripts). With ``sample=True`` it also gets the bundled synthetic sample
    (articles, feeds, social exports) in ``sample/`` and the sample's watchlist."""
    if not sample:
        if example is None:
            return init_project(root)
        from limelight.project import EXAMPLES

        if example not in EXAMPLES:
            raise UsageError(f"no example watchlist {example!r}", f"examples: {', '.join(sorted(EXAMPLES))}")
        return init_project(root, watchlist=EXAMPLES[example])
    from limelight.sample.generate import write_sample

    root = Path(root)
    summary = write_sample(root / "sample")
    wl = (root / "sample" / "watchlist.toml").read_text(encoding="utf-8")
    project = init_project(root, watchlist=wl)
    del summary
    return project


def ingest(
    targets: Sequence[str] | str,
    project: Project | Path | str = ".",
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
    skip_unchanged: bool = False,
    engine: str = "local",
    scheduler: str | None = None,
    on_cluster: Callable[[ClusterProgress], None] | None = None,
) -> IngestResult:
    """Ingest ``targets`` into the project's store (:func:`limelight.pipeline.ingest`).
    ``skip_unchanged``: pass over local files whose size and modification time are those of an
    earlier ingest that read them in full (what the watcher does each cycle). ``engine="dask"``:
    on a Dask cluster (``scheduler``, else the ``[cluster]`` settings; docs/cluster.md)."""
    proj = _project(project)
    targets = _targets(targets)
    with _writer(proj) as store:
        return _ingest(store, proj, targets, workers=workers, mapping=mapping, source=source,
                       account=account, fetch=fetch, on_error=on_error, on_progress=on_progress,
                       on_stage=on_stage, reprocess=reprocess, skip_unchanged=skip_unchanged,
                       engine=engine, scheduler=scheduler, on_cluster=on_cluster)


def update(
    targets: Sequence[str] | str,
    project: Project | Path | str = ".",
    *,
    tone: bool = True,
    link: bool = True,
    workers: int | None = None,
    fetch: bool = True,
    on_error: Callable[[ItemError], None] | None = None,
    on_progress: Callable[[IngestStats], None] | None = None,
    on_stage: Callable[[str, int, int], None] | None = None,
) -> UpdateResult:
    """The pipeline as one step: ingest ``targets``, then tone and link what is new
    (:func:`limelight.update.update`), on one store held for the whole sequence."""
    from limelight.update import update as _update

    proj = _project(project)
    targets = _targets(targets)
    with _writer(proj) as store:
        return _update(store, proj, targets, tone=tone, link=link, workers=workers, fetch=fetch,
                       on_error=on_error, on_progress=on_progress, on_stage=on_stage)


def _targets(targets: Sequence[str] | str) -> list[str]:
    listed = [targets] if isinstance(targets, str) else list(targets)
    if not listed:
        raise UsageError("nothing to ingest", "name files, folders, globs or URLs")
    return listed


@contextmanager
def _writer(proj: Project) -> Iterator[Store]:
    """The project's store opened for writing, closed after (only the library API opens stores)."""
    store = proj.open_store()
    try:
        yield store
    finally:
        store.close()


@contextmanager
def _reader(proj: Project) -> Iterator[Store]:
    """The project's store opened for reading: never blocked by, and never blocking, a writer."""
    store = proj.open_store(read_only=True)
    try:
        yield store
    finally:
        store.close()


def apply_watchlist(project: Project | Path | str = ".", *,
                    on_progress: Callable[[str, int, int], None] | None = None) -> RematchSummary:
    """Bring the stored mentions in line with the project's watchlist after an edit: the documents a
    changed entity can affect are matched again (:mod:`limelight.enrich.rematch`). ``ingest`` does
    the same before every run."""
    from limelight.pipeline import follow_watchlist

    proj = _project(project)
    with _writer(proj) as store:
        return follow_watchlist(store, proj, on_progress)


def link(project: Project | Path | str = ".", *, only: list[str] | None = None, full: bool = False,
         on_progress: Callable[[str, int, int], None] | None = None, engine: str = "local",
         scheduler: str | None = None) -> LinkSummary:
    """Run the linkers over the store (duplicates, translations, stories, copied posts); idempotent.
    ``on_progress(stage, done, total)`` is called as they work. ``engine="dask"`` computes the
    missing embeddings on the cluster first (docs/cluster.md); the linkers then run here."""
    from limelight.link.run import link_store

    _check_engine(engine)
    proj = _project(project)
    with _writer(proj) as store:
        if engine == "dask":
            from limelight.cluster.scoring import embed_on_cluster
            from limelight.link.state import forget

            if full:  # what --full forgets includes the vectors; forget before they are recomputed
                for linker in registry.all("linker"):
                    if not only or linker.name in only:
                        forget(store, linker.name)

            def embedded(done: int, total: int) -> None:
                if on_progress is not None:
                    on_progress("embedding title + lead on the cluster", done, total)

            embed_on_cluster(store, proj, scheduler=scheduler, on_progress=embedded)
            full = False
        return link_store(store, proj.settings, proj.watchlist, only=only, full=full, on_progress=on_progress)


def _check_engine(engine: str) -> None:
    if engine not in ("local", "dask"):
        raise UsageError(f"unknown engine {engine!r}", "use local or dask")


def analyses() -> list[Any]:
    return registry.all("analysis")


def analyze(name: str, project: Project | Path | str = ".", **options: Any) -> AnalysisResult:
    """Run a registered analysis; unknown options are refused with the list of known ones.

    ``timezone`` defaults to the project's ``report.timezone``. The notes start with the report's
    scope ("periods in Europe/Berlin", the filters), and the result's ``documents`` maps every
    evidence id to "title (url)", for outputs that show evidence to a reader."""
    proj = _project(project)
    analysis = registry.get("analysis", name)
    known = {o.name: o for o in analysis.options}
    full = _options(name, analysis, proj, options)
    with _reader(proj) as store:
        check_store(analysis, store)
        result: AnalysisResult = analysis.run(store, proj.watchlist, **full)
        documents = evidence_documents(store, result.table)
    notes = result.notes
    if set(known) >= SCOPE_NAMES:  # an analysis that takes the shared scope says which one it read
        notes = (*Scope.from_options(name, full).notes(), *notes)
    return replace(result, notes=notes, documents=documents)


def _options(name: str, analysis: Any, proj: Project, options: Mapping[str, Any]) -> dict[str, Any]:
    """The analysis' options with their defaults, the given ones checked; ``timezone`` defaults to
    the project's ``report.timezone``."""
    known = {o.name: o for o in analysis.options}
    unknown = set(options) - set(known)
    if unknown:
        raise UsageError(f"analysis {name!r} has no option(s) {', '.join(sorted(unknown))}",
                         f"options: {', '.join(known) or 'none'}")
    for key, value in options.items():
        choices = known[key].choices
        if choices and value is not None and value not in choices:
            raise UsageError(f"{key} must be one of {', '.join(choices)}, not {value!r}")
    full = {o.name: o.default for o in analysis.options} | dict(options)
    if "timezone" in known and full.get("timezone") in (None, ""):
        full["timezone"] = _report_timezone(proj)
    return full


def spillover_matrix(entities: Sequence[str], project: Project | Path | str = ".", **options: Any) -> AnalysisResult:
    """The spillover analysis for every ordered pair of ``entities`` at once: n·(n−1) pairs, their
    rows in one table (each row names its ``a`` and ``b``), on one open of the store; the numbers
    are those of ``analyze("spillover", a=..., b=...)`` for each pair. ``options`` are the
    analysis' own but ``a`` and ``b``."""
    proj = _project(project)
    analysis = registry.get("analysis", "spillover")
    given = list(dict.fromkeys(entities))
    if len(given) < 2 or "a" in options or "b" in options:
        raise UsageError("a spillover matrix needs two or more different entities (and no a or b)",
                         "pass entities=[...]; analyze('spillover', a=..., b=...) runs one pair")
    full = _options("spillover", analysis, proj, options)
    with _reader(proj) as store:
        check_store(analysis, store)
        results: list[AnalysisResult] = analysis.matrix(store, proj.watchlist, given, **full)
        table = pa.concat_tables([r.table for r in results])
        documents = evidence_documents(store, table)
    notes = dict.fromkeys([*Scope.from_options("spillover", full).notes(), *(n for r in results for n in r.notes)])
    return AnalysisResult("spillover", table, {**results[0].options, "a": None, "b": None}, tuple(notes), documents)


def _report_timezone(proj: Project) -> str:
    from limelight.errors import ConfigError
    from limelight.timeseries.series import check_timezone

    zone = str(proj.settings["report.timezone"])
    try:
        return check_timezone(zone, "report.timezone")
    except UsageError as exc:
        raise ConfigError(f"{proj.root / 'limelight.toml'}: {exc.message}", exc.hint) from None


def apply_tone(project: Project | Path | str = ".", *, all_documents: bool = False,
               on_progress: Callable[[int, int, int], None] | None = None, engine: str = "local",
               scheduler: str | None = None, on_dashboard: Callable[[str], None] | None = None) -> Any:
    """Tone for stored mentions and documents that have none yet; returns a ToneSummary.
    ``on_progress(documents done, documents pending, texts scored)`` after each batch.
    ``engine="dask"`` scores on the cluster (docs/cluster.md); ``on_dashboard`` gets its address."""
    from limelight.tone.apply import ToneSummary, score_store

    _check_engine(engine)
    proj = _project(project)
    with _writer(proj) as store:
        if engine == "dask":
            from limelight.cluster.scoring import tone_on_cluster

            done = tone_on_cluster(store, proj, all_documents=all_documents, scheduler=scheduler,
                                   on_progress=on_progress, on_dashboard=on_dashboard)
            return ToneSummary(done.documents, done.mentions, failed_batches=done.failed_batches)
        return score_store(store, proj.settings, proj.watchlist, proj.root, all_documents=all_documents,
                           on_progress=on_progress)


def visibility(project: Project | Path | str = ".", **options: Any) -> AnalysisResult:
    return analyze("visibility", project, **options)


def query(sql: str, project: Project | Path | str = ".", params: Iterable[Any] = (), *,
          write: bool = False) -> pa.Table:
    """Run SQL on the project's store and get an Arrow table.

    The store is opened read-only unless ``write=True``, so a typo'd or pasted statement cannot
    change it; a failing statement raises :class:`UsageError` with the database's message. The SQL
    is the store's own dialect (DuckDB's, or PostgreSQL's on that backend): this is the escape
    hatch, the one place SQL comes from outside the store.
    """
    proj = _project(project)
    with _writer(proj) if write else _reader(proj) as store:
        try:
            result = store.query(sql, list(params))
            if write:
                store.mark_changed()  # what was read and cached before this statement is stale now
            return result
        except UsageError:
            raise
        except Exception as exc:
            if not _database_error(exc):
                raise
            message = str(exc).strip()
            if not write and ("read-only" in message or "read only" in message):
                raise UsageError(f"the store is open read-only: {message}",
                                 "pass --write to change the store") from None
            raise UsageError(f"the query failed: {message}",
                             "list the tables with: limelight sql \"show tables\"") from None


def _database_error(exc: BaseException) -> bool:
    """An error the database raised about the statement (DuckDB's or psycopg's), not a bug here."""
    module = type(exc).__module__.split(".")[0]
    return module in ("duckdb", "_duckdb", "psycopg")


def generation(project: Project | Path | str = ".") -> int | None:
    """The store's data generation: a number every committed write changes (the same number, the
    same stored data, whichever process wrote); None where the store cannot say (a store from
    before it, read-only and so not migrated, or a store plugin without the read)."""
    proj = _project(project)
    with _reader(proj) as store:
        if "core.generation" not in store.reads:
            return None
        try:
            rows = store.read("core.generation").to_pylist()
        except Exception as exc:
            if isinstance(exc, LimelightError) or _database_error(exc):
                return None
            raise
    return int(rows[0]["generation"]) if rows else None


class GenerationProbe:
    """:func:`generation`, asked again and again (a dashboard asks before every answer it keeps):
    it opens the store only when the store's files changed since the last ask
    (:meth:`Project.store_fingerprint`), or when that was more than ``max_age`` seconds ago (a
    file system whose times are too coarse to show every commit lags by at most that). The
    fingerprint is taken before the generation is read: a commit that lands while it is read
    changes the files again, and the next ask reads anew. Where the store has no fingerprint
    (PostgreSQL) every ask reads. Thread-safe; one per process serves any number of projects."""

    def __init__(self, max_age: float = 10.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age = max_age
        self.reads = 0  # how often the store was opened (the benchmark and the tests count them)
        self._clock = clock
        self._last: dict[Path, tuple[Hashable, int | None, float]] = {}
        self._lock = threading.Lock()

    def __call__(self, project: Project | Path | str = ".") -> int | None:
        proj = _project(project)
        fingerprint = proj.store_fingerprint()
        now = self._clock()
        if fingerprint is not None:
            with self._lock:
                last = self._last.get(proj.store_path)
            if last is not None and last[0] == fingerprint and now - last[2] < self.max_age:
                return last[1]
        gen = generation(proj)
        with self._lock:
            self.reads += 1
            if fingerprint is not None:
                self._last[proj.store_path] = (fingerprint, gen, now)
        return gen


def watchlist_corpus(project: Project | Path | str = ".") -> pa.Table:
    """Title and text of every stored document (column ``t``): what ``watchlist check`` reads."""
    proj = _project(project)
    with _reader(proj) as store:
        return store.read("core.document_texts")


# -- lists and exports (limelight.listing): what `limelight serve` and `limelight export` call ------


def list_filter(project: Project | Path | str = ".", values: Mapping[str, Any] | None = None) -> ListFilter:
    """A :class:`~limelight.listing.ListFilter` from text values (entity, since, until, language,
    role, source, platform, kind, timezone; lists comma-separated), checked against the project's
    watchlist; the time zone defaults to ``report.timezone``. A bad value raises
    :class:`~limelight.listing.BadFilter`, which names it and the allowed values."""
    proj = _project(project)
    return parse_filter(values or {}, proj.watchlist, default_timezone=_report_timezone(proj))


def _filter(proj: Project, filters: ListFilter | Mapping[str, Any] | None) -> ListFilter:
    return filters if isinstance(filters, ListFilter) else list_filter(proj, filters)


def list_page(what: str, project: Project | Path | str = ".", *,
              filters: ListFilter | Mapping[str, Any] | None = None, after: Position | None = None,
              limit: int = 100) -> Page:
    """One page of the documents or mentions list (newest first, undated last) after ``after``,
    with the list's total and how many of its rows have no date; a page of documents also maps
    each document to the entities it mentions (``entities``)."""
    proj = _project(project)
    flt = _filter(proj, filters)
    with _reader(proj) as store:
        got = listing.page(store, what, flt, after=after, limit=limit)
        if what == "documents":
            ids = [str(v) for v in got.rows.column("id").to_pylist()]
            got = replace(got, entities=listing.document_entities(store, ids))
    return got


def list_count(what: str, project: Project | Path | str = ".", *,
               filters: ListFilter | Mapping[str, Any] | None = None) -> tuple[int, int]:
    """(rows, rows without a date) of the documents or mentions list with these filters."""
    proj = _project(project)
    flt = _filter(proj, filters)
    with _reader(proj) as store:
        return listing.count(store, what, flt)


def document(document_id: str, project: Project | Path | str = ".") -> dict[str, Any] | None:
    """One stored document with its source, mentions (roles, sentences) and links; None if unknown."""
    proj = _project(project)
    with _reader(proj) as store:
        return listing.document(store, document_id)


def entities(project: Project | Path | str = ".", *,
             filters: ListFilter | Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The watchlist's entities, each with its mentions and documents in the filters' range (dated
    documents) and its documents without a date, counted apart."""
    proj = _project(project)
    flt = _filter(proj, filters)
    with _reader(proj) as store:
        return listing.entity_volumes(store, proj.watchlist, flt)


def export(what: str, project: Project | Path | str = ".", *, fmt: str = "csv",
           filters: ListFilter | Mapping[str, Any] | None = None, csv_raw: bool = False,
           batch_size: int | None = None) -> AheadExport:
    """Every row of the documents or mentions list with these filters, as CSV, JSON Lines or
    Parquet bytes (iterate the stream; ``stream.rows`` counts them after). No row cap, constant
    memory: the rows come from one streamed read, ``batch_size`` at a time (default
    :data:`limelight.listing.EXPORT_BATCH`), read and encoded ahead of the caller on two threads
    (:mod:`limelight.exports_ahead`; from a DuckDB file into a temporary file the caller follows,
    so a writer waits for the read and the encoding at most, never for a slow client). Timestamps
    are written in the filters' time zone (``report.timezone`` by default)."""
    proj = _project(project)
    flt = _filter(proj, filters)
    if fmt not in EXPORT_FORMATS:
        raise listing.BadFilter("format", f"format must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}",
                                EXPORT_FORMATS)
    if what not in listing.LISTS:
        raise listing.BadFilter("list", f"no list named {what!r}", listing.LISTS)
    with _reader(proj):  # fails now, not in the middle of the stream, when there is no store
        pass
    return AheadExport(lambda: _reader(proj), lambda store: listing.batches(store, what, flt, batch_size=batch_size),
                       fmt, timezone=listing.zone_of(flt), csv_raw=csv_raw)


# -- full-text search (limelight.search): `limelight search`, /api/search --------------------------


def search(query: str, project: Project | Path | str = ".", *,
           filters: ListFilter | Mapping[str, Any] | None = None, limit: int = 20, cursor: str | None = None,
           with_total: bool = False) -> Any:
    """One page of the stored documents matching ``query`` (the watchlist's query syntax: AND, OR,
    NOT, "phrases", NEAR/n), newest first, with highlights; ``cursor`` is the page before's
    ``next``. Returns a :class:`limelight.search.SearchPage`."""
    from limelight import search as _search

    proj = _project(project)
    flt = _filter(proj, filters)
    with _reader(proj) as store:
        return _search.search(store, query, flt, limit=limit, cursor=cursor, with_total=with_total)


def reindex_search(project: Project | Path | str = ".", *, everything: bool = False,
                   on_progress: Callable[[int], None] | None = None) -> int:
    """Add the stored documents the search index lacks to it (all of them with ``everything``);
    returns how many were indexed."""
    from limelight import search as _search

    with _writer(_project(project)) as store:
        return _search.reindex(store, everything=everything, on_progress=on_progress)


def save_search(name: str, query: str, project: Project | Path | str = ".", *,
                filters: Mapping[str, Any] | None = None) -> Any:
    """Save (or replace) a search: its query and filter values (``limelight.listing.FILTERS``)."""
    from limelight import search as _search

    proj = _project(project)
    with _writer(proj) as store:
        return _search.save(store, name, query, filters or {}, proj.watchlist)


def saved_searches(project: Project | Path | str = ".") -> list[Any]:
    """Every saved search (:class:`limelight.search.SavedSearch`), by name."""
    from limelight import search as _search

    with _reader(_project(project)) as store:
        return _search.saved(store)


def delete_saved_search(name: str, project: Project | Path | str = ".") -> bool:
    from limelight import search as _search

    with _writer(_project(project)) as store:
        return _search.delete(store, name)


def run_saved_search(name: str, project: Project | Path | str = ".", *, new_only: bool = False, limit: int = 20,
                     cursor: str | None = None, with_total: bool = False) -> Any:
    """A page of the saved search ``name``'s matches; with ``new_only`` only those stored since it
    was last seen (:func:`mark_saved_search_seen`)."""
    from limelight import search as _search

    proj = _project(project)
    with _reader(proj) as store:
        return _search.run_saved(store, name, proj.watchlist, new_only=new_only, limit=limit, cursor=cursor,
                                 with_total=with_total, default_timezone=_report_timezone(proj))


def mark_saved_search_seen(name: str, project: Project | Path | str = ".", *, at: Any = None) -> None:
    from limelight import search as _search

    with _writer(_project(project)) as store:
        _search.mark_seen(store, name, at)


# -- alerts (limelight.alerts): `limelight alerts`, /api/alerts ----------------------------------------


def alerts(project: Project | Path | str = ".", *, status: str | None = None,
           entity: str | Sequence[str] | None = None, since: Any = None, limit: int | None = None,
           until: Any = None, severity: Sequence[str] | None = None, after: tuple[datetime, str] | None = None
           ) -> list[Any]:
    """Stored alerts (:class:`limelight.alerts.Alert`), newest first (the one updated last on top):
    only those with this ``status`` (open, closed), about this ``entity`` id (or any of these), of
    these ``severity`` values, or updated at or after ``since`` and before ``until`` (each a
    datetime, a date, or ISO text; a date or naive time is UTC), when given; with ``after`` (the
    last listed alert's updated_at and id) the ones after it."""
    from limelight.alerts.model import from_row

    with _reader(_project(project)) as store:
        rows = store.read("alerts.list", **_alert_filters(status, entity, since, until, severity), limit=limit,
                          **({"after_at": after[0], "after_id": after[1]} if after is not None else {}))
        return [from_row(r) for r in rows.to_pylist()]


def alert_count(project: Project | Path | str = ".", *, status: str | None = None,
                entity: str | Sequence[str] | None = None, since: Any = None, until: Any = None,
                severity: Sequence[str] | None = None) -> int:
    """How many alerts :func:`alerts` lists with these filters (without a limit)."""
    with _reader(_project(project)) as store:
        rows = store.read("alerts.count", **_alert_filters(status, entity, since, until, severity)).to_pylist()
    return int(rows[0]["n"]) if rows else 0


def _alert_filters(status: str | None, entity: str | Sequence[str] | None, since: Any, until: Any,
                   severity: Sequence[str] | None) -> dict[str, Any]:
    from limelight.alerts.model import SEVERITIES, STATUSES, parse_since

    if status is not None and status not in STATUSES:
        raise UsageError(f"no alert status {status!r}", f"statuses: {', '.join(STATUSES)}")
    for value in severity or ():
        if value not in SEVERITIES:
            raise UsageError(f"no alert severity {value!r}", f"severities: {', '.join(SEVERITIES)}")
    out: dict[str, Any] = {"status": status, "entity": entity if isinstance(entity, str) or entity is None
                           else list(entity), "since": parse_since(since), "until": parse_since(until)}
    if severity is not None:
        out["severity"] = list(severity)
    return out


def evaluate_alerts(project: Project | Path | str = ".", *, now: datetime | None = None) -> Any:
    """Run the ``[[alerts.rule]]`` rules on the store: one alert per incident, new ones stored,
    grown ones updated, ended ones closed (:func:`limelight.alerts.rules.evaluate`). Returns the
    :class:`limelight.alerts.rules.Evaluation`."""
    from limelight.alerts.rules import evaluate, rules_from_settings

    proj = _project(project)
    rules = rules_from_settings(proj.settings, proj.watchlist)
    with _writer(proj) as store:
        return evaluate(store, proj.watchlist, rules, now=now, timezone=_report_timezone(proj))


def watch(project: Project | Path | str = ".", *, once: bool = False, cycles: int | None = None,
          interval: float | None = None, stop: Any = None, deliver: bool | None = None, fetch: bool = True,
          on_cycle: Callable[[Any], None] | None = None) -> list[Any]:
    """Keep the project up to date (:func:`limelight.watch.watch`): every ``watch.interval``
    seconds ingest ``watch.targets``, tone and link what is new, evaluate the alert rules and
    deliver, one writer held throughout, until ``stop`` (a threading.Event) is set; ``once``: one
    cycle. Returns the cycles' :class:`limelight.watch.CycleSummary`."""
    from limelight.watch import watch as run

    return run(_project(project), once=once, cycles=cycles, interval=interval, stop=stop, deliver=deliver,
               fetch=fetch, on_cycle=on_cycle)


def deliver_alerts(project: Project | Path | str = ".", *, only: Sequence[str] | None = None,
                   wait: float | None = None) -> list[Any]:
    """Send every channel in ``[alerts]`` its digest of what is pending (one message per channel),
    retrying within ``wait`` seconds (default ``alerts.retry_wait``). Returns one
    :class:`limelight.alerts.deliver.ChannelResult` per channel."""
    from limelight.alerts.deliver import deliver

    proj = _project(project)
    with _writer(proj) as store:
        return deliver(store, proj.settings, only=only, wait=wait)
