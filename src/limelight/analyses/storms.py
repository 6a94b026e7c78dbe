"""Media storms: bursts in an entity's coverage, and in the negative share of it, with their stories.

Per watched entity (people, organisations, segments, products alike) the analysis counts, per day
in the report's time zone, the documents that mention it and those where a mention is negative. Its
coverage is what others publish about it: posts from the entity's own watchlist ``accounts`` are
left out of its counts (a politician's own tweets are his voice, not a storm about him) unless
``own_posts`` is set. The shared scope options narrow every count, the daily totals included, so
``--kind article`` compares articles with articles. Two signals are tested with
:func:`limelight.timeseries.detect_bursts`:

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

from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa

from limelight.analyses.base import SCOPE_OPTIONS, AnalysisResult, Option, Scope, evidence_option
from limelight.analyses.visibility import ROLE_WEIGHTS
from limelight.errors import UsageError
from limelight.registry import Registry
from limelight.store.base import Store
from limelight.timeseries.bursts import Burst, detect_bursts
from limelight.timeseries.series import NEGATIVE, day_range, dense, resolve
from limelight.watchlist import Watchlist

# {day} and {scope} come from the report's Scope: the same documents in every count.
_CORPUS_DAYS = """
SELECT {day} AS day, d.kind, count(*) AS n
FROM documents AS d WHERE d.published_at IS NOT NULL AND {scope} GROUP BY ALL
"""

# The documents each entity's own accounts published: not its coverage (unless own_posts).
_OWN = """
own_accounts AS (SELECT unnest(?::VARCHAR[]) AS entity_id, unnest(?::VARCHAR[]) AS platform,
                        unnest(?::VARCHAR[]) AS handle),
own AS (
    SELECT DISTINCT a.entity_id, d.id AS document_id
    FROM own_accounts AS a JOIN sources AS s ON lower(s.platform) = a.platform AND lower(s.handle) = a.handle
    JOIN documents AS d ON d.source_id = s.id
)"""

# One row per (entity, document) first, so a document with five mentions counts once per day.
_ENTITY_DAYS = """
WITH watched AS (SELECT unnest(?::VARCHAR[]) AS entity_id),""" + _OWN + f""",
per_doc AS (
    SELECT m.entity_id, m.document_id, bool_or({NEGATIVE}) AS negative,
           bool_or(m.tone IS NOT NULL OR m.tone_label IS NOT NULL) AS scored
    FROM mentions AS m
    WHERE m.entity_id IN (SELECT entity_id FROM watched)
    GROUP BY m.entity_id, m.document_id
),
dated AS (
    SELECT p.*, {{day}} AS day, own.document_id IS NOT NULL AS is_own
    FROM per_doc AS p JOIN documents AS d ON d.id = p.document_id
    LEFT JOIN own ON own.entity_id = p.entity_id AND own.document_id = p.document_id
    WHERE d.published_at IS NOT NULL AND {{scope}}
)
SELECT entity_id, day, count(*) FILTER (WHERE NOT is_own) AS docs,
       count(*) FILTER (WHERE negative AND NOT is_own) AS negative,
       count(*) FILTER (WHERE scored AND NOT is_own) AS scored, count(*) FILTER (WHERE is_own) AS own
FROM dated
GROUP BY entity_id, day
"""

_STORIES = """
WITH w AS (SELECT unnest(?::INTEGER[]) AS storm, unnest(?::VARCHAR[]) AS entity_id,
                  unnest(?::DATE[]) AS onset, unnest(?::DATE[]) AS last_day),
weights AS (SELECT unnest(?::VARCHAR[]) AS role, unnest(?::DOUBLE[]) AS weight),""" + _OWN + """,
hits AS (
    SELECT w.storm, m.document_id, sum(coalesce(weights.weight, 1.0)) AS prominence
    FROM w JOIN mentions AS m ON m.entity_id = w.entity_id
    JOIN documents AS d ON d.id = m.document_id
    LEFT JOIN weights ON weights.role = m.role
    LEFT JOIN own ON own.entity_id = m.entity_id AND own.document_id = m.document_id
    WHERE {day} BETWEEN w.onset AND w.last_day AND {scope} AND own.document_id IS NULL
    GROUP BY w.storm, m.document_id
),
per_story AS (
    SELECT h.storm, coalesce(s.story_id, h.document_id) AS story, sum(h.prominence) AS prominence,
           count(*) AS documents, arg_max(h.document_id, h.prominence) AS top_document,
           arg_max(coalesce(d.title, left(d.text, 80)), h.prominence) AS title
    FROM hits AS h JOIN documents AS d ON d.id = h.document_id
    LEFT JOIN stories AS s ON s.document_id = h.document_id
    GROUP BY h.storm, story
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY storm ORDER BY prominence DESC, documents DESC, story) AS rk
    FROM per_story
)
SELECT storm, list(top_document ORDER BY rk) AS evidence, list(title ORDER BY rk) AS top_stories,
       list(documents ORDER BY rk) AS story_documents
FROM ranked WHERE rk <= ? GROUP BY storm
"""

SCHEMA = pa.schema([
    ("entity_id", pa.string()), ("entity_name", pa.string()), ("signal", pa.string()),
    ("onset", pa.date32()), ("peak", pa.date32()), ("end", pa.date32()), ("days", pa.int32()),
    ("documents", pa.int64()), ("expected", pa.float64()), ("excess", pa.float64()),
    ("peak_z", pa.float64()), ("peak_negative_share", pa.float64()),  # see the module doc
    ("top_stories", pa.list_(pa.string())), ("story_documents", pa.list_(pa.int64())),
    ("evidence", pa.list_(pa.string())),
])


class Storms:
    name = "storms"
    version = "1"
    title = "Media storms"
    description = (
        "Bursts in each entity's share of all coverage in scope (volume) and in its negative share, against "
        "the entity's own trailing baseline: onset, peak, end, size, peak negative share and the "
        "stories that drive each storm (story clusters counted once). Posts from the entity's own "
        "accounts are not its coverage."
    )
    requires: tuple[str, ...] = ("documents", "mentions", "stories")
    provides: tuple[str, ...] = ("storms",)
    options: tuple[Option, ...] = (
        Option("entity", None, "Only this entity id (default: every watched entity)."),
        Option("window", 28, "Days of history the baseline is the median of.", min=7, max=3660),
        Option("z_on", 4.0, "Robust z-score at which a storm starts.", min=0.5, max=100),
        Option("z_off", 2.0, "Robust z-score below which a storm ends (at most z_on).", min=0, max=100),
        Option("min_documents", 3, "Fewest documents on a day for it to start a storm.", min=1, max=1_000_000),
        Option("own_posts", False, "Count posts from the entity's own watchlist accounts as its coverage."),
        evidence_option(5, "stories listed per storm"),
        *SCOPE_OPTIONS,
    )

    def run(self, store: Store, watchlist: Watchlist, **options: Any) -> AnalysisResult:
        opts = resolve(self.name, self.options, options, floats=("z_on", "z_off"),
                       ints=("window", "min_documents", "evidence_limit"))
        if opts["z_off"] > opts["z_on"]:
            raise UsageError(f"storms: z_off ({opts['z_off']:g}) must not be above z_on ({opts['z_on']:g})")
        scope = Scope.from_options(self.name, opts)
        fmt = {"day": scope.day(), "scope": scope.where()}
        selected = [watchlist.get(opts["entity"])] if opts["entity"] else list(watchlist.entities)
        corpus = store.query(_CORPUS_DAYS.format(**fmt))
        if corpus.num_rows == 0 or not selected:
            return AnalysisResult(self.name, SCHEMA.empty_table(), opts,
                                  ("no dated documents in the store"
                                   + (" in this scope" if scope.narrowed else ""),))
        days_seen: list[date] = corpus.column("day").to_pylist()
        days = day_range(min(days_seen), max(days_seen))
        by_day = corpus.group_by("day").aggregate([("n", "sum")])
        totals = dense(days, by_day, "day", "n_sum")
        own = [] if opts["own_posts"] else [(e.id, a.platform.lower(), a.handle.lower())
                                            for e in selected for a in e.accounts]
        own_params = [[o[0] for o in own], [o[1] for o in own], [o[2] for o in own]]
        per_entity = store.query(_ENTITY_DAYS.format(**fmt), [[e.id for e in selected], *own_params])
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
            kw = dict(window=opts["window"], z_on=opts["z_on"], z_off=opts["z_off"],
                      min_count=opts["min_documents"])
            signals: list[tuple[str, list[Burst]]] = [("volume", detect_bursts(docs, totals, **kw))]
            if any_tone:
                signals.append(("negative_share", detect_bursts(neg, scored, **kw)))
            for signal, bursts in signals:
                for b in bursts:
                    window = slice(b.onset, b.end + 1)
                    peak_neg = peak_share(neg[window], scored[window], opts["min_documents"]) if any_tone else None
                    found.append({
                        "entity_id": entity.id, "entity_name": entity.name, "signal": signal,
                        "onset": days[b.onset], "peak": days[b.peak], "end": days[b.end],
                        "days": b.end - b.onset + 1, "documents": int(docs[window].sum()),
                        "expected": float(np.nansum(docs[window]) - b.size) if signal == "volume" else None,
                        "excess": b.size, "peak_z": b.peak_z, "peak_negative_share": peak_neg,
                    })
        stories: dict[int, dict[str, Any]] = {}
        if found:
            table = store.query(_STORIES.format(**fmt), [
                list(range(len(found))), [f["entity_id"] for f in found],
                [f["onset"] for f in found], [f["end"] for f in found],
                list(ROLE_WEIGHTS), list(ROLE_WEIGHTS.values()), *own_params, opts["evidence_limit"],
            ])
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
        gaps = int((totals == 0).sum())
        if gaps:
            notes.append(f"{gaps:,} day{'s' if gaps != 1 else ''} without any document were treated as "
                         "collection gaps, not as quiet days")
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
