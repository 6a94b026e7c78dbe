"""Linking 10k vs 100k SYNTHETIC documents: does candidate generation stay sub-quadratic?

    python bench/link.py [--small 10000] [--factor 10]

Everything here is generated and labelled synthetic: documents of 60 random words from a
5,000-word vocabulary in four "languages", spread over the same 365 days at both sizes (so the
larger corpus is ten times as *dense*, the hard case for time blocking). 2% are planted near-copies
(one word changed) and 2% planted translations. Embeddings are FAKED: random unit vectors, and
a planted translation is its original's vector plus noise (cosine ≈ 0.93), because running the
model on 110k texts would time the model, not the candidate generation. The steps timed are the
linkers' own pure functions: ``find_duplicates`` (content hash + MinHash LSH),
``similar_translations`` (time blocking + exact or hyperplane-LSH search) and ``cluster`` (average
linkage over the candidate pairs).

An all-pairs method would take 100× longer for 10× the data; the target is a ratio ≤ 15.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from limelight.link.ann import similar_pairs
from limelight.link.clusters import STORY_THRESHOLD, STORY_WINDOW_DAYS, cluster
from limelight.link.duplicates import Doc, find_duplicates
from limelight.link.translations import Meta, similar_translations
from limelight.models import content_hash

LANGS = ("de", "en", "vi", "zh")
DIM = 384
DAYS = 365
T0 = 20_000.0  # an arbitrary day number (2024-10-04)


def corpus(n: int, seed: int) -> tuple[list[Doc], list[Meta], np.ndarray, int, int]:
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(5000)])
    words = rng.integers(0, len(vocab), size=(n, 60))
    days = T0 + rng.uniform(0, DAYS, size=n)
    langs = rng.integers(0, len(LANGS), size=n)
    vectors = rng.standard_normal((n, DIM)).astype(np.float32)
    planted_copies = planted_translations = 0
    for i in range(n):
        r = rng.random()
        if r < 0.02 and i > 0:  # near-copy of an earlier document, 1 of 60 words changed (Jaccard ≈ 0.9)
            j = int(rng.integers(0, i))
            words[i] = words[j]
            words[i, rng.integers(0, 60)] = rng.integers(0, len(vocab))
            days[i] = days[j] + rng.uniform(0, 1)
            planted_copies += 1
        elif r < 0.04 and i > 0:  # translation: another language, a nearby vector, within 2 days
            j = int(rng.integers(0, i))
            langs[i] = (langs[j] + 1 + rng.integers(0, 3)) % len(LANGS)
            vectors[i] = vectors[j] / np.linalg.norm(vectors[j]) + 0.4 * rng.standard_normal(DIM) / np.sqrt(DIM)
            days[i] = days[j] + rng.uniform(0, 2)
            planted_translations += 1
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    docs, metas = [], []
    for i in range(n):
        text = " ".join(vocab[words[i]])
        doc_id = f"d{i:06d}"
        docs.append(Doc(doc_id, f"s{i % 50}", float(days[i]), content_hash(None, text), text))
        metas.append(Meta(doc_id, LANGS[int(langs[i])], float(days[i])))
    return docs, metas, vectors, planted_copies, planted_translations


def run(n: int, seed: int = 0) -> dict[str, float]:
    docs, metas, vectors, copies, translations = corpus(n, seed)
    t0 = time.perf_counter()
    dup_links = find_duplicates(docs, 0.8)
    t1 = time.perf_counter()
    tr_links = similar_translations(metas, vectors, 0.85)
    t2 = time.perf_counter()
    pairs = similar_pairs(vectors, [m.day for m in metas], STORY_WINDOW_DAYS, STORY_THRESHOLD)
    sim = [(metas[i].id, metas[j].id, c) for (i, j), c in pairs.items()]
    # with the texts, so the rare-word counts of the short-text rule are timed too (these are long)
    cluster(metas, vectors, [(link.from_id, link.to_id or "") for link in dup_links + tr_links], sim,
            [d.text for d in docs])
    t3 = time.perf_counter()
    return {"n": n, "duplicates_s": t1 - t0, "translations_s": t2 - t1, "stories_s": t3 - t2, "total_s": t3 - t0,
            "near_copy_links": len(dup_links), "planted_copies": copies,
            "translation_links": len(tr_links), "planted_translations": translations}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--factor", type=int, default=10)
    args = parser.parse_args()
    print("SYNTHETIC documents, FAKE random embeddings (see the module docstring)", flush=True)
    results = [run(args.small), run(args.small * args.factor)]
    for r in results:
        print(f"{r['n']:>7,} docs: duplicates {r['duplicates_s']:.1f} s, translations {r['translations_s']:.1f} s, "
              f"stories {r['stories_s']:.1f} s, total {r['total_s']:.1f} s; near-copy links "
              f"{r['near_copy_links']:,} (planted {r['planted_copies']:,}), translation links "
              f"{r['translation_links']:,} (planted {r['planted_translations']:,})")
    ratio = results[1]["total_s"] / results[0]["total_s"]
    print(f"time ratio for {args.factor}× the documents: {ratio:.1f} (target ≤ 15; all pairs would be "
          f"{args.factor ** 2})")


if __name__ == "__main__":
    main()
