"""WARC / WARC.gz archives (warcio) → one RawPage per HTML ``response`` record.

The archive streams from disk record by record. Other records (requests, metadata, images, CSS)
are skipped silently; a record without a ``WARC-Type`` header is no record WARC defines, so it is
one error row (its offset in the origin) and the rest of the archive is read. A truncated or corrupt
archive ends with one ItemError that says how many records were read before the damage.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any, cast

from warcio.archiveiterator import ArchiveIterator

from limelight.models import ItemError, RawPage
from limelight.registry import Registry
from limelight.sources.base import Input, SourceContext, SourceItem, record_too_long

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _warc_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _only_line_ends(stream: IO[bytes], start: int, size: int) -> bool:
    """Whether the bytes from ``start`` to the end of the file are only CR/LF (at most 16 of them)."""
    if size - start > 16:
        return False
    try:
        stream.seek(start)
        return not stream.read().strip(b"\r\n")
    except (OSError, ValueError):
        return False


class Warc:
    name = "warc"
    version = "1"
    title = "WARC web archives"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("raw_page",)
    streams = True  # record by record; the size cap does not apply

    def sniff(self, inp: Input) -> float:
        if inp.name.endswith((".warc", ".arc")):
            return 0.95
        try:
            head = inp.head(16)
        except (OSError, EOFError):
            return 0.0
        return 0.95 if head.startswith(b"WARC/") else 0.0

    def read(self, inp: Input, ctx: SourceContext) -> Iterator[SourceItem]:
        # warcio un-gzips per record itself; give it the raw file so offsets match the file on disk.
        if inp.path is not None and inp.content is None:
            stream: IO[bytes] = open(inp.path, "rb")  # noqa: SIM115 (closed in the finally below)
            size = inp.path.stat().st_size
        else:
            stream = cast(IO[bytes], inp.open())
            size = len(inp.data())
        done = end = 0
        limit = int(ctx.settings["ingest.max_record_bytes"])
        try:
            it = ArchiveIterator(stream)
            for record in it:
                page = self._page(record, it, inp.origin, limit)
                # Read what is left of the record (in chunks, nothing kept): a record cut short by the
                # end of the file leaves its length unmet, which warcio would otherwise pass over.
                raw = record.raw_stream
                while raw.read(1 << 16):
                    pass
                if getattr(raw, "limit", 0) > 0:
                    raise EOFError(f"the last record is cut short ({raw.limit:,} bytes missing)")
                end = it.get_record_offset() + it.get_record_length()
                done += 1
                if record.rec_type is None:
                    # Asked only now: the offset is safe to read once the record has been read.
                    yield ItemError(f"{inp.origin}#{it.get_record_offset()}", "source",
                                    "a record without a WARC-Type header: not a WARC record, skipped",
                                    "the other records are read; the archive's writer may be broken")
                if page is not None:
                    yield page
            # warcio stops quietly at a record cut short; bytes left after the last whole record say so.
            # An uncompressed record's closing CRLF CRLF is not in its length: those bytes are fine.
            if end < size and not _only_line_ends(stream, end, size):
                raise EOFError(f"{size - end:,} bytes after the last complete record cannot be read")
        except (
            Exception
        ) as exc:  # warcio raises many kinds on damage: EOFError, zlib.error, ArchiveLoadFailed
            yield ItemError(
                inp.origin,
                "source",
                f"archive is truncated or corrupt: {done:,} record(s) read before the damage "
                f"({type(exc).__name__}: {exc})",
                "the records before the damage were ingested; re-download or repair the archive",
            )
        finally:
            stream.close()

    @staticmethod
    def _page(record: Any, it: ArchiveIterator, origin: str, limit: int) -> SourceItem | None:
        if record.rec_type != "response":
            return None
        ctype = (record.http_headers.get_header("Content-Type") if record.http_headers else None) or ""
        if not ctype.lower().startswith(_HTML_TYPES):
            return None
        # Read the body here so a record cut short raises inside the caller's try; never more than
        # the record cap (the rest of an over-long body is skipped by warcio on the next record).
        body = record.content_stream().read(limit + 1)
        # Only after the body: asking warcio for the offset first skips the record's content.
        origin = f"{origin}#{it.get_record_offset()}"
        if len(body) > limit:
            return record_too_long(origin, limit)
        hints = [("content_type", ctype)]
        status = record.http_headers.get_statuscode() if record.http_headers else None
        if status:
            hints.append(("http_status", status))
        return RawPage(
            origin=origin,
            content=body,
            format="html",
            url=record.rec_headers.get_header("WARC-Target-URI"),
            fetched_at=_warc_date(record.rec_headers.get_header("WARC-Date")),
            hints=tuple(hints),
        )


def register(registry: Registry) -> None:
    registry.register("source", Warc())
