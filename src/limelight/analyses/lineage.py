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

A document's parent is the target of its strongest outgoing link: an attribution the page states
beats a text or embedding match, then the higher score, then the earlier target.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyarrow as pa

from limelight.analyses.base import AnalysisResult, Option
from limelight.errors import UsageError
from limelight.registry import Registry
from limelight.store.base import Store
from limelight.watchlist import Watchlist

VIEWS = ("stories", "documents")
_LINKS = """
SELECT from_id, to_id, kind, score, evidence LIKE 'attribution:%' AS stated FROM links
WHERE kind IN ('duplicate', 'syndication', 'translation') AND to_id IS NOT NULL
UNION ALL
SELECT a.from_id, a.to_id,
       CASE WHEN f.language IS NOT DISTINCT FROM t.language THEN 'syndication' ELSE 'translation' END,
       1.0, true
FROM attributions AS a JOIN documents AS f ON f.id = a.from_id JOIN documents AS t ON t.id = a.to_id
WHERE a.to_id IS NOT NULL AND a.to_id <> a.from_id
"""
_DOCS = """
SELECT st.document_id, st.story_id, st.method, d.language, d.published_at, d.title,
       coalesce(s.name, s.handle) AS outlet
FROM stories AS st JOIN documents AS d ON d.id = st.document_id JOIN sources AS s ON s.id = d.source_id
WHERE st.story_id IN (SELECT story_id FROM stories GROUP BY story_id HAVING count(*) >= ?)
ORDER BY st.story_id, d.published_at NULLS LAST, st.document_id
"""


def parents(links: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """document id → (parent id, link kind): the strongest outgoing link per document."""
    best: dict[str, tuple[tuple[bool, float, str], str, str]] = {}
    for r in links:
        key = (bool(r["stated"]), float(r["score"]), "")
        cur = best.get(r["from_id"])
        # Among equals the smaller id wins, so the answer is the same on every run.
        if cur is None or key > cur[0] or (key == cur[0] and r["to_id"] < cur[1]):
            best[r["from_id"]] = (key, r["to_id"], r["kind"])
    return {doc: (to, kind) for doc, (_, to, kind) in best.items()}


def chain(doc: str, parent: dict[str, tuple[str, str]]) -> list[tuple[str, str | None]]:
    """[(origin, None), (next, kind), ..., (doc, kind)]: the path of links from the origin to ``doc``,
    each entry with the kind of link that leads into it. A cycle (two pages naming each other)
    stops where it would repeat."""
    path, kinds, seen, cur = [doc], [], {doc}, doc
    while cur in parent:
        nxt, kind = parent[cur]
        if nxt in seen:
            break
        path.append(nxt)
        kinds.append(kind)
        seen.add(nxt)
        cur = nxt
    path.reverse()
    kinds.reverse()
    return [(path[0], None), *zip(path[1:], kinds, strict=True)]


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
        Option("min_size", 2, "Only stories with at least this many documents."),
    )

    def run(self, store: Store, watchlist: Watchlist, **options: Any) -> AnalysisResult:
        opts = {o.name: o.default for o in self.options} | options
        if opts["view"] not in VIEWS:
            raise UsageError(f"stories: view must be one of {', '.join(VIEWS)}, not {opts['view']!r}")
        min_size = opts["min_size"]
        if not isinstance(min_size, int) or isinstance(min_size, bool) or min_size < 1:
            raise UsageError(f"stories: min_size must be a whole number ≥ 1, not {min_size!r}")
        docs = store.query(_DOCS, [min_size]).to_pylist()
        notes: tuple[str, ...] = ()
        if not store.query("SELECT count(*) AS n FROM stories").column("n")[0].as_py():
            notes = ("the stories table is empty: run `limelight link` first",)
        if opts["view"] == "stories":
            return AnalysisResult(self.name, _stories_table(docs), opts, notes)
        parent = parents(store.query(_LINKS).to_pylist())
        return AnalysisResult(self.name, _documents_table(docs, parent), opts, notes)


def _stories_table(docs: list[dict[str, Any]]) -> pa.Table:
    by_story: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in docs:
        by_story[d["story_id"]].append(d)
    rows = []
    for story_id, members in by_story.items():
        first = members[0]  # the query orders by publication, undated last
        dated = [m["published_at"] for m in members if m["published_at"] is not None]
        rows.append({
            "story_id": story_id, "size": len(members),
            "languages": sorted({m["language"] for m in members if m["language"]}),
            "outlets": len({m["outlet"] for m in members}),
            "origin_outlet": first["outlet"], "origin_document": first["document_id"],
            "origin_language": first["language"], "title": first["title"],
            "first_published": min(dated) if dated else None, "last_published": max(dated) if dated else None,
            "documents": [m["document_id"] for m in members],
        })
    rows.sort(key=lambda r: (-r["size"], r["story_id"]))
    schema = pa.schema([
        ("story_id", pa.string()), ("size", pa.int64()), ("languages", pa.list_(pa.string())),
        ("outlets", pa.int64()), ("origin_outlet", pa.string()), ("origin_document", pa.string()),
        ("origin_language", pa.string()), ("title", pa.string()),
        ("first_published", pa.timestamp("us", tz="UTC")), ("last_published", pa.timestamp("us", tz="UTC")),
        ("documents", pa.list_(pa.string())),
    ])
    return pa.Table.from_pylist(rows, schema=schema)


def _documents_table(docs: list[dict[str, Any]], parent: dict[str, tuple[str, str]]) -> pa.Table:
    info = {d["document_id"]: d for d in docs}
    rows = []
    for d in docs:
        path = chain(d["document_id"], parent)
        origin = info.get(path[0][0])
        rows.append({
            "story_id": d["story_id"], "document_id": d["document_id"], "language": d["language"],
            "outlet": d["outlet"], "published_at": d["published_at"], "method": d["method"],
            "origin_document": path[0][0],
            "origin_outlet": origin["outlet"] if origin else None,
            "origin_language": origin["language"] if origin else None,
            "hops": len(path) - 1,
            "lineage": [{"document_id": doc, "outlet": info[doc]["outlet"] if doc in info else None,
                         "language": info[doc]["language"] if doc in info else None, "via": via}
                        for doc, via in path],
        })
    step = pa.struct([("document_id", pa.string()), ("outlet", pa.string()), ("language", pa.string()),
                      ("via", pa.string())])
    schema = pa.schema([
        ("story_id", pa.string()), ("document_id", pa.string()), ("language", pa.string()),
        ("outlet", pa.string()), ("published_at", pa.timestamp("us", tz="UTC")), ("method", pa.string()),
        ("origin_document", pa.string()), ("origin_outlet", pa.string()), ("origin_language", pa.string()),
        ("hops", pa.int64()), ("lineage", pa.list_(step)),
    ])
    return pa.Table.from_pylist(rows, schema=schema)


def register(registry: Registry) -> None:
    registry.register("analysis", Stories())
