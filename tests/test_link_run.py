"""`limelight link` on a tiny SYNTHETIC project: progress as it works, and each text embedded once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from limelight import api
from limelight.cli import main
from limelight.models import Document, Enriched, Source, content_hash
from limelight.project import Project

NOTICE = "Kestrel Auto to Present at the Annual Mobility Conference"


def _project(root: Path) -> Project:
    project = api.init(root / "p")
    items = []
    # the same notice on two outlets (one text to embed) and an unrelated article
    for i, (outlet, title, text) in enumerate([("a.example", NOTICE, ""), ("b.example", NOTICE, ""),
                                               ("c.example", "Corvid Motors cuts prices", "Analysts expect "
                                                "margins to shrink before the end of the year.")]):
        items.append(Enriched(Document(
            id=f"d{i}", kind="article", origin=f"synthetic:{i}", source=Source.make("web", outlet), text=text,
            title=title, url=f"https://{outlet}/{i}", language="en", language_confidence=0.99,
            published_at=datetime(2025, 3, 1 + i, tzinfo=UTC), content_hash=content_hash(title, text))))
    store = project.open_store()
    try:
        store.write(items, "synthetic")
    finally:
        store.close()
    return project


def test_link_run_reports_progress_and_embeds_each_text_once(tmp_path: Path) -> None:
    project = _project(tmp_path)
    calls: list[tuple[str, int, int]] = []
    summary = api.link(project, on_progress=lambda stage, done, total: calls.append((stage, done, total)))
    stages = list(dict.fromkeys(stage for stage, _, _ in calls))
    linkers = [s for s in stages if s.startswith("linker ")]
    assert linkers[:4] == ["linker duplicates", "linker translations", "linker stories", "linker copied_posts"]
    assert calls[-1] == (linkers[-1], len(linkers), len(linkers))
    embedding = [(done, total) for stage, done, total in calls if stage.startswith("embedding title + lead")]
    assert embedding[0] == (0, 2) and embedding[-1] == (2, 2)  # three documents, two distinct texts
    assert summary.embeddings == 3 and summary.by_kind.get("syndication") == 1
    assert all(0 <= done <= total for _, done, total in calls)


def test_link_run_cli_links_with_and_without_progress_bar(tmp_path: Path) -> None:
    project = _project(tmp_path)
    for flags in (["--quiet"], []):
        result = CliRunner().invoke(main, ["link", "--project", str(project.root), *flags])
        assert result.exit_code == 0, result.output
        assert "Linked in" in result.output and "3 embeddings stored" in result.output
