"""Local files an ingest read in full are recorded by size and modification time, and
``skip_unchanged`` (the watcher's cycles, ``ingest --skip-unchanged``) passes over them: a cycle over a
watched folder of exports must not read every post again. SYNTHETIC posts throughout."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from limelight import api
from limelight.cli import main
from limelight.project import Project, init_project
from test_watch import WATCHLIST

HOUR_AGO = time.time() - 3600


def _posts(path: Path, first: int, n: int, *, bad: bool = False, age: float = HOUR_AGO) -> None:
    """Append ``n`` SYNTHETIC 4CAT-style posts (ids from ``first``) to ``path``, then date the file
    ``age`` (an hour ago by default: older than the racy window)."""
    with path.open("a", encoding="utf-8") as fh:
        for i in range(first, first + n):
            fh.write(json.dumps({"id": f"p{i}", "thread_id": f"p{i}", "author": "acme_news",
                                 "timestamp": 1_793_000_000 + i * 60,
                                 "body": f"SYNTHETIC post {i}: Acme opens store number {i}."}) + "\n")
        if bad:
            fh.write("{not json\n")
    os.utime(path, (age, age))


def _project(tmp_path: Path) -> tuple[Project, Path]:
    root = tmp_path / "project"
    init_project(root, watchlist=WATCHLIST)
    (root / "limelight.toml").write_text("[ingest]\nworkers = -1\n", encoding="utf-8")
    folder = tmp_path / "exports"
    folder.mkdir()
    return Project.open(root), folder


def _files(project: Project) -> dict[str, int]:
    return {r["path"]: r["size"] for r in api.query("SELECT path, size FROM ingested_files", project).to_pylist()}


def test_unchanged_files_are_passed_over_and_a_grown_file_is_read_again(tmp_path: Path) -> None:
    project, folder = _project(tmp_path)
    _posts(folder / "a.ndjson", 0, 30)
    _posts(folder / "b.ndjson", 100, 20)
    first = api.ingest([str(folder)], project, skip_unchanged=True).stats
    assert (first.items, first.new, first.unchanged) == (50, 50, 0)
    assert set(_files(project)) == {str(folder / "a.ndjson"), str(folder / "b.ndjson")}

    again = api.ingest([str(folder)], project, skip_unchanged=True).stats
    assert (again.items, again.new, again.unchanged) == (0, 0, 2)  # not one post read again

    _posts(folder / "b.ndjson", 120, 5)  # the export grew
    grown = api.ingest([str(folder)], project, skip_unchanged=True).stats
    assert (grown.items, grown.new, grown.known, grown.unchanged) == (25, 5, 20, 1)
    assert _files(project)[str(folder / "b.ndjson")] == (folder / "b.ndjson").stat().st_size
    assert api.query("SELECT count(*) FROM documents", project).column(0)[0].as_py() == 55


def test_without_skip_unchanged_every_file_is_read_and_its_posts_counted_known(tmp_path: Path) -> None:
    project, folder = _project(tmp_path)
    _posts(folder / "a.ndjson", 0, 10)
    api.ingest([str(folder)], project)  # a plain ingest records the files too
    plain = api.ingest([str(folder)], project).stats
    assert (plain.items, plain.known, plain.unchanged) == (10, 10, 0)
    reprocessed = api.ingest([str(folder)], project, reprocess=True, skip_unchanged=True).stats
    assert reprocessed.items == 10 and reprocessed.unchanged == 0  # --reprocess always reads


def test_a_file_with_a_failed_item_is_read_again_until_it_reads_clean(tmp_path: Path) -> None:
    project, folder = _project(tmp_path)
    _posts(folder / "good.ndjson", 0, 10)
    _posts(folder / "bad.ndjson", 100, 10, bad=True)
    first = api.ingest([str(folder)], project, skip_unchanged=True).stats
    assert (first.new, first.failed) == (20, 1)
    assert set(_files(project)) == {str(folder / "good.ndjson")}  # the failed line came from bad.ndjson
    again = api.ingest([str(folder)], project, skip_unchanged=True).stats
    assert (again.items, again.known, again.failed, again.unchanged) == (11, 10, 1, 1)


def test_a_file_modified_moments_ago_is_not_recorded_so_a_write_in_the_same_tick_is_not_lost(
        tmp_path: Path) -> None:
    project, folder = _project(tmp_path)
    _posts(folder / "live.ndjson", 0, 5, age=time.time())  # still being written, for all we know
    api.ingest([str(folder)], project, skip_unchanged=True)
    assert _files(project) == {}
    assert api.ingest([str(folder)], project, skip_unchanged=True).stats.items == 5


def test_other_read_options_read_the_file_again(tmp_path: Path) -> None:
    project, folder = _project(tmp_path)
    _posts(folder / "a.ndjson", 0, 5)
    api.ingest([str(folder)], project, skip_unchanged=True)
    other = api.ingest([str(folder)], project, skip_unchanged=True, account="acme_news").stats
    assert (other.items, other.unchanged) == (5, 0)


@pytest.mark.parametrize("extra", [[], ["--skip-unchanged"]])
def test_cli_ingest_skip_unchanged_says_how_many_files_it_passed_over(tmp_path: Path, extra: list[str]) -> None:
    project, folder = _project(tmp_path)
    _posts(folder / "a.ndjson", 0, 5)
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", "-q", "-p", str(project.root), str(folder)]).exit_code == 0
    res = runner.invoke(main, ["ingest", "-q", "-p", str(project.root), str(folder), *extra])
    assert res.exit_code == 0, res.output
    if extra:
        assert "Ingested 0 items" in res.output and "Passed over 1 file unchanged" in res.output
    else:
        assert "Ingested 5 items" in res.output and "Passed over" not in res.output
