"""The report scope: which documents a report reads, and the time zone its days are counted in.

Every analysis takes the same scope options (``since``, ``until``, ``language``, ``source``,
``kind``, ``timezone``); :meth:`Scope.from_options` reads and checks them once. A Scope is plain
data: the store renders it as the one predicate every analysis puts on each ``documents`` row it
reads, denominators included (:mod:`limelight.store.reads.scope`), so a share of "all coverage" on
``--kind article`` is a share of the articles, not of every post of every account. It lives here,
not in :mod:`limelight.analyses`, because the store layer builds reads from it and must not import
the analyses; it is also a parameter that travels to the process holding the store
(:mod:`limelight.store.service`), so it holds nothing but dates, strings and tuples of strings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from limelight.errors import UsageError
from limelight.timeseries.series import LOCAL, check_timezone

DOCUMENT_KINDS = ("article", "post", "livestream", "press_release", "transcript")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})*")

__all__ = ["DOCUMENT_KINDS", "LOCAL", "Scope", "SourceFilter"]


@dataclass(frozen=True, slots=True)
class SourceFilter:
    """The ``source`` values by what they name (each lower-cased): whole platforms (``weibo/*``),
    accounts (``x/realdonaldtrump``, as (platform, handle)) and outlets' domains (``reuters.com``,
    which covers its subdomains)."""

    platforms: tuple[str, ...] = ()
    accounts: tuple[tuple[str, str], ...] = ()
    domains: tuple[str, ...] = ()


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

    @property
    def narrowed(self) -> bool:
        return bool(self.since or self.until or self.languages or self.sources or self.kinds)

    @property
    def local(self) -> bool:
        """Days are each publisher's own date (its UTC offset), not one zone's."""
        return self.timezone == LOCAL

    def source_filter(self) -> SourceFilter:
        """The ``source`` values sorted by what they name (see :class:`SourceFilter`)."""
        platforms: list[str] = []
        accounts: list[tuple[str, str]] = []
        domains: list[str] = []
        for value in self.sources:
            if "/" in value:
                platform, handle = value.split("/", 1)
                if handle in ("*", ""):
                    platforms.append(platform)
                else:
                    accounts.append((platform, handle))
            else:
                domains.append(value)
        return SourceFilter(tuple(platforms), tuple(accounts), tuple(domains))

    def notes(self) -> tuple[str, ...]:
        """What a report says about its scope: the time zone always, the filters when there are any."""
        zone = ("each publisher's own date (local)" if self.local
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


def _kind(analysis: str, value: str) -> str:
    kind = value.lower()
    if kind not in DOCUMENT_KINDS and kind.endswith("s") and kind[:-1] in DOCUMENT_KINDS:
        kind = kind[:-1]  # "articles", "posts": what people type
    if kind not in DOCUMENT_KINDS:
        raise UsageError(f"{analysis}: kind must be one of {', '.join(DOCUMENT_KINDS)}, not {value!r}")
    return kind
