"""Helpers shared by the tests/test_sources_*.py files (not a test module itself)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from limelight.models import Document, ItemError, RawPage
from limelight.registry import Registry
from limelight.settings import Settings
from limelight.sources.base import Fetcher, Input, SourceContext

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
SOURCE_MODULES = (
    "html_files",
    "text_dump",
    "feeds",
    "sitemaps",
    "warc",
    "social_ndjson",
    "social_csv",
    "weibo_cn",
    "tweet_log",
)


def source_registry() -> Registry:
    """A registry holding only the source plugins, so these tests do not depend on other stages."""
    reg = Registry()
    reg._loaded = True  # skip DEFAULT_PLUGINS: extractors and stores are not under test here
    for name in SOURCE_MODULES:
        importlib.import_module(f"limelight.sources.{name}").register(reg)
    return reg


def ctx(fetcher: Fetcher | None = None, **settings: Any) -> SourceContext:
    return SourceContext(settings=Settings.from_dict(settings), fetch=fetcher)


def file_input(path: Path, **options: str) -> Input:
    return Input(origin=str(path), path=path, options=dict(options))


def docs(items: list[Any]) -> list[Document]:
    return [i for i in items if isinstance(i, Document)]


def pages(items: list[Any]) -> list[RawPage]:
    return [i for i in items if isinstance(i, RawPage)]


def errors(items: list[Any]) -> list[ItemError]:
    return [i for i in items if isinstance(i, ItemError)]
