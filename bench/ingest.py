"""Ingest benchmark: throughput and memory as ratios measured in one run (not a timed test).

    python bench/ingest.py                 # everything (1M posts: several minutes on 2 cores)
    python bench/ingest.py --posts 200000  # a smaller social run
    python bench/ingest.py --only html

Targets (issue #2):
- HTML: full ingest throughput / trafilatura extraction alone >= 0.75 (one process);
  2 worker processes >= 1.6x one.
- Posts: full ingest throughput >= 0.5x language ID + matching alone on the same posts.
- Memory: peak RSS ingesting 1M posts <= 1.5x peak ingesting 10k.

The posts are GENERATED (synthetic, fictional names) — they measure speed, never quality.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("LIMELIGHT_DATA", REPO.parent / "shared" / "data"))

# Synthetic watchlist and sentence parts for generated posts (fictional names).
WATCHLIST = """
[[entity]]
id = "kestrel"
kind = "org"
name = "Kestrel"
aliases = ["Kestrel", "红隼"]

[[entity]]
id = "han-zhiyuan"
kind = "person"
name = "Han Zhiyuan"
parent = "kestrel"
aliases = ["Han Zhiyuan", "韩志远", "Hàn Chí Viễn"]

[[entity]]
id = "kestrel-auto"
kind = "segment"
parent = "kestrel"
name = "Kestrel Auto"
aliases = ["Kestrel Auto", "红隼汽车", "KX7"]
"""
PHRASES = {
    "en": ["Han Zhiyuan presented the new KX7 today", "Kestrel Auto recalls cars after the crash",
           "great phone, the camera is amazing", "the launch event was streamed live tonight"],
    "de": ["Han Zhiyuan stellte heute das neue KX7 vor", "Kestrel Auto ruft nach dem Unfall Autos zurück",
           "tolles Telefon, die Kamera ist großartig", "die Präsentation wurde live übertragen"],
    "zh": ["韩志远今天发布了新款KX7", "红隼汽车因事故召回车辆", "手机很好，相机太棒了", "发布会今晚进行了直播"],
    "vi": ["Hàn Chí Viễn giới thiệu KX7 mới hôm nay", "Kestrel Auto triệu hồi xe sau vụ tai nạn",
           "điện thoại tuyệt vời, máy ảnh rất đẹp", "sự kiện ra mắt được phát trực tiếp tối nay"],
}


REPEAT = 2


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_posts(path: Path, n: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    langs = list(PHRASES)
    t0 = 1_735_689_600  # 2025-01-01
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            lang = langs[i % 4]
            text = f"{rnd.choice(PHRASES[lang])} #{i}"
            fh.write(json.dumps({"id": str(i), "thread_id": str(i), "author": f"user{i % 500}",
                                 "body": text, "timestamp": t0 + i * 30, "likes": i % 97}, ensure_ascii=False))
            fh.write("\n")


def new_project(root: Path) -> object:
    import limelight
    from limelight.project import init_project

    return init_project(root, watchlist=WATCHLIST) if root else limelight


def html_pages() -> list[Path]:
    pages = sorted((DATA / "extraction" / "scrapinghub_aeb" / "html").glob("*.html.gz"))
    pages += sorted((DATA / "extraction" / "trafilatura_eval" / "html").glob("*.gz"))
    return pages


def bench_html(tmp: Path) -> None:
    import trafilatura

    import limelight

    pages = html_pages()
    if not pages:
        print(f"no pages under {DATA}/extraction; skipping HTML benchmark")
        return
    blobs = [gzip.decompress(p.read_bytes()) for p in pages]
    # Best of REPEAT runs for every configuration, interleaved, so a noisy neighbour on a shared
    # machine hits all of them alike.
    t_traf = float("inf")
    times = {1: float("inf"), 2: float("inf")}
    for rep in range(REPEAT):
        t = time.perf_counter()
        ok = sum(1 for b in blobs if trafilatura.bare_extraction(b, with_metadata=True, include_comments=False))
        t_traf = min(t_traf, time.perf_counter() - t)
        for workers in (1, 2):
            proj = new_project(tmp / f"html-{workers}-{rep}")
            t = time.perf_counter()
            res = limelight.ingest([str(p) for p in pages], proj, workers=workers, fetch=False)
            times[workers] = min(times[workers], time.perf_counter() - t)
    for workers in (1, 2):
        print(f"  full ingest, {workers} worker(s): {len(pages)} pages in {times[workers]:.1f} s "
              f"({res.stats.new} stored, {res.stats.failed} failed; best of {REPEAT})")
    print(f"  trafilatura alone: {len(pages)} pages in {t_traf:.1f} s ({ok} with text)")
    # Worker start-up (a fresh interpreter, imports, language models: about 1 s) is a fixed cost
    # that a 511-page run cannot hide; the same pages three times over show the rate it tends to.
    # Pages seen before are extracted and enriched in full and only counted as known by the store.
    triple = [str(p) for p in pages] * 3
    long_times = {}
    for workers in (1, 2):
        proj = new_project(tmp / f"html3-{workers}")
        t = time.perf_counter()
        limelight.ingest(triple, proj, workers=workers, fetch=False)
        long_times[workers] = time.perf_counter() - t
        print(f"  full ingest of the pages x3, {workers} worker(s): {len(triple)} pages in {long_times[workers]:.1f} s")
    print(f"HTML  full ingest / trafilatura alone (1 process): {t_traf / times[1]:.2f}  (target >= 0.75)")
    print(f"HTML  2 workers / 1 worker speed-up:              {times[1] / times[2]:.2f}  (target >= 1.6)")
    print(f"HTML  2 workers / 1 worker speed-up, pages x3:    {long_times[1] / long_times[2]:.2f}  (target >= 1.6)")


def analysis_alone(path: Path) -> float:
    """Language ID + matching alone on the same post texts (texts pre-parsed, no store)."""
    import tomllib

    from limelight.enrich.language import build_detector, detect_languages
    from limelight.enrich.mentions import MentionFinder
    from limelight.models import Document, Source
    from limelight.settings import Settings
    from limelight.watchlist import Watchlist

    wl = Watchlist.from_dict(tomllib.loads(WATCHLIST))
    finder = MentionFinder(wl.entities)
    detector = build_detector(tuple(Settings.defaults()["languages"]))
    src = Source.make("x", "bench")
    with open(path, encoding="utf-8") as fh:
        texts = [json.loads(line)["body"] for line in fh]
    t = time.perf_counter()
    for i in range(0, len(texts), 64):
        chunk = texts[i:i + 64]
        detect_languages(chunk, detector)
        for text in chunk:
            finder.find(Document(id="b", kind="post", origin="b", source=src, text=text))
    return time.perf_counter() - t


def child_ingest(posts: Path, root: Path, workers: int) -> None:
    """Run in a subprocess so its peak RSS is its own (with workers > 1, the main process's)."""
    import limelight

    proj = new_project(root)
    t = time.perf_counter()
    res = limelight.ingest([str(posts)], proj, workers=workers, fetch=False)
    print(json.dumps({"seconds": time.perf_counter() - t, "peak_mb": peak_rss_mb(), "new": res.stats.new,
                      "failed": res.stats.failed}))


def run_child(posts: Path, root: Path, workers: int = 1) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", str(posts), str(root), str(workers)], check=True,
                         capture_output=True, text=True)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def bench_posts(tmp: Path, n: int) -> None:
    small, big = tmp / "posts-10k.ndjson", tmp / f"posts-{n}.ndjson"
    write_posts(small, 10_000)
    write_posts(big, n)
    alone = analysis_alone(big)
    r_small = run_child(small, tmp / "posts-small")
    r_big = run_child(big, tmp / "posts-big")
    r_two = run_child(big, tmp / "posts-two", workers=2)
    print(f"  language ID + matching alone: {n:,} posts in {alone:.1f} s ({n / alone:,.0f}/s)")
    for label, r in (("1 process", r_big), ("2 workers", r_two)):
        print(f"  full ingest, {label}: {n:,} posts in {r['seconds']:.1f} s ({n / r['seconds']:,.0f}/s), "
              f"{int(r['new']):,} stored, {int(r['failed'])} failed")
    print(f"  peak RSS: 10k posts {r_small['peak_mb']:.0f} MB, {n:,} posts {r_big['peak_mb']:.0f} MB")
    print(f"POSTS full ingest / analysis alone throughput:    {alone / r_big['seconds']:.2f}  (target >= 0.5)")
    print(f"POSTS the same with 2 workers:                    {alone / r_two['seconds']:.2f}  (target >= 0.5)")
    print(f"POSTS peak memory {n:,} / 10k:                    {r_big['peak_mb'] / r_small['peak_mb']:.2f}  "
          f"(target <= 1.5)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--only", choices=("html", "posts"), default=None)
    parser.add_argument("--child", nargs=3, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_ingest(Path(args.child[0]), Path(args.child[1]), int(args.child[2]))
        return
    with tempfile.TemporaryDirectory(prefix="limelight-bench-") as d:
        tmp = Path(d)
        print(f"limelight ingest benchmark on {os.cpu_count()} cores")
        if args.only in (None, "html"):
            bench_html(tmp)
        if args.only in (None, "posts"):
            bench_posts(tmp, args.posts)


if __name__ == "__main__":
    main()
