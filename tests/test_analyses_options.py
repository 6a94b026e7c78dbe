"""Options every analysis shares: declared ranges, the shared scope (since, until, language, source,
kind, timezone) and the store's one predicate for it, on a small SYNTHETIC store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from _stores import StoreMaker
from limelight.analyses.base import SCOPE_NAMES, Scope
from limelight.errors import UsageError
from limelight.models import Document, Enriched, Mention, Source
from limelight.registry import registry
from limelight.store.base import Store
from limelight.store.dialect import translate
from limelight.store.reads.scope import where
from limelight.watchlist import Watchlist

WATCHLIST = Watchlist.from_dict({"entity": [
    {"id": "acme", "kind": "org", "name": "Acme", "competitors": ["globex"],
     "official_accounts": [{"platform": "weibo", "handle": "acme_hq"}]},
    {"id": "ceo", "kind": "person", "name": "Ceo", "parent": "acme", "accounts": [{"platform": "x", "handle": "Ceo1"}]},
    {"id": "globex", "kind": "org", "name": "Globex"},
]})
SOURCES = {
    "reuters": Source.make("web", "www.reuters.com"), "dpa": Source.make("web", "dpa.de"),
    "ceo": Source.make("x", "Ceo1"), "quote": Source.make("web", "o'brien.example"),
}
T0 = datetime(2024, 1, 1, 9, tzinfo=UTC)


def _item(i: int, source: str, kind: str, language: str, day: int, entity: str, tone: float) -> Enriched:
    d = Document(id=f"d{i}", kind=kind, origin="synthetic", source=SOURCES[source], text=f"{entity} {i}",  # type: ignore[arg-type]
                 title=f"{entity} story {i}", language=language, published_at=T0 + timedelta(days=day))
    return Enriched(d, (Mention(d.id, entity, entity, entity, "text", 0, 1, "body", "s", tone=tone),))


@pytest.fixture(scope="module")
def store(make_store: StoreMaker) -> Iterator[Store]:
    s = make_store()
    items = []
    for day in range(40):
        items += [_item(4 * day, "reuters", "article", "en", day, "acme", -0.5),
                  _item(4 * day + 1, "dpa", "article", "de", day, "globex", 0.4),
                  _item(4 * day + 2, "ceo", "post", "en", day, "ceo", 0.1),
                  _item(4 * day + 3, "quote", "article", "en", day, "acme", 0.0)]
    s.write(items, "synthetic")
    yield s
    s.close()


ANALYSES = sorted(a.name for a in registry.all("analysis"))
# What each analysis needs to return rows at all (two entities for spillover, ...).
NEEDS: dict[str, dict[str, Any]] = {"spillover": {"a": "acme", "b": "globex", "permutations": 10}}


@pytest.mark.parametrize("name", ANALYSES)
def test_analyses_options_every_analysis_takes_the_shared_scope(name: str) -> None:
    declared = {o.name for o in registry.get("analysis", name).options}
    assert declared >= SCOPE_NAMES, sorted(SCOPE_NAMES - declared)


@pytest.mark.parametrize("name", [n for n in ANALYSES if any(o.name == "evidence_limit"
                                                               for o in registry.get("analysis", n).options)])
def test_analyses_options_evidence_limit_range_checked_and_clamped(store: Store, name: str) -> None:
    analysis = registry.get("analysis", name)
    limit = next(o for o in analysis.options if o.name == "evidence_limit")
    assert (limit.min, limit.max) == (0, 10_000)
    extra = NEEDS.get(name, {})
    for ok in (0, 1, limit.max):  # 0 and the maximum go through the backend's bounded top-n
        res = analysis.run(store, WATCHLIST, evidence_limit=ok, **extra)
        for column in (c for c in res.table.column_names if c == "evidence"):
            assert all(len(v or []) <= ok for v in res.table.column(column).to_pylist())
    with pytest.raises(UsageError, match="evidence_limit must be between 0 and 10,000, not 1,000,000"):
        analysis.run(store, WATCHLIST, evidence_limit=1_000_000, **extra)


def test_analyses_options_declared_ranges_are_checked() -> None:
    storms = registry.get("analysis", "storms")
    with pytest.raises(UsageError, match="window must be between 7 and"):
        storms.run(None, WATCHLIST, window=3)  # type: ignore[arg-type]  # checked before the store is read
    with pytest.raises(UsageError, match="z_off"):
        storms.run(None, WATCHLIST, z_on=2.0, z_off=3.0)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="max_lag must be between 1 and 366"):
        registry.get("analysis", "spillover").run(None, WATCHLIST, a="acme", b="globex", max_lag=0)  # type: ignore[arg-type]


def _docs(store: Store, **options: Any) -> set[str]:
    # the store's one scope predicate (limelight.store.reads.scope), as every analysis read puts it
    params: dict[str, Any] = {}
    predicate = where(Scope.from_options("test", options), params)
    sql = translate(f"SELECT d.id FROM documents AS d WHERE {predicate}", store.dialect)
    return set(store.query(sql, params).column(0).to_pylist())


def test_analyses_options_scope_predicate_selects_documents(store: Store) -> None:
    every = _docs(store)
    assert len(every) == 160
    reuters = _docs(store, source="reuters.com")  # the outlet's domain covers www.reuters.com
    assert reuters == {f"d{4 * d}" for d in range(40)}
    assert _docs(store, source="x/ceo1") == _docs(store, source="x/*") == _docs(store, kind="posts")
    assert _docs(store, source="o'brien.example") == {f"d{4 * d + 3}" for d in range(40)}  # a quote stays a value
    assert _docs(store, source="@Ceo1") == _docs(store, source="x/Ceo1")
    assert _docs(store, language="de") == {f"d{4 * d + 1}" for d in range(40)}
    assert _docs(store, language="en,de") == every and _docs(store, source="nobody.example") == set()
    assert len(_docs(store, since="2024-01-11", until="2024-01-20")) == 40
    assert _docs(store, kind="article", language="en") == reuters | _docs(store, source="o'brien.example")
    for bad in ({"since": "yesterday"}, {"language": "english!"}, {"kind": "tweet"}, {"source": "/"}):
        with pytest.raises(UsageError):
            Scope.from_options("test", bad)


# The analyses that answer on this store at all (storms need a burst, stories need `limelight link`).
ANSWERING = {"visibility", "tone", "share_of_voice", "copied_posts", "withdrawal", "spillover"}


@pytest.mark.parametrize("name", ANALYSES)
def test_analyses_options_scope_reaches_every_analysis(store: Store, name: str) -> None:
    """Narrowed to a language no document has, every analysis answers with nothing."""
    analysis = registry.get("analysis", name)
    extra = NEEDS.get(name, {})
    whole = analysis.run(store, WATCHLIST, **extra)
    narrow = analysis.run(store, WATCHLIST, language="vi", **extra)
    assert (whole.table.num_rows > 0) == (name in ANSWERING), name
    assert narrow.table.num_rows == 0, name
