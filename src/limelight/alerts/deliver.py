"""Delivering alerts: one digest per channel per run, retried with backoff, its state in the store.

A run (``limelight alerts deliver``, or the watcher after each cycle) asks the store, for each
configured channel, which alerts' current versions are still to deliver there (``alerts.pending``)
and sends them as **one** message: new incidents and grown ones, each once at its latest version,
never a message per document. The outcome is recorded for every alert the digest carried
(``record_delivery``) before anything else happens, so a run that is killed resumes where it stopped.

Retries: a failed attempt schedules the next after ``alerts.retry_base`` × 2^(attempt-1) seconds
(capped at ``alerts.retry_max``, at least what a ``Retry-After`` header asks), with "equal jitter"
(half the delay fixed, half random) so channels that failed together do not retry together. A run
waits for a retry itself when it is due within ``alerts.retry_wait`` seconds, else leaves it to
the next run; while a channel waits for a retry, alerts raised meanwhile wait with it, and go in the
same digest. After ``alerts.max_attempts`` attempts, or an answer retrying cannot change (an HTTP
4xx other than 408/429, an SMTP 5xx), the versions it carried are marked failed; an incident that
grows later is tried again at its new version.

Webhooks are signed: ``X-Limelight-Timestamp`` (Unix seconds) and ``X-Limelight-Signature:
sha256=<hex HMAC-SHA256 of "<timestamp>." + body>`` with the channel's secret; a receiver
recomputes it (:func:`verify_signature`) and refuses an old timestamp, so a captured request
cannot be replayed later. ``X-Limelight-Delivery`` is the same for every retry of one digest,
for receivers that deduplicate. Connections go through the fetcher's address guard
(:class:`limelight.sources.fetch.GuardedTransport`, see :mod:`limelight.alerts.channels` for what
is allowed), redirects are not followed, and the whole request has ``alerts.timeout`` seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import random
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from limelight.alerts import render
from limelight.alerts.channels import Channel, Email, Webhook, channels
from limelight.alerts.model import Alert, Delivery, from_row
from limelight.errors import UsageError
from limelight.settings import Settings
from limelight.sources.fetch import AddressPolicy, AddressRefused, GuardedTransport, deadline
from limelight.store.base import Store

SIGNATURE_HEADER = "X-Limelight-Signature"
TIMESTAMP_HEADER = "X-Limelight-Timestamp"
DELIVERY_HEADER = "X-Limelight-Delivery"
REPLAY_TOLERANCE = 300  # seconds a receiver should accept a timestamp for (verify_signature)
_RETRYABLE_4XX = {408, 425, 429}


class DeliveryFailed(Exception):
    """One attempt failed; ``permanent``: retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class ChannelResult:
    """What one run did for one channel."""

    channel: str
    kind: str  # webhook | email
    status: str  # nothing (no pending alert) | delivered | retrying (next run) | waiting (backing off) | failed
    alerts: int = 0  # alerts in the digest
    new: int = 0
    updated: int = 0
    attempts: int = 0  # attempts made by this run
    error: str | None = None
    next_attempt_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"channel": self.channel, "kind": self.kind, "status": self.status, "alerts": self.alerts,
                "new": self.new, "updated": self.updated, "attempts": self.attempts, "error": self.error,
                "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None}


# -- signatures -----------------------------------------------------------------------------------------


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 over ``timestamp``, a dot and the body."""
    return "sha256=" + hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, timestamp: str, body: bytes, signature: str, *,
                     now: float | None = None, tolerance: float = REPLAY_TOLERANCE) -> bool:
    """What a receiver checks: the signature matches (in constant time) and the timestamp is recent."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature)


# -- one attempt per channel kind -------------------------------------------------------------------------


def _policy(webhook: Webhook, settings: Settings) -> AddressPolicy:
    base = AddressPolicy.from_settings(settings)
    literal = webhook.literal_address
    if literal is None:
        return base
    return AddressPolicy((*base.allowed, ipaddress.ip_network(literal)))


def post_webhook(webhook: Webhook, alerts: Sequence[Alert], settings: Settings, *, sent_at: datetime,
                 delivery_id: str, transport: httpx.BaseTransport | None = None) -> None:
    """POST the digest to ``webhook``; raises :class:`DeliveryFailed`. ``transport``: a test seam."""
    if webhook.format == "slack":
        body = render.body_bytes(render.slack_body(alerts))
    else:
        body = render.body_bytes(render.json_body(alerts, webhook.name, sent_at))
    timestamp = str(int(sent_at.timestamp()))
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": str(settings["fetch.user_agent"]),
               TIMESTAMP_HEADER: timestamp, DELIVERY_HEADER: delivery_id}
    secret = webhook.secret()
    if secret is not None:
        headers[SIGNATURE_HEADER] = sign(secret, timestamp, body)
    timeout = float(settings["alerts.timeout"])
    client = httpx.Client(timeout=timeout, follow_redirects=False,
                          transport=transport or GuardedTransport(_policy(webhook, settings)))
    try:
        with deadline(timeout):
            response = client.post(webhook.url, content=body, headers=headers)
    except AddressRefused as exc:
        raise DeliveryFailed(f"{exc.message} ({exc.hint})", permanent=True) from None
    except httpx.TimeoutException:
        raise DeliveryFailed(f"no answer within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"could not connect: {render.one_line(str(exc), 200) or type(exc).__name__}") from None
    finally:
        client.close()
    status = response.status_code
    if 200 <= status < 300:
        return
    if 300 <= status < 400:
        where = render.one_line(response.headers.get("Location", ""), 200)
        raise DeliveryFailed(f"HTTP {status}: redirected to {where or 'nowhere'}; webhooks are not redirected, "
                             "configure the final URL", permanent=True)
    retry_after = response.headers.get("Retry-After", "")
    message = f"HTTP {status} {render.one_line(response.reason_phrase, 60)}".rstrip()
    raise DeliveryFailed(message, permanent=400 <= status < 500 and status not in _RETRYABLE_4XX,
                         retry_after=float(retry_after) if retry_after.isdigit() else None)


def send_email(mail: Email, alerts: Sequence[Alert], settings: Settings) -> None:
    """Send the digest over SMTP; raises :class:`DeliveryFailed`."""
    message = render.email_message(alerts, mail.sender, mail.to)
    login = mail.credentials()
    timeout = float(settings["alerts.timeout"])
    context = ssl.create_default_context()
    try:
        smtp: smtplib.SMTP
        if mail.security == "ssl":
            smtp = smtplib.SMTP_SSL(mail.host, mail.port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(mail.host, mail.port, timeout=timeout)
        with smtp:
            if mail.security == "starttls":
                smtp.starttls(context=context)
            if login is not None:
                smtp.login(*login)
            smtp.send_message(message)
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        raise DeliveryFailed(f"SMTP {exc.smtp_code} {render.one_line(text, 200)}",
                             permanent=exc.smtp_code >= 500) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryFailed(f"every recipient was refused ({', '.join(exc.recipients)})", permanent=True) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"SMTP: {render.one_line(str(exc), 200) or type(exc).__name__}") from None


# -- digests ------------------------------------------------------------------------------------------------


def backoff(attempt: int, settings: Settings, rng: random.Random | None = None) -> float:
    """Seconds before the attempt after ``attempt``: exponential, capped, half of it random."""
    base, cap = float(settings["alerts.retry_base"]), float(settings["alerts.retry_max"])
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return delay / 2 + (rng or random).uniform(0, delay / 2)


def _delivery_id(channel: str, alerts: Sequence[Alert]) -> str:
    key = channel + "\x1f" + "\x1f".join(sorted(f"{a.id}@{a.version}" for a in alerts))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def deliver_channel(store: Store, channel: Channel, settings: Settings, *,
                    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                    sleep: Callable[[float], None] = time.sleep, wait: float | None = None,
                    transport: httpx.BaseTransport | None = None) -> ChannelResult:
    """Send ``channel`` its digest of pending alerts, retrying within ``wait`` seconds (default
    ``alerts.retry_wait``); every attempt's outcome is recorded before the next."""
    kind = "email" if isinstance(channel, Email) else "webhook"
    rows = store.read("alerts.pending", channel=channel.name).to_pylist()
    if not rows:
        return ChannelResult(channel.name, kind, "nothing")
    alerts = [from_row(r) for r in rows]
    attempts = {str(r["id"]): int(r["attempt"]) for r in rows}
    waits = [t for t in (_utc(r["next_attempt_at"]) for r in rows) if t is not None]
    until = max(waits) if waits else None
    max_attempts = max(1, int(settings["alerts.max_attempts"]))
    give_up_by = clock() + timedelta(seconds=float(settings["alerts.retry_wait"] if wait is None else wait))
    made = 0
    error: str | None = None
    total, new = len(alerts), sum(render.change(a) == "new" for a in alerts)

    def result(status: str, **more: Any) -> ChannelResult:
        return ChannelResult(channel.name, kind, status, total, new, total - new, made, error, **more)

    while True:
        now = clock()
        if until is not None and until > now:
            if until > give_up_by:
                return result("retrying" if made else "waiting", next_attempt_at=until)
            sleep((until - now).total_seconds())
            now = clock()
        made += 1
        try:
            if isinstance(channel, Email):
                send_email(channel, alerts, settings)
            else:
                post_webhook(channel, alerts, settings, sent_at=now, delivery_id=_delivery_id(channel.name, alerts),
                             transport=transport)
        except DeliveryFailed as exc:
            error = exc.message
            number = max(attempts.values()) + 1
            delay = max(backoff(number, settings), min(exc.retry_after or 0.0, float(settings["alerts.retry_max"])))
            until = now + timedelta(seconds=delay)
            states = []
            for alert in alerts:
                n = attempts[alert.id] + 1
                attempts[alert.id] = n
                done = exc.permanent or n >= max_attempts
                states.append(Delivery(alert.id, alert.version, channel.name, n, "failed" if done else "pending",
                                       None if done else until, exc.message))
            store.record_delivery(states)
            alerts = [a for a, s in zip(alerts, states, strict=True) if s.status == "pending"]
            if not alerts:
                return result("failed")
            continue
        store.record_delivery([Delivery(a.id, a.version, channel.name, attempts[a.id] + 1, "delivered", None, None,
                                        clock()) for a in alerts])
        return result("delivered")


def deliver(store: Store, settings: Settings, *, only: Sequence[str] | None = None, wait: float | None = None,
            clock: Callable[[], datetime] = lambda: datetime.now(UTC), sleep: Callable[[float], None] = time.sleep,
            transport: httpx.BaseTransport | None = None) -> list[ChannelResult]:
    """One digest run over every configured channel (or the channels named in ``only``)."""
    configured = channels(settings)
    if only:
        names = {c.name for c in configured}
        unknown = sorted(set(only) - names)
        if unknown:
            raise UsageError(f"no alert channel named {', '.join(unknown)}",
                             f"channels: {', '.join(sorted(names)) or 'none configured'} (limelight.toml [alerts])")
        configured = [c for c in configured if c.name in set(only)]
    return [deliver_channel(store, c, settings, clock=clock, sleep=sleep, wait=wait, transport=transport)
            for c in configured]
