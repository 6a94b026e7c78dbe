"""Language-ID accuracy on texts whose language is known from how the data set was built.

Texts (``../shared/data``):

* en: Financial PhraseBank (AllAgree sentences); de: GermEval 2017 (tweets, news, forums) and
  GerNTSA snippets; zh: FinFE stock-forum posts and ChnSentiCorp hotel reviews; vi: UIT-VSFC
  student feedback and CafeF headlines — each set is monolingual by construction;
* WMT22 documents: ``src_text`` is in ``src_lang`` and ``ref_text`` in ``ref_lang`` (en, de, fr, zh;
  ja and ru texts are skipped because the default language list does not contain them, so
  lingua cannot answer them correctly by design).

Each text is scored three ways: full text (as the enricher reads it, first
:data:`~limelight.enrich.language.MAX_CHARS` chars), its first five words (for Chinese, which has
no spaces, the first ten characters, about five words), and its first 30 characters. Up to
:data:`PER_SOURCE` texts per source are drawn with a fixed seed so the run stays well under a
minute. The detector is restricted to the default ``languages`` setting. Every row is a proportion
of texts, so its 95% interval is Wilson's.
"""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from limelight.enrich.language import _DEFAULT_LANGUAGES, UNDETERMINED, detect_languages
from limelight.enrich.variants import is_cjk
from limelight.eval.base import EvalRow
from limelight.eval.intervals import wilson
from limelight.settings import Settings

PER_SOURCE = 400
SEED = 20240601


def _phrasebank(d: Path) -> Iterator[str]:
    path = d / "sentiment/en/financial_phrasebank/Sentences_AllAgree.txt"
    for line in path.read_text(encoding="latin-1").splitlines():
        if "@" in line:
            yield line.rsplit("@", 1)[0]


def _germeval(d: Path) -> Iterator[str]:
    with (d / "sentiment/de/germeval2017/test.tsv").open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) > 1:
                yield row[1]


def _gerntsa(d: Path) -> Iterator[str]:
    for rec in json.loads((d / "sentiment/de/gerntsa/GerNTSA.json").read_text(encoding="utf-8")):
        yield rec["opinion_snippet"]


def _finfe(d: Path) -> Iterator[str]:
    path = d / "sentiment/zh/bbt_cfleb_finfe/eval_list.json"
    for text, _label in json.loads(path.read_text(encoding="utf-8")):
        yield text


def _chnsenticorp(d: Path) -> Iterator[str]:
    path = d / "sentiment/zh/chnsenticorp_htl/ChnSentiCorp_htl_all.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            yield row["review"]


def _vsfc(d: Path) -> Iterator[str]:
    yield from (d / "sentiment/vi/uit_vsfc/test/sents.txt").read_text(encoding="utf-8").splitlines()


def _cafef(d: Path) -> Iterator[str]:
    with (d / "sentiment/vi/cafef_stock_titles/raw_data.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            yield row["title"]


_SOURCES = (
    ("en", "financial_phrasebank", _phrasebank), ("de", "germeval2017", _germeval),
    ("de", "gerntsa", _gerntsa),
    ("zh", "finfe", _finfe), ("zh", "chnsenticorp", _chnsenticorp), ("vi", "uit_vsfc", _vsfc),
    ("vi", "cafef", _cafef),
)


def labelled_texts(
    data_dir: Path, per_source: int = PER_SOURCE, seed: int = SEED,
) -> list[tuple[str, str, str]]:
    """``(language, source, text)`` samples; fixed seed, so every run scores the same texts."""
    rng = random.Random(seed)
    out: list[tuple[str, str, str]] = []
    for lang, name, reader in _SOURCES:
        texts = [t.strip() for t in reader(data_dir) if len(t.strip()) >= 10]
        out.extend((lang, name, t) for t in rng.sample(texts, min(per_source, len(texts))))
    wmt: dict[str, list[str]] = defaultdict(list)
    path = data_dir / "stories/wmt22_doc_translations/wmt22_news_social_docs.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        for lang, text in ((rec["src_lang"], rec["src_text"]), (rec["ref_lang"], rec["ref_text"])):
            if lang in _DEFAULT_LANGUAGES and text and text.strip():
                wmt[lang].append(text.strip())
    for lang in sorted(wmt):
        texts = wmt[lang]
        out.extend((lang, "wmt22", t) for t in rng.sample(texts, min(per_source, len(texts))))
    return out


def first_words(text: str, n: int = 5) -> str:
    if sum(is_cjk(c) for c in text[:20]) >= 5:
        return text[: 2 * n]  # Chinese: ~2 characters per word
    return " ".join(text.split()[:n])


def unconfigured_texts(data_dir: Path, per_language: int = 100, seed: int = SEED) -> list[tuple[str, str]]:
    """``(language, text)`` of WMT22 documents in languages the default list does not hold (ja, ru):
    the right answer for them is ``und``."""
    rng = random.Random(seed)
    found: dict[str, list[str]] = defaultdict(list)
    path = data_dir / "stories/wmt22_doc_translations/wmt22_news_social_docs.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        for lang, text in ((rec["src_lang"], rec["src_text"]), (rec["ref_lang"], rec["ref_text"])):
            if lang not in _DEFAULT_LANGUAGES and text and text.strip():
                found[lang].append(text.strip())
    return [(lang, t) for lang in sorted(found) for t in rng.sample(found[lang], min(per_language, len(found[lang])))]


def evaluate(data_dir: Path) -> list[EvalRow]:
    """Accuracy counts ``und`` as a miss, so a threshold that answers "undetermined" more often
    cannot look better than it is; ``undetermined`` and ``mislabelled`` shares (lower is better, no
    floor) show what the misses are."""
    min_confidence = float(Settings.defaults()["language.min_confidence"])
    samples = labelled_texts(data_dir)
    variants = {
        "full": [t for _l, _s, t in samples],
        "5words": [first_words(t) for _l, _s, t in samples],
        "30chars": [t[:30] for _l, _s, t in samples],
    }
    note = f"lingua restricted to {','.join(_DEFAULT_LANGUAGES)}, guard languages, min_confidence {min_confidence}"
    rows: list[EvalRow] = []
    for variant, texts in variants.items():
        predicted = [code for code, _conf in detect_languages(texts, _DEFAULT_LANGUAGES, min_confidence)]
        per_lang: dict[str, list[str | None]] = defaultdict(list)
        gold_of: dict[str, list[str]] = defaultdict(list)
        for (lang, _src, _t), pred in zip(samples, predicted, strict=True):
            for key in (lang, "all"):
                per_lang[key].append(pred)
                gold_of[key].append(lang)
        for lang in sorted(per_lang):
            preds, gold = per_lang[lang], gold_of[lang]
            n = len(preds)
            for metric, count in ((f"accuracy_{variant}", sum(p == g for p, g in zip(preds, gold, strict=True))),
                                  (f"undetermined_{variant}", sum(p == UNDETERMINED for p in preds)),
                                  (f"mislabelled_{variant}", sum(p not in (g, UNDETERMINED)
                                                                 for p, g in zip(preds, gold, strict=True)))):
                low, high = wilson(count, n)
                accuracy = metric.startswith("accuracy")
                rows.append(EvalRow(stage="language", dataset=lang, metric=metric, value=round(count / n, 4), n=n,
                                    note=note if accuracy else f"{note}; lower is better",
                                    ci_low=low, ci_high=high, ci_method="wilson", lower_is_better=not accuracy))
    others = unconfigured_texts(data_dir)
    if others:
        found = detect_languages([t for _l, t in others], _DEFAULT_LANGUAGES, min_confidence)
        hits = sum(code == UNDETERMINED for code, _ in found)
        low, high = wilson(hits, len(others))
        langs = ",".join(sorted({lang for lang, _ in others}))
        rows.append(EvalRow(stage="language", dataset="unconfigured", metric="undetermined_full",
                            value=round(hits / len(others), 4), n=len(others),
                            note=f"WMT22 documents in {langs} (not configured): the right answer is und",
                            ci_low=low, ci_high=high, ci_method="wilson"))
    return rows


if __name__ == "__main__":  # pragma: no cover - manual run: python -m limelight.eval.language DATA_DIR
    import sys
    import time

    t0 = time.perf_counter()
    for row in evaluate(Path(sys.argv[1])):
        print(f"{row.key:40s} {row.value:.4f}  n={row.n}")
    print(f"{time.perf_counter() - t0:.1f}s")
