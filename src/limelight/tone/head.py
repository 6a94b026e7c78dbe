"""A logistic-regression tone head on standardised sentence embeddings, in plain numpy.

Why numpy and not scikit-learn: the model is 384×3 weights, trains in a second on a few thousand
rows, and one less heavy dependency keeps the offline install small. The loss is multinomial
cross-entropy with L2 and balanced class weights (macro-F1 is what we report, and news sets are
mostly neutral), minimised by full-batch gradient descent with momentum (convex, so it converges).

Saved as ``.npz`` with the embedder's name, so a head is never applied to vectors of another model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from limelight.errors import ConfigError
from limelight.tone.labels import LABELS, from_probabilities


@dataclass(frozen=True)
class LogisticHead:
    mean: np.ndarray  # (dim,)
    std: np.ndarray  # (dim,)
    weights: np.ndarray  # (dim, classes)
    bias: np.ndarray  # (classes,)
    classes: tuple[str, ...]
    embedder: str
    about: str = ""  # what it was trained on, shown by `limelight tone info` and in docs

    def proba(self, vectors: np.ndarray) -> np.ndarray:
        z = ((vectors - self.mean) / self.std) @ self.weights + self.bias
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        out: np.ndarray = e / e.sum(axis=1, keepdims=True)
        return out

    def predict(self, vectors: np.ndarray) -> list[tuple[float, str]]:
        """(tone, label) per row: the likeliest class, and P(positive) − P(negative) kept inside its
        range (:func:`limelight.tone.labels.from_probabilities`)."""
        if len(vectors) == 0:
            return []
        p = self.proba(vectors)
        idx = {c: i for i, c in enumerate(self.classes)}
        # a head trained without one of the classes gives it probability 0
        cols = [p[:, idx[c]] if c in idx else np.zeros(len(p)) for c in LABELS]
        return [from_probabilities(a, b, c) for a, b, c in zip(*cols, strict=True)]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:  # np.savez would append ".npz" to a name without it
            np.savez(fh, mean=self.mean, std=self.std, weights=self.weights, bias=self.bias,
                     classes=np.array(self.classes), embedder=np.array(self.embedder), about=np.array(self.about))

    @staticmethod
    def load(path: Path) -> LogisticHead:
        try:
            with np.load(path, allow_pickle=False) as data:
                return LogisticHead(
                    mean=data["mean"].astype(np.float32), std=data["std"].astype(np.float32),
                    weights=data["weights"].astype(np.float32), bias=data["bias"].astype(np.float32),
                    classes=tuple(str(c) for c in data["classes"]), embedder=str(data["embedder"]),
                    about=str(data["about"]) if "about" in data else "",
                )
        except FileNotFoundError:
            raise ConfigError(f"tone model {path} not found",
                              "train one with `limelight tone train FILE.csv`") from None
        except (KeyError, ValueError, OSError) as exc:
            raise ConfigError(f"tone model {path} is not a limelight tone head ({exc})",
                              "retrain it with `limelight tone train FILE.csv`") from None


def fit_head(
    vectors: np.ndarray, labels: Sequence[str], embedder: str, *, l2: float = 1e-2, steps: int = 400,
    about: str = "",
) -> LogisticHead:
    """Fit a multinomial logistic regression on ``vectors`` (n, dim) and string labels."""
    if len(vectors) != len(labels):
        raise ValueError("vectors and labels differ in length")
    unknown = sorted(set(labels) - set(LABELS))
    if unknown:
        raise ConfigError(f"unknown tone label(s) {unknown}", f"use {', '.join(LABELS)}")
    classes = tuple(c for c in LABELS if c in set(labels))
    if len(classes) < 2:
        raise ConfigError("training needs at least two different labels", f"label rows as {', '.join(LABELS)}")
    x = np.asarray(vectors, dtype=np.float64)
    mean = x.mean(axis=0)
    std = x.std(axis=0) + 1e-6
    x = (x - mean) / std
    n, dim = x.shape
    y = np.array([classes.index(lab) for lab in labels])
    onehot = np.eye(len(classes))[y]
    counts = onehot.sum(axis=0)
    sample_w = (n / (len(classes) * counts))[y][:, None]  # balanced: every class weighs the same
    w = np.zeros((dim, len(classes)))
    b = np.zeros(len(classes))
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    lr, momentum = 0.5, 0.9
    for _ in range(steps):
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * sample_w / n
        gw = x.T @ g + l2 * w
        gb = g.sum(axis=0)
        vw = momentum * vw - lr * gw
        vb = momentum * vb - lr * gb
        w += vw
        b += vb
    return LogisticHead(mean.astype(np.float32), std.astype(np.float32), w.astype(np.float32),
                        b.astype(np.float32), classes, embedder, about)
