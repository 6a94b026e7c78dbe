"""The watcher: keep a project up to date, cycle after cycle, and raise what the rules find.

One cycle (:func:`run_cycle`, on a store the caller holds open for writing):

1. **update**: ingest ``watch.targets`` (folders, files, feeds, sitemaps, URL lists, as ``limelight
   ingest`` takes them), then tone and link what is new (:func:`limelight.update.update`: what an
   earlier cycle stored is skipped by its raw key, so the cost follows what is new);
2. **evaluate**: run the ``[[alerts.rule]]`` rules (:mod:`limelight.alerts.rules`): one alert per
   incident, updated as it grows, closed when it is over;
3. **deliver**: send each configured channel its digest of what changed (``watch.deliver``;
   failures are retried by a later cycle, the state is stored).

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
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from limelight.alerts.rules import Evaluation, evaluate, rules_from_settings
from limelight.errors import LimelightError
from limelight.project import Project
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
                         + (f", {st.failed:,} failed" if st.failed else ""))
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
            out["ingest"] = {"new": st.new, "known": st.known, "failed": st.failed,
                             "exit_status": self.update.exit_status}
        if self.evaluation is not None:
            out["alerts"] = self.evaluation.to_dict()
        out["deliveries"] = [d.to_dict() for d in self.deliveries]
        return out


def run_cycle(store: Store, project: Project, *, now: datetime | None = None, deliver: bool | None = None,
              fetch: bool = True, on_error: Callable[[Any], None] | None = None) -> CycleSummary:
    """One cycle on ``store`` (open for writing): update, evaluate the rules, deliver."""
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    failures: list[str] = []
    settings = project.settings
    updated: UpdateResult | None = None
    targets = [str(t) for t in settings["watch.targets"]]
    if targets:
        try:
            updated = update(store, project, targets, fetch=fetch, on_error=on_error)
        except Exception as exc:  # a failing stage is reported; the next stages still run
            failures.append(_failure("update", exc))
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
    return CycleSummary(started_at, time.perf_counter() - started, updated, evaluation, deliveries, tuple(failures))


def _failure(stage: str, exc: BaseException) -> str:
    if isinstance(exc, LimelightError):
        log.error("watch: %s failed: %s", stage, exc)
    else:
        log.error("watch: %s failed:\n%s", stage, "".join(traceback.format_exception(exc)))
    return f"{stage}: {type(exc).__name__}: {exc}"


def watch(project: Project, *, once: bool = False, cycles: int | None = None, interval: float | None = None,
          stop: threading.Event | None = None, deliver: bool | None = None, fetch: bool = True,
          on_cycle: Callable[[CycleSummary], None] | None = None, rng: random.Random | None = None
          ) -> list[CycleSummary]:
    """Run cycles until ``stop`` is set (or ``cycles`` ran; ``once``: one), one writer held for all
    of them. Returns the summaries (the last 100)."""
    stop = stop or threading.Event()
    rng = rng or random.Random()
    every = float(project.settings["watch.interval"] if interval is None else interval)
    jitter = max(0.0, min(float(project.settings["watch.jitter"]), 0.9))
    limit = 1 if once else cycles
    done: list[CycleSummary] = []
    store = project.open_store()
    try:
        n = 0
        while not stop.is_set():
            began = time.monotonic()
            summary = run_cycle(store, project, deliver=deliver, fetch=fetch)
            (log.info if summary.ok else log.warning)(summary.sentence())
            if on_cycle is not None:
                on_cycle(summary)
            done = [*done[-99:], summary]
            n += 1
            if limit is not None and n >= limit:
                break
            wait = every * rng.uniform(1 - jitter, 1 + jitter) - (time.monotonic() - began)
            if wait > 0:
                log.info("watch: next cycle in %.0f s", wait)
                stop.wait(wait)
    finally:
        store.close()
    return done
