"""Targets (files, folders, globs, URLs) → Inputs → the best source for each → raw items.

Every source is asked how well it can read an input (``sniff``, looking at the name and the first
bytes only); the highest score above zero wins. ``Input.options["source"]`` names a source and
skips the sniffing. Nothing here raises for a bad input: each problem becomes one ItemError with a
next step, and the run goes on with the rest.

Size caps: ``ingest.max_bytes`` applies to inputs that are read into memory whole (pages, dumps,
feeds), counted after decompression. Sources marked ``streams = True`` (WARC, NDJSON, CSV, tweet
logs) read record by record, so a multi-gigabyte export is fine for them; each record is capped by
``ingest.max_record_bytes`` and a gzip stream by its expansion ratio (``MAX_GZIP_RATIO``).
"""

from __future__ import annotations

import glob
import gzip
import os
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from limelight.errors import ItemFailed, LimelightError
from limelight.models import ItemError
from limelight.registry import Registry
from limelight.registry import registry as default_registry
from limelight.sources.base import Fetcher, FetchError, FetchResult, Input, SourceContext, SourceItem, Validators

_GLOB_CHARS = set("*?[")


def is_url(target: str) -> bool:
    return target.lower().startswith(("http://", "https://"))


# Files a folder walk passes over: notes, configuration and databases that sit beside the data
# (a project folder, a sample's README). Named explicitly, they are still read or reported.
SKIPPED_IN_FOLDERS = (".md", ".toml", ".duckdb", ".wal", ".log", ".lock", ".py", ".pyc")


def _walk(folder: Path) -> Iterator[Path]:
    """Files under a folder, sorted, skipping hidden files and folders (.git, .DS_Store) and
    notes/config files (:data:`SKIPPED_IN_FOLDERS`)."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and not name.lower().endswith(SKIPPED_IN_FOLDERS):
                yield Path(root) / name


def expand_targets(
    targets: Sequence[str],
    fetch: Fetcher | None = None,
    options: Mapping[str, str] | None = None,
    *,
    validators: Mapping[str, Validators] | None = None,
    on_target: Callable[[str, FetchResult | None, str | None], None] | None = None,
) -> Iterator[Input | ItemError]:
    """Expand paths, folders (recursively), globs and http(s) URLs into Inputs.

    URLs are fetched here through ``fetch``; without one they become an ItemError.
    ``options`` are copied onto every Input (e.g. ``{"mapping": "NAME"}`` from the CLI).
    ``validators`` and ``on_target``: the watcher's conditional GET (:class:`SourceContext`).
    """
    opts = dict(options or {})
    for target in targets:
        if is_url(target):
            if fetch is None:
                yield ItemError(
                    target,
                    "source",
                    "cannot fetch URLs while offline",
                    "run without --offline, or save the page and pass the file",
                )
                continue
            known = validators.get(target) if validators is not None else None
            conditional = getattr(fetch, "conditional", None)
            try:
                res = conditional(target, *known) if known is not None and conditional is not None else fetch(target)
            except FetchError as exc:
                if on_target is not None:
                    on_target(target, None, exc.message)
                yield ItemError(target, "source", exc.message, exc.hint)
                continue
            if on_target is not None:
                on_target(target, res, None)
            if res.status == 304:  # not modified since the last poll: nothing new to read
                continue
            yield Input(
                origin=target,
                url=res.url,
                content=res.content,
                content_type=res.content_type,
                options={"fetched_at": datetime.now(UTC).isoformat(), **opts},
            )
            continue
        path = Path(target).expanduser()
        if path.is_dir():
            for file in _walk(path):
                yield Input(origin=str(file), path=file, options=dict(opts))
        elif path.is_file():
            yield Input(origin=str(path), path=path, options=dict(opts))
        elif _GLOB_CHARS & set(target):
            matches = sorted(glob.glob(os.path.expanduser(target), recursive=True))
            files = [Path(m) for m in matches if Path(m).is_file() and not Path(m).name.startswith(".")]
            if not files:
                yield ItemError(
                    target, "source", "the pattern matches no files", "check the pattern and folder"
                )
            for file in files:
                yield Input(origin=str(file), path=file, options=dict(opts))
        else:
            yield ItemError(
                target, "source", "no such file or folder", "check the path (relative to where you run)"
            )


def choose_source(inp: Input, sources: Sequence[Any]) -> tuple[Any | None, float]:
    best, best_score = None, 0.0
    for src in sources:
        try:
            score = float(src.sniff(inp))
        except Exception:  # a broken sniff must not hide the other sources
            continue
        if score > best_score:
            best, best_score = src, score
    return best, best_score


def _size(inp: Input) -> int:
    if inp.content is not None:
        return len(inp.content)
    assert inp.path is not None
    return inp.path.stat().st_size


def read_input(inp: Input, ctx: SourceContext, registry: Registry = default_registry) -> Iterator[SourceItem]:
    """Read one Input with the best source, turning every failure into an ItemError."""
    try:
        size = _size(inp)
    except OSError as exc:
        yield ItemError(inp.origin, "source", f"cannot read: {exc.strerror or exc}", "check the permissions")
        return
    if size == 0:
        yield ItemError(inp.origin, "source", "empty file", "nothing to ingest; check the export or download")
        return
    forced = inp.options.get("source")
    if forced:
        try:
            source = registry.get("source", forced)
        except LimelightError as exc:
            yield ItemError(inp.origin, "source", exc.message, exc.hint)
            return
    else:
        source, _ = choose_source(inp, registry.all("source"))
        if source is None:
            yield ItemError(
                inp.origin,
                "source",
                f"no source can read this ({_describe(inp)})",
                "limelight reads HTML, text dumps, RSS/Atom, sitemaps, WARC, NDJSON and CSV; "
                "for other CSV/JSONL add a [mappings.NAME] table, or pass --source NAME",
            )
            return
    cap = int(ctx.settings["ingest.max_bytes"])
    if size > cap and not getattr(source, "streams", False):
        yield ItemError(
            inp.origin,
            "source",
            f"file is {size:,} bytes, over the cap of {cap:,}",
            "raise ingest.max_bytes in limelight.toml to accept it",
        )
        return
    if not getattr(source, "streams", False):
        inp.max_bytes = cap  # counted after decompression (Input.data)
    try:
        yield from source.read(inp, ctx)
    except ItemFailed as exc:
        yield ItemError(inp.origin, "source", exc.message, exc.hint)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        yield ItemError(
            inp.origin,
            "source",
            f"truncated or corrupt compressed data ({exc})",
            "re-download the file or check that the copy finished",
        )
    except Exception as exc:  # one broken input or plugin must not stop the run
        yield ItemError(
            inp.origin,
            "source",
            f"{source.name} failed: {type(exc).__name__}: {exc}",
            "the rest of this input was skipped; if the file looks fine, please report this",
        )


def _describe(inp: Input) -> str:
    try:
        head = inp.head(512)
    except (OSError, EOFError, zlib.error):
        return "truncated or corrupt gzip data"
    kind = (
        "binary data"
        if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))
        else "unknown format"
    )
    ext = Path(inp.name).suffix or "no extension"
    return f"{kind}, {ext}"


def read_all(
    targets: Sequence[str],
    ctx: SourceContext,
    registry: Registry = default_registry,
    options: Mapping[str, str] | None = None,
    *,
    mapping: str | None = None,
    source: str | None = None,
    on_input: Callable[[Input], None] | None = None,
    skip: Callable[[Input], bool] | None = None,
) -> Iterator[SourceItem]:
    """Every raw item, document and error from all targets, in order.

    ``mapping`` (``--mapping NAME``) and ``source`` (``--source NAME``) are shorthands for the
    ``"mapping"`` and ``"source"`` entries of ``options``, which every Input carries. An Input for
    which ``skip`` says True is not read (the watcher's unchanged files: pipeline.FileLedger).
    """
    opts = dict(options or {})
    if mapping:
        opts["mapping"] = mapping
    if source:
        opts["source"] = source
    for inp in expand_targets(targets, ctx.fetch, opts, validators=ctx.validators, on_target=ctx.on_target):
        if isinstance(inp, ItemError):
            yield inp
        elif skip is None or not skip(inp):
            if on_input is not None:  # e.g. ingest --reprocess: which files were read again
                on_input(inp)
            yield from read_input(inp, ctx, registry)
