"""``transformers``: any Hugging Face text-classification model (extra ``limelight[transformers]``).

The model is ``settings["tone.transformers_model"]`` (a hub name, downloaded on first use, or a local
folder; a relative folder is looked up in the project folder first). Its labels are mapped to ours
by name (``negative``/``neg``/``LABEL_0``...); models that rate 1–5 stars are mapped 1–2 → negative,
3 → neutral, 4–5 → positive. A model with any other label is refused when it is loaded. Tone is
P(positive) − P(negative) over the model's scores and the label the likeliest class, the tone kept
inside that label's range (:func:`limelight.tone.labels.from_probabilities`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from limelight.errors import ConfigError
from limelight.registry import Registry
from limelight.settings import Settings
from limelight.tone.labels import LABELS, from_probabilities

_BY_NAME = {"negative": "negative", "neg": "negative", "neutral": "neutral", "neu": "neutral",
            "positive": "positive", "pos": "positive"}
# Many 3-class sentiment models (cardiffnlp's among them) keep the generic ids.
_BY_INDEX = {"label_0": "negative", "label_1": "neutral", "label_2": "positive"}


def map_label(raw: str) -> str | None:
    key = raw.strip().lower()
    if key in _BY_NAME:
        return _BY_NAME[key]
    if key in _BY_INDEX:
        return _BY_INDEX[key]
    stars = re.match(r"^([1-5])\s*stars?$", key)
    if stars:
        n = int(stars.group(1))
        return "negative" if n <= 2 else "neutral" if n == 3 else "positive"
    return None


class TransformersScorer:
    name = "transformers"
    version = "1"
    title = "Hugging Face text-classification pipeline (tone.transformers_model; extra limelight[transformers])"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("tone",)
    languages: tuple[str, ...] = ("*",)
    batch_size = 32

    def __init__(self) -> None:
        self._model = ""
        self._pipe: Any = None

    def setup(self, settings: Settings, root: Path | None = None) -> None:
        model = str(settings["tone.transformers_model"])
        if model and root is not None and not Path(model).is_absolute() and (root / model).is_dir():
            model = str(root / model)  # a folder next to limelight.toml, like tone.model
        if model != self._model:
            self._model, self._pipe = model, None

    def _pipeline(self) -> Any:
        if self._pipe is None:
            if not self._model:
                raise ConfigError("the transformers tone scorer needs a model",
                                  "set tone.transformers_model to a Hugging Face model name or local folder")
            try:
                from transformers import pipeline
            except ImportError as exc:
                raise ConfigError(
                    "transformers is not installed",
                    "pip install torch==2.13.0 first, then pip install 'limelight[transformers]'") from exc
            try:
                pipe = pipeline("text-classification", model=self._model, top_k=None, truncation=True)
            except OSError as exc:  # not a folder with a model, and not on the hub or in its cache
                raise ConfigError(f"cannot load the transformers tone model {self._model!r}: {exc}",
                                  "set tone.transformers_model to a local folder saved with save_pretrained, "
                                  "or a hub name (downloaded once; HF_HUB_OFFLINE=1 uses the cache only)") from exc
            labels = [str(v) for v in getattr(pipe.model.config, "id2label", {}).values()]
            unmapped = [lab for lab in labels if map_label(lab) is None]
            if unmapped:  # fail before scoring, naming every label the model has
                raise ConfigError(
                    f"cannot map the labels {unmapped} of tone model {self._model!r} to negative/neutral/positive "
                    f"(the model's labels: {labels})",
                    "use a sentiment model whose labels are negative/neutral/positive, LABEL_0/1/2 or 1-5 stars")
            self._pipe = pipe
        return self._pipe

    def score(self, texts: list[str], language: str) -> list[tuple[float, str]]:
        if not texts:
            return []
        outputs = self._pipeline()(texts, batch_size=self.batch_size)
        return [scores_to_tone(scores) for scores in outputs]


def scores_to_tone(scores: list[dict[str, Any]]) -> tuple[float, str]:
    """One text's pipeline output (every label with its score) as (tone, label)."""
    probs = dict.fromkeys(LABELS, 0.0)
    for s in scores:
        lab = map_label(str(s["label"]))
        if lab is None:
            raise ConfigError(f"cannot map the model's label {s['label']!r} to negative/neutral/positive",
                              "use a sentiment model with negative/neutral/positive or star labels")
        probs[lab] += float(s["score"])
    return from_probabilities(probs["negative"], probs["neutral"], probs["positive"])


def register(registry: Registry) -> None:
    registry.register("scorer", TransformersScorer())
