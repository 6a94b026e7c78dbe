"""One contract test over every registered plugin (4CAT style: collect all failures, report at once)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from limelight.analyses.base import Analysis, AnalysisResult, Option
from limelight.enrich.base import EnrichContext, Enricher
from limelight.extract.base import Extractor
from limelight.models import Document, Enriched, Source, content_hash, document_id
from limelight.registry import KINDS, registry
from limelight.settings import Settings
from limelight.sources.base import Input, SourcePlugin
from limelight.store.base import Store
from limelight.watchlist import Watchlist

WATCHLIST = Watchlist.from_dict({"entity": [
    {"id": "acme", "kind": "org", "name": "Acme", "aliases": ["Acme", "阿克米"]},
]})


def _doc() -> Document:
    text = "Acme kündigte heute ein neues Produkt an. Der Chef von Acme sagte, es werde gut."
    h = content_hash("Acme stellt aus", text)
    return Document(id=document_id(None, h), kind="article", origin="contract", text=text, title="Acme stellt aus",
                    source=Source.make("web", "example.org"), content_hash=h)


def _check_common(kind: str, p: Any, problems: list[str]) -> None:
    for attr in ("name", "version", "title"):
        if not isinstance(getattr(p, attr, None), str) or not getattr(p, attr):
            problems.append(f"{kind} {p!r}: {attr} must be a non-empty string")
    for attr in ("requires", "provides"):
        value = getattr(p, attr, None)
        if not isinstance(value, tuple) or not all(isinstance(x, str) for x in value):
            problems.append(f"{kind} {getattr(p, 'name', p)!r}: {attr} must be a tuple of strings")


def test_registry_contract_every_plugin(tmp_path: Path) -> None:
    problems: list[str] = []
    seen = {kind: 0 for kind in KINDS}
    samples = [Input(origin="a.html", content=b"<html><body><p>x</p></body></html>"),
               Input(origin="a.txt", content=b"plain words\n"),
               Input(origin="a.ndjson", content=b'{"a": 1}\n')]
    for kind, p in registry:
        seen[kind] += 1
        _check_common(kind, p, problems)
        name = getattr(p, "name", p)
        if kind == "source":
            if not isinstance(p, SourcePlugin):
                problems.append(f"source {name}: does not implement SourcePlugin")
                continue
            for inp in samples:
                score = p.sniff(inp)
                if not isinstance(score, float | int) or not 0 <= score <= 1:
                    problems.append(f"source {name}: sniff({inp.origin}) returned {score!r}, not 0..1")
        elif kind == "extractor":
            if not isinstance(p, Extractor) or not p.formats:
                problems.append(f"extractor {name}: needs formats and extract()")
        elif kind == "enricher":
            if not isinstance(p, Enricher):
                problems.append(f"enricher {name}: does not implement Enricher")
                continue
            p.setup(EnrichContext(Settings.defaults(), WATCHLIST))
            out = p(Enriched(_doc()))
            if not isinstance(out, Enriched):
                problems.append(f"enricher {name}: returned {type(out).__name__}, not Enriched")
            if "document.language" in p.provides and out.document.language != "de":
                problems.append(f"enricher {name}: provides document.language but set {out.document.language!r}")
            if "mentions" in p.provides and not any(m.entity_id == "acme" for m in out.mentions):
                problems.append(f"enricher {name}: provides mentions but found none for 'Acme'")
        elif kind == "store":
            if name == "postgresql":
                # A server store opens a URL, not a file: tests/test_store_contract.py runs the whole
                # store contract on it (and on every other registered store).
                continue
            store = p.open(tmp_path / f"{name}.db")
            try:
                if not isinstance(store, Store):
                    problems.append(f"store {name}: does not implement Store")
            finally:
                store.close()
        elif kind == "analysis":
            if not isinstance(p, Analysis) or not getattr(p, "description", ""):
                problems.append(f"analysis {name}: needs description, options and run()")
                continue
            if not all(isinstance(o, Option) for o in p.options):
                problems.append(f"analysis {name}: options must be Option instances")
            factory = registry.get("store", "duckdb")
            store = factory.open(tmp_path / f"analysis-{name}.db")
            try:
                res = p.run(store, WATCHLIST, **{o.name: o.default for o in p.options})
                if not isinstance(res, AnalysisResult) or not isinstance(res.table, pa.Table):
                    problems.append(f"analysis {name}: run() must return AnalysisResult with a pyarrow Table")
            finally:
                store.close()
        elif kind == "alert_rule":
            from datetime import UTC, datetime

            from limelight.alerts.rules import Incident, Rule, RuleKind

            if not isinstance(p, RuleKind) or not callable(p.evaluate) or not isinstance(p.options, dict):
                problems.append(f"alert_rule {name}: must be a RuleKind with evaluate() and an options mapping")
                continue
            bad = [o for o in p.choices if o not in p.options or p.options[o] not in p.choices[o]]
            if bad:
                problems.append(f"alert_rule {name}: choices for {bad} do not hold the option's default")
            store = registry.get("store", "duckdb").open(tmp_path / f"rule-{name}.db")
            try:
                rule = Rule(f"contract-{name}", name, (), None, dict(p.options))
                got = p.evaluate(store, WATCHLIST, rule, datetime.now(UTC), "UTC")
                if not isinstance(got, list) or not all(isinstance(i, Incident) for i in got):
                    problems.append(f"alert_rule {name}: evaluate() must return a list of Incident")
                elif got:
                    problems.append(f"alert_rule {name}: found {len(got)} incidents in an empty store")
            finally:
                store.close()
    for kind in KINDS:
        if seen[kind] == 0:
            problems.append(f"no {kind} plugin registered")
    assert not problems, "\n".join(problems)


def test_registry_rejects_plugin_without_contract() -> None:
    import pytest

    from limelight.errors import PluginError
    from limelight.registry import Registry

    class Half:
        name = "half"

    with pytest.raises(PluginError, match="version"):
        Registry().register("source", Half())
