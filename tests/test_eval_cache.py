"""The eval's embedding cache: a hit is the same matrix, a change misses, a torn file is rewritten."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from limelight.eval.cache import EmbeddingCache, cache_key


class CountingEmbedder:
    """Deterministic vectors from the texts; counts how many texts it embedded."""

    dim = 4

    def __init__(self, name: str = "fake:model") -> None:
        self.name = name
        self.embedded = 0

    def _vectors(self, texts: Sequence[str], salt: int) -> np.ndarray:
        self.embedded += len(texts)
        v = np.array([[len(t) + salt, t.count("a"), 1.0, i] for i, t in enumerate(texts)], dtype=np.float32)
        return v.reshape(len(texts), self.dim)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors(texts, 0)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors(texts, 100)


def test_eval_cache_hit_returns_same_matrix(tmp_path: Path) -> None:
    emb = CountingEmbedder()
    first = EmbeddingCache(tmp_path).passages(emb, ["alpha", "beta"])
    again = EmbeddingCache(tmp_path)  # a second run: a new cache object on the same folder
    second = again.passages(emb, ["alpha", "beta"])
    assert np.array_equal(first, second) and second.dtype == np.float32
    assert emb.embedded == 2  # the second run embedded nothing
    assert (again.hits, again.computed) == (2, 0)
    assert not list(tmp_path.glob("*.tmp"))  # written through a temp file, moved into place


def test_eval_cache_changed_texts_or_model_miss(tmp_path: Path) -> None:
    emb = CountingEmbedder()
    cache = EmbeddingCache(tmp_path)
    cache.passages(emb, ["alpha", "beta"])
    cache.passages(emb, ["alpha", "beta "])
    cache.passages(emb, ["alpha"])
    cache.queries(emb, ["alpha", "beta"])  # e5 embeds queries differently
    cache.passages(CountingEmbedder("fake:other"), ["alpha", "beta"])
    assert cache.hits == 0 and cache.computed == 9
    assert cache_key("m", ["ab", "c"]) != cache_key("m", ["a", "bc"])
    assert len(list(tmp_path.glob("*.npy"))) == 5


@pytest.mark.parametrize("damage", [b"", b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran", b"not a numpy file"])
def test_eval_cache_unreadable_file_is_ignored_and_rewritten(tmp_path: Path, damage: bytes) -> None:
    emb = CountingEmbedder()
    expected = EmbeddingCache(tmp_path).passages(emb, ["alpha", "beta"])
    (path,) = tmp_path.glob("*.npy")
    path.write_bytes(damage)  # a torn or foreign file under the real name
    cache = EmbeddingCache(tmp_path)
    assert np.array_equal(cache.passages(emb, ["alpha", "beta"]), expected)
    assert cache.computed == 2
    assert np.array_equal(np.load(path), expected)  # rewritten whole


def test_eval_cache_wrong_shape_is_a_miss(tmp_path: Path) -> None:
    emb = CountingEmbedder()
    EmbeddingCache(tmp_path).passages(emb, ["alpha", "beta"])
    (path,) = tmp_path.glob("*.npy")
    np.save(path, np.zeros((3, 4), dtype=np.float32))
    cache = EmbeddingCache(tmp_path)
    assert cache.passages(emb, ["alpha", "beta"]).shape == (2, 4) and cache.computed == 2


def test_eval_cache_disabled_reads_and_writes_nothing(tmp_path: Path) -> None:
    emb = CountingEmbedder()
    EmbeddingCache(tmp_path).passages(emb, ["alpha"])
    off = EmbeddingCache(tmp_path / "off", enabled=False)
    off.passages(emb, ["alpha"])
    off.passage_fn(emb)(["beta"])
    assert (off.hits, off.computed) == (0, 2) and not (tmp_path / "off").exists()


def test_eval_cache_default_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIMELIGHT_CACHE_DIR", str(tmp_path / "c"))
    assert EmbeddingCache().directory == tmp_path / "c"
