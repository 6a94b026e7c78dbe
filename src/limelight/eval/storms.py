"""Storm detection on real dated headline corpora, against crises whose dates are public record.

The headlines are loaded straight into a fresh DuckDB store with SQL (one document per headline,
one ``headline`` mention per watched alias it contains), then the registered ``storms`` analysis
runs on it exactly as on a user's project. A crisis is *hit* when a volume storm of its entity
starts within [−2, +7] days of the known date; the onset error is (storm onset − known date).

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

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from limelight.analyses.storms import Storms
from limelight.eval.base import EvalRow
from limelight.eval.intervals import wilson
from limelight.models import Entity
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


def _alias_values(crises: tuple[Crisis, ...]) -> str:
    return ", ".join(f"('{a}', '{c.entity}')" for c in crises for a in c.aliases)


# Documents need their NOT NULL columns; everything the analyses do not read is left empty.
_DOC_COLUMNS = "id, kind, origin, source_id, text, title, url, published_at, captions, content_hash"


def load_reuters(con: duckdb.DuckDBPyConnection, news: Path, crises: tuple[Crisis, ...]) -> None:
    """Every watchlist headline plus the 1-in-20 background sample, deduplicated by (title, url).

    Only the watchlist file is searched for aliases: it holds *every* headline matching them."""
    wl = str(news / "reuters_headlines_2007-2016_watchlist.tsv.gz")
    bg = str(news / "reuters_headlines_2007-2016_sample1in20.tsv.gz")
    opts = "delim='\t', header=true, quote='', all_varchar=true"
    con.execute(f"""
        CREATE TEMP TABLE heads AS
        SELECT md5(title || '|' || url) AS id, any_value(title) AS title, any_value(url) AS url,
               CAST(any_value(date) AS DATE) AS day, bool_or(watched) AS watched
        FROM (SELECT title, url, date, true AS watched FROM read_csv('{wl}', {opts})
              UNION ALL SELECT title, url, date, false FROM read_csv('{bg}', {opts}))
        WHERE title IS NOT NULL AND url IS NOT NULL
        GROUP BY 1""")
    _insert(con, crises, "reuters")


def load_german(con: duckdb.DuckDBPyConnection, news: Path, crises: tuple[Crisis, ...]) -> None:
    path = str(news / "de" / "de_news_headlines_2013-2023.csv.gz")
    con.execute(f"""
        CREATE TEMP TABLE heads AS
        SELECT md5(outlet || '|' || title || '|' || date) AS id, any_value(title) AS title,
               any_value(url) AS url, CAST(any_value(date) AS DATE) AS day, true AS watched
        FROM read_csv('{path}', header=true, all_varchar=true)
        WHERE title IS NOT NULL AND date IS NOT NULL
        GROUP BY 1""")
    _insert(con, crises, "de")


def load_financial(con: duckdb.DuckDBPyConnection, news: Path, crises: tuple[Crisis, ...]) -> None:
    path = str(news / "financial_headlines_2017-2020.csv.gz")
    con.execute(f"""
        CREATE TEMP TABLE heads AS
        SELECT md5(source || '|' || headline || '|' || date) AS id, any_value(headline) AS title,
               NULL AS url, CAST(any_value(date) AS DATE) AS day, true AS watched
        FROM read_csv('{path}', header=true, all_varchar=true)
        WHERE headline IS NOT NULL AND date IS NOT NULL
        GROUP BY 1""")
    _insert(con, crises, "financial")


def _insert(con: duckdb.DuckDBPyConnection, crises: tuple[Crisis, ...], origin: str) -> None:
    con.execute(f"""
        INSERT INTO documents ({_DOC_COLUMNS})
        SELECT id, 'article', '{origin}', '{origin}', '', title, url, CAST(day AS TIMESTAMPTZ) + INTERVAL 12 HOUR,
               []::VARCHAR[], id
        FROM heads""")
    # Whole-word, case-sensitive alias matches, as the corpus' own watchlist file was built.
    con.execute(f"""
        INSERT INTO mentions (id, document_id, entity_id, alias, surface, field, start, "end", role, sentence)
        SELECT DISTINCT ON (h.id, a.entity) md5(h.id || a.entity), h.id, a.entity, a.alias, a.alias, 'title',
               0, 0, 'headline', h.title
        FROM heads AS h, (VALUES {_alias_values(crises)}) AS a(alias, entity)
        WHERE h.watched AND regexp_matches(h.title, '(^|[^A-Za-z])' || a.alias || '($|[^A-Za-z])')""")


def storm_rows(dataset: str, store_path: Path, crises: tuple[Crisis, ...]) -> list[EvalRow]:
    store = DuckDBStore(store_path)
    try:
        result = Storms().run(store, watchlist_for(crises))
        span = store.query("SELECT CAST(min(published_at) AS DATE) AS a, CAST(max(published_at) AS DATE) AS b "
                           "FROM documents").to_pylist()[0]
        years = max(1.0, (span["b"] - span["a"]).days / 365.25)
    finally:
        store.close()
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


def build(path: Path, news: Path, dataset: str, crises: tuple[Crisis, ...]) -> None:
    DuckDBStore(path).close()  # creates the schema through the store's own migrations
    con = duckdb.connect(str(path))
    con.execute("SET enable_progress_bar = false")
    try:
        {"reuters": load_reuters, "de": load_german, "financial": load_financial}[dataset](con, news, crises)
    finally:
        con.close()


def evaluate(data_dir: Path) -> list[EvalRow]:
    news = data_dir / "news"
    rows: list[EvalRow] = []
    with tempfile.TemporaryDirectory(prefix="limelight-storms-") as tmp:
        for dataset, loader, crises in (("reuters", "reuters", REUTERS_CRISES),
                                        ("financial_2017_2020", "financial", FINANCIAL_CRISES),
                                        ("de_headlines", "de", DE_CRISES)):
            path = Path(tmp) / f"{dataset}.duckdb"
            build(path, news, loader, crises)
            rows.extend(storm_rows(dataset, path, crises))
    return rows
