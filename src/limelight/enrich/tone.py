"""Tone per mention and per document.

For each document the scorer is picked by language: ``settings["tone.scorers"]`` first, else
:data:`DEFAULT_SCORERS` (the best measured per language, docs/tone.md), else ``embedding``
(multilingual). A mention is scored on the clause around the entity (:func:`mention_clause`), so
"A beat forecasts, while B missed them" gives A and B different tones; the document on its title
plus lead, or a post on its text.

``batch`` scores a whole chunk at once: texts are grouped by scorer and language and each distinct
text is scored once (embedding is the costly step, ~50 ms per sentence on 2 cores). The label stored
beside a tone is always :func:`limelight.tone.labels.label_for` of it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from limelight.enrich.base import EnrichContext
from limelight.errors import ConfigError
from limelight.models import Document, Enriched, Mention, evolve
from limelight.registry import Registry, registry
from limelight.tone import Scorer, supports
from limelight.tone.labels import labelled

log = logging.getLogger(__name__)

# Best measured scorer per language: highest macro-F1 averaged over that language's sets (docs/tone.md).
# de and zh go to the anchors on the strength of their review/feedback sets (GermEval, ChnSentiCorp);
# on their news-like sets (GerNTSA, FinFE) `embedding` is ahead. fr and es have no labelled sets in
# ../shared/data: they get `embedding`, the best scorer on the other languages' mean.
DEFAULT_SCORERS: dict[str, str] = {
    "de": "embedding-anchors", "en": "embedding", "vi": "embedding", "zh": "embedding-anchors",
    "fr": "embedding", "es": "embedding",
}
FALLBACK_SCORER = "embedding"
DOC_CHARS = 600  # title + lead (or post text) is cut here: the head of a text carries its tone
CACHE_SIZE = 20_000  # distinct (scorer, language, text) results kept per process

# Clause boundaries: punctuation and contrastive conjunctions in our languages. A clause shorter
# than MIN_CLAUSE_CHARS says too little on its own, and the whole sentence is used instead.
_CLAUSE_SPLIT = re.compile(
    r"[;:–—()，；：、]|,(?!\d)|\s(?:but|while|whereas|although|aber|doch|während|jedoch|mais|tandis que|"
    r"alors que|pero|mientras|aunque|nhưng|trong khi|song)\s|但是|但|而且|然而|而",
    re.IGNORECASE,
)
MIN_CLAUSE_CHARS = 16


def mention_clause(sentence: str, start: int, end: int) -> str:
    """The clause of ``sentence`` around ``[start, end)``; the sentence when the clause is short."""
    left, right = 0, len(sentence)
    for m in _CLAUSE_SPLIT.finditer(sentence):
        if m.end() <= start:
            left = m.end()
        elif m.start() >= end:
            right = m.start()
            break
    clause = sentence[left:right].strip()
    min_chars = MIN_CLAUSE_CHARS // 3 if _is_cjk(clause) else MIN_CLAUSE_CHARS
    return clause if len(clause) >= min_chars else sentence.strip()


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text[:20])


def mention_text(mention: Mention) -> str:
    """The clause of the mention's evidence sentence around its surface form."""
    pos = mention.sentence.find(mention.surface) if mention.surface else -1
    if pos < 0:
        return mention.sentence
    return mention_clause(mention.sentence, pos, pos + len(mention.surface))


def document_text(doc: Document) -> str:
    """What the document's tone is read from: title + lead for articles, the text for posts."""
    if doc.kind == "post" or not doc.title:
        return doc.text[:DOC_CHARS]
    return f"{doc.title}\n{doc.lead}"[:DOC_CHARS]


class ToneEnricher:
    name = "tone"
    version = "1"
    title = "Tone per mention (clause around the entity) and per document (title + lead)"
    requires: tuple[str, ...] = ("mentions", "document.language")
    provides: tuple[str, ...] = ("mentions.tone", "document.tone")

    def __init__(self) -> None:
        self._choice: dict[str, str] = {}
        self._scorers: dict[str, Scorer] = {}
        self._settings: Any = None
        self._root: Path | None = None
        self._cache: dict[tuple[str, str, str], tuple[float, str]] = {}

    def setup(self, ctx: EnrichContext) -> None:
        self._settings = ctx.settings
        # EnrichContext has no project folder yet; a later version may add one (tone.model is relative to it).
        self._root = getattr(ctx, "root", None)
        configured = dict(ctx.settings["tone.scorers"])
        self._choice = {**DEFAULT_SCORERS, **{str(k): str(v) for k, v in configured.items()}}
        self._scorers = {}
        self._cache.clear()
        for lang, name in configured.items():  # fail early on a misspelt scorer name
            scorer = self._scorer(str(name))
            if not supports(scorer, str(lang)):
                raise ConfigError(f"tone scorer {name!r} does not support language {lang!r}",
                                  f"it supports {', '.join(scorer.languages)}; see `limelight plugins`")

    def _scorer(self, name: str) -> Scorer:
        if name not in self._scorers:
            scorer: Scorer = registry.get("scorer", name)
            scorer.setup(self._settings, self._root)
            self._scorers[name] = scorer
        return self._scorers[name]

    def scorer_for(self, language: str | None) -> str | None:
        if not language:
            return None
        return self._choice.get(language, FALLBACK_SCORER)

    def __call__(self, item: Enriched) -> Enriched:
        return self.batch([item])[0]

    def batch(self, items: list[Enriched]) -> list[Enriched]:
        """At ingest: score only when ``tone.at_ingest`` is on (see :mod:`limelight.tone.apply`)."""
        if self._settings is not None and not self._settings["tone.at_ingest"]:
            return items
        return self.score(items)

    def score(self, items: list[Enriched]) -> list[Enriched]:
        """Tone for every mention and document of ``items``, whatever ``tone.at_ingest`` says."""
        if self._settings is None:
            raise RuntimeError("ToneEnricher.setup() was not called")
        # Collect every distinct text per (scorer, language), score each group in one call.
        wanted: dict[tuple[str, str], dict[str, None]] = {}  # dict as an ordered set
        found: dict[tuple[str, str, str], tuple[float, str]] = {}
        plan: list[tuple[str, str, str, list[str]] | None] = []
        for item in items:
            lang = item.document.language
            name = self.scorer_for(lang)
            if name is None or lang is None:
                plan.append(None)
                continue
            doc_text = document_text(item.document)
            texts = [mention_text(m) for m in item.mentions]
            group = wanted.setdefault((name, lang), {})
            for t in (doc_text, *texts):
                if not t.strip():
                    continue
                hit = self._cache.get((name, lang, t))
                if hit is not None:
                    found[(name, lang, t)] = hit
                else:
                    group[t] = None
            plan.append((name, lang, doc_text, texts))
        for (name, lang), group in wanted.items():
            found.update(self._score(name, lang, list(group)))
        out = []
        for item, p in zip(items, plan, strict=True):
            if p is None:
                out.append(item)
                continue
            name, lang, doc_text, texts = p
            doc_tone = found.get((name, lang, doc_text))
            doc = evolve(item.document, tone=doc_tone[0], tone_label=doc_tone[1]) if doc_tone else item.document
            mentions = tuple(
                evolve(m, tone=r[0], tone_label=r[1]) if (r := found.get((name, lang, t))) else m
                for m, t in zip(item.mentions, texts, strict=True)
            )
            out.append(evolve(item, document=doc, mentions=mentions))
        return out

    def _score(self, name: str, lang: str, texts: list[str]) -> dict[tuple[str, str, str], tuple[float, str]]:
        if not texts:
            return {}
        results = self._scorer(name).score(texts, lang)
        if len(self._cache) + len(texts) > CACHE_SIZE:
            self._cache.clear()  # bounded memory; a cold cache only costs recomputation
        # The label is the one rule's, whatever a (third-party) scorer put beside its score.
        new = {(name, lang, t): labelled(float(r[0])) for t, r in zip(texts, results, strict=True)}
        self._cache.update(new)
        return new


def score_texts(texts: Iterable[str], language: str, scorer: str | None = None) -> list[tuple[float, str]]:
    """Library helper: tone of texts in one language with the named (or default) scorer."""
    from limelight.settings import Settings

    name = scorer or DEFAULT_SCORERS.get(language, FALLBACK_SCORER)
    plugin: Scorer = registry.get("scorer", name)
    plugin.setup(Settings.defaults(), None)
    return [labelled(float(r[0])) for r in plugin.score(list(texts), language)]


def register(registry: Registry) -> None:
    registry.register("enricher", ToneEnricher())
