"""Pipeline behaviour: worker processes give the same result as inline, chains are validated."""

from __future__ import annotations

import json
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


# -- issue #8: counts that add up, --account, known raw pages, feed entries kept -------------------

def _write_project(root: Path, settings: str) -> limelight.Project:
    from limelight.project import CONFIG_NAME

    limelight.init(root)
    (root / CONFIG_NAME).write_text(settings, encoding="utf-8")
    return limelight.open_project(root)


def test_pipeline_summary_counts_duplicates_within_a_run(tmp_path: Path) -> None:
    # 5 rows, two of them repeats of another row; batches of 2, so a repeat can land in a later
    # batch than its first copy. The summary said "2 new, 1 already known" and counted 2 nowhere.
    project = _write_project(tmp_path / "p", '[ingest]\nbatch_size = 2\n\n[mappings.m]\ntext = "msg"\n'
                             'account = "user"\ntimestamp = "when"\nplatform = "x"\nglob = "posts.csv"\n')
    csv_path = tmp_path / "posts.csv"
    csv_path.write_text("user,when,msg\na,2025-01-01,hello\nb,2025-01-01,hello\na,2025-01-01,hello\n"
                        "c,2025-01-02,other\nb,2025-01-01,hello\n", encoding="utf-8")
    first = limelight.ingest([str(csv_path)], project, workers=-1, fetch=False).stats
    assert (first.items, first.new, first.known, first.duplicates, first.failed) == (5, 3, 0, 2, 0)
    # Run again, every copy of a stored document is known, however many copies there are.
    again = limelight.ingest([str(csv_path)], project, workers=-1, fetch=False).stats
    assert (again.items, again.new, again.known, again.duplicates, again.failed) == (5, 0, 5, 0, 0)
    assert again.items == again.new + again.known + again.duplicates + again.failed


def test_pipeline_cli_ingest_account_names_the_handle(tmp_path: Path, shared_data: Path) -> None:
    from click.testing import CliRunner

    from limelight.cli import main

    limelight.init(tmp_path / "p")
    path = shared_data / "social" / "trump" / "trump_tweets_2020-07-19_to_2021-01-06_gabrielpreda.csv.gz"
    result = CliRunner().invoke(main, ["ingest", "-q", "-p", str(tmp_path / "p"), "--account", "realDonaldTrump",
                                       str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "1,984 new, 0 already known, 0 duplicates within this run, 0 failed" in result.output
    handles = limelight.query("select distinct s.platform, s.handle, s.name from documents d "
                              "join sources s on s.id = d.source_id", limelight.open_project(tmp_path / "p"))
    assert handles.to_pylist() == [{"platform": "x", "handle": "realDonaldTrump", "name": "Donald J. Trump"}]


def test_pipeline_reingest_recognises_known_pages_before_extracting(tmp_path: Path, shared_data: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # Re-ingesting known pages extracted every one again (64 s for 451 known items) only for the
    # store to find its id: now a raw page an earlier run turned into a stored document is skipped.
    from limelight.extract.html import HtmlExtractor

    calls: list[str] = []
    original = HtmlExtractor.extract

    def counting(self: HtmlExtractor, page: object, settings: object) -> object:
        calls.append(page.origin)  # type: ignore[attr-defined]
        return original(self, page, settings)  # type: ignore[arg-type]

    monkeypatch.setattr(HtmlExtractor, "extract", counting)
    pages = [str(p) for p in sorted((shared_data / "extraction" / "scrapinghub_aeb" / "html").glob("*.html.gz"))[:6]]
    project = limelight.init(tmp_path / "p")
    first = limelight.ingest(pages, project, workers=-1, fetch=False).stats
    assert (first.new, len(calls)) == (6, 6)
    calls.clear()
    again = limelight.ingest(pages, project, workers=-1, fetch=False).stats
    assert (again.items, again.known, again.new, again.failed) == (6, 6, 0, 0)
    assert calls == []
    assert limelight.query("select count(*) as n from raw_inputs", project).column("n")[0].as_py() == 6


def test_pipeline_feed_entry_whose_page_fails_is_stored_from_the_feed(tmp_path: Path,
                                                                    httpserver: object) -> None:
    from pytest_httpserver import HTTPServer

    assert isinstance(httpserver, HTTPServer)
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/gone").respond_with_data("gone", status=404)
    feed = ('<rss version="2.0"><channel><title>T</title><item><title>Lei Jun stellt den YU7 vor</title>'
            f"<link>{httpserver.url_for('/gone')}</link><pubDate>Sat, 27 Dec 2025 08:30:00 +0800</pubDate>"
            "<description>Der Firmenchef präsentierte in Peking das neue Auto und nannte Preise und "
            "Lieferzeiten für die ersten Kunden.</description></item></channel></rss>")
    httpserver.expect_request("/feed.xml").respond_with_data(feed, content_type="application/rss+xml")
    project = _write_project(tmp_path / "p", '[fetch]\nallowed_networks = ["127.0.0.0/8", "::1/128"]\n')
    result = limelight.ingest([httpserver.url_for("/feed.xml")], project, workers=-1)
    assert (result.stats.new, result.stats.failed, result.exit_status) == (1, 0, 0)
    row = limelight.query("select title, url, published_at, date_source, extra from documents", project).to_pylist()[0]
    assert row["title"] == "Lei Jun stellt den YU7 vor" and row["url"] == httpserver.url_for("/gone")
    assert row["date_source"] == "feed" and row["published_at"].isoformat() == "2025-12-27T00:30:00+00:00"
    assert json.loads(row["extra"]) == {"from_feed_summary": "1", "fetch_failed": "HTTP 404 Not Found"}
