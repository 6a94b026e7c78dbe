"""A corrected mapping is applied to stored documents (`ingest --reprocess`), and a document built
from a feed entry's summary gives way to its real page when that arrives."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import limelight
from limelight.project import CONFIG_NAME, WATCHLIST_NAME

WATCHLIST = '[[entity]]\nid = "lei-jun"\nkind = "person"\nname = "Lei Jun"\naliases = ["Lei Jun"]\n'
CSV = "id,headline,body,when\n1,Lei Jun at the show,Lei Jun sat in the audience.,2025-11-03 10:00\n" \
      "2,Phones sold out,Xiaomi sold every phone it had.,2025-11-04 10:00\n"


def _project(root: Path, mapping: str) -> limelight.Project:
    limelight.init(root)
    (root / CONFIG_NAME).write_text(textwrap.dedent(mapping), encoding="utf-8")
    (root / WATCHLIST_NAME).write_text(WATCHLIST, encoding="utf-8")
    return limelight.open_project(root)


def _rows(project: limelight.Project) -> list[dict[str, object]]:
    return limelight.query("select id, title, text, first_run_id from documents order by published_at",
                           project).to_pylist()


def test_reprocess_applies_a_corrected_mapping_to_stored_documents(tmp_path: Path) -> None:
    """A corrected mapping was not applied: the stored documents were "already known"."""
    wrong = '[mappings.news]\nglob = "*.csv"\ntext = "headline"\nid = "id"\ntimestamp = "when"\n'
    project = _project(tmp_path / "p", wrong)
    path = tmp_path / "news.csv"
    path.write_text(CSV, encoding="utf-8")
    first = limelight.ingest([str(path)], project, fetch=False)
    before = _rows(project)
    assert [r["text"] for r in before] == ["Lei Jun at the show", "Phones sold out"]
    (project.root / CONFIG_NAME).write_text(wrong.replace('text = "headline"', 'text = "body"\ntitle = "headline"'),
                                            encoding="utf-8")
    fixed = limelight.open_project(project.root)
    plain = limelight.ingest([str(path)], fixed, fetch=False)
    assert plain.stats.known == 2 and [r["text"] for r in _rows(fixed)] == [r["text"] for r in before]
    redo = limelight.ingest([str(path)], fixed, fetch=False, reprocess=True)
    assert redo.stats.new == 2 and redo.stats.removed == 0
    after = _rows(fixed)
    assert [r["text"] for r in after] == ["Lei Jun sat in the audience.", "Xiaomi sold every phone it had."]
    assert [r["title"] for r in after] == ["Lei Jun at the show", "Phones sold out"]
    assert [r["id"] for r in after] == [r["id"] for r in before]
    assert {r["first_run_id"] for r in after} == {first.run_id}  # still first stored by the first run
    fields = limelight.query("select field from mentions order by field", fixed).column("field").to_pylist()
    assert fields == ["text", "title"]  # the mapping now gives the headline its own field (role headline)


def test_reprocess_removes_documents_the_new_reading_no_longer_makes(tmp_path: Path) -> None:
    no_id = '[mappings.news]\nglob = "*.csv"\ntext = "body"\ntimestamp = "when"\n'
    project = _project(tmp_path / "p", no_id)
    path = tmp_path / "news.csv"
    path.write_text(CSV, encoding="utf-8")
    limelight.ingest([str(path)], project, fetch=False)
    old_ids = {r["id"] for r in _rows(project)}
    (project.root / CONFIG_NAME).write_text(no_id + 'id = "id"\n', encoding="utf-8")  # now keyed by the id column
    fixed = limelight.open_project(project.root)
    redo = limelight.ingest([str(path)], fixed, fetch=False, reprocess=True)
    new_ids = {r["id"] for r in _rows(fixed)}
    assert len(new_ids) == 2 and not new_ids & old_ids
    assert redo.stats.removed == 2
    assert limelight.query("select count(*) as n from mentions where document_id not in "
                           "(select id from documents)", fixed).column("n")[0].as_py() == 0


def test_feed_summary_gives_way_to_the_real_page(tmp_path: Path) -> None:
    """An entry stored from its feed summary kept the entry URL's id, so the real page fetched later
    counted as known and never replaced it."""
    project = _project(tmp_path / "p", "")
    feed = tmp_path / "feed.rss"
    feed.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
                    "<title>Lei Jun steps back</title><link>https://news.example/lei-jun</link>"
                    "<description>Lei Jun was in the audience, a summary says.</description>"
                    "</item></channel></rss>", encoding="utf-8")
    limelight.ingest([str(feed)], project, fetch=False)
    (summary,) = _rows(project)
    page = ("<html><head><title>Lei Jun steps back</title></head><body><article><h1>Lei Jun steps back</h1>"
            "<p>Lei Jun sat in the audience on Monday while Lu Weibing gave the keynote, the full article "
            "says, and he did not speak at all during the two-hour event.</p></article></body></html>")
    warc = tmp_path / "crawl.warc.gz"
    with warc.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://news.example/lei-jun", "response",
                                                      payload=io.BytesIO(page.encode()), http_headers=headers))
    result = limelight.ingest([str(warc)], project, fetch=False)
    (full,) = _rows(project)
    assert full["id"] == summary["id"] and result.stats.new == 1
    assert "two-hour event" in str(full["text"])
    again = limelight.ingest([str(feed)], project, fetch=False)  # the summary never replaces the page
    assert again.stats.known == 1 and "two-hour event" in str(_rows(project)[0]["text"])
