"""Alert rules on SYNTHETIC stores (both backends): an incident is one alert that grows and closes,
re-evaluating changes nothing, and a bad rule in limelight.toml is a clear error."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from _stores import StoreMaker
from limelight.alerts.rules import Rule, evaluate, rules_from_settings
from limelight.errors import ConfigError
from limelight.models import Document, Enriched, Mention, Source
from limelight.settings import Settings
from limelight.store.base import Store
from limelight.watchlist import Watchlist

WATCHLIST = Watchlist.from_dict({"entity": [
    {"id": "acme", "kind": "org", "name": "Acme"},
    {"id": "ceo", "kind": "person", "name": "Ceo", "parent": "acme",
     "accounts": [{"platform": "x", "handle": "acme_ceo"}]},
]})
# The corpus ends yesterday (UTC), as a watcher's does: "now" for the rules is the data's last day.
LAST = datetime.now(UTC).date() - timedelta(days=1)
DAYS = 100
FIRST = LAST - timedelta(days=DAYS - 1)
NOW = datetime.now(UTC)


def _day(k: int) -> date:
    return FIRST + timedelta(days=k)


def _doc(i: int, day: int, entity: str | None, tone: str | None = None, *, post: bool = False) -> Enriched:
    when = datetime.combine(_day(day), datetime.min.time(), UTC) + timedelta(hours=1, seconds=i % 3000)
    source = Source.make("x", "acme_ceo") if post else Source.make("web", "example.org")
    d = Document(id=f"d{i}", kind="post" if post else "article", origin=f"synthetic:{i}", source=source,
                 text="synthetic", title=None if post else f"SYNTHETIC title {i}", published_at=when)
    mentions = () if entity is None else (Mention(d.id, entity, entity, entity, "text", 0, 1, "headline", "s",
                                                  tone_label=tone),)
    return Enriched(d, mentions)


def corpus(days: range, *, storm: range = range(0), ceo_posts_until: int = DAYS, start: int = 0,
           skip: set[int] | frozenset[int] = frozenset()) -> list[Enriched]:
    """SYNTHETIC: 60 background articles a day, Acme in about 3 (neutral), 25 more negative ones on
    the ``storm`` days; the CEO posts daily on x until ``ceo_posts_until``; nothing on ``skip`` days
    (a collection gap)."""
    rng = np.random.default_rng(start + 3)
    ids = itertools.count(start * 1000)
    items: list[Enriched] = []
    for day in days:
        if day in skip:
            continue
        items += [_doc(next(ids), day, None) for _ in range(60)]
        items += [_doc(next(ids), day, "acme", "neutral") for _ in range(int(rng.poisson(3)))]
        if day in storm:
            items += [_doc(next(ids), day, "acme", "negative") for _ in range(25)]
        if day < ceo_posts_until:
            items.append(_doc(next(ids), day, "ceo", post=True))
    return items


def _write(store: Store, items: list[Enriched]) -> None:
    run = store.start_run(["synthetic"], {"synthetic": True})
    store.write(items, run)
    store.finish_run(run, {})


STORM_RULE = Rule("acme-storms", "storm", ("acme",), None,
                  {"sensitivity": "balanced", "signal": "volume", "lookback_days": 30, "cooldown": 7})


@pytest.fixture
def store(make_store: StoreMaker) -> Iterator[Store]:
    s = make_store()
    yield s


def _alerts(store: Store, rule: str) -> list[dict[str, Any]]:
    return [r for r in store.read("alerts.list").to_pylist() if r["rule"] == rule]


def test_alerts_rules_storm_is_one_alert_that_grows_then_closes(store: Store) -> None:
    # days 0..91 stored; a storm begins on day 90 and is still going on the data's last day
    _write(store, corpus(range(0, 92), storm=range(90, 96)))
    first = evaluate(store, WATCHLIST, [STORM_RULE], now=NOW)
    assert len(first.changes.new) == 1 and first.per_rule == {"acme-storms": 1}
    [alert] = _alerts(store, "acme-storms")
    assert alert["status"] == "open" and alert["entity_id"] == "acme" and alert["version"] == 1
    assert alert["opened_at"].date() == _day(90) and "Acme" in alert["title"]
    # evaluating again without new data changes nothing
    again = evaluate(store, WATCHLIST, [STORM_RULE], now=NOW)
    assert again.changes.new == () and again.changes.grown == () and again.changes.unchanged == 1
    # more storm days arrive: the same alert, a new version
    _write(store, corpus(range(92, 96), storm=range(90, 96), start=92))
    grown = evaluate(store, WATCHLIST, [STORM_RULE], now=NOW)
    assert grown.changes.grown == (alert["id"],) and grown.changes.new == ()
    [bigger] = _alerts(store, "acme-storms")
    assert bigger["version"] == 2 and bigger["status"] == "open"
    # (the whole storm is in; coverage goes back to normal for the rest of the corpus)
    _write(store, corpus(range(96, DAYS), start=96))
    over = evaluate(store, WATCHLIST, [STORM_RULE], now=NOW)
    [closed] = _alerts(store, "acme-storms")
    assert closed["id"] == alert["id"] and over.changes.new == ()
    # the storm ended on day 95: 4 days before the data's end, within the cool-down, still open
    assert closed["status"] == "open"
    rule = Rule(STORM_RULE.name, "storm", ("acme",), None, {**STORM_RULE.options, "cooldown": 2})
    evaluate(store, WATCHLIST, [rule], now=NOW)
    [done] = _alerts(store, "acme-storms")
    assert done["id"] == alert["id"] and done["status"] == "closed" and done["closed_at"] is not None


def test_alerts_rules_storm_alert_says_how_many_of_its_days_the_collection_missed(store: Store) -> None:
    # Two days inside the storm with nothing collected at all (a crawler down): still one storm,
    # and its alert says that its count misses those days, so nobody reads them as calm.
    _write(store, corpus(range(0, 92), storm=range(82, 92), skip={86, 87}))
    evaluate(store, WATCHLIST, [STORM_RULE], now=NOW)
    [alert] = _alerts(store, "acme-storms")
    evidence = json.loads(alert["evidence"]) if isinstance(alert["evidence"], str) else alert["evidence"]
    assert evidence["details"]["gap_days"] == 2
    assert "2 days inside it without collection" in alert["summary"]


def test_alerts_rules_silence_opens_on_a_quiet_account_and_closes_when_it_posts(store: Store) -> None:
    silence = Rule("ceo-quiet", "silence", ("ceo",), None,
                   {"content_type": "all", "factor": 1.0, "min_days": 3, "min_confidence": 0.5})
    _write(store, corpus(range(0, DAYS), ceo_posts_until=DAYS - 12))  # 12 days without a post, news goes on
    result = evaluate(store, WATCHLIST, [silence], now=NOW)
    [alert] = _alerts(store, "ceo-quiet")
    assert result.changes.new == (alert["id"],) and alert["account"] == "x/acme_ceo"
    # the last post was on day 87; "now" is when the ingest finished (today: day 100)
    assert alert["status"] == "open" and "13 days" in alert["title"]
    # a quiet account while nothing at all was collected is no withdrawal
    empty = Rule("ceo-quiet-strict", "silence", ("ceo",), None, {**silence.options, "min_confidence": 1.01})
    assert evaluate(store, WATCHLIST, [empty], now=NOW).per_rule == {"ceo-quiet-strict": 0}
    # the CEO posts again: the incident is over
    _write(store, [_doc(10**7, DAYS - 1, "ceo", post=True)])
    after = evaluate(store, WATCHLIST, [silence], now=NOW)
    assert after.closed == (alert["id"],)
    assert [r["status"] for r in _alerts(store, "ceo-quiet")] == ["closed"]


def test_alerts_rules_negative_share_over_its_threshold(store: Store) -> None:
    rule = Rule("acme-negative", "negative_share", ("acme",), "critical",
                {"threshold": 0.5, "days": 7, "min_mentions": 10})
    _write(store, corpus(range(0, DAYS), storm=range(DAYS - 5, DAYS)))
    evaluate(store, WATCHLIST, [rule], now=NOW)
    [alert] = _alerts(store, "acme-negative")
    assert alert["severity"] == "critical" and alert["status"] == "open" and "negative" in alert["title"]
    quiet = Rule("acme-negative-high", "negative_share", ("acme",), None,
                 {"threshold": 0.99, "days": 7, "min_mentions": 10})
    assert evaluate(store, WATCHLIST, [quiet], now=NOW).per_rule == {"acme-negative-high": 0}


def test_alerts_rules_saved_search_grows_with_new_matches_and_closes_when_seen(store: Store) -> None:
    from limelight import search

    _write(store, corpus(range(0, 3)))
    search.save(store, "acme-news", "SYNTHETIC", {}, WATCHLIST)
    search.mark_seen(store, "acme-news", datetime.now(UTC))
    rule = Rule("searches", "saved_search", (), None, {"search": None})
    assert evaluate(store, WATCHLIST, [rule]).per_rule == {"searches": 0}  # nothing new since seen
    _write(store, corpus(range(3, 4), start=3))
    evaluate(store, WATCHLIST, [rule])
    [alert] = _alerts(store, "searches")
    assert alert["kind"] == "saved_search" and alert["status"] == "open"
    _write(store, corpus(range(4, 5), start=4))
    grown = evaluate(store, WATCHLIST, [rule])
    assert grown.changes.grown == (alert["id"],)
    search.mark_seen(store, "acme-news", datetime.now(UTC) + timedelta(seconds=1))
    seen = evaluate(store, WATCHLIST, [rule])
    assert seen.closed == (alert["id"],)


@pytest.mark.parametrize(("table", "message"), [
    ({"kind": "storm"}, "has no name"),
    ({"name": "x", "kind": "tsunami"}, "kind must be one of"),
    ({"name": "x", "kind": "storm", "threshold": 0.5}, "unknown key(s) threshold"),
    ({"name": "x", "kind": "storm", "entity": "nobody"}, "no entity 'nobody'"),
    ({"name": "x", "kind": "storm", "severity": "urgent"}, "severity must be one of"),
    ({"name": "x", "kind": "storm", "sensitivity": "some"}, "sensitivity must be one of"),
    ({"name": "x", "kind": "negative_share", "threshold": "high"}, "threshold must be a number"),
])
def test_alerts_rules_a_bad_rule_is_a_config_error_naming_it(table: dict[str, Any], message: str) -> None:
    settings = Settings.from_dict({"alerts": {"rule": [table]}})
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        rules_from_settings(settings, WATCHLIST)


def test_alerts_rules_from_settings_fill_in_the_defaults() -> None:
    settings = Settings.from_dict({"alerts": {"rule": [
        {"name": "storms", "kind": "storm", "entity": "acme", "lookback_days": 10},
        {"name": "quiet", "kind": "silence", "entity": ["ceo"], "severity": "critical"}]}})
    storms, quiet = rules_from_settings(settings, WATCHLIST)
    assert storms.entities == ("acme",) and storms.options["lookback_days"] == 10
    assert storms.options["sensitivity"] == "balanced" and quiet.severity == "critical"
    assert quiet.options["content_type"] == "livestream"
    with pytest.raises(ConfigError, match="two rules have this name"):
        rules_from_settings(Settings.from_dict({"alerts": {"rule": [{"name": "a", "kind": "storm"}] * 2}}), WATCHLIST)


def _article(doc_id: str, day: int, language: str, title: str, entity: str | None) -> Enriched:
    when = datetime.combine(_day(day), datetime.min.time(), UTC) + timedelta(hours=9)
    d = Document(id=doc_id, kind="article", origin=f"synthetic:{doc_id}",
                 source=Source.make("web", f"{doc_id}.example"), text=f"SYNTHETIC {title}", title=title,
                 language=language, published_at=when)
    mentions = () if entity is None else (Mention(d.id, entity, entity, entity, "text", 0, 1, "headline", "s"),)
    return Enriched(d, mentions)


def test_alerts_rules_translation_of_a_watched_story_is_one_alert_per_origin_that_grows(store: Store) -> None:
    from limelight.models import Link

    _write(store, corpus(range(DAYS - 10, DAYS)))
    # SYNTHETIC: a Vietnamese story about Acme, then a German machine translation that spells the name
    # as no alias does (it has no mention), and an unrelated story with a translation of its own.
    _write(store, [_article("vi-origin", DAYS - 6, "vi", "Acme rút lui", "acme"),
                   _article("de-copy", DAYS - 3, "de", "Acne zieht sich zurück", None),
                   _article("other", DAYS - 6, "en", "Weather news", None),
                   _article("other-zh", DAYS - 3, "zh", "天气新闻", None)])
    store.write_links([Link("de-copy", "vi-origin", "translation", 0.93, "embedding"),
                       Link("other-zh", "other", "translation", 0.91, "embedding")], "synthetic")
    stories = [("vi-origin", "story-a", "translation"), ("de-copy", "story-a", "translation"),
               ("other", "story-b", "translation"), ("other-zh", "story-b", "translation")]
    store.replace_stories(stories)
    rule = Rule("translations", "translation", (), None, {"lookback_days": 30, "min_documents": 1})
    first = evaluate(store, WATCHLIST, [rule])
    [alert] = _alerts(store, "translations")
    assert first.per_rule == {"translations": 1} and alert["entity_id"] == "acme" and alert["status"] == "open"
    assert alert["kind"] == "translation" and "(vi → de)" in alert["title"]
    # a republication of the translation, on a later day, grows the same alert
    _write(store, [_article("de-portal", DAYS - 2, "de", "Acne zieht sich zurück (Portal)", None)])
    store.write_links([Link("de-portal", "de-copy", "syndication", 0.99, "minhash")], "synthetic")
    store.replace_stories([*stories, ("de-portal", "story-a", "syndication")])
    grown = evaluate(store, WATCHLIST, [rule])
    assert grown.changes.grown == (alert["id"],) and not grown.changes.new
    [again] = _alerts(store, "translations")
    evidence = json.loads(again["evidence"])
    assert evidence["count"] == 2.0 and evidence["details"]["end"] == _day(DAYS - 2).isoformat()
    assert evaluate(store, WATCHLIST, [rule]).changes.unchanged == 1  # nothing new: nothing written
    # once the last translation is older than the lookback, the incident is over
    short = Rule("translations", "translation", (), None, {"lookback_days": 0, "min_documents": 1})
    assert evaluate(store, WATCHLIST, [short]).closed == (alert["id"],)
