from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from _sources_helpers import ctx, docs, errors, file_input, source_registry
from limelight.models import Document, ItemError
from limelight.sources.dispatch import choose_source
from limelight.sources.social_csv import SocialCsv

WEIBO = "social/weibo_dataabc/weibo_5491331848_SNH48-yangbingyi_2018.csv"
DSLABS = "social/trump/trump_tweets_2009-2017_dslabs.csv.gz"
PREDA = "social/trump/trump_tweets_2020-07-19_to_2021-01-06_gabrielpreda.csv.gz"


def _read(path: Path, **settings: object) -> list[Document | ItemError]:
    options = settings.pop("options", {})
    return list(SocialCsv().read(file_input(path, **options), ctx(**settings)))  # type: ignore[arg-type]


def test_social_csv_weibospider_preset_on_real_file(shared_data: Path) -> None:
    items = _read(shared_data / WEIBO)
    posts = docs(items)
    assert len(posts) == 90 and not errors(items)
    first = posts[0]
    assert first.text.startswith("“我不怕辛苦 也不怕孤独")  # the "1:" numbering is gone
    assert (first.likes, first.shares, first.comments) == (2002, 233, 576)
    assert first.published_at == datetime(2017, 12, 15, 15, 11, tzinfo=UTC)  # 23:11 Beijing time
    assert first.source.platform == "weibo" and first.source.handle == "5491331848"
    assert not posts[1].text.endswith("全文")


def test_social_csv_trump_dslabs_preset(shared_data: Path) -> None:
    posts = docs(_read(shared_data / DSLABS, options={"account": "realDonaldTrump"}))
    assert len(posts) == 20761
    first = posts[0]
    assert first.platform_id == "6971079756"
    assert first.published_at == datetime(2009, 12, 23, 17, 38, 18, tzinfo=UTC)
    assert (first.likes, first.shares, first.comments) == (12, 28, None)
    assert first.source.handle == "realDonaldTrump" and first.content_type == "post"


def test_social_csv_trump_tweepy_preset(shared_data: Path) -> None:
    posts = docs(_read(shared_data / PREDA))
    assert len(posts) == 1984
    assert posts[0].platform_id == "1285299379746811915"
    assert posts[0].likes == 323246 and posts[0].shares == 57356
    assert max(p.published_at for p in posts if p.published_at) == datetime(
        2021, 1, 6, 15, 44, 31, tzinfo=UTC
    )


def test_social_csv_real_files_are_routed_to_social_csv(shared_data: Path) -> None:
    reg = source_registry()
    for rel in (WEIBO, DSLABS, PREDA):
        src, score = choose_source(file_input(shared_data / rel), reg.all("source"))
        assert src is not None and src.name == "social_csv" and score >= 0.9


MAPPING = {
    "mappings": {
        "shop": {
            "platform": "weibo",
            "text": "正文",
            "timestamp": "时间",
            "timestamp_format": "%Y/%m/%d %H:%M",
            "timezone": "Asia/Shanghai",
            "account": "账号",
            "likes": "点赞",
            "match_columns": ["正文", "时间"],
        }
    }
}
ROWS = "正文,时间,账号,点赞\n小米汽车很好,2025/12/27 10:00,u1,5\n雷军发布会,2025/12/26 20:00,u2,\n"


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-8-sig"])
def test_social_csv_column_mapping_in_any_encoding(tmp_path: Path, encoding: str) -> None:
    p = tmp_path / f"export-{encoding}.csv"
    p.write_bytes(ROWS.encode(encoding))
    items = _read(p, **MAPPING)
    a, b = docs(items)
    assert a.text == "小米汽车很好" and a.likes == 5 and a.source.handle == "u1"
    assert a.published_at == datetime(2025, 12, 27, 2, 0, tzinfo=UTC)
    assert b.likes is None  # empty cell: not collected
    assert b.origin == f"{p}:3"


def test_social_csv_unknown_mapping_name_lists_known_ones(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    (err,) = _read(p, options={"mapping": "nope"}, **MAPPING)
    assert isinstance(err, ItemError)
    assert err.message == "unknown column mapping 'nope'"
    assert "shop" in err.hint and "weibospider" in err.hint


def test_social_csv_header_without_mapping_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "mystery.csv"
    p.write_text("foo,bar\n1,2\n", encoding="utf-8")
    (err,) = _read(p)
    assert isinstance(err, ItemError) and "foo, bar" in err.message and "[mappings." in err.hint


def test_social_csv_mapping_column_missing_from_header(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("正文,时间\n好,2025/12/27 10:00\n", encoding="utf-8")
    (err,) = _read(p, options={"mapping": "shop"}, **MAPPING)
    assert isinstance(err, ItemError) and "账号" in err.message


def test_social_csv_4cat_export(tmp_path: Path) -> None:
    p = tmp_path / "douyin-search-abc.csv"
    p.write_text(
        "id,thread_id,timestamp,author,body,digg_count,comment_count,subject\n"
        "1,1,2025-12-27 08:00:00,u9,雷军直播,5,,Stream\n",
        encoding="utf-8",
    )
    (doc,) = _read(p)
    assert isinstance(doc, Document)
    assert (
        doc.source.platform == "douyin"
        and doc.kind == "livestream"
        and doc.likes == 5
        and doc.comments is None
    )


def test_social_csv_jsonl_through_mapping(tmp_path: Path) -> None:
    p = tmp_path / "posts.jsonl"
    p.write_text('{"msg": "hi", "user": {"name": "a"}, "ts": 1766822400}\n', encoding="utf-8")
    settings = {
        "mappings": {"j": {"platform": "telegram", "text": "msg", "account": "user.name", "timestamp": "ts"}}
    }
    (doc,) = _read(p, options={"mapping": "j"}, **settings)
    assert isinstance(doc, Document)
    assert doc.source.handle == "a" and doc.published_at == datetime(2025, 12, 27, 8, 0, tzinfo=UTC)
