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
    # The Trump Twitter Archive export is @realDonaldTrump's own tweets: it has no account column,
    # and the preset files them under that handle (it filed them under "(unknown)").
    posts = docs(_read(shared_data / DSLABS))
    assert len(posts) == 20761
    first = posts[0]
    assert first.platform_id == "6971079756"
    assert first.published_at == datetime(2009, 12, 23, 17, 38, 18, tzinfo=UTC)
    assert (first.likes, first.shares, first.comments) == (12, 28, None)
    assert first.source.handle == "realDonaldTrump" and first.content_type == "post"
    assert {p.source.handle for p in posts} == {"realDonaldTrump"}


def test_social_csv_trump_tweepy_preset(shared_data: Path) -> None:
    posts = docs(_read(shared_data / PREDA))
    assert len(posts) == 1984
    assert posts[0].platform_id == "1285299379746811915"
    assert posts[0].likes == 323246 and posts[0].shares == 57356
    assert max(p.published_at for p in posts if p.published_at) == datetime(
        2021, 1, 6, 15, 44, 31, tzinfo=UTC
    )
    # user_name is the display name, not a handle: kept as the name, the handle stays unknown...
    assert {(p.source.handle, p.source.name) for p in posts} == {("(unknown)", "Donald J. Trump")}


def test_social_csv_account_option_files_posts_under_that_handle(shared_data: Path) -> None:
    # ...until `limelight ingest --account realDonaldTrump` names it (Input.options["account"]).
    posts = docs(_read(shared_data / PREDA, options={"account": "realDonaldTrump"}))
    assert len(posts) == 1984
    assert {(p.source.platform, p.source.handle, p.source.name) for p in posts} == {
        ("x", "realDonaldTrump", "Donald J. Trump")}


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
    assert isinstance(err, ItemError) and "foo, bar" in err.message and "[mappings.mystery]" in err.hint
    assert 'text = "<column>"' in err.hint and 'glob = "mystery.csv"' in err.hint


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


# -- JSON lines that are neither Zeeschuimer nor 4CAT (issue #8, item 1) ----------------------------

ZH = "news/zh/zh_xinwenlianbo_2022-2026.jsonl.gz"
ZH_MAPPING = {"mappings": {"cctv": {"title": "title", "text": "text", "timestamp": "date", "url": "url",
                                    "kind": "article", "account_value": "tv.cctv.com", "timezone": "Asia/Shanghai",
                                    "glob": "zh_xinwenlianbo_*.jsonl"}}}


def test_social_csv_plain_jsonl_without_mapping_is_one_error_saying_how_to_map_it(shared_data: Path) -> None:
    # {"date", "title", "text", "url"} per line: it went to social_ndjson, which made every line an
    # empty post under platform "unknown" (one document for 19,876 lines, exit 0).
    inp = file_input(shared_data / ZH)
    src, _ = choose_source(inp, source_registry().all("source"))
    assert src is not None and src.name == "social_csv"
    from limelight.sources.dispatch import read_input

    (err,) = list(read_input(inp, ctx(), source_registry()))
    assert isinstance(err, ItemError)
    assert err.message == "no column mapping fits this JSONL file (keys in its first record: date, title, text, url)"
    for line in ("[mappings.zh_xinwenlianbo_2022-2026]", 'title = "title"', 'text = "text"', 'timestamp = "date"',
                 'glob = "zh_xinwenlianbo_2022-2026.jsonl"'):
        assert line in err.hint


def test_social_csv_jsonl_mapping_glob_selects_the_file(shared_data: Path) -> None:
    from limelight.sources.dispatch import read_input

    items = list(read_input(file_input(shared_data / ZH), ctx(**ZH_MAPPING), source_registry()))
    stories = docs(items)
    assert len(stories) == 19876 and not errors(items)
    first = stories[0]
    assert first.kind == "article" and first.title == "【领航中国】共护一江水 万里长江焕发新活力"
    assert first.text.startswith("央视网消息（新闻联播）：长江是中华民族的母亲河")
    assert (first.source.platform, first.source.handle) == ("web", "tv.cctv.com")
    assert first.published_at == datetime(2022, 9, 23, 16, 0, tzinfo=UTC)  # midnight in Beijing
    # 282 stories are a title only: documents all the same, with an empty text.
    assert sum(1 for d in stories if not d.text and d.title) == 282


def test_social_csv_match_columns_select_jsonl_with_4cat_keys(tmp_path: Path) -> None:
    # A [mappings.NAME] decides for a file social_ndjson would otherwise read as 4CAT items.
    p = tmp_path / "channel.ndjson"
    p.write_text('{"id": "1", "thread_id": "1", "body": "Lei Jun live", "chan": "xm", "ts": 1766822400}\n',
                 encoding="utf-8")
    settings = {"mappings": {"tg": {"platform": "telegram", "text": "body", "account": "chan", "timestamp": "ts",
                                    "match_columns": ["body", "chan"]}}}
    from limelight.sources.dispatch import read_input

    (doc,) = list(read_input(file_input(p), ctx(**settings), source_registry()))
    assert isinstance(doc, Document)
    assert (doc.source.platform, doc.source.handle, doc.text) == ("telegram", "xm", "Lei Jun live")


# -- titles, outlets and articles (items 2, 4, 5) -------------------------------------------------

DE = "news/de/de_news_headlines_2013-2023.csv.gz"
DE_MAPPING = {"mappings": {"de": {"title": "title", "timestamp": "date", "url": "url", "kind": "article",
                                  "outlet": "outlet", "glob": "de_news_headlines_*.csv",
                                  "timezone": "Europe/Berlin"}}}


def test_social_csv_title_column_gives_headline_mentions(shared_data: Path) -> None:
    # Mapped rows had no title, so "Volkswagen" in a headline was a "lead" mention and
    # `visibility --role headline` found none of the 1,221 Volkswagen headlines.
    import itertools

    from limelight.models import Entity
    from limelight.pipeline import enrich_documents
    from limelight.watchlist import Watchlist

    rows = SocialCsv().read(file_input(shared_data / DE), ctx(**DE_MAPPING))
    vw = list(itertools.islice((d for d in rows if isinstance(d, Document) and "Volkswagen" in (d.title or "")), 20))
    assert len(vw) == 20 and all(d.kind == "article" and d.text == "" for d in vw)
    assert {d.source.platform for d in vw} == {"web"} and vw[0].url and vw[0].published_at
    watchlist = Watchlist((Entity("vw", "org", "Volkswagen", aliases=("Volkswagen",)),))
    enriched = enrich_documents(vw, watchlist)
    roles = [m.role for e in enriched for m in e.mentions if m.entity_id == "vw"]
    assert len(roles) >= 20 and set(roles) == {"headline"}


def test_social_csv_row_without_text_or_title_is_one_error_row(tmp_path: Path) -> None:
    p = tmp_path / "heads.csv"
    p.write_text("outlet,title,body\nbild.de,Nur ein Titel,\nSZ,,\nSZ,Titel,Text\n", encoding="utf-8")
    settings = {"mappings": {"h": {"title": "title", "text": "body", "outlet": "outlet", "kind": "article",
                                   "glob": "heads.csv"}}}
    items = _read(p, **settings)
    only_title, err, both = items
    assert isinstance(only_title, Document) and only_title.title == "Nur ein Titel" and only_title.text == ""
    assert only_title.source.handle == "bild.de" and only_title.source.name == "bild.de"
    assert isinstance(err, ItemError) and err.origin == f"{p}:3"
    assert err.message == "the row has no text (column 'body') and no title (column 'title'): nothing to store"
    assert isinstance(both, Document) and (both.title, both.text, both.source.handle) == ("Titel", "Text", "SZ")


FIN = "news/financial_headlines_2017-2020.csv.gz"
FIN_MAPPING = {"mappings": {"fin": {"title": "headline", "text": "description", "timestamp": "date",
                                    "outlet": "source", "kind": "article", "glob": "financial_headlines_*.csv"}}}


def test_social_csv_article_export_keys_rows_by_outlet_date_and_text(shared_data: Path) -> None:
    items = _read(shared_data / FIN, **FIN_MAPPING)
    heads = docs(items)
    assert len(heads) == 53330 and not errors(items)
    assert {(d.kind, d.source.platform) for d in heads} == {("article", "web")}
    assert {d.source.handle for d in heads} == {"Reuters", "The Guardian", "CNBC"}
    cnbc = next(d for d in heads if d.source.handle == "CNBC")
    assert cnbc.title and cnbc.text  # CNBC rows carry a description
    # Keyed by their text alone, 214 headlines merged into others (the same words from another
    # outlet or on another day); now only the 89 rows that repeat outlet, date, headline and
    # description (case and spacing aside, as content_hash compares them) are one record.
    assert len({d.id for d in heads}) == 53330 - 89


def test_social_csv_posts_without_id_are_keyed_by_account_time_and_text(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("user,when,msg\na,2025-01-01,Good morning!\nb,2025-01-01,Good morning!\n"
                 "a,2025-01-02,Good morning!\na,2025-01-01,Good morning!\n", encoding="utf-8")
    settings = {"mappings": {"m": {"platform": "x", "text": "msg", "account": "user", "timestamp": "when",
                                   "glob": "x.csv"}}}
    ids = [d.id for d in docs(_read(p, **settings))]
    assert len(set(ids[:3])) == 3 and ids[3] == ids[0]


def test_social_csv_mapping_values_are_checked(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("a\n1\n", encoding="utf-8")
    for table, message in (
        ({"text": "a", "quoting": "sometimes"},
         "column mapping 'm': quoting = 'sometimes' is not one of minimal, none"),
        ({"text": "a", "kind": "tweet"}, "column mapping 'm': kind = 'tweet' is not one of post, livestream, article"),
        ({"text": "a", "quotechar": "''"}, "column mapping 'm': quotechar must be one character, not \"''\""),
        ({"text": "a", "max_lines_per_row": 0}, "column mapping 'm': max_lines_per_row must be a whole number ≥ 1"),
        ({"platform": "x"}, "column mapping 'm' names no text or title column"),
    ):
        (err,) = _read(p, options={"mapping": "m"}, mappings={"m": table})
        assert isinstance(err, ItemError) and err.message.startswith(message), err.message


# -- quotes and cell counts (item 3) --------------------------------------------------------------

REUTERS = "news/reuters_headlines_2007-2016_sample1in20.tsv.gz"
REUTERS_MAPPING = {"mappings": {"reuters": {"title": "title", "timestamp": "datetime", "url": "url",
                                            "kind": "article", "account_value": "reuters.com",
                                            "glob": "reuters_*.tsv"}}}


def _reuters_window(shared_data: Path, tmp_path: Path, first: int, last: int) -> Path:
    """The header and physical lines first..last of the real Reuters TSV, as a file of its own."""
    import gzip

    with gzip.open(shared_data / REUTERS, "rt", encoding="utf-8", newline="") as fh:
        lines = fh.read().split("\n")
    p = tmp_path / "reuters_window.tsv"
    p.write_text("\n".join([lines[0], *lines[first - 1:last]]) + "\n", encoding="utf-8")
    return p


def test_social_csv_unmatched_quote_in_real_tsv_costs_one_row(shared_data: Path, tmp_path: Path) -> None:
    # Line 414,082 of the Reuters TSV is a title opening with an unmatched '"': it swallowed the
    # next two rows into its cell (427,511 rows read as 427,509 items). The window is lines
    # 414,001-414,200, so that line is line 83 of it.
    p = _reuters_window(shared_data, tmp_path, 414_001, 414_200)
    items = _read(p, **REUTERS_MAPPING)
    assert len(items) == 200
    (err,) = errors(items)
    assert err.origin == f"{p}:83" and "unmatched quote" in err.message and 'quoting = "none"' in err.hint
    titles = [d.title for d in docs(items)]
    assert "France's Fabius confident climate accord is at hand" in titles  # the swallowed rows are back
    assert "Daisy Ridley finds 'Star Wars' experience \"odd\"" in titles


def test_social_csv_quoting_none_reads_a_tsv_that_never_quotes(shared_data: Path, tmp_path: Path) -> None:
    p = _reuters_window(shared_data, tmp_path, 414_001, 414_200)
    mapping = {"mappings": {"reuters": {**REUTERS_MAPPING["mappings"]["reuters"], "quoting": "none"}}}
    items = _read(p, **mapping)
    assert len(docs(items)) == 200 and not errors(items)
    assert docs(items)[81].title == "\"I was afraid for my life”: Victim of convicted Oklahoma cop"


@pytest.mark.slow
# Slow (the slowest of make test, measured with --durations): runs in make test-full, which .ci/run calls.
@pytest.mark.full
def test_social_csv_real_headline_csv_reads_one_item_per_data_line(shared_data: Path) -> None:
    # news/de's PROVENANCE: a CSV of 331,806 rows (not a TSV); every data line is one item.
    import gzip

    with gzip.open(shared_data / DE, "rt", encoding="utf-8") as fh:
        data_lines = sum(1 for _ in fh) - 1
    items = _read(shared_data / DE, **DE_MAPPING)
    assert len(items) == data_lines == 331_806 and not errors(items)


QUOTED = {"mappings": {"q": {"text": "text", "account": "user", "platform": "x", "glob": "q*.csv",
                             "max_lines_per_row": 5}}}


def test_social_csv_unclosed_quote_swallows_no_row(tmp_path: Path) -> None:
    p = tmp_path / "q1.csv"
    p.write_text('user,text\na,"opens and never closes\nb,second row\nc,"fine, and\nover two lines"\n',
                 encoding="utf-8")
    items = _read(p, **QUOTED)
    err, second, third = items
    assert isinstance(err, ItemError) and err.origin == f"{p}:2"
    # The quote ran on to the next row's quote: three lines read as one row of three cells.
    assert err.message == "the row has 3 cells over 3 lines where the header has 2"
    assert isinstance(second, Document) and (second.source.handle, second.text) == ("b", "second row")
    # A quoted cell over two lines that closes where it should is one row, as ever.
    assert isinstance(third, Document) and third.text == "fine, and\nover two lines" and third.origin == f"{p}:4"


def test_social_csv_quote_running_past_max_lines_per_row_is_one_error(tmp_path: Path) -> None:
    p = tmp_path / "q2.csv"
    rows = "".join(f"u{i},row {i}\n" for i in range(3, 12))
    p.write_text(f'user,text\na,"runaway\n{rows}z,"late close" and more\n', encoding="utf-8")
    items = _read(p, **QUOTED)
    err = items[0]
    assert isinstance(err, ItemError) and err.origin == f"{p}:2"
    assert err.message == ("the row starting here runs on for more than 5 lines (max_lines_per_row): "
                           "a quote that is never closed")
    assert [d.text for d in docs(items)][:9] == [f"row {i}" for i in range(3, 12)]


def test_social_csv_rows_with_too_few_or_too_many_cells_are_error_rows(tmp_path: Path) -> None:
    p = tmp_path / "q3.csv"
    p.write_text("user,text,likes\na,one,1\nb,two\nc,three,3,extra\nd,four,4,,\n", encoding="utf-8")
    settings = {"mappings": {"q": {"text": "text", "account": "user", "likes": "likes", "glob": "q3.csv"}}}
    one, few, many, four = _read(p, **settings)
    assert isinstance(few, ItemError) and few.origin == f"{p}:3"
    assert few.message == "the row has 2 cells where the header has 3"
    assert isinstance(many, ItemError) and many.message == "the row has 4 cells where the header has 3"
    # Empty cells after the last column (a trailing delimiter) are no extra column.
    assert isinstance(one, Document) and isinstance(four, Document) and four.likes == 4
