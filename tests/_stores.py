"""Fresh stores on every backend for tests (DuckDB always, PostgreSQL when LIMELIGHT_TEST_POSTGRES
names a server): the `make_store` fixture in conftest.py hands out a :class:`StoreMaker`."""

from __future__ import annotations

import contextlib
import importlib
import os
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest


def _required() -> bool:
    return os.environ.get("LIMELIGHT_REQUIRE_SHARED_DATA") == "1" or bool(os.environ.get("CI"))


def _postgres_base() -> str:
    """LIMELIGHT_TEST_POSTGRES with psycopg importable; skips without them, fails where required."""
    base = os.environ.get("LIMELIGHT_TEST_POSTGRES", "")
    if not base:
        if _required():
            pytest.fail("LIMELIGHT_TEST_POSTGRES is not set, but CI / LIMELIGHT_REQUIRE_SHARED_DATA=1 needs the "
                        "PostgreSQL store tested (.ci/run starts a server and sets it)", pytrace=False)
        pytest.skip("LIMELIGHT_TEST_POSTGRES not set (postgresql://user:password@host/db of a database the tests "
                    "may create schemas in)")
    try:
        importlib.import_module("psycopg")
    except ImportError as exc:
        if _required():
            pytest.fail(f"psycopg is not installed but the PostgreSQL store must be tested: {exc}", pytrace=False)
        pytest.skip("psycopg not installed (extra limelight[postgresql])")
    return base


class StoreMaker:
    """Fresh, empty stores on one backend: a DuckDB file in a temporary folder, or a PostgreSQL
    schema of its own. Everything made is closed (and the schemas dropped) at teardown."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self.folder = folder
        self._stores: list[Any] = []
        self._schemas: list[str] = []

    def __call__(self, name: str = "store") -> Any:
        if self.backend == "duckdb":
            from limelight.store.duckdb_store import DuckDBStore

            store: Any = DuckDBStore(self.folder / f"{name}-{len(self._stores)}.duckdb")
        else:
            from limelight.store.postgres_store import PostgresStore

            base = _postgres_base()
            schema = f"limelight_test_{uuid.uuid4().hex[:12]}"
            self._schemas.append(schema)
            store = PostgresStore(base + ("&" if "?" in base else "?") + "options="
                                  + quote(f"-csearch_path={schema}", safe=""))
        self._stores.append(store)
        return store

    def close(self) -> None:
        for store in self._stores:
            with contextlib.suppress(Exception):
                store.close()
        if self._schemas:
            psycopg = importlib.import_module("psycopg")
            with psycopg.connect(_postgres_base(), autocommit=True) as con:
                for schema in self._schemas:
                    con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
