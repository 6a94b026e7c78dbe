"""Hostile input through the whole ingest: each bad record is one error row, every good item beside
it is stored, and no input costs unbounded memory or time (issue #7, section 2)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import limelight
from limelight.project import CONFIG_NAME

GOOD_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Lei Jun speaks</title>
<meta property="article:published_time" content="2025-11-03T08:30:00+08:00"></head>
<body><article><h1>Lei Jun speaks</h1><p>Lei Jun, the founder of Xiaomi, spoke on Monday about the
company's cars and phones, and took questions from the audience for an hour.</p></article></body></html>"""

WATCHLIST = """
[[entity]]
id = "lei-jun"
kind = "person"
name = "Lei Jun"
aliases = ["Lei Jun", "雷军"]
"""


def _project(root: Path, settings: str = "") -> limelight.Project:
    limelight.init(root)
    (root / CONFIG_NAME).write_text(textwrap.dedent(settings), encoding="utf-8")
    (root / "watchlist.toml").write_text(WATCHLIST, encoding="utf-8")
    return limelight.open_project(root)


def _tweet(i: int, **data: object) -> dict[str, object]:
    """A 4CAT-mapped NDJSON tweet record."""
    record: dict[str, object] = {"id": str(1000 + i), "thread_id": str(1000 + i), "author": "someone",
                                 "body": f"Post number {i} about Lei Jun", "timestamp": "2025-11-03 08:00:00",
                                 "likes": 5}
    record.update(data)
    return record


def _write_ndjson(path: Path, records: list[object]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write((r if isinstance(r, str) else json.dumps(r)) + "\n")


def _count(project: limelight.Project, sql: str) -> int:
    return int(limelight.query(sql, project).column(0)[0].as_py())


def test_ingest_count_over_int64_costs_only_its_record(tmp_path: Path) -> None:
    """One favorites=99999999999999999999999 aborted the whole batch write (OverflowError): the
    good HTML beside it was lost and no error row was written."""
    project = _project(tmp_path / "p")
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "page.html").write_text(GOOD_HTML, encoding="utf-8")
    _write_ndjson(inputs / "x.ndjson", [_tweet(0), _tweet(1, likes=99999999999999999999999), _tweet(2)])
    result = limelight.ingest([str(inputs)], project, fetch=False)
    assert result.stats.new == 3 and result.stats.failed == 1
    (err,) = result.errors
    assert err.origin.endswith("x.ndjson:2") and "likes" in err.message and err.stage == "validate"
    assert _count(project, "select count(*) from documents where kind = 'article'") == 1
    assert _count(project, "select count(*) from errors") == 1


def _bad(**fields: str) -> str:
    """A record as raw JSON text (NaN and 1e400 are not what json.dumps writes)."""
    return '{"id": "9", "thread_id": "9", "author": "a", "body": "x", ' + ", ".join(
        f'"{k}": {v}' for k, v in fields.items()) + "}"


BAD_RECORDS = {
    "likes-1e400": _bad(likes="1e400"),
    "deep-nesting": "[" * 200_000 + "]" * 200_000,
    "year1-east": _bad(timestamp='"0001-01-01T00:00:00+14:00"'),
    "year9999-west": _bad(timestamp='"9999-12-31T23:59:59-12:00"'),
    "year2999": _bad(timestamp='"2999-01-01 00:00:00"'),
    "year1": _bad(timestamp='"0001-01-01 00:00:00"'),
    "likes-negative": _bad(likes="-5"),
    "epoch-huge": _bad(unix_timestamp="1e30"),
    "nan-count": _bad(likes="NaN"),
}


def test_ingest_bad_record_is_one_error_row_rest_of_file_stored(tmp_path: Path) -> None:
    """Each of these skipped the rest of its file (or was stored as if true); now each is one error
    row on its own line and every other record of the file is stored."""
    project = _project(tmp_path / "p")
    path = tmp_path / "x.ndjson"
    lines: list[object] = [_tweet(0)]
    for i, bad in enumerate(BAD_RECORDS.values(), 1):
        lines += [bad, _tweet(i)]
    _write_ndjson(path, lines)
    result = limelight.ingest([str(path)], project, fetch=False)
    by_line = {int(e.origin.rsplit(":", 1)[1]): e for e in result.errors}
    expected = {2 * i for i in range(1, len(BAD_RECORDS) + 1)}
    assert set(by_line) == expected, {n: e.message for n, e in by_line.items()}
    assert result.stats.new == len(BAD_RECORDS) + 1
    assert _count(project, "select count(*) from documents") == len(BAD_RECORDS) + 1
    assert _count(project, "select count(*) from errors") == len(BAD_RECORDS)


def test_ingest_lone_surrogate_is_cleaned_not_fatal(tmp_path: Path) -> None:
    """A lone UTF-16 surrogate from a JSON escape made Arrow refuse the whole batch."""
    project = _project(tmp_path / "p")
    path = tmp_path / "x.ndjson"
    _write_ndjson(path, ['{"id": "7", "thread_id": "7", "author": "a", "body": "Lei Jun \\ud800 smiles"}',
                         _tweet(1)])
    result = limelight.ingest([str(path)], project, fetch=False)
    assert result.stats.failed == 0 and result.stats.new == 2
    texts = limelight.query("select text from documents order by text", project).column("text").to_pylist()
    assert "Lei Jun \ufffd smiles" in texts


def test_ingest_csv_dates_must_be_written_out(tmp_path: Path) -> None:
    """A date of -1 became today (dateutil fills what is missing from today's date)."""
    project = _project(tmp_path / "p", """
        [mappings.posts]
        text = "text"
        timestamp = "date"
        id = "id"
        likes = "likes"
        glob = "*.csv"
        """)
    path = tmp_path / "posts.csv"
    path.write_text("id,text,date,likes\n1,Lei Jun one,2025-11-03 10:00,3\n2,Lei Jun two,-1,3\n"
                    "3,Lei Jun three,Jan 5,3\n4,Lei Jun four,2025-11-04 10:00,-5\n5,Lei Jun five,2025-11-05,7\n",
                    encoding="utf-8")
    result = limelight.ingest([str(path)], project, mapping="posts", fetch=False)
    assert sorted(e.origin for e in result.errors) == [f"{path}:{n}" for n in (3, 4, 5)]
    dates = limelight.query("select cast(published_at as date) as d from documents order by d", project)
    assert [str(d) for d in dates.column("d").to_pylist()] == ["2025-11-03", "2025-11-05"]


def test_ingest_rss_pubdate_zero_keeps_the_rest_of_the_feed(tmp_path: Path) -> None:
    project = _project(tmp_path / "p")
    items = "".join(
        f"<item><title>Lei Jun story {i}</title><link>https://news.example/{i}</link>"
        f"<description>Lei Jun said something about phones, item {i}.</description>"
        f"<pubDate>{'0000-00-00' if i == 1 else 'Mon, 03 Nov 2025 08:30:00 +0800'}</pubDate></item>"
        for i in range(4))
    path = tmp_path / "feed.rss"
    path.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>',
                    encoding="utf-8")
    result = limelight.ingest([str(path)], project, fetch=False)
    assert result.stats.failed == 0
    assert _count(project, "select count(*) from documents") == 4
    # The entry with the impossible date is stored undated, never on some day of a chart.
    assert _count(project, "select count(*) from documents where published_at is null") == 1


def _measured(args: list[str], project: Path) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run the CLI in a child; return it, and the run's peak memory (MB) of the ingest process and
    of its largest worker, as the run recorded them in ingest_runs."""
    proc = subprocess.run([sys.executable, "-m", "limelight.cli", *args], capture_output=True, text=True,
                          timeout=600)
    stats = json.loads(limelight.query("select stats from ingest_runs order by started_at desc limit 1",
                                       limelight.open_project(project)).column(0)[0].as_py())
    return proc, float(stats["main_peak_mb"]), float(stats["worker_peak_mb"])


def test_ingest_gzip_bomb_is_capped_after_decompression(tmp_path: Path) -> None:
    """A 5.4 MB gzip expanding to 2 GB was accepted (6.7 GB peak memory): caps count the
    decompressed bytes, and reading stops at the cap."""
    _project(tmp_path / "p")
    bomb = tmp_path / "bomb.html.gz"
    # gzip members concatenate: one member of 64 MB written 32 times is 2 GB inside, made in a second.
    member = gzip.compress(b"A" * (64 << 20), compresslevel=9)
    with bomb.open("wb") as fh:
        fh.write(gzip.compress(b"<html><body><p>"))
        for _ in range(32):
            fh.write(member)
    assert bomb.stat().st_size < 10 * 2**20
    (tmp_path / "good.html").write_text(GOOD_HTML, encoding="utf-8")
    t0 = time.monotonic()
    proc, main_mb, worker_mb = _measured(
        ["ingest", "-q", "-p", str(tmp_path / "p"), str(bomb), str(tmp_path / "good.html")], tmp_path / "p")
    assert proc.returncode == 1, proc.stderr
    assert "after decompression" in proc.stderr
    assert "1 new" in proc.stdout and "1 failed" in proc.stdout
    assert 0 < main_mb < 600, f"peak {main_mb:.0f} MB"
    assert 0 < worker_mb < 1000, f"worker peak {worker_mb:.0f} MB"
    assert time.monotonic() - t0 < 120


def test_ingest_streamed_gzip_bomb_stops_at_its_ratio(tmp_path: Path) -> None:
    _project(tmp_path / "p")
    bomb = tmp_path / "posts.ndjson.gz"
    line = (json.dumps(_tweet(0)) + "\n").encode()
    filler = gzip.compress(b"\n" * (64 << 20), compresslevel=9)
    with bomb.open("wb") as fh:
        fh.write(gzip.compress(line * 3))
        for _ in range(16):  # 1 GB of empty lines, about 1 MB on disk
            fh.write(filler)
    project = limelight.open_project(tmp_path / "p")
    t0 = time.monotonic()
    result = limelight.ingest([str(bomb)], project, fetch=False)
    assert time.monotonic() - t0 < 60
    assert result.stats.new == 1  # the same post three times: one document
    (err,) = result.errors
    assert "decompression bomb" in err.message


def test_ingest_post_repeating_a_name_has_bounded_mentions(tmp_path: Path) -> None:
    """A 4 MB post repeating a watched name made 666,666 mentions (1.5 GB)."""
    project = _project(tmp_path / "p")
    path = tmp_path / "x.ndjson"
    _write_ndjson(path, [_tweet(0, body="Lei Jun " * 250_000), _tweet(1)])
    result = limelight.ingest([str(path)], project, fetch=False)
    assert result.stats.failed == 0 and result.stats.new == 2
    assert _count(project, "select count(*) from mentions") == 1000 + 1
    extra = limelight.query("select extra from documents where length(text) > 100000", project).column(0)
    assert json.loads(extra[0].as_py())["mentions_dropped"] == str(250_000 - 1000)


def test_ingest_text_over_the_cap_is_an_error_row(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", "[ingest]\nmax_text_chars = 1000\n")
    path = tmp_path / "x.ndjson"
    _write_ndjson(path, [_tweet(0, body="word " * 1000), _tweet(1)])
    result = limelight.ingest([str(path)], project, fetch=False)
    (err,) = result.errors
    assert "over ingest.max_text_chars" in err.message
    assert result.stats.new == 1


def test_ingest_overlong_record_is_skipped_without_holding_it(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", "[ingest]\nmax_record_bytes = 100000\n")
    path = tmp_path / "x.ndjson"
    _write_ndjson(path, [_tweet(0), '{"body": "' + "x" * 3_000_000 + '"}', _tweet(2)])
    result = limelight.ingest([str(path)], project, fetch=False)
    assert [e.origin for e in result.errors] == [f"{path}:2"]
    assert "longer than 100,000 bytes" in result.errors[0].message
    assert result.stats.new == 2


def test_ingest_tag_with_200000_attributes_is_refused_fast(tmp_path: Path) -> None:
    """An HTML tag with 200,000 attributes stalled the parser (60,000 took 137 s)."""
    project = _project(tmp_path / "p")
    attrs = " ".join(f'a{i}="x"' for i in range(200_000))
    (tmp_path / "bomb.html").write_text(f"<html><body><div {attrs}>Lei Jun</div></body></html>", encoding="utf-8")
    (tmp_path / "good.html").write_text(GOOD_HTML, encoding="utf-8")
    t0 = time.monotonic()
    result = limelight.ingest([str(tmp_path / "bomb.html"), str(tmp_path / "good.html")], project, fetch=False)
    assert time.monotonic() - t0 < 30
    (err,) = result.errors
    assert "200,000 attributes" in err.message
    assert result.stats.new == 1


def test_ingest_huge_feed_is_cut_before_parsing(tmp_path: Path) -> None:
    """A 100,000-item feed was parsed whole (99 s, 661 MB) before the 1,000-entry cap."""
    _project(tmp_path / "p")
    items = "".join(f"<item><title>t{i}</title><link>https://news.example/{i}</link>"
                    f"<description>Lei Jun item {i}</description></item>" for i in range(100_000))
    path = tmp_path / "feed.rss"
    path.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>',
                    encoding="utf-8")
    t0 = time.monotonic()
    proc, main_mb, _ = _measured(["ingest", "-q", "--offline", "-p", str(tmp_path / "p"), str(path)],
                                 tmp_path / "p")
    assert time.monotonic() - t0 < 90
    assert "more than 1,000 entries" in proc.stderr
    assert "1,000 new" in proc.stdout
    assert 0 < main_mb < 600, f"peak {main_mb:.0f} MB"


def test_ingest_url_variants_of_one_page_are_one_document(tmp_path: Path) -> None:
    """The same page under ?utm_source=x, #fragment or an upper-case host was stored once per
    variant, then linked to itself as "syndication": URLs are normalised before keying."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    project = _project(tmp_path / "p")
    path = tmp_path / "crawl.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url in ("https://news.example/a/story?id=7", "https://NEWS.example:443/a/story?utm_source=x&id=7",
                    "https://news.example/a/./story?id=7#comments", "https://news.example/a/story?id=8"):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(GOOD_HTML.encode()),
                                                          http_headers=headers))
    result = limelight.ingest([str(path)], project, fetch=False)
    assert result.stats.failed == 0
    urls = limelight.query("select canonical_url from documents order by 1", project).column(0).to_pylist()
    assert urls == ["https://news.example/a/story?id=7", "https://news.example/a/story?id=8"]
