"""The watcher: keep a project up to date, cycle after cycle, and raise what the rules find.

One cycle (:func:`run_cycle`, on a store the caller holds open for writing):

1. **update**: ingest ``watch.targets`` (folders, files, feeds, sitemaps, URL lists, as ``limelight
   ingest`` takes them), then tone and link what is new (:func:`limelight.update.update`: what an
   earlier cycle stored is skipped by its raw key, and a local file unchanged in size and
   modification time since an ingest read it in full is not read at all: the store's
   ``ingested_files``; so the cost follows what is new). A target is
   read only within its active hours (``watch.active_hours`` or its own, in ``report.timezone``).
   A URL target is read when it is due (its own ``interval``, default ``watch.interval``, times a
   jitter factor; after a failure a backoff that doubles up to a day) and with a conditional GET:
   the ETag and Last-Modified of its last 200 are sent, and a 304 reads nothing. That state is the
   store's ``watch_targets``, written after the cycle's ingest committed;
2. **evaluate**: run the ``[[alerts.rule]]`` rules (:mod:`limelight.alerts.rules`): one alert per
   incident, updated as it grows, closed when it is over;
3. **deliver**: send each configured channel its digest of what changed (``watch.deliver``;
   failures are retried by a later cycle, the state is stored);
4. **checkpoint**: once the store's write-ahead log holds 16 MB, it is folded into the file
   (:meth:`Store.checkpoint`), so cycles that add nothing do not grow the store on disk.

A stage that fails is logged and the cycle goes on with the next (a feed that is down does not stop
the alerts on what is already stored); the cycle's summary says what failed. Everything a cycle
knows is in the store (what was ingested, the alerts, the deliveries), so a watcher killed at any
moment loses nothing a next cycle cannot redo: ingest batches and alert upserts are transactions,
and re-evaluating the same incident updates its alert instead of adding one.

:func:`watch` holds one writer for its whole life (readers, ``limelight serve`` among them, read
through its read service) and runs a cycle every ``watch.interval`` seconds with ``watch.jitter``,
until stopped; ``once`` runs one cycle (for cron and tests).
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from limelight.alerts.rules import Evaluation, evaluate, rules_from_settings
from limelight.errors import ConfigError, LimelightError
from limelight.project import Project
from limelight.sources.base import Fetcher, FetchResult
from limelight.sources.fetch import make_fetcher
from limelight.store.base import Store
from limelight.update import UpdateResult, update

log = logging.getLogger("limelight.watch")


@dataclass(frozen=True)
class CycleSummary:
    started_at: datetime
    seconds: float
    update: UpdateResult | None  # None: no targets, or the stage failed
    evaluation: Evaluation | None  # None: no rules, or the stage failed
    deliveries: tuple[Any, ...] = ()  # ChannelResult per channel
    failures: tuple[str, ...] = field(default=())  # "stage: what went wrong"

    @property
    def ok(self) -> bool:
        return not self.failures and (self.update is None or self.update.exit_status == 0)

    def sentence(self) -> str:
        """The cycle in plain words, for the log."""
        parts = []
        if self.update is not None:
            st = self.update.ingest.stats
            parts.append(f"{st.new:,} new document{'s' if st.new != 1 else ''}"
                         + (f", {st.failed:,} failed" if st.failed else "")
                         + (f", {st.unchanged:,} unchanged file{'s' if st.unchanged != 1 else ''} passed over"
                            if st.unchanged else ""))
        if self.evaluation is not None:
            ch = self.evaluation.changes
            parts.append(f"{len(ch.new)} new alert{'s' if len(ch.new) != 1 else ''}, {len(ch.grown)} grown, "
                         f"{len(self.evaluation.closed)} closed")
        for d in self.deliveries:
            parts.append(f"{d.channel}: {d.status}" + (f" ({d.alerts} alerts)" if getattr(d, "alerts", None) else ""))
        parts += [f"FAILED {f}" for f in self.failures]
        return f"watch cycle in {self.seconds:.1f} s: " + ("; ".join(parts) or "nothing to do (no targets, no rules)")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"started_at": self.started_at.isoformat(), "seconds": round(self.seconds, 3),
                               "ok": self.ok, "failures": list(self.failures)}
        if self.update is not None:
            st = self.update.ingest.stats
            out["ingest"] = {"new": st.new, "known": st.known, "failed": st.failed, "unchanged_files": st.unchanged,
                             "exit_status": self.update.exit_status}
        if self.evaluation is not None:
            out["alerts"] = self.evaluation.to_dict()
        out["deliveries"] = [d.to_dict() for d in self.deliveries]
        return out


def run_cycle(store: Store, project: Project, *, now: datetime | None = None, deliver: bool | None = None,
              fetch: bool = True, on_error: Callable[[Any], None] | None = None,
              fetcher: Fetcher | None = None) -> CycleSummary:
    """One cycle on ``store`` (open for writing): update, evaluate the rules, deliver, checkpoint.
    ``fetcher``: the watcher's own, kept between cycles (without one the cycle makes and closes one)."""
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    failures: list[str] = []
    settings = project.settings
    updated: UpdateResult | None = None
    clock = now or datetime.now(UTC)
    polls: dict[str, tuple[FetchResult | None, str | None]] = {}
    try:
        targets, known = due_targets(store, settings, clock)
    except Exception as exc:
        failures.append(_failure("schedule", exc))
        targets, known = [], {}
    if targets:
        try:
            # skip_unchanged: a watched folder's files unchanged since they were read cost a stat each
            updated = update(store, project, targets, fetch=fetch, on_error=on_error, skip_unchanged=True,
                             fetcher=fetcher,
                             validators={t: (r["etag"], r["last_modified"]) for t, r in known.items()
                                         if r["etag"] or r["last_modified"]},
                             on_target=lambda target, res, error: polls.__setitem__(target, (res, error)))
        except Exception as exc:  # a failing stage is reported; the next stages still run
            failures.append(_failure("update", exc))
        else:
            # only after the run committed: a watcher killed before this fetches the targets in full again
            try:
                store.write_watch_targets(_polled(polls, known, settings, clock))
            except Exception as exc:
                failures.append(_failure("schedule", exc))
    evaluation: Evaluation | None = None
    try:
        rules = rules_from_settings(settings, project.watchlist)
        if rules:
            evaluation = evaluate(store, project.watchlist, rules, now=now,
                                  timezone=str(settings["report.timezone"]))
    except Exception as exc:
        failures.append(_failure("rules", exc))
    deliveries: tuple[Any, ...] = ()
    if settings["watch.deliver"] if deliver is None else deliver:
        from limelight.alerts.deliver import deliver as send

        try:
            deliveries = tuple(send(store, settings, wait=0))
        except Exception as exc:
            failures.append(_failure("deliver", exc))
    try:  # the cycles' small writes are folded into the file once they add up (DuckDB's own default)
        store.checkpoint(CHECKPOINT_LOG_BYTES)
    except Exception as exc:
        failures.append(_failure("checkpoint", exc))
    return CycleSummary(started_at, time.perf_counter() - started, updated, evaluation, deliveries, tuple(failures))


CHECKPOINT_LOG_BYTES = 16 << 20
# DuckDB keeps ~1 kB per aggregate query until its connection closes; the watcher reopens it
# this often (a day of 15-minute cycles), which a 1,000-cycle soak showed keeps memory flat.
REOPEN_CYCLES = 96
MAX_BACKOFF = 86_400.0  # a failing URL is tried at least once a day


@dataclass(frozen=True)
class Target:
    """One ``watch.targets`` entry: what to read, how often, and at which hours."""

    target: str
    interval: float  # seconds between two polls of a URL
    hours: tuple[int, int] | None  # active from, until (minutes after local midnight); None: any hour

    def active(self, now: datetime, timezone: str) -> bool:
        """Whether ``now`` lies in the target's active hours (in ``timezone``; a span past midnight wraps)."""
        if self.hours is None:
            return True
        local = now.astimezone(ZoneInfo(timezone))
        minute = local.hour * 60 + local.minute
        begin, until = self.hours
        return begin <= minute < until if begin < until else minute >= begin or minute < until


def active_hours(text: Any, where: str) -> tuple[int, int] | None:
    """``"HH:MM-HH:MM"`` as minutes after midnight (from, until); empty: None (any hour)."""
    if text in ("", None):
        return None
    match = _HOURS.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ConfigError(f"{where}: active hours must be \"HH:MM-HH:MM\", not {text!r}",
                          'e.g. active_hours = "07:00-22:00" (in report.timezone; "22:00-06:00" spans midnight)')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59 or (h1 == 24 and m1) or (h2 == 24 and m2):
        raise ConfigError(f"{where}: active hours {text!r} are not times of day (00:00 to 24:00)")
    begin, until = h1 * 60 + m1, h2 * 60 + m2
    if begin == until:
        raise ConfigError(f"{where}: active hours {text!r} are empty (from equals until)",
                          'leave active_hours empty ("") to poll at any hour')
    return begin, until


_HOURS = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")


def watch_targets(settings: Any) -> list[Target]:
    """``watch.targets``: a string is polled every ``watch.interval`` within ``watch.active_hours``; a
    table ``{target = "...", interval = 3600, active_hours = "07:00-22:00"}`` sets its own."""
    every = float(settings["watch.interval"])
    hours = active_hours(settings["watch.active_hours"], "watch.active_hours")
    out: list[Target] = []
    for n, entry in enumerate(settings["watch.targets"], 1):
        if isinstance(entry, str):
            out.append(Target(entry, every, hours))
            continue
        if (not isinstance(entry, dict) or not isinstance(entry.get("target"), str)
                or set(entry) - {"target", "interval", "active_hours"}):
            raise ConfigError(f"watch.targets #{n} must be a path or URL, or a table with target, and optionally "
                              "interval and active_hours",
                              'e.g. targets = ["feeds/", { target = "https://example.org/feed.xml", interval = 3600,'
                              ' active_hours = "06:00-23:00" }]')
        interval = entry.get("interval", every)
        if isinstance(interval, bool) or not isinstance(interval, int | float) or interval < 0:
            raise ConfigError(f"watch.targets #{n}: interval must be seconds (at least 0), not {interval!r}")
        own = active_hours(entry["active_hours"], f"watch.targets #{n}") if "active_hours" in entry else hours
        out.append(Target(entry["target"], float(interval), own))
    return out


def due_targets(store: Store, settings: Any, now: datetime) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The targets this cycle reads, and what the store knows of each URL target. Outside its active
    hours a target is not read. Within them files and folders always are (what was stored is skipped
    by its raw key), a URL when it is due: its jittered interval after the last poll, or a backoff
    after a failure."""
    from limelight.sources.dispatch import is_url

    timezone = str(settings["report.timezone"])
    known = {str(r["target"]): r for r in store.read("watch.targets").to_pylist()}
    due = []
    for t in watch_targets(settings):
        if not t.active(now, timezone):
            continue
        row = known.get(t.target)
        if is_url(t.target) and row is not None and row["next_at"] is not None and row["next_at"] > now:
            continue
        due.append(t.target)
    return due, {t: known[t] for t in due if t in known}


def _polled(polls: dict[str, tuple[FetchResult | None, str | None]], known: dict[str, dict[str, Any]],
            settings: Any, now: datetime, rng: random.Random | None = None) -> list[dict[str, Any]]:
    """The watch_targets rows after this cycle's polls: validators of a 200, the schedule. The next
    poll is the target's interval times a factor within 1 +- ``watch.jitter``, so feeds polled at one
    interval drift apart instead of hitting their hosts in the same cycle for ever."""
    intervals = {t.target: t.interval for t in watch_targets(settings)}
    jitter = max(0.0, min(float(settings["watch.jitter"]), 0.9))
    rng = rng or random.Random()
    rows = []
    for target, (res, error) in polls.items():
        old = known.get(target) or {}
        every = intervals.get(target, float(settings["watch.interval"]))
        if res is None:
            failures = int(old.get("failures") or 0) + 1
            wait = min(max(every, 60.0) * 2 ** (failures - 1), MAX_BACKOFF)
            rows.append({**_row(target, old), "status": "failed", "checked_at": now, "failures": failures,
                         "next_at": now + timedelta(seconds=wait), "last_error": error})
            continue
        headers = {k.lower(): v for k, v in res.headers}
        changed = res.status != 304
        wait = every * rng.uniform(1 - jitter, 1 + jitter)
        rows.append({**_row(target, old), "status": "changed" if changed else "unchanged", "checked_at": now,
                     "failures": 0, "next_at": now + timedelta(seconds=wait), "last_error": None,
                     "etag": headers.get("etag") if changed else old.get("etag"),
                     "last_modified": headers.get("last-modified") if changed else old.get("last_modified"),
                     "changed_at": now if changed else old.get("changed_at")})
    return rows


def _row(target: str, old: dict[str, Any]) -> dict[str, Any]:
    return {"target": target, "etag": old.get("etag"), "last_modified": old.get("last_modified"),
            "changed_at": old.get("changed_at")}


def _failure(stage: str, exc: BaseException) -> str:
    if isinstance(exc, LimelightError):
        log.error("watch: %s failed: %s", stage, exc)
    else:
        log.error("watch: %s failed:\n%s", stage, "".join(traceback.format_exception(exc)))
    return f"{stage}: {type(exc).__name__}: {exc}"


def between_cycles(store: Store, n: int) -> None:
    """After the ``n``-th cycle of a watcher: every :data:`REOPEN_CYCLES`, a DuckDB store's
    connection is reopened (:meth:`DuckDBStore.reopen`), so what DuckDB keeps per query is freed."""
    reopen = getattr(store, "reopen", None)  # DuckDB's alone: PostgreSQL frees per query
    if reopen is not None and n % REOPEN_CYCLES == 0 and not reopen():
        log.info("watch: the store's connection was not reopened (a read was still going on)")


def watch(project: Project, *, once: bool = False, cycles: int | None = None, interval: float | None = None,
          stop: threading.Event | None = None, deliver: bool | None = None, fetch: bool = True,
          on_cycle: Callable[[CycleSummary], None] | None = None, rng: random.Random | None = None
          ) -> list[CycleSummary]:
    """Run cycles until ``stop`` is set (or ``cycles`` ran; ``once``: one), one writer held for all
    of them. Returns the summaries (the last 100)."""
    from limelight.workers import for_a_long_run

    for_a_long_run()
    stop = stop or threading.Event()
    rng = rng or random.Random()
    every = float(project.settings["watch.interval"] if interval is None else interval)
    jitter = max(0.0, min(float(project.settings["watch.jitter"]), 0.9))
    limit = 1 if once else cycles
    done: list[CycleSummary] = []
    store = project.open_store()
    # One fetcher for the watcher's life: robots.txt (read again daily), each host's turn and the
    # open connections carry over; one per cycle left a client and TLS context behind each time.
    fetcher = make_fetcher(project.settings) if fetch else None
    try:
        n = 0
        while not stop.is_set():
            began = time.monotonic()
            summary = run_cycle(store, project, deliver=deliver, fetch=fetch, fetcher=fetcher)
            (log.info if summary.ok else log.warning)(summary.sentence())
            if on_cycle is not None:
                on_cycle(summary)
            done = [*done[-99:], summary]
            n += 1
            between_cycles(store, n)
            if limit is not None and n >= limit:
                break
            wait = every * rng.uniform(1 - jitter, 1 + jitter) - (time.monotonic() - began)
            if wait > 0:
                log.info("watch: next cycle in %.0f s", wait)
                stop.wait(wait)
    finally:
        close = getattr(fetcher, "close", None)
        if close is not None:
            close()
        store.close()
    return done
