"""Alert channels from limelight.toml, the alert model, and the `limelight alerts` commands."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from limelight import api
from limelight.alerts.channels import channels
from limelight.alerts.model import alert_id, fingerprint, parse_since
from limelight.cli import main
from limelight.errors import ConfigError
from limelight.settings import Settings
from test_alerts_deliver import HOSTILE, make_alert


def _settings(**alerts: Any) -> Settings:
    return Settings.from_dict({"alerts": alerts})


def test_alerts_config_reads_webhooks_and_email() -> None:
    found = channels(_settings(
        webhook=[{"url": "https://hooks.slack.com/services/T/B/x"},
                 {"name": "desk", "url": "http://127.0.0.1:9000/hook", "format": "json", "secret_env": "DESK_SECRET"}],
        email={"host": "smtp.example.org", "from": "alerts@example.org", "to": ["desk@example.org"],
               "username_env": "SMTP_USER", "password_env": "SMTP_PASSWORD"}))
    slack, desk, mail = found
    assert slack.name.startswith("webhook-") and "hooks" not in slack.name  # never the (secret) URL
    assert (desk.name, desk.format, desk.secret_env) == ("desk", "json", "DESK_SECRET")  # type: ignore[union-attr]
    assert str(desk.literal_address) == "127.0.0.1" and slack.literal_address is None  # type: ignore[union-attr]
    assert (mail.name, mail.port, mail.security) == ("email", 587, "starttls")  # type: ignore[union-attr]
    assert channels(Settings.defaults()) == []


@pytest.mark.parametrize(("alerts", "message"), [
    ({"webhook": [{"url": "ftp://example.org/x"}]}, "http(s) URL"),
    ({"webhook": [{"url": "https://example.org/x", "format": "xml"}]}, "format should be one of slack, json"),
    ({"webhook": [{"url": "https://example.org/x", "format": "json"}]}, "needs secret_env"),
    ({"webhook": [{"url": "https://example.org/x", "secret_env": "hunter2 is my secret"}]}, "environment variable"),
    ({"webhook": [{"url": "https://example.org/x", "token": "x"}]}, "unknown key"),
    ({"webhook": [{"url": "https://a.example/x", "name": "a"}, {"url": "https://b.example/x", "name": "a"}]},
     "used by another webhook"),
    ({"email": {"host": "smtp.example.org", "from": "a@example.org", "to": []}}, "to is empty"),
    ({"email": {"host": "smtp.example.org", "from": "a@example.org", "to": ["x@example.org\r\nBcc: v@example.org"]}},
     "not an e-mail address"),
    ({"email": {"host": "smtp.example.org", "from": "a@example.org", "to": ["b@example.org"], "security": "tls"}},
     "security should be one of"),
    ({"email": {"host": "smtp.example.org", "from": "a@example.org", "to": ["b@example.org"], "security": "none",
                "username_env": "U", "password_env": "P"}}, "password in the clear"),
])
def test_alerts_config_errors_say_what_to_write(alerts: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        channels(_settings(**alerts))
    assert info.value.hint


def test_alerts_ids_and_fingerprints_are_stable() -> None:
    start = datetime(2024, 5, 1, 8, tzinfo=UTC)
    assert alert_id("storm", "kestrel", start) == alert_id("storm", "kestrel", start)
    assert alert_id("storm", "kestrel", start) != alert_id("storm", "kestrel", date(2024, 5, 2))
    a = make_alert()
    assert fingerprint(a) == fingerprint(a.with_version(4))
    assert fingerprint(a) != fingerprint(make_alert(summary="more"))
    with pytest.raises(ValueError, match="severity"):
        make_alert(severity="loud")
    with pytest.raises(ValueError, match="timezone-aware"):
        make_alert(updated_at=datetime(2024, 5, 1))
    assert parse_since("2024-05-01") == datetime(2024, 5, 1, tzinfo=UTC)
    assert parse_since("2024-05-01T10:00Z") == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_alerts_cli_lists_and_delivers(tmp_path: Path) -> None:
    project = api.init(tmp_path / "p")
    store = project.open_store()
    try:
        store.upsert_alerts([make_alert(1, title=HOSTILE + "\x1b[31m"), make_alert(2), make_alert(3, status="closed")])
    finally:
        store.close()
    runner = CliRunner()
    root = str(project.root)
    table = runner.invoke(main, ["alerts", "-p", root])
    assert table.exit_code == 0, table.output
    assert "Alerts: 3" in table.output and "\x1b[31m" not in table.output  # terminal escapes shown, not run
    listed = runner.invoke(main, ["alerts", "-p", root, "--format", "json", "--status", "open"])
    rows = json.loads(listed.output)
    assert [r["id"] for r in rows] == [make_alert(2).id, make_alert(1).id]  # newest first
    assert json.loads(rows[0]["evidence"])["count"] == 42
    since = runner.invoke(main, ["alerts", "-p", root, "--format", "csv", "--since", "2024-05-04"])
    assert since.exit_code == 0 and since.output.count("storm-") == 1
    bad = runner.invoke(main, ["alerts", "-p", root, "--since", "last week"])
    assert bad.exit_code == 2 and "since should be a date" in bad.output
    nothing = runner.invoke(main, ["alerts", "deliver", "-p", root])
    assert nothing.exit_code == 0 and "No alert channels configured" in nothing.output
    assert [a.id for a in api.alerts(project, entity="kestrel-auto", limit=1)] == [make_alert(3).id]
