"""Property tests for date parsing: ISO round trips, no invented fields, no crash, always UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from limelight.errors import ItemFailed
from limelight.extract.dates import MONTHS, date_from_url, find_date_in_text, parse_datetime_text, parse_iso, plausible
from limelight.settings import Settings
from limelight.sources._util import from_epoch, to_int

# Fixed seed (CI must be deterministic), no example database written into the checkout.
PROPS = settings(max_examples=200, derandomize=True, deadline=None, database=None)

_OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
_NEWS_TIMES = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 12, 31, 23, 59, 59))


def _offset_text(draw: st.DrawFn, dt: datetime) -> str:
    offset = dt.utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hh, mm = divmod(abs(minutes), 60)
    forms = [f"{sign}{hh:02d}:{mm:02d}", f"{sign}{hh:02d}{mm:02d}"]
    if mm == 0:
        forms.append(f"{sign}{hh:02d}")  # PostgreSQL writes "2025-12-27 08:30:00+01"
    if minutes == 0:
        forms += ["Z", "z", "-00:00"]
    return draw(st.sampled_from(forms))


@st.composite
def iso_texts(draw: st.DrawFn) -> tuple[str, datetime]:
    """An aware datetime written as ISO 8601 / RFC 3339 in one of the spellings found in the wild."""
    dt = draw(_NEWS_TIMES).replace(tzinfo=draw(_OFFSETS))
    precision = draw(st.sampled_from(["minutes", "seconds", "fraction"]))
    if precision == "minutes":
        dt = dt.replace(second=0, microsecond=0)
        clock = dt.strftime("%H:%M")
    elif precision == "seconds":
        dt = dt.replace(microsecond=0)
        clock = dt.strftime("%H:%M:%S")
    else:
        digits = draw(st.integers(1, 9))  # milli, micro and the nanoseconds .NET and Go write
        kept = min(digits, 6)
        dt = dt.replace(microsecond=dt.microsecond // 10 ** (6 - kept) * 10 ** (6 - kept))
        fraction = f"{dt.microsecond:06d}"[:kept] + "0" * (digits - kept)
        clock = dt.strftime("%H:%M:%S") + draw(st.sampled_from([".", ","])) + fraction
    sep = draw(st.sampled_from(["T", " ", "t"]))
    pad = draw(st.sampled_from(["", " ", "\n"]))
    return f"{pad}{dt:%Y-%m-%d}{sep}{clock}{_offset_text(draw, dt)}{pad}", dt


@PROPS
@given(iso_texts())
def test_properties_dates_iso_round_trips_to_the_same_instant(case: tuple[str, datetime]) -> None:
    text, dt = case
    parsed = parse_iso(text)
    assert parsed == dt.astimezone(UTC), text
    assert parsed is not None and parsed.tzinfo is UTC


@PROPS
@given(_NEWS_TIMES, st.sampled_from(["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"]))
def test_properties_dates_iso_without_zone_is_utc(dt: datetime, fmt: str) -> None:
    text = dt.strftime(fmt)
    assert parse_iso(text) == datetime.strptime(text, fmt).replace(tzinfo=UTC)


# Formats that leave out the year, the month or the day (dateutil would fill them from today).
_PARTIAL_FORMATS = ["%H:%M", "%H:%M:%S", "%I:%M %p", "%b %d", "%d %B", "%B %d %H:%M", "%B %Y", "%b %Y", "%Y",
                    "%m/%d", "%d.%m.", "%Y-%m", "%m/%Y", "%a %H:%M", "%A", "%a %b %d %H:%M:%S", "%d", "%b",
                    "%d. %B", "%Y %H:%M", "%B"]


@PROPS
@given(st.one_of(
    st.builds(lambda dt, fmt: dt.strftime(fmt), _NEWS_TIMES, st.sampled_from(_PARTIAL_FORMATS)),
    st.integers(-9999, 9999).map(str),
))
def test_properties_dates_text_without_year_month_and_day_is_none(text: str) -> None:
    # The real bug this guards: "-1" became today's date.
    assert parse_datetime_text(text) is None, text


# Full dates as exports write them, and the precision each keeps.
_EXPORT_FORMATS = [
    ("%Y-%m-%d %H:%M:%S", "seconds"),
    ("%d.%m.%Y %H:%M", "minutes"),  # German exports: day first, always, with dots
    ("%a %b %d %H:%M:%S %z %Y", "seconds"),  # Twitter API v1
    ("%m/%d/%Y %I:%M %p", "minutes"),  # US exports: month first with slashes
]


@PROPS
@given(_NEWS_TIMES, st.sampled_from(_EXPORT_FORMATS), _OFFSETS)
def test_properties_dates_full_export_dates_parse_to_that_date(
    dt: datetime, fmt_precision: tuple[str, str], tz: timezone,
) -> None:
    fmt, precision = fmt_precision
    dt = dt.replace(microsecond=0, second=0 if precision == "minutes" else dt.second)
    if "%z" in fmt:
        dt = dt.replace(tzinfo=tz)
    text = dt.strftime(fmt)
    parsed = parse_datetime_text(text)
    assert parsed == dt, text
    assert parsed is not None and parsed.utcoffset() == dt.utcoffset()


_MONTHS = ["januar", "Jan", "MÄRZ", "mai", "juin", "août", "ſeptember", "aprıl", "APRİL", "oKt", "Dezember",
           "dez.", "stycznia", "lipca", "grudzień", "décembre", "Sept."]
_NUMBERS = st.sampled_from(["2025", "1999", "0000", "9999", "12", "27", "31", "1", "٢٠٢٥", "２０２５", "00", "99",
                            "13"])
_SEPARATORS = st.sampled_from(["-", "/", ".", " ", ":", "T", ", ", ". ", "年", "月", "日", "Z", "+14:00", "-12:00",
                               "st ", "\n", "ngày ", "/2019/08/02/", "\u00a0"])
# Date-shaped text: numbers and month names (in odd cases and look-alike letters) between separators.
_DATE_SOUP = st.lists(st.tuples(st.one_of(_NUMBERS, st.sampled_from(_MONTHS)), _SEPARATORS), max_size=5).map(
    lambda parts: "".join(a + b for a, b in parts))


@st.composite
def month_spellings(draw: st.DrawFn) -> tuple[str, int]:
    """A month name in any case, including the letters re.IGNORECASE treats as case variants of
    "i" and "s" ("İ", "ı", "ſ") and the Kelvin sign for "k"; and the month's number."""
    name = draw(st.sampled_from(sorted(MONTHS)))
    twins = {"i": ["i", "I", "İ", "ı"], "s": ["s", "S", "ſ"], "k": ["k", "K", "\u212a"]}
    return "".join(draw(st.sampled_from(twins.get(c, [c, c.upper()]))) for c in name), MONTHS[name]


@PROPS
@given(month_spellings(), st.integers(1, 28), st.integers(1990, 2100), st.booleans())
def test_properties_dates_month_names_in_any_case(month: tuple[str, int], day: int, year: int, us: bool) -> None:
    spelling, number = month
    text = f"am {spelling} {day}, {year}" if us else f"am {day}. {spelling} {year} um 10 Uhr"
    assert find_date_in_text(text) == datetime(year, number, day, tzinfo=UTC), text


# And text shaped like one date, in the orders the patterns look for.
_ONE_DATE = st.builds(
    lambda day, month, year, order: (f"{day}. {month} {year}", f"{month} {day}, {year}",
                                     f"{day}/{month}/{year}")[order],
    _NUMBERS, st.one_of(month_spellings().map(lambda m: m[0]), _NUMBERS), _NUMBERS, st.integers(0, 2),
)
_TEXTS = st.one_of(st.text(), _DATE_SOUP, _ONE_DATE)


def _utc_or_none(value: datetime | None) -> bool:
    return value is None or value.tzinfo is UTC


@PROPS
@given(_TEXTS)
def test_properties_dates_text_functions_never_raise_and_answer_in_utc(text: str) -> None:
    assert _utc_or_none(parse_iso(text))
    assert _utc_or_none(find_date_in_text(text))
    assert _utc_or_none(date_from_url(text))
    result = parse_datetime_text(text)  # naive unless the text names a zone, as documented
    assert result is None or isinstance(result, datetime)


_ZONES: st.SearchStrategy[tzinfo | None] = st.one_of(st.none(), _OFFSETS, st.just(UTC))


def _zoned(low: datetime, high: datetime) -> st.SearchStrategy[datetime]:
    """Datetimes between ``low`` and ``high`` (wall clock), naive or at any UTC offset."""
    return st.tuples(st.datetimes(min_value=low, max_value=high), _ZONES).map(lambda p: p[0].replace(tzinfo=p[1]))


def _seconds_since_year_1(dt: datetime) -> timedelta:
    # The UTC instant as a timedelta, computed without datetime arithmetic that could overflow.
    return dt.replace(tzinfo=None) - datetime(1, 1, 1) - (dt.utcoffset() or timedelta(0))


@PROPS
@given(
    st.one_of(
        _zoned(datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59)),
        # The edges, where a UTC offset pushes the instant out of datetime's range.
        _zoned(datetime(1, 1, 1), datetime(1, 1, 1, 23, 59)),
        _zoned(datetime(9999, 12, 31), datetime(9999, 12, 31, 23, 59)),
    ),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(1, 3000),
)
def test_properties_dates_plausible_rejects_too_old_and_future_whatever_the_offset(
    value: datetime, now: datetime, min_year: int,
) -> None:
    settings_ = Settings.from_dict({"extract": {"min_year": min_year}})
    now = now.replace(tzinfo=UTC)
    instant = _seconds_since_year_1(value)
    expected = (_seconds_since_year_1(datetime(min_year, 1, 1, tzinfo=UTC)) <= instant
                <= _seconds_since_year_1(now + timedelta(days=1)))
    result = plausible(value, settings_, now)
    assert (result is not None) == expected, (value, min_year)
    if result is not None:
        assert result == value.replace(tzinfo=value.tzinfo or UTC) and result.tzinfo is UTC


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@PROPS
@given(st.integers(0, 4_102_444_800), st.sampled_from(["int", "float", "str", "ms", "ms-str"]))
def test_properties_dates_from_epoch_seconds_and_milliseconds(seconds: int, form: str) -> None:
    value: Any = {"int": seconds, "float": float(seconds), "str": str(seconds), "ms": seconds * 1000,
                  "ms-str": str(seconds * 1000)}[form]
    if form.startswith("ms") and seconds * 1000 <= 1e11:
        return  # below 1e11 a number is read as seconds (milliseconds before 1973 are ambiguous)
    result = from_epoch(value)
    assert result == _EPOCH + timedelta(seconds=seconds) and result.tzinfo is UTC


_ANYTHING = st.one_of(
    st.none(), st.booleans(), st.text(), st.text("0123456789.-+eE ", max_size=12),
    st.integers(), st.integers(10**300, 10**400), st.integers(-(10**400), -(10**300)),
    st.floats(), st.decimals(), st.lists(st.integers(), max_size=2),
    st.integers(4290, 4400).map(lambda n: "9" * n),  # past Python's 4300-digit int() limit
)


@PROPS
@given(_ANYTHING)
def test_properties_dates_from_epoch_absent_time_or_item_failed(value: Any) -> None:
    try:
        result = from_epoch(value)
    except ItemFailed as exc:
        assert exc.hint  # says what to do
        return
    assert result is None or result.tzinfo is UTC
    if result is None:
        assert value is None or isinstance(value, bool) or (isinstance(value, str) and not value.strip())


@PROPS
@given(_ANYTHING)
def test_properties_dates_to_int_count_absent_or_item_failed(value: Any) -> None:
    try:
        result = to_int(value)
    except ItemFailed:
        return
    assert result is None or isinstance(result, int)


@PROPS
@given(st.integers(-(10**30), 10**30), st.sampled_from(["{}", "{:,}", "{:_}", " {} "]))
def test_properties_dates_to_int_counts_are_exact(n: int, fmt: str) -> None:
    assert to_int(fmt.format(n)) == n
    assert to_int(n) == n
    assert to_int(Decimal(n)) == n or abs(n) > 2**53  # through float: exact up to 2^53


def test_properties_dates_from_epoch_and_to_int_overflow_regressions() -> None:
    # Found by the properties above: an int past float's range escaped from_epoch as OverflowError,
    # and a digit string past Python's 4300-digit int() limit escaped to_int as ValueError.
    with pytest.raises(ItemFailed, match="outside the range of dates"):
        from_epoch(10**400)
    with pytest.raises(ItemFailed, match="4400 digits"):
        to_int("9" * 4400)
    assert from_epoch(None) is None and to_int("1,234") == 1234
