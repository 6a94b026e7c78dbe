from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from limelight.enrich.base import EnrichContext, Enricher
from limelight.enrich.language import UNDETERMINED, LanguageEnricher, build_detector, detect_languages, register
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
    assert strict(item("Xiaomi Auto")).document.language == UNDETERMINED


def test_language_unknown_code_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="xx"):
        build_detector(("de", "xx"))


UNCONFIGURED = {
    "pt": "O presidente anunciou hoje novas medidas para a economia do país e os mercados reagiram bem às "
          "notícias, com as bolsas a subirem em toda a região durante a tarde.",
    "it": "Il governo ha approvato oggi la nuova legge sul lavoro dopo un lungo dibattito in parlamento, e i "
          "sindacati hanno annunciato che valuteranno le prossime mosse nei prossimi giorni.",
    "id": "Pemerintah mengumumkan kebijakan baru untuk mendukung pertumbuhan ekonomi nasional tahun ini, "
          "termasuk insentif pajak bagi usaha kecil dan menengah di seluruh negeri.",
    "ja": "トヨタ自動車は本日、新しい電気自動車の生産計画を発表しました。",
}


@pytest.mark.parametrize("lang", sorted(UNCONFIGURED))
def test_language_text_in_no_configured_language_is_undetermined(lang: str) -> None:
    """Restricted to the configured languages, lingua had to choose: Portuguese, Italian and
    Indonesian pages came out as es with confidence 1.000."""
    ((code, _conf),) = detect_languages([UNCONFIGURED[lang]])
    assert code == UNDETERMINED


def test_language_configured_languages_still_detected_with_the_guard() -> None:
    long = {"en": "The company reported higher quarterly profits on Tuesday as demand for its smartphones and "
                  "electric cars rose sharply in China and Europe, beating analysts' expectations.",
            "es": "El Gobierno aprobó hoy una nueva ley que refuerza los derechos de los trabajadores de "
                  "plataformas digitales, según informó el ministerio en Madrid.",
            "zh": "小米集团创始人雷军今天在北京发布会上宣布，公司将继续加大在电动汽车领域的投资。"}
    assert [c for c, _ in detect_languages(list(long.values()))] == list(long)


def test_language_short_low_confidence_text_says_so(shared_data: Path) -> None:
    """240 English Reuters headlines were tagged de: a short text that fits several languages is
    'und' below language.min_confidence, and far fewer English headlines get a wrong language."""
    import csv
    import gzip

    titles = []
    with gzip.open(shared_data / "news" / "reuters_headlines_2007-2016_sample1in20.tsv.gz", "rt",
                   encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh, delimiter="\t")):
            if i % 50 == 0:
                titles.append(row["title"])
            if len(titles) >= 2000:
                break
    guessing = Counter(c for c, _ in detect_languages(titles, min_confidence=0.0))
    careful = Counter(c for c, _ in detect_languages(titles, min_confidence=0.5))
    wrong_guessing = sum(n for c, n in guessing.items() if c not in ("en", UNDETERMINED))
    wrong_careful = sum(n for c, n in careful.items() if c not in ("en", UNDETERMINED))
    assert wrong_careful <= 0.6 * wrong_guessing
    assert careful[UNDETERMINED] < 0.1 * len(titles)
    assert Settings.defaults()["language.min_confidence"] == 0.5
