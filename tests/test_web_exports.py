"""Exports with no row cap: /api/documents/export and /api/mentions/export (in-process, httpx's ASGI
transport) and `limelight export`, on the small SYNTHETIC project of tests/_web_project.py."""

from __future__ import annotations

import csv
import io
import json
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from _web_project import DOCUMENTS, FORMULA_TITLE, Client, corpus, make_project
from limelight import api
from limelight.cli import main
from limelight.project import Project
from limelight.web.app import create_app
from limelight.web.filters import PAGE_MAX

ITEMS = corpus()
MENTIONS = sum(len(i.mentions) for i in ITEMS)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return make_project(tmp_path_factory.mktemp("web-exports") / "project")


@pytest.fixture(scope="module")
def client(project: Project) -> Client:
    return Client(create_app(project))


def test_web_export_csv_has_every_row_past_the_page_cap_and_neutralises_formulas(client: Client) -> None:
    assert DOCUMENTS > PAGE_MAX
    response = client.get("/api/documents/export", params={"format": "csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="documents.csv"' in response.headers["content-disposition"]
    assert response.headers["x-total-count"] == str(DOCUMENTS)
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == DOCUMENTS and len({r["id"] for r in rows}) == DOCUMENTS
    assert {r["id"] for r in rows} == {i.document.id for i in ITEMS}
    (formula,) = [r for r in rows if "cmd" in r["title"]]
    assert formula["title"] == "'" + FORMULA_TITLE  # a spreadsheet shows it as text, never runs it
    assert not any(r["title"].startswith(("=", "+", "-", "@")) for r in rows)
    with_caption = next(r for r in rows if r["id"] == ITEMS[12].document.id)
    assert with_caption["captions"] == "Kestrel caption 12" and with_caption["text"] == ITEMS[12].document.text


def test_web_export_takes_the_list_filters(client: Client) -> None:
    params = {"language": "de", "platform": "web"}
    listed = client.get("/api/documents", params={**params, "limit": 1}).json()["total"]
    response = client.get("/api/documents/export", params={**params, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.text)))
    want = sum(1 for i in ITEMS if i.document.language == "de" and i.document.source.platform == "web")
    assert len(rows) == listed == want
    assert {(r["language"], r["platform"]) for r in rows} == {("de", "web")}


def test_web_export_jsonl_parses_with_times_in_the_zone(client: Client) -> None:
    response = client.get("/api/mentions/export", params={"format": "jsonl", "timezone": "Asia/Shanghai"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert len(lines) == MENTIONS == int(response.headers["x-total-count"])
    assert len({r["id"] for r in lines}) == MENTIONS
    dated = [r["published_at"] for r in lines if r["published_at"] is not None]
    assert dated and all(t.endswith("+08:00") for t in dated)
    assert {r["role"] for r in lines} == {"headline", "lead", "quoted", "body"}


def test_web_export_parquet_parses_with_typed_columns(client: Client) -> None:
    response = client.get("/api/mentions/export", params={"format": "parquet", "entity": "han"})
    assert response.status_code == 200
    table = pq.read_table(io.BytesIO(response.content))
    want = sum(m.entity_id == "han" for i in ITEMS for m in i.mentions)
    assert table.num_rows == want and set(table.column("entity_id").to_pylist()) == {"han"}
    assert str(table.schema.field("published_at").type) == "timestamp[us, tz=UTC]"
    assert table.schema.field("start").type.bit_width == 32
    documents = pq.read_table(io.BytesIO(client.get("/api/documents/export", params={"format": "parquet"}).content))
    assert documents.num_rows == DOCUMENTS
    assert str(documents.column("captions").type.value_type) == "string"


def test_web_export_bad_format_or_filter_is_400_before_any_row(client: Client) -> None:
    response = client.get("/api/documents/export", params={"format": "xlsx"})
    assert response.status_code == 400
    assert response.json()["parameter"] == "format" and response.json()["allowed"] == ["csv", "jsonl", "parquet"]
    response = client.get("/api/mentions/export", params={"role": "boss"})
    assert response.status_code == 400 and "quoted" in response.json()["allowed"]


def test_export_from_one_snapshot_lets_a_writer_in_while_the_client_is_still_reading(
        project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the spool goes
    stream = api.export("documents", project, fmt="jsonl", batch_size=64)
    chunks = iter(stream)
    first = next(chunks)
    # The client has read one chunk; the rows were read and encoded ahead of it and the DuckDB
    # file let go, so a writer gets in (and its rows are not in this export: one snapshot).
    deadline = time.monotonic() + 30
    while True:
        try:
            writer = project.open_store()
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    try:
        writer.mark_changed()
    finally:
        writer.close()
    lines = b"".join([first, *chunks]).decode().splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert len(ids) == len(set(ids)) == stream.rows == DOCUMENTS
    assert not list(tmp_path.glob("limelight-export-*"))  # the spool is gone
    # A client that gives up half-way leaves no spool and no held store behind.
    abandoned = iter(api.export("mentions", project, fmt="csv", batch_size=8))
    next(abandoned)
    abandoned.close()  # type: ignore[attr-defined]
    assert not list(tmp_path.glob("limelight-export-*"))
    with project.open_store() as again:
        assert again.count_documents() == DOCUMENTS


def test_cli_export_writes_every_row_to_a_file(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "mentions.parquet"
    result = CliRunner().invoke(main, ["export", "mentions", "--project", str(project.root), "--format", "parquet",
                                       "-o", str(out), "--role", "quoted"])
    assert result.exit_code == 0, result.output
    want = sum(m.role == "quoted" for i in ITEMS for m in i.mentions)
    assert pq.read_table(out).num_rows == want and f"Exported {want:,} mentions" in result.output
    result = CliRunner().invoke(main, ["export", "documents", "--project", str(project.root), "--kind", "post"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == sum(i.document.kind == "post" for i in ITEMS)
    result = CliRunner().invoke(main, ["export", "documents", "--project", str(project.root), "--role", "boss"])
    assert result.exit_code == 2 and "headline" in result.output


def test_web_reads_and_exports_while_a_writer_holds_the_store(project: Project, client: Client) -> None:
    from limelight.store import service

    writer = project.open_store()  # what an ingest holds: the app then reads through its read service
    try:
        assert service.live_announcement(project.store_path) is not None
        assert client.get("/api/documents", params={"limit": 5}).json()["total"] == DOCUMENTS
        rows = list(csv.DictReader(io.StringIO(client.get("/api/mentions/export").text)))
        assert len(rows) == MENTIONS
    finally:
        writer.close()
    # Between requests the app holds nothing: a writer gets the store at once.
    assert client.get("/api/entities").status_code == 200
    project.open_store().close()


def test_export_csv_cells_are_what_csv_safe_makes_of_them() -> None:
    import datetime as dt

    import pyarrow as pa

    from limelight.exports import csv_safe
    from limelight.exports_stream import ExportStream

    # SYNTHETIC hostile cells: every character a spreadsheet starts a formula with, in text and in lists
    texts = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain", "a=b", "", None, "'=already"]
    table = pa.table({"text": texts, "items": [[t] if t is not None else None for t in texts],
                      "at": pa.array([dt.datetime(2024, 5, 1, 12, 30, 0, n, tzinfo=dt.UTC) for n in range(11)],
                                     pa.timestamp("us", tz="UTC"))})
    data = b"".join(ExportStream([table], "csv", timezone="Europe/Berlin")).decode()
    rows = list(csv.DictReader(io.StringIO(data, newline="")))
    assert [r["text"] for r in rows] == ["" if t is None else csv_safe(t) for t in texts]
    assert [r["items"] for r in rows] == ["" if t is None else csv_safe(t) for t in texts]
    assert [r["at"] for r in rows] == [v.astimezone(ZoneInfo("Europe/Berlin")).isoformat()
                                       for v in table.column("at").to_pylist()]
    raw = list(csv.DictReader(io.StringIO(b"".join(ExportStream([table], "csv", csv_raw=True)).decode(), newline="")))
    assert [r["text"] for r in raw] == ["" if t is None else t for t in texts]
