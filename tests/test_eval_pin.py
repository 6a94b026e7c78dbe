"""`limelight eval --pin`: floors from the lower ends of the intervals, stated method, no silent drops."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from limelight.eval.base import EvalRow, load_ceilings, load_floors
from limelight.eval.pin import ceil3, ceiling_of, floor3, floor_of, pin_floors
from limelight.eval.runner import check_floors


def _row(stage: str, metric: str, value: float, ci: tuple[float, float] | None, method: str = "bootstrap",
         lower_is_better: bool = False) -> EvalRow:
    return EvalRow(stage, "x", metric, value, 100, ci_low=ci[0] if ci else None, ci_high=ci[1] if ci else None,
                   ci_method=method if ci else "", lower_is_better=lower_is_better)


def test_eval_pin_floor_rounds_down_and_never_above_value() -> None:
    assert floor3(0.935) == 0.935  # stored as 0.93499999…; must not become 0.934
    assert floor3(0.91299) == 0.912
    assert floor_of(_row("extraction", "f1", 0.93, (0.9123, 0.95))) == 0.912
    # a percentile interval can sit above a skewed statistic's point estimate: the floor still passes it
    assert floor_of(_row("extraction", "f1", 0.9004, (0.905, 0.95))) == 0.9
    assert floor_of(_row("stories", "false_link_rate", 0.01, (0.005, 0.02), "wilson", lower_is_better=True)) is None
    assert floor_of(_row("changepoints", "stop_detected", 1.0, None)) is None


def test_eval_pin_writes_floors_from_lower_bounds(tmp_path: Path) -> None:
    path = tmp_path / "floors.json"
    path.write_text(json.dumps({"about": "old", "floors": {
        "extraction/x/f1": 0.95, "extraction/x/gone": 0.5, "storms/y/hit_rate": 0.9,
        "changepoints/x/stop_detected": 0.99, "changepoints/x/onset_error": 0.1}}), encoding="utf-8")
    rows = [
        _row("extraction", "f1", 0.93, (0.9123, 0.95)),
        _row("extraction", "recall", 0.8, (0.75, 0.85), "wilson"),
        _row("extraction", "rate", 0.0, (0.0, 0.03), "wilson"),  # a floor of 0 could never fail
        _row("changepoints", "stop_detected", 1.0, None),
        _row("changepoints", "onset_error", 2.0, None, lower_is_better=True),
    ]
    report = pin_floors(rows, path, today=date(2026, 12, 1), versions={"numpy": "9.9"})
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["floors"] == {
        "extraction/x/f1": 0.912, "extraction/x/recall": 0.75,
        "storms/y/hit_rate": 0.9,  # storms did not run: kept as it was
        "changepoints/x/stop_detected": 0.99,  # no interval: the exact floor stays
    }
    assert "95% confidence interval" in data["method"] and "Wilson" in data["method"]
    assert data["intervals"]["extraction/x/f1"] == {"value": 0.93, "low": 0.9123, "high": 0.95,
                                                    "method": "bootstrap", "n": 100}
    assert data["pinned"] == [{"date": "2026-12-01", "stages": ["extraction", "changepoints"],
                               "versions": {"numpy": "9.9"}}]
    # every floor that moves down is said, with old and new value
    lines = report.lines()
    assert any("extraction/x/f1: 0.950 → 0.912" in line for line in lines)
    assert any("extraction/x/gone" in line for line in lines)  # dropped: extraction ran and lacks it
    assert any("changepoints/x/onset_error" in line for line in lines)  # lower is better: no floor
    assert any("extraction/x/rate" in line for line in lines)
    assert sorted(report.dropped) == ["changepoints/x/onset_error", "extraction/x/gone"]
    # the pinned floors pass the run that measured them
    assert check_floors(rows, load_floors(path)) == []


def test_eval_pin_keeps_a_raised_floor_below_its_value(tmp_path: Path) -> None:
    path = tmp_path / "floors.json"
    path.write_text(json.dumps({"floors": {"tone/x/macro_f1": 0.40}}), encoding="utf-8")
    rows = [_row("tone", "macro_f1", 0.7123, (0.65, 0.77))]
    report = pin_floors(rows, path, today=date(2026, 12, 1), versions={})
    floors = load_floors(path)
    assert floors == {"tone/x/macro_f1": 0.65} and report.raised == 1 and not report.lowered
    assert all(floors[r.key] <= r.value for r in rows)
    # a later pin of another stage keeps this one's floors and its stamp
    pin_floors([_row("storms", "hit_rate", 1.0, (0.566, 1.0), "wilson")], path, today=date(2026, 12, 2), versions={})
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["floors"] == {"tone/x/macro_f1": 0.65, "storms/x/hit_rate": 0.566}
    assert [(e["date"], e["stages"]) for e in data["pinned"]] == [("2026-12-01", ["tone"]), ("2026-12-02", ["storms"])]


def _capped(metric: str, value: float, ci: tuple[float, float] | None) -> EvalRow:
    return EvalRow("stories", "x", metric, value, 3000, ci_low=ci[0] if ci else None,
                   ci_high=ci[1] if ci else None, ci_method="bootstrap" if ci else "", lower_is_better=True,
                   ceiling=True)


def test_eval_pin_ceiling_rounds_up_and_never_below_value() -> None:
    assert ceil3(0.935) == 0.935 and ceil3(0.9351) == 0.936 and ceil3(25.0) == 25.0
    assert ceiling_of(_capped("largest_story", 15.0, (15.0, 24.5))) == 24.5
    assert ceiling_of(_capped("share", 0.0042, (0.0, 0.00912))) == 0.01
    assert ceiling_of(_capped("share", 0.02, (0.005, 0.015))) == 0.02  # never below what was measured
    assert ceiling_of(_capped("largest_story", 15.0, None)) is None
    # lower is better without asking for a ceiling: printed only, as before
    assert ceiling_of(_row("stories", "false_link_rate", 0.01, (0.005, 0.02), "wilson", lower_is_better=True)) is None


def test_eval_pin_writes_ceilings_and_keeps_other_stages(tmp_path: Path) -> None:
    path = tmp_path / "floors.json"
    path.write_text(json.dumps({"floors": {"stories/x/f1": 0.8, "tone/y/macro_f1": 0.4},
                                "ceilings": {"stories/x/largest_story": 30.0, "stories/x/gone": 1.0,
                                             "tone/y/errors": 5.0}}), encoding="utf-8")
    rows = [_row("stories", "f1", 0.85, (0.81, 0.9)), _capped("largest_story", 15.0, (15.0, 24.5)),
            _capped("share_in_stories_over_20", 0.0, (0.0, 0.0091))]
    report = pin_floors(rows, path, today=date(2026, 12, 3), versions={})
    assert load_ceilings(path) == {"stories/x/largest_story": 24.5, "stories/x/share_in_stories_over_20": 0.01,
                                   "tone/y/errors": 5.0}  # tone did not run: kept as it was
    assert load_floors(path) == {"stories/x/f1": 0.81, "tone/y/macro_f1": 0.4}  # no floor for a capped row
    assert report.ceilings_added == 1 and report.ceilings_lowered == 1 and not report.raised_ceilings
    assert report.dropped_ceilings == ["stories/x/gone"]
    assert any("ceiling dropped" in line and "stories/x/gone" in line for line in report.lines())
    assert json.loads(path.read_text(encoding="utf-8"))["intervals"]["stories/x/largest_story"]["high"] == 24.5
    assert check_floors(rows, load_floors(path), load_ceilings(path)) == []
