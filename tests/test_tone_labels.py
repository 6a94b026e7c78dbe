"""One tone rule everywhere: a label is always label_for(its score), from every scorer, in the
enricher and in the analyses' SQL (limelight.tone.labels)."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from limelight.enrich.base import EnrichContext
from limelight.enrich.tone import ToneEnricher
from limelight.models import Document, Enriched, Mention, Source
from limelight.registry import registry
from limelight.settings import Settings
from limelight.store.reads.analyses import tone_label as label_sql
from limelight.tone.embedding import to_results
from limelight.tone.head import LogisticHead
from limelight.tone.labels import LABELS, NEUTRAL_BAND, label_for, rescale
from limelight.tone.transformers_scorer import scores_to_tone
from limelight.watchlist import Watchlist

SCORES = st.floats(-1.0, 1.0, allow_nan=False)
# Class probabilities as a classifier gives them: three non-negative numbers that sum to 1.
PROBS = st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1)).filter(lambda t: sum(t) > 1e-6).map(
    lambda t: tuple(x / sum(t) for x in t))


def _rank(label: str) -> int:
    return LABELS.index(label)


@given(SCORES, SCORES)
def test_tone_labels_rule_is_monotone_with_a_neutral_band(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert _rank(label_for(lo)) <= _rank(label_for(hi))
    assert (label_for(a) == "neutral") == (abs(a) <= NEUTRAL_BAND)


def test_tone_labels_band_edges() -> None:
    assert [label_for(x) for x in (-0.2001, -0.2, 0.0, 0.2, 0.2001)] == [
        "negative", "neutral", "neutral", "neutral", "positive"]


def _head_predict(p: tuple[float, float, float]) -> tuple[float, str]:
    # a head whose probabilities are p whatever the vector: no weights, log-probabilities as bias
    head = LogisticHead(np.zeros(2, np.float32), np.ones(2, np.float32), np.zeros((2, 3), np.float32),
                        np.log(np.maximum(np.array(p), 1e-12)), LABELS, "test")
    return head.predict(np.zeros((1, 2), np.float32))[0]


@settings(max_examples=300)
@given(PROBS)
def test_tone_labels_probability_scorers_label_matches_their_score(p: tuple[float, float, float]) -> None:
    """The embedding scorers, a trained head and a transformers model: the label is the likeliest
    class (what the eval measured) and the score agrees with it (−0.488 is never "neutral")."""
    neg, neu, pos = p
    results = {
        "embedding": to_results(np.array([p]))[0],
        "head": _head_predict(p),
        "transformers": scores_to_tone([{"label": "negative", "score": neg}, {"label": "neutral", "score": neu},
                                        {"label": "positive", "score": pos}]),
    }
    for name, (score, label) in results.items():
        assert label == label_for(score), (name, p, score, label)
        assert -1.0 <= score <= 1.0
        if name != "head":  # the head's softmax of log-probabilities rounds a little
            assert p[_rank(label)] == max(p), (name, p, label)
        # the score stays the expected polarity whenever that already lies in the label's range
        if label_for(round(pos - neg, 4)) == label:
            assert score == pytest.approx(pos - neg, abs=1e-3), (name, p, score)


def test_tone_labels_the_cases_from_the_issue() -> None:
    # likeliest class neutral, expectation −0.488; likeliest class negative, expectation −0.003
    (s1, l1), (s2, l2) = to_results(np.array([[0.494, 0.5, 0.006], [0.337, 0.329, 0.334]]))
    assert (l1, l2) == ("neutral", "negative")
    assert label_for(s1) == "neutral" and s1 == -0.2
    assert label_for(s2) == "negative" and s2 == -0.2001


@given(SCORES, st.sampled_from([0.05, 0.1, 0.4]))
def test_tone_labels_lexicon_rescale_keeps_the_library_label(x: float, band: float) -> None:
    own = "positive" if x > band else "negative" if x < -band else "neutral"
    y = rescale(x, band)
    assert -1.0 <= y <= 1.0 and label_for(y) == own
    assert rescale(min(x + 0.01, 1.0), band) >= y  # monotone


@settings(max_examples=50, deadline=None)
@given(st.lists(SCORES, min_size=1, max_size=50))
def test_tone_labels_sql_rule_is_the_python_rule(scores: list[float]) -> None:
    con = duckdb.connect()
    got = con.execute(f"SELECT {label_sql('t', 'l')} FROM (SELECT unnest(?::DOUBLE[]) AS t, NULL::VARCHAR AS l)",
                      [scores]).fetchall()
    assert [g[0] for g in got] == [label_for(s) for s in scores]
    # a stored label without a score is kept; neither is "not scored", never neutral
    assert con.execute(f"SELECT {label_sql('NULL::DOUBLE', chr(39) + 'positive' + chr(39))}").fetchone() == (
        "positive",)
    assert con.execute(f"SELECT {label_sql('NULL::DOUBLE', 'NULL::VARCHAR')}").fetchone() == (None,)


TEXTS = {
    "en": ["The company posted record profits and its shares soared.",
           "The bank collapsed after a massive fraud scandal; thousands lost their savings.",
           "The meeting will take place on Tuesday at 10 am."],
    "de": ["Der Konzern meldet einen katastrophalen Verlust, die Lage ist schlecht.",
           "Die Sitzung findet am Dienstag um zehn Uhr statt."],
    "fr": ["Une terrible catastrophe, les résultats sont très mauvais.", "La réunion aura lieu mardi à dix heures."],
    "zh": ["公司巨额亏损，产品质量太差，用户非常失望。", "会议将于周二上午十点举行。"],
}


@pytest.mark.parametrize(("name", "lang"), [("vader", "en"), ("textblob-de", "de"), ("textblob-fr", "fr"),
                                            ("snownlp", "zh"), ("embedding", "en"), ("embedding", "zh"),
                                            ("embedding-anchors", "de")])
def test_tone_labels_real_scorers_give_the_rule_s_label(name: str, lang: str) -> None:
    scorer = registry.get("scorer", name)
    scorer.setup(Settings.defaults(), None)
    results = scorer.score(TEXTS[lang], lang)
    assert len(results) == len(TEXTS[lang])
    for text, (score, label) in zip(TEXTS[lang], results, strict=True):
        assert -1.0 <= score <= 1.0
        assert label == label_for(score), (name, text, score, label)


def test_tone_labels_enricher_stores_the_rule_s_label() -> None:
    wl = Watchlist.from_dict({"entity": [{"id": "acme", "kind": "org", "name": "Acme"}]})
    enricher = ToneEnricher()
    enricher.setup(EnrichContext(Settings.from_dict({"tone": {"at_ingest": True}}), wl))
    sentence = "Acme collapsed after a massive fraud scandal, while the meeting is on Tuesday."
    doc = Document(id="d1", kind="article", origin="t", source=Source.make("web", "example.org"), text=sentence,
                   title="Acme collapses", language="en")
    out = enricher(Enriched(doc, (Mention("d1", "acme", "Acme", "Acme", "text", 0, 4, "body", sentence),)))
    assert out.document.tone is not None and out.document.tone_label == label_for(out.document.tone)
    assert all(m.tone is not None and m.tone_label == label_for(m.tone) for m in out.mentions)
