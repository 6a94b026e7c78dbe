"""The rows an alert upsert writes, shared by the stores (:meth:`Store.upsert_alerts`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from limelight.alerts.model import Alert, Delivery, evidence_json, fingerprint

# The alerts table's columns in the order alert_rows gives them, then version (set by the store).
ALERT_COLUMNS = ("id, rule, kind, entity_id, account, severity, title, summary, opened_at, updated_at, closed_at, "
                 "status, evidence, fingerprint, version")
# What an update sets: everything but the id, opened_at (the incident's start, kept) and version.
_UPDATED = ("rule", "kind", "entity_id", "account", "severity", "title", "summary", "updated_at", "closed_at",
            "status", "evidence", "fingerprint")


def alert_rows(alerts: Sequence[Alert]) -> dict[str, list[Any]]:
    """id → the row's values but version (the last alert given wins for a repeated id)."""
    return {a.id: [a.id, a.rule, a.kind, a.entity_id, a.account, a.severity, a.title, a.summary, a.opened_at,
                   a.updated_at, a.closed_at, a.status, evidence_json(a), fingerprint(a)] for a in alerts}


def update_assignments(placeholder: str) -> str:
    """``rule = ?, kind = ?, ...`` with the store's placeholder."""
    return ", ".join(f"{column} = {placeholder}" for column in _UPDATED)


def update_values(row: list[Any]) -> list[Any]:
    """The values of :func:`update_assignments`, from an :func:`alert_rows` row."""
    return [*row[1:8], *row[9:]]


def plan_upsert(given: Mapping[str, list[Any]],
                stored: Sequence[Mapping[str, Any]]) -> tuple[tuple[str, ...], tuple[str, ...], int]:
    """(ids to insert, ids whose content changed, how many are stored as given)."""
    prints = {str(r["id"]): r["fingerprint"] for r in stored}
    new = tuple(i for i in given if i not in prints)
    grown = tuple(i for i, row in given.items() if i in prints and prints[i] != row[13])
    return new, grown, len(given) - len(new) - len(grown)


def delivery_row(d: Delivery) -> list[Any]:
    return [d.alert_id, d.version, d.channel, d.attempt, d.status, d.next_attempt_at, d.last_error, d.delivered_at]
