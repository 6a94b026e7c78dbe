"""Alert delivery against real local servers: a webhook receiver over HTTP and an SMTP server
(aiosmtpd). Nothing on the network is mocked."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from limelight.alerts.deliver import SIGNATURE_HEADER, TIMESTAMP_HEADER, deliver, verify_signature
from limelight.alerts.model import Alert, Evidence, EvidenceDocument, alert_id
from limelight.errors import ConfigError
from limelight.settings import Settings
from limelight.store.duckdb_store import DuckDBStore

SECRET = "s3cret-for-tests"
HOSTILE = "Boss <script>alert(1)</script> @channel <!here> & <@U123> *bold*\r\nBcc: victim@example.org"


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1 that answers the statuses in ``script``, then 200."""

    script: list[int] = field(default_factory=list)
    headers: dict[int, dict[str, str]] = field(default_factory=dict)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            status = state.script.pop(0) if state.script else 200
            self.send_response(status)
            for k, v in state.headers.get(status, {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DuckDBStore]:
    s = DuckDBStore(tmp_path / "limelight.duckdb")
    yield s
    s.close()


def settings(*webhooks: dict[str, Any], **alerts: Any) -> Settings:
    return Settings.from_dict({"alerts": {"webhook": list(webhooks), "retry_base": 0.01, "retry_max": 0.05,
                                          "retry_wait": 5.0, "timeout": 5.0, **alerts}})


def make_alert(n: int = 1, title: str = "Storm over Kestrel Auto", **changes: Any) -> Alert:
    opened = datetime(2024, 5, 1, 8, 0, tzinfo=UTC) + timedelta(days=n)
    docs = (EvidenceDocument("d1", "Recall: <b>brakes</b> & @here", "https://example.org/a?x=1&y=<2>|z"),
            EvidenceDocument("d2", "javascript link", "javascript:alert(1)"))
    alert = Alert(alert_id("storm", "kestrel-auto", opened), "storm", "storm", "warning", title,
                  "42 documents in a day, usually 6", opened, opened,
                  Evidence(docs, count=42, baseline=6.5, tone=-0.41), entity_id="kestrel-auto")
    return replace(alert, **changes)


def test_alerts_webhook_fails_twice_then_delivers_once_signed(store: DuckDBStore, receiver: Receiver,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIMELIGHT_TEST_SECRET", SECRET)
    receiver.script = [500, 500]
    config = settings({"name": "hook", "url": receiver.url, "format": "json", "secret_env": "LIMELIGHT_TEST_SECRET"})
    alert = make_alert()
    store.upsert_alerts([alert])
    (result,) = deliver(store, config)
    assert (result.status, result.attempts, result.alerts, result.new) == ("delivered", 3, 1, 1)
    assert len(receiver.requests) == 3
    ids = {h["x-limelight-delivery"] for h, _ in receiver.requests}
    assert len(ids) == 1  # every retry of one digest says it is the same delivery
    headers, body = receiver.requests[-1]
    assert headers[SIGNATURE_HEADER.lower()].startswith("sha256=")
    assert verify_signature(SECRET.encode(), headers[TIMESTAMP_HEADER.lower()], body, headers[SIGNATURE_HEADER.lower()])
    assert not verify_signature(b"other", headers[TIMESTAMP_HEADER.lower()], body, headers[SIGNATURE_HEADER.lower()])
    assert not verify_signature(SECRET.encode(), headers[TIMESTAMP_HEADER.lower()], body + b" ",
                                headers[SIGNATURE_HEADER.lower()])
    stale = str(int(headers[TIMESTAMP_HEADER.lower()]) - 3600)
    assert not verify_signature(SECRET.encode(), stale, body, headers[SIGNATURE_HEADER.lower()])  # a replay
    payload = json.loads(body)
    assert [a["id"] for a in payload["alerts"]] == [alert.id] and payload["alerts"][0]["change"] == "new"
    assert payload["alerts"][0]["evidence"]["count"] == 42
    (state,) = store.read("alerts.deliveries").to_pylist()
    assert (state["attempt"], state["status"], state["channel"]) == (3, "delivered", "hook")
    assert state["delivered_at"] is not None
    # Delivered: the next run sends nothing.
    assert deliver(store, config)[0].status == "nothing" and len(receiver.requests) == 3


def test_alerts_digest_groups_new_and_grown_incidents(store: DuckDBStore, receiver: Receiver,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIMELIGHT_TEST_SECRET", SECRET)
    config = settings({"name": "hook", "url": receiver.url, "format": "json", "secret_env": "LIMELIGHT_TEST_SECRET"})
    first = make_alert(1)
    store.upsert_alerts([first])
    deliver(store, config)
    # The storm grows twice and another starts, all before the next run: one message, each once.
    store.upsert_alerts([replace(first, summary="90 documents")])
    store.upsert_alerts([replace(first, summary="120 documents", severity="critical")])
    store.upsert_alerts([make_alert(2)])
    (result,) = deliver(store, config)
    assert (result.status, result.alerts, result.new, result.updated) == ("delivered", 2, 1, 1)
    assert len(receiver.requests) == 2
    alerts = json.loads(receiver.requests[-1][1])["alerts"]
    grown = next(a for a in alerts if a["id"] == first.id)
    assert (grown["version"], grown["change"], grown["summary"]) == (3, "updated", "120 documents")


def test_alerts_slack_body_keeps_hostile_text_inert(store: DuckDBStore, receiver: Receiver) -> None:
    config = settings({"name": "slack", "url": receiver.url, "format": "slack"})
    store.upsert_alerts([make_alert(title=HOSTILE)])
    assert deliver(store, config)[0].status == "delivered"
    headers, body = receiver.requests[0]
    assert SIGNATURE_HEADER.lower() not in headers  # no secret configured for this one
    message = json.loads(body)
    texts = [message["text"], *(b["text"]["text"] for b in message["blocks"] if "text" in b)]
    joined = "\n".join(texts)
    assert "<script>" not in joined and "&lt;script&gt;" in joined
    assert "<!here>" not in joined and "<@U123>" not in joined and "&lt;!here&gt;" in joined
    assert "@channel" not in joined and "@here" not in joined and "@\u2060channel" in joined
    assert "& " not in joined.replace("&amp;", "")  # every ampersand escaped
    # Evidence links: http(s) only, with the link syntax's own characters encoded.
    assert "<https://example.org/a?x=1&amp;y=%3C2%3E%7Cz|Recall: &lt;b&gt;brakes&lt;/b&gt; &amp; @\u2060here>" in joined
    assert "javascript:" not in joined.replace("javascript link", "")
    assert "42 documents against a baseline of 6.50 · tone -0.41" in joined
    assert "\r" not in joined and "Bcc: victim" in joined  # shown on the title's one line


def test_alerts_webhook_backs_off_between_runs_and_gives_up(store: DuckDBStore, receiver: Receiver) -> None:
    receiver.script = [503] * 10
    config = settings({"name": "hook", "url": receiver.url}, retry_base=60.0, retry_max=600.0, max_attempts=2)
    store.upsert_alerts([make_alert()])
    (first,) = deliver(store, config, wait=0)
    assert (first.status, first.attempts) == ("retrying", 1) and first.error == "HTTP 503 Service Unavailable"
    assert first.next_attempt_at is not None
    assert timedelta(seconds=29) < first.next_attempt_at - datetime.now(UTC) <= timedelta(seconds=61)
    # A run before the retry is due sends nothing: the channel is backing off (a restart resumes this).
    assert deliver(store, config, wait=0)[0].status == "waiting" and len(receiver.requests) == 1
    # Once due, the second attempt is the last one allowed.
    later = first.next_attempt_at + timedelta(seconds=1)
    (second,) = deliver(store, config, wait=0, clock=lambda: later)
    assert (second.status, second.attempts) == ("failed", 1) and len(receiver.requests) == 2
    (state,) = store.read("alerts.deliveries").to_pylist()
    assert (state["attempt"], state["status"], state["last_error"]) == (2, "failed", "HTTP 503 Service Unavailable")
    assert deliver(store, config, wait=0, clock=lambda: later)[0].status == "nothing"


def test_alerts_webhook_4xx_and_redirects_are_not_retried(store: DuckDBStore, receiver: Receiver) -> None:
    receiver.script = [302]
    receiver.headers = {302: {"Location": "http://169.254.169.254/latest/meta-data/"}}
    store.upsert_alerts([make_alert(1)])
    (redirected,) = deliver(store, settings({"name": "hook", "url": receiver.url}))
    assert redirected.status == "failed" and redirected.attempts == 1 and len(receiver.requests) == 1
    assert "redirected to http://169.254.169.254/latest/meta-data/" in (redirected.error or "")
    receiver.script = [404]
    store.upsert_alerts([make_alert(2)])
    (missing,) = deliver(store, settings({"name": "hook", "url": receiver.url}))
    assert (missing.status, missing.attempts, missing.alerts) == ("failed", 1, 1) and len(receiver.requests) == 2


def test_alerts_webhook_to_a_name_for_a_private_address_is_refused(store: DuckDBStore, receiver: Receiver) -> None:
    # The same server by name: localhost resolves to a loopback address, which only a literal allows.
    url = receiver.url.replace("127.0.0.1", "localhost")
    store.upsert_alerts([make_alert()])
    (result,) = deliver(store, settings({"name": "hook", "url": url}))
    assert result.status == "failed" and "loopback" in (result.error or "") and receiver.requests == []
    allowed = settings({"name": "hook2", "url": url}, max_attempts=1)
    allowed = Settings({**allowed.values, "fetch.allowed_networks": ["127.0.0.0/8", "::1/128"]})
    assert deliver(store, allowed)[0].status == "delivered" and len(receiver.requests) == 1


def test_alerts_email_digest_over_smtp(store: DuckDBStore) -> None:
    controller_module = pytest.importorskip("aiosmtpd.controller")

    class Handler:
        def __init__(self) -> None:
            self.envelopes: list[Any] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            self.envelopes.append(envelope)
            return "250 OK"

    handler = Handler()
    with socket.socket() as probe:  # a free port: Controller checks its server by connecting to it, so not 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = controller_module.Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        config = Settings.from_dict({"alerts": {"email": {
            "host": "127.0.0.1", "port": port, "security": "none", "from": "alerts@example.org",
            "to": ["desk@example.org", "editor@example.org"]}, "retry_base": 0.01, "timeout": 5.0}})
        store.upsert_alerts([make_alert(1, title=HOSTILE), make_alert(2)])
        (result,) = deliver(store, config)
        assert (result.channel, result.status, result.alerts) == ("email", "delivered", 2)
        assert deliver(store, config)[0].status == "nothing"
    finally:
        controller.stop()
    (envelope,) = handler.envelopes  # one digest for both alerts
    assert envelope.mail_from == "alerts@example.org"
    assert sorted(envelope.rcpt_tos) == ["desk@example.org", "editor@example.org"]  # no Bcc smuggled in
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Bcc"] is None and len(message.get_all("Subject") or []) == 1
    subject = str(message["Subject"])
    assert "\n" not in subject and "\r" not in subject and subject.startswith("limelight: 2 alerts (2 new)")
    plain = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    page = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<script>" in plain  # plain text is plain
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert '<a href="https://example.org/a?x=1&amp;y=&lt;2&gt;|z">' in page and "javascript:" not in page
    assert "42 documents against a baseline of 6.50" in page


def test_alerts_nothing_configured_delivers_nothing(store: DuckDBStore) -> None:
    store.upsert_alerts([make_alert()])
    assert deliver(store, Settings.defaults()) == []
    with pytest.raises(ConfigError, match="LIMELIGHT_UNSET_SECRET"):
        deliver(store, settings({"url": "https://hooks.example.org/x", "format": "json",
                                 "secret_env": "LIMELIGHT_UNSET_SECRET"}))
    assert store.read("alerts.deliveries").num_rows == 0  # a configuration error records no attempt
