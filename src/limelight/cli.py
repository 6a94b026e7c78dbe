"""The command line: parse, call the library API, render. No logic of its own.

Exit status: 0 everything ingested/ran, 1 some items failed, 2 usage or configuration error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import pyarrow.compute as pc

from limelight import api
from limelight.cluster.engine import ClusterProgress
from limelight.errors import LimelightError
from limelight.exports import FORMATS, terminal_safe, write_table
from limelight.models import ItemError
from limelight.pipeline import IngestStats
from limelight.registry import registry

project_option = click.option(
    "--project", "-p", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
    show_default=True, help="Project folder (made by `limelight init`).",
)
format_option = click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
# Reports say what their JSON and CSV hold (the notes travel with the rows; docs: limelight.exports).
report_format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
    help="table: fits the terminal, long cells cut with …; json: an object with analysis, title, options, "
         "notes and rows; csv: one '# note: …' line per note, then the header and the rows.")
raw_csv_option = click.option("--raw-csv", is_flag=True,
                              help="CSV: write cells exactly as stored, without neutralising spreadsheet formulas")
full_option = click.option("--full", is_flag=True,
                           help="Table: show every cell whole (and every item of a list), however wide.")


scheduler_option = click.option(
    "--scheduler", default=None, metavar="ADDRESS",
    help="With --engine dask: a running Dask scheduler (tcp://host:8786) instead of cluster.scheduler.")


def engine_options(f: Any) -> Any:
    """--engine and --scheduler, for the stages that can run their models on a Dask cluster."""
    return click.option(
        "--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
        help="local: this machine; dask: the model work as Dask tasks on a LocalCluster or the [cluster] of "
             "limelight.toml (docs/cluster.md); the store stays here.")(scheduler_option(f))


def format_options(f: Any) -> Any:
    """--format, --raw-csv and --full, for every command that writes a table."""
    return format_option(raw_csv_option(full_option(f)))


class LimelightGroup(click.Group):
    """Turns library errors into one clear line and exit status 2 (config/usage) or 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LimelightError as exc:
            # Messages quote input (a DuckDB error quotes the SQL, an item error the page).
            click.secho(f"Error {exc.code}: {terminal_safe(exc.message)}", fg="red", err=True)
            if exc.hint:
                click.echo(f"  → {terminal_safe(exc.hint)}", err=True)
            sys.exit(exc.exit_status)


@click.group(cls=LimelightGroup)
@click.version_option(package_name="limelight")
def main() -> None:
    """limelight: who is visible in the media, in what role, and how it changes."""


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--sample", is_flag=True, help="Also write the bundled synthetic sample into DIRECTORY/sample.")
@click.option("--example", type=click.Choice(["seed"]), default=None,
              help="Write an example watchlist instead of the commented template (seed: the founding case, Xiaomi).")
def init(directory: Path, sample: bool, example: str | None) -> None:
    """Create a project folder with limelight.toml and a commented watchlist.toml template."""
    project = api.init(directory, sample=sample, example=example)
    click.echo(f"Created {project.root} with limelight.toml and watchlist.toml "
               f"({len(project.watchlist)} entities).")
    if sample:
        click.echo(f"Synthetic sample written to {project.root / 'sample'}.")
    click.echo(f"Next: cd {directory} && limelight ingest PATH|URL ...")


def _print_error(err: ItemError) -> None:
    # The origin is a URL or path from the input and the message can quote the item.
    click.secho(f"✗ {terminal_safe(err.line())}", fg="yellow", err=True)


@main.command()
@click.argument("targets", nargs=-1, required=True)
@project_option
@click.option("--workers", "-w", type=int, default=None, help="Worker processes (default: ingest.workers).")
@click.option("--mapping", "-m", default=None, help="Column mapping name for CSV/JSONL exports.")
@click.option("--source", "-s", "source", default=None,
              help="Read every input with this source plugin instead of guessing (see `limelight plugins`).")
@click.option("--account", "-a", default=None, metavar="HANDLE",
              help="File every post of a CSV/JSONL export under this account handle (or outlet, for articles), "
                   "for exports without a handle column (e.g. realDonaldTrump).")
@click.option("--offline", is_flag=True, help="Never fetch URLs (feeds keep their own entry text).")
@click.option("--reprocess", is_flag=True,
              help="Read the inputs again and replace what they stored (after correcting a column mapping or "
                   "an extraction setting): known documents are replaced, and documents of these files the new "
                   "reading no longer makes are removed.")
@click.option("--skip-unchanged", is_flag=True,
              help="Pass over local files whose size and modification time are those of an earlier ingest that "
                   "read them in full with no failed item (for a folder ingested again from cron; the watcher "
                   "always does this).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: worker processes on this machine; dask: Dask tasks over shards of the input files, on a "
                   "LocalCluster or the [cluster] of limelight.toml (docs/cluster.md). Files only, not URLs.")
@scheduler_option
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def ingest(targets: tuple[str, ...], project: Path, workers: int | None, mapping: str | None,
           source: str | None, account: str | None, offline: bool, reprocess: bool, skip_unchanged: bool,
           engine: str, scheduler: str | None, quiet: bool) -> None:
    """Ingest files, folders (recursively), globs, URLs, feeds, sitemaps, WARCs and social exports."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    proj = api.open_project(project)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  disable=quiet, transient=True, console=None) as progress:
        task = progress.add_task("Ingesting…", total=None)

        def on_progress(stats: IngestStats) -> None:
            progress.update(task, description=f"Processed {stats.items:,} items: {stats.new:,} new, "
                                              f"{stats.known:,} known, {stats.duplicates:,} duplicates, "
                                              f"{stats.failed:,} failed")

        def on_stage(stage: str, done: int, total: int) -> None:
            what = "Indexing stored documents for search" if stage == "search index" else f"Watchlist changed: {stage}"
            progress.update(task, description=f"{what}, {done:,} of {total:,}")

        told: list[str] = []

        def on_cluster(c: ClusterProgress) -> None:
            if c.dashboard and not told:
                told.append(c.dashboard)
                progress.console.print(f"Dask dashboard: {terminal_safe(c.dashboard)}")
            progress.update(task, description=f"Shards: {c.loaded:,} of {c.shards:,} loaded, {c.sent - c.loaded:,} "
                                              f"running or queued; {c.items:,} items")

        result = api.ingest(list(targets), proj, workers=workers, mapping=mapping, source=source,
                            account=account, fetch=not offline, reprocess=reprocess,
                            skip_unchanged=skip_unchanged, on_error=_print_error, on_progress=on_progress,
                            on_stage=on_stage, engine=engine, scheduler=scheduler, on_cluster=on_cluster)
    if result.rematch is not None and result.rematch.changed:
        click.echo(rematch_line(result.rematch))
    s = result.stats
    click.echo(f"Ingested {s.items:,} items in {s.seconds:.1f} s: {s.new:,} new, {s.known:,} already known, "
               f"{s.duplicates:,} duplicates within this run, {s.failed:,} failed; "
               f"{s.mentions:,} mentions stored in {proj.store_path.name} "
               f"(run {result.run_id}).")
    if s.unchanged:
        click.echo(f"Passed over {s.unchanged:,} file{'s' if s.unchanged != 1 else ''} unchanged since an "
                   f"earlier ingest read {'them' if s.unchanged != 1 else 'it'} in full.")
    if reprocess:
        click.echo(f"Reprocessed: the documents of these inputs were replaced; {s.removed:,} that the new "
                   f"reading no longer makes were removed.")
    if s.failed:
        click.echo(f"Failed items are listed above and in the errors table "
                   f"(limelight sql \"select * from errors where last_run_id='{result.run_id}'\").", err=True)
    sys.exit(result.exit_status)


class AnalysisGroup(click.Group):
    """One subcommand per registered analysis, with its declared options."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(a.name for a in registry.all("analysis"))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        try:
            analysis = registry.get("analysis", name)
        except LimelightError:
            return None
        params: list[click.Parameter] = []
        for opt in analysis.options:
            flag = "--" + opt.name.replace("_", "-")
            if isinstance(opt.default, bool):
                params.append(click.Option([flag + "/--no-" + opt.name.replace("_", "-")],
                                           default=opt.default, help=opt.help))
            elif opt.choices:
                params.append(click.Option([flag], type=click.Choice(opt.choices), default=opt.default,
                                           show_default=True, help=opt.help))
            else:
                params.append(click.Option([flag], type=_option_type(opt), default=opt.default,
                                           show_default=True, help=opt.help))

        def callback(project: Path, fmt: str, raw_csv: bool, full: bool, **options: Any) -> None:
            result = api.analyze(name, project, **options)
            meta = {"analysis": name, "options": result.options}
            write_table(result.table, fmt, sys.stdout, title=analysis.title, notes=result.notes,
                        csv_raw=raw_csv, meta=meta, documents=result.documents, full=full,
                        timezone=result.options.get("timezone"))

        cmd = click.Command(name, params=params, callback=callback, help=analysis.description)
        project_option(cmd)
        # Appended to a built Command in the order shown in --help (decorators apply in reverse).
        report_format_option(cmd)
        raw_csv_option(cmd)
        full_option(cmd)
        return cmd


def _option_type(opt: Any) -> click.ParamType:
    """A number option's click type, with its declared range (click's own usage error names it)."""
    lo, hi = opt.min, opt.max
    if isinstance(opt.default, float):
        return click.FloatRange(lo, hi)
    if isinstance(opt.default, int):
        return click.IntRange(None if lo is None else int(lo), None if hi is None else int(hi))
    return click.STRING


@main.group(cls=AnalysisGroup)
def report() -> None:
    """Reports over the store: `limelight report visibility --by week --entity lei-jun`.

    Every report takes --since, --until, --language, --source and --kind (applied to every count,
    totals included) and counts its days in report.timezone (or --timezone); weeks start on Monday."""


@main.group(cls=AnalysisGroup)
def analyze() -> None:
    """Run a registered analysis (the same as `report`)."""


@main.group()
def watchlist() -> None:
    """Inspect the watchlist."""


@watchlist.command("check")
@project_option
@format_options
def watchlist_check(project: Path, fmt: str, raw_csv: bool, full: bool) -> None:
    """Report aliases that are ambiguous or never matched in the stored documents."""
    import pyarrow as pa

    from limelight.enrich.watchlist_check import check_watchlist

    proj = api.open_project(project)
    texts: list[str] | None = None
    if proj.store_path.exists():
        table = api.watchlist_corpus(proj)
        texts = table.column("t").to_pylist()
    findings = check_watchlist(proj.watchlist, texts)
    table = pa.Table.from_pylist([f.as_dict() for f in findings]) if findings else pa.table({"finding": []})
    write_table(table, fmt, sys.stdout, title="Watchlist check", csv_raw=raw_csv, full=full)
    if not findings:
        click.echo("No ambiguous or unmatched aliases.")


@watchlist.command("apply")
@project_option
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def watchlist_apply(project: Path, quiet: bool) -> None:
    """Re-match stored documents after a watchlist edit (ingest does it too, before every run)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    proj = api.open_project(project)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  disable=quiet, transient=True) as progress:
        task = progress.add_task("Comparing the watchlist with the store…", total=None)

        def on_progress(stage: str, done: int, total: int) -> None:
            progress.update(task, description=stage.capitalize(), completed=done, total=total)

        summary = api.apply_watchlist(proj, on_progress=on_progress)
    click.echo(rematch_line(summary))


def rematch_line(summary: Any) -> str:
    if not summary.changed:
        return "The stored mentions follow the watchlist already; nothing to re-match."
    more = len(summary.changed) - 8
    names = ", ".join(summary.changed[:8]) + (f" and {more} more" if more > 0 else "")
    tone = f"; tone scored for {summary.toned:,} new mentions" if summary.toned else ""
    return (f"Watchlist changed ({len(summary.changed)} entities: {terminal_safe(names)}): matched "
            f"{summary.candidates:,} documents again in {summary.seconds:.1f} s, {summary.mentions_added:,} "
            f"mentions added, {summary.mentions_removed:,} removed{tone}.")


@main.command()
@project_option
@click.argument("sql")
@click.option("--write", is_flag=True, help="Open the store for writing (without it, statements that "
                                            "change the store fail).")
@format_options
def sql(project: Path, sql: str, write: bool, fmt: str, raw_csv: bool, full: bool) -> None:
    """Run SQL on the project's store (tables: documents, mentions, entities, sources, links, errors…).

    Read-only unless --write is given."""
    write_table(api.query(sql, project, write=write), fmt, sys.stdout, csv_raw=raw_csv, full=full)


@main.command("export")
@click.argument("what", type=click.Choice(["documents", "mentions"]))
@project_option
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet"]), default="csv", show_default=True,
              help="csv: a header and one line per row (list cells joined with |); jsonl: one JSON object per "
                   "line; parquet: typed columns.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output; Parquet needs a file or a pipe).")
@click.option("--entity", default=None, help="Only these entity ids, comma-separated: their mentions, or documents "
                                             "that mention them.")
@click.option("--since", default=None, help="Only documents published on or after this day, YYYY-MM-DD.")
@click.option("--until", default=None, help="Only documents published on or before this day, YYYY-MM-DD.")
@click.option("--language", default=None, help="Only these languages, ISO 639-1 codes, comma-separated (de,en).")
@click.option("--role", default=None, help="Only mentions in these roles (documents: with such a mention), "
                                           "comma-separated: headline, lead, body, caption, quoted, speaking, "
                                           "audience.")
@click.option("--source", default=None, help="Only these sources: a domain (reuters.com) or platform/handle "
                                             "(x/realDonaldTrump, weibo/*), comma-separated.")
@click.option("--platform", default=None, help="Only sources on these platforms (web, x, weibo, ...).")
@click.option("--kind", default=None, help="Only these document kinds: article, post, livestream, press_release, "
                                           "transcript.")
@click.option("--undated", type=click.Choice(["include", "only", "exclude"]), default=None,
              help="Documents without a date: include (last, the default), only, or exclude.")
@click.option("--timezone", default=None, help="Time zone timestamps are written in (default: report.timezone).")
@raw_csv_option
def export_cmd(what: str, project: Path, fmt: str, output: Path | None, raw_csv: bool, **filters: str | None) -> None:
    """Export every stored document or mention that matches the filters: no row cap, constant memory.

    Rows come newest first, documents without a date last. The same export is at
    /api/documents/export and /api/mentions/export of `limelight serve`."""
    if output is None and fmt == "parquet" and sys.stdout.isatty():
        raise click.UsageError("Parquet is binary: write it to a file with -o FILE (or pipe it)")
    stream = api.export(what, project, fmt=fmt, filters=filters, csv_raw=raw_csv)
    if output is None:
        out = sys.stdout.buffer
        for chunk in stream:
            out.write(chunk)
        out.flush()
    else:
        with output.open("wb") as f:
            for chunk in stream:
                f.write(chunk)
        click.echo(f"Exported {stream.rows:,} {what} to {output}.", err=True)


@main.command()
@project_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; any other than 127.0.0.1, localhost or ::1 needs --token.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--token", envvar="LIMELIGHT_TOKEN", default=None,
              help="Access token (or LIMELIGHT_TOKEN): every request then needs Authorization: Bearer TOKEN, "
                   "or ?token=TOKEN in a browser.")
@click.option("--watch", "watching", is_flag=True,
              help="Also run the watcher in this process (limelight watch): one process owns the store.")
def serve(project: Path, host: str, port: int, token: str | None, watching: bool) -> None:
    """Serve the project's JSON API (OpenAPI reference at /docs) and exports until interrupted."""
    from limelight.web.server import check_bind
    from limelight.web.server import serve as run

    check_bind(host, token)
    click.echo(f"Serving {project.resolve()} on http://{'[' + host + ']' if ':' in host else host}:{port} "
               f"(API reference at /docs; Ctrl-C stops)" + (", watching." if watching else "."), err=True)
    run(project, host=host, port=port, token=token, watch=watching)


@main.command("watch")
@project_option
@click.option("--once", is_flag=True, help="Run one cycle and exit (for cron and tests).")
@click.option("--cycles", type=click.IntRange(1), default=None, help="Stop after this many cycles.")
@click.option("--interval", type=click.FloatRange(0), default=None,
              help="Seconds between cycles (default: watch.interval).")
@click.option("--no-deliver", is_flag=True, help="Store alerts but do not send them (default: watch.deliver).")
@click.option("--offline", is_flag=True, help="Do not fetch URLs: only files and folders are read.")
def watch_cmd(project: Path, once: bool, cycles: int | None, interval: float | None, no_deliver: bool,
              offline: bool) -> None:
    """Keep the project up to date: each cycle ingests watch.targets, scores tone and links what is
    new, evaluates the [[alerts.rule]] rules and delivers the alerts, until interrupted.

    One process owns the store meanwhile; `limelight serve` and other readers read through it.
    Exit status 1 when the last cycle (with --once or --cycles) had a failure."""
    import logging
    import signal
    import threading

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    done = api.watch(project, once=once, cycles=cycles, interval=interval, stop=stop,
                     deliver=False if no_deliver else None, fetch=not offline)
    sys.exit(0 if not done or done[-1].ok else 1)


@main.command()
@format_options
def plugins(fmt: str, raw_csv: bool, full: bool) -> None:
    """List registered sources, extractors, enrichers, stores and analyses."""
    import pyarrow as pa

    rows = [{"kind": kind, "name": p.name, "version": p.version, "title": p.title,
             "requires": ", ".join(p.requires), "provides": ", ".join(p.provides)} for kind, p in registry]
    write_table(pa.Table.from_pylist(rows), fmt, sys.stdout, title="Plugins", csv_raw=raw_csv, full=full)


@main.command("search")
@click.argument("query", required=False)
@project_option
@click.option("--limit", "-n", type=click.IntRange(1, 200), default=20, show_default=True, help="Hits per page.")
@click.option("--next", "cursor", default=None, metavar="CURSOR", help="The page after the one that printed CURSOR.")
@click.option("--total", is_flag=True, help="Also count every match (exact up to 5,000 candidates).")
@click.option("--save", "save_as", default=None, metavar="NAME",
              help="Save QUERY and the filters under NAME (alerts ask a saved search for new matches).")
@click.option("--saved", "saved_name", default=None, metavar="NAME", help="Run the saved search NAME.")
@click.option("--new", "new_only", is_flag=True, help="With --saved: only matches stored since it was last seen.")
@click.option("--list-saved", is_flag=True, help="List the saved searches.")
@click.option("--delete-saved", default=None, metavar="NAME", help="Forget the saved search NAME.")
@click.option("--seen", "seen_name", default=None, metavar="NAME",
              help="Mark the saved search NAME's matches as seen up to now (its saved_search alert closes; "
                   "--new then lists only what is stored after).")
@click.option("--reindex", is_flag=True,
              help="Add the stored documents the search index lacks (stored before it existed) to it.")
@format_options
def search_cmd(query: str | None, project: Path, limit: int, cursor: str | None, total: bool, save_as: str | None,
               saved_name: str | None, new_only: bool, list_saved: bool, delete_saved: str | None,
               seen_name: str | None, reindex: bool, fmt: str, raw_csv: bool, full: bool,
               **filters: str | None) -> None:
    """Search stored documents and posts with a watchlist query: AND, OR, NOT, "phrases", NEAR/n.

    Terms match as watchlist aliases do: case, accents and full-width folded, whole words, Chinese
    and Japanese without spaces (雷军 AND 小米). Hits come newest first; --next CURSOR pages on.
    Takes the filters of `limelight export`."""
    import json

    import pyarrow as pa

    if reindex:
        n = api.reindex_search(project)
        click.echo(f"Indexed {n:,} documents for search.")
        return
    if list_saved:
        rows = [s.to_dict() for s in api.saved_searches(project)]
        table = pa.Table.from_pylist([{**r, "filters": json.dumps(r["filters"], ensure_ascii=False)} for r in rows],
                                     schema=pa.schema([("name", pa.string()), ("query", pa.string()),
                                                       ("filters", pa.string()), ("created_at", pa.string()),
                                                       ("last_seen_at", pa.string())]))
        write_table(table, fmt, sys.stdout, title="Saved searches", csv_raw=raw_csv, full=full)
        return
    if seen_name is not None:
        api.mark_saved_search_seen(seen_name, project)
        click.echo(f"Marked the saved search {terminal_safe(seen_name)} as seen.")
        return
    if delete_saved is not None:
        if not api.delete_saved_search(delete_saved, project):
            raise click.UsageError(f"no saved search named {delete_saved!r}")
        click.echo(f"Deleted the saved search {terminal_safe(delete_saved)}.")
        return
    if saved_name is not None:
        page = api.run_saved_search(saved_name, project, new_only=new_only, limit=limit, cursor=cursor,
                                    with_total=total)
    elif query is None:
        raise click.UsageError("give a QUERY (or --saved NAME, --list-saved, --reindex)")
    else:
        given = {k: v for k, v in filters.items() if v is not None}
        if save_as is not None:
            api.save_search(save_as, query, project, filters=given)
            click.echo(f"Saved the search {terminal_safe(save_as)}.", err=True)
        page = api.search(query, project, filters=given, limit=limit, cursor=cursor, with_total=total)
    meta = {"query": page.query, "next": page.next, "total": page.total, "candidates": page.candidates}
    counted = f", {page.total:,} in all" if page.total is not None else ""
    write_table(page.to_table(), fmt, sys.stdout, title=f"Search: {len(page.hits):,} hits{counted}",
                notes=page.notes, meta=meta, csv_raw=raw_csv, full=full)
    if page.next and fmt == "table":
        click.echo(f"Next page: --next {page.next}", err=True)


def _list_filter_params() -> list[click.Parameter]:
    """The list filter options of `limelight export` (entity, since, until, language, role, source,
    platform, kind, timezone): search takes the same."""
    from limelight.listing import FILTERS

    return [p for p in export_cmd.params if p.name in FILTERS]


search_cmd.params[2:2] = _list_filter_params()  # after QUERY and --project


@main.group("alerts", invoke_without_command=True)
@project_option
@click.option("--status", type=click.Choice(["open", "closed"]), default=None, help="Only open or closed incidents.")
@click.option("--entity", default=None, help="Only alerts about this entity id.")
@click.option("--since", default=None, help="Only alerts opened or updated since this day or time "
                                            "(YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC).")
@click.option("--limit", "-n", type=click.IntRange(1), default=None, help="At most this many (newest first).")
@format_options
@click.pass_context
def alerts_cmd(ctx: click.Context, project: Path, status: str | None, entity: str | None, since: str | None,
               limit: int | None, fmt: str, raw_csv: bool, full: bool) -> None:
    """List stored alerts, newest first: one per incident, with its version (bumped as it grows).

    `limelight alerts deliver` sends what is pending to the channels in limelight.toml [alerts]."""
    if ctx.invoked_subcommand is not None:
        return
    import json

    import pyarrow as pa

    found = api.alerts(project, status=status, entity=entity, since=since, limit=limit)
    rows = []
    for alert in found:
        ev = alert.evidence
        row = {"id": alert.id, "updated_at": alert.updated_at, "status": alert.status, "severity": alert.severity,
               "rule": alert.rule, "entity_id": alert.entity_id, "account": alert.account, "title": alert.title,
               "count": ev.count, "baseline": ev.baseline, "tone": ev.tone, "version": alert.version,
               "opened_at": alert.opened_at, "closed_at": alert.closed_at, "summary": alert.summary,
               "documents": [d.url or d.id for d in ev.documents]}
        if fmt != "table":  # the whole evidence where a program reads it
            row["evidence"] = json.dumps(ev.to_dict(), ensure_ascii=False)
        rows.append(row)
    schema = pa.schema([("id", pa.string()), ("updated_at", pa.timestamp("us", tz="UTC")), ("status", pa.string()),
                        ("severity", pa.string()), ("rule", pa.string()), ("entity_id", pa.string()),
                        ("account", pa.string()), ("title", pa.string()), ("count", pa.float64()),
                        ("baseline", pa.float64()), ("tone", pa.float64()), ("version", pa.int64()),
                        ("opened_at", pa.timestamp("us", tz="UTC")), ("closed_at", pa.timestamp("us", tz="UTC")),
                        ("summary", pa.string()), ("documents", pa.list_(pa.string())),
                        *([("evidence", pa.string())] if fmt != "table" else [])])
    write_table(pa.Table.from_pylist(rows, schema=schema), fmt, sys.stdout, title=f"Alerts: {len(rows):,}",
                csv_raw=raw_csv, full=full)


@alerts_cmd.command("evaluate")
@project_option
def alerts_evaluate(project: Path) -> None:
    """Run the [[alerts.rule]] rules of limelight.toml on the store now: one alert per incident,
    stored new, updated as it grows, closed when it is over (what each watch cycle does)."""
    result = api.evaluate_alerts(project)
    if not result.per_rule:
        click.echo("No alert rules: add [[alerts.rule]] tables to limelight.toml (docs/alerts.md).")
        return
    for name, n in result.per_rule.items():
        click.echo(f"{terminal_safe(name)}: {n:,} incident{'s' if n != 1 else ''}.")
    ch = result.changes
    click.echo(f"{len(ch.new):,} new, {len(ch.grown):,} changed, {ch.unchanged:,} unchanged, "
               f"{len(result.closed):,} closed (`limelight alerts` lists them).")


@alerts_cmd.command("deliver")
@project_option
@click.option("--channel", "only", multiple=True, metavar="NAME",
              help="Only this channel (a webhook's name, or email); repeat for several.")
@click.option("--wait", type=click.FloatRange(0), default=None,
              help="Seconds to stay and retry a failing channel (default: alerts.retry_wait).")
def alerts_deliver(project: Path, only: tuple[str, ...], wait: float | None) -> None:
    """Send each channel one digest of the alerts opened or grown since its last one (for cron).

    Exit status 1 when a channel is still failing (its retry is stored for the next run)."""
    results = api.deliver_alerts(project, only=list(only) or None, wait=wait)
    if not results:
        click.echo("No alert channels configured: add [[alerts.webhook]] or [alerts.email] to limelight.toml.")
        return
    failing = False
    for r in results:
        name = terminal_safe(r.channel)
        if r.status == "nothing":
            click.echo(f"{name}: nothing new to deliver.")
            continue
        what = f"{r.alerts:,} alerts ({r.new:,} new, {r.updated:,} updated)"
        tried = f"after {r.attempts:,} attempt{'s' if r.attempts != 1 else ''}"
        if r.status == "delivered":
            click.echo(f"{name}: delivered {what} in one digest {tried}.")
            continue
        failing = True
        error = terminal_safe(r.error or "")
        when = r.next_attempt_at.strftime("%Y-%m-%d %H:%M:%S UTC") if r.next_attempt_at else ""
        if r.status == "waiting":
            click.echo(f"{name}: {what} wait for a retry at {when}.", err=True)
        elif r.status == "retrying":
            click.echo(f"{name}: {what} not delivered {tried} ({error}); the next run retries at {when}.", err=True)
        else:
            click.echo(f"{name}: gave up on {what} {tried} ({error}).", err=True)
    sys.exit(1 if failing else 0)


@main.group()
def tone() -> None:
    """Tone scorers: train the embedding classifier, score texts."""


@tone.command("train")
@click.argument("csv_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@project_option
def tone_train(csv_file: Path, project: Path) -> None:
    """Train the `embedding` scorer's classifier on a CSV (text,label[,language]) into the project."""
    from limelight.tone.train import train_project

    res = train_project(csv_file, project)
    labels = ", ".join(f"{k} {v:,}" for k, v in sorted(res.labels.items()))
    click.echo(f"Trained on {res.rows:,} rows ({labels}); training accuracy {res.train_accuracy:.3f}.")
    click.echo(f"Saved {res.path}; the embedding scorer uses it from the next ingest on.")


@tone.command("apply")
@project_option
@click.option("--all-documents", is_flag=True, help="Also score documents that mention no watched entity.")
@engine_options
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def tone_apply(project: Path, all_documents: bool, engine: str, scheduler: str | None, quiet: bool) -> None:
    """Score tone for stored mentions and documents that have none yet (resumable, idempotent:
    stopped with Ctrl-C, the next run scores only what is still without tone)."""
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    started = time.monotonic()
    with Progress(TextColumn("Scoring tone"), BarColumn(), MofNCompleteColumn(), TextColumn("documents"),
                  TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), disable=quiet, transient=True) as progress:
        task = progress.add_task("tone", total=None, rate="")

        def on_progress(done: int, total: int, texts: int) -> None:
            per_s = texts / max(time.monotonic() - started, 1e-6)
            progress.update(task, completed=done, total=total, rate=f"{per_s:,.0f} texts/s")

        def on_dashboard(address: str) -> None:
            if address:
                progress.console.print(f"Dask dashboard: {terminal_safe(address)}")

        summary = api.apply_tone(project, all_documents=all_documents, on_progress=on_progress, engine=engine,
                                 scheduler=scheduler, on_dashboard=on_dashboard)
    click.echo(f"Scored tone for {summary.mentions:,} mentions and {summary.documents:,} documents.")
    if summary.failed_batches:
        click.echo(f"{summary.failed_batches:,} batches failed on the cluster and stay without tone; "
                   "run it again to score them (see the log).", err=True)


@tone.command("score")
@click.argument("texts", nargs=-1, required=True)
@click.option("--language", "-l", required=True, help="ISO 639-1 code of the texts, e.g. de.")
@click.option("--scorer", "-s", default=None, help="Scorer name (default: the language's default, docs/tone.md).")
@format_options
def tone_score(texts: tuple[str, ...], language: str, scorer: str | None, fmt: str, raw_csv: bool,
               full: bool) -> None:
    """Print the tone (-1..1) and label of each text."""
    import pyarrow as pa

    from limelight.enrich.tone import score_texts

    results = score_texts(texts, language, scorer)
    table = pa.Table.from_pylist([{"text": t, "tone": r[0], "label": r[1]}
                                  for t, r in zip(texts, results, strict=True)])
    write_table(table, fmt, sys.stdout, csv_raw=raw_csv, full=full)


@main.command()
@project_option
@click.option("--only", multiple=True, help="Run only these linkers (see `limelight plugins`).")
@click.option("--full", is_flag=True,
              help="Recompute every link and story from nothing (default: only what is new since the last run).")
@engine_options
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def link(project: Path, only: tuple[str, ...], full: bool, engine: str, scheduler: str | None, quiet: bool) -> None:
    """Link stored documents: duplicates, syndication, translations, story clusters, copied posts."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  disable=quiet, transient=True, console=None) as progress:
        task = progress.add_task("Linking…", total=None)

        def on_progress(stage: str, done: int, total: int) -> None:
            progress.update(task, description=terminal_safe(stage), completed=done, total=total)

        summary = api.link(project, only=list(only) or None, full=full, on_progress=on_progress, engine=engine,
                           scheduler=scheduler)
    parts = ", ".join(f"{name} {n:,}" for name, n in summary.links.items())
    click.echo(f"Linked in {summary.seconds:.1f} s: {summary.new_links:,} new links ({parts}); "
               f"{summary.stories:,} stories, {summary.multi_document_stories:,} with more than one document; "
               f"{summary.embeddings:,} embeddings stored.")
    if summary.by_kind:
        click.echo("Links in the store: " + ", ".join(f"{terminal_safe(k)} {n:,}" for k, n in summary.by_kind.items())
                   + ".")
    click.echo(f"Next: limelight analyze stories --project {project}, limelight analyze copied_posts")


@main.command("eval")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Labelled data folder (default: ../shared/data or $LIMELIGHT_DATA).")
@click.option("--only", multiple=True,
              help="Run only these stages (extraction, language, entities, tone, stories, changepoints, storms).")
@click.option("--pin", is_flag=True,
              help="Rewrite floors.json: each floor at the lower end of its row's 95% interval from this run "
                   "(prints every floor that moves down).")
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Embed the eval sets afresh, reading and writing no embedding cache.")
@format_option
def eval_cmd(data: Path | None, only: tuple[str, ...], pin: bool, no_cache: bool, fmt: str) -> None:
    """Score each heuristic stage on real labelled data; fail when a score drops below its floor."""
    from limelight.eval.runner import run_eval

    sys.exit(run_eval(data, list(only), fmt, pin=pin, use_cache=not no_cache))


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-project"))
@click.option("--workers", "-w", type=int, default=None)
def demo(directory: Path, workers: int | None) -> None:
    """Create a project with the synthetic sample, ingest it, score tone, link stories and print
    the reports that tell the sample's story (fictional company and people)."""
    proj = api.open_project(directory) if (directory / "limelight.toml").exists() else api.init(directory, sample=True)
    click.echo(f"Project: {proj.root} (synthetic sample: fictional company and people)")
    sample = proj.root / "sample"
    # The sample's sitemap lists pages on .example hosts, which only an online run could fetch.
    targets = [str(sample / "articles"), str(sample / "social"), *map(str, sorted(sample.glob("feeds/*.*.xml")))]
    # The pipeline as one library step (ingest → tone → link), as the watcher runs it.
    updated = api.update(targets, proj, workers=workers, fetch=False, on_error=_print_error)
    result, tone, linked = updated.ingest, updated.tone, updated.link
    assert tone is not None and linked is not None  # both asked for
    s = result.stats
    click.echo(f"Ingested {s.items:,} items: {s.new:,} new, {s.known:,} known, {s.failed:,} failed, "
               f"{s.mentions:,} mentions → {proj.store_path}")
    click.echo(f"Tone scored for {tone.mentions:,} mentions and {tone.documents:,} documents.")
    click.echo(f"Linked: {', '.join(f'{n:,} {terminal_safe(k)}' for k, n in sorted(linked.by_kind.items()))}; "
               f"{linked.multi_document_stories:,} multi-document stories.")
    ids = {e.id for e in proj.watchlist.entities}
    reports: list[tuple[str, str, dict[str, Any]]] = [
        ("visibility", "Who is on stage: the founder vs the president, by month",
         {"by": "month", "entity": "han-zhiyuan"}),
        ("visibility", "", {"by": "month", "entity": "bai-ming"}),
        ("tone", "How coverage of the founder feels, by month", {"by": "month", "entity": "han-zhiyuan"}),
        ("storms", "Media storms around the car segment", {"entity": "kestrel-auto"}),
        ("spillover", "Does the car controversy spill over onto the phones? (weeks)",
         {"a": "kestrel-auto", "b": "kestrel-phones", "by": "week", "max_lag": 8}),
        ("withdrawal", "The founder's own channels", {"entity": "han-zhiyuan"}),
        ("copied_posts", "Posts that copy official releases", {"by": "month"}),
        ("stories", "Stories told in several languages", {}),
    ]
    for name, title, options in reports:
        if any(k in ("entity", "a", "b") and v not in ids for k, v in options.items()):
            continue
        res = api.analyze(name, proj, **options)
        table = res.table.drop_columns([c for c in res.table.column_names if "evidence" in c])
        if name == "spillover":  # the summary rows, and of the lag-by-lag correlations the strongest
            table = table.filter(pc.or_(pc.not_equal(table["measure"], "cross_correlation"),
                                        pc.is_valid(table["p_value"])))
        write_table(table.slice(0, 12), "table", sys.stdout, title=title or None, notes=res.notes)
    click.echo(f"Next: limelight analyze --help; limelight report visibility --project {directory} --by week")
    sys.exit(result.exit_status)


if __name__ == "__main__":
    main()
