"""Streamed exports over HTTP: an export (CSV, JSON Lines or Parquet, :func:`limelight.api.export`)
as a download, at constant memory and with no row cap.

The stream is a plain iterator, which Starlette runs in its thread pool, one chunk at a time; the
rows are read and encoded ahead of it (:mod:`limelight.exports_ahead`), so a slow client holds
a few chunks, never the store. The filters and the store were
checked before the first byte (a 400 cannot follow a 200); the total is sent up front in
``X-Total-Count``, so a client can tell a cut-off download from a whole one.
"""

from __future__ import annotations

from starlette.responses import StreamingResponse

from limelight.exports_ahead import AheadExport
from limelight.exports_stream import MEDIA_TYPES, ExportStream


def download(stream: AheadExport | ExportStream, name: str, *, total: int | None = None) -> StreamingResponse:
    """The export as a download named ``name.<format>``."""
    headers = {"Content-Disposition": f'attachment; filename="{name}.{stream.fmt}"', "Cache-Control": "no-store"}
    if total is not None:
        headers["X-Total-Count"] = str(total)
    return StreamingResponse(iter(stream), media_type=MEDIA_TYPES[stream.fmt], headers=headers)
