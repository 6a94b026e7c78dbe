"""Write tables as a terminal table, JSON or CSV (every report takes --format table|json|csv)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from typing import Any, TextIO

import pyarrow as pa

FORMATS = ("table", "json", "csv")


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
                notes: tuple[str, ...] = ()) -> None:
    if fmt == "json":
        json.dump(rows(table), out, ensure_ascii=False, indent=1)
        out.write("\n")
    elif fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(table.column_names)
        for r in rows(table):
            writer.writerow(["|".join(map(str, v)) if isinstance(v, list) else v for v in r.values()])
    elif fmt == "table":
        from rich.console import Console
        from rich.table import Table

        # Wide enough for every column: a report piped to a file or pager should not wrap cells.
        console = Console(file=out, width=max(100, Console().width, 15 * len(table.column_names)))
        t = Table(title=title, show_lines=False)
        for name in table.column_names:
            t.add_column(name, overflow="fold")
        for r in rows(table):
            t.add_row(*[_cell(v) for v in r.values()])
        console.print(t)
        for note in notes:
            console.print(f"[dim]note: {note}[/dim]")
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
