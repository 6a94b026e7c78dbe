"""Entity-matching precision and recall against gold PER/ORG spans.

This measures the matcher (folding, variants, word boundaries, overlap resolution), not entity
discovery: the watchlist is built from the gold itself, one entity per distinct PER or ORG
surface string of a language (PER → kind person, so Chinese names also get pinyin variants).
The matcher then runs on every sentence, and its spans are compared with the gold spans.

Data (``../shared/data/ner``): en CoNLL-2003 test B (IOB1), de GermEval 2014 outer level (only
the plain PER and ORG tags, not the -deriv/-part ones, which mark words like "deutsche" or
"Xiaomi-Chef"), zh MSRA (PER/ORG) plus Weibo NER named mentions (PER.NAM / ORG.NAM). Sentence text is
rebuilt by joining tokens with spaces (en, de) or without (zh).

Scores per language: exact span precision and recall (a predicted span counts when it equals a
gold span), and overlap precision and recall (when it overlaps one). A false positive is a
watchlist name matched where the gold has no PER/ORG: "Jordan" the country for "Jordan" the
player, "China" inside an ORG, a short name inside another — exactly the ambiguity a real
watchlist meets.

Intervals (95%): a bootstrap over sentences — the spans of one sentence share its text, so they are
not independent draws; each resample pools the span counts of the sentences it drew. Where the
Wilson interval over spans reaches lower (always at 100% recall, where every resample is 100% too),
the row carries that instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from limelight.enrich.matcher import Matcher
from limelight.enrich.watchlist_check import is_too_short
from limelight.eval.base import EvalRow
from limelight.eval.intervals import clustered_proportion, percentile_interval, resample_weights, safe_ratio
from limelight.models import Entity

TYPES = ("PER", "ORG")


@dataclass(frozen=True)
class Sentence:
    text: str
    gold: tuple[tuple[int, int, str], ...]  # (start, end, type)


def _build(tokens: list[str], tags: list[str], sep: str) -> Sentence:
    """Tags are (B|I)-TYPE or O, already reduced to TYPES; IOB1 handled by the caller."""
    offsets: list[tuple[int, int]] = []
    pos = 0
    for tok in tokens:
        offsets.append((pos, pos + len(tok)))
        pos += len(tok) + len(sep)
    text = sep.join(tokens)
    spans: list[tuple[int, int, str]] = []
    cur: list[int] | None = None
    cur_type = ""
    for i, tag in enumerate(tags):
        prefix, _, typ = tag.partition("-")
        if prefix == "I" and cur is not None and typ == cur_type:
            cur[1] = i
            continue
        if cur is not None:
            spans.append((offsets[cur[0]][0], offsets[cur[1]][1], cur_type))
            cur = None
        if prefix in ("B", "I") and typ in TYPES:
            cur, cur_type = [i, i], typ
    if cur is not None:
        spans.append((offsets[cur[0]][0], offsets[cur[1]][1], cur_type))
    return Sentence(text, tuple(spans))


def _blocks(path: Path) -> Iterator[list[list[str]]]:
    block: list[list[str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if block:
                yield block
            block = []
        elif not line.startswith("-DOCSTART-"):
            block.append(line.split())
    if block:
        yield block


def read_conll(path: Path) -> list[Sentence]:
    """CoNLL-2003: ``token POS chunk NER``, IOB1 (I- starts an entity unless it continues one)."""
    out = []
    for block in _blocks(path):
        tokens = [r[0] for r in block]
        tags = []
        prev = "O"
        for r in block:
            tag = r[-1]
            # IOB1 → IOB2: an I- tag after O or after another type starts an entity.
            if tag.startswith("I-") and not (prev[2:] == tag[2:] and prev != "O"):
                tag = "B-" + tag[2:]
            tags.append(tag)
            prev = r[-1]
        out.append(_build(tokens, tags, " "))
    return out


def read_germeval(path: Path) -> list[Sentence]:
    out = []
    for block in _blocks(path):
        tokens = [r[1] for r in block]
        tags = [r[2] if r[2][2:] in TYPES else "O" for r in block]  # drop -deriv / -part / LOC / OTH
        out.append(_build(tokens, tags, " "))
    return out


def read_msra(path: Path) -> list[Sentence]:
    out = []
    for block in _blocks(path):
        out.append(_build([r[0] for r in block], [r[-1] for r in block], ""))
    return out


def read_weibo(path: Path) -> list[Sentence]:
    out = []
    for block in _blocks(path):
        tokens = [r[0][:-1] for r in block]  # "李0": character + word-position digit
        tags = []
        for r in block:
            tag = r[-1]
            tags.append(tag.replace(".NAM", "") if tag.endswith(".NAM") else "O")
        out.append(_build(tokens, tags, ""))
    return out


def load(data_dir: Path) -> dict[str, list[Sentence]]:
    ner = data_dir / "ner"
    return {
        "en": read_conll(ner / "en/conll2003_eng.testb.first2000.txt"),
        "de": read_germeval(ner / "de/germeval2014_test.first2000.tsv"),
        "zh": (read_msra(ner / "zh/msra_test_bio.first1730.txt")
               + read_weibo(ner / "zh/weiboNER_2nd_conll.test")),
    }


def gold_watchlist(sentences: list[Sentence]) -> list[Entity]:
    """One entity per distinct gold surface; PER wins the kind when a surface has both types."""
    kinds: dict[str, str] = {}
    for s in sentences:
        for a, b, typ in s.gold:
            surface = s.text[a:b]
            if kinds.get(surface) != "person":
                kinds[surface] = "person" if typ == "PER" else "org"
    return [Entity(id=f"g{i}", kind=kind, name=surface, aliases=(surface,))  # type: ignore[arg-type]
            for i, (surface, kind) in enumerate(sorted(kinds.items()))]


@dataclass(frozen=True)
class Scores:
    exact_p: float
    exact_r: float
    overlap_p: float
    overlap_r: float
    n_pred: int
    n_gold: int
    # per sentence: exact, predicted, predicted overlapping, gold, gold overlapped (for the bootstrap)
    counts: np.ndarray = field(default_factory=lambda: np.zeros((0, 5)), repr=False, compare=False)

    def intervals(self, key: str) -> dict[str, tuple[tuple[float, float], str]]:
        """95% intervals of the four scores: bootstrap over sentences, or Wilson over spans where
        that reaches lower (:func:`~limelight.eval.intervals.clustered_proportion`: recall is often
        every span, where the bootstrap collapses)."""
        w = resample_weights(len(self.counts), key) @ self.counts
        exact, pred, pred_ov, gold, gold_ov = w.T
        totals = self.counts.sum(axis=0)
        out = {}
        for name, num, den, col_num, col_den in (
                ("exact_precision", exact, pred, 0, 1), ("exact_recall", exact, gold, 0, 3),
                ("overlap_precision", pred_ov, pred, 2, 1), ("overlap_recall", gold_ov, gold, 4, 3)):
            boot = percentile_interval(safe_ratio(num, den))
            out[name] = clustered_proportion(boot, float(totals[col_num]), int(totals[col_den]))
        return out


def score(sentences: list[Sentence], matcher: Matcher) -> Scores:
    n_pred = n_gold = exact = pred_overlap = gold_overlap = 0
    per_sentence: list[tuple[int, int, int, int, int]] = []
    for s in sentences:
        pred = sorted({(m.start, m.end) for m in matcher.find(s.text)})
        gold = [(a, b) for a, b, _t in s.gold]
        gold_set = set(gold)
        n_pred += len(pred)
        n_gold += len(gold)
        exact += sum(1 for p in pred if p in gold_set)
        pred_overlap += sum(1 for ps, pe in pred if any(ps < ge and gs < pe for gs, ge in gold))
        gold_overlap += sum(1 for gs, ge in gold if any(ps < ge and gs < pe for ps, pe in pred))
        per_sentence.append((exact, n_pred, pred_overlap, n_gold, gold_overlap))

    def ratio(a: int, b: int) -> float:
        return round(a / b, 4) if b else 0.0

    cumulative = np.array(per_sentence, dtype=float).reshape(-1, 5)
    counts = np.diff(cumulative, axis=0, prepend=np.zeros((1, 5)))  # running totals → per sentence
    return Scores(ratio(exact, n_pred), ratio(exact, n_gold), ratio(pred_overlap, n_pred),
                  ratio(gold_overlap, n_gold), n_pred, n_gold, counts)


def evaluate(data_dir: Path) -> list[EvalRow]:
    """Rows ``ner_<lang>`` use every gold name; ``ner_<lang>_checked`` drop the names the watchlist
    check calls too short (one CJK character, two Latin letters), as a user following the check
    would, while recall still counts every gold span."""
    rows: list[EvalRow] = []
    for lang, sentences in load(data_dir).items():
        all_entities = gold_watchlist(sentences)
        checked = [e for e in all_entities if not is_too_short(e.name)]
        for dataset, entities in ((f"ner_{lang}", all_entities), (f"ner_{lang}_checked", checked)):
            sc = score(sentences, Matcher(entities))
            ci = sc.intervals(f"entities/{dataset}")
            note = f"{len(entities)} gold names as watchlist, {len(sentences)} sentences"
            for metric, value, n in (
                ("exact_precision", sc.exact_p, sc.n_pred), ("exact_recall", sc.exact_r, sc.n_gold),
                ("overlap_precision", sc.overlap_p, sc.n_pred), ("overlap_recall", sc.overlap_r, sc.n_gold),
            ):
                rows.append(EvalRow(stage="entities", dataset=dataset, metric=metric, value=value, n=n,
                                    note=note, ci_low=ci[metric][0][0], ci_high=ci[metric][0][1],
                                    ci_method=ci[metric][1]))
    return rows


if __name__ == "__main__":  # pragma: no cover - manual run: python -m limelight.eval.entities DATA_DIR
    import sys

    for row in evaluate(Path(sys.argv[1])):
        print(f"{row.key:40s} {row.value:.4f}  n={row.n}  {row.note}")
