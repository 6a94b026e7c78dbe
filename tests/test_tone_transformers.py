"""The ``transformers`` tone scorer with a real (tiny) model, made here and loaded through our code.

No hub, no download: a BERT with 2 layers of width 32 is fine-tuned for a few dozen steps on toy
sentences, saved with ``save_pretrained`` into a temporary folder, and that folder is given as
``tone.transformers_model``. Everything below runs the real ``transformers.pipeline``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import need_module

torch = need_module("torch")
transformers = need_module("transformers")

import limelight  # noqa: E402
from limelight.errors import ConfigError  # noqa: E402
from limelight.registry import registry  # noqa: E402
from limelight.settings import Settings  # noqa: E402

# Synthetic toy sentences written for this test (not from any data set): clearly one polarity each.
POSITIVE = ["xiaomi posted record profits and strong growth .",
            "excellent results , the launch was a big success .",
            "happy customers praise the superb new phone .",
            "shares soared after a wonderful quarter ."]
NEGATIVE = ["xiaomi reported huge losses and a fraud scandal .",
            "awful results , the launch was a disaster .",
            "angry customers hate the broken new phone .",
            "shares collapsed after a dreadful quarter ."]
NEUTRAL = ["the meeting is on tuesday at ten .",
           "the report will be published next week .",
           "the company is based in the city .",
           "the phone has a screen and a battery ."]
# Unseen combinations of the training words.
POS_TEXT = "record profits , a wonderful success ."
NEG_TEXT = "huge losses , a dreadful fraud scandal ."
NEU_TEXT = "the report is on tuesday ."

SENTIMENT = {0: "negative", 1: "neutral", 2: "positive"}
STARS = {0: "1 star", 1: "2 stars", 2: "3 stars", 3: "4 stars", 4: "5 stars"}
MAX_LEN = 64
STEPS = 60


@pytest.fixture(autouse=True)
def _offline(hf_offline: None) -> None:
    """Nothing here may reach the hub (conftest.hf_offline)."""


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    # Tiny matrices: on 2 shared cores, torch's thread pool costs ~10x more than it saves.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _tokenizer(folder: Path) -> object:
    words = sorted({w for s in POSITIVE + NEGATIVE + NEUTRAL for w in s.split()})
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]) + "\n", encoding="utf-8")
    return transformers.BertTokenizer(str(vocab), model_max_length=MAX_LEN)


def _make_model(folder: Path, id2label: dict[int, str], train_labels: list[int] | None) -> Path:
    """A tiny BERT classifier with these labels, fine-tuned on NEGATIVE/NEUTRAL/POSITIVE mapped to
    ``train_labels`` (or left untrained), saved (model + tokenizer) into ``folder``."""
    folder.mkdir(parents=True)
    torch.manual_seed(0)
    tok = _tokenizer(folder)
    config = transformers.BertConfig(
        vocab_size=len(tok.get_vocab()), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=MAX_LEN, num_labels=len(id2label),
        id2label=id2label, label2id={v: k for k, v in id2label.items()})
    model = transformers.BertForSequenceClassification(config)
    if train_labels is not None:
        texts = NEGATIVE + NEUTRAL + POSITIVE
        labels = torch.tensor([lab for lab in train_labels for _ in range(len(NEGATIVE))])
        batch = tok(texts, padding=True, return_tensors="pt")
        optimiser = torch.optim.AdamW(model.parameters(), lr=5e-3)
        model.train()
        for _step in range(STEPS):
            loss = model(**batch, labels=labels).loss
            loss.backward()
            optimiser.step()
            optimiser.zero_grad()
        assert loss.item() < 0.1  # it has learnt the toy set
    model.eval()
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def sentiment_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make_model(tmp_path_factory.mktemp("tiny") / "sentiment", SENTIMENT, [0, 1, 2])


@pytest.fixture(scope="module")
def stars_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make_model(tmp_path_factory.mktemp("tiny") / "stars", STARS, [0, 2, 4])


def _scorer(model: Path | str, root: Path | None = None) -> Any:
    s = registry.get("scorer", "transformers")
    s.setup(Settings.from_dict({"tone": {"transformers_model": str(model)}}), root)
    return s


def test_tone_transformers_local_model_scores_polarity(sentiment_model: Path) -> None:
    (tp, lp), (tn, ln), (t0, l0) = _scorer(sentiment_model).score([POS_TEXT, NEG_TEXT, NEU_TEXT], "en")
    assert (lp, ln, l0) == ("positive", "negative", "neutral")
    assert -1.0 <= tn < 0 < tp <= 1.0
    assert -1.0 <= t0 <= 1.0 and tn < t0 < tp


def test_tone_transformers_batch_keeps_order_and_matches_single_texts(sentiment_model: Path) -> None:
    scorer = _scorer(sentiment_model)
    texts = [NEG_TEXT, POS_TEXT, NEU_TEXT, POS_TEXT, NEG_TEXT, "shares soared ."]
    batch = scorer.score(texts, "en")
    assert [lab for _t, lab in batch] == ["negative", "positive", "neutral", "positive", "negative", "positive"]
    assert batch[0] == batch[4] and batch[1] == batch[3]
    for text, (tone, label) in zip(texts, batch, strict=True):  # padding in a batch changes nothing
        ((one_tone, one_label),) = scorer.score([text], "en")
        assert one_label == label and one_tone == pytest.approx(tone, abs=1e-3)
    assert scorer.score([], "en") == []


def test_tone_transformers_truncates_long_texts(sentiment_model: Path) -> None:
    long_text = " ".join([POS_TEXT] * 100)  # ~700 tokens, the model has 64 positions
    ((tone, label),) = _scorer(sentiment_model).score([long_text], "en")
    assert label == "positive" and 0 < tone <= 1


def test_tone_transformers_star_rating_model(stars_model: Path) -> None:
    res = _scorer(stars_model).score([POS_TEXT, NEG_TEXT, NEU_TEXT], "en")
    assert [lab for _t, lab in res] == ["positive", "negative", "neutral"]
    (tp, _), (tn, _), (t0, _) = res
    assert -1.0 <= tn < t0 < tp <= 1.0


def test_tone_transformers_unmappable_labels_are_refused(tmp_path: Path) -> None:
    emotions = _make_model(tmp_path / "emotions", {0: "joy", 1: "anger", 2: "neutral"}, None)
    with pytest.raises(ConfigError, match=r"cannot map the labels \['joy', 'anger'\].*emotions") as err:
        _scorer(emotions).score(["x"], "en")
    assert "negative/neutral/positive" in err.value.hint


def test_tone_transformers_missing_model_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot load the transformers tone model") as err:
        _scorer("no-such-org/no-such-model").score(["x"], "en")
    assert "tone.transformers_model" in err.value.hint


def test_tone_transformers_relative_folder_is_found_in_the_project(sentiment_model: Path) -> None:
    ((tone, label),) = _scorer(sentiment_model.name, root=sentiment_model.parent).score([POS_TEXT], "en")
    assert label == "positive" and tone > 0


def test_tone_transformers_apply_writes_tone_to_the_store(tmp_path: Path, sentiment_model: Path) -> None:
    project = limelight.init(tmp_path / "p", example="seed")
    # A project-relative model folder, as a user would keep it next to limelight.toml.
    (project.root / "tone-model").symlink_to(sentiment_model, target_is_directory=True)
    (project.root / "limelight.toml").write_text(
        '[tone]\ntransformers_model = "tone-model"\nscorers = {en = "transformers"}\n', encoding="utf-8")
    news = tmp_path / "news.txt"
    news.write_text("Xiaomi posted record profits and strong growth after a wonderful quarter. "
                    "Happy customers praise the superb new phone, and shares soared.\n", encoding="utf-8")
    limelight.ingest([str(news)], project.root, fetch=False)

    summary = limelight.apply_tone(project.root)
    assert summary.mentions >= 1 and summary.documents == 1
    rows = limelight.query("select tone, tone_label from mentions", project.root).to_pylist()
    assert rows and all(r["tone"] is not None and -1 <= r["tone"] <= 1 for r in rows)
    assert {r["tone_label"] for r in rows} == {"positive"}
    doc = limelight.query("select language, tone, tone_label from documents", project.root).to_pylist()
    assert doc == [{"language": "en", "tone": pytest.approx(doc[0]["tone"]), "tone_label": "positive"}]
    assert doc[0]["tone"] > 0
