"""Stories and lineage: which outlets carried a story, in which languages, and who copied whom.

Reads what `limelight link` wrote: the ``stories`` table (clusters) and the ``duplicate``,
``syndication`` and ``translation`` links plus resolved attributions. Two views:

- ``view=stories`` (default): one row per story with at least ``min_size`` documents: size,
  languages, outlets, the first document and its outlet (the story's origin), first and last
  publication, and the documents as evidence.
- ``view=documents``: one row per document in those stories with its lineage: the chain of links
  from the origin to the document (original → translation → republication ...), the origin's outlet
  and language, and the number of hops. A document no link leads to is its own origin (0 hops),
  even inside a story: similar coverage is not evidence of copying.

``story`` narrows either view to one story (its id, as the stories view gives it): a story that is
not stored, or has fewer than ``min_size`` documents in scope, gives no rows, not an error.

The shared scope options (since, until, language, source, kind) choose the documents: a story
counts only its documents in scope (``min_size`` too), and a lineage step outside the scope shows
its document id without its outlet and language.

A document's parent is the target of its strongest outgoing link: an attribution the page states
beats a text or embedding match, then the higher score, then the smaller id. Both views are one
store read each (``stories.list``; ``stories.lineage``, a recursive query), so a corpus with
100,000s of stories is read at the speed of a scan, not walked row by row in Python.
"""

from __future__ import annotations

import re
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from limelight.analyses.base import SCOPE_OPTIONS, AnalysisResult, Option, Scope
from limelight.listing import BadFilter
from limelight.registry import Registry, check_store
from limelight.store.base import Store
from limelight.timeseries.series import resolve
from limelight.watchlist import Watchlist

VIEWS = ("stories", "documents")
# What a story id can look like: limelight link writes story-<hex>, a plugin or an older store may
# write others; anything with spaces, quotes or markup was not copied from an answer.
STORY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

_STEP = pa.struct([("document_id", pa.string()), ("outlet", pa.string()), ("language", pa.string()),
                   ("via", pa.string())])
STORY_SCHEMA = pa.schema([
    ("story_id", pa.string()), ("size", pa.int64()), ("languages", pa.list_(pa.string())),
    ("outlets", pa.int64()), ("origin_outlet", pa.string()), ("origin_document", pa.string()),
    ("origin_language", pa.string()), ("title", pa.string()),
    ("first_published", pa.timestamp("us", tz="UTC")), ("last_published", pa.timestamp("us", tz="UTC")),
    ("documents", pa.list_(pa.string())),
])
DOCUMENT_SCHEMA = pa.schema([
    ("story_id", pa.string()), ("document_id", pa.string()), ("language", pa.string()),
    ("outlet", pa.string()), ("published_at", pa.timestamp("us", tz="UTC")), ("method", pa.string()),
    ("origin_document", pa.string()), ("origin_outlet", pa.string()), ("origin_language", pa.string()),
    ("hops", pa.int64()), ("lineage", pa.list_(_STEP)),
])


class Stories:
    name = "stories"
    version = "1"
    title = "Stories and their lineage"
    description = (
        "Story clusters from `limelight link` (documents joined by duplicate, syndication or translation links "
        "or by similar title + lead within days): size, languages, outlets and the first outlet per story; "
        "with view=documents, each document's lineage (origin outlet, language, hops, the chain of links)."
    )
    requires: tuple[str, ...] = ("stories", "links", "attributions", "documents", "sources")
    provides: tuple[str, ...] = ("stories",)
    reads: tuple[str, ...] = ("stories.count", "stories.list", "stories.lineage")
    options: tuple[Option, ...] = (
        Option("view", "stories", "One row per story, or one per document with its lineage.", VIEWS),
        Option("min_size", 2, "Only stories with at least this many documents.", min=1, max=1_000_000),
        Option("story", None, "Only this story (its id, e.g. story-0123456789ab, from the stories view)."),
        *SCOPE_OPTIONS,
    )

    def run(self, store: Store, watchlist: Watchlist, **options: Any) -> AnalysisResult:
        opts = resolve(self.name, self.options, options, ints=("min_size",))
        story = opts["story"]
        if story is not None and not (isinstance(story, str) and STORY_ID.fullmatch(story)):
            raise BadFilter("story", f"story must be a story id such as story-0123456789ab, not {story!r}",
                            hint="story ids are in the stories view (story_id)")
        scope = Scope.from_options(self.name, opts)
        check_store(self, store)
        notes: tuple[str, ...] = ()
        if not store.read("stories.count").column("n")[0].as_py():
            notes = (*notes, "the stories table is empty: run `limelight link` first")
        if opts["view"] == "stories":
            table = store.read("stories.list", min_size=opts["min_size"], scope=scope).cast(STORY_SCHEMA)
        else:
            table = _with_lineage(store.read("stories.lineage", min_size=opts["min_size"], scope=scope))
        if story is not None:
            table = table.filter(pc.equal(table.column("story_id"), story))
        return AnalysisResult(self.name, table, opts, notes)


def _with_lineage(rows: pa.Table) -> pa.Table:
    """The read's parallel step lists (documents, outlets, languages, the link into each step) as
    one ``lineage`` column of steps, origin first. Every list of a row has one entry per step, so
    the flattened values line up and share the documents' offsets: no row is walked in Python."""
    lists = {name: rows.column(name).combine_chunks() for name in ("path", "outlets", "languages", "vias")}
    path = lists["path"]
    items = pa.StructArray.from_arrays([v.flatten() for v in lists.values()], fields=list(_STEP))
    offsets = pa.compute.subtract(path.offsets, path.offsets[0])  # flatten() starts at the first row
    lineage = pa.ListArray.from_arrays(offsets, items, type=pa.list_(_STEP))
    table = rows.drop_columns(list(lists)).append_column("lineage", lineage)
    return table.cast(DOCUMENT_SCHEMA)


def register(registry: Registry) -> None:
    registry.register("analysis", Stories())
