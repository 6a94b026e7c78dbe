"""Plain-text article dumps (site name, title, body, ``Quelle:`` lines...) → ``RawPage(format="text")``.

Parsing the dump into a Document is extraction's job (:mod:`limelight.extract.text`), so this
source only claims the file and hands over the bytes.
"""

from __future__ import annotations

from collections.abc import Iterator

from limelight.models import RawPage
from limelight.registry import Registry
from limelight.sources._util import head_text
from limelight.sources.base import Input, SourceContext, SourceItem
from limelight.sources.tweet_log import LINE_RE as TWEET_LOG_LINE

_TEXT_EXT = (".txt", ".text")


class TextDump:
    name = "text_dump"
    version = "1"
    title = "Plain-text article dumps"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("raw_page",)

    def sniff(self, inp: Input) -> float:
        if not inp.name.endswith(_TEXT_EXT) and not (inp.content_type or "").startswith("text/plain"):
            return 0.0
        head = head_text(inp).lstrip("\ufeff")
        if not head.strip():
            return 0.1  # empty or binary: still ours by name, read() reports why
        first = head.lstrip().split("\n", 1)[0]
        if TWEET_LOG_LINE.match(first):
            return 0.0  # a tweet log (tweet_log reads it)
        if first.startswith(("{", "[")):
            return 0.05  # NDJSON/JSON saved as .txt
        lines = head.lstrip().split("\n")
        if len(lines) > 2 and lines[0].count(",") >= 3 and lines[0].count(",") == lines[1].count(","):
            return 0.1  # CSV-shaped (social_csv reads it)
        return 0.5

    def read(self, inp: Input, ctx: SourceContext) -> Iterator[SourceItem]:
        yield RawPage(origin=inp.origin, content=inp.data(), format="text", url=inp.url)


def register(registry: Registry) -> None:
    registry.register("source", TextDump())
