"""The analyses' named reads on a small SYNTHETIC store: each one runs on DuckDB with realistic
arguments (a wide scope and narrowed ones, in a named zone and in each publisher's local time),
translates to PostgreSQL, and each analysis names exactly the reads it runs and the tables they
touch."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import sqlglot

from limelight.analyses.visibility import ROLE_WEIGHTS
from limelight.models import Document, Enriched, Link, Mention, Source
from limelight.registry import registry
from limelight.scope import Scope
from limelight.store.dialect import to_postgres
from limelight.store.duckdb_store import DuckDBStore
from limelight.store.reads import READS, build, load
from limelight.store.reads.scope import where
from limelight.watchlist import Watchlist

load()

SOURCES = {"reuters": Source.make("web", "www.reuters.com"), "dpa": Source.make("web", "dpa.de"),
           "ceo": Source.make("x", "Ceo1"), "hq": Source.make("weibo", "acme_hq")}
T0 = datetime(2024, 1, 1, 23, 30, tzinfo=UTC)  # late evening: the day differs between zones
WATCHLIST = Watchlist.from_dict({"entity": [
    {"id": "acme", "kind": "org", "name": "Acme", "competitors": ["globex"],
     "official_accounts": [{"platform": "weibo", "handle": "acme_hq"}]},
    {"id": "ceo", "kind": "person", "name": "Ceo", "parent": "acme", "accounts": [{"platform": "x", "handle": "Ceo1"}]},
    {"id": "globex", "kind": "org", "name": "Globex"},
]})

# The scopes every read with a ``scope`` runs under: nothing narrowed, and everything narrowed
# (each kind of source value) in a named zone and in local time.
_NARROW: dict[str, Any] = {"since": date(2024, 1, 3), "until": date(2024, 1, 25), "languages": ("en", "de"),
                           "sources": ("reuters.com", "x/ceo1", "weibo/*", "dpa.de"), "kinds": ("article", "post")}
SCOPES = {"wide": Scope(), "berlin": Scope("Europe/Berlin", **_NARROW), "local": Scope("local", **_NARROW)}
OWN = [("ceo", "x", "ceo1")]
ACCOUNTS = [("ceo", "x", "ceo1"), ("acme", "weibo", "acme_hq")]

# Realistic arguments for every analyses read (``scope`` is added from SCOPES).
EXAMPLES: dict[str, dict[str, Any]] = {
    "analyses.corpus_days": {},
    "visibility.counts": {"watched": ["acme", "ceo", "globex"], "members": ["acme", "ceo", "globex"],
                          "targets": ["acme", "acme", "globex"], "entity_ids": ["acme", "globex"],
                          "entity_names": ["Acme", "Globex"], "weights": ROLE_WEIGHTS, "role": None, "by": "week",
                          "weighted": True, "evidence_limit": 3},
    "visibility.undated": {"members": ["acme", "ceo"], "role": "headline"},
    "storms.corpus_days": {},
    "storms.entity_days": {"entities": ["acme", "ceo"], "own": OWN},
    "storms.stories": {"storms": [0, 1], "entities": ["acme", "ceo"], "onsets": [date(2024, 1, 2), date(2024, 1, 5)],
                       "ends": [date(2024, 1, 20), date(2024, 1, 9)], "weights": ROLE_WEIGHTS, "own": OWN,
                       "evidence_limit": 5},
    "spillover.pair": {"a": ["ceo"], "b": ["acme", "globex"]},
    "spillover.pieces": {"a": ["ceo"], "b": ["acme"]},
    "withdrawal.collected_until": {"timezone": "Asia/Shanghai"},
    "withdrawal.posts": {"accounts": ACCOUNTS, "as_of": date(2024, 2, 1)},
    "withdrawal.gaps": {"accounts": ACCOUNTS, "as_of": date(2024, 2, 1)},
    "share_of_voice.shares": {"focal": ["acme", "acme", "acme"], "groups": ["children", "competitors", "competitors"],
                              "members": ["ceo", "acme", "globex"], "by": "month", "evidence_limit": 0},
    "tone_over_time.periods": {"members": ["acme", "ceo"], "targets": ["acme", "acme"], "entity_ids": ["acme"],
                               "entity_names": ["Acme"], "by": "day", "evidence_mentions": 15},
    "copied_posts.counts": {"accounts": ACCOUNTS, "account": "Ceo1", "by": "week", "evidence_limit": 20},
    "copied_posts.link_state": {},
    "stories.count": {},
    "stories.list": {"min_size": 2},
    "stories.lineage": {"min_size": 1},
}
ANALYSIS_READS = sorted(n for n, r in READS.items() if r.build.__module__ == "limelight.store.reads.analyses")


def _calls() -> list[tuple[str, str, dict[str, Any]]]:
    calls = []
    for name in ANALYSIS_READS:
        example = EXAMPLES.get(name, {})
        takes_scope = "scope" in inspect.signature(READS[name].build).parameters
        for label, scope in SCOPES.items() if takes_scope else [("-", None)]:
            calls.append((name, label, example | ({"scope": scope} if scope is not None else {})))
    return calls


def _item(i: int, source: str, kind: str, language: str, day: int, entity: str, tone: float | None,
          offset: int = 0, role: str = "body") -> Enriched:
    d = Document(id=f"d{i}", kind=kind, origin="synthetic", source=SOURCES[source], text=f"{entity} text {i}",  # type: ignore[arg-type]
                 title=None if kind == "post" else f"{entity} story {i}", language=language,
                 # the publisher's own UTC offset travels in the datetime (the store keeps it apart)
                 # (and a second apart per document, so no two share a timestamp and orders are fixed)
                 published_at=None if day < 0 else (T0 + timedelta(days=day, seconds=i)).astimezone(
                     timezone(timedelta(seconds=offset))),
                 content_type="repost" if i % 7 == 0 and kind == "post" else None)
    # tones a little apart too (the most negative first is then one order)
    tone = None if tone is None else tone - i * 1e-5
    return Enriched(d, (Mention(d.id, entity, entity, entity, "text", 0, 1, role, "s", tone=tone),
                        Mention(d.id, "ceo", "ceo", "ceo", "text", 2, 3, "headline", "s", tone=-0.6 + i * 1e-5)))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBStore]:
    s = DuckDBStore(Path(tmp_path_factory.mktemp("reads")) / "reads.duckdb")
    run = s.start_run(["synthetic"], {})
    items = []
    for day in range(30):
        items += [_item(5 * day, "reuters", "article", "en", day, "acme", -0.5, role="headline"),
                  _item(5 * day + 1, "dpa", "article", "de", day, "globex", 0.4, offset=7200),
                  _item(5 * day + 2, "ceo", "post", "en", day, "acme", None, offset=-18000),
                  _item(5 * day + 3, "hq", "post", "zh", day, "acme", 0.1, offset=28800),
                  _item(5 * day + 4, "reuters", "article", "en", -1 if day % 10 == 0 else day, "globex", -0.3)]
    # a burst of coverage of Acme on days 20 and 21, so storms find one
    items += [_item(1000 + 10 * day + k, "dpa", "article", "de", day, "acme", -0.7)
              for day in (20, 21) for k in range(8)]
    s.write(items, run)
    s.write_links([Link("d2", "d3", "copies_official", 0.9, "near-copy"),
                   Link("d7", "d3", "copies_official", 0.8, "near-copy"),
                   Link("d1", "d0", "translation", 0.9, "cosine"),
                   Link("d6", "d1", "syndication", 1.0, "attribution: dpa"),
                   Link("d5", "d0", "duplicate", 0.99, "hash")], "link-test")
    s.replace_stories([("d0", "s0", "link"), ("d1", "s0", "link"), ("d5", "s0", "link"), ("d6", "s0", "link"),
                       ("d10", "s1", "single")])
    s.finish_run(run, {})
    yield s
    s.close()


def test_store_reads_analyses_every_read_has_an_example() -> None:
    assert set(ANALYSIS_READS) == set(EXAMPLES), "add realistic arguments for a new read to EXAMPLES"


@pytest.mark.parametrize(("name", "label", "params"), _calls(), ids=lambda v: v if isinstance(v, str) else "")
def test_store_reads_analyses_run_on_duckdb_and_translate_to_postgres(
        store: DuckDBStore, name: str, label: str, params: dict[str, Any]) -> None:
    table = store.read(name, **params)
    assert isinstance(table, pa.Table)
    if label == "wide" and name not in ("visibility.undated",):
        assert table.num_rows > 0, f"{name} returned nothing on the synthetic store: a weak example"
    out = to_postgres(build(name, params).sql)
    assert "$" not in out  # every parameter became psycopg's %(name)s
    sqlglot.parse_one(out, read="postgres")  # what came out is PostgreSQL SQLGlot reads back
    for word in ("STRUCT(", "LIST_SLICE", "ARG_MAX", "ARG_MIN", "ANY_VALUE", "TO_SECONDS", "REPLACE ("):
        assert word not in out.upper(), f"{name}: {word} has no PostgreSQL spelling"


def test_store_reads_analyses_scope_values_are_bound_not_written() -> None:
    """A source value with a quote, or any scope value, travels as a parameter: the statement's text
    does not contain it."""
    scope = Scope("Europe/Berlin", date(2024, 1, 1), None, ("en",), ("o'brien.example", "x/ceo1"), ("post",))
    query = build("analyses.corpus_days", {"scope": scope})
    for value in ("o'brien", "Europe/Berlin", "ceo1", "'en'", "2024-01-01"):
        assert value not in query.sql
    assert query.params["scope_domains"] == ["o'brien.example"]


def test_store_reads_analyses_scope_predicate_matches_documents(store: DuckDBStore) -> None:
    def ids(scope: Scope) -> set[str]:
        params: dict[str, Any] = {}
        return set(store.query(f"SELECT d.id FROM documents AS d WHERE {where(scope, params)}", params)
                   .column(0).to_pylist())

    every = ids(Scope())
    reuters = {f"d{5 * d + k}" for d in range(30) for k in (0, 4)}
    assert ids(Scope(sources=("reuters.com",))) == reuters  # the domain covers www.reuters.com
    hq = {f"d{5 * d + 3}" for d in range(30)}
    assert ids(Scope(sources=("weibo/*",))) == ids(Scope(sources=("weibo/acme_hq",))) == hq
    assert ids(Scope(sources=("reuters.co",))) == set()  # a suffix that is not a subdomain does not match
    # 23:30 UTC on day 0 is day 1 in Berlin; the CEO (UTC-5) posted it on day 0 by his own clock
    berlin = ids(Scope("Europe/Berlin", since=date(2024, 1, 2)))
    local = ids(Scope("local", since=date(2024, 1, 2)))
    assert "d0" in berlin and "d0" not in ids(Scope(since=date(2024, 1, 2)))
    assert "d2" not in local and "d1" in local and "d7" in local and len(every) == 166


def test_store_reads_analyses_each_analysis_names_its_reads_and_their_tables(store: DuckDBStore) -> None:
    """``reads`` is exactly what a run calls (recorded through a wrapper), ``requires`` exactly the
    tables those reads touch."""

    class Recording:
        def __init__(self, inner: DuckDBStore) -> None:
            self.inner, self.calls = inner, set()
            self.name, self.reads = inner.name, inner.reads

        def read(self, name: str, **params: Any) -> pa.Table:
            self.calls.add(name)
            return self.inner.read(name, **params)

    runs: dict[str, list[dict[str, Any]]] = {
        "visibility": [{}],
        # in German the burst of Acme articles on days 20-21 stands out against no German Acme
        # coverage before (in every language Acme's share of the day barely moves): a storm, so its
        # stories are read
        "storms": [{"z_on": 0.5, "z_off": 0.1, "min_documents": 1, "window": 7, "language": "de"}],
        "spillover": [{"a": "ceo", "b": "acme", "permutations": 5}], "withdrawal": [{}],
        "share_of_voice": [{}], "tone": [{}], "copied_posts": [{}],
        "stories": [{}, {"view": "documents"}],
    }
    problems = []
    for analysis in registry.all("analysis"):
        recording = Recording(store)
        for options in runs.get(analysis.name, [{}]):
            analysis.run(recording, WATCHLIST, **options)  # type: ignore[arg-type]
        declared = tuple(getattr(analysis, "reads", ()))
        if recording.calls != set(declared):
            problems.append(f"{analysis.name}: calls {sorted(recording.calls)}, declares {sorted(declared)}")
        touched = {t for r in declared for t in READS[r].tables}
        if set(analysis.requires) != touched:
            problems.append(f"{analysis.name}: requires {sorted(analysis.requires)}, its reads touch {sorted(touched)}")
    assert not problems, "\n".join(problems)
