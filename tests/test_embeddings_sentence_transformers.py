"""``get_embedder("st:PATH")`` with a real (tiny) sentence-transformers model made and saved here.

A BERT with 2 layers of width 32 (random weights, fixed seed) plus mean pooling is saved with
``SentenceTransformer.save`` into a temporary folder and loaded back through our code, offline.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from conftest import need_module

torch = need_module("torch")
transformers = need_module("transformers")
sentence_transformers = need_module("sentence_transformers")

from limelight.enrich.embeddings import Embedder, SentenceTransformer, get_embedder  # noqa: E402
from limelight.errors import ConfigError  # noqa: E402

DIM = 32
WORDS = ["the", "company", "posted", "record", "profits", "bank", "collapsed", "after", "a", "fraud", "meeting", "is",
         "on", "tuesday", "query", "passage"]
TEXTS = ["the company posted record profits", "the bank collapsed after a fraud", "the meeting is on tuesday"]


@pytest.fixture(autouse=True)
def _offline(hf_offline: None) -> None:
    """Nothing here may reach the hub (conftest.hf_offline)."""


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: threads cost more than they save on 2 shared cores
    yield
    torch.set_num_threads(before)


def _st_modules() -> tuple[type, type]:
    try:  # sentence-transformers >= 6
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:  # 3.x-5.x
        from sentence_transformers.models import Pooling, Transformer
    return Transformer, Pooling


@pytest.fixture(scope="module")
def st_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("tiny-st")
    vocab = base / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ":", *WORDS]) + "\n", encoding="utf-8")
    tok = transformers.BertTokenizer(str(vocab), model_max_length=64)
    torch.manual_seed(0)
    bert = transformers.BertModel(transformers.BertConfig(
        vocab_size=len(tok.get_vocab()), hidden_size=DIM, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64))
    bert.save_pretrained(base / "bert")
    tok.save_pretrained(base / "bert")
    transformer_cls, pooling_cls = _st_modules()
    word = transformer_cls(str(base / "bert"), max_seq_length=64)
    pooling = pooling_cls(DIM, "mean")
    folder = base / "st"
    sentence_transformers.SentenceTransformer(modules=[word, pooling], device="cpu").save(str(folder))
    return folder


def test_embeddings_st_loads_a_local_model(st_model: Path) -> None:
    emb = get_embedder(f"st:{st_model}")
    assert isinstance(emb, Embedder) and isinstance(emb, SentenceTransformer)
    assert emb.name == f"st:{st_model}" and emb.dim == DIM
    assert get_embedder(f"st:{st_model}") is emb  # one instance per process

    vecs = emb.passages(TEXTS)
    assert vecs.shape == (3, DIM) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)  # so a dot product is the cosine
    assert not np.allclose(vecs[0], vecs[1])  # different texts, different vectors

    again = emb.passages([TEXTS[1], TEXTS[0], TEXTS[1]])
    np.testing.assert_allclose(again, vecs[[1, 0, 1]], atol=1e-5)  # same text, same vector, order kept
    assert emb.passages([]).shape == (0, DIM) and emb.queries([]).shape == (0, DIM)


def test_embeddings_st_without_prefixes_queries_equal_passages(st_model: Path) -> None:
    emb = get_embedder(f"st:{st_model}")
    np.testing.assert_allclose(emb.queries(TEXTS), emb.passages(TEXTS), atol=1e-6)


def test_embeddings_st_prefixes_go_before_queries_and_passages(st_model: Path) -> None:
    plain = SentenceTransformer(str(st_model))
    e5 = SentenceTransformer(str(st_model), prefixes=("query: ", "passage: "))  # (query, passage), e5-style
    queries, passages = e5.queries(TEXTS), e5.passages(TEXTS)
    assert not np.allclose(queries, passages)
    np.testing.assert_allclose(queries, plain.passages([f"query: {t}" for t in TEXTS]), atol=1e-5)
    np.testing.assert_allclose(passages, plain.passages([f"passage: {t}" for t in TEXTS]), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)


def test_embeddings_st_missing_model_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot load sentence-transformers model"):
        get_embedder(f"st:{tmp_path / 'no-such-model'}")
    with pytest.raises(ConfigError, match="cannot load sentence-transformers model"):
        get_embedder("st:no-such-org/no-such-model")
