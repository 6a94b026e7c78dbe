"""Reads used by the link stage (:mod:`limelight.link`): its state, its candidate indexes, its inputs.

A parameter ``ids`` (or ``hashes``) that may be None means "every document of ``kinds``": a run from
nothing reads the corpus in one statement instead of naming 100,000 ids. ``kinds`` is None for every
kind. The link stage keeps its state in ``link_state`` (what each linker processed),
``linker_settings``, ``minhash_bands``, ``similar_pairs``, ``story_words`` and
``story_short_words`` (schema migration 6).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from limelight.store.reads import Query, read


def _in(column: str, name: str, values: Sequence[Any] | None, params: dict[str, Any], kind: str = "VARCHAR") -> str:
    """`` AND column IN (the list)``, or nothing for None (every row)."""
    if values is None:
        return ""
    params[name] = list(values)
    return f" AND {column} IN (SELECT unnest(CAST(${name} AS {kind}[])))"


# -- what each linker has processed -----------------------------------------------------------------


@read("link.fingerprint", tables=("linker_settings",))
def fingerprint(linker: str) -> Query:
    """The fingerprint (version, settings) the linker's stored results were made with: zero or one row."""
    return Query("SELECT fingerprint FROM linker_settings WHERE linker = $linker", {"linker": linker})


@read("link.pending", tables=("documents", "link_state", "stories"))
def pending(linker: str, kinds: Sequence[str] | None = None, everything: bool = False,
            needs_story: bool = False) -> Query:
    """What the linker has to look at: documents of ``kinds`` it has not processed (``new``) or whose
    links changed since (``stale``), and ``conflict`` rows: documents it processed that are gone or
    were stored again with another text (with ``needs_story``, or have lost their ``stories`` row),
    which make it start from nothing. Columns id, content_hash, new, conflict. With ``everything``:
    every document of ``kinds`` (id, content_hash; new true, conflict false)."""
    params: dict[str, Any] = {}
    kind = _in("kind", "kinds", kinds, params)
    if everything:
        return Query("SELECT id, content_hash, true AS new, false AS conflict FROM documents "
                     f"WHERE true{kind} ORDER BY id", params)
    params["linker"] = linker
    lost = (" OR (d.id IS NOT NULL AND s.document_id IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM stories AS st WHERE st.document_id = d.id))") if needs_story else ""
    conflict = f"d.id IS NULL OR (s.document_id IS NOT NULL AND d.content_hash <> s.content_hash){lost}"
    return Query(
        "SELECT coalesce(d.id, s.document_id) AS id, d.content_hash, s.document_id IS NULL AS new, "
        f"({conflict}) AS conflict "
        f"FROM (SELECT id, content_hash FROM documents WHERE true{kind}) AS d "
        "FULL OUTER JOIN (SELECT document_id, content_hash, stale FROM link_state WHERE linker = $linker) AS s "
        f"ON s.document_id = d.id WHERE s.document_id IS NULL OR s.stale OR {conflict} ORDER BY id", params)


@read("link.state_count", tables=("link_state",))
def state_count(linker: str) -> Query:
    """How many documents the linker has processed (``n``)."""
    return Query("SELECT count(*) AS n FROM link_state WHERE linker = $linker", {"linker": linker})


# -- duplicates -------------------------------------------------------------------------------------


@read("link.duplicate_docs", tables=("documents",))
def duplicate_docs(ids: Sequence[str] | None, kinds: Sequence[str] | None = None) -> Query:
    """What the duplicates linker compares: id, source_id, published_at, content_hash and body
    (title, newline, text) of these documents (None: every document of ``kinds``)."""
    params: dict[str, Any] = {}
    where = _in("id", "ids", ids, params) + _in("kind", "kinds", kinds, params)
    return Query("SELECT id, source_id, published_at, content_hash, coalesce(title, '') || chr(10) || text AS body "
                 f"FROM documents WHERE true{where} ORDER BY id", params)


@read("link.hash_members", tables=("documents",))
def hash_members(hashes: Sequence[str], kinds: Sequence[str]) -> Query:
    """Every document of ``kinds`` with one of these content hashes: id, source_id, published_at,
    content_hash (the exact copies of a text, to find its earliest)."""
    return Query(
        "SELECT id, source_id, published_at, content_hash FROM documents "
        "WHERE content_hash IN (SELECT unnest(CAST($hashes AS VARCHAR[]))) "
        "AND kind IN (SELECT unnest(CAST($kinds AS VARCHAR[]))) ORDER BY id",
        {"hashes": list(hashes), "kinds": list(kinds)})


@read("link.minhash_candidates", tables=("minhash_bands",))
def minhash_candidates(hashes: Sequence[str]) -> Query:
    """Near-copy candidates of these texts: (a, b) content hashes sharing a MinHash band bucket, a
    one of ``hashes`` and b any other stored text."""
    return Query(
        "SELECT DISTINCT n.content_hash AS a, o.content_hash AS b FROM minhash_bands AS n "
        "JOIN minhash_bands AS o ON o.band = n.band AND o.bucket = n.bucket AND o.content_hash <> n.content_hash "
        "WHERE n.content_hash IN (SELECT unnest(CAST($hashes AS VARCHAR[]))) ORDER BY a, b",
        {"hashes": list(hashes)})


@read("link.banded_hashes", tables=("minhash_bands",))
def banded_hashes(hashes: Sequence[str]) -> Query:
    """Which of these content hashes have their MinHash bands stored already (``content_hash``)."""
    return Query("SELECT DISTINCT content_hash FROM minhash_bands "
                 "WHERE content_hash IN (SELECT unnest(CAST($hashes AS VARCHAR[])))", {"hashes": list(hashes)})


# -- links ------------------------------------------------------------------------------------------


@read("link.links_touching", tables=("links",))
def links_touching(ids: Sequence[str], kinds: Sequence[str], prefixes: Sequence[str]) -> Query:
    """Links of ``kinds`` from or to these documents whose evidence starts with one of ``prefixes``
    (what one linker wrote): from_id, to_id, to_url, kind, score, evidence."""
    return Query(
        "SELECT l.from_id, l.to_id, l.to_url, l.kind, l.score, l.evidence FROM links AS l "
        "WHERE (l.from_id IN (SELECT unnest(CAST($ids AS VARCHAR[]))) "
        "OR l.to_id IN (SELECT unnest(CAST($ids AS VARCHAR[])))) "
        "AND l.kind IN (SELECT unnest(CAST($kinds AS VARCHAR[]))) "
        "AND EXISTS (SELECT 1 FROM unnest(CAST($prefixes AS VARCHAR[])) AS p(x) "
        "WHERE left(l.evidence, length(p.x)) = p.x) ORDER BY l.from_id, l.to_id, l.kind",
        {"ids": list(ids), "kinds": list(kinds), "prefixes": list(prefixes)})


@read("link.links_from", tables=("links",))
def links_from(ids: Sequence[str] | None, kind: str) -> Query:
    """Links of ``kind`` from these documents (None: all of that kind): from_id, to_id, to_url,
    kind, score, evidence."""
    params: dict[str, Any] = {"kind": kind}
    where = _in("from_id", "ids", ids, params)
    return Query("SELECT from_id, to_id, to_url, kind, score, evidence FROM links "
                 f"WHERE kind = $kind{where} ORDER BY from_id, to_id", params)


@read("link.attributions", tables=("attributions", "documents"))
def attributions(ids: Sequence[str] | None) -> Query:
    """Resolved attributions from or to these documents (None: all): from_id, to_id, evidence and
    both documents' languages."""
    params: dict[str, Any] = {}
    touching = ""
    if ids is not None:
        params["ids"] = list(ids)
        touching = (" AND (a.from_id IN (SELECT unnest(CAST($ids AS VARCHAR[]))) "
                    "OR a.to_id IN (SELECT unnest(CAST($ids AS VARCHAR[]))))")
    return Query(
        "SELECT a.from_id, a.to_id, a.evidence, f.language AS from_lang, t.language AS to_lang "
        "FROM attributions AS a JOIN documents AS f ON f.id = a.from_id JOIN documents AS t ON t.id = a.to_id "
        f"WHERE a.to_id IS NOT NULL AND a.to_id <> a.from_id{touching} ORDER BY a.from_id, a.to_id", params)


@read("link.story_links", tables=("links", "attributions", "documents"))
def story_links(ids: Sequence[str] | None, link_kinds: Sequence[str], kinds: Sequence[str]) -> Query:
    """The links that merge stories: (from_id, to_id) of ``link_kinds`` links and of resolved
    attributions, both ends documents of ``kinds``, with an end among ``ids`` (None: all)."""
    params: dict[str, Any] = {"link_kinds": list(link_kinds), "kinds": list(kinds)}
    touching = ""
    if ids is not None:
        params["ids"] = list(ids)
        touching = (" AND (e.from_id IN (SELECT unnest(CAST($ids AS VARCHAR[]))) "
                    "OR e.to_id IN (SELECT unnest(CAST($ids AS VARCHAR[]))))")
    return Query(
        "SELECT e.from_id, e.to_id FROM ("
        "SELECT from_id, to_id FROM links WHERE kind IN (SELECT unnest(CAST($link_kinds AS VARCHAR[]))) "
        "AND to_id IS NOT NULL UNION SELECT from_id, to_id FROM attributions WHERE to_id IS NOT NULL) AS e "
        "JOIN documents AS f ON f.id = e.from_id JOIN documents AS t ON t.id = e.to_id "
        "WHERE f.kind IN (SELECT unnest(CAST($kinds AS VARCHAR[]))) "
        f"AND t.kind IN (SELECT unnest(CAST($kinds AS VARCHAR[]))){touching} ORDER BY e.from_id, e.to_id", params)


@read("link.links_by_kind", tables=("links",))
def links_by_kind() -> Query:
    """Links in the store per kind: kind, n."""
    return Query("SELECT kind, count(*) AS n FROM links GROUP BY kind ORDER BY kind")


@read("link.summary", tables=("embeddings", "stories"))
def summary() -> Query:
    """One row: embeddings stored, story clusters, clusters of two documents or more."""
    return Query(
        "SELECT (SELECT count(*) FROM embeddings) AS embeddings, "
        "(SELECT count(*) FROM (SELECT DISTINCT story_id FROM stories) AS s) AS stories, "
        "(SELECT count(*) FROM (SELECT story_id FROM stories GROUP BY story_id HAVING count(*) > 1) AS m) "
        "AS multi_document_stories")


# -- embeddings and what linkers read of documents --------------------------------------------------


@read("link.missing_embeddings", tables=("documents", "embeddings"))
def missing_embeddings(ids: Sequence[str] | None, model: str, kinds: Sequence[str] | None = None) -> Query:
    """Documents among ``ids`` (None: every one of ``kinds``) without a vector of ``model``: id,
    title, text."""
    params: dict[str, Any] = {"model": model}
    where = _in("d.id", "ids", ids, params) + _in("d.kind", "kinds", kinds, params)
    # Only the vectors of the ids asked are looked for: a filtered scan, not a join with all of them.
    among = "" if ids is None else " AND e.document_id IN (SELECT unnest(CAST($ids AS VARCHAR[])))"
    return Query(
        f"SELECT d.id, d.title, d.text FROM documents AS d WHERE true{where} AND d.id NOT IN ("
        f"SELECT e.document_id FROM embeddings AS e WHERE e.model = $model{among}) ORDER BY d.id", params)


@read("link.embedded_documents", tables=("documents", "embeddings"))
def embedded_documents(model: str, kinds: Sequence[str] | None = None, ids: Sequence[str] | None = None,
                       start: datetime | None = None, end: datetime | None = None, undated: bool = False) -> Query:
    """id, published_at and ``model`` vector of documents of ``kinds``: those in ``ids`` (None:
    all), published in [start, end) when given, only the undated ones with ``undated``."""
    params: dict[str, Any] = {"model": model}
    where = _in("id", "ids", ids, params) + _in("kind", "kinds", kinds, params)
    if start is not None:
        params["start"] = start
        where += " AND published_at >= $start"
    if end is not None:
        params["end"] = end
        where += " AND published_at < $end"
    if undated:
        where += " AND published_at IS NULL"
    # The vectors are filtered by the same documents before the join: joined whole, reading every
    # vector of a 100,000-document store was most of an incremental link run.
    return Query(
        f"SELECT d.id, d.published_at, e.vector FROM (SELECT id, published_at FROM documents WHERE true{where}) AS d "
        "JOIN (SELECT document_id, vector FROM embeddings WHERE model = $model AND document_id IN "
        f"(SELECT id FROM documents WHERE true{where})) AS e ON e.document_id = d.id ORDER BY d.id", params)


@read("link.metas", tables=("documents",))
def metas(ids: Sequence[str] | None, kinds: Sequence[str] | None = None, chars: int = 400) -> Query:
    """What translations and stories know of a document besides its vector: id, language,
    language_confidence, published_at and the first ``chars`` characters of title + text (its script)."""
    params: dict[str, Any] = {"chars": int(chars)}
    where = _in("id", "ids", ids, params) + _in("kind", "kinds", kinds, params)
    return Query(
        "SELECT id, language, language_confidence, published_at, "
        "left(coalesce(title, '') || ' ' || coalesce(text, ''), $chars) AS head "
        f"FROM documents WHERE true{where} ORDER BY id", params)


@read("link.embedded_texts", tables=("documents",))
def embedded_texts(ids: Sequence[str] | None, kinds: Sequence[str] | None = None, chars: int = 4000) -> Query:
    """id, title and the first ``chars`` characters of the text (the lead is in them): what a
    document's embedding is made from."""
    params: dict[str, Any] = {"chars": int(chars)}
    where = _in("id", "ids", ids, params) + _in("kind", "kinds", kinds, params)
    return Query(f"SELECT id, title, left(text, $chars) AS text FROM documents WHERE true{where} ORDER BY id", params)


@read("link.texts", tables=("documents",))
def texts(ids: Sequence[str]) -> Query:
    """id and whole text of these documents (the sentence alignment of candidate translations)."""
    return Query("SELECT id, text FROM documents WHERE id IN (SELECT unnest(CAST($ids AS VARCHAR[]))) ORDER BY id",
                 {"ids": list(ids)})


@read("link.account_posts", tables=("documents", "sources"))
def account_posts(platforms: Sequence[str], handles: Sequence[str], skip_reposts: bool,
                  ids: Sequence[str] | None = None, start: datetime | None = None,
                  end: datetime | None = None) -> Query:
    """Dated posts and press releases of these accounts (platform, handle pairs, lower case): id,
    source_id, published_at, body; among ``ids`` and published in (start, end] when given."""
    params: dict[str, Any] = {"platforms": list(platforms), "handles": list(handles)}
    where = _in("d.id", "ids", ids, params)
    if skip_reposts:
        where += " AND coalesce(d.content_type, '') <> 'repost'"
    if start is not None:
        params["start"] = start
        where += " AND d.published_at > $start"
    if end is not None:
        params["end"] = end
        where += " AND d.published_at <= $end"
    return Query(
        "SELECT d.id, d.source_id, d.published_at, coalesce(d.title, '') || chr(10) || d.text AS body "
        "FROM documents AS d JOIN sources AS s ON s.id = d.source_id "
        "JOIN (SELECT unnest(CAST($platforms AS VARCHAR[])) AS platform, "
        "unnest(CAST($handles AS VARCHAR[])) AS handle) AS a "
        "ON lower(s.platform) = a.platform AND lower(s.handle) = a.handle "
        f"WHERE d.kind IN ('post', 'press_release') AND d.published_at IS NOT NULL{where} "
        "ORDER BY d.published_at, d.id", params)


# -- similar pairs ----------------------------------------------------------------------------------


@read("link.pairs_in_blocks", tables=("similar_pairs",))
def pairs_in_blocks(linker: str, blocks: Sequence[int], undated: bool = False) -> Query:
    """The similar pairs the linker stored for these day blocks (and the undated block with
    ``undated``): a, b, cosine, block."""
    undated_block = " OR block IS NULL" if undated else ""
    return Query(
        "SELECT a, b, cosine, block FROM similar_pairs WHERE linker = $linker "
        f"AND (block IN (SELECT unnest(CAST($blocks AS BIGINT[]))){undated_block}) ORDER BY a, b",
        {"linker": linker, "blocks": [int(b) for b in blocks]})


@read("link.pairs_touching", tables=("similar_pairs",))
def pairs_touching(linker: str, ids: Sequence[str]) -> Query:
    """The similar pairs the linker stored with one of these documents: a, b, cosine."""
    return Query(
        "SELECT a, b, cosine FROM similar_pairs WHERE linker = $linker "
        "AND (a IN (SELECT unnest(CAST($ids AS VARCHAR[]))) OR b IN (SELECT unnest(CAST($ids AS VARCHAR[])))) "
        "ORDER BY a, b", {"linker": linker, "ids": list(ids)})


# -- the story clusterer's word counts --------------------------------------------------------------


@read("link.word_counts", tables=("story_words",))
def word_counts(words: Sequence[str]) -> Query:
    """How many linked news documents have each of these words in title + lead: word, df."""
    return Query("SELECT word, df FROM story_words WHERE word IN (SELECT unnest(CAST($words AS VARCHAR[])))",
                 {"words": list(words)})


@read("link.words_counted_between", tables=("story_words",))
def words_counted_between(low: int, high: int) -> Query:
    """Words in more than ``low`` and at most ``high`` documents (``word``): those whose rarity
    changes when the rare-word cut moves from ``low`` to ``high``."""
    return Query("SELECT word FROM story_words WHERE df > $low AND df <= $high ORDER BY word",
                 {"low": int(low), "high": int(high)})


@read("link.short_documents_with", tables=("story_short_words",))
def short_documents_with(words: Sequence[str]) -> Query:
    """Short texts (headlines) with one of these words (``document_id``)."""
    return Query("SELECT DISTINCT document_id FROM story_short_words "
                 "WHERE word IN (SELECT unnest(CAST($words AS VARCHAR[]))) ORDER BY document_id",
                 {"words": list(words)})
