"""Shared fixtures. Tests on ../shared/data skip when it is absent, and fail instead when
LIMELIGHT_REQUIRE_SHARED_DATA=1 (CI sets it), so a missing data folder never passes silently."""

from __future__ import annotations

import importlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from urllib.parse import quote

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LIMELIGHT_SHARED", REPO.parent / "shared"))


def _need(path: Path) -> Path:
    if not path.exists():
        if os.environ.get("LIMELIGHT_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(f"{path} is missing but LIMELIGHT_REQUIRE_SHARED_DATA=1")
        pytest.skip(f"{path} not present")
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return _need(SHARED / "data")


@pytest.fixture(scope="session")
def seed_file() -> Path:
    return _need(SHARED / "seed" / "000_b1aa035ac1d71727.txt")


def need_module(name: str) -> ModuleType:
    """Import an optional extra's module (torch, transformers...) for a test module: skip when it is
    not installed, but fail when LIMELIGHT_REQUIRE_SHARED_DATA=1 (CI installs every extra)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        if os.environ.get("LIMELIGHT_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(f"{name} is not installed but LIMELIGHT_REQUIRE_SHARED_DATA=1 "
                        f"(make setup installs torch==2.13.0 and limelight[transformers]): {exc}", pytrace=False)
        pytest.skip(f"{name} not installed (extra limelight[transformers])", allow_module_level=True)


@pytest.fixture
def hf_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No Hugging Face hub: the env vars for anything started now, and the flags huggingface_hub and
    transformers already read from them at import (the test module imported them at collection)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    hub = importlib.import_module("huggingface_hub.constants")
    monkeypatch.setattr(hub, "HF_HUB_OFFLINE", True)
    try:
        tf_hub = importlib.import_module("transformers.utils.hub")
    except ImportError:
        return
    monkeypatch.setattr(tf_hub, "_is_offline_mode", True, raising=False)  # transformers 4.x's own copy


from _stores import StoreMaker, _postgres_base  # noqa: E402  (beside this file)


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def make_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreMaker]:
    """``make_store(name)`` gives a fresh, empty store; every test that takes it runs once per store
    backend (the analyses give the same answers on each). The PostgreSQL run skips without a server
    locally and fails under CI."""
    if request.param == "postgresql":
        _postgres_base()
    maker = StoreMaker(request.param, tmp_path_factory.mktemp(f"stores-{request.param}"))
    yield maker
    maker.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A postgresql:// URL of an empty schema of its own (dropped after the test), in the database
    named by LIMELIGHT_TEST_POSTGRES. Skips without it, but fails under CI or with
    LIMELIGHT_REQUIRE_SHARED_DATA=1 (.ci/run starts a server and sets it)."""
    base = _postgres_base()
    psycopg = importlib.import_module("psycopg")
    schema = f"limelight_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as con:
        con.execute(f'CREATE SCHEMA "{schema}"')
    # libpq's options parameter sets the search_path of every connection the store opens.
    yield base + ("&" if "?" in base else "?") + "options=" + quote(f"-csearch_path={schema}", safe="")
    with psycopg.connect(base, autocommit=True) as con:
        con.execute(f'DROP SCHEMA "{schema}" CASCADE')
