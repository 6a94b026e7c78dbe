"""Named reads: every registered read builds, runs on DuckDB and translates to PostgreSQL."""

from __future__ import annotations

import pytest
import sqlglot

from limelight.registry import check_store, registry
from limelight.store.dialect import to_postgres
from limelight.store.reads import READS, load

load()


def test_every_read_has_a_dotted_name_tables_and_a_docstring() -> None:
    assert READS
    for name, spec in READS.items():
        assert "." in name, name
        assert spec.tables, name
        assert spec.doc, f"{name} has no docstring saying what it returns"


def test_every_plugin_that_reads_names_only_registered_reads() -> None:
    for kind, plugin in registry:
        for name in getattr(plugin, "reads", ()):
            assert name in READS, f"{kind} {plugin.name} declares unknown read {name!r}"


@pytest.mark.parametrize("sql", [
    "SELECT a FROM t WHERE a = $x",
    "SELECT id FROM documents WHERE id IN (SELECT unnest(CAST($ids AS VARCHAR[])))",
    "SELECT list_slice(min_by(document_id, published_at, $n), 1, $n) AS ev FROM mentions GROUP BY entity_id",
])
def test_canonical_sql_translates_to_postgres_parameters(sql: str) -> None:
    out = to_postgres(sql)
    assert "$" not in out and "%(" in out
    sqlglot.parse_one(out, read="postgres")  # what came out is PostgreSQL SQLGlot can read back


def test_check_store_refuses_a_plugin_whose_read_the_store_lacks(tmp_path) -> None:
    from limelight.errors import PluginError
    from limelight.store.duckdb_store import DuckDBStore

    class Wants:
        name = "wants"
        reads = ("core.document_labels", "no.such_read")

    with DuckDBStore(tmp_path / "s.duckdb") as store, pytest.raises(PluginError, match=r"no\.such_read"):
        check_store(Wants(), store)
