"""The pipeline as one library step: ingest → tone → link on one open store (limelight.update),
on the bundled SYNTHETIC sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from limelight import api
from limelight.project import Project
from limelight.update import update

pytestmark = pytest.mark.slow


def _counts(project: Project) -> dict[str, int]:
    row = api.query("SELECT (SELECT count(*) FROM documents) AS documents, "
                    "(SELECT count(*) FROM mentions WHERE tone IS NULL) AS untoned, "
                    "(SELECT count(*) FROM mentions) AS mentions, "
                    "(SELECT count(*) FROM stories) AS stories", project).to_pylist()[0]
    return {k: int(v) for k, v in row.items()}


# Slow (the slowest of make test, measured with --durations): runs in make test-full, which .ci/run calls.
@pytest.mark.full
def test_update_ingests_tones_and_links_then_only_what_is_new(tmp_path: Path) -> None:
    project = api.init(tmp_path / "p", sample=True)
    sample = project.root / "sample"
    first = api.update([str(sample / "articles")], project, fetch=False)
    assert first.ingest.stats.new > 0 and first.ingest.stats.failed == 0
    assert first.tone is not None and first.tone.mentions == first.ingest.stats.mentions
    assert first.link is not None and first.link.stories > 0
    after_first = _counts(project)
    assert after_first["untoned"] == 0 and after_first["stories"] > 0

    second = api.update([str(sample / "social")], project, fetch=False)
    assert second.ingest.stats.new > 0 and second.ingest.stats.known == 0
    assert second.tone is not None
    # tone scores the new mentions only: the first run's are scored already
    assert second.tone.mentions == second.ingest.stats.mentions
    after = _counts(project)
    assert after["untoned"] == 0 and after["documents"] > after_first["documents"]

    again = api.update([str(sample / "social")], project, fetch=False)
    assert again.ingest.stats.new == 0 and again.tone is not None and again.tone.mentions == 0
    assert again.link is not None and again.link.new_links == 0
    assert _counts(project) == after


def test_update_runs_on_a_store_the_caller_holds_open(tmp_path: Path) -> None:
    project = api.init(tmp_path / "p", sample=True)
    store = project.open_store()
    try:
        result = update(store, project, [str(project.root / "sample" / "articles")], fetch=False, link=False)
        assert result.link is None and result.tone is not None
        # the store is still open and usable after the step: the caller owns it
        assert store.read("core.table_counts").to_pylist()[0]["documents"] == result.ingest.stats.new
    finally:
        store.close()
