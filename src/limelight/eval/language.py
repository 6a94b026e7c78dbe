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

from limelight.enrich.language import _DEFAULT_LANGUAGES, build_detector, detect_languages
from limelight.enrich.variants import is_cjk
from limelight.eval.base import EvalRow
from limelight.eval.intervals import wilson

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


def evaluate(data_dir: Path) -> list[EvalRow]:
    samples = labelled_texts(data_dir)
    detector = build_detector(_DEFAULT_LANGUAGES)
    variants = {
        "accuracy_full": [t for _l, _s, t in samples],
        "accuracy_5words": [first_words(t) for _l, _s, t in samples],
        "accuracy_30chars": [t[:30] for _l, _s, t in samples],
    }
    rows: list[EvalRow] = []
    for metric, texts in variants.items():
        predicted = [code for code, _conf in detect_languages(texts, detector)]
        per_lang: dict[str, list[bool]] = defaultdict(list)
        for (lang, _src, _t), pred in zip(samples, predicted, strict=True):
            per_lang[lang].append(pred == lang)
            per_lang["all"].append(pred == lang)
        for lang in sorted(per_lang):
            hits = per_lang[lang]
            low, high = wilson(sum(hits), len(hits))
            rows.append(EvalRow(
                stage="language", dataset=lang, metric=metric, value=round(sum(hits) / len(hits), 4),
                n=len(hits),
                note=f"lingua restricted to {','.join(_DEFAULT_LANGUAGES)}",
                ci_low=low, ci_high=high, ci_method="wilson",
            ))
    return rows


if __name__ == "__main__":  # pragma: no cover - manual run: python -m limelight.eval.language DATA_DIR
    import sys
    import time

    t0 = time.perf_counter()
    for row in evaluate(Path(sys.argv[1])):
        print(f"{row.key:40s} {row.value:.4f}  n={row.n}")
    print(f"{time.perf_counter() - t0:.1f}s")
