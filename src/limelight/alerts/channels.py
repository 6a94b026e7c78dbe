"""The channels alerts go to, from ``limelight.toml``: webhooks (``[[alerts.webhook]]``) and an
e-mail digest (``[alerts.email]``). Secrets are never in the file: it names the environment
variables that hold them (``secret_env``, ``username_env``, ``password_env``), read when a
delivery needs them.

Where a webhook may connect (decided here, enforced in :mod:`limelight.alerts.deliver`): public
addresses, the networks in ``fetch.allowed_networks``, and the address the URL names when its host
is an IP literal. A host name that resolves to a private address is refused, as a fetch would be,
so a DNS record pointed at an internal service cannot turn a webhook into a probe; writing the
address itself (``http://127.0.0.1:9000/hook``, as the tests and a local relay do) is explicit
enough. Redirects are never followed: a webhook that answers 3xx fails, naming where it pointed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from limelight.errors import ConfigError
from limelight.settings import Settings

FORMATS = ("slack", "json")
SECURITY = ("starttls", "ssl", "none")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
_ENV = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WEBHOOK_KEYS = {"url", "format", "secret_env", "name"}


@dataclass(frozen=True, slots=True)
class Webhook:
    name: str
    url: str
    format: str  # slack | json
    secret_env: str | None = None

    @property
    def literal_address(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        """The address the URL names itself, if its host is an IP literal (allowed explicitly)."""
        try:
            return ipaddress.ip_address((urlsplit(self.url).hostname or "").strip("[]"))
        except ValueError:
            return None

    def secret(self) -> bytes | None:
        if self.secret_env is None:
            return None
        value = os.environ.get(self.secret_env)
        if not value:
            raise ConfigError(f"alerts.webhook {self.name!r}: the environment variable {self.secret_env} is not set",
                              f"export {self.secret_env}=<the shared secret> before delivering")
        return value.encode("utf-8")


@dataclass(frozen=True, slots=True)
class Email:
    name: str  # "email": what deliveries are recorded under
    host: str
    port: int
    security: str
    sender: str
    to: tuple[str, ...]
    username_env: str | None = None
    password_env: str | None = None

    def credentials(self) -> tuple[str, str] | None:
        if self.username_env is None:
            return None
        user = os.environ.get(self.username_env)
        password = os.environ.get(self.password_env or "", "")
        missing = [n for n, v in ((self.username_env, user), (self.password_env, password)) if n and not v]
        if missing:
            raise ConfigError(f"alerts.email: the environment variable(s) {', '.join(missing)} are not set",
                              "export them before delivering, or leave username_env empty for no login")
        return str(user), password


Channel = Webhook | Email


def _env_name(value: Any, where: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not _ENV.fullmatch(value):
        raise ConfigError(f"{where} should name an environment variable, got {value!r}",
                          'write the variable\'s name (secret_env = "LIMELIGHT_SLACK_SECRET"), never the secret itself')
    return value


def webhooks(settings: Settings) -> list[Webhook]:
    """The configured webhooks, checked (a ConfigError names the entry and what to write)."""
    out: list[Webhook] = []
    for i, entry in enumerate(settings["alerts.webhook"], start=1):
        where = f"[[alerts.webhook]] number {i}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} is not a table", 'write [[alerts.webhook]] followed by url = "https://..."')
        unknown = sorted(set(entry) - _WEBHOOK_KEYS)
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}",
                              f"a webhook takes {', '.join(sorted(_WEBHOOK_KEYS))}")
        url = entry.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{where}: url should be an http(s) URL, got {url!r}",
                              'e.g. url = "https://hooks.slack.com/services/..."')
        fmt = entry.get("format", "slack")
        if fmt not in FORMATS:
            raise ConfigError(f"{where}: format should be one of {', '.join(FORMATS)}, got {fmt!r}",
                              "slack: Slack-compatible text and blocks; json: the alerts as signed JSON")
        secret_env = _env_name(entry.get("secret_env"), f"{where}: secret_env")
        if fmt == "json" and secret_env is None:
            raise ConfigError(f"{where}: a json webhook needs secret_env, the variable holding its HMAC secret",
                              'add secret_env = "LIMELIGHT_WEBHOOK_SECRET" and export that variable')
        # A default name from the URL's hash: stable while the URL is, and never the URL itself (a
        # Slack webhook URL is a secret).
        name = entry.get("name", f"webhook-{hashlib.sha256(str(url).encode()).hexdigest()[:8]}")
        if not isinstance(name, str) or not _NAME.fullmatch(name) or name == "email":
            raise ConfigError(f"{where}: name should be letters, digits, _ . : - (at most 64), not 'email'; got "
                              f"{name!r}", 'e.g. name = "slack-newsroom"')
        if any(w.name == name for w in out):
            raise ConfigError(f"{where}: the name {name!r} is used by another webhook",
                              "give each webhook its own name: deliveries are recorded under it")
        out.append(Webhook(name, str(url), fmt, secret_env))
    return out


def email(settings: Settings) -> Email | None:
    """The configured e-mail digest, checked; None when ``alerts.email.host`` is empty."""
    host = str(settings["alerts.email.host"]).strip()
    if not host:
        return None
    security = settings["alerts.email.security"]
    if security not in SECURITY:
        raise ConfigError(f"alerts.email.security should be one of {', '.join(SECURITY)}, got {security!r}",
                          "starttls (port 587) or ssl (port 465); none only for a server on this machine")
    port = int(settings["alerts.email.port"])
    if not 0 < port < 65536:
        raise ConfigError(f"alerts.email.port should be a port number, got {port}", "587 for starttls, 465 for ssl")
    sender = str(settings["alerts.email.from"]).strip()
    to = tuple(str(t).strip() for t in settings["alerts.email.to"])
    for address in (sender, *to):
        # One address per entry, no display names: a header is built from them.
        if not re.fullmatch(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+", address):
            raise ConfigError(f"alerts.email: {address!r} is not an e-mail address",
                              'write from = "alerts@example.org" and to = ["desk@example.org"]')
    if not to:
        raise ConfigError("alerts.email.to is empty", 'add the recipients: to = ["desk@example.org"]')
    username_env = _env_name(settings["alerts.email.username_env"], "alerts.email.username_env")
    password_env = _env_name(settings["alerts.email.password_env"], "alerts.email.password_env")
    if password_env and not username_env:
        raise ConfigError("alerts.email.password_env is set without username_env", "set both, or neither")
    if security == "none" and username_env and not _local(host):
        raise ConfigError(f"alerts.email: a login to {host} without TLS would send the password in the clear",
                          'use security = "starttls" or "ssl"')
    return Email("email", host, port, security, sender, to, username_env, password_env)


def _local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def channels(settings: Settings) -> list[Channel]:
    """Every configured channel: the webhooks in order, then the e-mail digest."""
    found: list[Channel] = list(webhooks(settings))
    mail = email(settings)
    if mail is not None:
        found.append(mail)
    return found
