"""A SYNTHETIC sample project (fictional company and people) for demos and end-to-end tests."""

from __future__ import annotations

from typing import Any

__all__ = ["SampleSummary", "write_sample"]


def __getattr__(name: str) -> Any:
    # Imported lazily so `python -m limelight.sample.generate` does not import the module twice.
    if name in __all__:
        from limelight.sample import generate

        return getattr(generate, name)
    raise AttributeError(name)
