from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from _sources_helpers import ctx, docs, errors, file_input, source_registry
from limelight.sources.dispatch import read_input
from limelight.sources.weibo_cn import WeiboCn, parse_weibo_time

PAGES = "social/weibo_dataabc/weibo_cn_pages"
PAGE2 = "2f62165fa3ca1e85e0d398d385c377a068b76eb95765f7020ffffd3e.html"  # profile?page=2
PAGE1 = "4957814af5a123b82e974b5537dea736dfb34e48d8835203a45d2e67.html"  # profile?page=1
INFO = "ca5f2a555e8d62f728c66fa90afb2d54d19f8c898e164204a61bdf03.html"
PAGE3 = "d486235d4a17dd0accb0f2cc77b3648abfa03580b9e0cdb61f1e618f.html"  # profile?page=3


def test_weibo_cn_timeline_page_gives_posts_with_counts_and_dates(shared_data: Path) -> None:
    items = list(WeiboCn().read(file_input(shared_data / PAGES / PAGE2), ctx()))
    posts = docs(items)
    assert len(posts) == 10 and not errors(items)
    repost = next(p for p in posts if p.platform_id == "J3GG65557")
    assert repost.content_type == "repost"
    assert repost.text.startswith("谢谢@护舒宝 和阿丝们的守护")
    assert "//@护舒宝: 还记得和宝宝陪着@Dear-迪丽热巴 走过的花路吗" in repost.text
    # The repost's own counters, not the original's (赞[43521] belongs to 护舒宝's post).
    assert (repost.likes, repost.shares, repost.comments) == (418834, 1000000, 1000000)
    # "2020-05-26 11:14" is China Standard Time.
    assert repost.published_at == datetime(2020, 5, 26, 3, 14, tzinfo=UTC)
    assert repost.source.platform == "weibo" and repost.source.handle == "1669879400"
    assert repost.source.name == "Dear-迪丽热巴"
    assert repost.url == "https://weibo.cn/comment/J3GG65557"


def test_weibo_cn_keeps_emoticons_and_leaves_yearless_dates_unknown(shared_data: Path) -> None:
    posts = docs(list(WeiboCn().read(file_input(shared_data / PAGES / PAGE1), ctx())))
    first = posts[0]
    assert first.platform_id == "J74OAhxtL"
    assert first.text == "#一起热爱就现在#给你们康康我眼前的画面[嘻嘻]"
    assert (first.likes, first.comments) == (523801, 393530)
    # "06月17日 18:12" has no year, the page none in full and the visit's year is unknown: no
    # date, and the post says why (the date was dropped silently).
    assert {(p.published_at, p.date_source) for p in posts} == {(None, "weibo.cn:no-year")}


def test_weibo_cn_yearless_dates_resolve_with_a_fetch_date(shared_data: Path) -> None:
    inp = file_input(shared_data / PAGES / PAGE1, fetched_at="2020-06-18T09:00:00+08:00")
    first = docs(list(WeiboCn().read(inp, ctx())))[0]
    assert first.published_at == datetime(2020, 6, 17, 10, 12, tzinfo=UTC)


def test_weibo_cn_info_page_yields_nothing(shared_data: Path) -> None:
    inp = file_input(shared_data / PAGES / INFO)
    assert list(read_input(inp, ctx(), source_registry())) == []


def test_weibo_cn_pages_are_not_claimed_by_html_source(shared_data: Path) -> None:
    from limelight.sources.dispatch import choose_source

    reg = source_registry()
    for page in sorted((shared_data / PAGES).glob("*.html")):
        src, _ = choose_source(file_input(page), reg.all("source"))
        assert src is not None and src.name == "weibo_cn", page.name


def test_weibo_cn_relative_times() -> None:
    fetched = datetime(2020, 6, 18, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
    assert parse_weibo_time("5分钟前", fetched) == datetime(2020, 6, 18, 0, 55, tzinfo=UTC)
    assert parse_weibo_time("今天 08:30", fetched) == datetime(2020, 6, 18, 0, 30, tzinfo=UTC)
    assert parse_weibo_time("今天 08:30", None) is None
    assert parse_weibo_time("2017-12-01 10:00:00\xa0来自iPhone", None) == datetime(
        2017, 12, 1, 2, 0, tzinfo=UTC
    )


def test_weibo_cn_year_comes_from_the_saved_pages_url_map(shared_data: Path, tmp_path: Path) -> None:
    # 20 of the 30 timeline posts (pages 1 and 3) are year-less. A url_map.json that says when the
    # pages were saved gives the year; the page's own clock (weibo.cn[06-19 00:47]) the minute.
    import json
    import shutil

    folder = tmp_path / "pages"
    shutil.copytree(shared_data / PAGES, folder)
    url_map = json.loads((folder / "url_map.json").read_text(encoding="utf-8"))
    (folder / "url_map.json").write_text(json.dumps({"fetched_at": "2020-06-19", **url_map}), encoding="utf-8")
    page1 = docs(list(WeiboCn().read(file_input(folder / PAGE1), ctx())))
    page3 = docs(list(WeiboCn().read(file_input(folder / PAGE3), ctx())))
    assert len(page1) == len(page3) == 10
    assert page1[0].published_at == datetime(2020, 6, 17, 10, 12, tzinfo=UTC)  # 18:12 in Beijing
    assert {p.date_source for p in page1 + page3} == {"weibo.cn:time+fetched_at-year"}
    assert min(p.published_at for p in page3 if p.published_at) == datetime(2020, 4, 30, 4, 30, tzinfo=UTC)
    assert page1[0].fetched_at == datetime(2020, 6, 18, 16, 47, tzinfo=UTC)  # the page's clock


def test_weibo_cn_day_after_the_visit_is_last_years() -> None:
    from limelight.sources.weibo_cn import resolve_weibo_time

    visit = datetime(2021, 1, 2, 1, 0, tzinfo=UTC)
    assert resolve_weibo_time("12月30日 20:00", visit) == (datetime(2020, 12, 30, 12, 0, tzinfo=UTC),
                                                          "weibo.cn:time+fetched_at-year")
    assert resolve_weibo_time("01月01日 20:00", visit)[0] == datetime(2021, 1, 1, 12, 0, tzinfo=UTC)
    assert resolve_weibo_time("今天 08:30", None) == (None, "weibo.cn:relative-no-fetched_at")
    assert resolve_weibo_time("02月30日 10:00", visit) == (None, "weibo.cn:unreadable-time")
