"""MinHash signatures and LSH banding for near-copies, in numpy (no datasketch needed).

Shingles are 3-grams of *tokens*, where a token is a word in space-delimited scripts and a single
character in CJK scripts (Chinese and Japanese have no spaces, so a word 3-gram would be a whole
sentence and never match a lightly edited copy). Hashes are crc32, not ``hash()``, so signatures are
the same in every process and run.

Candidates come from banding: the signature is cut into ``bands`` slices of ``rows`` values and two
texts are candidates when any slice is equal, which happens with probability ``1 - (1 - J^rows)^bands``
for Jaccard ``J`` (an S-curve). Candidates are then verified on the exact shingle sets, so the
banding only has to be generous, never exact.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

NUM_PERM = 128
_PRIME = np.uint64((1 << 31) - 1)  # a*x + b stays below 2**63 for a, b < p and x < 2**32
_SEED = 1
_FOLD = np.uint64(0x9E3779B97F4A7C15)  # an odd 64-bit multiplier (the golden ratio's): folds a band's rows
# Han, kana, hangul and CJK punctuation ranges: one token per character there.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")


def tokens(text: str) -> list[str]:
    """Words (case-folded) for alphabetic scripts, single characters for CJK; punctuation dropped."""
    return _TOKEN.findall(text.casefold())


def shingles(text: str, k: int = 3) -> set[str]:
    """Token k-grams; a text shorter than k tokens is one shingle (so it can still match itself)."""
    toks = tokens(text)
    if len(toks) <= k:
        return {"\x1f".join(toks)} if toks else set()
    return {"\x1f".join(toks[i:i + k]) for i in range(len(toks) - k + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def containment(part: set[str], whole: set[str]) -> float:
    """Share of ``part``'s shingles found in ``whole``: a copy with a lead-in added still contains
    all of the original, although its Jaccard drops below the near-duplicate threshold."""
    if not part:
        return 0.0
    return len(part & whole) / len(part)


class MinHasher:
    """Signatures of ``num_perm`` universal hashes ``(a*x + b) mod p`` over crc32 shingle hashes."""

    def __init__(self, num_perm: int = NUM_PERM, seed: int = _SEED) -> None:
        rng = np.random.default_rng(seed)
        self.num_perm = num_perm
        self._a = rng.integers(1, int(_PRIME), size=num_perm, dtype=np.uint64)
        self._b = rng.integers(0, int(_PRIME), size=num_perm, dtype=np.uint64)

    def signature(self, shingle_set: Iterable[str]) -> np.ndarray:
        hashes = np.fromiter((zlib.crc32(s.encode("utf-8")) for s in shingle_set), dtype=np.uint64)
        if hashes.size == 0:
            # An empty text gets the maximum everywhere: it matches only other empty texts,
            # and callers skip those anyway.
            return np.full(self.num_perm, int(_PRIME), dtype=np.uint64)
        return ((np.outer(hashes, self._a) + self._b) % _PRIME).min(axis=0)

    def signatures(self, shingle_sets: Sequence[set[str]]) -> np.ndarray:
        out = np.empty((len(shingle_sets), self.num_perm), dtype=np.uint64)
        for i, s in enumerate(shingle_sets):
            out[i] = self.signature(s)
        return out


def estimate_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    return float(np.mean(sig_a == sig_b))


def bands_for(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows) whose S-curve midpoint ``(1/bands)^(1/rows)`` lies a little *below* the
    threshold: false candidates cost one exact check, missed pairs are lost for good."""
    target = max(0.05, threshold - 0.15)
    best = (num_perm, 1)
    best_gap = float("inf")
    for rows in range(1, num_perm + 1):
        if num_perm % rows:
            continue
        bands = num_perm // rows
        midpoint = (1 / bands) ** (1 / rows)
        gap = abs(midpoint - target)
        if gap < best_gap:
            best, best_gap = (bands, rows), gap
    return best


def band_keys(signatures: np.ndarray, threshold: float) -> np.ndarray:
    """(n, bands) int64 bucket keys: each band's ``rows`` values folded into one number. Two texts are
    candidates when they share a key in some band; the store keeps these keys (``minhash_bands``), so
    a new text finds its candidates with a join and old texts are never hashed again. A collision of
    two different bands only adds a candidate, which the exact shingle check then rejects."""
    n, num_perm = signatures.shape
    bands, rows = bands_for(threshold, num_perm)
    keys = np.zeros((n, bands), dtype=np.uint64)
    with np.errstate(over="ignore"):  # the fold wraps around 2**64 on purpose
        for r in range(rows):
            keys = keys * _FOLD + signatures[:, r::rows][:, :bands].astype(np.uint64)
    return keys.view(np.int64)


def lsh_candidates(signatures: np.ndarray, threshold: float,
                   groups: Sequence[object] | None = None) -> set[tuple[int, int]]:
    """Index pairs (i < j) sharing at least one band key (:func:`band_keys`). ``groups`` (optional,
    one key per row) keeps candidates inside a group, e.g. a time window, so a bucket never mixes
    far-apart documents."""
    keys = band_keys(signatures, threshold)
    n, bands = keys.shape
    pairs: set[tuple[int, int]] = set()
    for band in range(bands):
        buckets: dict[tuple[object, int], list[int]] = defaultdict(list)
        column = keys[:, band].tolist()
        for i in range(n):
            buckets[(groups[i] if groups is not None else None, column[i])].append(i)
        for members in buckets.values():
            if len(members) < 2:
                continue
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    pairs.add((members[x], members[y]))
    return pairs
