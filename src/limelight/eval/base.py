"""Evaluation rows and the floors CI enforces.

Each evaluation module exposes ``evaluate(data_dir: Path) -> list[EvalRow]``; the runner prints all
rows in one table and fails when a row falls below its pinned floor in ``floors.json``.
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

    @property
    def key(self) -> str:
        return f"{self.stage}/{self.dataset}/{self.metric}"


def load_floors(path: Path = FLOORS_FILE) -> dict[str, float]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: float(v) for k, v in data.get("floors", {}).items()}
