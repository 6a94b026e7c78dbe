"""Digest messages, one per channel: every alert opened or grown since the last digest, each once.

Titles, summaries, document titles and URLs come from ingested pages and posts, so each is escaped
for where it goes:

* Slack mrkdwn: ``&``, ``<`` and ``>`` as entities (Slack's own rule), so ``<!channel>``,
  ``<@U123>`` and ``<url|text>`` in an article are shown, never acted on; a word joiner after every
  ``@`` so ``@channel``/``@here``/``@everyone`` in a title do not ping; links only to http(s) URLs,
  with ``|`` and ``>`` percent-encoded in them.
* JSON: plain values (the receiver escapes for its own output); the body is what is signed.
* E-mail: the HTML part through :func:`html.escape`, links only to http(s) URLs; the subject is
  one line with control characters (CR, LF) replaced, so no text can add a header.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from limelight.alerts.model import Alert, EvidenceDocument

MAX_ALERTS = 20  # alerts shown one by one in a message; the rest are counted (Slack: 50 blocks at most)
MAX_DOCUMENTS = 5  # evidence documents shown per alert
_SECTION_CHARS = 2900  # Slack: 3000 characters per section text
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line: control characters (CR, LF, tab...) become a space; cut at ``limit``."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def slack_escape(text: str) -> str:
    """Ingested text as inert Slack mrkdwn: the three entities, and no @-pings."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("@", "@\u2060")  # WORD JOINER: "@channel" is shown, not a mention


def _http_url(url: str | None) -> str | None:
    if not url or not re.match(r"https?://", url, re.IGNORECASE) or _CONTROL.search(url) or " " in url:
        return None
    return url


def _slack_link(url: str | None, text: str) -> str:
    target = _http_url(url)
    label = slack_escape(one_line(text, 150))
    if target is None:
        return label
    target = target.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
    return f"<{target.replace('&', '&amp;')}|{label}>"


def change(alert: Alert) -> str:
    """new (first version) or updated (it grew or closed since)."""
    return "new" if alert.version <= 1 else "updated"


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def counts_line(alert: Alert) -> str:
    """``42 documents against a baseline of 6.5 · tone -0.40`` (plain text, unescaped)."""
    ev = alert.evidence
    parts = []
    if ev.count is not None:
        against = f" against a baseline of {_number(ev.baseline)}" if ev.baseline is not None else ""
        parts.append(f"{_number(ev.count)} {ev.unit}{against}")
    if ev.tone is not None:
        parts.append(f"tone {ev.tone:+.2f}")
    return " · ".join(parts)


def _subject_of(alert: Alert) -> str:
    return alert.entity_id or alert.account or ""


def digest_title(alerts: Sequence[Alert]) -> str:
    new = sum(change(a) == "new" for a in alerts)
    parts = [f"{new} new"] if new else []
    if len(alerts) - new:
        parts.append(f"{len(alerts) - new} updated")
    return f"limelight: {len(alerts)} alert{'s' if len(alerts) != 1 else ''} ({', '.join(parts)})"


def _doc_label(doc: EvidenceDocument) -> str:
    return doc.title or doc.id


# -- Slack ---------------------------------------------------------------------------------------------


def slack_body(alerts: Sequence[Alert]) -> dict[str, Any]:
    """A Slack-compatible message (``text`` for notifications, ``blocks`` for the layout)."""
    head = digest_title(alerts)
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": head[:150]}}]
    for alert in alerts[:MAX_ALERTS]:
        about = _subject_of(alert)
        lines = [f"*{slack_escape(one_line(alert.title, 200))}*",
                 f"{alert.severity} · {change(alert)} (version {alert.version}) · {slack_escape(alert.rule)}"
                 + (f" · {slack_escape(one_line(about, 80))}" if about else "")
                 + (" · closed" if alert.status == "closed" else "")]
        if counts := counts_line(alert):
            lines.append(slack_escape(counts))
        if alert.summary:
            lines.append(slack_escape(one_line(alert.summary, 500)))
        for doc in alert.evidence.documents[:MAX_DOCUMENTS]:
            lines.append("• " + _slack_link(doc.url, _doc_label(doc)))
        text = "\n".join(lines)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:_SECTION_CHARS]}})
    if len(alerts) > MAX_ALERTS:
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": f"and {len(alerts) - MAX_ALERTS} more: `limelight alerts`"}]})
    fallback = head + "".join(f"\n• {slack_escape(one_line(a.title, 200))}" for a in alerts[:MAX_ALERTS])
    return {"text": fallback, "blocks": blocks}


# -- JSON ------------------------------------------------------------------------------------------------


def json_body(alerts: Sequence[Alert], channel: str, sent_at: datetime) -> dict[str, Any]:
    """Every alert of the digest, whole (the receiver renders them)."""
    return {"type": "limelight.alerts.digest", "channel": channel, "sent_at": sent_at.isoformat(),
            "title": digest_title(alerts),
            "alerts": [{**a.to_dict(), "change": change(a)} for a in alerts]}


def body_bytes(body: dict[str, Any]) -> bytes:
    """The exact bytes posted (and signed): compact UTF-8 JSON."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


# -- e-mail ----------------------------------------------------------------------------------------------


def email_message(alerts: Sequence[Alert], sender: str, to: Sequence[str]) -> EmailMessage:
    """The digest as a plain-text and an HTML part. The subject names the first alert, on one line."""
    msg = EmailMessage()
    subject = digest_title(alerts)
    if alerts:
        subject += ": " + one_line(alerts[0].title, 120)
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    text_lines = [digest_title(alerts), ""]
    parts = [f"<h1>{html.escape(digest_title(alerts))}</h1>"]
    for alert in alerts:
        about = _subject_of(alert)
        meta = f"{alert.severity} · {change(alert)} (version {alert.version}) · {alert.rule}" + (
            f" · {about}" if about else "") + (" · closed" if alert.status == "closed" else "")
        counts = counts_line(alert)
        text_lines += [one_line(alert.title, 500), one_line(meta, 500)]
        if counts:
            text_lines.append(counts)
        if alert.summary:
            text_lines.append(one_line(alert.summary, 2000))
        items = []
        for doc in alert.evidence.documents[:MAX_DOCUMENTS]:
            label = one_line(_doc_label(doc), 300)
            url = _http_url(doc.url)
            text_lines.append(f"  - {label}" + (f" <{url}>" if url else ""))
            shown = html.escape(label)
            link = f'<a href="{html.escape(url, quote=True)}">{shown}</a>' if url else shown
            items.append(f"<li>{link}</li>")
        text_lines.append("")
        parts.append(f"<h2>{html.escape(one_line(alert.title, 500))}</h2><p>{html.escape(one_line(meta, 500))}</p>"
                     + (f"<p>{html.escape(counts)}</p>" if counts else "")
                     + (f"<p>{html.escape(one_line(alert.summary, 2000))}</p>" if alert.summary else "")
                     + (f"<ul>{''.join(items)}</ul>" if items else ""))
    msg.set_content("\n".join(text_lines))
    msg.add_alternative("<!DOCTYPE html><html><body>" + "".join(parts) + "</body></html>", subtype="html")
    return msg
