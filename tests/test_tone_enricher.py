"""The tone enricher: clauses, per-mention and per-document tone, and the seed article."""

from __future__ import annotations

from pathlib import Path

import pytest

from limelight.enrich.base import EnrichContext
from limelight.enrich.tone import DEFAULT_SCORERS, ToneEnricher, document_text, mention_clause
from limelight.errors import ConfigError
from limelight.models import Document, Enriched, RawPage, Source, content_hash, document_id, evolve
from limelight.pipeline import enrich_documents, extract_page
from limelight.settings import Settings
from limelight.watchlist import Watchlist

AT_INGEST = Settings.from_dict({"tone": {"at_ingest": True}})  # tone at ingest is off by default

WATCHLIST = Watchlist.from_dict({"entity": [
    {"id": "acme", "kind": "org", "name": "Acme", "aliases": ["Acme"]},
    {"id": "globex", "kind": "org", "name": "Globex", "aliases": ["Globex"]},
]})


def _doc(title: str, text: str, kind: str = "article") -> Document:
    h = content_hash(title, text)
    return Document(id=document_id(None, h), kind=kind, origin="test", text=text, title=title,  # type: ignore[arg-type]
                    source=Source.make("web", "example.org"), content_hash=h)


def test_tone_enricher_clause_separates_contrasting_entities() -> None:
    s = "Acme posted record profits and raised its forecast, while Globex collapsed after a fraud scandal."
    a = mention_clause(s, s.index("Acme"), s.index("Acme") + 4)
    g = mention_clause(s, s.index("Globex"), s.index("Globex") + 6)
    assert "Globex" not in a and "Acme" not in g
    assert g.startswith("Globex collapsed")
    # A clause too short to judge falls back to the whole sentence.
    short = "Acme, Berlin: profits soared."
    assert mention_clause(short, 0, 4) == short


def test_tone_enricher_scores_mentions_and_document() -> None:
    doc = _doc("Acme earns record profit",
               "Acme posted record profits and its shares soared to an all-time high.\n"
               "Acme raised its forecast, while Globex collapsed after a fraud scandal and cut thousands of jobs.")
    [out] = enrich_documents([doc], WATCHLIST, AT_INGEST)
    assert out.document.language == "en"
    labels = [(m.entity_id, m.field, m.tone_label) for m in out.mentions]
    assert labels == [("acme", "title", "positive"), ("acme", "text", "positive"), ("acme", "text", "positive"),
                      ("globex", "text", "negative")]
    assert all(m.tone is not None and -1 <= m.tone <= 1 for m in out.mentions)
    assert out.document.tone_label == "positive" and out.document.tone is not None


def test_tone_enricher_configured_scorer_wins_and_batch_matches_single() -> None:
    settings = Settings.from_dict({"tone": {"scorers": {"en": "vader"}, "at_ingest": True}})
    enricher = ToneEnricher()
    enricher.setup(EnrichContext(settings, WATCHLIST))
    assert enricher.scorer_for("en") == "vader" and enricher.scorer_for("de") == DEFAULT_SCORERS["de"]
    docs = [_doc(f"Acme report {i}", f"Acme had a terrible, awful year {i}.") for i in range(3)]
    items = [Enriched(evolve(d, language="en")) for d in docs]
    batched = enricher.batch(items)
    single = [enricher(i) for i in items]
    assert [b.document.tone for b in batched] == [s.document.tone for s in single]
    assert all(b.document.tone_label == "negative" for b in batched)


def test_tone_enricher_unknown_language_left_unscored() -> None:
    enricher = ToneEnricher()
    enricher.setup(EnrichContext(AT_INGEST, WATCHLIST))
    item = Enriched(_doc("x", "Acme."))
    assert enricher(item).document.tone is None


def test_tone_enricher_rejects_scorer_for_wrong_language() -> None:
    enricher = ToneEnricher()
    with pytest.raises(ConfigError, match="does not support language"):
        enricher.setup(EnrichContext(Settings.from_dict({"tone": {"scorers": {"de": "vader"}}}), WATCHLIST))


def test_tone_enricher_post_scored_on_its_text() -> None:
    post = _doc("", "Acme ist großartig!", kind="post")
    assert document_text(post) == "Acme ist großartig!"
    assert document_text(_doc("Titel", "Erster Absatz.\n\nZweiter.")) == "Titel\nErster Absatz."


def test_tone_enricher_seed_article_every_mention_scored(seed_file: Path) -> None:
    doc = extract_page(RawPage(str(seed_file), seed_file.read_bytes(), "text"))
    watchlist = Watchlist.from_dict({"entity": [
        {"id": "xiaomi", "kind": "org", "name": "Xiaomi", "aliases": ["Xiaomi", "小米"]},
        {"id": "lei-jun", "kind": "person", "name": "Lei Jun", "aliases": ["Lei Jun", "雷军", "Donnerlord"]},
        {"id": "lu-weibing", "kind": "person", "name": "Lu Weibing", "aliases": ["Lu Weibing"]},
        {"id": "leica", "kind": "org", "name": "Leica", "aliases": ["Leica"]},
    ]})
    [out] = enrich_documents([doc], watchlist, AT_INGEST)
    assert out.document.language == "de"
    assert len(out.mentions) >= 10
    assert all(m.tone is not None and m.tone_label in ("negative", "neutral", "positive") for m in out.mentions)
    assert out.document.tone is not None
    # The article is about an image that "hat sich deutlich verschlechtert": some mention reads negative.
    assert any(m.tone_label == "negative" for m in out.mentions)
