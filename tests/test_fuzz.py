"""The fuzz harness: a seeded corpus of hostile inputs of every source kind (tests/hostile_corpus.py,
synthetic), mixed with good ones, through `limelight ingest` in a child process.

Every run must end normally (exit 0 or 1, never a traceback or exit 2), every bad item must cost
exactly one error row (the same origin where it is known in advance) and every good item must be
stored, with peak memory under :data:`MAIN_MB` for the ingest process and :data:`WORKER_MB` for a
worker. A slice (about 1,100 inputs) runs in every CI; the whole set (more than 10,000 inputs, two
seeds) is marked ``full`` and runs in `.ci/run`'s full job (`make test-full`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import hostile_corpus
import limelight
from limelight.project import CONFIG_NAME

MAIN_MB = 700  # the ingest process: sources, the writer, DuckDB
WORKER_MB = 1200  # one worker: lingua's models (~0.4 GB) plus the largest item in flight

def _ingest(project: Path, corpus: Path, workers: int) -> tuple[int, str, float, float]:
    """Ingest in a child; its exit status, stderr, and the run's recorded peak memory (MB) of the
    ingest process and of its largest worker (VmHWM, read by the run itself)."""
    proc = subprocess.run([sys.executable, "-m", "limelight.cli", "ingest", "-q", "--offline", "-w", str(workers),
                           "-p", str(project), str(corpus)], capture_output=True, text=True, timeout=3000)
    stats = json.loads(limelight.query("select stats from ingest_runs order by started_at desc limit 1",
                                       limelight.open_project(project)).column(0)[0].as_py())
    return proc.returncode, proc.stderr, float(stats["main_peak_mb"]), float(stats["worker_peak_mb"])


def _owner(origin: str, files: dict[str, hostile_corpus.Expect]) -> str:
    """The input file an origin belongs to (``path``, ``path:line``, ``path#entry``)."""
    if origin in files:
        return origin
    for sep in ("#", ":"):
        head = origin.rsplit(sep, 1)[0]
        if head in files:
            return head
    raise AssertionError(f"an error or document from no input of the corpus: {origin!r}")


def run_fuzz(tmp_path: Path, seed: int, scale: float, workers: int) -> dict[str, float]:
    corpus = hostile_corpus.build(tmp_path / "corpus", seed, scale)
    limelight.init(tmp_path / "p")
    (tmp_path / "p" / CONFIG_NAME).write_text(hostile_corpus.SETTINGS, encoding="utf-8")
    (tmp_path / "p" / "watchlist.toml").write_text(hostile_corpus.WATCHLIST, encoding="utf-8")
    code, stderr, main_mb, worker_mb = _ingest(tmp_path / "p", tmp_path / "corpus", workers)
    assert code in (0, 1), f"aborted run (exit {code}):\n{stderr[-3000:]}"
    assert "Traceback" not in stderr, stderr[-3000:]

    project = limelight.open_project(tmp_path / "p")
    files = {str(f.path): f for f in corpus.files}
    assert len(files) == len(corpus.files), "the corpus names two inputs alike"
    docs = Counter(_owner(o, files) for o in
                   limelight.query("select origin from documents", project).column("origin").to_pylist())
    errors = limelight.query("select origin, message, hint from errors", project).to_pylist()
    # Every bad item is diagnosed in words; none reaches the "this looks like a limelight bug" path.
    bugs = [e for e in errors if "limelight bug" in (e["hint"] or "") or "please report" in (e["hint"] or "")]
    assert not bugs, bugs[:5]
    err_by_file: dict[str, list[str]] = {}
    for e in errors:
        err_by_file.setdefault(_owner(e["origin"], files), []).append(e["origin"])
    problems = []
    for path, expect in files.items():
        got_errors = err_by_file.get(path, [])
        if docs.get(path, 0) != expect.docs:
            problems.append(f"{expect.kind} {path}: {docs.get(path, 0)} documents, expected {expect.docs}")
        if len(got_errors) != expect.errors:
            msgs = [e["message"][:100] for e in errors if _owner(e["origin"], files) == path]
            problems.append(f"{expect.kind} {path}: {len(got_errors)} error rows, expected {expect.errors}: {msgs}")
        elif expect.error_origins is not None and set(got_errors) != expect.error_origins:
            problems.append(f"{expect.kind} {path}: errors at {sorted(got_errors)}, expected "
                            f"{sorted(expect.error_origins)}")
    assert not problems, f"{len(problems)} inputs misread:\n" + "\n".join(problems[:40])
    assert len(errors) == corpus.bad and sum(docs.values()) == corpus.good
    assert 0 < main_mb < MAIN_MB, f"ingest process peaked at {main_mb:.0f} MB"
    assert 0 < worker_mb < WORKER_MB, f"a worker peaked at {worker_mb:.0f} MB"
    # Nothing interpreted on the way: the hostile text is stored as it was written.
    assert limelight.query("select count(*) as n from documents where text like '%DROP TABLE documents%'",
                           project).column("n")[0].as_py() > 0
    return {"inputs": corpus.inputs, "bad": corpus.bad, "good": corpus.good, "error_rows": len(errors),
            "main_mb": main_mb, "worker_mb": worker_mb}


def test_fuzz_slice_every_bad_item_one_error_every_good_item_stored(tmp_path: Path) -> None:
    figures = run_fuzz(tmp_path, seed=7, scale=0.1, workers=2)
    assert figures["inputs"] >= 1000
    print("fuzz slice:", figures)


@pytest.mark.full
@pytest.mark.parametrize("seed, workers", [(11, 1), (23, 2)])
def test_fuzz_full_every_bad_item_one_error_every_good_item_stored(tmp_path: Path, seed: int,
                                                                   workers: int) -> None:
    figures = run_fuzz(tmp_path, seed=seed, scale=1.0, workers=workers)
    assert figures["inputs"] >= 10_000
    print(f"fuzz full (seed {seed}, {workers} workers):", figures)
