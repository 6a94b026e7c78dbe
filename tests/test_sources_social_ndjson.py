from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from _sources_helpers import FIXTURES, ctx, docs, errors, file_input
from limelight.models import Document, ItemError, content_hash, document_id
from limelight.sources.social_ndjson import SocialNdjson, map_item


def _read(path: Path, **options: str) -> list[Document | ItemError]:
    return list(SocialNdjson().read(file_input(path, **options), ctx()))  # type: ignore[arg-type]


def test_social_ndjson_maps_zeeschuimer_lines_per_platform() -> None:
    items = _read(FIXTURES / "zeeschuimer.ndjson")
    assert not errors(items)
    weibo, douyin, live, tiktok, x = docs(items)

    assert weibo.source.platform == "weibo" and weibo.source.handle == "1000000001"
    assert weibo.content_type == "repost" and "//@小米汽车: 小米YU7正式发布" in weibo.text
    assert (weibo.likes, weibo.shares, weibo.comments, weibo.views) == (560, 12, 34, None)
    assert weibo.published_at == datetime(2025, 12, 27, 2, 15, tzinfo=UTC)
    assert weibo.url == "https://weibo.com/1000000001/PabcDEF12"

    assert douyin.platform_id == "7450000000000000001" and douyin.content_type == "video"
    assert (douyin.likes, douyin.comments, douyin.shares, douyin.views) == (1500, 80, 25, 90000)
    assert douyin.url == "https://www.douyin.com/video/7450000000000000001"

    assert live.kind == "livestream" and live.content_type == "livestream"
    assert live.text == "雷军直播：YU7答疑" and live.views == 250000 and live.likes is None

    assert tiktok.source.handle == "examplecreator"
    assert tiktok.url == "https://www.tiktok.com/@examplecreator/video/7450000000000000003"
    assert tiktok.published_at == datetime.fromtimestamp(1766820000, tz=UTC)

    assert x.source.platform == "x" and x.source.handle == "example_user"
    assert (x.likes, x.shares, x.comments, x.views) == (77, 8, 5, 9876)
    assert x.content_type == "post"
    # Keyed by platform post id, as models.document_id prescribes.
    assert x.id == document_id(None, content_hash(None, x.text), platform_key="x:1872000000000000001")
    assert x.fetched_at == datetime.fromtimestamp(1766830000, tz=UTC)


def test_social_ndjson_4cat_export_keeps_missing_fields_none() -> None:
    (doc,) = _read(FIXTURES / "tiktok-4cat-export.ndjson")
    assert isinstance(doc, Document)
    assert doc.source.platform == "tiktok"  # from the file name
    assert (doc.likes, doc.comments, doc.shares, doc.views) == (10, 2, None, 300)
    assert doc.published_at == datetime(2025, 12, 27, 8, 0, tzinfo=UTC)


def test_social_ndjson_malformed_line_reports_line_number_and_goes_on(tmp_path: Path) -> None:
    good = (FIXTURES / "zeeschuimer.ndjson").read_text(encoding="utf-8").splitlines()
    p = tmp_path / "capture.ndjson"
    p.write_text(
        "\n".join([good[0], '{"source_platform": "tiktok.com", "data": {', good[3]]) + "\n", encoding="utf-8"
    )
    items = _read(p)
    (err,) = errors(items)
    assert err.origin == f"{p}:2"
    assert "invalid JSON" in err.message
    assert len(docs(items)) == 2


def test_social_ndjson_unknown_platform_is_an_item_error(tmp_path: Path) -> None:
    p = tmp_path / "x.ndjson"
    p.write_text(json.dumps({"source_platform": "myspace.com", "data": {"id": 1}}) + "\n", encoding="utf-8")
    (err,) = _read(p)
    assert isinstance(err, ItemError) and "myspace.com" in err.message


def test_social_ndjson_map_item_x_retweet() -> None:
    record = {
        "rest_id": "2",
        "core": {"user_results": {"result": {"core": {"screen_name": "fan"}}}},
        "legacy": {
            "created_at": "Sat Dec 27 09:00:00 +0000 2025",
            "full_text": "RT @orig: cut…",
            "retweeted_status_result": {
                "result": {
                    "core": {"user_results": {"result": {"legacy": {"screen_name": "orig"}}}},
                    "legacy": {"full_text": "the whole original"},
                }
            },
        },
    }
    doc = map_item("x.com", record)
    assert doc.content_type == "repost" and doc.text == "RT @orig: the whole original"
    assert doc.likes is None  # not in the record: stays missing


def test_social_ndjson_streams_large_files(tmp_path: Path) -> None:
    line = (FIXTURES / "zeeschuimer.ndjson").read_text(encoding="utf-8").splitlines()[3]
    p = tmp_path / "big.ndjson"
    with p.open("w", encoding="utf-8") as fh:
        for _ in range(20_000):
            fh.write(line + "\n")
    it = SocialNdjson().read(file_input(p), ctx())
    first = next(it)  # the generator yields before reading the rest
    assert isinstance(first, Document)
    assert sum(1 for _ in it) == 19_999


def test_social_ndjson_record_of_no_known_shape_is_an_error_row(tmp_path: Path) -> None:
    # Read as a 4CAT item, {"text", "date"} became an empty post under an unknown account.
    p = tmp_path / "notes.jsonl"
    p.write_text('{"text": "Lei Jun spoke", "date": "2025-12-27"}\n{"text": "again", "date": "2025-12-28"}\n',
                 encoding="utf-8")
    first, second = _read(p)
    assert isinstance(first, ItemError) and first.origin == f"{p}:1" and isinstance(second, ItemError)
    assert first.message == "neither a Zeeschuimer capture nor a 4CAT item (keys: text, date)"
    assert "[mappings.NAME]" in first.hint
