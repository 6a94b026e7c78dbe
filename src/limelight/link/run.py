"""`limelight link`: run every registered linker over an open store, in registration order.

The built-in order matters and is the order of :data:`limelight.registry.DEFAULT_PLUGINS`:
duplicates → translations → stories (which reads the links of both) → copied posts. Third-party
linkers run after them.

Every built-in linker works incrementally (:mod:`limelight.link.state`): it considers the documents
no earlier run processed, compares them with the whole corpus through what it stored about the old
ones (MinHash bands, similar pairs, word counts), and changes only the links and story clusters they
touch. The result is the one a run over the whole corpus from nothing gives (``tests/
test_link_incremental.py``); a second run with nothing new reads a few counts and writes nothing.
``full=True`` makes the chosen linkers forget what they stored and start from nothing.

Progress goes to ``on_progress(stage, done, total)``: each linker as it starts and ends (``done`` of
``total`` linkers), and inside the built-in ones the long steps (embedding, sentence alignment,
clustering) through :func:`limelight.link.base.report`.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from limelight.link.base import ProgressFn, report, reporting
from limelight.registry import registry
from limelight.settings import Settings
from limelight.store.base import Store
from limelight.watchlist import Watchlist


@dataclass(frozen=True)
class LinkSummary:
    run_id: str
    links: dict[str, int]  # linker name → links it added in this run
    embeddings: int  # vectors stored in total
    stories: int  # story clusters (of any size)
    multi_document_stories: int  # clusters with two documents or more
    seconds: float
    by_kind: dict[str, int] = field(default_factory=dict)  # links in the store per kind, after the run

    @property
    def new_links(self) -> int:
        return sum(self.links.values())


def link_store(store: Store, settings: Settings, watchlist: Watchlist, *, only: list[str] | None = None,
               full: bool = False, on_progress: ProgressFn | None = None) -> LinkSummary:
    """Run the linkers (all, or the names in ``only``) on an open store and summarise what it holds
    after. Each works on what is new since its last run; ``full`` recomputes theirs from nothing.
    ``on_progress(stage, done, total)`` is called as they work (see the module docstring)."""
    from limelight.link.state import forget

    t0 = time.perf_counter()
    run_id = f"link-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    written: dict[str, int] = {}
    linkers = [x for x in registry.all("linker") if not only or x.name in only]
    with reporting(on_progress):
        for done, linker in enumerate(linkers):
            report(f"linker {linker.name}", done, len(linkers))
            if full:
                forget(store, linker.name)
            written[linker.name] = int(linker.run(store, settings, watchlist, run_id))
            report(f"linker {linker.name}", done + 1, len(linkers))
    by_kind = {str(r["kind"]): int(r["n"]) for r in store.read("link.links_by_kind").to_pylist()}
    counts = store.read("link.summary").to_pylist()[0]
    return LinkSummary(run_id=run_id, links=written, embeddings=int(counts["embeddings"]),
                       stories=int(counts["stories"]), multi_document_stories=int(counts["multi_document_stories"]),
                       seconds=time.perf_counter() - t0, by_kind=by_kind)
