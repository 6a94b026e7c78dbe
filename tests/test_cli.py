"""The CLI end to end on the founding case and on bad input, against a real DuckDB file."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

import limelight
from limelight.cli import main


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    code, out = run("init", "--example", "seed", str(tmp_path / "proj"))
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
    (inbox / "posts.ndjson").write_text('{"id": "1", "thread_id": "1", "author": "a", "body": "Lei Jun smiles"}\n'
                                        '{broken\n', encoding="utf-8")
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
    report = json.loads(out)  # a report is an object: its notes travel with its rows
    rows = report["rows"]
    assert report["analysis"] == "visibility" and report["options"]["by"] == "week"
    assert "periods in UTC (weeks start on Monday)" in report["notes"]
    assert rows and rows[0]["entity_id"] == "lei-jun" and rows[0]["period"].startswith("2025-12-22")
    assert rows[0]["headline"] >= 1 and rows[0]["audience"] >= 1
    code, out = run("report", "visibility", "-p", str(project), "--format", "csv")
    assert code == 0
    lines = list(csv.reader(io.StringIO(out)))
    assert lines[0] == ["# note: periods in UTC (weeks start on Monday)"]  # notes first, one cell each
    header = next(line for line in lines if not line[0].startswith("#"))
    assert "share_of_voice" in header


def test_cli_report_table_fits_the_terminal_and_shows_evidence_titles(project: Path, seed_file: Path) -> None:
    run("ingest", "-p", str(project), "-q", str(seed_file))
    result = CliRunner(env={"COLUMNS": "70"}).invoke(
        main, ["report", "visibility", "-p", str(project), "--entity", "lei-jun"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # the lines below the table (what did not fit, the notes) are left to the terminal to wrap
    table = [line for line in lines if not line.startswith("note:") and "more column(s) do not fit" not in line]
    assert all(len(line) <= 70 for line in table), lines
    assert len(table) == 4  # title, header, rule, one row: no cell wraps
    assert any("…" in line for line in table)
    assert any("do not fit: " in line and "evidence" in line for line in lines)
    assert "note: periods in UTC (weeks start on Monday)" in lines
    full = CliRunner(env={"COLUMNS": "70"}).invoke(
        main, ["report", "visibility", "-p", str(project), "--entity", "lei-jun", "--full"], catch_exceptions=False)
    # the evidence column names the article (its title), not its id
    assert "Der Donnerlord ist anders." in full.output


def test_cli_report_option_ranges_are_usage_errors(project: Path, seed_file: Path) -> None:
    run("ingest", "-p", str(project), "-q", str(seed_file))
    code, out = run("analyze", "visibility", "-p", str(project), "--evidence-limit", "1000000")
    assert code == 2, out
    assert "--evidence-limit" in out and "0<=x<=10000" in out and "Traceback" not in out
    code, out = run("analyze", "tone", "-p", str(project), "--evidence-limit", "10000")
    assert code == 0, out  # the largest allowed value reaches DuckDB's bounded top-n clamped
    code, out = run("analyze", "visibility", "-p", str(project), "--timezone", "Europe/Berln")
    assert code == 2 and "not a time zone" in out


def test_cli_every_report_takes_the_scope_options() -> None:
    for name in ("visibility", "storms", "spillover", "withdrawal", "share_of_voice", "tone", "copied_posts",
                 "stories"):
        code, out = run("report", name, "--help")
        assert code == 0, out
        for flag in ("--since", "--until", "--language", "--source", "--kind", "--timezone", "--full"):
            assert flag in out, (name, flag)


def test_cli_locked_store_hint_names_what_holds_it(project: Path, seed_file: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    run("ingest", "-p", str(project), "-q", str(seed_file))
    config = project / "limelight.toml"  # wait 1 s for the holder, not the default 30 s
    text = config.read_text(encoding="utf-8")
    assert "# lock_timeout = 30.0" in text
    config.write_text(text.replace("# lock_timeout = 30.0", "lock_timeout = 1"), encoding="utf-8")
    # another process holds the store open for writing, as a running ingest would
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('open', flush=True); time.sleep(60)", str(project / "limelight.duckdb")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        code, out = run("sql", "-p", str(project), "--write", "select 1")
    finally:
        holder.kill()
        holder.wait()
    assert code == 2, out
    assert "an ingest, link, tone apply or report" in out and "web app" not in out


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
    assert "Evil [/bo" in out and "\x1b" not in out  # cut to fit the terminal, still literal
    code, out = run("analyze", "stories", "-p", str(hostile), "--full")
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


def test_cli_init_writes_a_commented_template_not_a_company(tmp_path: Path) -> None:
    """`limelight init` wrote another company's watchlist (Xiaomi's); now a short commented
    template, and the founding case only on request (--example seed)."""
    code, _ = run("init", str(tmp_path / "blank"))
    assert code == 0
    text = (tmp_path / "blank" / "watchlist.toml").read_text(encoding="utf-8")
    assert "Xiaomi" not in text and "docs/watchlist.md" in text
    assert all(line.startswith("#") for line in text.splitlines() if line.strip())
    assert len(limelight.open_project(tmp_path / "blank").watchlist) == 0
    code, _ = run("init", "--example", "seed", str(tmp_path / "seed"))
    assert code == 0
    assert "lei-jun" in {e.id for e in limelight.open_project(tmp_path / "seed").watchlist.entities}
