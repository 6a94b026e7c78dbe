"""Rebuild the head shipped in ``limelight/tone/data/default_head.npz``.

    python -m limelight.tone.build_default ../shared/data

Only sets whose licence allows shipping a model trained on them are used (GerNTSA CC BY 4.0,
FinEntity ODC-BY, NewsMTSC MIT; attribution in ``data/NOTICE`` and docs/tone.md), and only their
train halves (:func:`limelight.eval.tone.split`), so ``limelight eval`` scores the head on data it
never saw. Mentions are embedded as the enricher sees them: the clause around the target.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from limelight.enrich.embeddings import get_embedder
from limelight.eval.tone import SETS, split
from limelight.tone.embedding import DEFAULT_HEAD
from limelight.tone.head import LogisticHead, fit_head


def build(data_dir: Path, out: Path = DEFAULT_HEAD) -> LogisticHead:
    base = data_dir / "sentiment"
    texts: list[str] = []
    labels: list[str] = []
    used = []
    for lang, name, loader, shippable in SETS:
        if not shippable:
            continue
        train, _test = split(loader(base))
        texts.extend(it.text for it in train)
        labels.extend(it.label for it in train)
        used.append(f"{lang}_{name} ({len(train)})")
    embedder = get_embedder()
    vecs = np.concatenate([embedder.passages(texts[i : i + 256]) for i in range(0, len(texts), 256)])
    head = fit_head(vecs, labels, embedder.name, about="train halves of " + ", ".join(used))
    head.save(out)
    return head


if __name__ == "__main__":
    h = build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data"))
    print(f"wrote {DEFAULT_HEAD}: {h.about}")
