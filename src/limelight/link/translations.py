"""Translated republications → ``translation`` links, explicit attribution first.

1. **Attribution.** A document whose ``Quelle:``/``Source:``/``Nguồn:`` line or foreign canonical
   URL resolves to a stored document (the store's ``attributions`` view) is linked to it: as a
   ``translation`` when the languages differ, as ``syndication`` when they are the same. Score 1.0,
   the attribution line is the evidence.
2. **Cross-lingual similarity.** Title + lead of every news document is embedded once
   (``embeddings.model``, stored in ``embeddings``; only documents without a vector are computed).
   Pairs come from :func:`limelight.link.ann.similar_pairs` (time blocking ± ``WINDOW_DAYS``, exact
   search in small windows, random-hyperplane LSH in large ones), never from all pairs. A candidate pair becomes a
   translation when the languages differ, the cosine reaches ``link.translation_threshold``, and
   each document is the other's best match in that language: coverage of one event in four
   languages is similar too, but only a translation is *the* counterpart of its original.
   "The languages differ" needs evidence (:func:`languages_differ`): two texts in different
   scripts (Han and Latin), or two language tags lingua was sure of (``language_confidence`` ≥
   ``MIN_LANGUAGE_CONFIDENCE``). Tags of short texts are unreliable: 59 "translations" on a real
   corpus joined English Reuters headlines tagged de or fr (issue #8).
3. **Sentence alignment** (``link.verify_translations``, on by default). Independent articles about
   one event still pass step 2 (half of SemEval-2022's "very similar" cross-lingual pairs do), so a
   candidate is kept only when most sentences of both texts align in order
   (:mod:`limelight.link.alignment`); the evidence says how many did.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from limelight.enrich.language import UNDETERMINED
from limelight.link.alignment import Alignment, align_pairs
from limelight.link.ann import similar_pairs
from limelight.link.base import (
    NEWS_KINDS,
    SCRIPT_SAMPLE_CHARS,
    day_number,
    earlier_first,
    ensure_embeddings,
    report,
    script_of,
)
from limelight.models import Link
from limelight.registry import Registry
from limelight.settings import Settings
from limelight.store.base import Store
from limelight.watchlist import Watchlist

# A republication appears within days of its original (the sample's within 2, wires within hours).
WINDOW_DAYS = 7.0
# How sure lingua must be of both tags when two texts share a script (de and en are both Latin).
# Of 3,000 real Reuters headlines (2015-08-31..09-27), 60 were not tagged English: the 5 truly
# French or Spanish ones had confidences 0.87-0.997, 53 mis-tagged ones 0.33-0.73, one English
# headline 0.958 ("UPDATE 2-Deutsche Wohnen offers to buy peer LEG Immobilien"), one was "und".
# 96% of 2,000 German headlines reach 0.8.
MIN_LANGUAGE_CONFIDENCE = 0.8
_NEWS = f"d.kind IN ({', '.join(repr(k) for k in NEWS_KINDS)})"


@dataclass(frozen=True, slots=True)
class Meta:
    id: str
    language: str | None
    day: float | None
    # lingua's confidence in ``language``; None where no detector set it (then the tag is taken as given)
    confidence: float | None = None
    script: str | None = None  # base.script_of(title + text); None: unknown


def languages_differ(a: Meta, b: Meta, min_confidence: float = MIN_LANGUAGE_CONFIDENCE) -> bool:
    """Whether the evidence says ``a`` and ``b`` are in different languages: both tagged, the tags
    differ, and either the scripts differ or both tags are confident. Two texts in one script with
    an unsure tag are taken to be in the same language: a wrong link costs more than a missed one."""
    if a.language in (None, UNDETERMINED) or b.language in (None, UNDETERMINED) or a.language == b.language:
        return False
    if a.script is not None and b.script is not None and a.script != b.script:
        return True
    return all(m.confidence is None or m.confidence >= min_confidence for m in (a, b))


def attribution_links(store: Store) -> list[Link]:
    rows: list[dict[str, Any]] = store.query("""
        SELECT a.from_id, a.to_id, a.evidence, f.language AS from_lang, t.language AS to_lang
        FROM attributions AS a
        JOIN documents AS f ON f.id = a.from_id
        JOIN documents AS t ON t.id = a.to_id
        WHERE a.to_id IS NOT NULL AND a.to_id <> a.from_id
        ORDER BY a.from_id, a.to_id
    """).to_pylist()
    links = []
    for r in rows:
        same = r["from_lang"] is not None and r["from_lang"] == r["to_lang"]
        links.append(Link(from_id=r["from_id"], to_id=r["to_id"], kind="syndication" if same else "translation",
                          score=1.0, evidence=f"attribution: {r['evidence']}"))
    return links


Verifier = Callable[[Sequence[tuple[str, str]]], dict[tuple[str, str], Alignment]]


def similar_translations(metas: list[Meta], vectors: np.ndarray, threshold: float,
                         window_days: float = WINDOW_DAYS, verify: Verifier | None = None) -> list[Link]:
    """Translation links from embeddings (used by the linker and the benchmark). With ``verify``
    (document id pairs → their sentence alignment) a candidate must also align sentence by sentence."""
    pairs = similar_pairs(vectors, [m.day for m in metas], window_days, threshold)
    # best[(doc, other language)] = (cosine, partner): the mutual-best check below.
    best: dict[tuple[int, str], tuple[float, int]] = {}
    scored: list[tuple[int, int, float]] = []
    for (i, j), cos in pairs.items():
        a, b = metas[i], metas[j]
        if not languages_differ(a, b):
            continue
        scored.append((i, j, cos))
        for x, y in ((i, j), (j, i)):
            key = (x, metas[y].language or "")
            if key not in best or cos > best[key][0]:
                best[key] = (cos, y)
    candidates: list[tuple[Meta, Meta, float]] = []
    for i, j, cos in sorted(scored):
        a, b = metas[i], metas[j]
        if best[(i, b.language or "")][1] != j or best[(j, a.language or "")][1] != i:
            continue
        later, earlier = (b, a) if earlier_first((a.day, a.id), (b.day, b.id)) else (a, b)
        candidates.append((later, earlier, cos))
    checked = verify([(x.id, y.id) for x, y, _ in candidates]) if verify and candidates else {}
    links = []
    for later, earlier, cos in candidates:
        evidence = f"title+lead embedding cosine {cos:.3f} ({later.language}→{earlier.language}), mutual best match"
        alignment = checked.get((later.id, earlier.id))
        if verify is not None:
            if alignment is None or not alignment.is_translation:
                continue
            evidence += f"; {alignment.describe()}"
        links.append(Link(from_id=later.id, to_id=earlier.id, kind="translation", score=round(cos, 4),
                          evidence=evidence))
    return links


def sentence_verifier(store: Store, settings: Settings) -> Verifier:
    """Aligns candidate pairs on their stored texts, sentences embedded with ``embeddings.model``."""
    from limelight.enrich.embeddings import get_embedder

    embedder = get_embedder(str(settings["embeddings.model"]))
    stage = "aligning sentences of candidate translations"

    def embed(sentences: list[str], batch: int = 256) -> np.ndarray:
        # in batches, so `limelight link` can show how far the sentence embedding has got
        parts = []
        for start in range(0, len(sentences), batch):
            report(stage, start, len(sentences))
            parts.append(embedder.passages(sentences[start:start + batch]))
        report(stage, len(sentences), len(sentences))
        return np.concatenate(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)

    def verify(pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Alignment]:
        ids = sorted({d for pair in pairs for d in pair})
        rows = store.query("SELECT id, text FROM documents WHERE id IN (SELECT unnest(?::VARCHAR[]))", [ids])
        texts = {r["id"]: r["text"] or "" for r in rows.to_pylist()}
        return align_pairs(pairs, texts, embed)

    return verify


def load_metas(store: Store, ids: list[str]) -> list[Meta]:
    rows = store.query(f"""
        SELECT id, language, language_confidence, published_at,
               left(coalesce(title, '') || ' ' || coalesce(text, ''), {SCRIPT_SAMPLE_CHARS}) AS head
        FROM documents AS d WHERE {_NEWS}""").to_pylist()
    by_id = {r["id"]: Meta(r["id"], r["language"], day_number(r["published_at"]), r["language_confidence"],
                           script_of(r["head"])) for r in rows}
    return [by_id[i] for i in ids]


class TranslationLinker:
    name = "translations"
    version = "1"
    title = "Translated republications: attribution first, then cross-lingual embedding similarity"
    requires: tuple[str, ...] = ("documents", "attributions", "embeddings")
    provides: tuple[str, ...] = ("links:translation", "embeddings")

    def run(self, store: Store, settings: Settings, watchlist: Watchlist, run_id: str = "link") -> int:
        written = store.write_links(attribution_links(store), run_id)
        ids, vectors, _ = ensure_embeddings(store, settings, _NEWS)
        verify = sentence_verifier(store, settings) if settings["link.verify_translations"] else None
        links = similar_translations(load_metas(store, ids), vectors, float(settings["link.translation_threshold"]),
                                     verify=verify)
        return written + store.write_links(links, run_id)


def register(registry: Registry) -> None:
    registry.register("linker", TranslationLinker())
