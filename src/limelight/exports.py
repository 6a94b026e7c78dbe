"""Write tables as a terminal table, JSON or CSV (every report takes --format table|json|csv).

Everything written here comes from hostile web pages and social posts, so no output format lets
a cell act on the reader:

- table: cells, column names, title and notes are rich ``Text`` (never parsed as markup, so
  ``[link=...]`` stays literal), and :func:`terminal_safe` writes terminal control characters
  and bidi overrides as visible escapes.
- csv: a string cell that a spreadsheet would run as a formula gets a leading ``'`` (OWASP CSV
  Injection guidance); ``csv_raw=True`` writes cells exactly as stored.
- json: exact (``json.loads`` gives back the stored values); the characters a terminal would act
  on are written as ``\\uXXXX`` escapes, which JSON decodes to the same string.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from typing import Any, TextIO

import pyarrow as pa

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


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    return value


def rows(table: pa.Table) -> list[dict[str, Any]]:
    return [{k: _plain(v) if not isinstance(v, list) else [_plain(x) for x in v] for k, v in r.items()}
            for r in table.to_pylist()]


def write_table(table: pa.Table, fmt: str, out: TextIO, *, title: str | None = None,
                notes: tuple[str, ...] = (), csv_raw: bool = False) -> None:
    if fmt == "json":
        out.write(json.dumps(rows(table), ensure_ascii=False, indent=1).translate(_JSON_SAFE))
        out.write("\n")
    elif fmt == "csv":
        cell = (lambda v: v) if csv_raw else csv_safe
        writer = csv.writer(out)
        writer.writerow([cell(name) for name in table.column_names])
        for r in rows(table):
            writer.writerow(["|".join(str(cell(x)) for x in v) if isinstance(v, list) else cell(v)
                             for v in r.values()])
    elif fmt == "table":
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        # Wide enough for every column: a report piped to a file or pager should not wrap cells.
        console = Console(file=out, width=max(100, Console().width, 15 * len(table.column_names)),
                          markup=False, highlight=False, emoji=False)
        t = Table(title=Text(terminal_safe(title)) if title else None, show_lines=False)
        for name in table.column_names:
            t.add_column(Text(terminal_safe(name)), overflow="fold")
        for r in rows(table):
            t.add_row(*[Text(terminal_safe(_cell(v))) for v in r.values()])
        console.print(t)
        for note in notes:
            console.print(Text(terminal_safe(f"note: {note}"), style="dim"))
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        # Evidence lists hold long ids: the table shows the first one and a count; json/csv hold all.
        shown = ", ".join(str(v)[:12] for v in value[:1])
        return shown + (f" (+{len(value) - 1})" if len(value) > 1 else "")
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)
