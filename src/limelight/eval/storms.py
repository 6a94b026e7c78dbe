"""Storm detection on real dated headline corpora, against crises whose dates are public record.

The headlines are written into a fresh DuckDB store through the store's own ``bulk_load`` (one document
per headline, one ``headline`` mention per watched entity whose alias it contains), then the
registered ``storms`` analysis runs on it exactly as on a user's project, at its default
sensitivity. Two rows per corpus, the issue's rule:

- ``hit_rate``: a crisis is *hit* when a volume storm of its entity starts within ±3 days of the
  known date (Wilson interval; floored).
- ``spurious_per_entity_year``: volume storms that start more than 14 days from every documented
  crisis of their entity, per entity-year of data (exact Poisson interval on the count; a ceiling).
  "Spurious" is a strict reading: a real but undocumented event (a strike, a merger) counts too.

and, per crisis, the onset error (storm onset − known date, 99 when missed; printed, not floored).

Crises (dates from the public record, chosen from what each crisis is, not from our output; the
source is the primary record the date comes from):

Reuters 2007-01-01 .. 2016-08-15 (English):
- Volkswagen: EPA notice of violation over diesel defeat devices, 2015-09-18 (EPA press release).
- JPMorgan: "London Whale" trading loss disclosed, 2012-05-10 (JPMorgan 8-K and call, 2012-05-10).
- Barclays: Libor-rigging fine, 2012-06-27 (FSA final notice, 2012-06-27).
- Tesco: profit overstatement, 2014-09-22 (Tesco statement to the LSE, 2014-09-22).
- Lufthansa: Germanwings 9525 crash, 2015-03-24 (BEA final report) — that day is missing from the
  Reuters archive, so it also checks that a collection gap neither hides the storm nor makes one.
- General Motors: warns it may run out of cash, 2008-11-07 (GM Q3 2008 results); Chapter 11,
  2009-06-01 (SDNY filing); ignition-switch recall, 2014-02-13 (NHTSA recall 14V-047).
- Target: payment-card data breach confirmed, 2013-12-19 (Target press release).
- Knight Capital: trading-software loss, 2012-08-01 (SEC order 2013-10-16, which dates it).
- Carnival: Costa Concordia capsizes, 2012-01-13 (Italian Marine Casualties report).
- Malaysia Airlines: MH370 lost, 2014-03-08; MH17 shot down, 2014-07-17 (Dutch Safety Board).

Financial headlines 2017-12 .. 2020-07 (Reuters, Guardian, CNBC):
- Boeing: Lion Air 610 crash, 2018-10-29; Ethiopian Airlines 302 crash and the 737 MAX groundings,
  2019-03-10 (Indonesian KNKT and Ethiopian AIB reports).
- Facebook: Cambridge Analytica revelations, 2018-03-17 (The Observer / NYT, 2018-03-17).
- Tesla: Musk's "funding secured" tweet, 2018-08-07; SEC fraud suit, 2018-09-27 (SEC complaint).

German headlines 2013 .. 2023-04 (keyword topics; company names appear through them):
- Volkswagen: Abgasskandal, 2015-09-18 (EPA, as above).
- Lufthansa / Germanwings: 9525 crash, 2015-03-24 (BEA).
- Wirecard: €1.9 bn "missing", audit not signed, 2020-06-18 (Wirecard ad-hoc release).
- Tönnies: Clemens Tönnies' remarks at the Paderborn Tag des Handwerks, 2019-08-01 (reported
  2019-08-02); Covid outbreak at Rheda-Wiedenbrück, 2020-06-17 (Kreis Gütersloh).
- Nord Stream: Nord Stream 2 certification halted, 2022-02-22 (Chancellor Scholz); the pipeline
  explosions, 2022-09-26 (Danish and Swedish authorities).

Chinese: CCTV Xinwen Lianbo stories 2022-09-24 .. 2026-08-22 (title and text searched; a state
broadcaster covers places and countries, not firms, so these are disasters and wars):
- 土耳其 (Turkey): Kahramanmaraş earthquakes, 2023-02-06 (USGS).
- 以色列 (Israel): Hamas attack and the Gaza war, 2023-10-07; Israel's strikes on Iran,
  2025-06-13 (Israeli government statements).
- 伊朗 (Iran): strikes on Israel, 2024-04-13; President Raisi's helicopter crash, 2024-05-19;
  Israel's strikes, 2025-06-13 (IRNA / Israeli government).
- 甘肃 / 积石山 (Gansu): Jishishan earthquake, 2023-12-18 (CENC).
- 西藏 / 定日 (Tibet): Dingri earthquake, 2025-01-07 (CENC).
- 缅甸 (Myanmar): Sagaing earthquake, 2025-03-28 (USGS).

``hit_rate`` is a proportion of a handful of crises, so its 95% interval is Wilson's; the floor is
its lower end (it guards against losing most crises, not one).
"""

from __future__ import annotations

import hashlib
import math
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from limelight.analyses.storms import Storms
from limelight.eval.base import EvalRow
from limelight.eval.intervals import wilson
from limelight.models import Entity, stable_id
from limelight.store.arrow import write_shard
from limelight.store.duckdb_store import DuckDBStore
from limelight.watchlist import Watchlist


@dataclass(frozen=True)
class Crisis:
    entity: str
    name: str
    aliases: tuple[str, ...]
    known: date
    event: str
    slug: str = ""  # the row name's tail when an entity has more than one crisis in a list

    @property
    def key(self) -> str:
        return f"{self.entity}_{self.slug}" if self.slug else self.entity


VW = ("Volkswagen", "VW")
JPM = ("JPMorgan", "JP Morgan", "JPMorgan Chase")
GM = ("GM", "General Motors")
MAS = ("Malaysia Airlines", "MH370", "MH17")
REUTERS_CRISES = (
    Crisis("volkswagen", "Volkswagen", VW, date(2015, 9, 18), "diesel emissions"),
    Crisis("jpmorgan", "JPMorgan", JPM, date(2012, 5, 10), "London Whale loss"),
    Crisis("barclays", "Barclays", ("Barclays",), date(2012, 6, 27), "Libor fine"),
    Crisis("tesco", "Tesco", ("Tesco",), date(2014, 9, 22), "accounting overstatement"),
    Crisis("lufthansa", "Lufthansa", ("Lufthansa", "Germanwings"), date(2015, 3, 24), "Germanwings crash"),
    Crisis("gm", "General Motors", GM, date(2008, 11, 7), "cash warning", "2008"),
    Crisis("gm", "General Motors", GM, date(2009, 6, 1), "Chapter 11", "2009"),
    Crisis("gm", "General Motors", GM, date(2014, 2, 13), "ignition-switch recall", "2014"),
    Crisis("target", "Target", ("Target", "Target Corp"), date(2013, 12, 19), "card data breach"),
    Crisis("knight", "Knight Capital", ("Knight Capital", "Knight Capital Group"), date(2012, 8, 1),
           "trading-software loss"),
    Crisis("carnival", "Carnival", ("Carnival", "Costa Concordia"), date(2012, 1, 13), "Costa Concordia"),
    Crisis("malaysia", "Malaysia Airlines", MAS, date(2014, 3, 8), "MH370 lost", "mh370"),
    Crisis("malaysia", "Malaysia Airlines", MAS, date(2014, 7, 17), "MH17 shot down", "mh17"),
)
BOEING = ("Boeing", "737 MAX", "737 Max")
TESLA = ("Tesla", "Musk", "Elon Musk")
FINANCIAL_CRISES = (
    Crisis("boeing", "Boeing", BOEING, date(2018, 10, 29), "Lion Air 610 crash", "2018"),
    Crisis("boeing", "Boeing", BOEING, date(2019, 3, 10), "Ethiopian 302 crash, 737 MAX"),
    Crisis("facebook", "Facebook", ("Facebook", "Zuckerberg"), date(2018, 3, 17), "Cambridge Analytica"),
    Crisis("tesla", "Tesla", TESLA, date(2018, 8, 7), "'funding secured'", "tweet"),
    Crisis("tesla", "Tesla", TESLA, date(2018, 9, 27), "SEC fraud suit", "sec"),
)
TOENNIES = ("Tönnies",)
NORD_STREAM = ("Nord Stream", "Nord-Stream")
DE_CRISES = (
    Crisis("volkswagen", "Volkswagen", VW, date(2015, 9, 18), "Abgasskandal"),
    Crisis("lufthansa", "Lufthansa", ("Lufthansa", "Germanwings"), date(2015, 3, 24), "Germanwings-Absturz"),
    Crisis("wirecard", "Wirecard", ("Wirecard",), date(2020, 6, 18), "1,9 Mrd. Euro fehlen"),
    Crisis("toennies", "Tönnies", TOENNIES, date(2019, 8, 1), "Rede in Paderborn", "2019"),
    Crisis("toennies", "Tönnies", TOENNIES, date(2020, 6, 17), "Corona-Ausbruch", "2020"),
    Crisis("nordstream", "Nord Stream", NORD_STREAM, date(2022, 2, 22), "Zertifizierung gestoppt", "2022_02"),
    Crisis("nordstream", "Nord Stream", NORD_STREAM, date(2022, 9, 26), "Explosionen", "2022_09"),
)
ISRAEL = ("以色列",)
IRAN = ("伊朗",)
ZH_CRISES = (
    Crisis("turkey", "土耳其", ("土耳其",), date(2023, 2, 6), "地震 earthquake"),
    Crisis("israel", "以色列", ISRAEL, date(2023, 10, 7), "哈马斯袭击 Hamas attack", "2023"),
    Crisis("israel", "以色列", ISRAEL, date(2025, 6, 13), "空袭伊朗 strikes on Iran", "2025"),
    Crisis("iran", "伊朗", IRAN, date(2024, 4, 13), "袭击以色列 strikes on Israel", "2024_04"),
    Crisis("iran", "伊朗", IRAN, date(2024, 5, 19), "莱希坠机 Raisi crash", "2024_05"),
    Crisis("iran", "伊朗", IRAN, date(2025, 6, 13), "以色列空袭 Israeli strikes", "2025"),
    Crisis("gansu", "甘肃", ("甘肃", "积石山"), date(2023, 12, 18), "积石山地震 earthquake"),
    Crisis("tibet", "西藏", ("西藏", "定日"), date(2025, 1, 7), "定日地震 earthquake"),
    Crisis("myanmar", "缅甸", ("缅甸",), date(2025, 3, 28), "地震 earthquake"),
)
WINDOW = 3  # a storm starting at most this many days before or after the known date is a hit
AWAY = 14  # a storm starting more than this many days from every documented crisis is spurious


def watchlist_for(crises: tuple[Crisis, ...]) -> Watchlist:
    first = {c.entity: c for c in reversed(crises)}
    return Watchlist(tuple(Entity(id=c.entity, kind="org", name=c.name, aliases=c.aliases)
                           for c in dict.fromkeys(first[c.entity] for c in crises)))


@dataclass(frozen=True)
class Headlines:
    """A corpus of dated headlines, one per id, as columns (half a million of them: no row objects)."""

    ids: list[str]
    titles: list[str]
    urls: list[str | None]
    days: pa.Array  # date32
    watched: list[bool]  # from a file that holds every headline matching the aliases: search it for them
    texts: list[str] | None = None  # story texts, searched after the title (the Chinese transcripts)

    def span(self) -> tuple[date, date]:
        low, high = pc.min_max(self.days).values()
        return low.as_py(), high.as_py()


def _read(path: Path, columns: list[str], *, tsv: bool = False) -> pa.Table:
    """Some string columns of a (gzipped) CSV file; empty fields read as NULL."""
    from pyarrow import csv as pa_csv

    # the Reuters files have no quoting: a title may contain any quote character
    parse = pa_csv.ParseOptions(delimiter="\t", quote_char=False) if tsv else pa_csv.ParseOptions()
    convert = pa_csv.ConvertOptions(include_columns=columns, column_types=dict.fromkeys(columns, pa.string()),
                                    strings_can_be_null=True)
    return pa_csv.read_csv(path, parse_options=parse, convert_options=convert)


def _collect(parts: list[tuple[pa.Table, bool]], key: list[str], title: str, url: str | None, day: str,
             required: list[str]) -> Headlines:
    """One headline per id (md5 of the ``key`` columns joined by "|"): the first seen, watched if
    any copy came from a watched file; rows missing a ``required`` column are left out."""
    first: dict[str, int] = {}
    ids: list[str] = []
    titles: list[str] = []
    urls: list[str | None] = []
    days: list[str] = []
    watched: list[bool] = []
    for table, is_watched in parts:
        cols = {c: table.column(c).to_pylist() for c in {*key, title, day, *required, *([url] if url else [])}}
        for i in range(table.num_rows):
            if any(cols[c][i] is None for c in required):
                continue
            doc_id = hashlib.md5("|".join(cols[c][i] for c in key).encode("utf-8")).hexdigest()
            seen = first.get(doc_id)
            if seen is not None:
                watched[seen] = watched[seen] or is_watched
                continue
            first[doc_id] = len(ids)
            ids.append(doc_id)
            titles.append(cols[title][i])
            urls.append(cols[url][i] if url else None)
            days.append(cols[day][i])
            watched.append(is_watched)
    return Headlines(ids, titles, urls, pc.cast(pa.array(days, pa.string()), pa.date32()), watched)


def reuters_headlines(news: Path) -> Headlines:
    """Every watchlist headline plus the 1-in-20 background sample, deduplicated by (title, url).

    Only the watchlist file is searched for aliases: it holds *every* headline matching them."""
    files = (("reuters_headlines_2007-2016_watchlist.tsv.gz", True),
             ("reuters_headlines_2007-2016_sample1in20.tsv.gz", False))
    parts = [(_read(news / name, ["date", "title", "url"], tsv=True), watched) for name, watched in files]
    return _collect(parts, ["title", "url"], "title", "url", "date", ["title", "url"])


def german_headlines(news: Path) -> Headlines:
    table = _read(news / "de" / "de_news_headlines_2013-2023.csv.gz", ["outlet", "title", "date", "url"])
    return _collect([(table, True)], ["outlet", "title", "date"], "title", "url", "date", ["outlet", "title", "date"])


def financial_headlines(news: Path) -> Headlines:
    table = _read(news / "financial_headlines_2017-2020.csv.gz", ["source", "headline", "date"])
    return _collect([(table, True)], ["source", "headline", "date"], "headline", None, "date",
                    ["source", "headline", "date"])


def chinese_headlines(news: Path) -> Headlines:
    """The Xinwen Lianbo stories, one per (date, title), title and text searched."""
    import gzip
    import json

    with gzip.open(news / "zh" / "zh_xinwenlianbo_2022-2026.jsonl.gz", "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    first: dict[str, dict[str, str]] = {}
    for r in rows:
        if r.get("title") and r.get("date"):
            first.setdefault(hashlib.md5(f"{r['date']}|{r['title']}".encode()).hexdigest(), r)
    ids = list(first)
    return Headlines(ids, [first[i]["title"] for i in ids], [first[i].get("url") or None for i in ids],
                     pc.cast(pa.array([first[i]["date"] for i in ids], pa.string()), pa.date32()),
                     [True] * len(ids), [first[i].get("text") or "" for i in ids])


def _shard(heads: Headlines, crises: tuple[Crisis, ...], origin: str) -> dict[str, pa.Table]:
    """The corpus as the tables of a store shard (:mod:`limelight.store.arrow`), built column by
    column: half a million headlines as Document objects took minutes. Documents get their required
    fields; everything the analyses do not read is left NULL. Aliases match whole words,
    case-sensitive, as the corpus' own watchlist file was built; one mention per entity, of its
    first alias found."""
    patterns = [(entity, alias, re.compile(rf"(^|[^A-Za-z]){re.escape(alias)}($|[^A-Za-z])"))
                for entity, alias in dict.fromkeys((c.entity, a) for c in crises for a in c.aliases)]
    mentions: dict[str, list[object]] = {k: [] for k in ("id", "document_id", "entity_id", "alias", "sentence",
                                                          "field")}
    texts = heads.texts if heads.texts is not None else [None] * len(heads.ids)
    for doc_id, title, text, watched in zip(heads.ids, heads.titles, texts, heads.watched, strict=True):
        if not watched:
            continue
        found: set[str] = set()
        for entity, alias, pattern in patterns:
            if entity in found:
                continue
            where = "title" if pattern.search(title) else "text" if text and pattern.search(text) else None
            if where:
                found.add(entity)
                # the id a Mention of this span gets (models.Mention.id)
                for key, value in (("id", stable_id(doc_id, entity, where, "None", "0")), ("document_id", doc_id),
                                   ("entity_id", entity), ("alias", alias), ("sentence", title), ("field", where)):
                    mentions[key].append(value)
    n, m = len(heads.ids), len(mentions["id"])
    noon = pc.add(pc.cast(pc.cast(heads.days, pa.timestamp("us")), pa.timestamp("us", "UTC")),
                  pa.scalar(12 * 3600 * 1_000_000, pa.duration("us")))
    return {
        "sources": pa.table({"id": [origin], "platform": ["web"], "handle": [origin], "official": [False]}),
        "documents": pa.table({
            "id": heads.ids, "kind": pa.array(["article"] * n), "origin": pa.array([origin] * n),
            "source_id": pa.array([origin] * n), "text": pa.array([""] * n), "title": heads.titles,
            "url": pa.array(heads.urls, pa.string()), "published_at": noon,
            "captions": pa.array([[]] * n, pa.list_(pa.string())), "content_hash": heads.ids}),
        "mentions": pa.table({**mentions, "surface": mentions["alias"], "start": [0] * m,
                              "end": [0] * m, "role": ["headline"] * m}),
    }


def poisson_interval(k: int, exposure: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """Exact (Garwood) 95% interval of a rate: ``k`` events over ``exposure``, by bisection on the
    Poisson tail (no scipy: it is not a dependency)."""
    def cdf(n: int, mu: float) -> float:  # P(X <= n)
        term = total = math.exp(-mu)
        for i in range(1, n + 1):
            term *= mu / i
            total += term
        return total

    def solve(f: Callable[[float], float]) -> float:  # f increasing in mu, root in [0, hi]
        lo, hi = 0.0, max(10.0, 4.0 * (k + 10))
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if f(mid) < 0 else (lo, mid)
        return (lo + hi) / 2

    alpha = 2 * (1 - 0.5 * (1 + math.erf(z / math.sqrt(2))))
    low = 0.0 if k == 0 else solve(lambda mu: (1 - cdf(k - 1, mu)) - alpha / 2)
    high = solve(lambda mu: alpha / 2 - cdf(k, mu))
    return low / exposure, high / exposure


def storm_rows(dataset: str, store_path: Path, crises: tuple[Crisis, ...], span: tuple[date, date],
               **options: Any) -> list[EvalRow]:
    """The rows for one corpus (stored at ``store_path``, published over ``span``), the storms
    analysis run with ``options`` (default: its defaults)."""
    with DuckDBStore(store_path) as store:
        result = Storms().run(store, watchlist_for(crises), **options)
    years = max(1.0, ((span[1] - span[0]).days + 1) / 365.25)
    storms = [r for r in result.table.to_pylist() if r["signal"] == "volume"]
    entities = list(dict.fromkeys(c.entity for c in crises))
    rows: list[EvalRow] = []
    hits = 0
    for c in crises:
        own = [s for s in storms if s["entity_id"] == c.entity]
        near = [s for s in own if abs((s["onset"] - c.known).days) <= WINDOW]
        per_year = len(own) / years
        if near:
            hits += 1
            best = min(near, key=lambda s: abs((s["onset"] - c.known).days))
            err = (best["onset"] - c.known).days
            note = (f"{c.event} {c.known}: storm {best['onset']}..{best['end']}, peak {best['peak']}, "
                    f"{best['documents']} docs vs {best['expected']:.1f} expected, {best.get('level', '')}; "
                    f"top: {(best['top_stories'] or ['-'])[0][:60]}; {per_year:.1f} storms/yr for {c.name}")
        else:
            err = 99
            close = min(own, key=lambda s: abs((s["onset"] - c.known).days), default=None)
            note = (f"{c.event} {c.known}: no storm within ±{WINDOW} days"
                    + (f" (nearest {close['onset']})" if close else "") + f"; {per_year:.1f} storms/yr")
        rows.append(EvalRow("storms", f"{dataset}_{c.key}", "onset_error_days", float(err), 1, note=note,
                            lower_is_better=True))
    low, high = wilson(hits, len(crises))
    rows.append(EvalRow("storms", dataset, "hit_rate", hits / len(crises), len(crises),
                        note=f"known crises with a volume storm starting within ±{WINDOW} days",
                        ci_low=low, ci_high=high, ci_method="wilson"))
    known = {e: [c.known for c in crises if c.entity == e] for e in entities}
    spurious = [s for s in storms if s["entity_id"] in known
                and all(abs((s["onset"] - k).days) > AWAY for k in known[s["entity_id"]])]
    exposure = years * len(entities)
    low, high = poisson_interval(len(spurious), exposure)
    by_entity = {e: sum(s["entity_id"] == e for s in spurious) for e in entities}
    rows.append(EvalRow("storms", dataset, "spurious_per_entity_year", len(spurious) / exposure, len(entities),
                        note=(f"{len(spurious)} volume storms > {AWAY} days from a documented crisis over "
                              f"{exposure:.1f} entity-years: " + ", ".join(f"{e} {n}" for e, n in by_entity.items())),
                        ci_low=low, ci_high=high, ci_method="poisson", lower_is_better=True, ceiling=True))
    return rows


LOADERS = {"reuters": reuters_headlines, "de": german_headlines, "financial": financial_headlines,
           "zh": chinese_headlines}
DATASETS = (("reuters", "reuters", REUTERS_CRISES), ("financial_2017_2020", "financial", FINANCIAL_CRISES),
            ("de_headlines", "de", DE_CRISES), ("zh_xinwenlianbo", "zh", ZH_CRISES))


def build(path: Path, news: Path, dataset: str, crises: tuple[Crisis, ...]) -> tuple[date, date]:
    """Write the corpus into a new store at ``path`` (one shard, through ``Store.bulk_load``);
    returns the first and last day it covers."""
    heads = LOADERS[dataset](news)
    with tempfile.TemporaryDirectory(prefix="limelight-storms-shard-") as tmp, DuckDBStore(path) as store:
        store.bulk_load([write_shard(tmp, _shard(heads, crises, dataset))], dataset)
    return heads.span()


def evaluate(data_dir: Path) -> list[EvalRow]:
    news = data_dir / "news"
    rows: list[EvalRow] = []
    with tempfile.TemporaryDirectory(prefix="limelight-storms-") as tmp:
        for dataset, loader, crises in DATASETS:
            path = Path(tmp) / f"{dataset}.duckdb"
            span = build(path, news, loader, crises)
            rows.extend(storm_rows(dataset, path, crises, span))
    return rows
