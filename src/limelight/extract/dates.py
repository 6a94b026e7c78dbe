"""Publication dates: parse what pages write, and refuse what cannot be true.

Every date leaves here timezone-aware in UTC. A bare day (``2025-12-27``) becomes midnight UTC, so
two documents from the same day compare equal whatever their source wrote. A date before
``extract.min_year`` or more than a day in the future is dropped (``None``), never stored: a
future date is a page template's "today", an event date or a typo, not a publication date.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from limelight.settings import Settings

# Month names as news sites write them, in the languages we monitor (lowercased, dots stripped).
MONTHS: dict[str, int] = {}
for _n, _names in enumerate(
    (
        ("january", "jan", "januar", "jänner", "janvier", "janv", "enero", "gennaio", "styczeń", "stycznia"),
        ("february", "feb", "februar", "février", "févr", "fevrier", "febrero", "febbraio", "lutego", "luty"),
        ("march", "mar", "märz", "maerz", "mars", "marzo", "marca", "marzec"),
        ("april", "apr", "avril", "abril", "aprile", "kwietnia", "kwiecień"),
        ("may", "mai", "mayo", "maggio", "maja", "maj"),
        ("june", "jun", "juni", "juin", "junio", "giugno", "czerwca", "czerwiec"),
        ("july", "jul", "juli", "juillet", "julio", "luglio", "lipca", "lipiec"),
        ("august", "aug", "août", "aout", "agosto", "sierpnia", "sierpień"),
        ("september", "sep", "sept", "septembre", "septiembre", "settembre", "września", "wrzesień"),
        ("october", "oct", "oktober", "okt", "octobre", "octubre", "ottobre", "października", "październik"),
        ("november", "nov", "novembre", "noviembre", "listopada", "listopad"),
        ("december", "dec", "dezember", "dez", "décembre", "decembre", "diciembre", "dicembre", "grudnia",
         "grudzień"),
    ),
    start=1,
):
    for _name in _names:
        MONTHS[_name] = _n

_MONTH_RE = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
# re.IGNORECASE also matches "i" with "ı"/"İ" and "s" with "ſ", which lower() does not map back:
# "27 ſeptember 2025" and "1 aprıl 2020" were a KeyError.
_MONTH_KEY = str.maketrans({"ı": "i", "İ": "i", "ſ": "s"})


def _month(name: str) -> int:
    return MONTHS[name.translate(_MONTH_KEY).lower().rstrip(".")]


# Digits glued to letters are common in scraped datelines ("ZNewsZNews27/12/2025"), so the patterns
# guard with (?<!\d) rather than \b, which would not fire between "s" and "2".
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!\d)(\d{4})年\s*(\d{1,2})月\s*(\d{1,2})日"), "ymd"),
    (re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)"), "ymd"),
    (re.compile(r"(?<!\d)(\d{4})/(\d{1,2})/(\d{1,2})(?!\d)"), "ymd"),
    # Vietnamese "ngày 27/12/2025" and the European day-first numeric forms 27/12/2025, 27.12.2025.
    (re.compile(r"(?<![\d/.])(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?!\d)"), "dmy"),
    (re.compile(rf"(?<!\d)(\d{{1,2}})\.?\s+({_MONTH_RE})\.?,?\s+(\d{{4}})(?!\d)", re.I), "d_month_y"),
    (re.compile(rf"(?<![^\W\d_])({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)", re.I),
     "month_d_y"),
)


def now_utc() -> datetime:
    return datetime.now(UTC)


def to_utc(value: datetime | date) -> datetime:
    """A timezone-aware UTC datetime; a naive datetime is read as UTC, a bare date as midnight UTC."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_iso(value: str | None) -> datetime | None:
    """Parse ISO-8601 as found in meta tags, JSON-LD and feeds; ``None`` when it is not a date."""
    if not value:
        return None
    s = value.strip()
    # Python < 3.11 quirks are gone, but "Z", "+0100" and a space separator still show up in the wild,
    # and so do RFC 3339's lower-case "t"/"z", PostgreSQL's hour-only "+01" and ISO's decimal comma
    # ("08:30:00,5"). Each of those once fell through to find_date_in_text, which kept the day and
    # dropped the time and the offset.
    s = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", re.sub(r"[Zz]$", "+00:00", s))
    m = re.match(r"\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[+-]\d{2}(?::\d{2})?)?)?$", s)
    if not m:
        return find_date_in_text(value)
    try:
        return to_utc(datetime.fromisoformat(s))
    except (ValueError, OverflowError):  # OverflowError: 0001-01-01T00:00+14:00 has no UTC time
        return None


_PROBE_A = datetime(2000, 1, 1)
_PROBE_B = datetime(2001, 2, 2)
_DOTTED_DAY_FIRST = re.compile(r"\d{1,2}\.\d{1,2}\.\d{2,4}(?!\d)")


def parse_datetime_text(value: str) -> datetime | None:
    """A date (and time) written out in full, as exports write them (``2020-01-01 10:00 PM``,
    ``Mon Jan 05 10:00:00 +0000 2015``, ``05.01.2015 10:00``), or ``None``.

    dateutil fills whatever the text leaves out from today's date, so ``"-1"`` became today and
    ``"Jan 5"`` this year's 5 January. Here a text must state year, month and day itself: it is
    parsed against two different defaults, and a field that differs between the two was not in the
    text. A missing time of day is midnight. The result is naive unless the text gives a zone.
    """
    from dateutil import parser as dateparser

    s = value.strip()
    if not s or len(s) > 100:
        return None
    # dateutil reads "05.01.2015" month first; a date written with dots is day first wherever it
    # is written (German, Polish, Russian exports), so say so. Slashes stay month first (US exports).
    dayfirst = bool(_DOTTED_DAY_FIRST.match(s))
    try:
        a = dateparser.parse(s, default=_PROBE_A, dayfirst=dayfirst)
        b = dateparser.parse(s, default=_PROBE_B, dayfirst=dayfirst)
    except (ValueError, OverflowError, TypeError):
        return None
    if (a.year, a.month, a.day) != (b.year, b.month, b.day):
        return None
    return a


def _build(y: int, m: int, d: int) -> datetime | None:
    try:
        return datetime(y, m, d, tzinfo=UTC)
    except ValueError:
        return None


def iter_text_dates(text: str) -> list[tuple[int, datetime]]:
    """Every date written in ``text`` with its character offset, in order of appearance."""
    found: list[tuple[int, datetime]] = []
    for pattern, kind in _PATTERNS:
        for m in pattern.finditer(text):
            a, b, c = m.group(1), m.group(2), m.group(3)
            dt: datetime | None
            if kind == "ymd":
                dt = _build(int(a), int(b), int(c))
            elif kind == "dmy":
                dt = _build(int(c), int(b), int(a))
            elif kind == "d_month_y":
                dt = _build(int(c), _month(b), int(a))
            else:
                dt = _build(int(c), _month(a), int(b))
            if dt is not None:
                found.append((m.start(), dt))
    found.sort(key=lambda item: item[0])
    return found


def find_date_in_text(text: str) -> datetime | None:
    """The first date written in ``text`` (dd/mm/yyyy, yyyy-mm-dd, 27. Dezember 2025, ...)."""
    dates = iter_text_dates(text)
    return dates[0][1] if dates else None


_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|-|$)")
_URL_COMPACT = re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})(?:/|-|_|$)")


def date_from_url(url: str | None) -> datetime | None:
    """Dates many sites put in their paths: /2019/08/02/slug, /20190802/."""
    if not url:
        return None
    m = _URL_DATE.search(url) or _URL_COMPACT.search(url)
    return _build(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def plausible(value: datetime | None, settings: Settings, now: datetime | None = None) -> datetime | None:
    """``value`` when it can be a publication date, else ``None`` (before min_year or in the future)."""
    if value is None:
        return None
    try:
        value = to_utc(value)
    except OverflowError:
        # 0001-01-01T00:00+14:00 is before year 1 in UTC, 9999-12-31T23:00-12:00 after 9999: either
        # way far outside what can be a publication date.
        return None
    if value.year < int(settings["extract.min_year"]):
        return None
    if value > (now or now_utc()) + timedelta(days=1):
        return None
    return value
