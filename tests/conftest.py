"""Shared fixtures. Tests on ../shared/data skip when it is absent, and fail instead when
LIMELIGHT_REQUIRE_SHARED_DATA=1 (CI sets it), so a missing data folder never passes silently."""

from __future__ import annotations

import os
from pathlib import Path

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
