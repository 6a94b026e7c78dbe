"""The whole pipeline as one step: ingest → tone → link, on an open store.

``limelight demo``, the coming watcher and the tests bring a project up to date with this one
function rather than each repeating the sequence. Every stage after ingest works on what is new:
tone scores only mentions and documents without tone, link considers only documents no earlier
link run processed. The store is the caller's (:func:`limelight.api.update` opens it), so a
long-running owner (``limelight serve --watch``) keeps one store open across cycles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from limelight.link.run import LinkSummary, link_store
from limelight.models import ItemError
from limelight.pipeline import IngestResult, IngestStats, ingest
from limelight.project import Project
from limelight.store.base import Store
from limelight.tone.apply import ToneSummary, score_store


@dataclass(frozen=True)
class UpdateResult:
    ingest: IngestResult
    tone: ToneSummary | None  # None: tone was not asked for
    link: LinkSummary | None  # None: link was not asked for

    @property
    def exit_status(self) -> int:
        return self.ingest.exit_status


def update(
    store: Store,
    project: Project,
    targets: Sequence[str],
    *,
    tone: bool = True,
    link: bool = True,
    workers: int | None = None,
    fetch: bool = True,
    on_error: Callable[[ItemError], None] | None = None,
    on_progress: Callable[[IngestStats], None] | None = None,
    on_stage: Callable[[str, int, int], None] | None = None,
    **ingest_options: Any,
) -> UpdateResult:
    """Ingest ``targets`` into ``store``, then score tone and link what the ingest added.

    ``on_stage(stage, done, total)`` reports the watchlist re-match, tone (``"tone"``) and the
    linkers as they work; ``ingest_options`` are :func:`limelight.pipeline.ingest`'s (mapping,
    source, account, reprocess)."""
    result = ingest(store, project, targets, workers=workers, fetch=fetch, on_error=on_error,
                    on_progress=on_progress, on_stage=on_stage, **ingest_options)
    toned = None
    if tone:
        def tone_progress(done: int, total: int, _texts: int) -> None:
            if on_stage:
                on_stage("tone", done, total)

        toned = score_store(store, project.settings, project.watchlist, project.root, on_progress=tone_progress)
    linked = link_store(store, project.settings, project.watchlist, on_progress=on_stage) if link else None
    return UpdateResult(result, toned, linked)
