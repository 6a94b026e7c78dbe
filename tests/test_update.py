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


def test_update_links_a_project_of_posts_only_without_failing_and_remembers_it(tmp_path: Path) -> None:
    # A social export alone has no news kinds for the story clustering: that linker found nothing
    # to cluster and failed on the empty set, so every watch cycle failed and began again from nothing.
    project = api.init(tmp_path / "p", sample=True)
    first = api.update([str(project.root / "sample" / "social")], project, fetch=False, tone=False)
    assert first.ingest.stats.new > 0 and first.link is not None
    from limelight.link.base import NEWS_KINDS

    kinds = set(api.query("SELECT DISTINCT kind FROM documents", project).column(0).to_pylist())
    assert kinds and not kinds & set(NEWS_KINDS) and _counts(project)["stories"] == 0
    again = api.update([str(project.root / "sample" / "social")], project, fetch=False, tone=False)
    assert again.link is not None and again.link.new_links == 0
    states = api.query("SELECT count(*) FROM linker_settings WHERE linker = 'stories'", project).column(0)[0].as_py()
    assert states == 1  # the linker's fingerprint is stored: the next run does not start from scratch
