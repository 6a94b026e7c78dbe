from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from _sources_helpers import ctx, docs, errors, file_input
from limelight.sources.tweet_log import LA, TweetLog, parse_line, resolve_weekday

ELON = "social/elonmusk_cmj/tweets_2022-11_to_2024-07-29.txt"


def test_tweet_log_reads_every_line_of_the_real_log(shared_data: Path) -> None:
    src = TweetLog()
    inp = file_input(shared_data / ELON)
    assert src.sniff(inp) > 0.9
    items = list(src.read(inp, ctx()))
    assert len(items) == 26773
    assert not errors(items)
    last = items[-1]
    assert last.text == "@markpinc Wow"
    assert last.platform_id == "1818164056827551877"
    assert last.source.platform == "x" and last.source.handle == "elonmusk"
    # (Mon 22:57:45) in Los Angeles on 2024-07-29 is 05:57:45 UTC the next day.
    assert last.published_at is not None
    assert last.published_at.replace(microsecond=0) == datetime(2024, 7, 30, 5, 57, 45, tzinfo=UTC)
    assert last.origin.endswith(":26773")


def test_tweet_log_marks_rt_lines_as_reposts_with_their_true_date(shared_data: Path) -> None:
    items = docs(list(TweetLog().read(file_input(shared_data / ELON), ctx())))
    first = items[0]  # [22/01/20 ...] RT by @_Bergelmir_: Cancel Cancel Culture! (Tue 09:35:23)
    assert first.content_type == "repost"
    assert first.text == "Cancel Cancel Culture!"
    # The status id dates the post in May 2020, long before the log line (a weekday guess would say 2022).
    assert first.published_at is not None and first.published_at.date().isoformat() == "2020-05-19"
    assert sum(d.content_type == "repost" for d in items) > 10


def test_tweet_log_resolves_weekday_to_latest_date_not_after_log() -> None:
    logged = datetime(2022, 12, 2, 11, 27, 2, tzinfo=LA)  # a Friday
    assert resolve_weekday(logged, "Fri", 11, 23, 56) == datetime(2022, 12, 2, 11, 23, 56, tzinfo=LA)
    # Later on the same weekday than the log time → the week before.
    assert resolve_weekday(logged, "Fri", 12, 0, 0).date().isoformat() == "2022-11-25"
    assert resolve_weekday(logged, "Thu", 23, 0, 0).date().isoformat() == "2022-12-01"


def test_tweet_log_line_without_status_id_uses_weekday_rule() -> None:
    doc = parse_line("[22/12/02 11:27:02] @elonmusk - @BillyM2k Agreed (Fri 11:23:56)", "log:1")
    assert doc.date_source == "log-weekday"  # type: ignore[union-attr]
    assert doc.published_at == datetime(2022, 12, 2, 19, 23, 56, tzinfo=UTC)  # type: ignore[union-attr]


def test_tweet_log_truncated_line_keeps_text_and_leaves_date_unknown() -> None:
    doc = parse_line("[23/07/15 20:45:07] @elonmusk - @stillgray: >7", "log:2")
    assert doc.text == "@stillgray: >7"  # type: ignore[union-attr]
    assert doc.published_at is None and doc.platform_id is None  # type: ignore[union-attr]


def test_tweet_log_sniff_refuses_ordinary_text(tmp_path: Path) -> None:
    p = tmp_path / "notes.txt"
    p.write_text("Just some notes\nabout nothing\n", encoding="utf-8")
    assert TweetLog().sniff(file_input(p)) == 0.0
