"""Write tables as a terminal table, JSON or CSV (every report takes --format table|json|csv).

What each format holds:

- table: fits the terminal (``COLUMNS``, else the terminal's width, else 120 columns when the
  output is not a terminal): one line per row, long cells cut with "…", columns that cannot fit at
  all left out with a line saying so. ``full=True`` (``--full``) prints every cell whole instead,
  however wide. Evidence cells show "title (url)" of their first documents, not ids; the notes
  follow the table.
- json: a report (``limelight report`` / ``analyze``) is an object ``{"analysis", "title",
  "options", "notes", "rows"}``; any other table (``limelight sql``, ``plugins``...) is a plain
  list of rows. Evidence stays as document ids.
- csv: the notes first, one ``# note: ...`` line each (a single cell, so a spreadsheet shows it
  in the first column; skip lines starting with ``#`` or ``"#`` before the header when reading it
  with a CSV reader), then the header and the rows; list cells are joined with ``|``.

Timestamps are written in the report's time zone when one is given (``timezone``).

Everything written here comes from hostile web pages and social posts, so no output format lets
a cell act on the reader:

- table: cells, column names, title and notes are rich ``Text`` (never parsed as markup, so
  ``[link=...]`` stays literal), and :func:`terminal_safe` writes terminal control characters
  and bidi overrides as visible escapes.
- csv: a string cell that a spreadsheet would run as a formula gets a leading ``'`` (OWASP CSV
  Injection guidance); ``csv_raw=True`` writes cells exactly as stored. A note line starts with
  ``#``, never a formula.
- json: exact (``json.loads`` gives back the stored values); the characters a terminal would act
  on are written as ``\\uXXXX`` escapes, which JSON decodes to the same string.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from collections.abc import Mapping
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

import pyarrow as pa
from rich.cells import cell_len

if TYPE_CHECKING:
    from rich.text import Text

FORMATS = ("table", "json", "csv")

_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
# C0 controls but newline and tab (ESC starts OSC 8 hyperlinks and screen clears, CR overwrites a
# line), DEL, C1 controls (U+009B is an 8-bit CSI to some terminals), bidi embeddings, overrides
# and isolates (they reorder what is shown, "Trojan Source", CVE-2021-42574).
_UNSAFE = (*(c for c in range(0x20) if c not in (0x09, 0x0A)), 0x7F, *range(0x80, 0xA0), *_BIDI)
# Written as Python-style escapes rather than U+FFFD so a reader can still tell which character
# the page held; a literal backslash in the input is left as it is (this is display, not encoding).
_TERMINAL_SAFE = {c: (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}") for c in _UNSAFE}
# json.dumps escapes C0 itself; these are the rest a terminal would act on.
_JSON_SAFE = {c: f"\\u{c:04x}" for c in (0x7F, *range(0x80, 0xA0), *_BIDI)}
# OWASP CSV Injection: spreadsheets run a cell starting with these as a formula (or, for tab
# and carriage return, strip them and look at what follows).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def terminal_safe(text: str) -> str:
    """``text`` with terminal control characters and bidi overrides written as visible escapes
    (``\\x1b``, ``\\x9b``, ``\\u202e``); newline and tab are kept. Use it for every piece of
    ingested text the CLI prints."""
    return text.translate(_TERMINAL_SAFE)


def csv_safe(value: Any) -> Any:
    """A string a spreadsheet would take for a formula, with a leading ``'``; other values as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _plain(value: Any, zone: tzinfo | None = None) -> Any:
    if isinstance(value, dt.datetime):
        if zone is not None and value.tzinfo is not None:
            value = value.astimezone(zone)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _plain(v, zone) for k, v in value.items()}
    return value


def _zone(timezone: str | None) -> tzinfo | None:
    if not timezone or timezone == "local":  # "local" has no one zone: timestamps stay in UTC
        return None
    return ZoneInfo(timezone)


def rows(table: pa.Table, timezone: str | None = None) -> list[dict[str, Any]]:
    zone = _zone(timezone)
    return [{k: _plain(v, zone) if not isinstance(v, list) else [_plain(x, zone) for x in v] for k, v in r.items()}
            for r in table.to_pylist()]


def write_table(table: pa.Table, fmt: str, out: TextIO, *, title: str | None = None,
                notes: tuple[str, ...] = (), csv_raw: bool = False, meta: Mapping[str, Any] | None = None,
                documents: Mapping[str, str] | None = None, full: bool = False, timezone: str | None = None,
                width: int | None = None) -> None:
    """Write ``table`` as ``fmt``. ``meta`` (a report's name and options) makes JSON an object with
    the notes beside the rows; ``documents`` maps evidence ids to "title (url)" for the table;
    ``width`` overrides the terminal width (see the module doc)."""
    if fmt == "json":
        data: Any = rows(table, timezone)
        if meta is not None:
            zone = _zone(timezone)
            data = {**{k: _plain(v, zone) for k, v in meta.items()}, "title": title, "notes": list(notes),
                    "rows": data}
        out.write(json.dumps(data, ensure_ascii=False, indent=1, default=str).translate(_JSON_SAFE))
        out.write("\n")
    elif fmt == "csv":
        cell = (lambda v: v) if csv_raw else csv_safe
        writer = csv.writer(out)
        for note in notes:
            writer.writerow([cell("# note: " + " ".join(note.split()))])
        writer.writerow([cell(name) for name in table.column_names])
        for r in rows(table, timezone):
            writer.writerow(["|".join(str(cell(x)) for x in v) if isinstance(v, list) else cell(v)
                             for v in r.values()])
    elif fmt == "table":
        _write_terminal_table(table, out, title=title, notes=notes, documents=documents or {}, full=full,
                              timezone=timezone, width=width)
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


# Columns whose values are document ids: the table shows what the document is instead.
_DOCUMENT_COLUMNS = ("evidence", "documents", "origin_document", "top_document")
# List cells in the table show this many items, then a count (--full shows them all).
_LIST_ITEMS = 3
# Narrowest a column is cut to before columns are left out instead (its header still says what it is).
_MIN_COLUMN = 6
# When the output is not a terminal and COLUMNS is not set (a pipe, a file).
_FALLBACK_WIDTH = 120
# Terminal columns between two table columns (rich's SIMPLE_HEAD box without edges).
_GAP = 2


def _terminal_width() -> int:
    size = shutil.get_terminal_size((_FALLBACK_WIDTH, 24))  # COLUMNS first, then the terminal
    return max(size.columns, 20)


def _write_terminal_table(table: pa.Table, out: TextIO, *, title: str | None, notes: tuple[str, ...],
                          documents: Mapping[str, str], full: bool, timezone: str | None,
                          width: int | None) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    names = table.column_names
    body = [[_cell(v, documents if _is_document_column(name) else None, full) for name, v in r.items()]
            for r in rows(table, timezone)]
    headers = [_one_line(terminal_safe(n)) for n in names]
    cells = [[_one_line(terminal_safe(c)) for c in r] for r in body]
    available = width or _terminal_width()
    natural = [max([cell_len(h), *(cell_len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    if full:
        widths, shown = natural, len(names)
    else:
        widths, shown = _fit(natural, available)
    t = Table(title=Text(terminal_safe(title)) if title else None, box=box.SIMPLE_HEAD, show_lines=False,
              show_edge=False, pad_edge=False, collapse_padding=True)
    for i in range(shown):
        t.add_column(_cut(headers[i], widths[i]), no_wrap=True, overflow="ellipsis", min_width=widths[i],
                     max_width=widths[i])
    for r in cells:
        t.add_row(*[_cut(c, widths[i]) for i, c in enumerate(r[:shown])])
    # Wide enough for the fitted table (or, with full, for the whole one): rich never wraps or crops it.
    console = Console(file=out, width=max(available, sum(widths[:shown]) + _GAP * shown), markup=False,
                      highlight=False, emoji=False, soft_wrap=False)
    console.print(t)
    # Lines below the table are not cut: the terminal wraps them where it must.
    if shown < len(names):
        rest = ", ".join(names[shown:])
        console.print(Text(terminal_safe(f"{len(names) - shown} more column(s) do not fit: {rest} "
                                         "(--full or --format json shows them)"), style="dim"), soft_wrap=True)
    for note in notes:
        console.print(Text(terminal_safe(f"note: {_one_line(note)}"), style="dim"), soft_wrap=True)


def _fit(natural: list[int], available: int) -> tuple[list[int], int]:
    """Column widths that fit ``available`` terminal columns, and how many columns are shown.

    Narrow columns keep their width and the wide ones are cut to a common cap (never below
    _MIN_COLUMN or their own width); when even that does not fit, columns are left out from the
    right."""
    for shown in range(len(natural), 0, -1):
        want = natural[:shown]
        budget = available - _GAP * (shown - 1)
        floor = [min(w, _MIN_COLUMN) for w in want]
        if sum(floor) > budget and shown > 1:
            continue
        lo, hi = 0, max(want, default=0)  # the largest cap whose widths still fit
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if sum(max(f, min(w, mid)) for w, f in zip(want, floor, strict=True)) <= budget:
                lo = mid
            else:
                hi = mid - 1
        widths = [max(f, min(w, lo)) for w, f in zip(want, floor, strict=True)]
        spare = budget - sum(widths)
        for i, w in enumerate(want):  # what the cap leaves over goes to the cut columns, left first
            if spare <= 0:
                break
            extra = min(w - widths[i], spare)
            widths[i] += extra
            spare -= extra
        return [max(w, 1) for w in widths], shown
    return [], 0


def _cut(text: str, width: int) -> Text:
    from rich.text import Text

    t = Text(text, no_wrap=True, overflow="ellipsis")
    if cell_len(text) > width:
        t.truncate(width, overflow="ellipsis")
    return t


def _one_line(text: str) -> str:
    # A table row is one line: newlines and tabs inside a cell become spaces (json/csv keep them).
    return " ".join(text.split()) if any(c in text for c in "\n\t\r") else text


def _is_document_column(name: str) -> bool:
    return any(key in name for key in _DOCUMENT_COLUMNS)


def _cell(value: Any, documents: Mapping[str, str] | None = None, full: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        # Evidence lists hold long ids: the table shows what the first documents are and a count;
        # json/csv hold every id.
        shown = value if full else value[:_LIST_ITEMS]
        text = "; ".join(_cell(v, documents, full) for v in shown)
        return text + (f" (+{len(value) - len(shown)} more)" if len(value) > len(shown) else "")
    if isinstance(value, dict):
        return " ".join(_cell(v, documents, full) for v in value.values() if v is not None)
    if isinstance(value, float):
        return f"{value:.3f}"
    if documents is not None and isinstance(value, str):
        return documents.get(value, value)
    return str(value)
