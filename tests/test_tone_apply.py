"""`limelight tone apply` scores what ingestion left unscored, once."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

import limelight
from limelight.cli import main


def test_tone_apply_scores_stored_mentions_once(tmp_path: Path, seed_file: Path) -> None:
    project = limelight.init(tmp_path / "p", example="seed")
    limelight.ingest([str(seed_file)], project, fetch=False)
    counts = "select count(*) filter (where tone is null) as missing, count(*) as n from mentions"
    before = limelight.query(counts, project).to_pylist()[0]
    assert before["n"] >= 10 and before["missing"] == before["n"]  # tone.at_ingest is off by default

    result = CliRunner().invoke(main, ["tone", "apply", "-p", str(project.root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"{before['n']:,} mentions and 1 documents" in result.output
    after = limelight.query(counts, project).to_pylist()[0]
    assert after["missing"] == 0
    labels = limelight.query("select distinct tone_label from mentions", project).column(0).to_pylist()
    assert set(labels) <= {"negative", "neutral", "positive"}
    doc = limelight.query("select tone, tone_label from documents", project).to_pylist()[0]
    assert -1 <= doc["tone"] <= 1 and doc["tone_label"] in {"negative", "neutral", "positive"}

    again = limelight.apply_tone(project)
    assert (again.mentions, again.documents) == (0, 0)
