"""Each tone scorer on real sentences whose polarity nobody would argue about."""

from __future__ import annotations

import pytest

from limelight.registry import registry
from limelight.settings import Settings
from limelight.tone.transformers_scorer import map_label, scores_to_tone

CASES = {
    "en": ("The company posted record profits and its shares soared.",
           "The bank collapsed after a massive fraud scandal; thousands lost their savings.",
           "The meeting will take place on Tuesday at 10 am."),
    "de": ("Das Unternehmen erzielte einen großartigen Erfolg und einen Rekordgewinn.",
           "Der Konzern meldet einen katastrophalen Verlust, die Lage ist schlecht.",
           "Die Sitzung findet am Dienstag um zehn Uhr statt."),
    "fr": ("Un excellent résultat, la société est très heureuse de ce succès.",
           "Une terrible catastrophe, les résultats sont très mauvais.",
           "La réunion aura lieu mardi à dix heures."),
    "zh": ("公司业绩非常好，利润创历史新高，股价大涨。",
           "公司巨额亏损，产品质量太差，用户非常失望。",
           "会议将于周二上午十点举行。"),
    "vi": ("Công ty đạt lợi nhuận kỷ lục, cổ phiếu tăng mạnh.",
           "Công ty thua lỗ nặng, cổ phiếu lao dốc, nhà đầu tư thất vọng.",
           "Cuộc họp sẽ diễn ra vào thứ Ba."),
}


def _scorer(name: str):
    s = registry.get("scorer", name)
    s.setup(Settings.defaults(), None)
    return s


@pytest.mark.parametrize(("name", "lang"), [("vader", "en"), ("textblob-de", "de"), ("textblob-fr", "fr"),
                                            ("snownlp", "zh")])
def test_tone_scorers_lexicon_obvious_polarity(name: str, lang: str) -> None:
    pos, neg, _neutral = CASES[lang]
    (tp, lp), (tn, ln) = _scorer(name).score([pos, neg], lang)
    assert (lp, ln) == ("positive", "negative")
    assert -1.0 <= tn < 0 < tp <= 1.0


@pytest.mark.parametrize("lang", ["en", "de", "zh", "vi", "fr"])
@pytest.mark.parametrize("name", ["embedding", "embedding-anchors"])
def test_tone_scorers_embedding_obvious_polarity(name: str, lang: str) -> None:
    pos, neg, _neutral = CASES[lang]
    (tp, lp), (tn, ln) = _scorer(name).score([pos, neg], lang)
    assert (lp, ln) == ("positive", "negative")
    assert tn < tp


def test_tone_scorers_embedding_anchors_neutral_announcement() -> None:
    res = _scorer("embedding-anchors").score([CASES["en"][2], CASES["de"][2]], "en")
    assert [lab for _t, lab in res] == ["neutral", "neutral"]


def test_tone_scorers_empty_input_scores_nothing() -> None:
    for name in ("vader", "embedding", "embedding-anchors"):
        assert _scorer(name).score([], "en") == []


def test_tone_scorers_every_scorer_declares_languages() -> None:
    scorers = registry.all("scorer")
    assert {"vader", "textblob-de", "textblob-fr", "snownlp", "embedding", "embedding-anchors",
            "transformers", "llm"} <= {s.name for s in scorers}
    for s in scorers:
        assert isinstance(s.languages, tuple) and s.languages


def test_tone_scorers_transformers_label_mapping() -> None:
    # The pipeline's output shape (every label with its score), as cardiffnlp and nlptown models give it.
    assert scores_to_tone([{"label": "LABEL_0", "score": 0.1}, {"label": "LABEL_1", "score": 0.2},
                           {"label": "LABEL_2", "score": 0.7}]) == (0.6, "positive")
    assert [map_label(s) for s in ("1 star", "3 stars", "5 stars")] == ["negative", "neutral", "positive"]
    assert map_label("Negative") == "negative" and map_label("joy") is None


def test_tone_scorers_transformers_without_model_says_what_to_set() -> None:
    from limelight.errors import ConfigError

    with pytest.raises(ConfigError, match=r"tone\.transformers_model"):
        _scorer("transformers").score(["x"], "en")


def test_tone_scorers_cli_score_prints_labels() -> None:
    from click.testing import CliRunner

    from limelight.cli import main

    result = CliRunner().invoke(main, ["tone", "score", "--language", "en", "--scorer", "vader", "--format", "csv",
                                       CASES["en"][0], CASES["en"][1]])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].split(",") == ["text", "tone", "label"]
    assert lines[1].endswith(",positive") and lines[2].endswith(",negative")
