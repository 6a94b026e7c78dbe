"""The CLI end to end on the founding case and on bad input, against a real DuckDB file."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from limelight.cli import main


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    code, out = run("init", str(tmp_path / "proj"))
    assert code == 0, out
    return tmp_path / "proj"


def db(project: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(project / "limelight.duckdb"), read_only=True)


def test_cli_seed_end_to_end(project: Path, seed_file: Path) -> None:
    code, out = run("ingest", "--project", str(project), "--quiet", str(seed_file))
    assert code == 0, out
    assert "1 new" in out
    con = db(project)
    title, lang, published, attribution, captions, text = con.execute(
        "select title, language, published_at, attribution_url, captions, text from documents").fetchone()
    assert title == "Der Donnerlord ist anders."
    assert lang == "de"
    assert published.date().isoformat() == "2025-12-27"
    assert attribution == "https://znews.vn/loi-quan-khac-la-post1614606.html"
    assert len(captions) == 3 and all("Foto:" in c for c in captions)
    for boilerplate in ("Kommentar (0)", "Gleiche Kategorie", "Karottenblüten", "Quelle:"):
        assert boilerplate not in text
    for caption in captions:
        assert caption not in text
    rows = con.execute("select entity_id, role, alias, field from mentions").fetchall()
    found = {(e, r) for e, r, _, _ in rows}
    assert ("lei-jun", "headline") in found
    assert any(e == "lei-jun" and r == "headline" and a == "Donnerlord" for e, r, a, _ in rows)
    assert ("lei-jun", "audience") in found
    assert ("lu-weibing", "speaking") in found
    entities = {e for e, _ in found}
    assert {"luo-fuli", "xiaomi", "leica"} <= entities
    assert any(e == "lei-jun" and f == "caption" for e, _, _, f in rows)


def test_cli_reingest_is_idempotent(project: Path, seed_file: Path, shared_data: Path) -> None:
    pages = sorted((shared_data / "extraction" / "scrapinghub_aeb" / "html").glob("*.html.gz"))[:5]
    targets = [str(seed_file), *map(str, pages)]
    code, out = run("ingest", "-p", str(project), "-q", *targets)
    assert code == 0, out
    con = db(project)
    counts = [con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("documents", "mentions")]
    con.close()
    code, out = run("ingest", "-p", str(project), "-q", *targets)
    assert code == 0, out
    assert "0 new, 6 already known" in out
    con = db(project)
    assert [con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("documents", "mentions")] == counts
    assert con.execute("select count(*) from ingest_runs").fetchone()[0] == 2


def test_cli_bad_items_reported_and_rest_ingested(project: Path, seed_file: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(seed_file, inbox / "seed.txt")
    (inbox / "empty.html").write_bytes(b"")
    (inbox / "image.html").write_bytes(bytes(range(256)) * 40)
    (inbox / "posts.ndjson").write_text('{"id": 1}\n{broken\n', encoding="utf-8")
    code, out = run("ingest", "-p", str(project), "-q", str(inbox))
    assert code == 1, out
    assert "empty" in out.lower()
    assert "posts.ndjson:2" in out
    con = db(project)
    assert con.execute("select count(*) from documents").fetchone()[0] >= 1
    origins = [r[0] for r in con.execute("select origin from errors").fetchall()]
    assert any("empty.html" in o for o in origins)
    assert any("image.html" in o for o in origins)
    assert any(o.endswith("posts.ndjson:2") for o in origins)


def test_cli_watchlist_syntax_error_names_line_and_column(project: Path, seed_file: Path) -> None:
    (project / "watchlist.toml").write_text('[[entity]]\nid = "x"\nname = "X\n', encoding="utf-8")
    code, out = run("ingest", "-p", str(project), "-q", str(seed_file))
    assert code == 2
    assert "line 3" in out and "column" in out


def test_cli_not_a_project_is_usage_error(tmp_path: Path) -> None:
    code, out = run("report", "visibility", "--project", str(tmp_path))
    assert code == 2
    assert "limelight init" in out


def test_cli_report_visibility_formats(project: Path, seed_file: Path) -> None:
    run("ingest", "-p", str(project), "-q", str(seed_file))
    import csv
    import io
    import json

    code, out = run("report", "visibility", "-p", str(project), "--by", "week", "--entity", "lei-jun",
                    "--format", "json")
    assert code == 0, out
    rows = json.loads(out)
    assert rows and rows[0]["entity_id"] == "lei-jun" and rows[0]["period"].startswith("2025-12-22")
    assert rows[0]["headline"] >= 1 and rows[0]["audience"] >= 1
    code, out = run("report", "visibility", "-p", str(project), "--format", "csv")
    assert code == 0
    header = next(csv.reader(io.StringIO(out)))
    assert "share_of_voice" in header


# Ingested text is hostile: rich markup, an OSC 8 hyperlink written with raw escape sequences.
EVIL_TITLE = "Evil [/bold] [link=http://evil.example]x[/link] \x1b]8;;http://evil.example\x1b\\y"
FORMULA_TITLE = '=HYPERLINK("http://evil")'
BODY = "Lei Jun sprach heute über Xiaomi und die neue Strategie des Unternehmens. " * 8


@pytest.fixture()
def hostile(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project with two copies of a page with EVIL_TITLE (one story) and one with FORMULA_TITLE."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):  # rich would style the table, with escapes of its own
        monkeypatch.delenv(name, raising=False)
    inbox = tmp_path / "hostile"
    inbox.mkdir()
    (inbox / "evil.txt").write_text(f"{EVIL_TITLE}\n\n{BODY}\n\n{BODY}\n", encoding="utf-8")
    (inbox / "evil-copy.txt").write_text(f"{EVIL_TITLE}\n\n{BODY}\n\n{BODY} Noch mehr.\n", encoding="utf-8")
    (inbox / "formula.txt").write_text(f"{FORMULA_TITLE}\n\nLu Weibing stellte das Xiaomi 17 Ultra vor. "
                                       "Die Präsentation dauerte zwei Stunden und war gut besucht.\n",
                                       encoding="utf-8")
    code, out = run("ingest", "-p", str(project), "-q", str(inbox))
    assert code == 0, out
    return project


def test_cli_sql_table_prints_markup_literally_and_no_escapes(hostile: Path) -> None:
    code, out = run("sql", "-p", str(hostile), "select title from documents where title like 'Evil%'")
    assert code == 0, out
    assert "[/bold]" in out and "[link=http://evil.example]x[/link]" in out
    assert "\x1b" not in out
    assert "\\x1b]8;;" in out  # the escape is shown, not dropped


def test_cli_sql_json_keeps_the_title_exact(hostile: Path) -> None:
    import json

    code, out = run("sql", "-p", str(hostile), "select title from documents order by title", "--format", "json")
    assert code == 0, out
    assert "\x1b" not in out
    assert sorted(r["title"] for r in json.loads(out)) == sorted([EVIL_TITLE, EVIL_TITLE, FORMULA_TITLE])


def test_cli_sql_csv_neutralises_formulas_unless_raw(hostile: Path) -> None:
    import csv
    import io

    query = "select title from documents where title like '=%'"
    code, out = run("sql", "-p", str(hostile), query, "--format", "csv")
    assert code == 0, out
    assert list(csv.reader(io.StringIO(out))) == [["title"], ["'" + FORMULA_TITLE]]
    code, out = run("sql", "-p", str(hostile), query, "--format", "csv", "--raw-csv")
    assert code == 0, out
    assert list(csv.reader(io.StringIO(out))) == [["title"], [FORMULA_TITLE]]


def test_cli_sql_is_read_only_without_write(hostile: Path) -> None:
    code, out = run("sql", "-p", str(hostile), "create table t(a int)")
    assert code == 2, out
    assert "read-only" in out and "pass --write to change the store" in out
    assert "Traceback" not in out
    con = db(hostile)
    assert con.execute("select count(*) from duckdb_tables() where table_name = 't'").fetchone()[0] == 0
    con.close()
    code, out = run("sql", "-p", str(hostile), "--write", "create table t(a int)")
    assert code == 0, out
    con = db(hostile)
    assert con.execute("select count(*) from duckdb_tables() where table_name = 't'").fetchone()[0] == 1


def test_cli_sql_bad_query_is_one_error_line(hostile: Path) -> None:
    code, out = run("sql", "-p", str(hostile), "selec title from documents")
    assert code == 2, out
    assert "syntax error" in out and "Traceback" not in out


def test_cli_sql_without_store_says_ingest_first(project: Path) -> None:
    code, out = run("sql", "-p", str(project), "select 1")
    assert code == 2, out
    assert "no store yet" in out and "limelight ingest" in out
    assert not (project / "limelight.duckdb").exists()  # a read must not create the store


def test_cli_analyze_stories_renders_hostile_title(hostile: Path) -> None:
    code, out = run("link", "-p", str(hostile))
    assert code == 0, out
    code, out = run("analyze", "stories", "-p", str(hostile))
    assert code == 0, out
    assert "[/bold]" in out
    assert "\x1b" not in out


def test_cli_failed_item_line_escapes_controls(project: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "evil\x1b[2J\u202e.html").write_bytes(b"")  # an empty page: an item error naming its path
    code, out = run("ingest", "-p", str(project), "-q", str(inbox))
    assert code == 1, out
    assert "evil\\x1b[2J\\u202e.html" in out
    assert "\x1b" not in out and "\u202e" not in out
