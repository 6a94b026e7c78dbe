"""Analyses: registered, self-describing computations that return a table plus its evidence.

Every analysis declares its own options and the shared :data:`SCOPE_OPTIONS` (``since``, ``until``,
``language``, ``source``, ``kind``, ``timezone``). :meth:`Scope.from_options` reads and checks them
once, and :meth:`Scope.where` is the one SQL predicate each analysis puts on every ``documents`` row
it reads, denominators included: a share of "all coverage" on ``--kind article`` is a share of the
articles, not of every post of every account.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa

from limelight.errors import UsageError
from limelight.store.base import Store
from limelight.timeseries.series import check_timezone, day_sql, period_sql
from limelight.watchlist import Watchlist

DOCUMENT_KINDS = ("article", "post", "livestream", "press_release", "transcript")
# DuckDB's bounded top-n (min_by / max_by with n) takes n below a million; evidence lists are cut
# to the option's value after it, so a larger option only costs memory, never an error.
TOP_N_LIMIT = 999_999


@dataclass(frozen=True, slots=True)
class Option:
    """One declared option. ``min`` / ``max`` bound a number (checked before the analysis runs,
    with a usage error that says the range; the CLI shows it in --help)."""

    name: str
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None


def evidence_option(default: int = 5, what: str = "document ids listed as evidence per row") -> Option:
    """The ``evidence_limit`` option every analysis with evidence declares, with the same bounds."""
    return Option("evidence_limit", default, f"Most {what}.", min=0, max=10_000)


SCOPE_OPTIONS: tuple[Option, ...] = (
    Option("since", None, "Only documents published on or after this day, YYYY-MM-DD (in the report's time zone)."),
    Option("until", None, "Only documents published on or before this day, YYYY-MM-DD."),
    Option("language", None, "Only documents in these languages: ISO 639-1 codes, comma-separated (de,en)."),
    Option("source", None,
           "Only documents from these sources, comma-separated: an outlet's domain (reuters.com, with its "
           "subdomains) or platform/handle (x/realDonaldTrump; weibo/* for a whole platform)."),
    Option("kind", None, f"Only documents of these kinds, comma-separated: {', '.join(DOCUMENT_KINDS)}."),
    Option("timezone", None,
           "Time zone days and weeks are counted in: an IANA name (Europe/Berlin), or 'local' for each "
           "publisher's own UTC offset (default: the report.timezone setting, else UTC)."),
)
SCOPE_NAMES = frozenset(o.name for o in SCOPE_OPTIONS)
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})*")


def _literal(value: str) -> str:
    # Scope values are written into the SQL as literals (every analysis keeps its own positional
    # parameters as they are); each is checked or plain text, and a quote is doubled, so a value
    # can never end the literal.
    return "'" + value.replace("'", "''") + "'"


def _items(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    parts = value if isinstance(value, list | tuple) else str(value).split(",")
    return tuple(dict.fromkeys(p.strip() for p in map(str, parts) if p.strip()))


def _day(analysis: str, name: str, value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise UsageError(f"{analysis}: {name} must be a date YYYY-MM-DD, not {value!r}") from None


@dataclass(frozen=True, slots=True)
class Scope:
    """Which documents a report reads, and the time zone its days are in (the shared options)."""

    timezone: str = "UTC"
    since: date | None = None
    until: date | None = None
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()

    @staticmethod
    def from_options(analysis: str, opts: Mapping[str, Any]) -> Scope:
        since, until = _day(analysis, "since", opts.get("since")), _day(analysis, "until", opts.get("until"))
        if since and until and since > until:
            raise UsageError(f"{analysis}: since {since} is after until {until}")
        languages = tuple(x.lower() for x in _items(opts.get("language")))
        bad = [x for x in languages if not _LANGUAGE.fullmatch(x)]
        if bad:
            raise UsageError(f"{analysis}: language {bad[0]!r} is not a language code", "use ISO 639-1 codes: de,en")
        kinds = tuple(dict.fromkeys(_kind(analysis, x) for x in _items(opts.get("kind"))))
        sources = tuple(x.lower().lstrip("@") for x in _items(opts.get("source")))
        bad = [x for x in sources if x.startswith("/") or x.endswith("/")]
        if bad:
            raise UsageError(f"{analysis}: source {bad[0]!r} names no outlet or account",
                             "use a domain (reuters.com) or platform/handle (x/realDonaldTrump, weibo/*)")
        tz = check_timezone(opts.get("timezone"), f"{analysis}: timezone")
        return Scope(tz, since, until, languages, sources, kinds)

    def day(self, alias: str = "d") -> str:
        """SQL: the DATE document ``alias`` counts for, in the report's time zone."""
        return day_sql(self.timezone, alias)

    def period(self, by: str, alias: str = "d") -> str:
        """SQL: the first day of its day / ISO week / month."""
        return period_sql(by, self.timezone, alias)

    def where(self, alias: str = "d") -> str:
        """SQL predicate over ``documents AS alias``: true for the documents in scope ("true" when
        nothing narrows the report)."""
        parts: list[str] = []
        if self.since:
            parts.append(f"{self.day(alias)} >= DATE '{self.since.isoformat()}'")
        if self.until:
            parts.append(f"{self.day(alias)} <= DATE '{self.until.isoformat()}'")
        if self.languages:
            parts.append(f"lower({alias}.language) IN ({', '.join(map(_literal, self.languages))})")
        if self.kinds:
            parts.append(f"{alias}.kind IN ({', '.join(map(_literal, self.kinds))})")
        if self.sources:
            parts.append(f"{alias}.source_id IN (SELECT s.id FROM sources AS s WHERE "
                         + " OR ".join(_source_match(x) for x in self.sources) + ")")
        return "(" + " AND ".join(parts) + ")" if parts else "true"

    @property
    def narrowed(self) -> bool:
        return bool(self.since or self.until or self.languages or self.sources or self.kinds)

    def notes(self) -> tuple[str, ...]:
        """What a report says about its scope: the time zone always, the filters when there are any."""
        zone = ("each publisher's own date (local)" if self.timezone == "local"
                else f"{self.timezone} (weeks start on Monday)")
        notes = [f"periods in {zone}"]
        parts = []
        if self.since or self.until:
            parts.append(f"published {self.since or '…'} to {self.until or '…'}")
        for label, values in (("language", self.languages), ("source", self.sources), ("kind", self.kinds)):
            if values:
                parts.append(f"{label} {', '.join(values)}")
        if parts:
            notes.append("only documents " + "; ".join(parts))
        return tuple(notes)


def _kind(analysis: str, value: str) -> str:
    kind = value.lower()
    if kind not in DOCUMENT_KINDS and kind.endswith("s") and kind[:-1] in DOCUMENT_KINDS:
        kind = kind[:-1]  # "articles", "posts": what people type
    if kind not in DOCUMENT_KINDS:
        raise UsageError(f"{analysis}: kind must be one of {', '.join(DOCUMENT_KINDS)}, not {value!r}")
    return kind


def _source_match(value: str) -> str:
    """SQL over ``sources AS s`` for one --source value (lower-cased already)."""
    if "/" in value:
        platform, handle = value.split("/", 1)
        if handle in ("*", ""):
            return f"(lower(s.platform) = {_literal(platform)})"
        return f"(lower(s.platform) = {_literal(platform)} AND lower(s.handle) = {_literal(handle)})"
    # a domain: the outlet itself and its subdomains (www.reuters.com, uk.reuters.com)
    return f"(lower(s.handle) = {_literal(value)} OR ends_with(lower(s.handle), {_literal('.' + value)}))"


def top_n(n: int) -> int:
    """``n`` as a bounded top-n for DuckDB: at least 1 (n = 0 is an error there) and at most its limit."""
    return max(1, min(int(n), TOP_N_LIMIT))


# How many characters of a title (or a post's text) an evidence label keeps.
_LABEL_CHARS = 80


def evidence_documents(store: Store, table: pa.Table) -> dict[str, str]:
    """"title (url)" for every document id in the table's evidence columns (lists of ids, or of
    structs whose ``*_id`` fields are ids), from the store; a post without a title shows the start
    of its text."""
    ids: dict[str, None] = {}
    for column in table.column_names:
        if "evidence" not in column and column not in ("documents", "origin_document"):
            continue
        for value in table.column(column).to_pylist():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    ids[item] = None
                elif isinstance(item, dict):
                    ids.update({v: None for k, v in item.items() if k.endswith("_id") and isinstance(v, str)})
    if not ids:
        return {}
    rows = store.query(
        "SELECT id, coalesce(nullif(trim(title), ''), left(text, ?)) AS title, coalesce(url, canonical_url) AS url "
        "FROM documents WHERE id IN (SELECT unnest(?::VARCHAR[]))", [_LABEL_CHARS, list(ids)]).to_pylist()
    labels = {}
    for r in rows:
        title = " ".join(str(r["title"] or "").split())[:_LABEL_CHARS] or r["id"]
        labels[r["id"]] = f"{title} ({r['url']})" if r["url"] else title
    return labels


@dataclass(frozen=True)
class AnalysisResult:
    """``table`` has one row per answer; its ``evidence`` column (or ``evidence`` map) holds the
    document ids behind each number, so every figure can be traced back to articles.
    ``documents`` maps evidence ids to what a reader recognises ("title (url)"); the library API
    fills it, the table output shows it, JSON and CSV keep the ids."""

    name: str
    table: pa.Table
    options: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    documents: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class Analysis(Protocol):
    name: str
    version: str
    title: str
    description: str
    requires: tuple[str, ...]  # store tables it reads
    provides: tuple[str, ...]
    options: tuple[Option, ...]  # its own and SCOPE_OPTIONS

    def run(self, store: Store, watchlist: Watchlist, **options: Any) -> AnalysisResult: ...
