"""The SYNTHETIC sample (limelight.sample.generate): deterministic, well-formed, and the story is in it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import time
import tomllib
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import feedparser
import lxml.html
import pytest

from limelight.errors import UsageError
from limelight.sample.generate import SampleSummary, main, write_sample
from limelight.watchlist import Watchlist

CST = timezone(timedelta(hours=8))
ATTRIBUTION = re.compile(r"^(Quelle|Source|Nguồn|来源)\s*[:：]\s*(https?://\S+)$")
CREDIT = re.compile(r"(Foto|Photo|Ảnh|图片来源)[:：]")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SampleSummary]:
    target = tmp_path_factory.mktemp("sample") / "sample"
    return target, write_sample(target)


@pytest.fixture(scope="module")
def pages(sample: tuple[Path, SampleSummary]) -> list[tuple[Path, Any]]:
    root, _ = sample
    return [(p, lxml.html.fromstring(p.read_bytes())) for p in sorted((root / "articles").rglob("*.html"))]


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _ndjson(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _meta(doc: Any, prop: str) -> str | None:
    found = doc.xpath(f'//meta[@property="{prop}"]/@content')
    return str(found[0]) if found else None


def _bigrams(text: str) -> set[str]:
    # Character bigrams are the simplest tokens that work for Chinese, which has no word spaces.
    s = "".join(text.split())
    return {s[i:i + 2] for i in range(len(s) - 1)}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def test_sample_is_deterministic(sample: tuple[Path, SampleSummary], tmp_path: Path) -> None:
    root, summary = sample
    again = write_sample(tmp_path / "again")
    assert _hashes(tmp_path / "again") == _hashes(root)
    assert dataclasses.replace(again, target=summary.target) == summary
    other = write_sample(tmp_path / "other", seed=8)
    assert _hashes(tmp_path / "other") != _hashes(root)
    assert other.articles > 250


def test_sample_rewrites_itself_but_not_a_foreign_folder(tmp_path: Path) -> None:
    target = tmp_path / "s"
    write_sample(target, seed=3)
    first = _hashes(target)
    write_sample(target, seed=4)
    write_sample(target, seed=3)
    assert _hashes(target) == first  # no stale files from seed 4 are left behind
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError):
        write_sample(foreign)
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_sample_is_fast(tmp_path: Path) -> None:
    t0 = time.perf_counter()
    write_sample(tmp_path / "fast")
    assert time.perf_counter() - t0 < 5.0


def test_sample_counts_in_range(sample: tuple[Path, SampleSummary]) -> None:
    root, s = sample
    assert 300 <= s.articles <= 420
    assert set(s.articles_by_language) == {"de", "en", "vi", "zh"}
    for lang, (lo, hi) in {"de": (50, 120), "en": (50, 120), "vi": (70, 140), "zh": (80, 150)}.items():
        assert lo <= s.articles_by_language[lang] <= hi, lang
    assert 18 <= s.articles_by_kind["republication"] <= 24
    assert s.articles_by_kind["syndication"] >= 4
    assert s.articles_by_kind.get("blog", 0) + s.articles_by_kind.get("press_release", 0) >= 4
    assert 500 <= s.posts <= 1000
    assert s.posts_by_kind["livestream"] >= 15
    assert (s.start, s.end) == (date(2025, 7, 1), date(2025, 12, 31))
    assert s.start < s.storm_start < s.storm_end < s.end
    assert s.files == sum(1 for p in root.rglob("*") if p.is_file())
    assert len(list((root / "articles").rglob("*.html"))) == s.articles


def test_sample_articles_parse_with_dates_in_range(sample: tuple[Path, SampleSummary],
                                                   pages: list[tuple[Path, Any]]) -> None:
    _, s = sample
    langs: dict[str, int] = {}
    for path, doc in pages:
        lang = doc.get("lang")
        assert lang in ("de", "en", "vi", "zh"), path
        langs[lang] = langs.get(lang, 0) + 1
        assert doc.findtext(".//title").strip(), path
        assert _meta(doc, "og:title") and _meta(doc, "og:url"), path
        assert doc.xpath('//link[@rel="canonical"]/@href'), path
        published = datetime.fromisoformat(_meta(doc, "article:published_time") or "")
        assert published.tzinfo is not None, path
        assert s.start <= published.date() <= s.end, path
        assert s.start <= published.astimezone(UTC).date() <= s.end, path
        captions = [c.text_content() for c in doc.iter("figcaption")]
        assert captions and all(CREDIT.search(c) for c in captions), path
        assert len(doc.xpath("//p")) >= 3, path
    assert langs == s.articles_by_language


def test_sample_watchlist_loads(sample: tuple[Path, SampleSummary]) -> None:
    root, s = sample
    path = root / "watchlist.toml"
    assert path.read_text(encoding="utf-8").splitlines()[0] == "# synthetic = true"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert tuple(e["id"] for e in raw["entity"]) == s.entity_ids
    wl = Watchlist.load(path)
    assert len(wl) == len(s.entity_ids)
    ceo = wl.get("han-zhiyuan")
    assert ceo.kind == "person" and ceo.parent == "kestrel"
    assert {"韩志远", "Hàn Chí Viễn", "Fernwille"} <= set(ceo.aliases)
    assert {a.platform for a in ceo.accounts} == {"weibo", "douyin"}
    assert wl.get("kestrel").official_accounts
    assert wl.get("kestrel-auto").query and "红隼" in (wl.get("kestrel-auto").query or "")
    assert {e.kind for e in wl.entities} == {"person", "org", "segment", "product"}


def test_sample_livestreams_stop_when_the_storm_starts(sample: tuple[Path, SampleSummary]) -> None:
    root, s = sample
    (path,) = sorted((root / "social").glob("douyin_*.ndjson"))
    lives, videos = [], []
    for rec in _ndjson(path):
        when = datetime.fromtimestamp(rec["data"]["create_time"], CST).date()
        (lives if "rawdata" in rec["data"] else videos).append(when)
        if "rawdata" in rec["data"]:
            raw = json.loads(rec["data"]["rawdata"])
            assert raw["owner"]["nickname"] and raw["stats"]["total_user"] > 0
    assert len(lives) >= 15
    assert max(lives) < s.storm_start
    assert any(v >= s.storm_start for v in videos)  # the account lives on; only the streams stop


def _weibo(root: Path, handle: str) -> list[dict[str, Any]]:
    (path,) = sorted((root / "social").glob(f"weibo_{handle}_*.ndjson"))
    return [rec["data"] for rec in _ndjson(path)]


def _when(item: dict[str, Any]) -> datetime:
    return datetime.strptime(item["created_at"], "%a %b %d %H:%M:%S %z %Y")


def test_sample_ceo_posts_turn_into_copies_of_official_posts(sample: tuple[Path, SampleSummary]) -> None:
    root, s = sample
    wl = Watchlist.load(root / "watchlist.toml")
    official = _weibo(root, wl.get("kestrel").official_accounts[0].handle)
    ceo = _weibo(root, next(a.handle for a in wl.get("han-zhiyuan").accounts if a.platform == "weibo"))
    off = [(_when(o), _bigrams(o["text_raw"])) for o in official]

    def is_copy(item: dict[str, Any]) -> bool:
        t, grams = _when(item), _bigrams(item["text_raw"])
        return any(t - timedelta(days=3) <= ot <= t and _jaccard(grams, og) >= 0.6 for ot, og in off)

    own = [i for i in ceo if "retweeted_status" not in i]  # formal reposts are not copies
    before = [is_copy(i) for i in own if _when(i).date() < s.storm_start]
    after = [is_copy(i) for i in own if _when(i).date() >= s.storm_start]
    share_before, share_after = sum(before) / len(before), sum(after) / len(after)
    assert share_before < 0.15 < 0.5 < share_after, (share_before, share_after)
    # Fewer posts per day, and no more gym check-ins.
    days_before = (s.storm_start - s.start).days
    days_after = (s.end - s.storm_start).days + 1
    assert len(before) / days_before > 2 * len(after) / days_after
    checkins = [_when(i).date() for i in ceo if i.get("tag_struct")]
    assert len(checkins) >= 10 and max(checkins) < s.storm_start


def test_sample_has_a_storm_burst(sample: tuple[Path, SampleSummary]) -> None:
    root, s = sample
    truth = _ndjson(root / ".truth" / "articles.jsonl")
    storm = [t for t in truth if t["phase"] == "storm"]
    pre = [t for t in truth if t["phase"] == "pre"]
    storm_rate = len(storm) / ((s.storm_end - s.storm_start).days + 1)
    pre_rate = len(pre) / (s.storm_start - s.start).days
    assert storm_rate > 1.5 * pre_rate
    assert sum(t["tone"] < 0 for t in storm) > 0.5 * len(storm)
    # Spillover: storm coverage that names the phones, not the cars.
    assert any(t["topic"] == "spillover" for t in storm)


def test_sample_republications_attribute_existing_originals(sample: tuple[Path, SampleSummary],
                                                            pages: list[tuple[Path, Any]]) -> None:
    by_url = {_meta(doc, "og:url"): doc for _, doc in pages}
    found = 0
    nicknamed = 0
    for path, doc in pages:
        for p in doc.iter("p"):
            m = ATTRIBUTION.match(p.text_content().strip())
            if not m:
                continue
            found += 1
            original = by_url.get(m.group(2))
            assert original is not None, (path, m.group(2))
            assert original.get("lang") != doc.get("lang"), path  # a translation, not a copy
            nicknamed += any(n in doc.findtext(".//title") for n in ("Fernwille", "Farwill"))
    assert found >= 18
    assert nicknamed >= 3


def test_sample_syndicated_copies_are_exact(sample: tuple[Path, SampleSummary],
                                            pages: list[tuple[Path, Any]]) -> None:
    root, _ = sample
    by_url = {_meta(doc, "og:url"): doc for _, doc in pages}
    copies = [t for t in _ndjson(root / ".truth" / "articles.jsonl") if t["kind"] == "syndication"]
    assert copies

    def body(doc: Any) -> list[str]:
        return [p.text_content() for p in doc.xpath("//article/p[not(@class) or @class='lead']")]

    for t in copies:
        copy, original = by_url[t["url"]], by_url[t["original_url"]]
        assert body(copy) == body(original)
        assert _meta(copy, "og:title") == _meta(original, "og:title")
        assert urlsplit_host(t["url"]) != urlsplit_host(t["original_url"])


def urlsplit_host(url: str) -> str:
    return url.split("/")[2]


def test_sample_marks_itself_synthetic(sample: tuple[Path, SampleSummary]) -> None:
    root, _ = sample
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme and "fictional" in readme and "seed 7" in readme
    files = sorted((root / "social").glob("*.ndjson"))
    assert len(files) == 3
    for path in files:
        for rec in _ndjson(path):
            assert rec["synthetic"] is True
            assert {"source_platform", "source_platform_url", "timestamp_collected", "data"} <= set(rec)


def test_sample_feeds_and_sitemap_parse(sample: tuple[Path, SampleSummary], pages: list[tuple[Path, Any]]) -> None:
    root, _ = sample
    urls = {_meta(doc, "og:url") for _, doc in pages}
    for name, version in (("globaltechwire.rss.xml", "rss20"), ("technikbote.atom.xml", "atom10")):
        feed = feedparser.parse((root / "feeds" / name).read_bytes())
        assert not feed.bozo and feed.version == version, name
        assert len(feed.entries) >= 10
        for entry in feed.entries:
            assert entry.link in urls
            assert entry.content[0].value.count("<p") >= 2
    tree = ET.parse(root / "feeds" / "sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in tree.getroot().findall("s:url/s:loc", ns)]
    assert len(locs) >= 10 and all(loc in urls for loc in locs)


def test_sample_main_writes_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "cli"), "--seed", "7"]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out and "articles" in out
    assert (tmp_path / "cli" / "watchlist.toml").is_file()
