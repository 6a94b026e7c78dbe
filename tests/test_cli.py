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
