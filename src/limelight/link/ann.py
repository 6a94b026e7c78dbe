"""Similar pairs of embeddings without comparing all pairs: time blocking, then exact or LSH search.

1. **Time blocking.** A translated republication or a story's coverage appears within days of the
   original, so documents go into day buckets ``window_days`` wide and are compared only with their
   own and the previous bucket (pairs further apart than ``window_days`` are then dropped). Work
   grows with the corpus times the documents per window, not with the corpus squared.
2. **Exact search in small blocks.** A block (bucket + previous bucket) of up to ``exact_limit``
   documents is one matrix product: exact, and at that size faster than any index.
3. **Random-hyperplane LSH in large blocks** (SimHash, Charikar 2002). When one window holds more
   than ``exact_limit`` documents (a busy news period, a backfill), each of ``tables`` hash tables
   signs the vectors against random hyperplanes; two vectors at angle θ agree on one bit with
   probability 1 − θ/π, so near neighbours share a code in some table while unrelated ones rarely
   do, and each code group is verified with one small matrix product. Bits per table grow with the
   block (about ``GROUP_TARGET`` documents per code), so the work per document stays flat as the
   density rises. Vectors are centred on the corpus mean first: e5 embeddings lie in a narrow cone
   (unrelated texts still reach cosine ~0.7) that uncentred hyperplanes would rarely cut.

The LSH path is approximate: it trades recall of the weakest pairs for speed (see bench/link.py).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

# Below EXACT_LIMIT a block costs at most that many dot products per document; above it LSH costs
# about TABLES × GROUP_TARGET per document however dense the window, which is what keeps 10× the
# documents in the same days near 10× the time (bench/link.py).
EXACT_LIMIT = 1000
TABLES = 16
GROUP_TARGET = 32


def similar_pairs(vectors: np.ndarray, days: Sequence[float | None], window_days: float, threshold: float,
                  *, exact_limit: int = EXACT_LIMIT, tables: int = TABLES, seed: int = 0
                  ) -> dict[tuple[int, int], float]:
    """{(i, j): cosine} for i < j with cosine ≥ ``threshold`` and dates at most ``window_days``
    apart. Vectors must be L2-normalised. Undated documents are compared with undated ones only."""
    n = len(vectors)
    out: dict[tuple[int, int], float] = {}
    if n < 2:
        return out
    width = max(window_days, 1e-9)
    buckets: dict[int | None, list[int]] = defaultdict(list)
    for i, d in enumerate(days):
        buckets[None if d is None else math.floor(d / width)].append(i)
    day_arr = np.array([np.nan if d is None else d for d in days], dtype=np.float64)
    centred: np.ndarray | None = None
    for b in sorted(buckets, key=lambda k: (k is None, k or 0)):
        cur = np.array(buckets[b], dtype=np.int64)
        prev = np.array(buckets.get(b - 1, []) if b is not None else [], dtype=np.int64)
        block = np.concatenate([cur, prev])
        if len(block) <= exact_limit:
            groups = [block]
        else:
            if centred is None:
                centred = vectors - vectors.mean(axis=0, keepdims=True)
            groups = _lsh_groups(centred[block], block, tables, seed + (b or 0))
        cur_set = set(cur.tolist())
        with _single_threaded_blas(len(groups) > 1):
            for members in groups:
                _verify(vectors, day_arr, members, cur_set, window_days, threshold, out)
    return out


@contextmanager
def _single_threaded_blas(active: bool) -> Iterator[None]:
    """Thousands of tiny matrix products run ~40× faster on one BLAS thread: a multi-threaded
    BLAS synchronises its threads on every call, which on a busy 2-core machine took 145 s instead
    of 3.9 s for the 100k-document benchmark. threadpoolctl is optional; without it nothing changes."""
    if not active:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - depends on the environment
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _lsh_groups(centred: np.ndarray, block: np.ndarray, tables: int, seed: int) -> list[np.ndarray]:
    bits = max(1, min(20, math.ceil(math.log2(max(2, len(block) / GROUP_TARGET)))))
    rng = np.random.default_rng(seed)
    planes = rng.standard_normal((centred.shape[1], tables * bits)).astype(np.float32)
    signs = (centred @ planes) > 0
    codes = signs.reshape(len(block), tables, bits).astype(np.int64) @ (1 << np.arange(bits, dtype=np.int64))
    groups: list[np.ndarray] = []
    for t in range(tables):
        order = np.argsort(codes[:, t], kind="stable")
        sorted_codes = codes[order, t]
        cuts = np.flatnonzero(np.diff(sorted_codes)) + 1
        for part in np.split(order, cuts):
            if len(part) > 1:
                groups.append(block[part])
    return groups


def _verify(vectors: np.ndarray, days: np.ndarray, members: np.ndarray, cur: set[int], window: float,
            threshold: float, out: dict[tuple[int, int], float]) -> None:
    if len(members) < 2:
        return
    sims = vectors[members] @ vectors[members].T
    rows, cols = np.nonzero(np.triu(sims >= threshold, k=1))
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        i, j = int(members[r]), int(members[c])
        # A pair of two previous-bucket documents was seen when that bucket was current.
        if i not in cur and j not in cur:
            continue
        di, dj = days[i], days[j]
        if np.isnan(di) != np.isnan(dj) or (not np.isnan(di) and abs(di - dj) > window):
            continue
        key = (i, j) if i < j else (j, i)
        out[key] = float(sims[r, c])
