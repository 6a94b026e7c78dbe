"""Tone benchmark: distinct texts a second of each offline scorer on 2 cores, in one run.

    python bench/tone.py [--data ../shared/data] [--texts 2000]

Target (issue "Tone a thousand times faster"): the default scorer at >= 1,000 distinct texts/s.
The texts are real: the sentences and target clauses of the labelled sets in
``../shared/data/sentiment`` (all of them, in every language, deduplicated and shuffled with a
fixed seed), scored once each with a cold cache, as ``limelight tone apply`` meets them. The
embedding scorers get ``--texts`` of them (they take ~25 ms a text), the rest get all. Ratios are
against ``embedding`` measured in the same run. Speed only: accuracy is ``limelight eval --only tone``.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from limelight.eval.tone import SETS
from limelight.registry import registry
from limelight.settings import Settings


def texts_by_language(data: Path) -> dict[str, list[str]]:
    out: dict[str, dict[str, None]] = {}
    for lang, _name, loader, _ship in SETS:
        try:
            items = loader(data / "sentiment")
        except FileNotFoundError:
            continue
        out.setdefault(lang, {}).update((it.text, None) for it in items)
    shuffled = {}
    for lang, texts in out.items():
        ordered = list(texts)
        random.Random(13).shuffle(ordered)
        shuffled[lang] = ordered
    return shuffled


def rate(name: str, by_lang: dict[str, list[str]], limit: int | None) -> tuple[float, int]:
    scorer = registry.get("scorer", name)
    scorer.setup(Settings.defaults(), None)
    scorer.score(["warm-up"], "en")  # loading the model or table is not scoring
    n = 0
    t0 = time.perf_counter()
    for lang, texts in by_lang.items():
        if not ("*" in scorer.languages or lang in scorer.languages):
            continue
        chunk = texts[:limit] if limit else texts
        for i in range(0, len(chunk), 256):
            scorer.score(chunk[i:i + 256], lang)
        n += len(chunk)
    return n / (time.perf_counter() - t0), n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--texts", type=int, default=2000, help="texts for the embedding scorers, split over languages")
    args = ap.parse_args()
    by_lang = texts_by_language(args.data)
    print("texts per language:", {k: len(v) for k, v in by_lang.items()})
    per_lang = max(1, args.texts // max(1, len(by_lang)))
    results = {}
    for name in ("embedding", "embedding-anchors", "distilled", "vader", "textblob-de", "snownlp"):
        slow = name.startswith("embedding")
        results[name] = rate(name, by_lang, per_lang if slow else None)
    base = results["embedding"][0]
    for name, (r, n) in results.items():
        print(f"{name:18s} {r:10,.0f} texts/s over {n:,} texts   {r / base:8.1f}x embedding")


if __name__ == "__main__":
    main()
