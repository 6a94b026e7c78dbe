"""Days and weeks in the project's time zone (report.timezone), ISO weeks, in every analysis."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from limelight import api
from limelight.errors import ConfigError, UsageError
from limelight.exports import write_table
from limelight.models import Document, Enriched, Mention, Source
from limelight.timeseries.series import check_timezone, monday, week_index


def _reuters_rows(shared_data: Path, titles: set[str]) -> list[dict[str, str]]:
    """The named headlines from the head of the real Reuters sample (it is sorted by day)."""
    found = []
    with gzip.open(shared_data / "news" / "reuters_headlines_2007-2016_sample1in20.tsv.gz", "rt",
                   encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["title"] in titles:
                found.append(row)
            if row["date"] > "2007-01-03" or len(found) == len(titles):
                break
    return found


def _project(tmp_path: Path, timezone: str | None, watchlist: str) -> Any:
    root = tmp_path / f"proj-{(timezone or 'default').replace('/', '-')}"
    proj = api.init(root)
    (root / "watchlist.toml").write_text(watchlist, encoding="utf-8")
    if timezone:  # `limelight init` writes every setting commented out, under its table
        toml = root / "limelight.toml"
        text = toml.read_text(encoding="utf-8")
        assert '# timezone = "UTC"' in text
        toml.write_text(text.replace('# timezone = "UTC"', f'timezone = "{timezone}"'), encoding="utf-8")
    return api.open_project(proj.root)


REUTERS_WATCHLIST = """
[[entity]]
id = "u2"
kind = "org"
name = "U2"

[[entity]]
id = "tsmc"
kind = "org"
name = "TSMC"
"""


@pytest.mark.parametrize(("timezone", "day"), [(None, date(2007, 1, 2)), ("UTC", date(2007, 1, 2)),
                                               ("America/New_York", date(2007, 1, 1))])
def test_timeseries_periods_reuters_evening_headline_counts_on_the_project_s_day(
        shared_data: Path, tmp_path: Path, timezone: str | None, day: date) -> None:
    """Real data: "U2 dusted off rarities for world tour" at 2007-01-01T21:31-05:00 and a TSMC
    headline at 22:32-05:00 are on New Year's Day in New York and on 2 January in UTC."""
    rows = _reuters_rows(shared_data, {"U2 dusted off rarities for world tour",
                                       "TSMC plans five new 12-inch wafer plants -paper"})
    assert [r["datetime"] for r in rows] == ["2007-01-01T22:32-05:00", "2007-01-01T21:31-05:00"]
    proj = _project(tmp_path, timezone, REUTERS_WATCHLIST)
    items = []
    for i, r in enumerate(rows):
        entity = "u2" if r["title"].startswith("U2") else "tsmc"
        d = Document(id=f"r{i}", kind="article", origin="reuters", source=Source.make("web", "reuters.com"),
                     text=r["title"], title=r["title"], url=r["url"],
                     published_at=datetime.fromisoformat(r["datetime"]))
        items.append(Enriched(d, (Mention(d.id, entity, entity.upper(), entity.upper(), "title", 0, 2, "headline",
                                          r["title"]),)))
    store = proj.open_store()
    try:
        store.write(items, "test")
    finally:
        store.close()
    result = api.analyze("visibility", proj, by="day")
    assert {(r["period"], r["entity_id"]) for r in result.table.to_pylist()} == {(day, "u2"), (day, "tsmc")}
    assert result.notes[0] == f"periods in {timezone or 'UTC'} (weeks start on Monday)"
    # the option overrides the setting for one report
    other = "UTC" if timezone == "America/New_York" else "America/New_York"
    flipped = api.analyze("visibility", proj, by="day", timezone=other)
    assert {r["period"] for r in flipped.table.to_pylist()} != {day}
    # the evidence reads as what it is
    assert any("U2 dusted off rarities for world tour (http://www.reuters.com/" in v
               for v in result.documents.values())


# One document at 23:30 UTC on Sunday 10 March 2024: 00:30 on Monday the 11th in Berlin.
LATE = datetime(2024, 3, 10, 23, 30, tzinfo=UTC)
WATCHLIST = """
[[entity]]
id = "acme"
kind = "org"
name = "Acme"
competitors = ["globex"]
official_accounts = [{platform = "weibo", handle = "acme_hq"}]

[[entity]]
id = "ceo"
kind = "person"
name = "Ceo"
parent = "acme"
accounts = [{platform = "weibo", handle = "ceo1"}]

[[entity]]
id = "globex"
kind = "org"
name = "Globex"
"""


@pytest.fixture(scope="module")
def late_project(tmp_path_factory: pytest.TempPathFactory) -> Any:
    proj = _project(tmp_path_factory.mktemp("late"), "Europe/Berlin", WATCHLIST)
    d = Document(id="p1", kind="post", origin="t", source=Source.make("weibo", "ceo1"), text="Ceo on Acme",
                 published_at=LATE, language="en")
    item = Enriched(d, (Mention("p1", "acme", "Acme", "Acme", "text", 7, 11, "body", "Ceo on Acme", tone=-0.5,
                                tone_label="negative"),
                        Mention("p1", "ceo", "Ceo", "Ceo", "text", 0, 3, "body", "Ceo on Acme", tone=0.1,
                                tone_label="neutral")))
    store = proj.open_store()
    try:
        store.write([item], "test")
    finally:
        store.close()
    return proj


@pytest.mark.parametrize("name", ["visibility", "tone", "share_of_voice", "copied_posts"])
@pytest.mark.parametrize(("timezone", "day"), [(None, date(2024, 3, 11)), ("UTC", date(2024, 3, 10)),
                                               ("local", date(2024, 3, 10))])
def test_timeseries_periods_every_analysis_counts_days_in_the_report_zone(
        late_project: Any, name: str, timezone: str | None, day: date) -> None:
    # None: the project's setting, Europe/Berlin; "local": the post's own offset, which is UTC here
    options: dict[str, Any] = {"by": "day"} | ({"timezone": timezone} if timezone else {})
    result = api.analyze(name, late_project, **options)
    assert result.table.num_rows and set(result.table.column("period").to_pylist()) == {day}
    assert any(n.startswith("periods in ") for n in result.notes)


def test_timeseries_periods_withdrawal_and_stories_read_the_zone(late_project: Any) -> None:
    berlin = api.analyze("withdrawal", late_project, entity="ceo", content_type="all", as_of="2024-03-12")
    silence = next(r for r in berlin.table.to_pylist() if r["row"] == "silence")
    assert silence["start"] == date(2024, 3, 11) and silence["days_since_last"] == 1
    utc = api.analyze("withdrawal", late_project, entity="ceo", content_type="all", as_of="2024-03-12",
                      timezone="UTC")
    assert next(r for r in utc.table.to_pylist() if r["row"] == "silence")["days_since_last"] == 2
    # since/until are days in the zone too
    assert api.analyze("visibility", late_project, since="2024-03-11").table.num_rows == 2
    assert api.analyze("visibility", late_project, since="2024-03-11", timezone="UTC").table.num_rows == 0


def test_timeseries_periods_bad_time_zone_is_a_clear_error(late_project: Any, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a time zone"):
        api.analyze("visibility", late_project, timezone="Europe/Berln")
    proj = _project(tmp_path, "Mars/Olympus_Mons", WATCHLIST)
    with pytest.raises(ConfigError, match=r"report\.timezone 'Mars/Olympus_Mons' is not a time zone"):
        api.analyze("visibility", proj)
    for bad in ("localtime", "../../etc/passwd", "UTC'; DROP TABLE documents; --", "Europe/"):
        with pytest.raises(UsageError):
            check_timezone(bad)
    assert check_timezone(None) == "UTC" and check_timezone("Asia/Shanghai") == "Asia/Shanghai"


def test_timeseries_periods_iso_weeks_do_not_depend_on_the_first_day() -> None:
    from limelight.timeseries.series import day_range

    from_sunday = day_range(date(2024, 3, 10), date(2024, 3, 18))  # Sunday .. the Monday after next
    assert week_index(from_sunday).tolist() == [0, 1, 1, 1, 1, 1, 1, 1, 2]
    from_earlier = day_range(date(2024, 2, 28), date(2024, 3, 18))  # older data in front
    assert [w - week_index(from_earlier)[11] for w in week_index(from_earlier)[11:]] == [0, 1, 1, 1, 1, 1, 1, 1, 2]
    assert monday(date(2024, 3, 10)) == date(2024, 3, 4) and monday(date(2024, 3, 11)) == date(2024, 3, 11)


def test_timeseries_periods_exports_write_timestamps_in_the_zone() -> None:
    table = pa.table({"first_published": pa.array([LATE], pa.timestamp("us", tz="UTC"))})
    out = io.StringIO()
    write_table(table, "csv", out, timezone="Europe/Berlin")
    assert out.getvalue().splitlines()[1] == "2024-03-11T00:30:00+01:00"
    out = io.StringIO()
    write_table(table, "json", out)
    assert "2024-03-10T23:30:00+00:00" in out.getvalue()


def test_dense_places_sparse_days_and_ignores_days_outside_and_nulls() -> None:
    from datetime import date

    import pyarrow as pa

    from limelight.timeseries.series import day_range, dense

    days = day_range(date(2024, 2, 27), date(2024, 3, 2))  # across a leap day
    rows = pa.table({"day": pa.array([date(2024, 2, 29), date(2024, 3, 2), date(2024, 3, 9), date(2024, 2, 27)]),
                     "n": pa.array([3, 5, 7, None])})
    assert dense(days, rows, "day", "n").tolist() == [0.0, 0.0, 3.0, 0.0, 5.0]
    assert dense(days, rows.slice(0, 0), "day", "n").tolist() == [0.0] * 5
