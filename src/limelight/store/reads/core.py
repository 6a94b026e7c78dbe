"""Reads used by the library itself: evidence labels, counts, document lookups."""

from __future__ import annotations

from collections.abc import Sequence

from limelight.store.reads import Query, read


@read("core.document_labels", tables=("documents",))
def document_labels(ids: Sequence[str], chars: int) -> Query:
    """id, title (else the start of the text) and url of these documents: evidence labels."""
    return Query(
        "SELECT id, coalesce(nullif(trim(title), ''), left(text, $chars)) AS title, "
        "coalesce(url, canonical_url) AS url FROM documents WHERE id IN (SELECT unnest(CAST($ids AS VARCHAR[])))",
        {"ids": list(ids), "chars": int(chars)})


@read("core.table_counts", tables=("documents", "mentions", "links", "stories", "embeddings"))
def table_counts() -> Query:
    """Rows in the main tables (one row: documents, mentions, links, stories, embeddings)."""
    return Query("SELECT (SELECT count(*) FROM documents) AS documents, (SELECT count(*) FROM mentions) AS mentions, "
                 "(SELECT count(*) FROM links) AS links, (SELECT count(*) FROM stories) AS stories, "
                 "(SELECT count(*) FROM embeddings) AS embeddings")


@read("core.document_texts", tables=("documents",))
def document_texts() -> Query:
    """Title and text of every document, one column ``t`` (the watchlist check's corpus)."""
    return Query("SELECT coalesce(title, '') || chr(10) || text AS t FROM documents")
