"""Query parameters → library filters and analysis options, checked before anything is read.

Every bad value is an :class:`ApiError` (a 400 ``{"error", "parameter", "allowed", "hint"}``),
never a 500: an unknown parameter (a typo would otherwise return the unfiltered answer), an entity
not in the watchlist, a role, kind, format or choice outside its values, a date that is not
YYYY-MM-DD, a number outside its option's range, a page size over the cap, a cursor this server
did not give out. A list value may be comma-separated or repeated (``entity=a&entity=b``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from starlette.requests import Request

from limelight import api
from limelight.analyses.base import SCOPE_NAMES, Option
from limelight.listing import FILTERS, BadFilter, ListFilter, Position
from limelight.project import Project
from limelight.web import cursor

# Parameters every endpoint accepts besides its own: the access token of a browser page.
ALWAYS = ("token",)
PAGE_DEFAULT = 50
PAGE_MAX = 500
# Analysis options whose value is an entity id (checked against the watchlist).
ENTITY_OPTIONS = ("entity", "a", "b")
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")


class ApiError(Exception):
    """A request the API cannot answer as asked: the status, what is wrong, which parameter, and
    the values it allows (where there is a list of them)."""

    def __init__(self, message: str, *, parameter: str | None = None, allowed: Sequence[str] = (),
                 hint: str = "", status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter
        self.allowed = tuple(allowed)
        self.hint = hint
        self.status = status


def values(request: Request, names: Iterable[str]) -> dict[str, str | None]:
    """The query parameters ``names`` (repeated ones joined with commas); an unknown parameter is
    an ApiError that lists the known ones."""
    known = (*names, *ALWAYS)
    unknown = sorted(set(request.query_params) - set(known))
    if unknown:
        shown = [n for n in known if n not in ALWAYS]
        raise ApiError(f"unknown parameter {unknown[0]!r}", parameter=unknown[0], allowed=shown)
    out: dict[str, str | None] = {}
    for name in names:
        given = [v for v in request.query_params.getlist(name) if v != ""]
        out[name] = ",".join(given) if given else None
    return out


def list_filter(project: Project, given: Mapping[str, str | None]) -> ListFilter:
    """The list filter of these parameter values (:data:`limelight.listing.FILTERS`)."""
    try:
        return api.list_filter(project, {k: v for k, v in given.items() if k in FILTERS})
    except BadFilter as exc:
        raise ApiError(exc.message, parameter=exc.parameter, allowed=exc.allowed, hint=exc.hint) from None


def limit(given: Mapping[str, str | None], default: int = PAGE_DEFAULT, cap: int = PAGE_MAX) -> int:
    text = given.get("limit")
    if text is None:
        return default
    try:
        n = int(text)
    except ValueError:
        n = -1
    if not 1 <= n <= cap:
        raise ApiError(f"limit must be a whole number from 1 to {cap}, not {text!r}", parameter="limit",
                       allowed=[f"1..{cap}"], hint="page on with the `next` cursor; exports have no cap")
    return n


def position(given: Mapping[str, str | None], what: str, flt: ListFilter, secret: bytes) -> Position | None:
    token = given.get("next")
    if token is None:
        return None
    try:
        return cursor.decode(token, what, flt.key(), secret)
    except cursor.CursorError as exc:
        raise ApiError(str(exc), parameter="next",
                       hint="use the `next` value of the page before, with the same filters") from None


def choice(given: Mapping[str, str | None], name: str, allowed: Sequence[str], default: str) -> str:
    value = given.get(name) or default
    if value not in allowed:
        raise ApiError(f"{name} must be one of {', '.join(allowed)}, not {value!r}", parameter=name,
                       allowed=allowed)
    return value


# -- analyses -----------------------------------------------------------------------------------


def analysis_parameters(options: Sequence[Option], fixed: Mapping[str, Any]) -> list[str]:
    """The query parameters an analysis endpoint takes: its options (but those the endpoint fixes)
    and, where it reads the shared scope, ``platform``."""
    names = [o.name for o in options if o.name not in fixed]
    if set(names) >= SCOPE_NAMES:
        names.append("platform")
    return names


def analysis_options(project: Project, options: Sequence[Option], given: Mapping[str, str | None],
                     fixed: Mapping[str, Any]) -> dict[str, Any]:
    """The options to run an analysis with: each given value checked and typed by its declared
    option (choices, number ranges, booleans, entity ids, the scope's dates, languages, sources,
    kinds and time zone), ``platform`` folded into ``source``."""
    out: dict[str, Any] = dict(fixed)
    declared = {o.name: o for o in options}
    scope_given = {k: v for k, v in given.items() if (k in SCOPE_NAMES or k == "platform") and v is not None}
    if scope_given:
        list_filter(project, scope_given)  # the same checks, with allowed values, as the lists
    ids = [e.id for e in project.watchlist.entities]
    for name, text in given.items():
        if text is None or name == "platform":
            continue
        option = declared[name]
        if name in ENTITY_OPTIONS and text not in ids:
            raise ApiError(f"{name} {text!r} is not in the watchlist", parameter=name,
                           allowed=ids or ["(the watchlist is empty)"])
        out[name] = _typed(option, text)
    platforms = given.get("platform")
    if platforms:
        out["source"] = _platform_sources(given.get("source"), platforms)
    return out


def _typed(option: Option, text: str) -> Any:
    name, default = option.name, option.default
    if option.choices:
        if text not in option.choices:
            raise ApiError(f"{name} must be one of {', '.join(option.choices)}, not {text!r}", parameter=name,
                           allowed=option.choices)
        return text
    if isinstance(default, bool):
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ApiError(f"{name} must be true or false, not {text!r}", parameter=name, allowed=["true", "false"])
    if isinstance(default, int | float):
        number: float | int
        try:
            number = int(text) if isinstance(default, int) else float(text)
        except ValueError:
            number = float("nan")
        lo = option.min if option.min is not None else float("-inf")
        hi = option.max if option.max is not None else float("inf")
        if not lo <= number <= hi:  # NaN fails both
            bounds = f"{_num(option.min)}..{_num(option.max)}"
            what = "a whole number" if isinstance(default, int) else "a number"
            raise ApiError(f"{name} must be {what} in {bounds}, not {text!r}", parameter=name, allowed=[bounds])
        return number
    return text


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _platform_sources(sources: str | None, platforms: str) -> str:
    """``platform`` as the scope's ``source`` values: every source on these platforms, or, with
    ``source`` given too, those of its values on these platforms (both filters hold)."""
    wanted = [p.strip().lower() for p in platforms.split(",") if p.strip()]
    if not sources:
        return ",".join(f"{p}/*" for p in wanted)
    kept = []
    for value in (v.strip() for v in sources.split(",") if v.strip()):
        platform = value.split("/", 1)[0].lower() if "/" in value else "web"  # a domain is an outlet
        if platform in wanted:
            kept.append(value)
    if not kept:
        raise ApiError("source and platform together select no source", parameter="platform",
                       allowed=sorted({(v.split("/", 1)[0] if "/" in v else "web") for v in sources.split(",")}),
                       hint="an outlet's domain is on platform web; x/handle is on platform x")
    return ",".join(kept)
