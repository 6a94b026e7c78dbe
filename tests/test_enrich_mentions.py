from __future__ import annotations

from pathlib import Path

import pytest

from limelight.enrich.base import EnrichContext, Enricher
from limelight.enrich.mentions import QUERY_ALIAS, MentionFinder, MentionsEnricher, register
from limelight.models import Document, Enriched, Mention, Source
from limelight.registry import Registry
from limelight.settings import Settings
from limelight.watchlist import Watchlist

WATCHLIST = {"entity": [
    {"id": "lei-jun", "kind": "person", "name": "Lei Jun", "parent": "xiaomi",
     "aliases": ["Lei Jun", "雷军", "Lôi Quân", "Donnerlord"]},
    {"id": "xiaomi", "kind": "org", "name": "Xiaomi", "aliases": ["Xiaomi", "小米", "Xiaomi Corporation"]},
    {"id": "xiaomi-auto", "kind": "segment", "parent": "xiaomi",
     "aliases": ["Xiaomi Auto", "Xiaomi EV", "SU7", "YU7", "小米汽车"],
     "query": '("Xiaomi" OR 小米) AND (SU7 OR YU7 OR EV)'},
    {"id": "lu-weibing", "kind": "person", "name": "Lu Weibing", "aliases": ["卢伟冰"]},
    {"id": "luo-fuli", "kind": "person", "name": "Luo Fuli", "aliases": ["罗福莉"]},
    {"id": "leica", "kind": "org", "name": "Leica"},
]}


def doc(text: str, title: str | None = None, captions: tuple[str, ...] = ()) -> Document:
    return Document(id="d1", kind="article", origin="test", source=Source.make("web", "example.org"),
                    text=text, title=title, captions=captions)


def seed_document(path: Path) -> Document:
    """Title = the headline line, text = the article paragraphs, captions = the "Foto:" lines."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    end = next(i for i, line in enumerate(lines) if line.startswith("Quelle:"))
    body = [line for line in lines[2:end] if not line.startswith("ZNews")]
    captions = tuple(line for line in body if "Foto:" in line)
    text = "\n".join(line for line in body if line not in captions)
    return doc(text, title=lines[1], captions=captions)


@pytest.fixture(scope="module")
def finder() -> MentionFinder:
    return MentionFinder(Watchlist.from_dict(WATCHLIST).entities)


def roles_of(mentions: list[Mention], entity: str) -> set[str]:
    return {m.role for m in mentions if m.entity_id == entity}


def test_mentions_seed_case(seed_file: Path, finder: MentionFinder) -> None:
    document = seed_document(seed_file)
    mentions = finder.find(document)
    headline = [m for m in mentions if m.field == "title"]
    assert [(m.entity_id, m.surface, m.role) for m in headline] == [("lei-jun", "Donnerlord", "headline")]
    assert "audience" in roles_of(mentions, "lei-jun")
    audience = next(m for m in mentions if m.entity_id == "lei-jun" and m.role == "audience")
    assert "im Publikum" in audience.sentence
    speaking = [m for m in mentions if m.entity_id == "lu-weibing" and m.role == "speaking"]
    assert speaking and "Hauptredner" in speaking[0].sentence
    for entity in ("luo-fuli", "xiaomi", "leica"):
        assert roles_of(mentions, entity), entity
    assert any(m.surface == "Loi Quan" and m.entity_id == "lei-jun" for m in mentions)
    assert "caption" in roles_of(mentions, "leica")
    # The DESIGN query needs SU7/YU7/EV, which this article never writes; the alias "Xiaomi Auto"
    # ("seiner Sparte Xiaomi Auto") still counts, since query_mode defaults to "add".
    assert roles_of(mentions, "xiaomi-auto") == {"body"}
    for m in mentions:
        field_text = {"title": document.title, "text": document.text}.get(m.field) or \
            document.captions[m.caption_index or 0]
        assert field_text[m.start : m.end] == m.surface


def test_mentions_lead_body_and_sentence_trim() -> None:
    long_tail = " und so weiter" * 60
    f = MentionFinder(Watchlist.from_dict(WATCHLIST).entities, context_chars=80)
    mentions = f.find(doc(f"Xiaomi wächst.\nSpäter kam Leica{long_tail}."))
    assert [(m.entity_id, m.role) for m in mentions] == [("xiaomi", "lead"), ("leica", "body")]
    assert len(mentions[1].sentence) <= 80 and "Leica" in mentions[1].sentence


def test_mentions_query_filter_mode_gates_alias_hits() -> None:
    entities = [dict(e) for e in WATCHLIST["entity"]]
    entities[2]["query_mode"] = "filter"
    finder = MentionFinder(Watchlist.from_dict({"entity": entities}).entities)
    hit = finder.find(doc("Xiaomi Auto liefert den SU7 aus."))
    assert ("xiaomi-auto", "Xiaomi Auto") in {(m.entity_id, m.surface) for m in hit}
    missed = finder.find(doc("Die Sparte Xiaomi Auto wächst."))
    assert "xiaomi-auto" not in {m.entity_id for m in missed}


def test_mentions_query_add_mode_keeps_alias_hits(finder: MentionFinder) -> None:
    found = finder.find(doc("Die Sparte Xiaomi Auto wächst."))
    assert "xiaomi-auto" in {m.entity_id for m in found}


def test_mentions_query_without_alias_hit_anchors_on_first_term(finder: MentionFinder) -> None:
    mentions = finder.find(doc("Der neue EV fährt gut.", title="Xiaomi zeigt Elektroauto"))
    auto = [m for m in mentions if m.entity_id == "xiaomi-auto"]
    assert len(auto) == 1
    got = (auto[0].alias, auto[0].field, auto[0].surface, auto[0].role)
    assert got == (QUERY_ALIAS, "title", "Xiaomi", "headline")


def test_mentions_enricher_contract_and_idempotence() -> None:
    reg = Registry()
    register(reg)
    plugin = reg._plugins["enricher"]["mentions"]
    assert isinstance(plugin, Enricher) and isinstance(plugin, MentionsEnricher)
    plugin.setup(EnrichContext(Settings.defaults(), Watchlist.from_dict(WATCHLIST)))
    item = Enriched(document=doc("Lei Jun sagte, Xiaomi wachse.", captions=("Foto: Leica",)))
    once = plugin(item)
    twice = plugin(once)
    assert once.mentions == twice.mentions
    assert {(m.entity_id, m.role, m.field) for m in once.mentions} == {
        ("lei-jun", "quoted", "text"), ("xiaomi", "lead", "text"), ("leica", "caption", "caption")}
    assert next(m for m in once.mentions if m.field == "caption").caption_index == 0


def test_mentions_urls_and_share_lines_are_not_mentions() -> None:
    """"Twitter" was matched in "Follow us on Twitter" and in pic.twitter.com."""
    wl = Watchlist.from_dict({"entity": [
        {"id": "twitter", "kind": "org", "name": "Twitter", "aliases": ["Twitter"]},
        {"id": "amazon", "kind": "org", "name": "Amazon", "aliases": ["Amazon"]},
        {"id": "musk-twitter", "kind": "segment", "name": "Musk on Twitter", "aliases": [],
         "query": "Musk AND Twitter"}]})
    finder = MentionFinder(wl.entities)
    text = ("Musk spoke about Twitter on Monday.\nFollow us on Twitter\nPhotos: pic.twitter.com/Ab12Cd and "
            "https://twitter.com/elonmusk/status/1\nAmazon.com Inc shares rose; see amazon.com/deals.\n"
            "Teilen auf Twitter")
    found = [(m.entity_id, text[m.start:m.end], m.start) for m in finder.find(doc(text))]
    assert found == [("twitter", "Twitter", text.index("Twitter")), ("amazon", "Amazon", text.index("Amazon.com")),
                     ("musk-twitter", "Musk", 0)]
    # A query whose only hit of a term sits in a URL does not match.
    only_url = "Musk posted again: pic.twitter.com/xyz"
    assert not [m for m in finder.find(doc(only_url)) if m.entity_id == "musk-twitter"]
