"""The stories analysis on a small SYNTHETIC store: story rows and per-document lineage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from _stores import StoreMaker
from limelight.analyses.lineage import Stories
from limelight.errors import UsageError
from limelight.models import Document, Enriched, Link, Source
from limelight.store.base import Store
from limelight.watchlist import Watchlist

WL = Watchlist(())


def _article(doc_id: str, outlet: str, language: str, day: int, attribution: str | None = None) -> Enriched:
    doc = Document(id=doc_id, kind="article", origin=f"synthetic:{doc_id}", source=Source.make("web", outlet),
                   text=doc_id, language=language, published_at=datetime(2025, 3, day, tzinfo=UTC),
                   url=f"https://{outlet}/{doc_id}")
    links = () if attribution is None else (
        Link(doc_id, None, "attribution", 1.0, f"Quelle: {attribution}", to_url=attribution),)
    return Enriched(doc, links=links)


@pytest.fixture()
def store(make_store: StoreMaker) -> Store:
    s = make_store()
    # zh original → vi translation (found by similarity) → de republication naming the vi page
    # (attribution) → de syndicated copy; plus an unrelated English article on its own.
    s.write([_article("zh", "kexun.example", "zh", 1), _article("vi", "tinnhanh.example", "vi", 2),
             _article("de", "mekong.example", "de", 3, attribution="https://tinnhanh.example/vi"),
             _article("de2", "spiegel.example", "de", 4), _article("en", "wire.example", "en", 5)], "synthetic")
    s.write_links([Link("vi", "zh", "translation", 0.91, "cosine"), Link("de2", "de", "syndication", 1.0, "hash")],
                  "synthetic")
    s.replace_stories([("zh", "s1", "link"), ("vi", "s1", "link"), ("de", "s1", "link"), ("de2", "s1", "link"),
                       ("en", "s2", "single")])
    return s


def test_analyses_stories_one_row_per_story(store: Store) -> None:
    rows = Stories().run(store, WL).table.to_pylist()
    assert len(rows) == 1  # the single-document story is below min_size 2
    story = rows[0]
    assert (story["story_id"], story["size"], story["languages"], story["outlets"]) == ("s1", 4, ["de", "vi", "zh"], 4)
    assert (story["origin_outlet"], story["origin_document"]) == ("kexun.example", "zh")
    assert story["documents"] == ["zh", "vi", "de", "de2"]
    assert len(Stories().run(store, WL, min_size=1).table) == 2
    store.close()


def test_analyses_stories_document_lineage(store: Store) -> None:
    rows = {r["document_id"]: r for r in Stories().run(store, WL, view="documents").table.to_pylist()}
    de2 = rows["de2"]
    assert (de2["origin_document"], de2["origin_outlet"], de2["origin_language"], de2["hops"]) == (
        "zh", "kexun.example", "zh", 3)
    assert [(s["document_id"], s["via"]) for s in de2["lineage"]] == [
        ("zh", None), ("vi", "translation"), ("de", "translation"), ("de2", "syndication")]
    assert rows["zh"]["hops"] == 0
    with pytest.raises(UsageError, match="view"):
        Stories().run(store, WL, view="graph")
    store.close()


def test_analyses_stories_empty_store_notes(make_store: StoreMaker) -> None:
    with make_store() as s:
        result = Stories().run(s, WL)
    assert result.table.num_rows == 0
    assert "limelight link" in result.notes[0]


def test_analyses_stories_lineage_prefers_stated_links_and_stops_at_cycles(make_store: StoreMaker) -> None:
    with make_store() as s:
        s.write([_article(d, f"{d}.example", lang, day) for d, lang, day in
                 (("zh", "zh", 1), ("vi", "vi", 2), ("de", "de", 3), ("x", "en", 4), ("y", "en", 5))], "synthetic")
        s.write_links([
            Link("de", "vi", "translation", 1.0, "attribution: Nguồn: vi.example"),  # stated by the page
            Link("de", "zh", "translation", 0.95, "cosine"),  # a higher similarity does not beat it
            Link("vi", "zh", "translation", 0.88, "cosine"),
            Link("x", "y", "syndication", 1.0, "attribution: Source: y"),  # two pages naming each other
            Link("y", "x", "syndication", 1.0, "attribution: Source: x"),
        ], "synthetic")
        s.replace_stories([(d, "s1", "link") for d in ("zh", "vi", "de")] + [(d, "s2", "link") for d in ("x", "y")])
        rows = {r["document_id"]: r for r in Stories().run(s, WL, view="documents").table.to_pylist()}
    assert [(step["document_id"], step["via"]) for step in rows["de"]["lineage"]] == [
        ("zh", None), ("vi", "translation"), ("de", "translation")]
    assert [step["document_id"] for step in rows["x"]["lineage"]] == ["y", "x"]
    assert [step["document_id"] for step in rows["y"]["lineage"]] == ["x", "y"]
    assert rows["x"]["hops"] == rows["y"]["hops"] == 1


def test_analyses_stories_narrowed_to_one_story(store: Store) -> None:
    from limelight.listing import BadFilter

    docs = Stories().run(store, WL, view="documents", min_size=1, story="s1").table
    assert sorted(docs.column("document_id").to_pylist()) == ["de", "de2", "vi", "zh"]
    assert set(docs.column("story_id").to_pylist()) == {"s1"}
    assert Stories().run(store, WL, min_size=1, story="s2").table.column("story_id").to_pylist() == ["s2"]
    assert Stories().run(store, WL, view="documents", story="story-000000000000").table.num_rows == 0  # unknown
    assert Stories().run(store, WL, view="documents", story="s2").table.num_rows == 0  # below min_size
    for malformed in ("", "s1 OR 1=1", "<s1>", "x" * 200):
        with pytest.raises(BadFilter) as caught:
            Stories().run(store, WL, view="documents", story=malformed)
        assert caught.value.parameter == "story"
    store.close()
