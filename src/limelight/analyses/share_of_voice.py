"""Share of voice inside an organisation's family and against its competitors, per article and per story.

For each focal organisation (``entity``, default: every entity with children or competitors) two
groups are compared per period:

- ``children``: the organisation's children in the watchlist (its CEO, segments, products);
- ``competitors``: the organisation itself and its ``competitors``.

Each member gets its number of *articles* (documents mentioning it) and of *unique stories*: a
republished or translated story counts once. A document's story is its ``stories`` cluster when the
link stage made one, else the original its attribution line points at (the ``attributions`` view),
else the document itself. Shares divide a member's count by the sum over the group's members in the
period, so they add up to 1 within a group (a document that names two members counts for both).
Periods are days, ISO weeks or months in the report's time zone; the shared scope options narrow
the documents every count (and so every share's denominator) is made of.
"""

from __future__ import annotations

from typing import Any

from limelight.analyses.base import SCOPE_OPTIONS, AnalysisResult, Option, Scope, evidence_option
from limelight.registry import Registry, check_store
from limelight.store.base import Store
from limelight.timeseries.series import resolve
from limelight.watchlist import Watchlist

PERIODS = ("day", "week", "month")


class ShareOfVoice:
    name = "share_of_voice"
    version = "1"
    title = "Share of voice: family and competitors"
    description = (
        "Per period, each child's share of an organisation's family coverage and each competitor's "
        "share against the organisation, counted per article and per unique story (republications "
        "and translations count once)."
    )
    requires: tuple[str, ...] = ("documents", "mentions", "stories", "attributions", "sources")
    provides: tuple[str, ...] = ("share_of_voice",)
    reads: tuple[str, ...] = ("share_of_voice.shares",)
    options: tuple[Option, ...] = (
        Option("entity", None, "The organisation (default: every entity with children or competitors)."),
        Option("by", "week", "Period length.", PERIODS),
        evidence_option(),
        *SCOPE_OPTIONS,
    )

    def run(self, store: Store, watchlist: Watchlist, **options: Any) -> AnalysisResult:
        opts = resolve(self.name, self.options, options, ints=("evidence_limit",))
        scope = Scope.from_options(self.name, opts)
        check_store(self, store)
        focal = [watchlist.get(opts["entity"])] if opts["entity"] else [
            e for e in watchlist.entities if e.competitors or watchlist.children(e.id)]
        known = {e.id for e in watchlist.entities}
        rows: list[tuple[str, str, str]] = []
        notes: list[str] = []
        for org in focal:
            for child in watchlist.children(org.id):
                rows.append((org.id, "children", child.id))
            missing = [c for c in org.competitors if c not in known]
            if missing:
                notes.append(f"{org.id}: competitors not in the watchlist were left out: {', '.join(missing)}")
            rivals = [c for c in org.competitors if c in known]
            if rivals:
                for member in (org.id, *rivals):
                    rows.append((org.id, "competitors", member))
        if not rows:
            notes.append("no organisation with children or competitors in the watchlist")
        table = store.read("share_of_voice.shares", focal=[r[0] for r in rows], groups=[r[1] for r in rows],
                           members=[r[2] for r in rows], by=opts["by"], evidence_limit=opts["evidence_limit"],
                           scope=scope)
        return AnalysisResult(self.name, table, opts, tuple(notes))


def register(registry: Registry) -> None:
    registry.register("analysis", ShareOfVoice())
