"""`limelight eval`: score every heuristic stage on ../shared/data, print one table, enforce floors.

A row below its pinned floor in floors.json fails the run (exit 1), as does a row above its pinned
ceiling and a pinned row that is no longer produced. Floors and ceilings are written only by the
explicit ``limelight eval --pin`` (:mod:`limelight.eval.pin`: the lower, or for a ceiling the upper,
end of each row's 95% interval), which prints every floor it lowers and every ceiling it raises; a
plain run never changes them.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from pathlib import Path

import pyarrow as pa

from limelight.eval import cache
from limelight.eval.base import FLOORS_FILE, EvalRow, load_ceilings, load_floors
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
    start = time.perf_counter()
    for stage in STAGES:
        if only and stage not in only:
            continue
        module = importlib.import_module(f"limelight.eval.{stage}")
        t0 = time.perf_counter()
        stage_rows = module.evaluate(data_dir)
        print(f"[eval] {stage}: {len(stage_rows)} rows in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        rows.extend(stage_rows)
    print(f"[eval] total: {len(rows)} rows in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return rows


def check_floors(rows: list[EvalRow], floors: dict[str, float],
                 ceilings: dict[str, float] | None = None) -> list[str]:
    failures = []
    ceilings = ceilings or {}
    seen = {r.key for r in rows}
    ran = {r.stage for r in rows}
    for r in rows:
        floor, ceiling = floors.get(r.key), ceilings.get(r.key)
        if floor is not None and r.value < floor:
            failures.append(f"{r.key} = {r.value:.4f} is below its floor {floor:.4f}")
        if ceiling is not None and r.value > ceiling:
            failures.append(f"{r.key} = {r.value:.4f} is above its ceiling {ceiling:.4f}")
    return failures + [f"{k}: pinned {what} but no row was produced"
                       for what, pinned in (("floor", floors), ("ceiling", ceilings))
                       for k in pinned if k not in seen and k.split("/")[0] in ran]


def _ci(r: EvalRow) -> str:
    return f"{r.ci_low:.3f}–{r.ci_high:.3f}" if r.ci_low is not None and r.ci_high is not None else ""


def result_table(rows: list[EvalRow], floors: dict[str, float], fmt: str = "table",
                 ceilings: dict[str, float] | None = None) -> pa.Table:
    """One row per EvalRow; the table shows the interval as "low–high", json/csv carry its parts."""
    ceilings = ceilings or {}
    out = []
    for r in rows:
        rec: dict[str, object] = {"stage": r.stage, "dataset": r.dataset, "metric": r.metric,
                                  "value": round(r.value, 4)}
        if fmt == "table":
            rec["ci"] = _ci(r)
        else:
            rec.update(ci_low=None if r.ci_low is None else round(r.ci_low, 4),
                       ci_high=None if r.ci_high is None else round(r.ci_high, 4), ci_method=r.ci_method)
        rec.update(n=r.n, floor=floors.get(r.key), ceiling=ceilings.get(r.key),
                   reference=", ".join(f"{k} {v:.3f}" for k, v in r.reference.items()), note=r.note)
        out.append(rec)
    return pa.Table.from_pylist(out)


def run_eval(data: Path | None, only: list[str], fmt: str = "table", pin: bool = False,
             use_cache: bool = True, floors_file: Path = FLOORS_FILE) -> int:
    data_dir = data or default_data_dir()
    if not data_dir.is_dir():
        print(f"Error: labelled data folder {data_dir} not found — pass --data DIR or set LIMELIGHT_DATA",
              file=sys.stderr)
        return 2
    embeddings = cache.install(cache.EmbeddingCache(enabled=use_cache))
    rows = collect(data_dir, only or None)
    where = f"cache {embeddings.directory}" if use_cache else "cache off (--no-cache)"
    print(f"[eval] embeddings: {embeddings.hits:,} from the cache, {embeddings.computed:,} computed ({where})",
          file=sys.stderr)
    if pin:
        from limelight.eval.pin import pin_floors

        report = pin_floors(rows, floors_file)
        for line in report.lines():
            print(f"[eval] {line}", file=sys.stderr)
        loosened = len(report.lowered) + len(report.raised_ceilings)
        review = f"; review the {loosened} loosened floor(s) and ceiling(s) before committing it" if loosened else ""
        print(f"[eval] wrote {floors_file}{review}", file=sys.stderr)
    floors, ceilings = load_floors(floors_file), load_ceilings(floors_file)
    write_table(result_table(rows, floors, fmt, ceilings), fmt, sys.stdout, title=f"limelight eval on {data_dir}")
    failures = check_floors(rows, floors, ceilings)
    for f in failures:
        print(f"FLOOR FAILED: {f}", file=sys.stderr)
    return 1 if failures else 0
