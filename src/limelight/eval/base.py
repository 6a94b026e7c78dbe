"""Evaluation rows and the floors CI enforces.

Each evaluation module exposes ``evaluate(data_dir: Path) -> list[EvalRow]``; the runner prints all
rows in one table and fails when a row falls below its pinned floor in ``floors.json``, or rises
above its pinned ceiling (a lower-is-better row that asks for one). A row that is a statistic over
items carries its 95% confidence interval (:mod:`limelight.eval.intervals`), and ``limelight eval
--pin`` sets its floor at the interval's lower end, or its ceiling at the upper end
(:mod:`limelight.eval.pin`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

FLOORS_FILE = Path(__file__).with_name("floors.json")


@dataclass(frozen=True)
class EvalRow:
    stage: str  # extraction, language, entities, ...
    dataset: str  # e.g. scrapinghub_aeb
    metric: str  # f1, accuracy, precision, ...
    value: float
    n: int  # items scored
    # Scores of reference systems on the same items, printed beside ours (e.g. upstream outputs).
    reference: dict[str, float] = field(default_factory=dict)
    note: str = ""
    # 95% interval of ``value`` from the same run; None for single-event rows (one suspension, one
    # crisis' onset), which have no item-level uncertainty and keep an exact floor.
    ci_low: float | None = None
    ci_high: float | None = None
    ci_method: str = ""  # "wilson" (a proportion of items) or "bootstrap" (percentile, over items)
    lower_is_better: bool = False  # error rates and onset errors: printed, never floored
    # With lower_is_better: CI holds the row under a ceiling pinned at its interval's upper end (the
    # size of the largest story on real headlines). Without it a lower-is-better row is only printed.
    ceiling: bool = False

    @property
    def key(self) -> str:
        return f"{self.stage}/{self.dataset}/{self.metric}"


def load_floors(path: Path = FLOORS_FILE) -> dict[str, float]:
    return _load(path, "floors")


def load_ceilings(path: Path = FLOORS_FILE) -> dict[str, float]:
    return _load(path, "ceilings")


def _load(path: Path, section: str) -> dict[str, float]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: float(v) for k, v in data.get(section, {}).items()}
