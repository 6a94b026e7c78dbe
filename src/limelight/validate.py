"""Every document is checked here, once, before anything is written: one bad value is one error
row, never a failed batch.

Found the hard way: one count of 2^63 in an export (``favorites=99999999999999999999999``) aborted a
whole batch write with ``OverflowError`` in Arrow, so the good pages beside it were lost too; a lone
UTF-16 surrogate from a JSON escape (``"\\ud800"``) does the same. Posts dated 2999 or year 1 and
``likes=-5`` were stored as if true. The rules:

- **Counts** (likes, shares, comments, views) are whole numbers from 0 to 2^63 − 1; anything else
  makes the item an error (a count we cannot trust is not silently dropped either).
- **Dates**: the same rule for every kind of item (:func:`limelight.extract.dates.plausible`): not
  before ``extract.min_year`` and not more than a day in the future. An article's extractor already
  drops implausible candidates and falls back to others; a post's date is the record's own, so a
  post with an impossible date is an error. ``fetched_at`` is container metadata and is dropped when
  impossible.
- **Size**: the text is at most ``ingest.max_text_chars`` characters (a 4 MB post repeating a
  watched name made 666,666 mentions), captions at most :data:`MAX_CAPTIONS`.
- **Text** is valid Unicode that every store and terminal takes: lone surrogates become U+FFFD and
  NUL characters are removed (PostgreSQL refuses them in text).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from limelight.errors import ItemFailed
from limelight.models import Document, evolve
from limelight.settings import Settings

MAX_COUNT = 2**63 - 1
MAX_CAPTIONS = 200
MAX_FIELD_CHARS = 10_000  # title, author, URLs, attribution: longer is not a real value
_COUNTS = ("likes", "shares", "comments", "views")
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
_STRING_FIELDS = ("title", "url", "canonical_url", "author", "attribution_url", "attribution_text",
                  "content_type", "platform_id", "date_source")


def clean_text(value: str) -> str:
    """``value`` without NUL characters and with lone surrogates replaced (U+FFFD)."""
    if not _BAD_CHARS.search(value):
        return value
    return _BAD_CHARS.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", value)


def date_problem(value: datetime, settings: Settings, now: datetime | None = None) -> str | None:
    """Why ``value`` cannot be a publication date, or None when it can."""
    min_year = int(settings["extract.min_year"])
    try:
        utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except (OverflowError, ValueError):
        return f"the date {value.isoformat()} is outside the range of dates"
    if utc.year < min_year:
        return f"the date {utc:%Y-%m-%d} is before {min_year} (extract.min_year)"
    if utc > (now or datetime.now(UTC)) + timedelta(days=1):
        return f"the date {utc:%Y-%m-%d} is in the future"
    return None


def check_document(doc: Document, settings: Settings, now: datetime | None = None) -> Document:
    """``doc`` as it may be stored (cleaned), or :class:`ItemFailed` saying what is wrong."""
    changes: dict[str, object] = {}
    for name in _COUNTS:
        value = getattr(doc, name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise ItemFailed(f"{name} is {value!r}, not a whole number", "fix the export or its column mapping")
        if not 0 <= value <= MAX_COUNT:
            raise ItemFailed(f"{name} = {value:,} is not a possible count (0 to 2^63 − 1)",
                             "fix the export or its column mapping")
    if doc.published_at is not None:
        problem = date_problem(doc.published_at, settings, now)
        if problem:
            raise ItemFailed(problem, "fix the date in the export, or its column mapping (timestamp_format, "
                                      "timezone)")
    if doc.fetched_at is not None and date_problem(doc.fetched_at, settings, now):
        changes["fetched_at"] = None
    limit = int(settings["ingest.max_text_chars"])
    if len(doc.text) > limit:
        raise ItemFailed(f"the text is {len(doc.text):,} characters, over ingest.max_text_chars ({limit:,})",
                         "raise ingest.max_text_chars if such texts are real")
    if len(doc.captions) > MAX_CAPTIONS:
        changes["captions"] = doc.captions[:MAX_CAPTIONS]
    text = clean_text(doc.text)
    if text is not doc.text:
        changes["text"] = text
    for name in _STRING_FIELDS:
        value = getattr(doc, name)
        if value is None:
            continue
        cleaned = clean_text(str(value))[:MAX_FIELD_CHARS]
        if cleaned != value:
            changes[name] = cleaned
    captions = changes.get("captions", doc.captions)
    assert isinstance(captions, tuple)
    cleaned_captions = tuple(clean_text(c)[:MAX_FIELD_CHARS] for c in captions)
    if cleaned_captions != captions:
        changes["captions"] = cleaned_captions
    source = doc.source
    handle, name_ = clean_text(source.handle)[:MAX_FIELD_CHARS], (
        clean_text(source.name)[:MAX_FIELD_CHARS] if source.name is not None else None)
    if handle != source.handle or name_ != source.name:
        changes["source"] = evolve(source, handle=handle, name=name_)
    return evolve(doc, **changes) if changes else doc
