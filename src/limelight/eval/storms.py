"""Storm detection on real dated headline corpora, against crises whose dates are public record.

The headlines are written into a fresh DuckDB store through the store's own ``bulk_load`` (one document
per headline, one ``headline`` mention per watched entity whose alias it contains), then the
registered ``storms`` analysis runs on it exactly as on a user's project. A crisis is *hit* when a
volume storm of its entity starts within [−2, +7] days of the known date; the onset error is (storm
onset − known date).

Crises (dates from the public record, chosen before looking at our output):
- Volkswagen: EPA notice of violation over diesel defeat devices, 2015-09-18 (Reuters and the
  German corpus).
- JPMorgan: "London Whale" trading loss disclosed, 2012-05-10.
- Barclays: Libor-rigging fine, 2012-06-27.
- Tesco: accounting overstatement / profit warning, 2014-09-22.
- Boeing: Ethiopian Airlines 302 crash and the 737 MAX groundings, 2019-03-10 (financial headlines
  2017-2020: Reuters, Guardian, CNBC).
- Facebook: Cambridge Analytica revelations, 2018-03-17 (same corpus).
- Lufthansa: Germanwings 9525 crash, 2015-03-24 — that day is missing from the Reuters archive,
  so it also checks that a collection gap neither hides the storm nor makes one.

``hit_rate`` is a proportion of a handful of crises, so its 95% interval is Wilson's (5 of 5 found
gives 0.57–1.0, and that is the floor: the rows guard against losing most crises, not one). The
onset errors are one event each: no interval, and no floor (lower is better).
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

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


REUTERS_CRISES = (
    Crisis("volkswagen", "Volkswagen", ("Volkswagen", "VW"), date(2015, 9, 18), "diesel emissions"),
    Crisis("jpmorgan", "JPMorgan", ("JPMorgan", "JP Morgan", "JPMorgan Chase"), date(2012, 5, 10),
           "London Whale loss"),
    Crisis("barclays", "Barclays", ("Barclays",), date(2012, 6, 27), "Libor fine"),
    Crisis("tesco", "Tesco", ("Tesco",), date(2014, 9, 22), "accounting overstatement"),
    Crisis("lufthansa", "Lufthansa", ("Lufthansa", "Germanwings"), date(2015, 3, 24), "Germanwings crash"),
)
FINANCIAL_CRISES = (
    Crisis("boeing", "Boeing", ("Boeing", "737 MAX", "737 Max"), date(2019, 3, 10), "Ethiopian 302 crash, 737 MAX"),
    Crisis("facebook", "Facebook", ("Facebook", "Zuckerberg"), date(2018, 3, 17), "Cambridge Analytica"),
)
DE_CRISES = (
    Crisis("volkswagen", "Volkswagen", ("Volkswagen", "VW"), date(2015, 9, 18), "Abgasskandal"),
)
EARLY, LATE = 2, 7  # a storm starting this many days before / after the known date counts as a hit


def watchlist_for(crises: tuple[Crisis, ...]) -> Watchlist:
    return Watchlist(tuple(Entity(id=c.entity, kind="org", name=c.name, aliases=c.aliases) for c in crises))


@dataclass(frozen=True)
class Headlines:
    """A corpus of dated headlines, one per id, as columns (half a million of them: no row objects)."""

    ids: list[str]
    titles: list[str]
    urls: list[str | None]
    days: pa.Array  # date32
    watched: list[bool]  # from a file that holds every headline matching the aliases: search it for them

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


def _shard(heads: Headlines, crises: tuple[Crisis, ...], origin: str) -> dict[str, pa.Table]:
    """The corpus as the tables of a store shard (:mod:`limelight.store.arrow`), built column by
    column: half a million headlines as Document objects took minutes. Documents get their required
    fields; everything the analyses do not read is left NULL. Aliases match whole words,
    case-sensitive, as the corpus' own watchlist file was built; one mention per entity, of its
    first alias found."""
    patterns = [(c.entity, alias, re.compile(rf"(^|[^A-Za-z]){re.escape(alias)}($|[^A-Za-z])"))
                for c in crises for alias in c.aliases]
    mentions: dict[str, list[object]] = {k: [] for k in ("id", "document_id", "entity_id", "alias", "sentence")}
    for doc_id, title, watched in zip(heads.ids, heads.titles, heads.watched, strict=True):
        if not watched:
            continue
        found: set[str] = set()
        for entity, alias, pattern in patterns:
            if entity not in found and pattern.search(title):
                found.add(entity)
                # the id a Mention of this span gets (models.Mention.id)
                for key, value in (("id", stable_id(doc_id, entity, "title", "None", "0")), ("document_id", doc_id),
                                   ("entity_id", entity), ("alias", alias), ("sentence", title)):
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
        "mentions": pa.table({**mentions, "surface": mentions["alias"], "field": ["title"] * m, "start": [0] * m,
                              "end": [0] * m, "role": ["headline"] * m}),
    }


def storm_rows(dataset: str, store_path: Path, crises: tuple[Crisis, ...], span: tuple[date, date]) -> list[EvalRow]:
    """The rows for one corpus (stored at ``store_path``, published over ``span``)."""
    with DuckDBStore(store_path) as store:
        result = Storms().run(store, watchlist_for(crises))
    years = max(1.0, (span[1] - span[0]).days / 365.25)
    storms = [r for r in result.table.to_pylist() if r["signal"] == "volume"]
    rows: list[EvalRow] = []
    hits = 0
    for c in crises:
        own = [s for s in storms if s["entity_id"] == c.entity]
        near = [s for s in own if -EARLY <= (s["onset"] - c.known).days <= LATE]
        per_year = len(own) / years
        if near:
            hits += 1
            best = min(near, key=lambda s: abs((s["onset"] - c.known).days))
            err = (best["onset"] - c.known).days
            note = (f"{c.event} {c.known}: storm {best['onset']}..{best['end']}, peak {best['peak']}, "
                    f"{best['documents']} docs, z {best['peak_z']:.1f}; "
                    f"top: {(best['top_stories'] or ['-'])[0][:60]}; {per_year:.1f} storms/yr for {c.name}")
        else:
            err = 99
            note = f"{c.event} {c.known}: no storm within [-{EARLY}, +{LATE}] days; {per_year:.1f} storms/yr"
        rows.append(EvalRow("storms", f"{dataset}_{c.entity}", "onset_error_days", float(err), 1, note=note,
                            lower_is_better=True))
    low, high = wilson(hits, len(crises))
    rows.append(EvalRow("storms", dataset, "hit_rate", hits / len(crises), len(crises),
                        note=f"known crises with a volume storm starting within [-{EARLY}, +{LATE}] days",
                        ci_low=low, ci_high=high, ci_method="wilson"))
    return rows


LOADERS = {"reuters": reuters_headlines, "de": german_headlines, "financial": financial_headlines}


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
        for dataset, loader, crises in (("reuters", "reuters", REUTERS_CRISES),
                                        ("financial_2017_2020", "financial", FINANCIAL_CRISES),
                                        ("de_headlines", "de", DE_CRISES)):
            path = Path(tmp) / f"{dataset}.duckdb"
            span = build(path, news, loader, crises)
            rows.extend(storm_rows(dataset, path, crises, span))
    return rows
