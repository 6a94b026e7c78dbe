from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from limelight.extract.dates import (
    date_from_url,
    find_date_in_text,
    parse_datetime_text,
    parse_iso,
    plausible,
    to_utc,
)
from limelight.settings import Settings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ZNewsZNews27/12/2025", date(2025, 12, 27)),
        ("ngày 27/12/2025", date(2025, 12, 27)),
        ("Berlin, 27.12.2025", date(2025, 12, 27)),
        ("2025-12-27", date(2025, 12, 27)),
        ("am 27. Dezember 2025 um 10 Uhr", date(2025, 12, 27)),
        ("December 27, 2025", date(2025, 12, 27)),
        ("27 December 2025", date(2025, 12, 27)),
        ("发布时间：2025年12月27日 10:00", date(2025, 12, 27)),
    ],
)
def test_extract_dates_text_forms(text: str, expected: date) -> None:
    found = find_date_in_text(text)
    assert found is not None and found.date() == expected and found.tzinfo is UTC


def test_extract_dates_impossible_day_is_not_a_date() -> None:
    assert find_date_in_text("31/02/2025") is None


def test_extract_dates_iso_offsets_become_utc() -> None:
    assert parse_iso("2025-12-27T08:30:00+01:00") == datetime(2025, 12, 27, 7, 30, tzinfo=UTC)
    assert parse_iso("2025-12-27T08:30:00Z") == datetime(2025, 12, 27, 8, 30, tzinfo=UTC)
    assert parse_iso("2025-12-27T08:30:00+0100") == datetime(2025, 12, 27, 7, 30, tzinfo=UTC)
    assert parse_iso("2025-12-27") == datetime(2025, 12, 27, tzinfo=UTC)
    assert parse_iso("yesterday") is None
    assert to_utc(date(2020, 1, 2)) == datetime(2020, 1, 2, tzinfo=UTC)


def test_extract_dates_url_paths() -> None:
    assert date_from_url("https://lemire.me/blog/2019/08/02/json/") == datetime(2019, 8, 2, tzinfo=UTC)
    assert date_from_url("https://x.org/news/20191005/slug") == datetime(2019, 10, 5, tzinfo=UTC)
    assert date_from_url("https://x.org/news/slug") is None


def test_extract_dates_future_and_too_old_are_rejected() -> None:
    settings = Settings.defaults()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert plausible(datetime(2026, 1, 1, 20, tzinfo=UTC), settings, now) is not None  # within a day
    assert plausible(datetime(2026, 1, 3, tzinfo=UTC), settings, now) is None
    assert plausible(datetime(1989, 12, 31, tzinfo=UTC), settings, now) is None
    assert plausible(datetime(1989, 12, 31, tzinfo=UTC), Settings.from_dict({"extract": {"min_year": 1980}}),
                     now) is not None


def test_extract_dates_iso_spellings_keep_time_and_offset() -> None:
    # Regressions found by tests/test_properties_dates.py: these fell through to find_date_in_text,
    # which kept the day and silently dropped the time and the offset.
    expected = datetime(2025, 12, 27, 7, 30, tzinfo=UTC)
    assert parse_iso("2025-12-27 08:30:00+01") == expected  # PostgreSQL
    assert parse_iso("2025-12-27t07:30:00z") == expected  # RFC 3339 lower case
    assert parse_iso("2025-12-27T07:30:00,000Z") == expected  # ISO decimal comma


def test_extract_dates_out_of_range_offsets_are_none_not_overflow() -> None:
    # Regression: 0001-01-01T00:00+14:00 has no UTC time; parse_iso and plausible raised OverflowError.
    assert parse_iso("0001-01-01T00:00:00+14:00") is None
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert plausible(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))), Settings.defaults(), now) is None
    assert plausible(datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-12))), Settings.defaults(),
                     now) is None


def test_extract_dates_text_dotted_dates_are_day_first() -> None:
    # Regression: dateutil read the docstring's own example "05.01.2015 10:00" as 1 May.
    assert parse_datetime_text("05.01.2015 10:00") == datetime(2015, 1, 5, 10, 0)
    assert parse_datetime_text("01/05/2015 10:00 PM") == datetime(2015, 1, 5, 22, 0)  # US: month first
    assert parse_datetime_text("-1") is None


def test_extract_dates_month_look_alike_letters() -> None:
    # Regression: re.IGNORECASE matches "ſ" as "s" and "ı"/"İ" as "i", lower() does not map them
    # back, and the month lookup raised KeyError on such text.
    assert find_date_in_text("27 ſeptember 2025") == datetime(2025, 9, 27, tzinfo=UTC)
    assert find_date_in_text("1 aprıl 2020") == datetime(2020, 4, 1, tzinfo=UTC)
    assert find_date_in_text("1 APRİL 2020") == datetime(2020, 4, 1, tzinfo=UTC)
