"""Helpers the time-series analyses share: the time zone days are counted in, ISO weeks, dense day
grids from sparse rows, option checking.

Days are counted in one time zone for the whole report (``report.timezone``, default UTC, or the
``timezone`` option): a Reuters headline at 2007-01-01T21:31-05:00 is on 2007-01-01 in
America/New_York and on 2007-01-02 in UTC. ``local`` counts each document on its publisher's own
date instead (the UTC offset the page gave), which puts outlets in different zones on different
clocks. Weeks are ISO weeks, Monday to Sunday, whatever day the data starts on. The SQL that puts a
document on its day and period is the store's (:mod:`limelight.store.reads.scope`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from limelight.errors import UsageError

if TYPE_CHECKING:  # analyses.base imports this module (through limelight.scope): the type only
    from limelight.analyses.base import Option

LOCAL = "local"
DEFAULT_TIMEZONE = "UTC"
# IANA names are letters, digits and _ + - / (America/Argentina/Buenos_Aires, Etc/GMT+5); anything
# else is refused before it reaches a store.
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*")


def check_timezone(name: str | None, what: str = "timezone") -> str:
    """``name`` if it is an IANA time zone (or ``local``), else a UsageError naming ``what``."""
    if name is None or name == "":
        return DEFAULT_TIMEZONE
    name = str(name)
    if name == LOCAL:
        return name
    ok = bool(_ZONE_NAME.fullmatch(name)) and name != "localtime"
    if ok:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            ok = False
    if not ok:
        raise UsageError(f"{what} {name!r} is not a time zone",
                         "use an IANA name such as UTC, Europe/Berlin, America/New_York, Asia/Shanghai, "
                         f"or {LOCAL!r} for each publisher's own UTC offset")
    return name


def monday(day: date) -> date:
    """The Monday that starts ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def week_index(days: Sequence[date]) -> NDArray[np.int64]:
    """For each day of a consecutive grid, the number of its ISO week counted from the grid's first
    (0, 0, 1, ...): a grid starting on a Sunday puts that Sunday alone in week 0, so adding older
    data never moves a week boundary."""
    if not days:
        return np.zeros(0, dtype=np.int64)
    first = monday(days[0])
    return np.array([(d - first).days // 7 for d in days], dtype=np.int64)


def resolve(analysis: str, declared: tuple[Option, ...], given: dict[str, Any],
            floats: Sequence[str] = (), ints: Sequence[str] = ()) -> dict[str, Any]:
    """Defaults plus the given options; numbers coerced (the CLI passes floats as text) and checked
    against each option's declared ``min`` / ``max``."""
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
        if not np.isfinite(opts[name]):
            raise UsageError(f"{analysis}: {name} must be a finite number, not {opts[name]!r}")
    for name in ints:
        value = opts[name]
        if isinstance(value, bool) or not str(value).lstrip("-").isdigit():
            raise UsageError(f"{analysis}: {name} must be a whole number, not {value!r}")
        opts[name] = int(value)
    for name in (*floats, *ints):
        check_range(analysis, by_name[name], opts[name])
    return opts


def check_range(analysis: str, option: Option, value: float) -> None:
    """A UsageError when ``value`` lies outside the option's declared ``min`` / ``max``."""
    lo, hi = option.min, option.max
    if (lo is None or value >= lo) and (hi is None or value <= hi):
        return
    span = (f"between {_num(lo)} and {_num(hi)}" if lo is not None and hi is not None
            else f"at least {_num(lo)}" if lo is not None else f"at most {_num(hi)}")
    raise UsageError(f"{analysis}: {option.name} must be {span}, not {_num(value)}",
                     f"see `limelight analyze {analysis} --help`")


def _num(x: float | None) -> str:
    if isinstance(x, float) and not x.is_integer():
        return f"{x:g}"
    return f"{int(x or 0):,}"


def day_range(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def dense(days: list[date], table: pa.Table, day_col: str, value_col: str) -> NDArray[np.float64]:
    """A value per day of ``days`` (consecutive, as day_range gives) from sparse rows (missing
    days are 0). Positions are computed in Arrow, not by a Python loop over the rows."""
    out = np.zeros(len(days))
    if not days or table.num_rows == 0:
        return out
    if (days[-1] - days[0]).days != len(days) - 1:  # positions are offsets from the first day
        raise ValueError("dense() needs consecutive days (day_range)")
    offsets = pc.days_between(pa.scalar(days[0], pa.date32()), table.column(day_col).cast(pa.date32()))
    values = table.column(value_col)
    keep = pc.and_(pc.and_(pc.greater_equal(offsets, 0), pc.less(offsets, len(days))), pc.is_valid(values))
    positions = pc.filter(offsets, keep).to_numpy(zero_copy_only=False).astype(np.int64)
    out[positions] = pc.filter(values, keep).cast(pa.float64()).to_numpy(zero_copy_only=False)
    return out
