"""JSON answers: plain data with dates as ISO 8601, times in the report's time zone, NaN as null,
and the one error shape every 4xx has: ``{"error", "parameter", "allowed", "hint"}``."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.responses import JSONResponse

from limelight.scope import LOCAL


class JSON(JSONResponse):
    """A JSON response that writes non-ASCII text as it is and refuses nothing: NaN and infinities
    (a correlation over a constant series) become null instead of an error."""

    def render(self, content: Any) -> bytes:
        return json.dumps(plain(content), ensure_ascii=False, allow_nan=False, separators=(",", ":"),
                          default=str).encode("utf-8")


def plain(value: Any, zone: dt.tzinfo | None = None) -> Any:
    """``value`` as JSON-ready data: datetimes in ``zone`` (else as they are) and ISO 8601, dates
    ISO, NaN and infinities None, tuples lists; recursively."""
    if isinstance(value, dt.datetime):
        if zone is not None and value.tzinfo is not None:
            value = value.astimezone(zone)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): plain(v, zone) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v, zone) for v in value]
    return value


def zone(timezone: str | None) -> dt.tzinfo | None:
    """The zone times are written in: None for ``local`` (each publisher's own offset has no one
    zone: times stay in UTC, and the answer says so)."""
    if not timezone or timezone == LOCAL:
        return None
    return ZoneInfo(timezone)


def error(status: int, message: str, *, parameter: str | None = None, allowed: Sequence[str] = (),
          hint: str = "") -> JSON:
    body: dict[str, Any] = {"error": message}
    if parameter is not None:
        body["parameter"] = parameter
    body["allowed"] = list(allowed)
    if hint:
        body["hint"] = hint
    return JSON(body, status_code=status)
