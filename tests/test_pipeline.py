"""Pipeline behaviour: worker processes give the same result as inline, chains are validated."""

from __future__ import annotations

from pathlib import Path

import pytest

import limelight
from limelight.errors import PluginError
from limelight.pipeline import enricher_chain


def _ingest_rows(root: Path, pages: list[str], workers: int) -> tuple[list[tuple[object, ...]], int]:
    project = limelight.init(root)
    result = limelight.ingest(pages, project, workers=workers, fetch=False)
    docs = limelight.query("select id, title, language, length(text) from documents order by id", project)
    mentions = limelight.query("select count(*) as n from mentions", project).column("n")[0].as_py()
    assert result.stats.failed == 0, [e.line() for e in result.errors]
    return [tuple(r.values()) for r in docs.to_pylist()], mentions


def test_pipeline_two_workers_same_rows_as_one(tmp_path: Path, shared_data: Path, seed_file: Path) -> None:
    pages = [str(seed_file)] + [str(p) for p in sorted(
        (shared_data / "extraction" / "scrapinghub_aeb" / "html").glob("*.html.gz"))[:40]]
    one = _ingest_rows(tmp_path / "one", pages, workers=1)
    two = _ingest_rows(tmp_path / "two", pages, workers=2)
    assert one == two
    assert len(one[0]) == 41


def test_pipeline_enricher_chain_orders_by_requires() -> None:
    chain = enricher_chain()
    names = [e.name for e in chain]
    provided: set[str] = {"document.text", "document.title", "document.captions"}
    for e in chain:
        assert set(e.requires) <= provided, f"{e.name} runs before what it needs"
        provided |= set(e.provides)
    assert "language" in names and "mentions" in names


def test_pipeline_enricher_chain_refuses_missing_input(monkeypatch: pytest.MonkeyPatch) -> None:
    from limelight.registry import registry

    # A field no enricher provides (document.tone is provided since the tone enricher, issue #3).
    class NeedsTone:
        name, version, title = "needs-tone", "1", "needs tone"
        requires, provides = ("document.sarcasm",), ("x",)

        def setup(self, ctx: object) -> None: ...

        def __call__(self, item: object) -> object:
            return item

    plugins = dict(registry._plugins["enricher"])
    monkeypatch.setitem(registry._plugins, "enricher", {**plugins, "needs-tone": NeedsTone()})
    with pytest.raises(PluginError, match=r"document\.sarcasm"):
        enricher_chain()
