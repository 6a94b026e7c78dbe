from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from limelight.extract.dates import date_from_url, find_date_in_text, parse_iso, plausible, to_utc
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
