"""Lexicon scorers: VADER (en), textblob-de, textblob-fr (pattern lexicons) and SnowNLP (zh).

Fast and offline, but near chance on news (docs/tone.md): news is written to sound neutral and the
lexicons were built on reviews and social media. They stay as cheap baselines and for projects
that prefer explainable word lists.

The neutral bands are the libraries' own conventions (VADER's ±0.05 on the compound score), or
plain round numbers where there is none; they were *not* tuned on our evaluation sets. Each score
is mapped onto limelight's scale (:func:`limelight.tone.labels.rescale`: the band becomes ±0.2), so
the one labelling rule gives the label the library's own band would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from limelight.registry import Registry
from limelight.settings import Settings
from limelight.tone.labels import labelled, rescale


class _Lexicon:
    name = ""
    title = ""
    version = "1"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("tone",)
    languages: tuple[str, ...] = ()
    neutral_band = 0.1  # on the library's own scale

    def __init__(self) -> None:
        self._impl: Any = None

    def setup(self, settings: Settings, root: Path | None = None) -> None:
        self._load()

    def _load(self) -> Any:
        if self._impl is None:
            self._impl = self._build()
        return self._impl

    def _build(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _tone(self, text: str) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def score(self, texts: list[str], language: str) -> list[tuple[float, str]]:
        self._load()
        out = []
        for text in texts:
            native = self._tone(text) if text.strip() else 0.0
            out.append(labelled(rescale(native, self.neutral_band)))
        return out


class Vader(_Lexicon):
    name = "vader"
    title = "VADER lexicon (English)"
    languages = ("en",)
    neutral_band = 0.05  # VADER's documented threshold on the compound score

    def _build(self) -> Any:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        return SentimentIntensityAnalyzer()

    def _tone(self, text: str) -> float:
        return float(self._impl.polarity_scores(text)["compound"])


class TextBlobDE(_Lexicon):
    name = "textblob-de"
    title = "textblob-de pattern lexicon (German)"
    languages = ("de",)

    def _build(self) -> Any:
        # PatternTokenizer: textblob-de's default tokenizer needs NLTK's punkt, a download (DESIGN.md).
        from textblob_de import PatternTokenizer
        from textblob_de.sentiments import PatternAnalyzer

        return PatternTokenizer(), PatternAnalyzer()

    def _tone(self, text: str) -> float:
        from textblob_de import TextBlobDE as Blob

        tokenizer, analyzer = self._impl
        return float(Blob(text, tokenizer=tokenizer, analyzer=analyzer).sentiment.polarity)


class TextBlobFR(_Lexicon):
    name = "textblob-fr"
    title = "textblob-fr pattern lexicon (French)"
    languages = ("fr",)

    def _build(self) -> Any:
        from textblob_fr import PatternAnalyzer

        return PatternAnalyzer()

    def _tone(self, text: str) -> float:
        # The analyzer reads the raw string: no TextBlob tokenisation, so no NLTK data is touched.
        polarity, _subjectivity = self._impl.analyze(text)
        return float(polarity)


class SnowNLP(_Lexicon):
    name = "snownlp"
    title = "SnowNLP naive Bayes (Chinese)"
    languages = ("zh",)
    # SnowNLP gives P(positive) from a review-trained model, extreme on most text: a wide band.
    neutral_band = 0.4

    def _build(self) -> Any:
        from snownlp import SnowNLP as Snow

        return Snow

    def _tone(self, text: str) -> float:
        return 2.0 * float(self._impl(text).sentiments) - 1.0


def register(registry: Registry) -> None:
    for cls in (Vader, TextBlobDE, TextBlobFR, SnowNLP):
        registry.register("scorer", cls())
