"""SQL of the report scope (:class:`limelight.scope.Scope`): the day a document counts for, its
period, and the one predicate every analysis puts on each ``documents`` row it reads.

These are fragments, not reads: a read's builder calls them with the ``params`` dict of the
:class:`~limelight.store.reads.Query` it is building, and each fragment adds the named parameters
it uses (all prefixed ``scope_``; a fragment adds only what its text names, since DuckDB refuses a
parameter the statement does not use). Every value of the scope travels as a bound parameter,
never as text in the SQL: a Scope may come from another process (:mod:`limelight.store.service`)
without passing :meth:`Scope.from_options`, and the statement's text then depends only on which
filters are set, so each backend translates and plans a handful of shapes.

Days are counted in one time zone for the whole report, or with ``local`` on each publisher's own
date (the UTC offset the page gave, ``published_offset``, in seconds). The local day casts a
``TIMESTAMPTZ`` to ``DATE`` in the session's time zone, which every store sets to UTC on its read
connections (:meth:`DuckDBStore._reader`).
"""

from __future__ import annotations

from typing import Any

from limelight.errors import UsageError
from limelight.scope import Scope

PERIODS = ("day", "week", "month")
# The tables the predicate may read besides ``documents`` (``source`` looks up the outlet).
TABLES: tuple[str, ...] = ("documents", "sources")


def day(scope: Scope, params: dict[str, Any], alias: str = "d") -> str:
    """The DATE document ``alias`` (of ``documents``) counts for, in the report's time zone."""
    if scope.local:
        # an offset in seconds times a one-second interval: to_seconds() is DuckDB's alone
        return (f"CAST({alias}.published_at + coalesce({alias}.published_offset, 0) * INTERVAL '1 second' "
                "AS DATE)")
    # timezone(zone, timestamptz) is the wall-clock time there, whatever the session's TimeZone
    params["scope_timezone"] = scope.timezone
    return f"CAST(timezone($scope_timezone, {alias}.published_at) AS DATE)"


def period(scope: Scope, by: str, params: dict[str, Any], alias: str = "d") -> str:
    """The first day of the ``by`` period (day, ISO week, month) document ``alias`` counts for;
    weeks start on Monday (``date_trunc('week', date)`` is the ISO week in DuckDB and PostgreSQL)."""
    if by not in PERIODS:
        raise UsageError(f"by must be day, week or month, not {by!r}")
    params["scope_period"] = by
    return f"CAST(date_trunc($scope_period, {day(scope, params, alias)}) AS DATE)"


def where(scope: Scope, params: dict[str, Any], alias: str = "d") -> str:
    """A predicate over ``documents AS alias``: true for the documents in scope ("true" when
    nothing narrows the report)."""
    parts: list[str] = []
    if scope.since:
        params["scope_since"] = scope.since
        parts.append(f"{day(scope, params, alias)} >= CAST($scope_since AS DATE)")
    if scope.until:
        params["scope_until"] = scope.until
        parts.append(f"{day(scope, params, alias)} <= CAST($scope_until AS DATE)")
    if scope.languages:
        params["scope_languages"] = list(scope.languages)
        parts.append(f"list_contains(CAST($scope_languages AS VARCHAR[]), lower({alias}.language))")
    if scope.kinds:
        params["scope_kinds"] = list(scope.kinds)
        parts.append(f"list_contains(CAST($scope_kinds AS VARCHAR[]), {alias}.kind)")
    if scope.sources:
        parts.append(f"{alias}.source_id IN (SELECT s.id FROM sources AS s WHERE {_sources(scope, params)})")
    return "(" + " AND ".join(parts) + ")" if parts else "true"


def _sources(scope: Scope, params: dict[str, Any]) -> str:
    """A predicate over ``sources AS s``: the source matches one of the ``source`` values."""
    wanted = scope.source_filter()
    parts: list[str] = []
    if wanted.platforms:
        params["scope_platforms"] = list(wanted.platforms)
        parts.append("list_contains(CAST($scope_platforms AS VARCHAR[]), lower(s.platform))")
    if wanted.accounts:
        params["scope_account_platforms"] = [p for p, _ in wanted.accounts]
        params["scope_account_handles"] = [h for _, h in wanted.accounts]
        parts.append(
            "EXISTS (SELECT 1 FROM (SELECT unnest(CAST($scope_account_platforms AS VARCHAR[])) AS platform, "
            "unnest(CAST($scope_account_handles AS VARCHAR[])) AS handle) AS a "
            "WHERE a.platform = lower(s.platform) AND a.handle = lower(s.handle))")
    if wanted.domains:
        # the outlet itself and its subdomains (www.reuters.com, uk.reuters.com); right() rather
        # than ends_with (DuckDB's alone) or LIKE (a "_" in a domain would be a wildcard)
        params["scope_domains"] = list(wanted.domains)
        parts.append(
            "EXISTS (SELECT 1 FROM (SELECT unnest(CAST($scope_domains AS VARCHAR[])) AS domain) AS o "
            "WHERE lower(s.handle) = o.domain OR right(lower(s.handle), length(o.domain) + 1) = '.' || o.domain)")
    return "(" + " OR ".join(parts) + ")"
