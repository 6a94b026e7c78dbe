"""Named reads: every query a plugin or stage runs, written once, owned by the store.

An analysis, linker or stage never writes SQL. It names the reads it uses (``reads = (...)`` on the
plugin) and calls ``store.read("visibility.counts", members=[...], scope=scope)``; the registry
checks before a plugin runs that the store provides every read it names
(:func:`limelight.registry.check_store`).

A read is a builder: a function of plain keyword arguments that returns a :class:`Query`, SQL in
the canonical dialect (DuckDB's) with named ``$parameters``. Each backend turns it into its own
dialect once: DuckDB runs the text as written, PostgreSQL runs what
:func:`limelight.store.dialect.to_postgres` generates from it (SQLGlot, plus the few rewrites it
needs). So a read is never kept in two hand-written copies. The rules that keep the canonical SQL
translatable are in :mod:`limelight.store.dialect` and checked for every read by
``tests/test_store_reads.py``.

Reads are grouped by the part of the pipeline that uses them, one module each
(:data:`READ_MODULES`); a third-party store may add reads of its own with :func:`read` and a
third-party plugin may declare reads only such a store provides.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from limelight.errors import PluginError

READ_MODULES: tuple[str, ...] = (
    "limelight.store.reads.core",
    "limelight.store.reads.analyses",
    "limelight.store.reads.link",
    "limelight.store.reads.tone",
    "limelight.store.reads.lists",
    "limelight.store.reads.search",
    "limelight.store.reads.alerts",
)


@dataclass(frozen=True, slots=True)
class Query:
    """One statement in the canonical dialect and its named parameters (``$name`` in the text)."""

    sql: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Read:
    name: str
    tables: tuple[str, ...]  # the tables and views it reads (documentation, and the contract test)
    build: Callable[..., Query]
    doc: str


READS: dict[str, Read] = {}
_loaded = False


def read(name: str, *, tables: tuple[str, ...]) -> Callable[[Callable[..., Query]], Callable[..., Query]]:
    """Register ``build`` as the read ``name`` (a dotted name: ``area.what``)."""

    def decorate(build: Callable[..., Query]) -> Callable[..., Query]:
        if name in READS and READS[name].build is not build:
            raise PluginError(f"a read named {name!r} is registered already", "pick another name")
        READS[name] = Read(name, tables, build, (build.__doc__ or "").strip())
        return build

    return decorate


def load() -> dict[str, Read]:
    """Every registered read (importing the built-in read modules once)."""
    global _loaded
    if not _loaded:
        _loaded = True
        for module in READ_MODULES:
            importlib.import_module(module)
    return READS


def build(name: str, params: dict[str, Any]) -> Query:
    reads = load()
    try:
        spec = reads[name]
    except KeyError:
        raise PluginError(f"the store has no read named {name!r}",
                          "a plugin names the reads it uses in `reads`; see limelight.store.reads") from None
    return spec.build(**params)
