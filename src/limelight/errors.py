"""Errors with codes that say what is wrong and what to do (spaCy-style).

``ConfigError`` and ``UsageError`` stop a command with exit status 2; a bad *item* is never an
exception that escapes ingestion: it becomes an :class:`limelight.models.ItemError` row instead.
"""

from __future__ import annotations


class LimelightError(Exception):
    code = "E000"
    exit_status = 1

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{self.code}: {message}" + (f" — {hint}" if hint else ""))


class ConfigError(LimelightError):
    """limelight.toml, watchlist.toml or a column mapping is wrong."""

    code = "E100"
    exit_status = 2


class StoreBusy(ConfigError):
    """The store stayed held (another process writing it) or fully used (its owner serving as many
    readers as it can) for longer than a reader waits. A state of the moment, not a fault of the
    request: the web answers 503 with Retry-After, the CLI stops with exit status 2."""

    code = "E110"


class UsageError(LimelightError):
    code = "E200"
    exit_status = 2


class PluginError(LimelightError):
    code = "E300"
    exit_status = 2


class ItemFailed(LimelightError):
    """Raised inside a stage for one item; the pipeline turns it into an ItemError row."""

    code = "E400"
