"""The evaluation gate: a score under its pinned floor fails, and so does a pinned row that vanished."""

from __future__ import annotations

import json

from limelight.eval.base import FLOORS_FILE, EvalRow, load_floors
from limelight.eval.runner import STAGES, check_floors


def test_eval_runner_fails_below_floor_and_on_missing_rows() -> None:
    floors = {"extraction/x/f1": 0.9, "extraction/x/recall": 0.5}
    assert check_floors([EvalRow("extraction", "x", "f1", 0.95, 10),
                         EvalRow("extraction", "x", "recall", 0.6, 10)], floors) == []
    failures = check_floors([EvalRow("extraction", "x", "f1", 0.85, 10)], floors)
    assert any("below its floor" in f for f in failures)
    assert any("extraction/x/recall" in f and "no row" in f for f in failures)


def test_eval_runner_floors_file_covers_every_stage() -> None:
    floors = load_floors()
    stages = {key.split("/")[0] for key in floors}
    assert stages == set(STAGES)
    assert all(0 < v <= 1 for v in floors.values())
    assert "about" in json.loads(FLOORS_FILE.read_text(encoding="utf-8"))
