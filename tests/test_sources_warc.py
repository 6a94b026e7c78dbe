from __future__ import annotations

from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from _sources_helpers import ctx, errors, file_input, pages, source_registry
from limelight.sources.dispatch import choose_source
from limelight.sources.warc import Warc


def _write_warc(path: Path, gzip: bool = True) -> None:
    """A small synthetic archive: two HTML responses, an image response and a request record."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        for i, (ctype, body) in enumerate(
            [
                ("text/html; charset=utf-8", b"<html><title>Eins</title><p>Lei Jun</p></html>"),
                ("image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
                ("text/html", "<html><title>二</title><p>雷军</p></html>".encode()),
            ]
        ):
            url = f"https://example.org/p{i}"
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            rec = writer.create_warc_record(
                url,
                "response",
                payload=BytesIO(body),
                http_headers=headers,
                warc_headers_dict={"WARC-Date": f"2025-12-27T10:0{i}:00Z"},
            )
            writer.write_record(rec)
            req = writer.create_warc_record(
                url,
                "request",
                payload=BytesIO(b""),
                http_headers=StatusAndHeaders("GET / HTTP/1.1", [], is_http_request=True),
            )
            writer.write_record(req)


def test_warc_yields_html_responses_only(tmp_path: Path) -> None:
    p = tmp_path / "crawl.warc.gz"
    _write_warc(p)
    inp = file_input(p)
    src, _ = choose_source(inp, source_registry().all("source"))
    assert src is not None and src.name == "warc"
    items = list(Warc().read(inp, ctx()))
    assert not errors(items)
    one, two = pages(items)
    assert one.url == "https://example.org/p0" and b"<title>Eins</title>" in one.content
    assert two.url == "https://example.org/p2" and "雷军".encode() in two.content
    assert one.fetched_at is not None and one.fetched_at.isoformat() == "2025-12-27T10:00:00+00:00"
    assert one.origin == f"{p}#0" and two.origin.startswith(f"{p}#") and two.origin != one.origin


def test_warc_plain_uncompressed(tmp_path: Path) -> None:
    """A valid uncompressed archive written by warcio was reported as damaged ("4 bytes after the
    last complete record": the closing CRLF CRLF of each record is not in its length)."""
    p = tmp_path / "crawl.warc"
    _write_warc(p, gzip=False)
    items = list(Warc().read(file_input(p), ctx()))
    assert len(pages(items)) == 2
    assert not errors(items)


def test_warc_uncompressed_record_cut_short_is_not_stored_as_complete(tmp_path: Path) -> None:
    p = tmp_path / "crawl.warc"
    _write_warc(p, gzip=False)
    data = p.read_bytes()
    cut = tmp_path / "cut.warc"
    cut.write_bytes(data[: data.index("<title>二".encode()) + 10])  # inside the second page's body
    items = list(Warc().read(file_input(cut), ctx()))
    (err,) = errors(items)
    assert "cut short" in err.message
    assert [pg.url for pg in pages(items)] == ["https://example.org/p0"]


def test_warc_truncated_archive_reports_records_read(tmp_path: Path) -> None:
    p = tmp_path / "crawl.warc.gz"
    _write_warc(p)
    data = p.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: int(len(data) * 0.8)])
    items = list(Warc().read(file_input(cut), ctx()))
    (err,) = errors(items)
    assert "truncated or corrupt" in err.message and "record(s) read before the damage" in err.message
    assert len(pages(items)) >= 1


def _raw_record(warc_type: bytes | None, url: bytes) -> bytes:
    body = b"<html><title>T</title><p>Lei Jun</p></html>"
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
    head = b"WARC/1.0\r\n" + (b"WARC-Type: " + warc_type + b"\r\n" if warc_type else b"")
    head += (b"WARC-Target-URI: " + url + b"\r\nWARC-Date: 2025-12-27T10:00:00Z\r\n"
             b"Content-Type: application/http; msgtype=response\r\nContent-Length: "
             + str(len(http)).encode() + b"\r\n\r\n")
    return head + http + b"\r\n\r\n"


def test_warc_record_without_warc_type_is_one_error_row(tmp_path: Path) -> None:
    # It was skipped like a request record, with no error row: a record WARC does not define.
    p = tmp_path / "typeless.warc"
    first = _raw_record(b"response", b"https://example.org/a")
    p.write_bytes(first + _raw_record(None, b"https://example.org/b") + _raw_record(b"response", b"https://example.org/c"))
    items = list(Warc().read(file_input(p), ctx()))
    (err,) = errors(items)
    assert err.origin == f"{p}#{len(first)}"
    assert err.message == "a record without a WARC-Type header: not a WARC record, skipped"
    assert [pg.url for pg in pages(items)] == ["https://example.org/a", "https://example.org/c"]
