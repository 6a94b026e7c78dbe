"""Language identification with lingua, restricted to the configured languages.

Restricting lingua to ``settings["languages"]`` makes it both faster and more accurate (it cannot
pick a language the project never sees). The detector is built once per process; the models of
the configured languages are preloaded so the first documents do not pay for lazy loading inside
a worker (with six languages that is ~100 MB and about a second at start-up).

Only the title and the first :data:`MAX_CHARS` characters of the text are read: lingua's accuracy
is flat beyond a few hundred characters and its cost grows with the length.

:func:`detect_languages` is the batch entry point for bulk ingest (a million short posts): it
uses lingua's multi-threaded ``compute_language_confidence_values_in_parallel``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from lingua import ConfidenceValue, IsoCode639_1, LanguageDetector, LanguageDetectorBuilder

from limelight.enrich.base import EnrichContext
from limelight.errors import ConfigError
from limelight.models import Enriched, evolve
from limelight.registry import Registry
from limelight.settings import SETTINGS

MAX_CHARS = 1000
_DEFAULT_LANGUAGES: tuple[str, ...] = tuple(next(s.default for s in SETTINGS if s.name == "languages"))


@lru_cache(maxsize=8)
def build_detector(
    languages: tuple[str, ...] = _DEFAULT_LANGUAGES, preload: bool = True, low_accuracy: bool = False,
) -> LanguageDetector:
    """A lingua detector for these ISO 639-1 codes (cached: one per process and language set).

    ``low_accuracy`` trades accuracy on short texts for speed (measured on 2 cores with six
    languages: ~2.5x faster, first-five-words accuracy 0.975 → 0.944); full texts barely change.
    """
    codes = []
    for code in languages:
        try:
            codes.append(IsoCode639_1.from_str(code.lower()))
        except ValueError:
            raise ConfigError(f"language code {code!r} is not an ISO 639-1 code lingua knows",
                              "use two-letter codes such as de, en, vi, zh in `languages`") from None
    if len(codes) < 2:
        raise ConfigError("language ID needs at least two languages", "list two or more in `languages`")
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    if preload:
        builder = builder.with_preloaded_language_models()
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    return builder.build()


def _sample(title: str | None, text: str) -> str:
    return f"{title}\n{text[:MAX_CHARS]}" if title else text[:MAX_CHARS]


UNDETERMINED = "und"  # ISO 639-2 / BCP 47 for "undetermined": detection ran and could not decide
# Restricted to the configured languages, lingua must choose one of them: Portuguese, Italian and
# Indonesian pages came out as es with confidence 1.000. A second detector that also knows these
# common web languages tells "none of the configured" apart. It runs in lingua's low-accuracy mode
# (trigrams only: fast, small) and only on texts long enough for that mode to be reliable; on short
# English headlines it reads a fifth of them as Tagalog, Danish or Dutch.
GUARD_LANGUAGES = ("it", "pt", "nl", "id", "ms", "tr", "pl", "ro", "sv", "da", "nb", "fi", "cs", "hu", "ca",
                   "tl", "ru", "ja", "ko", "ar", "hr", "sk", "sl", "lt", "lv", "et", "sw", "af")
GUARD_MIN_CHARS = 120
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff]")
GUARD_MIN_CONFIDENCE = 0.5


@lru_cache(maxsize=8)
def build_guard(languages: tuple[str, ...] = _DEFAULT_LANGUAGES) -> LanguageDetector | None:
    """The configured languages plus :data:`GUARD_LANGUAGES`, low-accuracy mode; None when every
    guard language is configured already."""
    configured = {c.lower() for c in languages}
    extra = [c for c in GUARD_LANGUAGES if c not in configured]
    if not extra:
        return None
    codes = [IsoCode639_1.from_str(c) for c in (*sorted(configured), *extra)]
    return (LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_preloaded_language_models()
            .with_low_accuracy_mode().build())


def _code(value: ConfidenceValue) -> str:
    return str(value.language.iso_code_639_1.name.lower())


def _best(values: Sequence[ConfidenceValue], min_confidence: float) -> tuple[str | None, float]:
    """The configured language with the highest confidence, or :data:`UNDETERMINED` below
    ``min_confidence`` (a short text that fits several languages says so instead of guessing)."""
    if not values:
        return UNDETERMINED, 0.0
    top = values[0]
    if top.value <= 0.0 or top.value < min_confidence:
        return UNDETERMINED, float(top.value)
    return _code(top), float(top.value)


class LanguageIdentifier:
    """Language ID as limelight does it everywhere (ingest, eval): lingua restricted to the
    configured languages; ``und`` for a text that is none of them (the guard detector, on texts of
    :data:`GUARD_MIN_CHARS` or more) or whose best confidence is below ``min_confidence``; ``None``
    for an empty text."""

    def __init__(self, languages: Sequence[str] = _DEFAULT_LANGUAGES, min_confidence: float = 0.0) -> None:
        self.languages = tuple(languages)
        self.detector = build_detector(self.languages)
        self.guard = build_guard(self.languages)
        self.min_confidence = min_confidence
        self._configured = {c.lower() for c in self.languages}

    def detect(self, texts: Sequence[str]) -> list[tuple[str | None, float]]:
        clipped = [t[:MAX_CHARS] for t in texts]
        results = self.detector.compute_language_confidence_values_in_parallel(clipped) if clipped else []
        out = [_best(vals, self.min_confidence) if t.strip() else (None, 0.0)
               for t, vals in zip(clipped, results, strict=True)]
        for i, (code, conf) in enumerate(out):
            # Kana or Hangul decide at once: Chinese uses neither, and lingua restricted to zh reads
            # Japanese and Korean as Chinese whatever their length.
            if code == "zh" and "ja" not in self._configured and len(_KANA_HANGUL.findall(clipped[i])) >= 3:
                out[i] = (UNDETERMINED, conf)
        long = [i for i, t in enumerate(clipped)
                if len(t) >= GUARD_MIN_CHARS and out[i][0] not in (None, UNDETERMINED, "zh")]
        if self.guard is not None and long:
            for i, vals in zip(long, self.guard.compute_language_confidence_values_in_parallel(
                    [clipped[i] for i in long]), strict=True):
                if vals and _code(vals[0]) not in self._configured and vals[0].value >= GUARD_MIN_CONFIDENCE:
                    out[i] = (UNDETERMINED, out[i][1])
        return out


def detect_language(
    text: str, detector: LanguageDetector | None = None, min_confidence: float = 0.0,
) -> tuple[str | None, float]:
    """``(code, confidence)`` for one text: restricted detection only, without the guard; code is ``und``
    below ``min_confidence``, None for an empty text."""
    detector = detector or build_detector()
    if not text.strip():
        return None, 0.0
    return _best(detector.compute_language_confidence_values(text[:MAX_CHARS]), min_confidence)


def detect_languages(texts: list[str], languages: Sequence[str] = _DEFAULT_LANGUAGES,
                     min_confidence: float = 0.0) -> list[tuple[str | None, float]]:
    """:meth:`LanguageIdentifier.detect` with a cached identifier."""
    return _identifier(tuple(languages), min_confidence).detect(texts)


@lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...], min_confidence: float) -> LanguageIdentifier:
    return LanguageIdentifier(languages, min_confidence)


class LanguageEnricher:
    name = "language"
    version = "1"
    title = "Language identification (lingua)"
    requires: tuple[str, ...] = ("document.text",)
    provides: tuple[str, ...] = ("document.language",)

    def __init__(self) -> None:
        self._identifier: LanguageIdentifier | None = None

    def setup(self, ctx: EnrichContext) -> None:
        self._identifier = _identifier(tuple(ctx.settings["languages"]), float(ctx.settings["language.min_confidence"]))

    def __call__(self, item: Enriched) -> Enriched:
        return self.batch([item])[0]

    def batch(self, items: list[Enriched]) -> list[Enriched]:
        """Many documents at once on lingua's thread pool (about 1.7× the one-by-one rate on
        short posts); the pipeline calls this for each chunk when it exists."""
        if self._identifier is None:
            raise RuntimeError("LanguageEnricher.setup() was not called")
        found = self._identifier.detect([_sample(i.document.title, i.document.text) for i in items])
        return [
            evolve(i, document=evolve(i.document, language=code, language_confidence=round(conf, 4)))
            for i, (code, conf) in zip(items, found, strict=True)
        ]


def register(registry: Registry) -> None:
    registry.register("enricher", LanguageEnricher())
