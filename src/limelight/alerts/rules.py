"""Alert rules: which states of the store are incidents worth telling someone about.

Rules are ``[[alerts.rule]]`` tables in ``limelight.toml``, each with a ``name`` (what its alerts
are stored and shown under), a ``kind`` (a registered ``alert_rule`` plugin, :class:`RuleKind`:
the built-ins below register through the same registry a third-party package uses), optionally
``entity`` (an id or a list of ids; default: every watched entity, or every account of the
watchlist) and ``severity`` (info, warning, critical; default: the incident's own), and the kind's
options (:data:`BUILT_IN` lists each built-in's with its defaults):

- ``storm``: a storm of the storms analysis (``sensitivity``, ``signal``: volume, negative_share
  or any) that was still going at most ``lookback_days`` before the data's last day. The storm's
  level gives the default severity (high: critical, medium: warning, low: info). Open while the
  storm's last high day is within ``cooldown`` days of the data's last day, closed after.
- ``negative_share``: the share of an entity's scored mentions that are negative over the last
  ``days`` days of data is at least ``threshold``, with at least ``min_mentions`` scored mentions.
  Closed when the share falls below the threshold.
- ``silence``: a watched account has not posted (``content_type``: all, livestream, post, ...) for
  longer than ``factor`` times its own 90th-percentile gap and at least ``min_days``, and the
  collection itself was running meanwhile (the withdrawal analysis' ``confidence`` at least
  ``min_confidence``: a crawler that stopped is not an account that went quiet). The founding case:
  no livestream for two months. Closed when the account posts again.
- ``copy_share``: an account's share of posts that copy an official post (copied_posts analysis)
  in the latest ``by`` period with at least ``min_posts`` posts is at least ``threshold`` and at
  least ``jump`` above its median over the ``periods`` periods before.
- ``translation``: a story about the entity (one of the story's documents mentions it: a machine
  translation may spell the name as no alias does, "Donnerlord" for Lei Jun) got a translation,
  or a republication of one, published at most ``lookback_days`` before the data's last day (the
  stories analysis' lineage, from ``limelight link``). One incident per story origin, growing as
  more translations of it arrive, with at least ``min_documents`` of them; closed when the last
  one is older than the lookback.
- ``saved_search``: a saved search (``search``: its name; default every saved search) has matches
  stored since it was last seen (``limelight search --seen NAME``); the incident grows while more arrive
  and ends when the search is marked seen.

One alert per incident: its id is :func:`limelight.alerts.model.alert_id` of the rule, the subject
and the incident's start, and a stored open alert of the same rule and subject whose window
overlaps the incident is that incident (a storm whose onset moved by a day as data arrived is not a
second storm). An open alert whose incident is no longer there is closed. Rules read the store only
through the analyses and the search, so they run on any store.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from limelight.alerts.model import SEVERITIES, Alert, AlertChanges, Evidence, EvidenceDocument, alert_id
from limelight.errors import ConfigError
from limelight.registry import Registry, registry
from limelight.settings import Settings
from limelight.store.base import Store
from limelight.timeseries.storms import SENSITIVITY
from limelight.watchlist import Watchlist

_COMMON = ("name", "kind", "entity", "severity")
_CHOICES: dict[str, tuple[str, ...]] = {"sensitivity": tuple(SENSITIVITY),
                                        "signal": ("volume", "negative_share", "any"), "by": ("day", "week", "month")}
_LEVEL_SEVERITY = {"high": "critical", "medium": "warning", "low": "info"}
EVIDENCE_DOCUMENTS = 5


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    kind: str
    entities: tuple[str, ...] = ()  # empty: every watched entity
    severity: str | None = None  # None: the incident's own
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Incident:
    """An incident as a rule sees it: its subject (entity id, or platform/handle), its window, and
    the alert it is (its id is filled in by :func:`evaluate`)."""

    subject: str
    start: date
    end: date
    alert: Alert
    key: str = ""  # the start as the id has it (default: the start day)
    overlaps: bool = True  # whether a stored alert whose window overlaps is this incident


Evaluator = Callable[[Store, Watchlist, Rule, datetime, str], list[Incident]]


@dataclass(frozen=True, slots=True)
class RuleKind:
    """An ``alert_rule`` plugin: a kind of rule, its options with their defaults (a number, a
    choice among ``choices``, or free text), and ``evaluate(store, watchlist, rule, now, timezone)``,
    which returns the incidents it sees now. ``requires`` names the analyses it reads."""

    name: str
    title: str
    evaluate: Evaluator
    options: Mapping[str, Any]
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    version: str = "1"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("alerts",)


def kinds() -> dict[str, RuleKind]:
    """The registered rule kinds by name."""
    return {k.name: k for k in registry.all("alert_rule")}


def rules_from_settings(settings: Settings, watchlist: Watchlist) -> list[Rule]:
    """The ``alerts.rule`` tables, checked: a ConfigError names the rule and what is wrong."""
    raw = settings["alerts.rule"]
    if not isinstance(raw, list):
        raise ConfigError("alerts.rule must be a list of [[alerts.rule]] tables")
    known = kinds()
    rules: list[Rule] = []
    for n, table in enumerate(raw, 1):
        if not isinstance(table, Mapping):
            raise ConfigError(f"alerts.rule #{n} must be a table ([[alerts.rule]])")
        name = str(table.get("name") or "").strip()
        label = f"alerts.rule {name!r}" if name else f"alerts.rule #{n}"
        if not name:
            raise ConfigError(f"{label} has no name", 'add name = "car-storms" (alerts are stored under it)')
        if any(r.name == name for r in rules):
            raise ConfigError(f"{label}: two rules have this name", "each rule needs a name of its own")
        kind = table.get("kind")
        if kind not in known:
            raise ConfigError(f"{label}: kind must be one of {', '.join(known)}, not {kind!r}")
        spec = known[kind]
        unknown = sorted(set(table) - set(_COMMON) - set(spec.options))
        if unknown:
            raise ConfigError(f"{label}: unknown key(s) {', '.join(unknown)} for a {kind} rule",
                              f"{kind} rules take: {', '.join([*_COMMON, *spec.options])}")
        entity = table.get("entity", [])
        entities = (entity,) if isinstance(entity, str) else tuple(str(e) for e in entity)
        for e in entities:
            try:
                watchlist.get(e)
            except ConfigError as exc:
                raise ConfigError(f"{label}: {exc.message}", exc.hint) from None
        severity = table.get("severity")
        if severity is not None and severity not in SEVERITIES:
            raise ConfigError(f"{label}: severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
        options = dict(spec.options)
        for key, default in spec.options.items():
            if key not in table:
                continue
            value = table[key]
            if key in spec.choices and value not in spec.choices[key]:
                raise ConfigError(f"{label}: {key} must be one of {', '.join(spec.choices[key])}, not {value!r}")
            if isinstance(default, bool) or (isinstance(default, int | float) and not isinstance(default, bool)):
                if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                    raise ConfigError(f"{label}: {key} must be a number of at least 0, not {value!r}")
                value = type(default)(value)
            options[key] = value
        rules.append(Rule(name, kind, entities, severity, options))
    return rules


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What evaluating the rules did: the alerts as stored now (open and closed by this run), the
    store's changes, and per rule how many incidents it saw."""

    alerts: tuple[Alert, ...]
    changes: AlertChanges
    closed: tuple[str, ...]  # ids this run closed
    per_rule: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"new": list(self.changes.new), "grown": list(self.changes.grown),
                "unchanged": self.changes.unchanged, "closed": list(self.closed), "per_rule": dict(self.per_rule)}


def evaluate(store: Store, watchlist: Watchlist, rules: Sequence[Rule], *, now: datetime | None = None,
             timezone: str = "UTC") -> Evaluation:
    """Run every rule on ``store`` (open for writing) and store its incidents as alerts."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    stored: list[Alert] = []
    closed: list[str] = []
    per_rule: dict[str, int] = {}
    from limelight.alerts.model import from_row

    known = kinds()
    for rule in rules:
        if rule.kind not in known:
            raise ConfigError(f"alerts.rule {rule.name!r}: no rule kind {rule.kind!r} is registered",
                              f"registered kinds: {', '.join(known)}")
        incidents = known[rule.kind].evaluate(store, watchlist, rule, now, timezone)
        per_rule[rule.name] = len(incidents)
        existing = [from_row(r) for r in store.read("alerts.list").to_pylist() if r["rule"] == rule.name]
        matched: set[str] = set()
        for inc in incidents:
            same = _match(existing, inc, matched) if inc.overlaps else None
            alert = inc.alert
            if same is not None:
                alert = replace(alert, id=same.id, opened_at=same.opened_at)
            else:
                alert = replace(alert, id=alert_id(rule.name, inc.subject, inc.key or inc.start.isoformat()))
            if alert.id in matched:
                continue  # a rule that gave one incident twice: the store keeps one row per id
            matched.add(alert.id)
            stored.append(alert)
        for old in existing:
            if old.status == "open" and old.id not in matched:
                stored.append(replace(old, status="closed", closed_at=now, updated_at=now))
                closed.append(old.id)
    changes = store.upsert_alerts(stored) if stored else AlertChanges()
    return Evaluation(tuple(stored), changes, tuple(closed), per_rule)


def _match(existing: Sequence[Alert], inc: Incident, taken: set[str]) -> Alert | None:
    """The stored open alert of the same rule and subject whose window overlaps the incident's."""
    for old in existing:
        details = old.evidence.details
        if old.id in taken or details.get("subject") != inc.subject:
            continue
        try:
            start, end = date.fromisoformat(str(details["start"])), date.fromisoformat(str(details["end"]))
        except (KeyError, ValueError):
            continue
        if start <= inc.end and inc.start <= end:
            return old
    return None


def _documents(store: Store, ids: Sequence[str]) -> tuple[EvidenceDocument, ...]:
    """The evidence documents, in the order given, with their titles and links from the store."""
    ids = list(dict.fromkeys(i for i in ids if i))[:EVIDENCE_DOCUMENTS]
    if not ids:
        return ()
    rows = {r["id"]: r for r in store.read("core.document_labels", ids=ids, chars=160).to_pylist()}
    return tuple(EvidenceDocument(i, " ".join(str(rows[i]["title"] or "").split()) or i, rows[i]["url"])
                 for i in ids if i in rows)


def _entities(watchlist: Watchlist, rule: Rule) -> list[Any]:
    return [watchlist.get(e) for e in rule.entities] if rule.entities else list(watchlist.entities)


def _analysis(name: str) -> Any:
    return registry.get("analysis", name)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _last_day(store: Store, timezone: str) -> date | None:
    """The last day with a dated document (in ``timezone``): "now" for rules over the data, so a
    project of past coverage is judged at its own end rather than at today's date."""
    from limelight.scope import Scope

    days = store.read("analyses.corpus_days", scope=Scope(timezone)).column("day").to_pylist()
    return max(days) if days else None


def _storms(store: Store, watchlist: Watchlist, rule: Rule, now: datetime, timezone: str) -> list[Incident]:
    last = _last_day(store, timezone)
    if last is None:
        return []
    o = rule.options
    out: list[Incident] = []
    for entity in _entities(watchlist, rule):
        result = _analysis("storms").run(store, watchlist, entity=entity.id, sensitivity=o["sensitivity"],
                                         cooldown=o["cooldown"], timezone=timezone)
        for s in result.table.to_pylist():
            if o["signal"] != "any" and s["signal"] != o["signal"]:
                continue
            if s["end"] < last - timedelta(days=o["lookback_days"]):
                continue
            going = s["end"] >= last - timedelta(days=o["cooldown"])
            negative = s["signal"] == "negative_share"
            what = "negative coverage" if negative else "coverage"
            share = s["peak_negative_share"]
            summary = (f"{s['documents']:,} documents {s['onset']}..{s['end']} against {s['expected']:.1f} expected, "
                       f"peak {s['peak']}" if not negative else
                       f"negative share peaked at {share:.0%} on {s['peak']}" if share is not None else
                       f"negative coverage {s['onset']}..{s['end']}")
            gap = int(s["gap_days"] or 0)
            if gap:  # days the collection itself missed: no coverage counted there, said so
                summary += f"; {gap} day{'s' if gap != 1 else ''} inside it without collection"
            subject = f"{entity.id}/{s['signal']}"
            alert = Alert(
                id="", rule=rule.name, kind="storm", severity=rule.severity or _LEVEL_SEVERITY.get(s["level"], "info"),
                title=f"Storm of {what} about {entity.name} since {s['onset']}" + ("" if going else " (over)"),
                summary=summary + f"; severity {s['severity']:.1f} ({s['level']})",
                opened_at=_at(s["onset"]), updated_at=now, entity_id=entity.id,
                status="open" if going else "closed", closed_at=None if going else _at(s["end"] + timedelta(days=1)),
                evidence=Evidence(_documents(store, s["evidence"] or []), count=float(s["documents"]),
                                  baseline=s["expected"], unit="documents",
                                  tone=None, details={"subject": subject, "start": s["onset"].isoformat(),
                                                      "end": s["end"].isoformat(), "signal": s["signal"],
                                                      "peak": s["peak"].isoformat(), "level": s["level"],
                                                      "severity": round(float(s["severity"]), 2),
                                                      "gap_days": gap,
                                                      "top_stories": list(s["top_stories"] or [])[:5]}))
            out.append(Incident(subject, s["onset"], s["end"], alert))
    return out


def _negative_share(store: Store, watchlist: Watchlist, rule: Rule, now: datetime, timezone: str) -> list[Incident]:
    last = _last_day(store, timezone)
    if last is None:
        return []
    o = rule.options
    first = last - timedelta(days=int(o["days"]) - 1)
    out: list[Incident] = []
    for entity in _entities(watchlist, rule):
        rows = _analysis("tone").run(store, watchlist, by="day", entity=entity.id, since=first.isoformat(),
                                     until=last.isoformat(), timezone=timezone).table.to_pylist()
        mentions = sum(int(r["mentions"]) for r in rows)
        if mentions < o["min_mentions"] or mentions == 0:
            continue
        negative = sum(float(r["negative_share"]) * int(r["mentions"]) for r in rows)
        share = negative / mentions
        if share < o["threshold"]:
            continue
        toned = [r for r in rows if r["mean_tone"] is not None]  # a label without a score has no mean
        weight = sum(int(r["mentions"]) for r in toned)
        tone = sum(float(r["mean_tone"]) * int(r["mentions"]) for r in toned) / weight if weight else None
        # the evidence of the most negative days first
        evidence = [d for r in sorted(rows, key=lambda r: -float(r["negative_share"])) for d in (r["evidence"] or [])]
        subject = entity.id
        alert = Alert(
            id="", rule=rule.name, kind="negative_share", severity=rule.severity or "warning",
            title=f"{share:.0%} of {entity.name}'s coverage is negative ({first}..{last})",
            summary=f"{round(negative):,} of {mentions:,} scored mentions negative in {o['days']} days "
                    f"(threshold {o['threshold']:.0%})",
            opened_at=_at(first), updated_at=now, entity_id=entity.id,
            evidence=Evidence(_documents(store, evidence), count=round(share, 4), baseline=float(o["threshold"]),
                              unit="negative share", tone=None if tone is None else round(tone, 4),
                              details={"subject": subject, "start": first.isoformat(), "end": last.isoformat(),
                                       "mentions": mentions}))
        out.append(Incident(subject, first, last, alert))
    return out


def _silence(store: Store, watchlist: Watchlist, rule: Rule, now: datetime, timezone: str) -> list[Incident]:
    o = rule.options
    out: list[Incident] = []
    for entity in _entities(watchlist, rule):
        if not entity.accounts:
            continue
        result = _analysis("withdrawal").run(store, watchlist, entity=entity.id, content_type=o["content_type"],
                                             timezone=timezone)
        for r in result.table.to_pylist():
            if r["row"] != "silence" or r["content_type"] != o["content_type"] or r["days_since_last"] is None:
                continue
            usual = r["p90_gap_days"]
            if usual is None or r["days_since_last"] < max(float(o["factor"]) * usual, float(o["min_days"])):
                continue
            if (r["confidence"] or 0.0) < o["min_confidence"]:
                continue
            account = f"{r['platform']}/{r['handle']}"
            subject = f"{account}/{r['content_type']}"
            kind = "posts" if r["content_type"] == "all" else f"{r['content_type']} posts"
            alert = Alert(
                id="", rule=rule.name, kind="silence", severity=rule.severity or "warning",
                title=f"{entity.name} silent on {r['platform']}: no {kind} for {r['days_since_last']:.0f} days",
                summary=f"last on {r['start']}; usually at most {usual:.1f} days apart (90th percentile), "
                        f"median {r['median_gap_days']:.1f}; collection running on {r['confidence']:.0%} of those days",
                opened_at=_at(r["start"]), updated_at=now, entity_id=entity.id, account=account,
                evidence=Evidence(_documents(store, r["evidence"] or []), count=float(r["days_since_last"]),
                                  baseline=float(usual), unit="days",
                                  details={"subject": subject, "start": r["start"].isoformat(),
                                           "end": r["start"].isoformat(), "content_type": r["content_type"],
                                           "confidence": round(float(r["confidence"] or 0.0), 4)}))
            out.append(Incident(subject, r["start"], r["start"], alert))
    return out


def _copy_share(store: Store, watchlist: Watchlist, rule: Rule, now: datetime, timezone: str) -> list[Incident]:
    o = rule.options
    result = _analysis("copied_posts").run(store, watchlist, by=o["by"], timezone=timezone)
    wanted = {e.id for e in _entities(watchlist, rule)}
    by_account: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in result.table.to_pylist():
        if r["entity_id"] in wanted:
            by_account.setdefault((r["entity_id"], r["platform"], r["handle"]), []).append(r)
    out: list[Incident] = []
    for (entity_id, platform, handle), rows in by_account.items():
        rows = sorted((r for r in rows if r["posts"] >= o["min_posts"]), key=lambda r: r["period"])
        if len(rows) < 2:
            continue
        latest, before = rows[-1], rows[-1 - int(o["periods"]):-1]
        usual = statistics.median(float(r["copy_share"]) for r in before)
        share = float(latest["copy_share"])
        if share < o["threshold"] or share - usual < o["jump"]:
            continue
        account = f"{platform}/{handle}"
        entity = watchlist.get(entity_id)
        copies = [pair["post_id"] for pair in latest["evidence"] or []]
        alert = Alert(
            id="", rule=rule.name, kind="copy_share", severity=rule.severity or "warning",
            title=(f"{entity.name}'s {platform} posts copy official posts: {share:.0%} in the {o['by']} of "
                   f"{latest['period']}"),
            summary=f"{latest['copies']} of {latest['posts']} posts copy an official post; usually {usual:.0%}",
            opened_at=_at(latest["period"]), updated_at=now, entity_id=entity_id, account=account,
            evidence=Evidence(_documents(store, copies), count=share, baseline=usual, unit="copy share",
                              details={"subject": account, "start": latest["period"].isoformat(),
                                       "end": latest["period"].isoformat(),
                                       "pairs": [dict(p) for p in (latest["evidence"] or [])][:EVIDENCE_DOCUMENTS]}))
        out.append(Incident(account, latest["period"], latest["period"], alert))
    return out


def _translations(store: Store, watchlist: Watchlist, rule: Rule, now: datetime, timezone: str) -> list[Incident]:
    from zoneinfo import ZoneInfo

    from limelight.timeseries.series import LOCAL

    last = _last_day(store, timezone)
    if last is None:
        return []
    o = rule.options
    first = last - timedelta(days=int(o["lookback_days"]))
    # The lineage read gives UTC instants: "local" days (each publisher's own offset) are UTC days here.
    where = UTC if timezone in (LOCAL, "UTC") else ZoneInfo(timezone)
    stories: dict[str, list[dict[str, Any]]] = {}
    for r in _analysis("stories").run(store, watchlist, view="documents").table.to_pylist():
        stories.setdefault(r["story_id"], []).append(r)
    out: list[Incident] = []
    for entity in _entities(watchlist, rule):
        about = set(store.documents_mentioning([entity.id]))
        if not about:
            continue
        # By origin across stories: a lineage may walk out of its story, so two stories can share one.
        by_origin: dict[str, list[tuple[date, dict[str, Any]]]] = {}
        for docs in stories.values():
            if about.isdisjoint(d["document_id"] for d in docs):
                continue
            for d in docs:
                if d["published_at"] is None or "translation" not in {step["via"] for step in d["lineage"]}:
                    continue
                day = d["published_at"].astimezone(where).date()
                if first <= day <= last:
                    by_origin.setdefault(d["origin_document"], []).append((day, d))
        for origin, found in by_origin.items():
            if len(found) < o["min_documents"]:
                continue
            found.sort(key=lambda x: (x[0], x[1]["document_id"]))
            start, end = found[0][0], found[-1][0]
            head = found[0][1]
            languages = sorted({str(d["language"]) for _, d in found})
            outlets = sorted({str(d["outlet"]) for _, d in found if d["outlet"]})
            newest = [d["document_id"] for _, d in reversed(found)]
            labels = _documents(store, [origin])
            title = labels[0].title if labels else origin
            n = len(found)
            subject = f"{entity.id}/{origin}"
            alert = Alert(
                id="", rule=rule.name, kind="translation", severity=rule.severity or "info",
                title=(f"{n} translation{'s' if n != 1 else ''} of a story about {entity.name} "
                       f"({head['origin_language']} → {', '.join(languages)}): {title}"),
                summary=(f"{', '.join(outlets) or 'unknown outlets'} carried it {start}..{end}; the origin is "
                         f"{head['origin_outlet'] or origin} ({head['origin_language']})"),
                opened_at=_at(start), updated_at=now, entity_id=entity.id,
                evidence=Evidence((*_documents(store, newest), *labels)[:EVIDENCE_DOCUMENTS], count=float(n),
                                  unit="translated documents",
                                  details={"subject": subject, "start": start.isoformat(), "end": end.isoformat(),
                                           "stories": sorted({d["story_id"] for _, d in found}),
                                           "origin_document": origin,
                                           "origin_language": head["origin_language"], "languages": languages,
                                           "chains": [[step["via"] for step in d["lineage"]][1:]
                                                      for _, d in found][:EVIDENCE_DOCUMENTS]}))
            # One alert per origin: its id is the origin's, so more translations grow it.
            out.append(Incident(subject, start, end, alert, key=origin, overlaps=False))
    return out


def _saved_search(store: Store, watchlist: Watchlist, rule: Rule, now: datetime, timezone: str) -> list[Incident]:
    from limelight import search

    wanted = rule.options.get("search")
    out: list[Incident] = []
    for saved in search.saved(store):
        if wanted is not None and saved.name != wanted:
            continue
        page = search.new_matches(store, saved.name, watchlist, limit=EVIDENCE_DOCUMENTS, default_timezone=timezone)
        if not page.hits:
            continue
        since = saved.last_seen_at or saved.created_at
        total = page.total if page.total is not None else len(page.hits)
        subject = f"search:{saved.name}"
        alert = Alert(
            id="", rule=rule.name, kind="saved_search", severity=rule.severity or "info",
            title=f"{total:,} new match{'es' if total != 1 else ''} for the saved search {saved.name!r}",
            summary=f"{saved.query} — stored since {since.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
            opened_at=since.astimezone(UTC), updated_at=now,
            evidence=Evidence(tuple(EvidenceDocument(h.document_id, h.title or h.snippet[:160], h.url, h.published_at,
                                                     f"{h.platform}/{h.handle}" if h.platform != "web" else h.handle)
                                    for h in page.hits), count=float(total), unit="documents",
                              details={"subject": subject, "start": since.date().isoformat(),
                                       "end": since.date().isoformat(), "query": saved.query}))
        out.append(Incident(subject, since.date(), since.date(), alert, key=since.astimezone(UTC).isoformat(),
                             overlaps=False))
    return out


BUILT_IN: tuple[RuleKind, ...] = (
    RuleKind("storm", "A storm of coverage or of negative coverage", _storms,
             {"sensitivity": "balanced", "signal": "any", "lookback_days": 30, "cooldown": 7},
             {k: _CHOICES[k] for k in ("sensitivity", "signal")}, requires=("storms",)),
    RuleKind("negative_share", "Negative share over a threshold", _negative_share,
             {"threshold": 0.5, "days": 7, "min_mentions": 10}, requires=("tone",)),
    RuleKind("silence", "An account silent for longer than its usual gap", _silence,
             {"content_type": "livestream", "factor": 1.0, "min_days": 3, "min_confidence": 0.5},
             requires=("withdrawal",)),
    RuleKind("copy_share", "An account's copy share jumping", _copy_share,
             {"threshold": 0.5, "jump": 0.3, "min_posts": 3, "periods": 4, "by": "week"},
             {"by": _CHOICES["by"]}, requires=("copied_posts",)),
    RuleKind("translation", "A new translation of a watched story", _translations,
             {"lookback_days": 30, "min_documents": 1}, requires=("stories",)),
    RuleKind("saved_search", "New matches of a saved search", _saved_search, {"search": None}),
)


def register(registry: Registry) -> None:
    for kind in BUILT_IN:
        registry.register("alert_rule", kind)
