from __future__ import annotations

import pytest

from limelight.enrich.base import EnrichContext, Enricher
from limelight.enrich.language import LanguageEnricher, build_detector, detect_languages, register
from limelight.errors import ConfigError
from limelight.models import Document, Enriched, Source
from limelight.registry import Registry
from limelight.settings import Settings
from limelight.watchlist import Watchlist


def item(text: str, title: str | None = None) -> Enriched:
    source = Source.make("x", "a")
    return Enriched(Document(id="d", kind="post", origin="t", source=source, text=text, title=title))


def test_language_batch_detects_each_language() -> None:
    texts = ["Lei Jun saß im Publikum und schwieg.", "Lei Jun sat in the audience.",
             "Lôi Quân ngồi dưới khán đài.", "雷军坐在台下。", "", "Lei Jun était dans le public."]
    codes = [code for code, _ in detect_languages(texts)]
    assert codes == ["de", "en", "vi", "zh", None, "fr"]


def test_language_enricher_sets_language_and_threshold() -> None:
    reg = Registry()
    register(reg)
    plugin = reg._plugins["enricher"]["language"]
    assert isinstance(plugin, Enricher) and isinstance(plugin, LanguageEnricher)
    plugin.setup(EnrichContext(Settings.defaults(), Watchlist(())))
    out = plugin(item("Xiaomi hat die Kommunikationsstrategie geändert.", title="Der Donnerlord ist anders."))
    assert out.document.language == "de" and out.document.language_confidence is not None
    strict = LanguageEnricher()
    strict.setup(EnrichContext(Settings.from_dict({"language": {"min_confidence": 0.99}}), Watchlist(())))
    assert strict(item("Xiaomi Auto")).document.language is None


def test_language_unknown_code_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="xx"):
        build_detector(("de", "xx"))
