"""`limelight eval`: score every heuristic stage on ../shared/data, print one table, enforce floors.

A row below its pinned floor in floors.json fails the run (exit 1). Lowering a floor is an explicit,
explained commit to floors.json — never done by this code.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from pathlib import Path

import pyarrow as pa

from limelight.eval.base import EvalRow, load_floors
from limelight.exports import write_table

STAGES: tuple[str, ...] = ("extraction", "language", "entities", "tone", "stories", "changepoints", "storms")


def default_data_dir() -> Path:
    env = os.environ.get("LIMELIGHT_DATA")
    if env:
        return Path(env)
    here = Path.cwd()
    for base in (here, *here.parents):
        if (base / "shared" / "data").is_dir():
            return base / "shared" / "data"
    return Path(__file__).resolve().parents[4] / "shared" / "data"


def collect(data_dir: Path, only: list[str] | None = None) -> list[EvalRow]:
    rows: list[EvalRow] = []
    for stage in STAGES:
        if only and stage not in only:
            continue
        module = importlib.import_module(f"limelight.eval.{stage}")
        t0 = time.perf_counter()
        stage_rows = module.evaluate(data_dir)
        print(f"[eval] {stage}: {len(stage_rows)} rows in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        rows.extend(stage_rows)
    return rows


def check_floors(rows: list[EvalRow], floors: dict[str, float]) -> list[str]:
    failures = []
    seen = {r.key for r in rows}
    for r in rows:
        floor = floors.get(r.key)
        if floor is not None and r.value < floor:
            failures.append(f"{r.key} = {r.value:.4f} is below its floor {floor:.4f}")
    return failures + [f"{k}: pinned floor but no row was produced" for k in floors if k not in seen
                       and k.split("/")[0] in {r.stage for r in rows}]


def run_eval(data: Path | None, only: list[str], fmt: str = "table") -> int:
    data_dir = data or default_data_dir()
    if not data_dir.is_dir():
        print(f"Error: labelled data folder {data_dir} not found — pass --data DIR or set LIMELIGHT_DATA",
              file=sys.stderr)
        return 2
    rows = collect(data_dir, only or None)
    floors = load_floors()
    table = pa.Table.from_pylist([
        {"stage": r.stage, "dataset": r.dataset, "metric": r.metric, "value": round(r.value, 4), "n": r.n,
         "floor": floors.get(r.key),
         "reference": ", ".join(f"{k} {v:.3f}" for k, v in r.reference.items()), "note": r.note}
        for r in rows
    ])
    write_table(table, fmt, sys.stdout, title=f"limelight eval on {data_dir}")
    failures = check_floors(rows, floors)
    for f in failures:
        print(f"FLOOR FAILED: {f}", file=sys.stderr)
    return 1 if failures else 0
