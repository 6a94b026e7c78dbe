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


@read("core.entity_fingerprints", tables=("entities",))
def entity_fingerprints() -> Query:
    """id and fingerprint of every stored entity (what decided its mentions; NULL: unknown)."""
    return Query("SELECT id, fingerprint FROM entities")


@read("core.documents_mentioning", tables=("mentions",))
def documents_mentioning(entity_ids: Sequence[str]) -> Query:
    """document_id of every document with a mention of these entities, in id order."""
    return Query("SELECT DISTINCT document_id FROM mentions WHERE entity_id IN "
                 "(SELECT unnest(CAST($ids AS VARCHAR[]))) ORDER BY document_id", {"ids": list(entity_ids)})


@read("core.generation", tables=("store_generation",))
def generation() -> Query:
    """One row: generation, a number that changes with every committed write to the store (the
    same number means the same stored data, for caches of what was read)."""
    return Query("SELECT generation FROM store_generation WHERE id = 1")


@read("core.count_documents", tables=("documents",))
def count_documents() -> Query:
    """One row: n, the stored documents."""
    return Query("SELECT count(*) AS n FROM documents")


@read("core.document_ids_after", tables=("documents",))
def document_ids_after(after: str, limit: int) -> Query:
    """The next ``limit`` document ids after ``after``, in id order (keyset pagination)."""
    return Query("SELECT id FROM documents WHERE id > $after ORDER BY id LIMIT $limit",
                 {"after": after, "limit": int(limit)})


@read("core.has_toned_mentions", tables=("mentions",))
def has_toned_mentions() -> Query:
    """One row: toned, whether any mention has a tone score."""
    return Query("SELECT EXISTS (SELECT 1 FROM mentions WHERE tone IS NOT NULL) AS toned")
