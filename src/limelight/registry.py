"""One registry for sources, extractors, enrichers, scorers, stores, linkers, analyses and alert rules.

Built-ins register through the same door a third-party package uses: a module-level
``register(registry)`` function. Built-in modules are listed in :data:`DEFAULT_PLUGINS`; other
packages declare an entry point in the ``limelight.plugins`` group that points at their own
``register`` function (as datasette's ``DEFAULT_PLUGINS`` and pluggy entry points do).

Every plugin declares ``name``, ``version``, ``title``, ``requires`` and ``provides`` so the
pipeline can check the chain before it runs and the contract test can walk them all. Plugins that
read the store (analyses, linkers) also declare ``reads``: the named store reads they use
(:mod:`limelight.store.reads`), checked against the store by :func:`check_store` before they run.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from importlib.metadata import entry_points
from typing import Any, Literal, Protocol, runtime_checkable

from limelight.errors import PluginError

log = logging.getLogger(__name__)

PluginKind = Literal["source", "extractor", "enricher", "scorer", "store", "linker", "analysis", "alert_rule"]
# scorer: tone scorers the tone enricher picks per language by name (config);
# linker: cross-document steps run by `limelight link` over the store (duplicates, translations...);
# alert_rule: kinds of [[alerts.rule]] (limelight.alerts.rules.RuleKind).
KINDS: tuple[PluginKind, ...] = ("source", "extractor", "enricher", "scorer", "store", "linker", "analysis",
                                 "alert_rule")

DEFAULT_PLUGINS: tuple[str, ...] = (
    "limelight.sources.html_files",
    "limelight.sources.text_dump",
    "limelight.sources.feeds",
    "limelight.sources.sitemaps",
    "limelight.sources.warc",
    "limelight.sources.social_ndjson",
    "limelight.sources.social_csv",
    "limelight.sources.weibo_cn",
    "limelight.sources.tweet_log",
    "limelight.extract.html",
    "limelight.extract.text",
    "limelight.enrich.language",
    "limelight.enrich.mentions",
    "limelight.enrich.attribution_links",
    "limelight.enrich.tone",
    "limelight.tone.lexicon",
    "limelight.tone.embedding",
    "limelight.tone.distilled",
    "limelight.tone.transformers_scorer",
    "limelight.tone.llm",
    "limelight.store.duckdb_store",
    "limelight.store.postgres_store",
    "limelight.analyses.visibility",
    "limelight.analyses.storms",
    "limelight.analyses.spillover",
    "limelight.analyses.withdrawal",
    "limelight.analyses.share_of_voice",
    "limelight.analyses.tone",
    # Linkers run in this order (`limelight link`): stories read the links found before them.
    "limelight.link.duplicates",
    "limelight.link.translations",
    "limelight.link.clusters",
    "limelight.link.copies",
    "limelight.analyses.copied_posts",
    "limelight.analyses.lineage",
    "limelight.alerts.rules",
)


@runtime_checkable
class Plugin(Protocol):
    name: str
    version: str
    title: str
    requires: tuple[str, ...]
    provides: tuple[str, ...]


class Registry:
    def __init__(self) -> None:
        self._plugins: dict[PluginKind, dict[str, Any]] = {k: {} for k in KINDS}
        self._loaded = False

    def register(self, kind: PluginKind, plugin: Any, *, replace: bool = False) -> Any:
        if kind not in self._plugins:
            raise PluginError(f"unknown plugin kind {kind!r}", f"use one of {', '.join(KINDS)}")
        for attr in ("name", "version", "title", "requires", "provides"):
            if not hasattr(plugin, attr):
                raise PluginError(
                    f"{kind} plugin {plugin!r} has no {attr!r}",
                    "declare name, version, title, requires and provides on the plugin",
                )
        if plugin.name in self._plugins[kind] and not replace:
            raise PluginError(f"a {kind} named {plugin.name!r} is registered already", "pass replace=True")
        self._plugins[kind][plugin.name] = plugin
        return plugin

    def get(self, kind: PluginKind, name: str) -> Any:
        self.load()
        try:
            return self._plugins[kind][name]
        except KeyError:
            known = ", ".join(sorted(self._plugins[kind])) or "none"
            raise PluginError(f"no {kind} named {name!r}", f"registered {kind}s: {known}") from None

    def all(self, kind: PluginKind) -> list[Any]:
        self.load()
        return list(self._plugins[kind].values())

    def __iter__(self) -> Iterator[tuple[PluginKind, Any]]:
        self.load()
        for kind in KINDS:
            for plugin in self._plugins[kind].values():
                yield kind, plugin

    def load(self) -> None:
        """Import built-ins, then third-party entry points. Idempotent."""
        if self._loaded:
            return
        self._loaded = True
        for module_name in DEFAULT_PLUGINS:
            importlib.import_module(module_name).register(self)
        for ep in entry_points(group="limelight.plugins"):
            try:
                ep.load()(self)
            except Exception as exc:  # a broken plugin must not take the tool down
                log.warning("plugin %s failed to load: %s", ep.name, exc)


def check_store(plugin: Any, store: Any) -> None:
    """Refuse to run ``plugin`` on a store that lacks a named read it declares (``reads``): a
    third-party store, or a plugin written for a newer store, fails here with the names, not
    halfway through with a SQL error."""
    wanted = tuple(getattr(plugin, "reads", ()))
    missing = [r for r in wanted if r not in store.reads]
    if missing:
        raise PluginError(
            f"{plugin.name} needs read(s) the {store.name} store does not provide: {', '.join(missing)}",
            "use a store that provides them (limelight plugins lists stores), or update limelight",
        )


registry = Registry()
