"""Reads of the alerts (:mod:`limelight.alerts`): the stored incidents, what is still to deliver,
and the watcher's polled targets.

An alert's delivery to a channel is pending while its current version has no ``alert_deliveries``
row for the channel (never tried) or one whose status is ``pending`` (a retry is due at its
``next_attempt_at``). A version delivered or given up is not pending; when the incident grows, its
new version is. So a digest holds each grown incident once, at its latest version.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from limelight.store.reads import Query, read

_COLUMNS = ("a.id, a.rule, a.kind, a.entity_id, a.account, a.severity, a.title, a.summary, a.opened_at, "
            "a.updated_at, a.closed_at, a.status, a.evidence, a.version")
# Newest first: the incident that changed last on top; the id breaks ties, so the order is total.
_NEWEST_FIRST = "a.updated_at DESC, a.id"


def _example_list() -> dict[str, Any]:
    return {"status": "open", "entity": "kestrel", "since": datetime(2024, 1, 1, tzinfo=UTC)}


def _example_page() -> dict[str, Any]:  # every filter, and a keyset position
    return {"entity": ["kestrel", "han-zhiyuan"], "severity": ["warning", "critical"],
            "since": datetime(2024, 1, 1, tzinfo=UTC), "until": datetime(2030, 1, 1, tzinfo=UTC),
            "after_at": datetime(2029, 1, 1, tzinfo=UTC), "after_id": "", "limit": 5}


@read("alerts.list", tables=("alerts",))
def list_alerts(status: str | None = None, entity: str | Sequence[str] | None = None, since: datetime | None = None,
                limit: int | None = None, until: datetime | None = None, severity: Sequence[str] | None = None,
                after_at: datetime | None = None, after_id: str = "") -> Query:
    """Stored alerts, newest first (by updated_at, then id): only those with this ``status``
    (open, closed), about this ``entity`` id (or any of these ids), of these ``severity`` values,
    updated at or after ``since`` and before ``until``, when given; with ``after_at`` and
    ``after_id`` (the last row's updated_at and id) the rows after it, so a list pages on by keyset."""
    params: dict[str, Any] = {}
    where = []
    if status is not None:
        params["status"] = status
        where.append("a.status = $status")
    if isinstance(entity, str):
        params["entity"] = entity
        where.append("a.entity_id = $entity")
    elif entity is not None:
        params["entities"] = list(entity)
        where.append("a.entity_id IN (SELECT unnest(CAST($entities AS VARCHAR[])))")
    if severity is not None:
        params["severities"] = list(severity)
        where.append("a.severity IN (SELECT unnest(CAST($severities AS VARCHAR[])))")
    if since is not None:
        params["since"] = since
        where.append("a.updated_at >= $since")
    if until is not None:
        params["until"] = until
        where.append("a.updated_at < $until")
    if after_at is not None:
        params["after_at"], params["after_id"] = after_at, after_id
        where.append("(a.updated_at < $after_at OR (a.updated_at = $after_at AND a.id > $after_id))")
    sql = f"SELECT {_COLUMNS} FROM alerts AS a"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {_NEWEST_FIRST}"
    if limit is not None:
        params["limit"] = int(limit)
        sql += " LIMIT $limit"
    return Query(sql, params)


@read("alerts.count", tables=("alerts",))
def count_alerts(status: str | None = None, entity: str | Sequence[str] | None = None,
                 since: datetime | None = None, until: datetime | None = None,
                 severity: Sequence[str] | None = None) -> Query:
    """How many alerts ``alerts.list`` holds with these filters (column ``n``)."""
    listed = list_alerts(status, entity, since, None, until, severity)
    return Query(f"SELECT count(*) AS n FROM ({listed.sql}) AS listed", listed.params)


list_alerts.example = _example_page  # type: ignore[attr-defined]
count_alerts.example = _example_list  # type: ignore[attr-defined]


@read("alerts.state", tables=("alerts",))
def alert_state(ids: Sequence[str]) -> Query:
    """id, version, fingerprint and opened_at of the stored alerts among ``ids`` (what an upsert
    compares with)."""
    return Query("SELECT id, version, fingerprint, opened_at FROM alerts "
                 "WHERE id IN (SELECT unnest(CAST($ids AS VARCHAR[]))) ORDER BY id", {"ids": list(ids)})


@read("alerts.pending", tables=("alerts", "alert_deliveries"))
def pending(channel: str, since: datetime | None = None) -> Query:
    """Alerts whose current version is still to deliver to ``channel`` (never tried, or a retry is
    pending), newest first, with the delivery's attempt (0: never tried) and next_attempt_at (NULL:
    due now); only alerts updated at or after ``since`` when given."""
    params: dict[str, Any] = {"channel": channel}
    extra = ""
    if since is not None:
        params["since"] = since
        extra = " AND a.updated_at >= $since"
    return Query(
        f"SELECT {_COLUMNS}, coalesce(d.attempt, 0) AS attempt, d.next_attempt_at FROM alerts AS a "
        "LEFT JOIN alert_deliveries AS d ON d.alert_id = a.id AND d.version = a.version AND d.channel = $channel "
        f"WHERE (d.status IS NULL OR d.status = 'pending'){extra} ORDER BY {_NEWEST_FIRST}", params)


pending.example = lambda: {"channel": "slack", "since": datetime(2024, 1, 1, tzinfo=UTC)}  # type: ignore[attr-defined]


@read("alerts.deliveries", tables=("alert_deliveries",))
def deliveries(ids: Sequence[str] | None = None) -> Query:
    """Every recorded delivery state (of these alert ids when given), by alert, version, channel."""
    if ids is None:
        return Query("SELECT alert_id, version, channel, attempt, status, next_attempt_at, last_error, delivered_at "
                     "FROM alert_deliveries ORDER BY alert_id, version, channel")
    return Query("SELECT alert_id, version, channel, attempt, status, next_attempt_at, last_error, delivered_at "
                 "FROM alert_deliveries WHERE alert_id IN (SELECT unnest(CAST($ids AS VARCHAR[]))) "
                 "ORDER BY alert_id, version, channel", {"ids": list(ids)})


@read("watch.targets", tables=("watch_targets",))
def watch_targets() -> Query:
    """What the watcher knows of each URL target it polls (limelight.watch): validators of the
    last 200, the last poll's status, consecutive failures, when it is due again."""
    return Query("SELECT target, etag, last_modified, status, checked_at, changed_at, failures, next_at, last_error "
                 "FROM watch_targets ORDER BY target", {})


@read("ingest.files", tables=("ingested_files",))
def ingested_files() -> Query:
    """The local files ingests read in full (limelight.pipeline.ingest): size and st_mtime_ns when
    read, the options they were read with, the run. The watcher passes over those unchanged since."""
    return Query("SELECT path, size, mtime_ns, options, run_id, read_at FROM ingested_files ORDER BY path", {})
