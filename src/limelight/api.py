"""The library API: plain functions returning plain data. CLI and web only parse, call and render."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from limelight.analyses.base import SCOPE_NAMES, AnalysisResult, Scope, evidence_documents
from limelight.enrich.rematch import RematchSummary
from limelight.errors import UsageError
from limelight.link.run import LinkSummary
from limelight.models import ItemError
from limelight.pipeline import IngestResult, IngestStats
from limelight.pipeline import ingest as _ingest
from limelight.project import Project, init_project
from limelight.registry import registry


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
) -> IngestResult:
    proj = _project(project)
    if isinstance(targets, str):
        targets = [targets]
    if not targets:
        raise UsageError("nothing to ingest", "name files, folders, globs or URLs")
    return _ingest(proj, list(targets), workers=workers, mapping=mapping, source=source, account=account,
                   fetch=fetch, on_error=on_error, on_progress=on_progress, on_stage=on_stage,
                   reprocess=reprocess)


def apply_watchlist(project: Project | Path | str = ".", *,
                    on_progress: Callable[[str, int, int], None] | None = None) -> RematchSummary:
    """Bring the stored mentions in line with the project's watchlist after an edit: the documents a
    changed entity can affect are matched again (:mod:`limelight.enrich.rematch`). ``ingest`` does
    the same before every run."""
    from limelight.pipeline import follow_watchlist

    proj = _project(project)
    store = proj.open_store()
    try:
        return follow_watchlist(store, proj, on_progress)
    finally:
        store.close()


def link(project: Project | Path | str = ".", *, only: list[str] | None = None,
         on_progress: Callable[[str, int, int], None] | None = None) -> LinkSummary:
    """Run the linkers over the store (duplicates, translations, stories, copied posts); idempotent.
    ``on_progress(stage, done, total)`` is called as they work."""
    from limelight.link.run import link_corpus

    return link_corpus(project, only=only, on_progress=on_progress)


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
    unknown = set(options) - set(known)
    if unknown:
        raise UsageError(f"analysis {name!r} has no option(s) {', '.join(sorted(unknown))}",
                         f"options: {', '.join(known) or 'none'}")
    for key, value in options.items():
        choices = known[key].choices
        if choices and value is not None and value not in choices:
            raise UsageError(f"{key} must be one of {', '.join(choices)}, not {value!r}")
    full = {o.name: o.default for o in analysis.options} | options
    if "timezone" in known and full.get("timezone") in (None, ""):
        full["timezone"] = _report_timezone(proj)
    store = proj.open_store()
    try:
        result: AnalysisResult = analysis.run(store, proj.watchlist, **full)
        documents = evidence_documents(store, result.table)
    finally:
        store.close()
    notes = result.notes
    if set(known) >= SCOPE_NAMES:  # an analysis that takes the shared scope says which one it read
        notes = (*Scope.from_options(name, full).notes(), *notes)
    return replace(result, notes=notes, documents=documents)


def _report_timezone(proj: Project) -> str:
    from limelight.errors import ConfigError
    from limelight.timeseries.series import check_timezone

    zone = str(proj.settings["report.timezone"])
    try:
        return check_timezone(zone, "report.timezone")
    except UsageError as exc:
        raise ConfigError(f"{proj.root / 'limelight.toml'}: {exc.message}", exc.hint) from None


def apply_tone(project: Project | Path | str = ".", *, all_documents: bool = False) -> Any:
    """Tone for stored mentions and documents that have none yet; returns a ToneSummary."""
    from limelight.tone.apply import apply_tone as _apply

    proj = _project(project)
    return _apply(proj, all_documents=all_documents)


def visibility(project: Project | Path | str = ".", **options: Any) -> AnalysisResult:
    return analyze("visibility", project, **options)


def query(sql: str, project: Project | Path | str = ".", params: Iterable[Any] = (), *,
          write: bool = False) -> pa.Table:
    """Run SQL on the project's store and get an Arrow table.

    The store is opened read-only unless ``write=True``, so a typo'd or pasted statement cannot
    change it; a failing statement raises :class:`UsageError` with DuckDB's message.
    """
    import duckdb

    proj = _project(project)
    store = proj.open_store(read_only=not write)
    try:
        return store.query(sql, list(params))
    except duckdb.Error as exc:
        message = str(exc)
        if not write and "read-only" in message:
            raise UsageError(f"the store is open read-only: {message}",
                             "pass --write to change the store") from None
        raise UsageError(f"the query failed: {message}",
                         "list the tables with: limelight sql \"show tables\"") from None
    finally:
        store.close()
