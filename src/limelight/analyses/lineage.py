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

The shared scope options (since, until, language, source, kind) choose the documents: a story
counts only its documents in scope (``min_size`` too), and a lineage step outside the scope shows
its document id without its outlet and language.

A document's parent is the target of its strongest outgoing link: an attribution the page states
beats a text or embedding match, then the higher score, then the smaller id. Both views are one
DuckDB query each (the lineage a recursive one), so a corpus with 100,000s of stories is read at
the speed of a scan, not walked row by row in Python.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from limelight.analyses.base import SCOPE_OPTIONS, AnalysisResult, Option, Scope
from limelight.registry import Registry
from limelight.store.base import Store
from limelight.timeseries.series import resolve
from limelight.watchlist import Watchlist

VIEWS = ("stories", "documents")

# The documents of stories with at least ``min_size`` members in scope, with what the rows show of
# them. SCOPE_WHERE is replaced by the Scope's predicate (the SQL holds braces, so no str.format).
_STORY_DOCS = """
sized AS (
    SELECT st.story_id FROM stories AS st JOIN documents AS d ON d.id = st.document_id
    WHERE SCOPE_WHERE GROUP BY st.story_id HAVING count(*) >= ?
),
docs AS (
    SELECT st.document_id, st.story_id, st.method, d.language, d.published_at, d.title,
           coalesce(s.name, s.handle) AS outlet,
           -- publication order, undated last, then id: the first is the story's origin
           {'undated': d.published_at IS NULL, 'at': d.published_at, 'id': st.document_id} AS sort_key
    FROM stories AS st JOIN sized USING (story_id)
    JOIN documents AS d ON d.id = st.document_id JOIN sources AS s ON s.id = d.source_id
    WHERE SCOPE_WHERE
)"""

_STORIES = f"""
WITH {_STORY_DOCS}
SELECT story_id, count(*) AS size,
       list_sort(list_distinct(list(language) FILTER (WHERE language IS NOT NULL))) AS languages,
       count(DISTINCT outlet) AS outlets,
       arg_min_null(outlet, sort_key) AS origin_outlet, arg_min_null(document_id, sort_key) AS origin_document,
       arg_min_null(language, sort_key) AS origin_language, arg_min_null(title, sort_key) AS title,
       min(published_at) AS first_published, max(published_at) AS last_published,
       list(document_id ORDER BY sort_key) AS documents
FROM docs GROUP BY story_id
ORDER BY size DESC, story_id
"""

# Every link that says where a document comes from; a resolved attribution counts as stated.
_LINKS = """
links_all AS (
    SELECT from_id, to_id, kind, score, evidence LIKE 'attribution:%' AS stated FROM links
    WHERE kind IN ('duplicate', 'syndication', 'translation') AND to_id IS NOT NULL
    UNION ALL
    SELECT a.from_id, a.to_id,
           CASE WHEN f.language IS NOT DISTINCT FROM t.language THEN 'syndication' ELSE 'translation' END,
           1.0, true
    FROM attributions AS a JOIN documents AS f ON f.id = a.from_id JOIN documents AS t ON t.id = a.to_id
    WHERE a.to_id IS NOT NULL AND a.to_id <> a.from_id
),
-- a document's parent: its strongest outgoing link (stated first, then score, then the smaller id,
-- so the answer is the same on every run)
parent AS (
    SELECT from_id, arg_min(to_id, k) AS to_id, arg_min(kind, k) AS kind
    FROM (SELECT *, {'unstated': NOT stated, 'score': -score, 'to': to_id} AS k FROM links_all)
    GROUP BY from_id
)"""

# Each story document walks up its parents to the origin; a cycle (two pages naming each other)
# stops where it would repeat. ``lineage`` runs origin → document; each step carries the kind of
# link that leads into it (the origin: none), and the outlet and language when it is a story
# document. Built while walking, so no row is unnested and grouped again.
_DOCUMENTS = f"""
WITH RECURSIVE {_STORY_DOCS},
{_LINKS},
walk(document_id, cur, path, lineage) AS (
    SELECT document_id, document_id, [document_id],
           [{{'document_id': document_id, 'outlet': outlet, 'language': language, 'via': NULL::VARCHAR}}]
    FROM docs
    UNION ALL
    SELECT w.document_id, p.to_id, list_prepend(p.to_id, w.path),
           list_concat(
               [{{'document_id': p.to_id, 'outlet': i.outlet, 'language': i.language, 'via': NULL::VARCHAR}}],
               [{{'document_id': w.lineage[1].document_id, 'outlet': w.lineage[1].outlet,
                  'language': w.lineage[1].language, 'via': p.kind}}],
               list_slice(w.lineage, 2, len(w.lineage)))
    FROM walk AS w JOIN parent AS p ON p.from_id = w.cur
    LEFT JOIN docs AS i ON i.document_id = p.to_id
    WHERE NOT list_contains(w.path, p.to_id)
),
full_path AS (
    SELECT document_id, arg_max(lineage, len(path)) AS lineage FROM walk GROUP BY document_id
)
SELECT d.story_id, d.document_id, d.language, d.outlet, d.published_at, d.method,
       f.lineage[1].document_id AS origin_document, f.lineage[1].outlet AS origin_outlet,
       f.lineage[1].language AS origin_language, CAST(len(f.lineage) - 1 AS BIGINT) AS hops, f.lineage
FROM docs AS d JOIN full_path AS f USING (document_id)
ORDER BY d.story_id, d.sort_key
"""

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
    requires: tuple[str, ...] = ("stories", "links", "documents", "sources")
    provides: tuple[str, ...] = ("stories",)
    options: tuple[Option, ...] = (
        Option("view", "stories", "One row per story, or one per document with its lineage.", VIEWS),
        Option("min_size", 2, "Only stories with at least this many documents.", min=1, max=1_000_000),
        *SCOPE_OPTIONS,
    )

    def run(self, store: Store, watchlist: Watchlist, **options: Any) -> AnalysisResult:
        opts = resolve(self.name, self.options, options, ints=("min_size",))
        scope = Scope.from_options(self.name, opts)
        min_size = opts["min_size"]
        notes: tuple[str, ...] = ()
        if not store.query("SELECT count(*) AS n FROM stories").column("n")[0].as_py():
            notes = (*notes, "the stories table is empty: run `limelight link` first")
        sql = _STORIES if opts["view"] == "stories" else _DOCUMENTS
        schema = STORY_SCHEMA if opts["view"] == "stories" else DOCUMENT_SCHEMA
        table = store.query(sql.replace("SCOPE_WHERE", scope.where()), [min_size]).cast(schema)
        return AnalysisResult(self.name, table, opts, notes)


def register(registry: Registry) -> None:
    registry.register("analysis", Stories())
