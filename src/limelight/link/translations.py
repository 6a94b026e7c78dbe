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

Incrementally (:mod:`limelight.link.state`): new documents' attributions, then the similar pairs
their day blocks gain or lose (stored in ``similar_pairs``). Only documents whose pairs changed can
change their best match, so mutual best is recomputed for them (with their partners' pairs), their
links that no longer hold go and new candidates are aligned; everything else stands.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from limelight.enrich.language import UNDETERMINED
from limelight.link.alignment import Alignment, align_pairs
from limelight.link.ann import similar_pairs
from limelight.link.base import (
    NEWS_KINDS,
    SCRIPT_SAMPLE_CHARS,
    day_number,
    earlier_first,
    embedding_model,
    ensure_embeddings,
    report,
    script_of,
)
from limelight.link.state import PairChanges, fingerprint, link_readers, pairs_from_scratch, pending, update_pairs
from limelight.models import Link
from limelight.registry import Registry, check_store
from limelight.settings import Settings
from limelight.store.base import LinkUpdate, Store
from limelight.watchlist import Watchlist

# A republication appears within days of its original (the sample's within 2, wires within hours).
WINDOW_DAYS = 7.0
# How sure lingua must be of both tags when two texts share a script (de and en are both Latin).
# Of 3,000 real Reuters headlines (2015-08-31..09-27), 60 were not tagged English: the 5 truly
# French or Spanish ones had confidences 0.87-0.997, 53 mis-tagged ones 0.33-0.73, one English
# headline 0.958 ("UPDATE 2-Deutsche Wohnen offers to buy peer LEG Immobilien"), one was "und".
# 96% of 2,000 German headlines reach 0.8.
MIN_LANGUAGE_CONFIDENCE = 0.8
ATTRIBUTION_EVIDENCE = "attribution:"
SIMILARITY_EVIDENCE = "title+lead embedding cosine"
OWNED = (("translation", ATTRIBUTION_EVIDENCE), ("syndication", ATTRIBUTION_EVIDENCE),
         ("translation", SIMILARITY_EVIDENCE))


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


def attribution_links(store: Store, ids: Sequence[str] | None = None) -> list[Link]:
    """Links for the resolved attributions from or to these documents (None: all of them)."""
    links = []
    for r in store.read("link.attributions", ids=None if ids is None else list(ids)).to_pylist():
        same = r["from_lang"] is not None and r["from_lang"] == r["to_lang"]
        links.append(Link(from_id=r["from_id"], to_id=r["to_id"], kind="syndication" if same else "translation",
                          score=1.0, evidence=f"{ATTRIBUTION_EVIDENCE} {r['evidence']}"))
    return links


Verifier = Callable[[Sequence[tuple[str, str]]], dict[tuple[str, str], Alignment]]


def similar_translations(metas: list[Meta], vectors: np.ndarray, threshold: float,
                         window_days: float = WINDOW_DAYS, verify: Verifier | None = None) -> list[Link]:
    """Translation links from embeddings (used by the benchmark; the linker does the same from its
    stored pairs). With ``verify`` (document id pairs → their sentence alignment) a candidate must
    also align sentence by sentence."""
    found = similar_pairs(vectors, [m.day for m in metas], window_days, threshold)
    pairs = {_key(metas[i].id, metas[j].id): cos for (i, j), cos in found.items()}
    return translation_links(mutual_best({m.id: m for m in metas}, pairs), verify)


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def mutual_best(metas: Mapping[str, Meta], pairs: Mapping[tuple[str, str], float],
                focus: Collection[str] | None = None) -> list[tuple[Meta, Meta, float]]:
    """(later, earlier, cosine) for the similar pairs whose documents are in different languages and
    each other's best match in that language; only pairs with a document in ``focus`` (None: all),
    which then needs every pair of those documents and of their partners. A tie goes to the partner
    with the smaller id, so the choice does not depend on the order pairs were found in."""
    best: dict[tuple[str, str], tuple[float, str]] = {}
    scored: list[tuple[str, str, float]] = []
    for (a, b), cos in pairs.items():
        if not languages_differ(metas[a], metas[b]):
            continue
        scored.append((a, b, cos))
        for x, y in ((a, b), (b, a)):
            key = (x, metas[y].language or "")
            held = best.get(key)
            if held is None or cos > held[0] or (cos == held[0] and y < held[1]):
                best[key] = (cos, y)
    out = []
    for a, b, cos in sorted(scored):
        if focus is not None and a not in focus and b not in focus:
            continue
        ma, mb = metas[a], metas[b]
        if best[(a, mb.language or "")][1] != b or best[(b, ma.language or "")][1] != a:
            continue
        later, earlier = (mb, ma) if earlier_first((ma.day, ma.id), (mb.day, mb.id)) else (ma, mb)
        out.append((later, earlier, cos))
    return out


def translation_links(candidates: Sequence[tuple[Meta, Meta, float]], verify: Verifier | None) -> list[Link]:
    """The candidates that are translations: all of them, or with ``verify`` those whose sentences align."""
    checked = verify([(x.id, y.id) for x, y, _ in candidates]) if verify and candidates else {}
    links = []
    for later, earlier, cos in candidates:
        evidence = (f"{SIMILARITY_EVIDENCE} {cos:.3f} ({later.language}→{earlier.language}), "
                    "mutual best match")
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

    stage = "aligning sentences of candidate translations"

    def embed(sentences: list[str], batch: int = 256) -> np.ndarray:
        embedder = get_embedder(str(settings["embeddings.model"]))  # loaded only when a pair needs it
        # in batches, so `limelight link` can show how far the sentence embedding has got
        parts = []
        for start in range(0, len(sentences), batch):
            report(stage, start, len(sentences))
            parts.append(embedder.passages(sentences[start:start + batch]))
        report(stage, len(sentences), len(sentences))
        return np.concatenate(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)

    def verify(pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Alignment]:
        ids = sorted({d for pair in pairs for d in pair})
        texts = {r["id"]: r["text"] or "" for r in store.read("link.texts", ids=ids).to_pylist()}
        return align_pairs(pairs, texts, embed)

    return verify


def read_metas(store: Store, ids: Sequence[str] | None) -> dict[str, Meta]:
    """Language, confidence, day and script of these news documents (None: all of them)."""
    rows = store.read("link.metas", ids=None if ids is None else list(ids), kinds=list(NEWS_KINDS),
                      chars=SCRIPT_SAMPLE_CHARS).to_pylist()
    return {r["id"]: Meta(r["id"], r["language"], day_number(r["published_at"]), r["language_confidence"],
                          script_of(r["head"])) for r in rows}


def load_metas(store: Store, ids: list[str]) -> list[Meta]:
    """:func:`read_metas` for these ids, in their order."""
    by_id = read_metas(store, ids)
    return [by_id[i] for i in ids]


class TranslationLinker:
    name = "translations"
    version = "2"
    title = "Translated republications: attribution first, then cross-lingual embedding similarity"
    requires: tuple[str, ...] = ("documents", "attributions", "embeddings")
    provides: tuple[str, ...] = ("links:translation", "embeddings")
    reads: tuple[str, ...] = ("link.fingerprint", "link.pending", "link.attributions",
                              "link.metas", "link.missing_embeddings", "link.embedded_documents",
                              "link.pairs_in_blocks", "link.pairs_touching", "link.links_touching", "link.texts")

    def run(self, store: Store, settings: Settings, watchlist: Watchlist, run_id: str = "link") -> int:
        check_store(self, store)
        threshold = float(settings["link.translation_threshold"])
        verifying = bool(settings["link.verify_translations"])
        model = embedding_model(settings)
        fp = fingerprint(self.name, self.version, threshold=threshold, verify=verifying, model=model,
                         window=WINDOW_DAYS)
        # Every kind: an attribution may come from a post; the embeddings are of news documents.
        todo = pending(store, self.name, fp, None)
        if todo.nothing:
            return 0
        new_ids = [doc_id for doc_id, _ in todo.new]
        add = attribution_links(store, None if todo.full else new_ids)
        verify = sentence_verifier(store, settings) if verifying else None
        remove: list[Link] = []
        if todo.full:
            ids, vectors, _ = ensure_embeddings(store, settings, None, NEWS_KINDS)
            metas = read_metas(store, None)
            changes = pairs_from_scratch(ids, [metas[i].day for i in ids], vectors, WINDOW_DAYS, threshold)
            add += translation_links(mutual_best(metas, changes.added), verify)
        else:
            news = read_metas(store, new_ids)
            ensure_embeddings(store, settings, sorted(news), NEWS_KINDS, fetch=False)
            changes = update_pairs(store, self.name, model, NEWS_KINDS, {i: m.day for i, m in news.items()},
                                   WINDOW_DAYS, threshold)
            moved, found = self._relink(store, changes, verify)
            remove += moved
            add += found
        return store.apply_link_update(LinkUpdate(
            linker=self.name, run_id=run_id, fingerprint=fp, full=todo.full, owned=OWNED, processed=todo.todo,
            remove_links=remove, add_links=add, stale_for=link_readers(self.name), pair_blocks=changes.blocks,
            pairs=changes.rows))

    def _relink(self, store: Store, changes: PairChanges, verify: Verifier | None) -> tuple[list[Link], list[Link]]:
        """(links to remove, links to add) for the documents whose similar pairs changed: only their
        best matches can have changed. Their pairs and their partners' are read (the store's, with
        this run's changes), mutual best is taken again, and the candidates not linked yet aligned."""
        touched = changes.ends()
        if not touched:
            return [], []
        pairs = self._pairs(store, touched, changes)
        partners = {x for pair in pairs for x in pair} - touched
        if partners:
            pairs.update(self._pairs(store, partners, changes))
        metas = read_metas(store, sorted({x for pair in pairs for x in pair} | touched))
        candidates = mutual_best(metas, pairs, touched)
        stored = [Link(from_id=r["from_id"], to_id=r["to_id"], to_url=r["to_url"], kind=r["kind"], score=r["score"],
                       evidence=r["evidence"]) for r in store.read(
            "link.links_touching", ids=sorted(touched), kinds=["translation"],
            prefixes=[SIMILARITY_EVIDENCE]).to_pylist()]
        linked = {(x.from_id, x.to_id) for x in stored}
        wanted = {(later.id, earlier.id) for later, earlier, _ in candidates}
        remove = [x for x in stored if (x.from_id, x.to_id) not in wanted]
        return remove, translation_links([c for c in candidates if (c[0].id, c[1].id) not in linked], verify)

    def _pairs(self, store: Store, ids: set[str], changes: PairChanges) -> dict[tuple[str, str], float]:
        """Every pair of these documents as it stands after this run's changes."""
        rows = store.read("link.pairs_touching", linker=self.name, ids=sorted(ids)).to_pylist()
        pairs = {(str(r["a"]), str(r["b"])): float(r["cosine"]) for r in rows}
        for key in changes.removed:
            pairs.pop(key, None)
        pairs.update({k: v for k, v in changes.added.items() if k[0] in ids or k[1] in ids})
        return pairs


def register(registry: Registry) -> None:
    registry.register("linker", TranslationLinker())
