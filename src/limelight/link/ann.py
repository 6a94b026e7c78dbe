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
   density rises. Vectors are centred on the block's mean first: e5 embeddings lie in a narrow cone
   (unrelated texts still reach cosine ~0.7) that uncentred hyperplanes would rarely cut.

The LSH path is approximate: it trades recall of the weakest pairs for speed (see bench/link.py).

What a block finds depends on that block's documents only (its centre, its bits, its seed), and a
cosine is always the float64 dot product of the two stored vectors, whatever matrix product found
the pair. So `limelight link` can add documents incrementally (:mod:`limelight.link.state`): it
recomputes the blocks new documents fall into and gets exactly the pairs a run over the whole corpus
would. A block small enough for the exact path only needs the new documents' products.
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


def bucket_of(day: float | None, window_days: float) -> int | None:
    """The day bucket of a document (``window_days`` wide); None for an undated one."""
    return None if day is None else math.floor(day / max(window_days, 1e-9))


def block_of(a: int | None, b: int | None) -> int | None:
    """The block that finds a pair of documents in buckets ``a`` and ``b``: the later bucket's, whose
    current bucket holds one and previous bucket the other (or both in its current bucket)."""
    if a is None or b is None:
        return None
    return max(a, b)


def similar_pairs(vectors: np.ndarray, days: Sequence[float | None], window_days: float, threshold: float,
                  *, exact_limit: int | None = None, tables: int = TABLES, seed: int = 0
                  ) -> dict[tuple[int, int], float]:
    """{(i, j): cosine} for i < j with cosine ≥ ``threshold`` and dates at most ``window_days``
    apart. Vectors must be L2-normalised. Undated documents are compared with undated ones only."""
    n = len(vectors)
    out: dict[tuple[int, int], float] = {}
    if n < 2:
        return out
    buckets: dict[int | None, list[int]] = defaultdict(list)
    for i, d in enumerate(days):
        buckets[bucket_of(d, window_days)].append(i)
    day_arr = np.array([np.nan if d is None else d for d in days], dtype=np.float64)
    for b in sorted(buckets, key=lambda k: (k is None, k or 0)):
        cur = buckets[b]
        prev = buckets.get(b - 1, []) if b is not None else []
        block = np.array(cur + prev, dtype=np.int64)
        found = block_pairs(vectors[block], day_arr[block], len(cur), b, window_days, threshold,
                            exact_limit=exact_limit, tables=tables, seed=seed)
        for (x, y), cos in found.items():
            i, j = int(block[x]), int(block[y])
            out[(i, j) if i < j else (j, i)] = cos
    return out


def block_pairs(vectors: np.ndarray, days: np.ndarray, n_cur: int, bucket: int | None, window_days: float,
                threshold: float, *, exact_limit: int | None = None, tables: int = TABLES, seed: int = 0,
                only: np.ndarray | None = None) -> dict[tuple[int, int], float]:
    """The pairs one block finds: rows ``0..n_cur-1`` are its current bucket, the rest the previous
    one (each in the corpus' order), ``days`` as float days (NaN undated). {(x, y): cosine} with
    x < y as row numbers, at least one of them in the current bucket.

    ``only`` (row numbers) keeps the pairs with at least one of those rows, computed as their
    products with the block: what new documents add to a block that stays on the exact path.
    ``exact_limit`` None: :data:`EXACT_LIMIT` as it is when called."""
    n = len(vectors)
    out: dict[tuple[int, int], float] = {}
    if n < 2:
        return out
    if n <= (EXACT_LIMIT if exact_limit is None else exact_limit):
        groups = [np.arange(n)]
    else:
        # One block's own centre: what the block finds then depends on its documents only.
        centred = vectors - vectors.mean(axis=0, keepdims=True)
        groups = _lsh_groups(centred, tables, seed + (bucket or 0))
    with _single_threaded_blas(len(groups) > 1):
        for members in groups:
            _verify(vectors, days, members, n_cur, window_days, threshold, out, only)
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


def _lsh_groups(centred: np.ndarray, tables: int, seed: int) -> list[np.ndarray]:
    n = len(centred)
    bits = max(1, min(20, math.ceil(math.log2(max(2, n / GROUP_TARGET)))))
    rng = np.random.default_rng(seed)
    planes = rng.standard_normal((centred.shape[1], tables * bits)).astype(np.float32)
    signs = (centred @ planes) > 0
    codes = signs.reshape(n, tables, bits).astype(np.int64) @ (1 << np.arange(bits, dtype=np.int64))
    groups: list[np.ndarray] = []
    for t in range(tables):
        order = np.argsort(codes[:, t], kind="stable")
        sorted_codes = codes[order, t]
        cuts = np.flatnonzero(np.diff(sorted_codes)) + 1
        for part in np.split(order, cuts):
            if len(part) > 1:
                groups.append(part)
    return groups


# A float32 product may land a hair either side of the threshold depending on how the BLAS split
# it; candidates within this margin are decided on the float64 dot product instead.
_SLACK = 1e-4


def _verify(vectors: np.ndarray, days: np.ndarray, members: np.ndarray, n_cur: int, window: float,
            threshold: float, out: dict[tuple[int, int], float], only: np.ndarray | None) -> None:
    if len(members) < 2:
        return
    if only is None:
        sims = vectors[members] @ vectors[members].T
        rows, cols = np.nonzero(np.triu(sims >= threshold - _SLACK, k=1))
        pairs = zip(members[rows].tolist(), members[cols].tolist(), strict=True)
    else:
        sims = vectors[only] @ vectors[members].T
        rows, cols = np.nonzero(sims >= threshold - _SLACK)
        pairs = zip(only[rows].tolist(), members[cols].tolist(), strict=True)
    for i, j in pairs:
        if i == j:
            continue
        # A pair of two previous-bucket documents was seen when that bucket was current.
        if i >= n_cur and j >= n_cur:
            continue
        di, dj = days[i], days[j]
        if np.isnan(di) != np.isnan(dj) or (not np.isnan(di) and abs(di - dj) > window):
            continue
        key = (i, j) if i < j else (j, i)
        if key in out:
            continue
        cos = float(np.dot(vectors[i].astype(np.float64), vectors[j].astype(np.float64)))
        if cos >= threshold:
            out[key] = cos
