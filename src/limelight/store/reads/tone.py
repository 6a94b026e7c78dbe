"""Reads used by the tone stage (:mod:`limelight.tone.apply`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from limelight.store.reads import Query, read

# The Mention fields, as stored (``end`` is a keyword, so quoted); a mention's id is derived from them.
MENTION_COLUMNS = ("document_id", "entity_id", "alias", "surface", "field", "start", "end", "role",
                   "sentence", "caption_index", "tone", "tone_label")


@read("tone.pending_documents", tables=("documents", "mentions"))
def pending_documents(all_documents: bool = False, among: Sequence[str] | None = None) -> Query:
    """Ids of documents with a language that have no tone yet or a mention without one, in id order;
    only documents with a mention unless ``all_documents``; only ``among`` these ids when given."""
    params: dict[str, Any] = {}
    scope = "" if all_documents else " AND d.id IN (SELECT document_id FROM mentions)"
    if among is not None:
        params["among"] = list(among)
        scope += " AND d.id IN (SELECT unnest(CAST($among AS VARCHAR[])))"
    return Query(
        f"SELECT d.id FROM documents AS d WHERE d.language IS NOT NULL{scope} "
        "AND (d.tone IS NULL OR d.id IN (SELECT document_id FROM mentions WHERE tone IS NULL)) ORDER BY d.id",
        params)


@read("tone.mentions_of", tables=("mentions",))
def mentions_of(ids: Sequence[str]) -> Query:
    """Every stored field of the mentions in these documents, by document then mention id."""
    columns = ", ".join(f'"{c}"' for c in MENTION_COLUMNS)
    return Query(f"SELECT {columns} FROM mentions WHERE document_id IN (SELECT unnest(CAST($ids AS VARCHAR[]))) "
                 "ORDER BY document_id, id", {"ids": list(ids)})
