"""What an alert is: one incident (a storm, a silence, a share jump...), with its evidence.

A rule that fires builds an :class:`Alert` and hands it to ``store.upsert_alerts``; the id is
:func:`alert_id` of the rule, the subject (entity or account) and the incident's start, so the next
evaluation of the same incident finds the same row and updates it instead of raising a second alert.
The store bumps ``version`` when what the alert says changes (:func:`fingerprint`), and delivery
sends each version at most once per channel (:mod:`limelight.alerts.deliver`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

SEVERITIES = ("info", "warning", "critical")
STATUSES = ("open", "closed")
DELIVERY_STATUSES = ("pending", "delivered", "failed")


def alert_id(rule: str, subject: str, started: date | datetime | str) -> str:
    """A stable id for the incident of ``rule`` about ``subject`` (an entity id, or
    ``platform/handle`` of an account) that started at ``started``: the same three give the same id."""
    start = started.isoformat() if isinstance(started, date | datetime) else str(started)
    digest = hashlib.sha256("\x1f".join((rule, subject, start)).encode("utf-8")).hexdigest()
    return f"{rule}-{digest[:16]}"


@dataclass(frozen=True, slots=True)
class EvidenceDocument:
    """A document behind an alert, as it is shown: the store's id, title and link."""

    id: str
    title: str
    url: str | None = None
    published_at: datetime | None = None
    source: str | None = None  # outlet or platform/handle
    tone: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "url": self.url,
                "published_at": self.published_at.isoformat() if self.published_at else None,
                "source": self.source, "tone": self.tone}

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> EvidenceDocument:
        at = data.get("published_at")
        return EvidenceDocument(str(data["id"]), str(data.get("title") or ""), data.get("url"),
                                datetime.fromisoformat(at) if at else None, data.get("source"), data.get("tone"))


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why an alert was raised: its top documents, the count against the usual (baseline) value of
    the same measure, in ``unit``, and the mean tone of what it counts (-1..1; None: not scored).
    ``details`` holds a rule's own numbers (plain JSON values)."""

    documents: tuple[EvidenceDocument, ...] = ()
    count: float | None = None
    baseline: float | None = None
    unit: str = "documents"
    tone: float | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"documents": [d.to_dict() for d in self.documents], "count": self.count,
                "baseline": self.baseline, "unit": self.unit, "tone": self.tone, "details": dict(self.details)}

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Evidence:
        return Evidence(tuple(EvidenceDocument.from_dict(d) for d in data.get("documents") or ()),
                        data.get("count"), data.get("baseline"), str(data.get("unit") or "documents"),
                        data.get("tone"), dict(data.get("details") or {}))


@dataclass(frozen=True, slots=True)
class Alert:
    """One incident. ``version`` is the store's (1 when first stored, +1 each time it changes); an
    alert handed to ``upsert_alerts`` may leave it at 0."""

    id: str
    rule: str  # the rule's name in limelight.toml
    kind: str  # storm | negative_share | silence | copy_share | translation | saved_search | ...
    severity: str
    title: str
    summary: str
    opened_at: datetime
    updated_at: datetime
    evidence: Evidence = Evidence()
    entity_id: str | None = None
    account: str | None = None  # platform/handle
    status: str = "open"
    closed_at: datetime | None = None
    version: int = 0

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"alert severity must be one of {', '.join(SEVERITIES)}, not {self.severity!r}")
        if self.status not in STATUSES:
            raise ValueError(f"alert status must be one of {', '.join(STATUSES)}, not {self.status!r}")
        for name in ("opened_at", "updated_at", "closed_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"alert {name} must be timezone-aware (got {value!r})")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "rule": self.rule, "kind": self.kind, "entity_id": self.entity_id,
                "account": self.account, "severity": self.severity, "title": self.title, "summary": self.summary,
                "status": self.status, "version": self.version, "opened_at": self.opened_at.isoformat(),
                "updated_at": self.updated_at.isoformat(),
                "closed_at": self.closed_at.isoformat() if self.closed_at else None,
                "evidence": self.evidence.to_dict()}

    def with_version(self, version: int) -> Alert:
        return replace(self, version=version)


def evidence_json(alert: Alert) -> str:
    """The evidence as stored: canonical JSON (sorted keys), so the same evidence is the same text."""
    return json.dumps(alert.evidence.to_dict(), ensure_ascii=False, sort_keys=True, allow_nan=False)


def fingerprint(alert: Alert) -> str:
    """A hash of what the alert says; the store bumps the version when it changes. The times are
    left out but for closed_at: re-evaluating an unchanged incident later is not a change."""
    parts = [alert.rule, alert.kind, alert.entity_id, alert.account, alert.severity, alert.title, alert.summary,
             alert.status, alert.closed_at.astimezone(UTC).isoformat() if alert.closed_at else None,
             evidence_json(alert)]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


def _utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def from_row(row: Mapping[str, Any]) -> Alert:
    """An alert from a row of the ``alerts.*`` reads."""
    raw = row["evidence"]
    evidence = Evidence.from_dict(json.loads(raw) if isinstance(raw, str) else dict(raw or {}))
    opened, updated = _utc(row["opened_at"]), _utc(row["updated_at"])
    assert opened is not None and updated is not None  # NOT NULL columns
    return Alert(id=str(row["id"]), rule=str(row["rule"]), kind=str(row["kind"]), severity=str(row["severity"]),
                 title=str(row["title"]), summary=str(row["summary"]), opened_at=opened, updated_at=updated,
                 evidence=evidence, entity_id=row["entity_id"], account=row["account"], status=str(row["status"]),
                 closed_at=_utc(row["closed_at"]), version=int(row["version"]))


@dataclass(frozen=True, slots=True)
class Delivery:
    """The state of delivering one version of an alert to one channel (``record_delivery``)."""

    alert_id: str
    version: int
    channel: str
    attempt: int  # attempts made so far
    status: str  # pending (retry at next_attempt_at) | delivered | failed (gave up)
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.status not in DELIVERY_STATUSES:
            raise ValueError(f"delivery status must be one of {', '.join(DELIVERY_STATUSES)}, not {self.status!r}")


@dataclass(frozen=True, slots=True)
class AlertChanges:
    """What ``upsert_alerts`` did: ids stored for the first time, ids whose incident changed (their
    version bumped), and how many were stored already exactly as given."""

    new: tuple[str, ...] = ()
    grown: tuple[str, ...] = ()
    unchanged: int = 0


def parse_since(value: date | datetime | str | None) -> datetime | None:
    """A ``since`` filter as an aware datetime: a date is its midnight UTC, naive times are UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            from limelight.errors import UsageError

            raise UsageError(f"since should be a date or a time (YYYY-MM-DD or YYYY-MM-DDTHH:MM), got {value!r}",
                             "e.g. --since 2024-05-01") from None
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return _utc(value)
