"""The one rule that turns a tone score into a label, for scorers, `tone apply`, analyses and docs.

A tone is a score in [-1, 1]; its label is ``negative`` below ``-NEUTRAL_BAND``, ``positive`` above
``+NEUTRAL_BAND`` and ``neutral`` in between (the band's ends are neutral). Nothing else in limelight
decides a label: a scorer returns ``(score, label_for(score))``, the tone enricher stores exactly
that, and the analyses count a negative mention with the same rule written in SQL
(``tone_label`` in :mod:`limelight.store.reads.analyses`, built from :data:`NEUTRAL_BAND`).

Why 0.2: for the probability scorers the expected polarity P(positive) − P(negative) with a ±0.2
band agrees most often with the likeliest class when the three probabilities are spread uniformly
over the simplex (73 % agreement; 0.1 and 0.3 give 72 %; checked by simulation, not tuned on our
labelled sets), and the analyses have read negative as "below −0.2" all along.

Scorers reach the rule in one of two ways:

- a score on a scale of its own (the lexicons: VADER's compound score is neutral within ±0.05):
  :func:`rescale` maps it monotonically so that its band becomes ±0.2, and the label is
  ``label_for`` of the result, the label the library's own band gives;
- class probabilities (the embedding scorers, a trained head, a transformers model):
  :func:`from_probabilities` keeps the likeliest class as the label (that is what
  ``limelight eval`` measured) and the expected polarity as the score, kept inside that label's
  range: a text whose likeliest class is neutral but whose expectation is −0.49 scores −0.2, one
  that is barely negative (−0.003) scores −0.2001. Labelling the expectation by the band instead
  was measured too (docs/tone.md): better on some sets, worse on others, and 0.11 lower macro-F1
  on Financial PhraseBank, so the labels stay the measured ones and the scores follow them.
"""

from __future__ import annotations

LABELS: tuple[str, str, str] = ("negative", "neutral", "positive")
NEUTRAL_BAND = 0.2
# Scores are given to 4 decimals: the first score past the band's end that is still one of them.
STEP = 1e-4


def label_for(score: float) -> str:
    """negative / neutral / positive for a tone in [-1, 1]: neutral inside ``±NEUTRAL_BAND``."""
    if score > NEUTRAL_BAND:
        return "positive"
    if score < -NEUTRAL_BAND:
        return "negative"
    return "neutral"


def labelled(score: float) -> tuple[float, str]:
    """A scorer's result for one text: the score and the label the one rule gives it."""
    return score, label_for(score)


def from_probabilities(negative: float, neutral: float, positive: float) -> tuple[float, str]:
    """(score, label) from three class probabilities: the likeliest class (ties go to the first of
    LABELS) and P(positive) − P(negative), to 4 decimals, moved into that label's range when it lies
    outside it (see the module doc), so ``label_for(score) == label`` always."""
    probs = (float(negative), float(neutral), float(positive))
    label = LABELS[max(range(3), key=lambda i: (probs[i], -i))]
    score = round(probs[2] - probs[0], 4)
    if label == "negative":
        score = min(score, -round(NEUTRAL_BAND + STEP, 4))
    elif label == "positive":
        score = max(score, round(NEUTRAL_BAND + STEP, 4))
    else:
        score = max(-NEUTRAL_BAND, min(NEUTRAL_BAND, score))
    score = max(-1.0, min(1.0, score))
    return score, label


def rescale(native: float, native_band: float) -> float:
    """A score from a scale whose neutral band is ``±native_band``, mapped monotonically onto
    [-1, 1] so that band becomes ``±NEUTRAL_BAND``: linear inside the band and linear outside it,
    joined at its edges. ``label_for(rescale(x, b))`` is the label ``x`` had with its own band."""
    x = max(-1.0, min(1.0, float(native)))
    if not 0 < native_band < 1:
        raise ValueError(f"a neutral band must lie in (0, 1), not {native_band!r}")
    size = abs(x)
    if size <= native_band:
        mapped = size / native_band * NEUTRAL_BAND
    else:
        mapped = NEUTRAL_BAND + (size - native_band) / (1 - native_band) * (1 - NEUTRAL_BAND)
    return mapped if x >= 0 else -mapped


__all__ = ["LABELS", "NEUTRAL_BAND", "from_probabilities", "label_for", "labelled", "rescale"]
