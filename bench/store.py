"""Store benchmark: write throughput of the DuckDB and PostgreSQL stores on the same posts.

    LIMELIGHT_TEST_POSTGRES=postgresql://user:pw@127.0.0.1/db python bench/store.py [--posts 200000]

Target (issue "One owner of the store"): ingest into PostgreSQL >= 0.7x the throughput into DuckDB.
Only the store is timed (``Store.write`` of ready Enriched batches, as the pipeline hands them
over), then a re-ingest of the same posts (every one known), a bulk load of the same posts as
Parquet shards, and a full scan of the mentions through a read.

The posts are GENERATED (synthetic, fictional names) — they measure speed, never quality.
PostgreSQL runs in its own schema, dropped afterwards; the server is whatever the URL names (on
one machine it shares the cores with the benchmark, which DuckDB does not).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from limelight.models import Document, Enriched, Link, Mention, Source, content_hash, document_id  # noqa: E402
from limelight.store.arrow import batch_tables, write_shard  # noqa: E402
from limelight.store.base import Store  # noqa: E402

PHRASES = ["Han Zhiyuan presented the new KX7 today", "Kestrel Auto recalls cars after the crash",
           "韩志远今天发布了新款KX7", "Hàn Chí Viễn giới thiệu KX7 mới hôm nay",
           "Kestrel Auto ruft nach dem Unfall Autos zurück", "great phone, the camera is amazing"]


def synthetic_posts(n: int, seed: int = 1) -> list[Enriched]:
    """Posts as the pipeline hands them to the store: two mentions each, a link for one in ten."""
    rnd = random.Random(seed)
    accounts = [Source.make("weibo", f"user{i}", f"User {i}") for i in range(500)]
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    items = []
    for i in range(n):
        text = f"{rnd.choice(PHRASES)} #{i}"
        chash = content_hash(None, text)
        doc = Document(id=document_id(None, chash, f"weibo:{i}"), kind="post", origin=f"posts.ndjson:{i + 1}",
                       source=accounts[i % 500], text=text, language="en", language_confidence=0.9,
                       published_at=t0 + timedelta(seconds=30 * i), content_hash=chash, content_type="post",
                       platform_id=str(i), likes=i % 97, date_source="export")
        mentions = (Mention(doc.id, "kestrel", "Kestrel", "Kestrel", "text", 0, 7, "lead", text),
                    Mention(doc.id, "han-zhiyuan", "Han Zhiyuan", "Han Zhiyuan", "text", 10, 21, "quoted", text))
        links = (Link(doc.id, None, "attribution", 1.0, "via", to_url=f"https://example.org/{i}"),) if i % 10 == 0 \
            else ()
        items.append(Enriched(doc, mentions, links, extra=(("raw_key", f"raw-{i}"),)))
    return items


def timed(label: str, fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - t
    print(f"  {label}: {elapsed:.2f} s")
    return elapsed


def run(store: Store, name: str, items: list[Enriched], batch: int) -> dict[str, float]:
    print(f"{name}:")
    n = len(items)

    def ingest(run_id: str) -> None:
        for i in range(0, n, batch):
            store.write(items[i:i + batch], run_id)

    out = {"write": timed(f"write {n:,} posts, batches of {batch:,}", lambda: ingest("run-1"))}
    out["rewrite"] = timed(f"write the same {n:,} again (all known)", lambda: ingest("run-2"))
    out["scan"] = timed("read every mention (SELECT over mentions)",
                        lambda: store.query("SELECT id, document_id, entity_id, role, start, tone FROM mentions"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2000, help="documents per write (ingest.batch_size)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each store, interleaved; the best counts")
    args = parser.parse_args()
    url = os.environ.get("LIMELIGHT_TEST_POSTGRES")
    if not url:
        sys.exit("set LIMELIGHT_TEST_POSTGRES=postgresql://user:password@host/db (a database to make a schema in)")
    import psycopg

    from limelight.store.duckdb_store import DuckDBStore
    from limelight.store.postgres_store import PostgresStore

    t = time.perf_counter()
    items = synthetic_posts(args.posts)
    print(f"{len(items):,} synthetic posts generated in {time.perf_counter() - t:.1f} s")
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f'CREATE SCHEMA "{schema}"')
    pg_url = url + ("&" if "?" in url else "?") + "options=" + quote(f"-csearch_path={schema}", safe="")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            shards = [write_shard(Path(tmp) / f"shard-{i}", batch_tables(items[i:i + 50_000], "worker"))
                      for i in range(0, len(items), 50_000)]
            # Best of --repeat runs, the two stores interleaved, so a noisy neighbour on a shared
            # machine hits both alike.
            results: dict[str, dict[str, float]] = {"duckdb": {}, "postgresql": {}}

            def keep(name: str, got: dict[str, float]) -> None:
                for key, value in got.items():
                    results[name][key] = min(value, results[name].get(key, float("inf")))

            def fresh_schema() -> None:
                with psycopg.connect(url, autocommit=True) as con:
                    con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                    con.execute(f'CREATE SCHEMA "{schema}"')

            for rep in range(args.repeat):
                with DuckDBStore(Path(tmp) / f"bench-{rep}.duckdb") as duck:
                    keep("duckdb", run(duck, "DuckDB", items, args.batch))
                with DuckDBStore(Path(tmp) / f"bulk-{rep}.duckdb") as duck:
                    keep("duckdb", {"bulk": timed("DuckDB bulk_load of the same posts as Parquet shards",
                                                  lambda d=duck: d.bulk_load(shards, "run-3"))})
                fresh_schema()
                with PostgresStore(pg_url) as pg:
                    keep("postgresql", run(pg, "PostgreSQL", items, args.batch))
                fresh_schema()
                with PostgresStore(pg_url) as pg:
                    keep("postgresql", {"bulk": timed("PostgreSQL bulk_load of the same posts as Parquet shards",
                                                      lambda p=pg: p.bulk_load(shards, "run-3"))})
    finally:
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    n = len(items)
    duck, pg = results["duckdb"], results["postgresql"]
    print(f"best of {args.repeat}:")
    for key, label in (("write", "write"), ("rewrite", "re-write (known)"), ("bulk", "bulk_load")):
        print(f"{label:>17}: DuckDB {n / duck[key]:>9,.0f} posts/s   PostgreSQL {n / pg[key]:>9,.0f} posts/s   "
              f"ratio {duck[key] / pg[key]:.2f}")
    print(f"mention scan ({2 * n:,} rows): DuckDB {duck['scan']:.2f} s, PostgreSQL {pg['scan']:.2f} s")
    print(f"PostgreSQL / DuckDB write throughput: {duck['write'] / pg['write']:.2f}  (target >= 0.7)")


if __name__ == "__main__":
    main()
