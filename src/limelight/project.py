"""A project folder: ``limelight.toml`` (settings), ``watchlist.toml`` and the store file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from limelight.errors import ConfigError, UsageError
from limelight.registry import registry
from limelight.settings import SETTINGS, Settings
from limelight.store.base import Store
from limelight.watchlist import Watchlist

CONFIG_NAME = "limelight.toml"
WATCHLIST_NAME = "watchlist.toml"

# What `limelight init` writes: a short commented template (docs/watchlist.md has every key).
WATCHLIST_TEMPLATE = """\
# limelight watchlist: the people, companies, segments and products to follow.
# Every key is explained in docs/watchlist.md; `limelight init DIR --example seed` writes a full example.
# Aliases in any script; variants (case, diacritics, pinyin) are generated, not typed.
# After an edit, the next `limelight ingest` (or `limelight watchlist apply`) re-matches stored documents.
#
# [[entity]]
# id = "acme"                         # used on the command line: --entity acme
# kind = "org"                        # person | org | segment | product
# name = "Acme"
# aliases = ["Acme", "Acme Corp", "ACME"]
#
# [[entity]]
# id = "jane-doe"
# kind = "person"
# name = "Jane Doe"
# parent = "acme"                     # counted for acme where an analysis includes children
# aliases = ["Jane Doe"]
# accounts = [{ platform = "x", handle = "janedoe" }]   # her own channels (withdrawal)
"""

# The founding case's cast (`limelight init --example seed`): public figures and companies in the news.
SEED_WATCHLIST = """\
# limelight watchlist: the founding case (Xiaomi, Lei Jun). Every key: docs/watchlist.md.
# Aliases in any script; variants (case, diacritics, pinyin) are generated automatically.

[[entity]]
id = "xiaomi"
kind = "org"
name = "Xiaomi"
aliases = ["Xiaomi", "小米", "Xiaomi Corporation"]

[[entity]]
id = "lei-jun"
kind = "person"
name = "Lei Jun"
parent = "xiaomi"
role = "founder, CEO"
aliases = ["Lei Jun", "雷军", "Lôi Quân", "Donnerlord"]

[[entity]]
id = "lu-weibing"
kind = "person"
name = "Lu Weibing"
parent = "xiaomi"
role = "president"
aliases = ["Lu Weibing", "卢伟冰", "Lư Vĩ Băng"]

[[entity]]
id = "luo-fuli"
kind = "person"
name = "Luo Fuli"
parent = "xiaomi"
aliases = ["Luo Fuli", "罗福莉"]

[[entity]]
id = "xiaomi-auto"
kind = "segment"
name = "Xiaomi Auto"
parent = "xiaomi"
aliases = ["Xiaomi Auto", "Xiaomi EV", "小米汽车", "SU7", "YU7"]

[[entity]]
id = "xiaomi-phones"
kind = "segment"
name = "Xiaomi Phones"
parent = "xiaomi"
aliases = ["Xiaomi phones", "Xiaomi smartphones", "小米手机", "điện thoại Xiaomi"]

[[entity]]
id = "xiaomi-17-ultra"
kind = "product"
name = "Xiaomi 17 Ultra"
parent = "xiaomi-phones"
aliases = ["Xiaomi 17 Ultra", "小米17 Ultra"]

[[entity]]
id = "leica"
kind = "org"
name = "Leica"
aliases = ["Leica", "徕卡"]
"""


def _settings_toml() -> str:
    """limelight.toml with every setting written out, commented, so the file documents itself."""
    lines = ["# limelight project settings. Every setting and its default; see docs/settings.md.", ""]
    sections: dict[str, list[str]] = {}
    for s in SETTINGS:
        section, _, key = s.name.rpartition(".")
        # JSON literals of str, int, float, bool and lists of them are valid TOML values.
        value = json.dumps(s.default, ensure_ascii=False) if not isinstance(s.default, dict) else "{}"
        sections.setdefault(section, []).append(f"# {s.help}\n# {key} = {value}")
    for section, entries in sections.items():
        if section:
            lines.append(f"[{section}]")
        lines.extend(entries)
        lines.append("")
    return "\n".join(lines)


@dataclass
class Project:
    root: Path
    settings: Settings
    watchlist: Watchlist

    @staticmethod
    def open(root: Path | str = ".") -> Project:
        root = Path(root).resolve()
        config = root / CONFIG_NAME
        if not config.exists():
            raise UsageError(f"{root} is not a limelight project (no {CONFIG_NAME})",
                             "run `limelight init DIR` first, or pass --project DIR")
        settings = Settings.load(config)
        wl_path = root / WATCHLIST_NAME
        watchlist = Watchlist.load(wl_path) if wl_path.exists() else Watchlist(())
        return Project(root, settings, watchlist)

    @property
    def store_path(self) -> Path:
        return self.root / str(self.settings["store.path"])

    def open_store(self, *, read_only: bool = False) -> Store:
        """The project's store; ``read_only=True`` for a reader that must never change it."""
        factory = registry.get("store", self.settings["store.backend"])
        if not read_only:
            store: Store = factory.open(self.store_path)
            return store
        # A read-only open cannot create the file, and DuckDB's own error ("database does not
        # exist") does not say what to do.
        if not self.store_path.exists():
            raise UsageError(f"no store yet ({self.store_path})", "run `limelight ingest` first")
        # Passed only when asked for: a third-party factory written to StoreFactory.open(path)
        # still works for every writer.
        store = factory.open(self.store_path, read_only=True)
        return store


EXAMPLES = {"seed": SEED_WATCHLIST}


def init_project(root: Path | str, *, watchlist: str | None = None, exist_ok: bool = False) -> Project:
    root = Path(root)
    if (root / CONFIG_NAME).exists() and not exist_ok:
        raise UsageError(f"{root / CONFIG_NAME} exists already", "use that project, or pick another folder")
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} is a file", "give a folder name")
    root.mkdir(parents=True, exist_ok=True)
    (root / CONFIG_NAME).write_text(_settings_toml(), encoding="utf-8")
    if watchlist is not None or not (root / WATCHLIST_NAME).exists():
        (root / WATCHLIST_NAME).write_text(watchlist or WATCHLIST_TEMPLATE, encoding="utf-8")
    try:
        return Project.open(root)
    except ConfigError:
        raise
