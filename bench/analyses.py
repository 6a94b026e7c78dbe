"""Analysis benchmark: each analysis' time ÷ one full scan of the mentions table, in one run.

    python bench/analyses.py                    # 1,000,000 mentions
    python bench/analyses.py --mentions 200000
    python bench/analyses.py --postgres postgresql://user:pw@127.0.0.1/db   # the same on PostgreSQL too

Target (issue #3, and for PostgreSQL issue #9): every analysis < 5x one full scan of ``mentions`` on
the same store. With ``--postgres URL`` the same synthetic tables are also bulk-loaded
(``Store.bulk_load``, in a schema of their own that is dropped after) into PostgreSQL and timed there
against a PostgreSQL scan. Two scans
are printed, both best of 3 like the analyses: ``SELECT * FROM mentions`` materialised as Arrow (the
target's denominator), and an aggregate over the columns the analyses read (DuckDB answers that from
its column store in milliseconds, so ratios against it look large: they are shown for honesty).

All rows are GENERATED (synthetic ids, made-up entities): they measure speed, never quality. They
go straight into a DuckDB store as Arrow tables, not through ingest, so only the analyses are timed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from limelight.analyses.copied_posts import CopiedPosts
from limelight.analyses.lineage import Stories
from limelight.analyses.share_of_voice import ShareOfVoice
from limelight.analyses.spillover import Spillover
from limelight.analyses.storms import Storms
from limelight.analyses.tone import ToneOverTime
from limelight.analyses.visibility import Visibility
from limelight.analyses.withdrawal import Withdrawal
from limelight.models import Account, Entity, Source
from limelight.store.duckdb_store import DuckDBStore
from limelight.store.schema import DOCUMENT_SCHEMA, MENTION_SCHEMA, SOURCE_SCHEMA
from limelight.watchlist import Watchlist

N_ENTITIES = 30
N_ACCOUNTS = 10
DAYS = 730
ROLES = np.array(["headline", "lead", "body", "body", "body", "quoted", "caption"])
TONES = np.array(["negative", "neutral", "positive"])


def synthetic_watchlist() -> Watchlist:
    ents = [Entity("org-0", "org", "Org 0", competitors=("org-1", "org-2", "org-3"))]
    ents += [Entity(f"org-{i}", "org", f"Org {i}") for i in range(1, 4)]
    ents += [Entity(f"child-{i}", "segment" if i % 2 else "person", f"Child {i}", parent="org-0",
                    accounts=(Account("weibo", f"acct-{i}"),) if i < N_ACCOUNTS else ())
             for i in range(N_ENTITIES - 4)]
    return Watchlist(tuple(ents))


def build(path: Path, n_mentions: int, seed: int = 0, n_docs: int | None = None) -> None:
    rng = np.random.default_rng(seed)
    wl = synthetic_watchlist()
    n_docs = n_docs or n_mentions // 2
    start = np.datetime64("2023-01-01T00:00:00", "us")
    day = rng.integers(0, DAYS, n_docs)
    ts = start + (day * 86_400 + rng.integers(0, 86_400, n_docs)).astype("timedelta64[s]")
    n_posts = n_docs // 10
    is_post = np.zeros(n_docs, dtype=bool)
    is_post[:n_posts] = True
    handles = np.array([f"acct-{i}" for i in range(N_ACCOUNTS)] + [f"site-{i}.example" for i in range(40)])
    src_idx = np.where(is_post, rng.integers(0, N_ACCOUNTS, n_docs), rng.integers(N_ACCOUNTS, len(handles), n_docs))
    sources = [Source.make("weibo" if i < N_ACCOUNTS else "web", h) for i, h in enumerate(handles)]
    ids = np.char.add("d", np.arange(n_docs).astype(str))
    docs = {
        "id": ids, "kind": np.where(is_post, "post", "article"), "origin": np.full(n_docs, "synthetic"),
        "source_id": np.array([s.id for s in sources])[src_idx], "text": np.full(n_docs, "synthetic"),
        "title": np.char.add("synthetic title ", ids), "published_at": ts,
        "captions": pa.array([[]] * n_docs, pa.list_(pa.string())),
        "content_hash": ids, "content_type": np.where(is_post, np.where(rng.random(n_docs) < 0.2, "livestream",
                                                                             "post"), None),
    }
    doc_table = pa.table({f.name: (pa.array(docs[f.name], f.type) if f.name in docs else pa.nulls(n_docs, f.type))
                          for f in DOCUMENT_SCHEMA})
    ents = np.array([e.id for e in wl.entities])
    # a skewed popularity, as in real coverage: a few entities get most mentions
    weights = 1.0 / np.arange(1, len(ents) + 1)
    ent = rng.choice(len(ents), n_mentions, p=weights / weights.sum())
    doc_of = rng.integers(0, n_docs, n_mentions)
    tone = rng.normal(0, 0.4, n_mentions)
    men = {
        "id": np.char.add("m", np.arange(n_mentions).astype(str)), "document_id": ids[doc_of],
        "entity_id": ents[ent], "alias": ents[ent], "surface": ents[ent], "field": np.full(n_mentions, "text"),
        "start": np.zeros(n_mentions, np.int32), "end": np.ones(n_mentions, np.int32),
        "role": ROLES[rng.integers(0, len(ROLES), n_mentions)], "sentence": np.full(n_mentions, "synthetic sentence"),
        "tone": tone, "tone_label": TONES[np.digitize(tone, [-0.2, 0.2])],
    }
    men_table = pa.table({f.name: (pa.array(men[f.name], f.type) if f.name in men else pa.nulls(n_mentions, f.type))
                          for f in MENTION_SCHEMA})
    src_table = pa.Table.from_pylist([{"id": s.id, "platform": s.platform, "handle": s.handle, "name": None,
                                       "owner_entity": None, "official": False} for s in sources], SOURCE_SCHEMA)
    store = DuckDBStore(path)
    try:
        con = store._con  # bulk load: the benchmark times analyses, not writes
        for name, table in (("sources", src_table), ("documents", doc_table), ("mentions", men_table)):
            con.register("_bench", table)
            con.execute(f"INSERT INTO {name} SELECT * FROM _bench")
            con.unregister("_bench")
        # a story cluster for every 5th document, so the story joins have rows to fold
        con.execute("INSERT INTO stories SELECT id, 's' || (CAST(substr(id, 2) AS BIGINT) // 5), 'synthetic' "
                    "FROM documents WHERE CAST(substr(id, 2) AS BIGINT) % 5 < 2")
        # the second document of each story translates the first; a third of the posts copy the next post
        con.execute("INSERT INTO links SELECT id, 'd' || (CAST(substr(id, 2) AS BIGINT) - 1), NULL, 'translation', "
                    "0.9, 'synthetic', 'bench' FROM documents WHERE CAST(substr(id, 2) AS BIGINT) % 5 = 1")
        con.execute("INSERT INTO links SELECT id, 'd' || (CAST(substr(id, 2) AS BIGINT) + 1), NULL, "
                    "'copies_official', 0.95, 'synthetic', 'bench' FROM documents "
                    "WHERE kind = 'post' AND CAST(substr(id, 2) AS BIGINT) % 3 = 0")
        store.sync_watchlist(wl)
    finally:
        store.close()


SCAN = """SELECT count(*), sum(length(id) + length(document_id) + length(entity_id) + length(role)),
                 avg(tone), count(tone_label) FROM mentions"""


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def copy_to_postgres(path: Path, url: str, folder: Path) -> str:
    """The DuckDB bench store's tables in a new PostgreSQL schema (bulk_load of one shard; stories
    and entities through the store's writes). Returns the URL of that schema."""
    import uuid
    from urllib.parse import quote

    import psycopg

    from limelight.store.arrow import write_shard
    from limelight.store.postgres_store import PostgresStore

    schema = f"limelight_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f'CREATE SCHEMA "{schema}"')
    target = url + ("&" if "?" in url else "?") + "options=" + quote(f"-csearch_path={schema}", safe="")
    src = DuckDBStore(path, read_only=True)
    try:
        tables = {name: src.query(f"SELECT * FROM {name}") for name in ("sources", "documents", "mentions", "links")}
        stories = src.query("SELECT document_id, story_id, method FROM stories").to_pylist()
    finally:
        src.close()
    files = write_shard(folder / "shard", tables)
    pg = PostgresStore(target)
    try:
        pg.bulk_load([files], "bench")
        pg.replace_stories([(r["document_id"], r["story_id"], r["method"]) for r in stories])
        pg.sync_watchlist(synthetic_watchlist())
    finally:
        pg.close()
    return target


def drop_schema(url: str, target: str) -> None:
    import psycopg

    schema = target.rsplit("search_path%3D", 1)[-1]
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def time_analyses(store: Any, wl: Watchlist, label: str) -> float:
    """Print each analysis' time ÷ the scans on ``store``; returns the worst ratio to SELECT *."""
    from limelight.store.dialect import translate

    scan = best_of(lambda: store.query(translate(SCAN, store.dialect)))
    # the stricter reading of "a full scan": every column of every row, materialised as Arrow
    scan_all = best_of(lambda: store.query("SELECT * FROM mentions"))
    runs: dict[str, Callable[[], object]] = {
        "visibility (week)": lambda: Visibility().run(store, wl, by="week"),
        "storms (all entities)": lambda: Storms().run(store, wl),
        "spillover (499 surrogates)": lambda: Spillover().run(store, wl, a="child-0", b="child-1"),
        "withdrawal (10 accounts)": lambda: Withdrawal().run(store, wl),
        "share_of_voice (week)": lambda: ShareOfVoice().run(store, wl),
        "tone (week)": lambda: ToneOverTime().run(store, wl),
        "copied_posts (week)": lambda: CopiedPosts().run(store, wl),
        "stories (one row per story)": lambda: Stories().run(store, wl),
        "stories (lineage per document)": lambda: Stories().run(store, wl, view="documents"),
    }
    print(f"-- {label}")
    print(f"{'analysis':32} {'seconds':>9} {'÷ agg scan':>11} {'÷ SELECT *':>11}")
    print(f"{'aggregate scan of mentions':32} {scan:9.3f} {1.0:11.2f} {scan / scan_all:11.2f}")
    print(f"{'SELECT * FROM mentions':32} {scan_all:9.3f} {scan_all / scan:11.2f} {1.0:11.2f}")
    worst = 0.0
    for name, fn in runs.items():
        t = best_of(fn)
        worst = max(worst, t / scan_all)
        print(f"{name:32} {t:9.3f} {t / scan:11.2f} {t / scan_all:11.2f}")
    print(f"{label}: worst ratio to SELECT * {worst:.2f} (target < 5)")
    return worst


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mentions", type=int, default=1_000_000)
    ap.add_argument("--postgres", default=None, help="Also time the analyses on PostgreSQL (a database URL).")
    args = ap.parse_args(argv)
    wl = synthetic_watchlist()
    with tempfile.TemporaryDirectory(prefix="limelight-bench-") as tmp:
        path = Path(tmp) / "bench.duckdb"
        t0 = time.perf_counter()
        build(path, args.mentions)
        print(f"built a SYNTHETIC store: {args.mentions:,} mentions, {args.mentions // 2:,} documents, "
              f"{DAYS} days, {len(wl)} entities in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        store = DuckDBStore(path, read_only=True)
        try:
            time_analyses(store, wl, "DuckDB")
        finally:
            store.close()
        if args.postgres:
            from limelight.store.postgres_store import PostgresStore

            t0 = time.perf_counter()
            target = copy_to_postgres(path, args.postgres, Path(tmp))
            print(f"loaded it into PostgreSQL in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
            try:
                pg = PostgresStore(target, read_only=True)
                try:
                    time_analyses(pg, wl, "PostgreSQL")
                finally:
                    pg.close()
            finally:
                drop_schema(args.postgres, target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
