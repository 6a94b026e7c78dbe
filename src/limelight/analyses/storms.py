"""Media storms: bursts in an entity's coverage, and in the negative share of it, with their stories.

Per watched entity (people, organisations, segments, products alike) the analysis counts, per day
in the report's time zone, the documents that mention it and those where a mention is negative. Its
coverage is what others publish about it: posts from the entity's own watchlist ``accounts`` are
left out of its counts (a politician's own tweets are his voice, not a storm about him) unless
``own_posts`` is set. The shared scope options narrow every count, the daily totals included, so
``--kind article`` compares articles with articles. Two signals are tested with
:func:`limelight.timeseries.detect_storms` (unusual *and sustained*, at the ``sensitivity`` chosen;
bursts within ``cooldown`` days are one storm; each storm has a ``severity`` and a ``level``; days
the collection itself had a gap are marked, ``gap_days``, and neither start nor end a storm):

- ``volume``: the entity's documents ÷ all documents in scope that day, against the entity's own
  trailing median of that share. Dividing by the corpus total is what keeps a collection gap or a
  newly added source from reading as a storm (every entity rises with the corpus; none stands out).
- ``negative_share``: the entity's negative documents ÷ its documents with a tone, against its own
  usual negative share. Left out, with a note, when no mention has a tone yet.

Peaks are weighed by volume: ``peak`` is the day with the most documents above the expected count,
and ``peak_negative_share`` the highest daily negative share among the storm's days with at least
``min_documents`` scored documents (the storm's pooled share when no day has that many), so one
negative piece on a quiet Sunday is not the peak.

Each storm lists the stories that drive it: documents in the window ranked by how prominently they
mention the entity (visibility's role weights), folded into their ``stories`` cluster when the link
stage made one, so twenty republications of one wire story count once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa

from limelight.analyses.base import SCOPE_OPTIONS, AnalysisResult, Option, Scope, evidence_option
from limelight.analyses.visibility import ROLE_WEIGHTS
from limelight.errors import UsageError
from limelight.registry import Registry, check_store
from limelight.store.base import Store
from limelight.timeseries.series import day_range, dense, resolve
from limelight.timeseries.storms import SENSITIVITY, Storm, collection_gaps, detect_storms
from limelight.watchlist import Watchlist

SCHEMA = pa.schema([
    ("entity_id", pa.string()), ("entity_name", pa.string()), ("signal", pa.string()),
    ("onset", pa.date32()), ("peak", pa.date32()), ("end", pa.date32()), ("days", pa.int32()),
    ("documents", pa.int64()), ("expected", pa.float64()), ("excess", pa.float64()),
    ("peak_z", pa.float64()), ("peak_negative_share", pa.float64()),  # see the module doc
    ("severity", pa.float64()), ("level", pa.string()), ("gap_days", pa.int32()),
    ("top_stories", pa.list_(pa.string())), ("story_documents", pa.list_(pa.int64())),
    ("evidence", pa.list_(pa.string())),
])


class Storms:
    name = "storms"
    version = "4"  # 4: one set of merged candidates, accepted by severity or by lift (3: onsets at the waves)
    title = "Media storms"
    description = (
        "Bursts in each entity's share of all coverage in scope (volume) and in its negative share, against "
        "the entity's own trailing baseline: onset, peak, end, size, peak negative share and the "
        "stories that drive each storm (story clusters counted once). Posts from the entity's own "
        "accounts are not its coverage."
    )
    requires: tuple[str, ...] = ("documents", "mentions", "stories", "sources")
    provides: tuple[str, ...] = ("storms",)
    reads: tuple[str, ...] = ("storms.corpus_days", "storms.entity_days", "storms.stories")
    options: tuple[Option, ...] = (
        Option("entity", None, "Only this entity id (default: every watched entity)."),
        Option("window", 28, "Days of history the baseline is the median of.", min=7, max=3660),
        Option("sensitivity", "balanced",
               "How unusual and sustained a burst must be to be a storm: fewer (only big, lasting ones), "
               "balanced, or more (one-day spikes too).", choices=tuple(SENSITIVITY)),
        Option("cooldown", 7, "Quiet days inside a storm that do not end it: bursts closer than this are one "
               "storm that grows.", min=0, max=90),
        Option("z_on", None, "Expert: pooled z at which a storm starts (default: from sensitivity).", min=0.5, max=100),
        Option("z_off", None, "Expert: daily z that keeps a storm going (default 2; at most z_on).", min=0, max=100),
        Option("min_documents", 3, "Fewest scored documents on a day for it to be the peak negative share.",
               min=1, max=1_000_000),
        Option("own_posts", False, "Count posts from the entity's own watchlist accounts as its coverage."),
        evidence_option(5, "stories listed per storm"),
        *SCOPE_OPTIONS,
    )

    def run(self, store: Store, watchlist: Watchlist, **options: Any) -> AnalysisResult:
        opts = resolve(self.name, self.options, options,
                       floats=tuple(n for n in ("z_on", "z_off") if options.get(n) is not None),
                       ints=("window", "cooldown", "min_documents", "evidence_limit"))
        if opts["z_on"] is not None and opts["z_off"] is not None and opts["z_off"] > opts["z_on"]:
            raise UsageError(f"storms: z_off ({opts['z_off']:g}) must not be above z_on ({opts['z_on']:g})")
        scope = Scope.from_options(self.name, opts)
        check_store(self, store)
        selected = [watchlist.get(opts["entity"])] if opts["entity"] else list(watchlist.entities)
        corpus = store.read("storms.corpus_days", scope=scope)
        if corpus.num_rows == 0 or not selected:
            return AnalysisResult(self.name, SCHEMA.empty_table(), opts,
                                  ("no dated documents in the store"
                                   + (" in this scope" if scope.narrowed else ""),))
        days_seen: list[date] = corpus.column("day").to_pylist()
        days = day_range(min(days_seen), max(days_seen))
        by_day = corpus.group_by("day").aggregate([("n", "sum")])
        totals = dense(days, by_day, "day", "n_sum")
        gaps = collection_gaps(totals)
        th = SENSITIVITY[opts["sensitivity"]]
        if opts["z_on"] is not None:
            th = replace(th, z_start=opts["z_on"])
        own = [] if opts["own_posts"] else [(e.id, a.platform.lower(), a.handle.lower())
                                            for e in selected for a in e.accounts]
        per_entity = store.read("storms.entity_days", entities=[e.id for e in selected], own=own, scope=scope)
        any_tone = bool(per_entity.num_rows) and int(pa.compute.sum(per_entity.column("scored")).as_py() or 0) > 0

        found: list[dict[str, Any]] = []
        own_left_out: dict[str, int] = {}
        for entity in selected:
            rows = per_entity.filter(pa.compute.equal(per_entity.column("entity_id"), entity.id))
            if rows.num_rows == 0:
                continue
            docs = dense(days, rows, "day", "docs")
            neg = dense(days, rows, "day", "negative")
            scored = dense(days, rows, "day", "scored")
            own_left_out[entity.id] = int(pa.compute.sum(rows.column("own")).as_py() or 0)
            kw: dict[str, Any] = dict(thresholds=th, window=opts["window"], cooldown=opts["cooldown"], gaps=gaps)
            if opts["z_off"] is not None:
                kw["z_off"] = opts["z_off"]
            signals: list[tuple[str, list[Storm]]] = [("volume", detect_storms(docs, totals, **kw))]
            if any_tone:
                signals.append(("negative_share", detect_storms(neg, scored, **kw)))
            for signal, storms in signals:
                for b in storms:
                    window = slice(b.onset, b.end + 1)
                    peak_neg = peak_share(neg[window], scored[window], opts["min_documents"]) if any_tone else None
                    found.append({
                        "entity_id": entity.id, "entity_name": entity.name, "signal": signal,
                        "onset": days[b.onset], "peak": days[b.peak], "end": days[b.end],
                        "days": b.end - b.onset + 1, "documents": int(docs[window].sum()),
                        "expected": b.expected if signal == "volume" else None,
                        "excess": b.excess, "peak_z": b.peak_z, "peak_negative_share": peak_neg,
                        "severity": b.severity, "level": b.level, "gap_days": b.gap_days,
                    })
        stories: dict[int, dict[str, Any]] = {}
        if found:
            table = store.read(
                "storms.stories", storms=list(range(len(found))), entities=[f["entity_id"] for f in found],
                onsets=[f["onset"] for f in found], ends=[f["end"] for f in found], weights=ROLE_WEIGHTS,
                own=own, evidence_limit=opts["evidence_limit"], scope=scope)
            stories = {r["storm"]: r for r in table.to_pylist()}
        for i, f in enumerate(found):
            s = stories.get(i, {})
            f["top_stories"] = s.get("top_stories", [])
            f["story_documents"] = s.get("story_documents", [])
            f["evidence"] = s.get("evidence", [])
        found.sort(key=lambda f: (f["onset"], f["entity_id"], f["signal"]))
        notes: list[str] = []
        kinds = sorted(set(corpus.column("kind").to_pylist()))
        if len(kinds) > 1:
            notes.append(f"coverage and the daily totals count every kind of document ({', '.join(kinds)}); "
                         "--kind article counts the press only")
        for entity_id, n_own in own_left_out.items():
            if n_own:
                notes.append(f"{n_own:,} document{'s' if n_own != 1 else ''} from {entity_id}'s own accounts "
                             f"{'are' if n_own != 1 else 'is'} not counted as its coverage (--own-posts to count them)")
        if not any_tone:
            notes.append("no mention has a tone yet (run `limelight tone apply`): volume storms only")
        n_gaps = int(gaps.sum())
        if n_gaps:
            notes.append(f"{n_gaps:,} day{'s' if n_gaps != 1 else ''} with nothing or far less than usual collected "
                         "(under 20% of the same weekday's median) were treated as collection gaps, not as quiet "
                         "days: they neither start nor end a storm")
        return AnalysisResult(self.name, pa.Table.from_pylist(found, schema=SCHEMA), opts, tuple(notes))


def peak_share(negative: np.ndarray, scored: np.ndarray, min_documents: int) -> float | None:
    """The highest daily negative share among days with at least ``min_documents`` scored
    documents; the pooled share over all days when none has that many; None without any."""
    total = float(scored.sum())
    if total == 0:
        return None
    busy = scored >= max(min_documents, 1)
    if not busy.any():
        return float(negative.sum()) / total
    return float(np.max(negative[busy] / scored[busy]))


def register(registry: Registry) -> None:
    registry.register("analysis", Storms())
