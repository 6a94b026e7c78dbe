"""Withdrawal: has a watched account gone quiet, or changed how often it posts?

For every account in the watchlist (``accounts = [{platform, handle}]``) the analysis reads the
account's posts and livestreams (documents whose source is that platform + handle) and returns two
kinds of row, per content type (post, repost, livestream, check-in, ...) and for ``all`` of them:

- ``cadence``: one row per segment of the weekly posting count (ISO weeks, Monday to Sunday, in
  the report's time zone), cut by PELT with a Poisson cost and a dispersion-scaled BIC penalty
  (:mod:`limelight.timeseries.changepoints`): from, to, posts per week, and the change against the
  previous segment. A week the collection covers only in part (the first, the last) is counted at
  its weekly rate, so a stretch that starts on a Sunday is not a drop.
- ``silence``: days since the last post up to "now" against the account's own usual gap — its
  median gap, its 90th percentile, and the share of its past gaps shorter than this silence. "Now"
  is ``as_of`` when given, else the collection's own end: when the last ingest run finished
  (``ingest_runs``), or the newest document's day if that is later or no run is recorded. The
  account's own last post is never "now": on a store that holds one account, it would hide every
  silence.

A drop can be the account's or our collection's. Each row carries a ``confidence``: the share of
days in the quiet stretch on which the store has *any* document from *any* source (in scope). A week
when the crawler was down is not evidence of withdrawal, and the row says so instead of raising an
alarm; a note says why a silence's confidence is low (nothing else was collected then) and what
would raise it.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from limelight.analyses.base import SCOPE_OPTIONS, AnalysisResult, Option, Scope
from limelight.errors import UsageError
from limelight.registry import Registry, check_store
from limelight.store.base import Store
from limelight.timeseries.changepoints import pelt, segment_means
from limelight.timeseries.series import day_range, dense, monday, resolve, week_index
from limelight.watchlist import Watchlist

SCHEMA = pa.schema([
    ("entity_id", pa.string()), ("platform", pa.string()), ("handle", pa.string()),
    ("content_type", pa.string()), ("row", pa.string()),
    ("start", pa.date32()), ("end", pa.date32()),
    ("posts", pa.int64()), ("posts_per_week", pa.float64()), ("change", pa.float64()),
    ("days_since_last", pa.float64()), ("median_gap_days", pa.float64()), ("p90_gap_days", pa.float64()),
    ("silence_percentile", pa.float64()), ("confidence", pa.float64()), ("evidence", pa.list_(pa.string())),
])


class Withdrawal:
    name = "withdrawal"
    version = "1"
    title = "Withdrawal and cadence changes of watched accounts"
    description = (
        "Per watched account and content type: weekly posting cadence cut at its change points "
        "(PELT, Poisson cost), and days since the last post against the account's usual gap, each "
        "with a confidence that drops where the collection itself has gaps."
    )
    requires: tuple[str, ...] = ("documents", "sources", "ingest_runs")
    provides: tuple[str, ...] = ("withdrawal",)
    reads: tuple[str, ...] = ("analyses.corpus_days", "withdrawal.collected_until", "withdrawal.posts",
                              "withdrawal.gaps")
    options: tuple[Option, ...] = (
        Option("entity", None, "Only this entity's accounts (default: every account in the watchlist)."),
        Option("as_of", None, "The day silence is measured up to, YYYY-MM-DD (default: when the last ingest "
                              "run finished, or the newest document's day if later)."),
        Option("content_type", None, "Only this content type (default: each, and all together)."),
        *SCOPE_OPTIONS,
    )

    def run(self, store: Store, watchlist: Watchlist, **options: Any) -> AnalysisResult:
        opts = resolve(self.name, self.options, options)
        scope = Scope.from_options(self.name, opts)
        check_store(self, store)
        entities = [watchlist.get(opts["entity"])] if opts["entity"] else list(watchlist.entities)
        accounts = [(e.id, a.platform, a.handle) for e in entities for a in e.accounts]
        if not accounts:
            return AnalysisResult(self.name, SCHEMA.empty_table(), opts,
                                  ("no accounts in the watchlist: add accounts = [{platform, handle}]",))
        corpus = store.read("analyses.corpus_days", scope=scope)
        if corpus.num_rows == 0:
            return AnalysisResult(self.name, SCHEMA.empty_table(), opts,
                                  ("no dated documents in the store",))
        seen: list[date] = corpus.column("day").to_pylist()
        as_of, why = _now(opts["as_of"], max(seen), _collected_until(store, scope), scope.until)
        if as_of < min(seen):
            return AnalysisResult(self.name, SCHEMA.empty_table(), opts,
                                  (f"as_of {as_of} is before the store's first document ({min(seen)})",))
        # posts after as_of are left out: "as of" a past day means what was known then
        posts = store.read("withdrawal.posts", accounts=accounts, as_of=as_of, scope=scope)
        summary = store.read("withdrawal.gaps", accounts=accounts, as_of=as_of, scope=scope)
        if posts.num_rows == 0:
            return AnalysisResult(self.name, SCHEMA.empty_table(), opts,
                                  ("no posts from the watched accounts in the store",))
        days = day_range(min(seen), as_of)
        covered = dense(days, corpus, "day", "n") > 0
        out: list[dict[str, Any]] = []
        low: list[str] = []
        for s in summary.to_pylist():
            if opts["content_type"] and s["content_type"] not in (opts["content_type"],):
                continue
            key = (s["entity_id"], s["platform"], s["handle"], s["content_type"])
            mask = pa.compute.and_(
                pa.compute.and_(pa.compute.equal(posts.column("entity_id"), key[0]),
                                pa.compute.equal(posts.column("handle"), key[2])),
                pa.compute.and_(pa.compute.equal(posts.column("platform"), key[1]),
                                pa.compute.equal(posts.column("content_type"), key[3])))
            daily = dense(days, posts.filter(mask), "day", "n")
            base = dict(zip(("entity_id", "platform", "handle", "content_type"), key, strict=True))
            out.extend(_cadence(base, days, daily, covered))
            row = _silence(base, s, days, covered, as_of)
            out.append(row)
            if s["content_type"] == "all" and row["confidence"] < LOW_CONFIDENCE:
                low.append(_why_low(row, days, covered))
        notes = [f"silence measured up to {as_of} ({why})", *low]
        if (~covered).any():
            notes.append(f"{int((~covered).sum()):,} days without any document from any source: "
                         "rows over them have low confidence")
        return AnalysisResult(self.name, pa.Table.from_pylist(out, schema=SCHEMA), opts, tuple(notes))


# Below this a silence row gets a note that says why (the rows keep their number either way).
LOW_CONFIDENCE = 0.5


def _collected_until(store: Store, scope: Scope) -> date | None:
    """The day (in the report's time zone) the last recorded ingest run finished, if any."""
    zone = "UTC" if scope.local else scope.timezone  # a run has no publisher's offset
    value = store.read("withdrawal.collected_until", timezone=zone).column("day")[0].as_py()
    return value if isinstance(value, date) else None


def _now(value: Any, last_document: date, collected_until: date | None, until: date | None
         ) -> tuple[date, str]:
    """The day silence is measured up to, and why that day."""
    if value is not None and value != "":
        if isinstance(value, date):
            return value, "--as-of"
        try:
            return date.fromisoformat(str(value)), "--as-of"
        except ValueError:
            raise UsageError(f"withdrawal: as_of must be a date YYYY-MM-DD, not {value!r}") from None
    if collected_until is not None and collected_until >= last_document:
        now, why = collected_until, "when the last ingest run finished"
    elif collected_until is not None:
        now, why = last_document, "the newest document; the last ingest run finished before it"
    else:
        now, why = last_document, "the newest document in the store; no ingest run is recorded"
    if until is not None and until < now:
        return until, "--until"
    return now, why


def _why_low(row: dict[str, Any], days: list[date], covered: np.ndarray) -> str:
    """A note on a silence row with low confidence: how little else was collected, and what helps."""
    start, end = row["start"], row["end"]
    span = [c for d, c in zip(days, covered, strict=True) if start < d <= end]
    seen, total = int(sum(span)), len(span)
    who = f"{row['entity_id']} ({row['platform']}/{row['handle']})"
    if total == 0:
        return f"{who}: posted on {end}, the day silence is measured to"
    what = ("nothing else was collected" if seen == 0
            else f"other sources were collected on only {seen} of those {total} days")
    return (f"{who}: confidence {row['confidence']:.2f} for its silence since {start}: {what}, so the store "
            "cannot tell a stop from a gap in the collection; ingest other sources for "
            f"{start + timedelta(days=1)} … {end} to tell")


def _cadence(base: dict[str, Any], days: list[date], daily: np.ndarray, covered: np.ndarray
             ) -> list[dict[str, Any]]:
    """Weekly counts (ISO weeks) from the week of the first post on, cut by PELT.

    A week the day grid covers in part (it starts on a Sunday, or ends on as_of mid-week) enters
    PELT and ``posts_per_week`` at its weekly rate (count × 7 ÷ days), so the edge of the data is
    not read as a change; ``posts`` stays the count."""
    weeks = week_index(days)
    first = int(np.argmax(daily > 0))
    start = int(np.searchsorted(weeks, weeks[first]))  # the first grid day of that week
    idx = np.arange(start, len(days))
    week = weeks[idx] - weeks[start]
    counts = np.bincount(week, weights=daily[idx])
    span = np.bincount(week).astype(float)  # grid days in each week: 7 but at the edges
    weekly = counts * 7.0 / span
    cover = np.bincount(week, weights=covered[idx].astype(float)) / span
    cps = pelt(weekly, cost="poisson") if len(weekly) >= 4 else []
    means = segment_means(weekly, cps)
    bounds = [0, *cps, len(weekly)]
    rows = []
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        first_monday = monday(days[start]) + timedelta(days=7 * a)
        sunday = min(first_monday + timedelta(days=7 * (b - a) - 1), days[-1])
        prev = means[i - 1] if i else None
        rows.append(base | {
            "row": "cadence", "start": max(first_monday, days[0]), "end": sunday, "posts": int(counts[a:b].sum()),
            "posts_per_week": means[i], "change": (means[i] / prev if prev else None) if i else None,
            "confidence": float(cover[a:b].mean()), "evidence": [],
        })
    return rows


def _silence(base: dict[str, Any], s: dict[str, Any], days: list[date], covered: np.ndarray,
             as_of: date) -> dict[str, Any]:
    last_day: date = s["last_day"]
    since = (as_of - last_day).days
    gaps = np.asarray(s["gaps"] or [], dtype=float)
    lo = days.index(last_day) + 1 if last_day in days else 0
    hi = days.index(as_of) + 1 if as_of in days else len(days)
    quiet = covered[lo:hi]
    return base | {
        "row": "silence", "start": last_day, "end": as_of, "posts": s["posts"],
        "days_since_last": float(since),
        "median_gap_days": float(np.median(gaps)) if len(gaps) else None,
        "p90_gap_days": float(np.percentile(gaps, 90)) if len(gaps) else None,
        "silence_percentile": float((gaps < since).mean()) if len(gaps) else None,
        "confidence": float(quiet.mean()) if len(quiet) else 1.0,
        "evidence": s["evidence"],
    }


def register(registry: Registry) -> None:
    registry.register("analysis", Withdrawal())
