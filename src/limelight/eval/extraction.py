"""Extraction quality on two public benchmarks in ``../shared/data/extraction``.

scrapinghub_aeb (Zyte article-extraction-benchmark, 181 pages)
    The benchmark's own protocol (its ``evaluate.py``): tokens are ``\\w+`` matches, case kept;
    shingles are 4-token n-grams counted as a multiset; per page TP/FP/FN are normalised to sum to 1
    so long pages weigh no more than short ones; precision is averaged over pages with any predicted
    shingle, recall over pages with any true shingle, and F1 is taken of the two averages. The
    upstream reference outputs (``reference_outputs/*.json``) are scored the same way and shown
    beside ours.

trafilatura_eval (330 pages of trafilatura's evaluation corpus)
    Body: trafilatura's ``with``/``without`` snippet protocol (its ``tests/eval_common.py``): after
    collapsing whitespace, each ``with`` snippet found is a true positive, missed a false negative;
    each ``without`` snippet found is a false positive, absent a true negative; precision, recall
    and F1 over all snippets of all pages. A page we fail on counts as a full miss.
    Metadata, on pages with a non-empty gold value:

    - title: exact after Unicode NFKC, whitespace collapsing and case folding;
    - date: the same calendar day (our UTC day vs the gold ``YYYY-MM-DD``); no date counts wrong;
    - author: after case folding, stripping "by"/"von" and punctuation, ours equals gold, or one
      contains the other (gold lists several authors in differing orders and separators).

Intervals (95%, :mod:`limelight.eval.intervals`): the body scores of both sets are bootstrapped over
pages (a page's snippets or shingles are not independent of each other; the snippet precision and
recall take Wilson's over snippets where it reaches lower); the metadata accuracies are proportions
of pages (Wilson).

Both sets run in a process pool; the whole evaluation takes well under two minutes on two cores.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from limelight.errors import LimelightError
from limelight.eval.base import EvalRow
from limelight.eval.intervals import (
    clustered_proportion,
    f1_of,
    percentile_interval,
    resample_weights,
    safe_ratio,
    wilson,
)
from limelight.models import Document, RawPage
from limelight.settings import Settings

STAGE = "extraction"
TpFpFn = tuple[float, float, float]

# --- scrapinghub_aeb scoring (re-implemented from the benchmark's description and evaluate.py) ----

_TOKEN_RE = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of ``n``-token shingles; a text shorter than ``n`` tokens is one short shingle."""
    tokens = _TOKEN_RE.findall(text or "")
    out: Counter[tuple[str, ...]] = Counter()
    for i in range(max(1, len(tokens) - n + 1)):
        shingle = tuple(tokens[i : i + n])
        if shingle:
            out[shingle] += 1
    return out


def shingle_match(true: str, pred: str, n: int = 4) -> TpFpFn:
    """Per-page TP, FP, FN over shingles, normalised to sum to 1 (when any)."""
    ts, ps = shingles(true, n), shingles(pred, n)
    tp = fp = fn = 0.0
    for key in ts.keys() | ps.keys():
        t, p = ts.get(key, 0), ps.get(key, 0)
        tp += min(t, p)
        fp += max(0, p - t)
        fn += max(0, t - p)
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s > 0 else (tp, fp, fn)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def aeb_metrics(counts: list[TpFpFn]) -> dict[str, float]:
    """Precision and recall averaged over pages, F1 of the two averages (the benchmark's way)."""
    precisions = [_precision(*c) for c in counts if c[0] + c[1] > 0]
    recalls = [_recall(*c) for c in counts if c[0] + c[2] > 0]
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def aeb_intervals(counts: list[TpFpFn], key: str) -> dict[str, tuple[float, float]]:
    """Bootstrap over pages of :func:`aeb_metrics`: each resample averages the pages it drew."""
    has_p = np.array([c[0] + c[1] > 0 for c in counts], dtype=float)
    has_r = np.array([c[0] + c[2] > 0 for c in counts], dtype=float)
    prec = np.array([_precision(*c) for c in counts]) * has_p
    rec = np.array([_recall(*c) for c in counts]) * has_r
    w = resample_weights(len(counts), key)
    p, r = safe_ratio(w @ prec, w @ has_p), safe_ratio(w @ rec, w @ has_r)
    return {"precision": percentile_interval(p), "recall": percentile_interval(r),
            "f1": percentile_interval(f1_of(p, r))}


# --- trafilatura_eval scoring -------------------------------------------------------------------


def ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def snippet_counts(item: dict[str, Any], text: str | None) -> tuple[int, int, int, int]:
    """(tp, fp, fn, tn) of one page under the with/without protocol."""
    withs, withouts = item.get("with", []), item.get("without", [])
    if text is None:
        return 0, 0, len(withs), len(withouts)
    t = ws(text)
    tp = sum(1 for s in withs if ws(s) in t)
    fp = sum(1 for s in withouts if ws(s) in t)
    return tp, fp, len(withs) - tp, len(withouts) - fp


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def norm_title(value: str | None) -> str:
    return " ".join(unicodedata.normalize("NFKC", value or "").split()).casefold()


def title_correct(ours: str | None, gold: str) -> bool:
    return bool(ours) and norm_title(ours) == norm_title(gold)


def gold_day(gold: str) -> date | None:
    """The gold ``YYYY-MM-DD``, read leniently: the corpus has typos like ``2022-01.26`` and
    ``2022-25-10`` (day and month swapped), which we read as the date they plainly mean."""
    m = re.match(r"\s*(\d{4})\D(\d{1,2})\D(\d{1,2})", gold)
    if not m:
        return None
    y, a, b = (int(x) for x in m.groups())
    if a > 12 >= b:
        a, b = b, a
    try:
        return date(y, a, b)
    except ValueError:
        return None


def date_correct(ours: Any, gold: str, strict_utc: bool = False) -> bool:
    """Same calendar day as the gold.

    We store UTC instants; the gold is the day as the publisher wrote it in its own time zone. So a
    date with a time of day counts as correct when it falls on the gold day in *some* real UTC offset
    (−12h … +14h); a bare date (midnight UTC) must match exactly. ``strict_utc`` compares the UTC day.
    """
    day = gold_day(gold)
    if ours is None or day is None:
        return False
    ours = ours if ours.tzinfo else ours.replace(tzinfo=UTC)
    if strict_utc or (ours.hour, ours.minute, ours.second) == (0, 0, 0):
        return bool(ours.date() == day)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return bool(start - timedelta(hours=14) <= ours < start + timedelta(days=1, hours=12))


_AUTHOR_JUNK = re.compile(r"^(?:by|von|par|por|di)\s+|[^\w\s;/&,]", re.I)
_AUTHOR_SPLIT = re.compile(r"\s*(?:[;/&,]|\band\b|\bund\b|\bet\b|\by\b)\s*", re.I)


def norm_author(value: str | None) -> str:
    text = unicodedata.normalize("NFKC", value or "").casefold()
    return " ".join(_AUTHOR_JUNK.sub(" ", text).split())


def author_names(value: str | None) -> set[str]:
    """Normalised names; co-authors may be joined by ; / & , and/und/et/y in either side."""
    return {" ".join(n.split()) for n in _AUTHOR_SPLIT.split(norm_author(value)) if n.strip()}


def author_correct(ours: str | None, gold: str) -> bool:
    """Normalised strings equal or one containing the other, or one's name set inside the other's."""
    a, g = norm_author(ours), norm_author(gold)
    if not a or not g:
        return False
    if a == g or a in g or g in a:
        return True
    an, gn = author_names(ours), author_names(gold)
    return bool(an) and bool(gn) and (an <= gn or gn <= an)


# --- running the extractor -----------------------------------------------------------------------


def _extract_page(args: tuple[bytes, str | None, bool, bool]) -> dict[str, Any]:
    """Worker: one page through our HTML extractor (and, for comparison, bare trafilatura);
    errors become an empty result, which scores as a full miss."""
    content, url, favor_precision, with_baseline = args
    from limelight.extract.html import HtmlExtractor

    settings = Settings.from_dict({"extract": {"favor_precision": favor_precision}})
    out: dict[str, Any] = {}
    try:
        doc: Document = HtmlExtractor().extract(RawPage(origin=url or "", content=content, format="html", url=url),
                                                 settings)
        out.update(text=doc.text, title=doc.title, published_at=doc.published_at, author=doc.author,
                   captions=doc.captions, date_source=doc.date_source)
    except LimelightError as exc:
        out["error"] = exc.message
    if with_baseline:
        out["baseline"] = _trafilatura_alone(content, url, favor_precision)
    return out


def _trafilatura_alone(content: bytes, url: str | None, favor_precision: bool) -> dict[str, Any]:
    """trafilatura's own text and metadata, scored the same way as ours for the reference column."""
    from trafilatura import bare_extraction
    from trafilatura.settings import Document as TrafDocument

    try:
        res = bare_extraction(content, url=url, with_metadata=True, include_comments=False,
                              favor_precision=favor_precision)
    except Exception:  # a crash in the baseline is its miss, not ours
        return {}
    if not isinstance(res, TrafDocument):
        return {}
    day = gold_day(res.date) if res.date else None
    return {"text": res.text, "title": res.title, "author": res.author,
            "published_at": datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None}


def run_pages(pages: list[tuple[bytes, str | None]], favor_precision: bool = False,
              workers: int | None = None, with_baseline: bool = False) -> list[dict[str, Any]]:
    jobs = [(c, u, favor_precision, with_baseline) for c, u in pages]
    workers = workers if workers is not None else min(4, os.cpu_count() or 1)
    if workers <= 1 or len(jobs) < 8:
        return [_extract_page(j) for j in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_extract_page, jobs, chunksize=4))


def _load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def evaluate_aeb(folder: Path, limit: int | None = None, workers: int | None = None) -> list[EvalRow]:
    truth: dict[str, dict[str, Any]] = _load_json(folder / "ground-truth.json")
    ids = sorted(truth)[:limit] if limit else sorted(truth)
    pages = [(gzip.decompress((folder / "html" / f"{i}.html.gz").read_bytes()), truth[i].get("url")) for i in ids]
    results = run_pages(pages, workers=workers)
    counts = [shingle_match(truth[i].get("articleBody", ""), r.get("text", ""))
              for i, r in zip(ids, results, strict=True)]
    ours = aeb_metrics(counts)
    ci = aeb_intervals(counts, "extraction/scrapinghub_aeb")
    refs: dict[str, dict[str, float]] = {}
    for path in sorted((folder / "reference_outputs").glob("*.json")):
        pred = _load_json(path)
        # Newer upstream outputs wrap the pages as {"output": {...}, "version": "..."}.
        if isinstance(pred.get("output"), dict) and "version" in pred:
            pred = pred["output"]
        refs[path.stem] = aeb_metrics([shingle_match(truth[i].get("articleBody", ""),
                                                     pred.get(i, {}).get("articleBody", "")) for i in ids])
    failed = sum(1 for r in results if "error" in r)
    return [
        EvalRow(STAGE, "scrapinghub_aeb", metric, ours[metric], len(ids),
                reference={name: m[metric] for name, m in refs.items()},
                note=f"{failed} page(s) without text" if failed else "",
                ci_low=ci[metric][0], ci_high=ci[metric][1], ci_method="bootstrap")
        for metric in ("precision", "recall", "f1")
    ]


def evaluate_trafilatura(folder: Path, limit: int | None = None, workers: int | None = None) -> list[EvalRow]:
    data: dict[str, dict[str, Any]] = _load_json(folder / "evaldata_subset.json")
    urls = list(data)[:limit] if limit else list(data)
    pages: list[tuple[bytes, str | None]] = [
        (gzip.decompress((folder / "html" / f"{data[u]['file']}.gz").read_bytes()), u) for u in urls
    ]
    results = run_pages(pages, workers=workers, with_baseline=True)
    ours = _score_trafilatura(data, urls, results, with_intervals=True)
    base = _score_trafilatura(data, urls, [r.get("baseline", {}) for r in results])
    notes = {
        "title": "exact after NFKC/whitespace/case",
        "date": "same day in the publisher's time zone (any UTC offset)",
        "date_utc_day": "same UTC day",
        "author": "normalised equal or contained",
    }
    return [
        EvalRow(STAGE, "trafilatura_eval", metric, value, n, reference={"trafilatura": base[metric][0]},
                note=notes.get(metric.removesuffix("_accuracy"), ""), ci_low=low, ci_high=high, ci_method=method)
        for metric, (value, n, (low, high), method) in ours.items()
    ]


def _score_trafilatura(data: dict[str, dict[str, Any]], urls: list[str], results: list[dict[str, Any]],
                       with_intervals: bool = False) -> dict[str, tuple[float, int, tuple[float, float], str]]:
    """metric: (value, items, 95% interval, interval method); the interval is (0, 1), method "",
    unless ``with_intervals`` (the reference column needs none)."""
    per_page: list[tuple[int, int, int]] = []
    meta: dict[str, list[bool]] = {"title": [], "date": [], "date_utc_day": [], "author": []}
    checks: dict[str, tuple[str, str, Callable[[Any, str], bool]]] = {
        # row name: (gold field, result key, check)
        "title": ("title", "title", title_correct),
        "date": ("date", "published_at", date_correct),
        "date_utc_day": ("date", "published_at", lambda ours, gold: date_correct(ours, gold, strict_utc=True)),
        "author": ("author", "author", author_correct),
    }
    for url, res in zip(urls, results, strict=True):
        item = data[url]
        a, b, c, _ = snippet_counts(item, res.get("text"))
        per_page.append((a, b, c))
        for row, (gold_field, key, check) in checks.items():
            gold = item.get(gold_field)
            if isinstance(gold, str) and gold.strip():
                meta[row].append(check(res.get(key), gold))
    counts = np.array(per_page, dtype=float).reshape(-1, 3)
    tp, fp, fn = (int(x) for x in counts.sum(axis=0))
    body = prf(tp, fp, fn)
    none = ((0.0, 1.0), "")
    ci: dict[str, tuple[tuple[float, float], str]] = dict.fromkeys(body, none)
    if with_intervals:
        # snippets of one page share its extraction: resample pages, then pool their snippets
        w = resample_weights(len(counts), "extraction/trafilatura_eval") @ counts
        p, r = safe_ratio(w[:, 0], w[:, 0] + w[:, 1]), safe_ratio(w[:, 0], w[:, 0] + w[:, 2])
        ci = {"precision": clustered_proportion(percentile_interval(p), tp, tp + fp),
              "recall": clustered_proportion(percentile_interval(r), tp, tp + fn),
              "f1": (percentile_interval(f1_of(p, r)), "bootstrap")}
    scores = {m: (body[m], len(urls), *ci[m]) for m in ("precision", "recall", "f1")}
    for row, hits in meta.items():
        interval = (wilson(sum(hits), len(hits)), "wilson") if with_intervals else none
        scores[f"{row}_accuracy"] = (sum(hits) / len(hits) if hits else 0.0, len(hits), *interval)
    return scores


def evaluate(data_dir: Path, limit: int | None = None) -> list[EvalRow]:
    """All extraction rows; ``limit`` scores only the first pages of each set (for quick checks)."""
    root = Path(data_dir) / "extraction"
    rows: list[EvalRow] = []
    if (root / "scrapinghub_aeb").exists():
        rows += evaluate_aeb(root / "scrapinghub_aeb", limit)
    if (root / "trafilatura_eval").exists():
        rows += evaluate_trafilatura(root / "trafilatura_eval", limit)
    return rows


def print_rows(rows: Iterable[EvalRow]) -> None:
    for r in rows:
        refs = "  ".join(f"{k}={v:.3f}" for k, v in r.reference.items())
        print(f"{r.key:<48} {r.value:.3f}  n={r.n:<4} {refs} {r.note}")


if __name__ == "__main__":
    import sys
    import time

    start = time.perf_counter()
    print_rows(evaluate(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data")))
    print(f"{time.perf_counter() - start:.1f}s")
