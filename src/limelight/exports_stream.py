"""Streaming exports: CSV, JSON Lines or Parquet from Arrow tables that arrive a batch at a time,
at constant memory, with no row cap (``limelight export`` and the web API's ``/export``).

Memory holds one batch and what it encodes to, never the whole export: each batch becomes one
chunk of bytes (CSV through Arrow's CSV writer over columns Arrow's compute functions made text,
JSON Lines one ``json`` line per row, Parquet one row group), handed on as soon as it is made.

What each format holds (compare :mod:`limelight.exports`, whose rules these keep):

- csv: a header, then one line per row; list cells are joined with ``|``; a string cell that a
  spreadsheet would run as a formula gets a leading ``'`` (:func:`limelight.exports.csv_safe`,
  OWASP CSV Injection guidance) unless ``csv_raw``; text cells are quoted, floats have at most 6
  decimals, booleans are ``true``/``false``. No note lines: an export is data only.
- jsonl: one JSON object per line, exact (``json.loads`` gives back the stored values; NaN is
  null); the characters a terminal would act on are ``\\uXXXX`` escapes, as in JSON reports.
- parquet: the columns with their Arrow types; timestamps carry the export's time zone.

Timestamps are written in the given time zone (ISO 8601 with its offset in CSV and JSON Lines).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa

from limelight.exports import _FORMULA_START, _JSON_SAFE, csv_safe

EXPORT_FORMATS = ("csv", "jsonl", "parquet")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson",
               "parquet": "application/vnd.apache.parquet"}


class ExportStream:
    """The bytes of an export, a chunk at a time (iterate once); ``rows`` counts what was written."""

    def __init__(self, batches: Iterable[pa.Table], fmt: str, *, timezone: str | None = None,
                 csv_raw: bool = False) -> None:
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
        self.fmt = fmt
        self.rows = 0
        self._batches = batches
        self._timezone = timezone
        self._csv_raw = csv_raw

    def __iter__(self) -> Iterator[bytes]:
        encode = {"csv": self._csv, "jsonl": self._jsonl, "parquet": self._parquet}[self.fmt]
        return encode()

    def _csv(self) -> Iterator[bytes]:
        # Arrow's CSV writer over columns made text by Arrow's compute functions: the same cells
        # as a csv.writer over Python values would write (timestamps as datetime.isoformat() in the
        # zone, floats rounded to 6 places, lists joined with |), without a Python object per cell.
        import pyarrow.csv as pacsv

        header = True
        for table in self._batches:
            if header:
                names = [str(csv_safe(n)) if not self._csv_raw else n for n in table.column_names]
                buffer = io.StringIO()
                csv.writer(buffer).writerow(names)
                yield buffer.getvalue().encode("utf-8")
                header = False
            if table.num_rows:
                sink = pa.BufferOutputStream()
                pacsv.write_csv(_csv_cells(table, self._timezone, self._csv_raw), sink,
                                write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"))
                self.rows += table.num_rows
                yield sink.getvalue().to_pybytes()

    def _jsonl(self) -> Iterator[bytes]:
        dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=str).encode
        for table in self._batches:
            lines = [dumps(_finite(r)) for r in _json_cells(table, self._timezone).to_pylist()]
            self.rows += table.num_rows
            if lines:
                yield ("\n".join(lines) + "\n").translate(_JSON_SAFE).encode("utf-8")

    def _parquet(self) -> Iterator[bytes]:
        import pyarrow.parquet as pq

        sink = _Chunks()
        writer: pq.ParquetWriter | None = None
        schema: pa.Schema | None = None
        try:
            for table in self._batches:
                if schema is None:
                    schema = _zoned(table.schema, self._timezone)
                    writer = pq.ParquetWriter(sink, schema)
                assert writer is not None
                if table.num_rows:
                    writer.write_table(table.cast(schema))
                    self.rows += table.num_rows
                yield from sink.drain()
        finally:
            if writer is not None:
                writer.close()
        yield from sink.drain()


class _Chunks(io.RawIOBase):
    """A write-only file that keeps what was written until :meth:`drain` hands it on."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        chunk = bytes(b)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def drain(self) -> Iterator[bytes]:
        parts, self._parts = self._parts, []
        if parts:
            yield b"".join(parts)


def _csv_cells(table: pa.Table, timezone: str | None, raw: bool) -> pa.Table:
    """``table`` with every column as CSV cells: text neutralised against formulas (unless ``raw``),
    timestamps ISO 8601 in ``timezone`` (UTC without one), floats to 6 places, lists joined with |."""
    import pyarrow.compute as pc

    columns = []
    for column in table.columns:
        kind = column.type
        if pa.types.is_timestamp(kind):
            column = _iso(column, timezone or "UTC")
        elif pa.types.is_floating(kind):
            column = pc.round(column, 6)
        elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
            column = pa.chunked_array([_joined(chunk, raw) for chunk in column.chunks], pa.string())
        elif (pa.types.is_string(kind) or pa.types.is_large_string(kind)) and not raw:
            column = _neutralised(column)
        columns.append(column)
    return pa.table(columns, names=[f"c{i}" for i in range(len(columns))])


def _json_cells(table: pa.Table, timezone: str | None) -> pa.Table:
    """``table`` with its timestamps as ISO 8601 text in ``timezone`` and its floats to 6 places,
    so that ``to_pylist()`` gives what JSON holds (NaN stays a float; :func:`_finite` makes it null)."""
    import pyarrow.compute as pc

    columns = []
    for column in table.columns:
        if pa.types.is_timestamp(column.type):
            column = _iso(column, timezone or "UTC")
        elif pa.types.is_floating(column.type):
            column = pc.round(column, 6)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def _iso(column: Any, timezone: str) -> Any:
    """Timestamps as ``datetime.isoformat()`` writes them in ``timezone``: 2024-01-01T08:00:00+08:00,
    with microseconds only where there are some.

    Built from casts, not ``strftime`` (which looks the zone up for every value and cost 4 s of a
    million-row export): the wall-clock time is a cast to text, and its UTC offset, of which a
    column has a handful, is formatted once per distinct value and taken for each row."""
    import pyarrow.compute as pc

    zoned = column.cast(pa.timestamp("us", tz=timezone))
    local = pc.local_timestamp(zoned)  # the wall-clock time there, as a naive timestamp
    micros = local.cast(pa.int64())
    offsets = pc.divide(pc.subtract(micros, zoned.cast(pa.int64())), 1_000_000)  # seconds east of UTC
    distinct = pc.unique(offsets).drop_null()
    spelled = pa.array([_offset(int(v)) for v in distinct.to_pylist()], pa.string())
    offset_text = pc.take(spelled, pc.index_in(offsets, value_set=distinct))
    whole = pc.equal(pc.subtract(micros, pc.multiply(pc.divide(micros, 1_000_000), 1_000_000)), 0)
    seconds = pc.cast(pc.cast(local, pa.timestamp("s"), safe=False), pa.string())
    text = pc.if_else(whole, seconds, pc.cast(local, pa.string()))
    text = pc.replace_substring(text, " ", "T", max_replacements=1)
    return pc.binary_join_element_wise(text, offset_text, "")


def _offset(seconds: int) -> str:
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _neutralised(column: Any) -> Any:
    """:func:`limelight.exports.csv_safe` over a column: a leading ``'`` on text a spreadsheet would
    run as a formula. Six prefix tests are a third of one regular expression's cost, and a column
    with no such cell (most of them) is handed on as it is."""
    import pyarrow.compute as pc

    formula = pc.starts_with(column, _FORMULA_START[0])
    for start in _FORMULA_START[1:]:
        formula = pc.or_(formula, pc.starts_with(column, start))
    if not pc.any(formula).as_py():
        return column
    return pc.if_else(formula, pc.binary_join_element_wise("'", column, ""), column)


def _joined(lists: Any, raw: bool) -> Any:
    """Each list as one cell, its items (neutralised, unless ``raw``) joined with ``|``."""
    import pyarrow.compute as pc

    items = lists.values.cast(pa.string())
    if not raw:
        items = _neutralised(items)
    rebuilt = type(lists).from_arrays(lists.offsets, items, mask=lists.is_null())
    return pc.binary_join(rebuilt, "|")


def _zoned(schema: pa.Schema, timezone: str | None) -> pa.Schema:
    """The schema with its timestamps in ``timezone`` (the same instants; readers show local time)."""
    if not timezone:
        return schema
    fields = [f.with_type(pa.timestamp(f.type.unit, tz=timezone)) if pa.types.is_timestamp(f.type) else f
              for f in schema]
    return pa.schema(fields, metadata=schema.metadata)


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities as None (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
