"""Translation links need two texts in different languages: SYNTHETIC metas, then real-looking headlines
through lingua and the embedding model."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from limelight.enrich.language import detect_languages
from limelight.link.base import script_of
from limelight.link.translations import (
    MIN_LANGUAGE_CONFIDENCE,
    Meta,
    TranslationLinker,
    languages_differ,
    similar_translations,
)
from limelight.models import Document, Enriched, Source, content_hash
from limelight.settings import Settings
from limelight.store.duckdb_store import DuckDBStore
from limelight.watchlist import Watchlist


def test_link_translations_language_evidence() -> None:
    sure_en, sure_de = Meta("a", "en", 0.0, 0.97, "latin"), Meta("b", "de", 0.0, 0.99, "latin")
    unsure_de = Meta("c", "de", 0.0, 0.58, "latin")  # an English headline lingua called German
    zh = Meta("d", "zh", 0.0, 0.6, "han")
    assert languages_differ(sure_en, sure_de)
    assert not languages_differ(sure_en, unsure_de)  # one script, one unsure tag: the same language
    assert languages_differ(unsure_de, zh) and languages_differ(Meta("e", "en", 0.0, 0.4, "latin"), zh)
    assert not languages_differ(sure_en, Meta("f", "und", 0.0, 0.9, "latin"))
    assert not languages_differ(sure_en, Meta("g", None, 0.0))
    assert languages_differ(Meta("h", "en", 0.0), Meta("i", "de", 0.0))  # tags given, not detected
    assert (script_of("Volkswagen CEO apologizes"), script_of("大众汽车首席执行官道歉"), script_of("2015")) == (
        "latin", "han", None)


def test_link_translations_unsure_tags_of_one_script_are_not_translations() -> None:
    v = np.array([[1.0, 0.0], [0.98, 0.2]], dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    mistagged = [Meta("en1", "en", 0.0, 0.9, "latin"), Meta("en2", "de", 0.5, MIN_LANGUAGE_CONFIDENCE - 0.2, "latin")]
    assert similar_translations(mistagged, v, 0.85) == []
    confident = [Meta("en1", "en", 0.0, 0.9, "latin"), Meta("de1", "de", 0.5, 0.95, "latin")]
    assert [(x.from_id, x.to_id) for x in similar_translations(confident, v, 0.85)] == [("de1", "en1")]


# Real-looking English wire headlines that lingua (restricted to the default languages) tags German,
# as it tagged 35 of 3,000 English Reuters headlines of September 2015, beside an English rewrite of
# each: the same story in the same language, which is never a translation.
MISTAGGED = [
    ("Volkswagen CEO apologizes for diesel emission scandal",
     "Volkswagen chief executive apologizes over diesel emissions scandal"),
    ("McLaren's Magnussen falls off bike and breaks hand",
     "McLaren driver Magnussen breaks his hand falling off a bike"),
    ("New BMW CEO open to partnerships with tech firms: Sueddeutsche Zeitung",
     "BMW's new chief executive is open to partnerships with technology firms, newspaper says"),
]


def test_link_translations_english_headlines_tagged_german_are_not_linked(tmp_path: Path) -> None:
    texts = [t for pair in MISTAGGED for t in pair]
    tags = detect_languages(texts)
    # the first of each pair is tagged German, unsurely; its rewrite English
    assert [code for code, _ in tags] == ["de", "en"] * len(MISTAGGED)
    assert all(conf < MIN_LANGUAGE_CONFIDENCE for _, conf in tags[0::2])
    source = Source.make("web", "wire.example")
    docs = [Enriched(Document(id=f"h{i}", kind="article", origin=f"test:{i}", source=source, text="", title=t,
                              language=code, language_confidence=conf, content_hash=content_hash(t, ""),
                              published_at=datetime(2015, 9, 22, 8 + i, tzinfo=UTC)))
            for i, (t, (code, conf)) in enumerate(zip(texts, tags, strict=True))]
    with DuckDBStore(tmp_path / "t.duckdb") as store:
        store.write(docs, "test")
        TranslationLinker().run(store, Settings.defaults(), Watchlist(()))
        links = store.query("SELECT from_id, to_id FROM links WHERE kind = 'translation'").to_pylist()
        vectors = store.query("SELECT count(*) AS n FROM embeddings").column("n")[0].as_py()
    assert vectors == len(texts)  # they were embedded and compared
    assert links == []
