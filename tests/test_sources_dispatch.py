from __future__ import annotations

import gzip
from pathlib import Path

from pytest_httpserver import HTTPServer

from _sources_helpers import FIXTURES, ctx, docs, errors, file_input, pages, source_registry
from limelight.models import ItemError
from limelight.registry import Registry
from limelight.settings import Settings
from limelight.sources.base import Input
from limelight.sources.dispatch import expand_targets, read_all, read_input
from limelight.sources.fetch import HttpFetcher


def test_dispatch_expands_folders_sorted_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for rel in ("b/2.html", "a.txt", ".hidden.txt", ".git/config", "b/1.html"):
        (tmp_path / rel).write_text("x")
    got = [i.origin for i in expand_targets([str(tmp_path)]) if isinstance(i, Input)]
    assert got == [str(tmp_path / "a.txt"), str(tmp_path / "b/1.html"), str(tmp_path / "b/2.html")]


def test_dispatch_globs_and_missing_paths(tmp_path: Path) -> None:
    for name in ("x1.csv", "x2.csv", "y.txt"):
        (tmp_path / name).write_text("x")
    items = list(
        expand_targets([str(tmp_path / "*.csv"), str(tmp_path / "nope.html"), str(tmp_path / "z*.csv")])
    )
    assert [i.origin for i in items if isinstance(i, Input)] == [
        str(tmp_path / "x1.csv"),
        str(tmp_path / "x2.csv"),
    ]
    missing, no_match = (i for i in items if isinstance(i, ItemError))
    assert missing.message == "no such file or folder"
    assert no_match.message == "the pattern matches no files"


def test_dispatch_reads_mixed_real_inputs(shared_data: Path, seed_file: Path) -> None:
    targets = [
        str(seed_file),
        str(shared_data / "social/weibo_dataabc/weibo_cn_pages"),
        str(FIXTURES / "zeeschuimer.ndjson"),
    ]
    items = list(read_all(targets, ctx(), source_registry()))
    assert not errors(items)
    assert [p.format for p in pages(items)].count("text") == 1
    # 4 timeline pages (profile and profile?page=1 are the same page saved twice) + 1 ndjson line
    assert len([d for d in docs(items) if d.source.platform == "weibo"]) == 40 + 1


def test_dispatch_bad_inputs_each_become_one_error(tmp_path: Path) -> None:
    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "image.bin").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    full = gzip.compress(("<html><body>" + "Lei Jun " * 5000 + "</body></html>").encode())
    (tmp_path / "cut.html.gz").write_bytes(full[: len(full) // 2])
    (tmp_path / "big.html").write_text("<html>" + "x" * 2000 + "</html>")
    items = list(read_all([str(tmp_path)], ctx(ingest={"max_bytes": 1000}), source_registry()))
    by_file = {Path(e.origin).name: e for e in errors(items)}
    assert len(items) == 4 and len(by_file) == 4
    assert by_file["empty.html"].message == "empty file"
    assert by_file["image.bin"].message.startswith("no source can read this (binary data")
    assert "--source" in by_file["image.bin"].hint
    assert by_file["big.html"].message == "file is 2,013 bytes, over the cap of 1,000"
    assert "ingest.max_bytes" in by_file["big.html"].hint
    assert "truncated or corrupt" in by_file["cut.html.gz"].message


def test_dispatch_streaming_sources_ignore_the_size_cap(tmp_path: Path) -> None:
    p = tmp_path / "capture.ndjson"
    p.write_text((FIXTURES / "zeeschuimer.ndjson").read_text(encoding="utf-8") * 3, encoding="utf-8")
    items = list(read_all([str(p)], ctx(ingest={"max_bytes": 1000}), source_registry()))
    assert len(docs(items)) == 15 and not errors(items)


def test_dispatch_source_crash_is_one_error_and_the_run_goes_on(tmp_path: Path) -> None:
    class Broken:
        name, version, title, requires, provides = "broken", "1", "Broken", (), ("raw_page",)

        def sniff(self, inp: Input) -> float:
            return 1.0 if inp.name.endswith(".boom") else 0.0

        def read(self, inp: Input, ctx: object):  # type: ignore[no-untyped-def]
            raise RuntimeError("kaputt")
            yield  # pragma: no cover

    reg = source_registry()
    reg.register("source", Broken())
    (tmp_path / "a.boom").write_text("x")
    (tmp_path / "b.html").write_text("<html><p>ok</p></html>")
    items = list(read_all([str(tmp_path)], ctx(), reg))
    err, page = items
    assert isinstance(err, ItemError) and err.message == "broken failed: RuntimeError: kaputt"
    assert page.format == "html"  # type: ignore[union-attr]


def test_dispatch_forced_source_and_unknown_source(tmp_path: Path) -> None:
    p = tmp_path / "page.txt"
    p.write_text("<p>looks like text</p>")
    reg = source_registry()
    (page,) = list(read_input(file_input(p, source="html_files"), ctx(), reg))
    assert page.format == "html"  # type: ignore[union-attr]
    (err,) = list(read_input(file_input(p, source="nope"), ctx(), reg))
    assert isinstance(err, ItemError) and "no source named 'nope'" in err.message


def test_dispatch_urls_are_fetched(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/article").respond_with_data(
        "<html><title>A</title></html>", content_type="text/html; charset=utf-8"
    )
    httpserver.expect_request("/missing").respond_with_data("", status=404)
    with HttpFetcher(Settings.from_dict({"fetch": {"allowed_networks": ["127.0.0.0/8", "::1/128"]}})) as fetcher:
        items = list(
            read_all(
                [httpserver.url_for("/article"), httpserver.url_for("/missing")],
                ctx(fetcher=fetcher),
                source_registry(),
            )
        )
    page, err = items
    assert page.url == httpserver.url_for("/article") and page.fetched_at is not None  # type: ignore[union-attr]
    assert isinstance(err, ItemError) and err.message == "HTTP 404 Not Found"
    offline = list(read_all([httpserver.url_for("/article")], ctx(), source_registry()))
    assert offline[0].message == "cannot fetch URLs while offline"  # type: ignore[union-attr]


def test_dispatch_registry_contract_for_sources() -> None:
    reg: Registry = source_registry()
    names = {s.name for s in reg.all("source")}
    assert names == {
        "html_files",
        "text_dump",
        "feeds",
        "sitemaps",
        "warc",
        "social_ndjson",
        "social_csv",
        "weibo_cn",
        "tweet_log",
    }
    for s in reg.all("source"):
        assert s.version == "1" and s.title and isinstance(s.requires, tuple)
        assert set(s.provides) <= {"raw_page", "document"} and s.provides


def test_dispatch_mapping_shorthand_reaches_every_input(tmp_path: Path) -> None:
    p = tmp_path / "posts.jsonl"
    p.write_text('{"msg": "hallo"}\n', encoding="utf-8")
    settings = {"mappings": {"j": {"platform": "telegram", "text": "msg"}}}
    (doc,) = list(read_all([str(p)], ctx(**settings), source_registry(), mapping="j"))
    assert doc.text == "hallo" and doc.source.platform == "telegram"  # type: ignore[union-attr]
