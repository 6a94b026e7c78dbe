"""Full-text search (limelight.search) on every store backend. Every document here is synthetic,
made up for these tests (the names are the project's usual examples, the texts invented)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from _stores import StoreMaker
from limelight import search
from limelight.enrich.matcher import Matcher, index_terms, index_words, variant_words
from limelight.enrich.mentions import MentionFinder, field_hits, scan_fields
from limelight.enrich.variants import alias_variants, fold, fold_plain, fold_text, is_cjk
from limelight.errors import UsageError
from limelight.listing import ListFilter, parse_filter
from limelight.models import Document, Enriched, Entity, Mention, Source, content_hash, document_id
from limelight.watchlist import Watchlist

WEB = Source.make("web", "example.org", "Example News")
WEIBO = Source.make("weibo", "kestrel", "Kestrel")
WATCHLIST = Watchlist.from_dict({"entity": [
    {"id": "xiaomi", "kind": "org", "name": "Xiaomi", "aliases": ["Xiaomi", "小米"]},
    {"id": "lei-jun", "kind": "person", "name": "Lei Jun", "aliases": ["Lei Jun", "雷军"]},
]})
T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


def doc(n: int, text: str, *, title: str | None = None, language: str = "en", source: Source = WEB,
        kind: str = "article", published: datetime | str | None = "auto", captions: tuple[str, ...] = (),
        mentions: tuple[str, ...] = ()) -> Enriched:
    """Synthetic document ``n`` (published ``n`` hours after T0 unless ``published`` says otherwise)."""
    url = f"https://{source.handle}/{n}" if kind == "article" else None
    at = T0 + timedelta(hours=n) if published == "auto" else published
    d = Document(id=document_id(url, content_hash(title, text), None if url else f"{source.platform}:{n}"),
                 kind=kind, origin=f"synthetic#{n}", source=source, text=text, title=title, url=url,
                 canonical_url=url, language=language, published_at=at,  # type: ignore[arg-type]
                 content_hash=content_hash(title, text), captions=captions)
    found = tuple(Mention(d.id, e, e, e, "text", 0, 1, "body", text[:20]) for e in mentions)
    return Enriched(d, found, ())


CORPUS = [
    doc(1, "Die Xiaomi-Fahrzeuge von Lei Juns Firma verkaufen sich gut. Die STRASSE war voll.",
        title="Xiaomis Automobilsparte wächst", language="de", mentions=("xiaomi", "lei-jun")),
    doc(2, "雷军今天在北京发布了小米SU7，现场观众很多。", title="小米汽车发布会", language="zh", source=WEIBO,
        kind="post", mentions=("lei-jun",)),
    doc(3, "Lei Jun gave the keynote. Later, the Xiaomi team answered questions about the EV.",
        mentions=("lei-jun",)),
    doc(4, "Nothing about phones here; a story on Leica cameras and the Straße outside.", language="de"),
    doc(5, "Xiaomi shares rose.\nFollow us on Twitter\nMore at https://xiaomi.com/su7 today.",
        captions=("Photo: the SU7 in Beijing",)),
    doc(6, "An undated note: Xiaomi and Leica.", published=None),
]


@pytest.fixture(scope="module")
def corpus(make_store: StoreMaker) -> Any:
    store = make_store("corpus")
    store.sync_watchlist(WATCHLIST)
    run = store.start_run(["synthetic/"], {})
    store.write(CORPUS, run)
    store.finish_run(run, {"new": len(CORPUS)})
    return store


def found(store: Any, query: str, flt: ListFilter | None = None, **kw: Any) -> list[str]:
    """Document numbers (from the origin) of every hit, walking all pages."""
    out: list[str] = []
    cursor = None
    while True:
        page = search.search(store, query, flt, cursor=cursor, **kw)
        out += [h.document_id for h in page.hits]
        if page.next is None:
            return [_number(store, i) for i in out]
        cursor = page.next


_ORIGINS: dict[str, str] = {e.document.id: e.document.origin.split("#")[1] for e in CORPUS}


def _number(store: Any, doc_id: str) -> str:
    return _ORIGINS.get(doc_id, doc_id)


# -- finding ----------------------------------------------------------------------------------------


def test_search_finds_a_german_and_a_chinese_document_by_a_word(corpus: Any) -> None:
    assert found(corpus, "雷军") == ["2"]  # Chinese text without spaces
    assert found(corpus, "Automobilsparte") == ["1"]
    assert found(corpus, '"Lei Jun"') == ["3", "1"]  # "Lei Juns": the genitive s, as the matcher allows
    assert found(corpus, "strasse") == ["4", "1"]  # ß folds to ss, case folds
    assert found(corpus, "SU7") == ["5", "2"]  # after a CJK letter; in a caption (not in the URL)
    assert found(corpus, "北京 AND 小米") == ["2"]


def test_search_newest_first_undated_last(corpus: Any) -> None:
    assert found(corpus, "Xiaomi OR Leica") == ["5", "4", "3", "1", "6"]


def test_search_boolean_operators(corpus: Any) -> None:
    assert found(corpus, "Xiaomi NOT Leica") == ["5", "3", "1"]
    assert found(corpus, "Leica AND NOT Xiaomi") == ["4"]
    assert found(corpus, '"Lei Jun" NEAR/3 keynote') == ["3"]
    assert found(corpus, '"Lei Jun" NEAR/1 Xiaomi') == []  # five words between in 3, two in 1 ("Lei Juns")
    assert found(corpus, '"Lei Jun" NEAR/2 Xiaomi') == ["1"]
    assert found(corpus, "NOT Xiaomi") == ["4", "2"]  # narrows nothing: decided on every document
    assert found(corpus, "EV") == ["3"]  # not inside "Elektro"; upper case only, like the watchlist's acronyms


def test_search_url_and_share_lines_are_not_hits(corpus: Any) -> None:
    # "xiaomi.com/su7" is an address and "Follow us on Twitter" a share line, as for mentions
    assert found(corpus, "twitter") == []
    assert found(corpus, '"xiaomi.com"') == []


def test_search_highlights_point_at_the_matched_words(corpus: Any) -> None:
    page = search.search(corpus, '雷军 OR ("Lei Jun" AND keynote) OR su7')
    assert page.hits
    for hit in page.hits:
        stored = corpus.get_documents([hit.document_id])[0]
        for h in hit.highlights:
            field = {"title": stored.title, "text": stored.text}.get(h.field) or stored.captions[h.caption_index or 0]
            assert fold_text(field[h.start:h.end]) in ("雷军", "lei jun", "keynote", "su7")
        for s, e in hit.snippet_highlights:
            assert fold_text(hit.snippet[s:e]) in ("雷军", "lei jun", "keynote", "su7")
    chinese = next(h for h in page.hits if h.language == "zh")
    assert chinese.snippet.startswith("雷军今天") and chinese.snippet_highlights[0] == (0, 2)


def test_search_filters_narrow(corpus: Any) -> None:
    def flt(**values: str) -> ListFilter:
        return parse_filter(values, WATCHLIST)

    assert found(corpus, "Xiaomi OR 小米 OR Leica", flt(language="de")) == ["4", "1"]
    assert found(corpus, "Xiaomi OR 小米", flt(kind="post")) == ["2"]
    assert found(corpus, "Xiaomi OR 小米", flt(platform="weibo")) == ["2"]
    assert found(corpus, "Xiaomi OR 小米", flt(source="example.org")) == ["5", "3", "1", "6"]
    assert found(corpus, "Xiaomi OR 小米 OR Leica", flt(entity="lei-jun")) == ["3", "2", "1"]
    assert found(corpus, "Xiaomi OR Leica", flt(since="2024-03-04", until="2024-03-04")) == ["5", "4", "3", "1"]
    assert found(corpus, "Xiaomi OR Leica", flt(since="2024-03-05")) == []


def test_search_pages_walk_every_hit_exactly_once(corpus: Any) -> None:
    whole = found(corpus, "Xiaomi OR 小米 OR Leica OR Straße", limit=50)
    assert len(whole) == 6
    for limit in (1, 2, 4):
        assert found(corpus, "Xiaomi OR 小米 OR Leica OR Straße", limit=limit) == whole
    page = search.search(corpus, "Xiaomi OR 小米 OR Leica OR Straße", limit=2, with_total=True)
    assert page.total == 6 and page.candidates == 6 and page.next is not None and page.unindexed == 0


def test_search_a_page_stops_at_the_scan_limit_and_goes_on(corpus: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "SCAN_LIMIT", 2)  # candidates newest first: 5, 4, 3, 2, 1, 6
    first = search.search(corpus, "NOT Xiaomi")
    assert [_number(corpus, h.document_id) for h in first.hits] == ["4"] and first.scanned == 2
    assert first.next is not None and "without filling the page" in " ".join(first.notes)
    assert found(corpus, "NOT Xiaomi") == ["4", "2"]


def test_search_hostile_queries_are_data(corpus: Any) -> None:
    for query in ("'; DROP TABLE documents; --", '"100%" OR a_b', "O'Brien", "$w0 OR $limit", "\\", "%",
                  "search_index", "Robert'; DELETE FROM search_index; --"):
        assert search.search(corpus, query).hits == ()
    assert found(corpus, "Xiaomi") == ["5", "3", "1", "6"]  # nothing was dropped
    for query in ("Xiao*", "Xia?mi", "(Xiaomi", '"Lei', "NEAR/2 x", ""):
        with pytest.raises(UsageError):
            search.search(corpus, query)


def test_search_bad_cursor_and_limit(corpus: Any) -> None:
    page = search.search(corpus, "Xiaomi", limit=1)
    assert page.next is not None
    with pytest.raises(UsageError, match="cursor"):
        search.search(corpus, "Leica", limit=1, cursor=page.next)  # another query's cursor
    with pytest.raises(UsageError, match="cursor"):
        search.search(corpus, "Xiaomi", cursor="not-a-cursor")
    for limit in (0, search.MAX_LIMIT + 1):
        with pytest.raises(UsageError, match="limit"):
            search.search(corpus, "Xiaomi", limit=limit)


# -- the same decisions as the watchlist's query evaluator ------------------------------------------

_WORDS = ("Xiaomi", "Xiaomis", "Leica", "SU7", "EV", "ev", "keynote", "Lei", "Jun", "Juns", "Straße",
          "strasse", "雷军", "小米", "汽车", "发布", "Lôi", "Quân", "and", "NOT", "Xiaomi-Auto", "Auto")
_TERMS = ("Xiaomi", "Leica", "SU7", "EV", "keynote", "Jun", "雷军", "小米", "汽车", "Lôi Quân", "strasse",
          "auto", "and")
_PHRASES = ('"Lei Jun"', '"Xiaomi Auto"', '"小米汽车"', '"Lôi Quân"')


def _synthetic_texts(rng: random.Random, n: int) -> list[str]:
    texts = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(2, 12)):
            word = rng.choice(_WORDS)
            glue = "" if (any(ord(c) > 0x2E80 for c in word) and rng.random() < 0.5) else rng.choice(
                [" ", " ", ", ", "-", "\n", "."])
            parts.append(word + glue)
        texts.append("".join(parts))
    return texts


def _query(rng: random.Random, depth: int = 0) -> str:
    r = rng.random()
    if depth > 2 or r < 0.35:
        return rng.choice(_TERMS + _PHRASES)
    if r < 0.55:
        return f"({_query(rng, depth + 1)} AND {_query(rng, depth + 1)})"
    if r < 0.75:
        return f"({_query(rng, depth + 1)} OR {_query(rng, depth + 1)})"
    if r < 0.87:
        return f"NOT {rng.choice(_TERMS + _PHRASES)}"
    return f"{rng.choice(_TERMS + _PHRASES)} NEAR/{rng.randint(0, 3)} {rng.choice(_TERMS + _PHRASES)}"


def test_search_decides_as_the_watchlist_query_evaluator(make_store: StoreMaker) -> None:
    rng = random.Random(20241202)
    texts = _synthetic_texts(rng, 50)
    items = [doc(100 + i, t, title=(_synthetic_texts(rng, 1)[0] if i % 3 == 0 else None),
                 published=None if i % 7 == 0 else "auto",
                 captions=tuple(_synthetic_texts(rng, 1)) if i % 5 == 0 else ()) for i, t in enumerate(texts)]
    store = make_store("property")
    store.write(items, "synthetic-run")
    queries = [_query(rng) for _ in range(60)]
    for query in queries:
        # the watchlist's decision: an entity with this query, through the mention finder's matcher
        finder = MentionFinder([Entity(id="q", kind="org", name="zzqqxxnever", query=query)])
        node = finder.queries["q"]
        want = {e.document.id for e in items
                if node.matches(field_hits(scan_fields(finder.matcher, e.document.title, e.document.text,
                                                       e.document.captions)))}
        got = found(store, query, limit=7)
        assert len(got) == len(set(got)), query  # no hit twice across pages
        assert set(got) == {_ORIGINS.get(i, i) for i in want}, query


def test_index_words_cover_every_variant_match() -> None:
    # The narrowing's premise: wherever a variant matches, its words are whole index words there.
    rng = random.Random(7)
    matcher = Matcher([], {fold_text(t.strip('"')) for t in _TERMS + _PHRASES})
    for text in _synthetic_texts(rng, 200):
        words = index_terms([text])
        _m, hits = matcher.scan(text)
        for term in hits:
            assert any(all(set(alts) & words for alts in variant_words(v)) for v in alias_variants(term)), (term, text)


def _reference_words(folded: str) -> list[str]:
    """Index words by the definition, a character at a time: runs of letters and digits outside
    CJK, each CJK letter or digit alone."""
    out, run = [], ""
    for ch in folded:
        if ch.isalnum() and not is_cjk(ch):
            run += ch
            continue
        if run:
            out.append(run)
            run = ""
        if ch.isalnum():
            out.append(ch)
    return [*out, run] if run else out


def test_fold_plain_splits_into_the_same_words_as_fold() -> None:
    rng = random.Random(3)
    alphabet = "aAßẞĐđÆøŁ İıÉé\u0301 \t\n\r`’-_.,小米ＳＵ７ｱ한국ﬁ½²。、"
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        assert index_words(fold_plain(text)) == _reference_words(fold(text).text), text


# -- the index follows the documents ----------------------------------------------------------------


def test_search_document_written_after_indexing_and_reindex(make_store: StoreMaker) -> None:
    store = make_store("follow")
    store.write([CORPUS[0]], "run-1")
    assert found(store, "Automobilsparte") == ["1"]
    store.write([CORPUS[1]], "run-2")
    assert found(store, "雷军") == ["2"]
    # replaced: the old words go with the old text
    changed = Enriched(replace(CORPUS[0].document, text="Ganz anderer Text."), (), ())
    store.write([changed], "run-3", replace=True)
    assert found(store, "Automobilsparte") == ["1"]  # the title still has it
    assert found(store, "Fahrzeuge") == []
    assert found(store, "anderer") == ["1"]
    # a document stored before the index existed (its rows gone): not searched, said so, reindexed
    store.reindex_search([])
    _drop_index(store, CORPUS[1].document.id)
    page = search.search(store, "雷军")
    assert page.hits == () and page.unindexed == 1 and "reindex" in " ".join(page.notes)
    assert search.reindex(store) == 1
    assert found(store, "雷军") == ["2"]
    assert search.search(store, "雷军").unindexed == 0
    assert search.reindex(store) == 0
    assert search.reindex(store, everything=True) == 2


def _drop_index(store: Any, doc_id: str) -> None:
    from limelight.store.dialect import translate

    # on the writing connection (autocommit)
    store._con.execute(translate("DELETE FROM search_index WHERE document_id = $id", store.dialect), {"id": doc_id})


# -- saved searches ---------------------------------------------------------------------------------


def test_saved_searches_round_trip_and_new_matches(make_store: StoreMaker) -> None:
    store = make_store("saved")
    store.sync_watchlist(WATCHLIST)
    run = store.start_run(["a/"], {})
    store.write(CORPUS[:3], run)
    store.finish_run(run, {})
    entry = search.save(store, "lei", '"Lei Jun" OR 雷军', {"language": "de,zh", "since": None}, WATCHLIST)
    assert entry.filters == {"language": "de,zh"}
    (listed,) = search.saved(store)
    assert (listed.name, listed.query, listed.filters) == ("lei", '"Lei Jun" OR 雷军', {"language": "de,zh"})
    assert listed.created_at == listed.last_seen_at
    assert {_number(store, h.document_id) for h in search.run_saved(store, "lei", WATCHLIST).hits} == {"1", "2"}
    assert search.new_matches(store, "lei", WATCHLIST).hits == ()  # seen when saved
    later = store.start_run(["b/"], {})
    store.write([doc(40, "Lei Jun spoke in Berlin.", language="de"), doc(41, "Lei Jun spoke in Paris.")], later)
    store.finish_run(later, {})
    news = search.new_matches(store, "lei", WATCHLIST)
    assert len(news.hits) == 1 and news.hits[0].language == "de" and news.total == 1
    search.mark_seen(store, "lei", datetime.now(UTC) + timedelta(seconds=1))
    assert search.new_matches(store, "lei", WATCHLIST).hits == ()
    search.save(store, "lei", "Berlin", {}, WATCHLIST)  # replaced
    assert [s.query for s in search.saved(store)] == ["Berlin"]
    assert search.delete(store, "lei") and not search.delete(store, "lei")
    assert search.saved(store) == []
    with pytest.raises(UsageError):
        search.get_saved(store, "lei")
    with pytest.raises(UsageError):
        search.save(store, "bad", "Xiao*", {}, WATCHLIST)
    with pytest.raises(UsageError):
        search.save(store, "bad", "x", {"entity": "nobody"}, WATCHLIST)
    with pytest.raises(UsageError):
        search.save(store, " ", "x", {}, WATCHLIST)


def test_search_plan_is_plain_data() -> None:
    # a plan is JSON-able: it travels to the store's read service like any other parameter
    import json

    plan = search.candidate_plan(search.parse('("Lei Jun" OR 雷军) AND NOT Leica AND su7 NEAR/3 "Xiaomi Auto"'))
    assert json.loads(json.dumps(plan)) == plan
    assert search.candidate_plan(search.parse("NOT x")) is None
    assert search.candidate_plan(search.parse("x OR NOT y")) is None
    assert search.candidate_plan(search.parse("x AND NOT y")) == ["words", [["x"]]]
    assert search.candidate_plan(search.parse('"Lei Juns"')) == ["words", [["lei"], ["juns", "junss"]]]


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    from limelight import api

    proj = api.init(tmp_path / "p")
    with proj.open_store() as store:
        store.write(CORPUS, "run-1")
    yield proj.root


def test_search_cli_and_api(project: Path) -> None:
    from click.testing import CliRunner

    from limelight.cli import main

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, [*args, "--project", str(project)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    out = run("search", "雷军", "--format", "json")
    assert "雷军今天" in out and '"total"' in out
    out = run("search", "Xiaomi", "--language", "de", "--format", "csv")
    assert "Xiaomis Automobilsparte" in out and "Leica" not in out
    run("search", "Leica", "--save", "cameras", "--kind", "article")
    assert "cameras" in run("search", "--list-saved", "--format", "csv")
    assert "Leica cameras" in run("search", "--saved", "cameras", "--format", "csv")
    assert "Deleted" in run("search", "--delete-saved", "cameras")
    assert "Indexed 0 documents" in run("search", "--reindex")
    bad = CliRunner().invoke(main, ["search", "Xiao*", "--project", str(project)])
    assert bad.exit_code == 2 and "wildcards" in bad.output


def test_search_web_endpoints(project: Path) -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from limelight.project import Project
    from limelight.web import api_search
    from limelight.web.app import _errors

    app = FastAPI()
    app.state.project = Project.open(project)
    app.include_router(api_search.router)
    _errors(app)
    client = TestClient(app)
    got = client.get("/api/search", params={"q": '"Lei Jun" OR 雷军', "limit": 1, "total": "true"}).json()
    assert got["total"] == 3 and len(got["rows"]) == 1 and got["next"]
    assert got["rows"][0]["highlights"] and got["rows"][0]["published_at"].startswith("2024-03-04T")
    more = client.get("/api/search", params={"q": '"Lei Jun" OR 雷军', "limit": 5, "next": got["next"]}).json()
    assert len(more["rows"]) == 2 and more["next"] is None
    bad = client.get("/api/search", params={"q": "(Xiaomi"})
    assert bad.status_code == 400 and "column" in bad.json()["error"]
    assert client.get("/api/search", params={"q": "x", "language": "deutsch"}).status_code == 400
    assert client.get("/api/search", params={"q": "x", "colour": "red"}).status_code == 400
    assert client.get("/api/search").status_code == 400
    saved = client.post("/api/searches", json={"name": "zh", "query": "雷军", "filters": {"language": "zh"}})
    assert saved.status_code == 201 and saved.json()["filters"] == {"language": "zh"}
    assert client.post("/api/searches", content="name=x", headers={"content-type": "text/plain"}).status_code == 415
    assert [r["name"] for r in client.get("/api/searches").json()["rows"]] == ["zh"]
    assert len(client.get("/api/searches/zh").json()["rows"]) == 1
    assert client.get("/api/searches/zh", params={"new": "true"}).json()["rows"] == []
    assert client.delete("/api/searches/zh").status_code == 204
    assert client.delete("/api/searches/zh").status_code == 404


def test_search_through_the_read_service(tmp_path: Path) -> None:
    # While a writer holds the DuckDB file, readers search through its service (plans, keysets
    # and dates travel as parameters), and saving refuses there like every write.
    from limelight import api

    proj = api.init(tmp_path / "p")
    with proj.open_store() as writer:
        writer.write(CORPUS, "run-1")
        with proj.open_store(read_only=True) as reader:
            assert type(reader).__name__ == "RemoteStore"
            first = search.search(reader, '"Lei Jun" OR 雷军', limit=1, with_total=True)
            assert first.total == 3 and first.next is not None
            rest = search.search(reader, '"Lei Jun" OR 雷军', limit=5, cursor=first.next)
            assert len(rest.hits) == 2 and rest.next is None
            with pytest.raises(UsageError, match="read-only"):
                search.save(reader, "x", "y", {}, WATCHLIST)


def test_search_index_catches_up_on_the_next_ingest(tmp_path: Path) -> None:
    # A store whose documents predate the search index (their rows gone, as after migration 7 on
    # an older store) is indexed by the next ingest, which finds nothing new to store.
    from limelight import api

    proj = api.init(tmp_path / "p")
    with proj.open_store() as store:
        store.write(CORPUS, "run-1")
        for item in CORPUS[:3]:
            _drop_index(store, item.document.id)
        assert search.search(store, "Xiaomi").unindexed == 3
    stages: list[tuple[str, int, int]] = []
    empty = tmp_path / "empty"
    empty.mkdir()
    api.ingest([str(empty)], proj, on_stage=lambda s, d, t: stages.append((s, d, t)))
    assert ("search index", 3, 3) in stages
    with proj.open_store(read_only=True) as store:
        assert search.search(store, "Xiaomi").unindexed == 0
        assert search.catch_up(store) == 0  # up to date: nothing to do, nothing written


def test_document_view_resolves_an_attribution_to_the_page_it_names(make_store: StoreMaker) -> None:
    # The document view's links (limelight.listing.document): an attribution naming a stored
    # page's URL points at that page (out from the republication, in to the original), as the
    # attributions view resolves it; other stored links of other documents stay out. Synthetic.
    from limelight.listing import document
    from limelight.models import Link

    store = make_store("document-links")
    original, copy, other = CORPUS[0], CORPUS[2], CORPUS[4]
    cite = Link(copy.document.id, None, "attribution", 1.0, "Quelle: example", to_url=original.document.url)
    unrelated = Link(other.document.id, None, "attribution", 1.0, "Source: elsewhere", to_url="https://x.example/1")
    store.write([original, replace(copy, links=(cite,)), replace(other, links=(unrelated,))], "run-1")
    out = document(store, copy.document.id)
    assert out is not None
    assert [(r["direction"], r["to_id"], r["kind"]) for r in out["links"]] == [
        ("out", original.document.id, "attribution")]
    into = document(store, original.document.id)
    assert into is not None
    assert [(r["direction"], r["from_id"], r["to_id"]) for r in into["links"]] == [
        ("in", copy.document.id, original.document.id)]
    assert document(store, "no-such-id") is None
