"""`limelight link`: run every registered linker over the project's store, in registration order.

The built-in order matters and is the order of :data:`limelight.registry.DEFAULT_PLUGINS`:
duplicates → translations → stories (which reads the links of both) → copied posts. Third-party
linkers run after them. Every step is idempotent: a second run finds the same links, writes none,
and rewrites the same stories.

Progress goes to ``on_progress(stage, done, total)``: each linker as it starts and ends (``done`` of
``total`` linkers), and inside the built-in ones the long steps (embedding, sentence alignment,
clustering) through :func:`limelight.link.base.report`.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from limelight.link.base import ProgressFn, report, reporting
from limelight.project import Project
from limelight.registry import registry


@dataclass(frozen=True)
class LinkSummary:
    run_id: str
    links: dict[str, int]  # linker name → links it added in this run
    embeddings: int  # vectors stored in total for the project's model
    stories: int  # story clusters (of any size)
    multi_document_stories: int  # clusters with two documents or more
    seconds: float
    by_kind: dict[str, int] = field(default_factory=dict)  # links in the store per kind, after the run

    @property
    def new_links(self) -> int:
        return sum(self.links.values())


def link_corpus(project: Project | Path | str = ".", *, only: list[str] | None = None,
                on_progress: ProgressFn | None = None) -> LinkSummary:
    """Run the linkers (all, or the names in ``only``) and summarise what the store holds after.
    ``on_progress(stage, done, total)`` is called as they work (see the module docstring)."""
    proj = project if isinstance(project, Project) else Project.open(project)
    t0 = time.perf_counter()
    run_id = f"link-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    store = proj.open_store()
    try:
        written: dict[str, int] = {}
        linkers = [x for x in registry.all("linker") if not only or x.name in only]
        with reporting(on_progress):
            for done, linker in enumerate(linkers):
                report(f"linker {linker.name}", done, len(linkers))
                written[linker.name] = int(linker.run(store, proj.settings, proj.watchlist, run_id))
                report(f"linker {linker.name}", done + 1, len(linkers))
        by_kind = {r["kind"]: int(r["n"]) for r in store.query(
            "SELECT kind, count(*) AS n FROM links GROUP BY kind ORDER BY kind").to_pylist()}
        n_emb = int(store.query("SELECT count(*) AS n FROM embeddings").column("n")[0].as_py())
        sizes = store.query("SELECT story_id, count(*) AS n FROM stories GROUP BY story_id").column("n").to_pylist()
    finally:
        store.close()
    return LinkSummary(run_id=run_id, links=written, embeddings=n_emb, stories=len(sizes),
                       multi_document_stories=sum(1 for n in sizes if n > 1),
                       seconds=time.perf_counter() - t0, by_kind=by_kind)
