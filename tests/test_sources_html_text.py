from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from _sources_helpers import ctx, file_input, pages, source_registry
from limelight.sources.dispatch import choose_source, read_input
from limelight.sources.html_files import HtmlFiles
from limelight.sources.text_dump import TextDump
from limelight.textio import decode_bytes


def test_html_files_reads_real_gzipped_pages(shared_data: Path) -> None:
    reg = source_registry()
    files = sorted((shared_data / "extraction/scrapinghub_aeb/html").glob("*.html.gz"))[:5]
    files += sorted((shared_data / "extraction/trafilatura_eval/html").glob("*.gz"))[:5]
    assert len(files) == 10
    for f in files:
        inp = file_input(f)
        src, _ = choose_source(inp, reg.all("source"))
        assert src is not None and src.name == "html_files", f.name
        (page,) = pages(list(read_input(inp, ctx(), reg)))
        assert page.format == "html" and page.url is None and page.origin == str(f)
        assert page.content == gzip.decompress(f.read_bytes())  # decompressed, untouched


def test_html_files_sniffs_html_content_without_extension(tmp_path: Path) -> None:
    p = tmp_path / "page"
    p.write_text("<!DOCTYPE html><html><head><title>x</title></head><body>y</body></html>", encoding="utf-8")
    assert HtmlFiles().sniff(file_input(p)) == 0.5
    rss = tmp_path / "feed.html"
    rss.write_text('<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>', encoding="utf-8")
    assert HtmlFiles().sniff(file_input(rss)) == 0.0


def test_text_dump_claims_the_seed_dump(seed_file: Path) -> None:
    reg = source_registry()
    inp = file_input(seed_file)
    src, _ = choose_source(inp, reg.all("source"))
    assert src is not None and src.name == "text_dump"
    (page,) = pages(list(read_input(inp, ctx(), reg)))
    assert page.format == "text" and page.content == seed_file.read_bytes()
    assert page.content.startswith("Vietnam.vn - Nền tảng quảng bá Việt Nam".encode())


TEXT = "Quelle: Zeitung — Lei Jun sagte, der Preis sei «günstig».\nFoto: Weibo.\n"
JA_TEXT = "雷軍氏は新しい電気自動車を発表した。価格は安いと述べた。\n写真：ウェイボー\n"


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("cp1252", TEXT),
        ("gb18030", "来源：新浪 雷军表示价格很便宜。\n" * 3),
        ("shift_jis", JA_TEXT * 3),
        ("utf-16", TEXT),
    ],
)
def test_text_dump_in_legacy_encodings_decodes(tmp_path: Path, encoding: str, text: str) -> None:
    p = tmp_path / f"dump-{encoding}.txt"
    p.write_bytes(text.encode(encoding))
    inp = file_input(p)
    assert TextDump().sniff(inp) == 0.5
    (page,) = pages(list(read_input(inp, ctx(), source_registry())))
    assert decode_bytes(page.content)[0] == text  # what extraction will see


def test_text_dump_leaves_tweet_logs_and_ndjson_alone(tmp_path: Path) -> None:
    log = tmp_path / "tweets.txt"
    log.write_text("[24/07/29 22:59:08] @elonmusk - This is crazy (Mon 22:58:31) https://x.com/_/status/1\n")
    js = tmp_path / "export.txt"
    js.write_text('{"id": 1}\n{"id": 2}\n')
    assert TextDump().sniff(file_input(log)) == 0.0
    assert TextDump().sniff(file_input(js)) < 0.1
