"""Helpers the time-series analyses share: dense day grids from sparse SQL rows, option checking."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from limelight.analyses.base import Option
from limelight.errors import UsageError

# The day a document counts for: its *local* publication date, as in visibility.
LOCAL_DAY = "CAST(d.published_at + to_seconds(coalesce(d.published_offset, 0)) AS DATE)"

# A mention counts as negative when the tone enricher labelled it so, or scored it below −0.2 (the
# neutral band the scorers use); NULL tone is "not scored", never "neutral".
NEGATIVE = "(m.tone_label = 'negative' OR m.tone < -0.2)"


def resolve(analysis: str, declared: tuple[Option, ...], given: dict[str, Any],
            floats: Sequence[str] = (), ints: Sequence[str] = ()) -> dict[str, Any]:
    """Defaults plus the given options; numbers coerced (the CLI passes floats as text)."""
    by_name = {o.name: o for o in declared}
    unknown = sorted(set(given) - set(by_name))
    if unknown:
        raise UsageError(f"{analysis} has no option {', '.join(unknown)}", f"options: {', '.join(by_name)}")
    opts = {o.name: o.default for o in declared} | given
    for name, value in opts.items():
        choices = by_name[name].choices
        if choices and value is not None and value not in choices:
            raise UsageError(f"{analysis}: {name} must be one of {', '.join(choices)}, not {value!r}")
    for name in floats:
        try:
            opts[name] = float(opts[name])
        except (TypeError, ValueError):
            raise UsageError(f"{analysis}: {name} must be a number, not {opts[name]!r}") from None
    for name in ints:
        value = opts[name]
        if isinstance(value, bool) or not str(value).lstrip("-").isdigit() or int(value) < 0:
            raise UsageError(f"{analysis}: {name} must be a whole number ≥ 0, not {value!r}")
        opts[name] = int(value)
    return opts


def day_range(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def dense(days: list[date], table: pa.Table, day_col: str, value_col: str) -> NDArray[np.float64]:
    """A value per day of ``days`` from sparse rows (missing days are 0)."""
    index = {d: i for i, d in enumerate(days)}
    out = np.zeros(len(days))
    for d, v in zip(table.column(day_col).to_pylist(), table.column(value_col).to_pylist(), strict=True):
        if d in index and v is not None:
            out[index[d]] = float(v)
    return out
