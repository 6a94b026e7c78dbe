"""A project folder: ``limelight.toml`` (settings), ``watchlist.toml`` and the store file."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from limelight.errors import ConfigError, StoreBusy, UsageError
from limelight.registry import registry
from limelight.settings import SETTINGS, Settings
from limelight.store.base import Store
from limelight.watchlist import Watchlist

CONFIG_NAME = "limelight.toml"
WATCHLIST_NAME = "watchlist.toml"
log = logging.getLogger(__name__)

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

    def store_fingerprint(self) -> Hashable | None:
        """A cheap token that changes whenever a commit lands in the store (the backend's
        ``fingerprint`` of its files: a few ``stat`` calls); None where the backend cannot say
        (PostgreSQL: a commit leaves no trace a client can see without asking the server)."""
        location = str(self.settings["store.path"])
        if location.startswith(("postgresql://", "postgres://")):
            return None
        factory = registry.get("store", self.settings["store.backend"])
        fingerprint = getattr(factory, "fingerprint", None)
        return fingerprint(self.store_path) if callable(fingerprint) else None

    def open_store(self, *, read_only: bool = False) -> Store:
        """The project's store; ``read_only=True`` for a reader that must never change it.

        DuckDB allows one writing process per file and, while it writes, no reader in another
        process (docs/architecture.md, "One owner of the store"). So a writer here also serves
        reads to other processes (:mod:`limelight.store.service`) until it closes the store; a
        reader goes through that service when one is announced, else opens the file read-only
        (briefly: close it soon, a writer waits for it). Either waits up to ``store.lock_timeout``
        seconds for a file someone else has open, then says who has it.
        """
        location = str(self.settings["store.path"])
        if location.startswith(("postgresql://", "postgres://")):
            # PostgreSQL has its own MVCC and many writers: no owner, no service, no waiting here.
            store: Store = registry.get("store", "postgresql").open(location, read_only=read_only)
            return store
        factory = registry.get("store", self.settings["store.backend"])
        if read_only:
            return self._open_reader(factory)
        store = self._retry_locked(lambda: factory.open(self.store_path))
        from limelight.store.duckdb_store import DuckDBStore

        if isinstance(store, DuckDBStore):
            from limelight.store.service import serve

            serve(store, self.store_path, on_close=store.on_close)
        return store

    def _open_reader(self, factory: Any) -> Store:
        # A read-only open cannot create the file, and DuckDB's own error ("database does not
        # exist") does not say what to do.
        if not self.store_path.exists():
            raise UsageError(f"no store yet ({self.store_path})", "run `limelight ingest` first")
        from limelight.store import service
        from limelight.store.remote import RemoteStore
        from limelight.store.service import ServiceGone

        def attempt() -> Store:
            announced = service.live_announcement(self.store_path)
            if announced is not None:
                try:
                    # The read side of a Store: its writes refuse, naming the process that holds it.
                    return cast(Store, RemoteStore(announced, reopen=lambda: self._open_reader(factory)))
                except ServiceGone:
                    pass  # it stopped between the file and the socket: the file may be free now
            # Passed only when asked for: a third-party factory written to StoreFactory.open(path)
            # still works for every writer.
            store: Store = factory.open(self.store_path, read_only=True)
            return store

        return self._retry_locked(attempt)

    def _retry_locked(self, attempt: Callable[[], Store]) -> Store:
        """``attempt()`` until the file is not held by another process or ``store.lock_timeout``
        seconds have passed; then a clear error naming the holder (never DuckDB's lock text)."""
        timeout = float(self.settings["store.lock_timeout"])
        deadline = time.monotonic() + timeout
        delay, warned = 0.05, False
        while True:
            try:
                return attempt()
            except ConfigError as exc:
                if not _held_elsewhere(exc):
                    raise
                left = deadline - time.monotonic()
                holder = self._holder(exc)
                if left <= 0:
                    raise self._held_error(holder, timeout) from None
                if not warned and timeout - left >= 1.0:
                    warned = True
                    log.warning("waiting up to %g s for %s to finish with %s", timeout, holder, self.store_path.name)
                time.sleep(min(delay, left))
                delay = min(delay * 2, 0.5)

    def _holder(self, exc: ConfigError) -> str:
        from limelight.store import service

        announced = service.live_announcement(self.store_path)
        if announced is not None:
            return announced.holder()
        match = re.search(r"\(PID (\d+)\)", exc.message)
        if match is None:
            return "another process"
        pid = int(match.group(1))
        what = service.describe_process(pid)
        return f"process {pid}" + (f" ({what})" if what else "")

    def _held_error(self, holder: str, timeout: float) -> ConfigError:
        return StoreBusy(
            f"the store {self.store_path} is in use by {holder} and was not free after {timeout:g} s",
            "another limelight process (an ingest, link, tone apply or report) or a program with the file "
            "open holds it: wait for it or stop it (reports and `limelight sql` can read while a limelight "
            "writer runs); store.lock_timeout in limelight.toml sets how long to wait",
        )


def _held_elsewhere(exc: ConfigError) -> bool:
    """Whether opening failed because someone else has the file: another process (DuckDB's file
    lock), or another thread of this one with the other mode (a read-only open, e.g. an export
    being read ahead, while a write open is asked for, or the reverse), which DuckDB refuses
    rather than waits for. Either is let go soon, so both are waited for."""
    text = exc.message.lower()
    return ("conflicting lock" in text or "could not set lock" in text
            or "different configuration than existing connections" in text)


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
