"""The JSON API in-process (httpx's ASGI transport) on a small SYNTHETIC project (tests/_web_project.py):
every endpoint answers, filters narrow, bad values are 400s naming the allowed ones, pagination walks
every row once, cursors cannot be forged, the token and the security headers hold."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from _web_project import DOCUMENTS, WATCHLIST, Client, corpus, make_project, undated
from limelight import api
from limelight import search as search_module
from limelight.cli import main
from limelight.errors import UsageError
from limelight.listing import Position
from limelight.project import Project
from limelight.web import cursor
from limelight.web.app import create_app
from limelight.web.cache import AnswerCache
from limelight.web.security import CONTENT_SECURITY_POLICY
from limelight.web.server import check_bind

ITEMS = corpus()
DATED = sum(not undated(n) for n in range(DOCUMENTS))
UNDATED = DOCUMENTS - DATED


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return make_project(tmp_path_factory.mktemp("web") / "project")


@pytest.fixture(scope="module")
def client(project: Project) -> Client:
    return Client(create_app(project))


def ok(client: Client, path: str, **params: object) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def bad(client: Client, path: str, **params: object) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] and isinstance(body["allowed"], list)
    return body


def expected_documents(predicate) -> int:
    return sum(1 for item in ITEMS if predicate(item))


# -- every endpoint ----------------------------------------------------------------------------

ENDPOINTS = {
    "/api/entities": {}, "/api/visibility": {"by": "month"}, "/api/share_of_voice": {"by": "month"},
    "/api/tone": {"by": "month"}, "/api/storms": {"entity": "kestrel"},
    "/api/spillover": {"a": "rival", "b": "kestrel", "by": "week", "permutations": 19, "max_lag": 2},
    "/api/spillover/matrix": {"entities": "rival,kestrel", "by": "week", "permutations": 19, "max_lag": 2},
    "/api/withdrawal": {}, "/api/copies": {"by": "month"}, "/api/stories": {}, "/api/lineage": {},
    "/api/documents": {}, "/api/mentions": {}, "/api/alerts": {},
}


def test_web_api_every_endpoint_answers_with_rows_and_its_timezone(client: Client) -> None:
    for path, params in ENDPOINTS.items():
        response = client.get(path, params=params)
        assert response.status_code == 200, (path, response.text)
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        assert body["timezone"] == "UTC", path  # the project's report.timezone
        assert isinstance(body["rows"], list) and isinstance(body["notes"], list), path
    alerts = ok(client, "/api/alerts")
    assert (alerts["rows"], alerts["total"], alerts["next"]) == ([], 0, None)  # empty, not missing
    for path in ("/api/visibility", "/api/tone", "/api/entities", "/api/documents", "/api/mentions"):
        assert ok(client, path, **ENDPOINTS[path])["rows"], path


def test_web_api_alerts_lists_what_is_stored_filtered_and_paged(tmp_path: Path) -> None:
    """The alerts the watcher stores come back newest change first, filtered by entity, status,
    severity and day, paged on with a signed cursor; a bad value is a 400 that names the allowed."""
    from limelight.alerts.model import Alert, Evidence, EvidenceDocument, alert_id

    project = make_project(tmp_path / "project")
    at = datetime(2024, 3, 1, 23, 30, tzinfo=UTC)  # 2024-03-02 in Asia/Shanghai

    def alert(n: int, entity: str, **changes: Any) -> Alert:
        opened = at + timedelta(days=n)
        return replace(Alert(
            id=alert_id("storm", entity, opened), rule="storm", kind="storm", severity="warning",
            title=f"<img src=x onerror=alert(1)> storm {n}", summary="SYNTHETIC", opened_at=opened, updated_at=opened,
            entity_id=entity, evidence=Evidence((EvidenceDocument("d1", "雷军", "https://example.org/1"),), count=9,
                                                baseline=2.0)), **changes)

    stored = [alert(0, "kestrel"), alert(1, "kestrel", severity="critical"), alert(2, "rival"),
              alert(3, "kestrel", status="closed", closed_at=at + timedelta(days=4))]
    store = project.open_store()
    try:
        store.upsert_alerts(stored)
    finally:
        store.close()
    client = Client(create_app(project))
    newest_first = [a.id for a in stored[::-1]]
    every = ok(client, "/api/alerts")
    assert [r["id"] for r in every["rows"]] == newest_first and every["total"] == 4 and every["next"] is None
    assert every["rows"][0]["evidence"]["documents"][0]["title"] == "雷军"
    assert every["rows"][-1]["title"].startswith("<img")  # JSON carries the text as it is; pages escape it
    assert [r["id"] for r in ok(client, "/api/alerts", entity="kestrel", status="open")["rows"]] == [
        stored[1].id, stored[0].id]
    assert [r["id"] for r in ok(client, "/api/alerts", severity="critical")["rows"]] == [stored[1].id]
    # days in the time zone: 23:30 UTC on 2024-03-01 is 2024-03-02 in Shanghai
    assert [r["id"] for r in ok(client, "/api/alerts", until="2024-03-01")["rows"]] == [stored[0].id]
    shanghai = ok(client, "/api/alerts", until="2024-03-01", timezone="Asia/Shanghai")
    assert shanghai["rows"] == [] and shanghai["total"] == 0
    assert ok(client, "/api/alerts", since="2024-03-02", timezone="Asia/Shanghai")["total"] == 4
    assert ok(client, "/api/alerts", timezone="Asia/Shanghai")["rows"][-1]["opened_at"].endswith("+08:00")
    # pages of 3 and 1, the cursor bound to its filters
    first = ok(client, "/api/alerts", limit=3)
    assert first["total"] == 4 and first["next"]
    rest = ok(client, "/api/alerts", limit=3, next=first["next"])
    assert [r["id"] for r in first["rows"] + rest["rows"]] == newest_first and rest["next"] is None
    assert bad(client, "/api/alerts", limit=3, status="open", next=first["next"])["parameter"] == "next"
    assert "critical" in bad(client, "/api/alerts", severity="urgent")["allowed"]
    assert bad(client, "/api/alerts", status="snoozed")["allowed"] == ["open", "closed"]


def test_web_api_openapi_lists_every_endpoint_with_a_summary(client: Client) -> None:
    schema = ok(client, "/openapi.json")
    for path in [*ENDPOINTS, "/api/documents/export", "/api/mentions/export", "/api/documents/{document_id}"]:
        operation = schema["paths"][path]["get"]
        assert operation["summary"], path
    names = {p["name"] for p in schema["paths"]["/api/documents"]["get"]["parameters"]}
    assert {"entity", "since", "until", "language", "role", "source", "platform", "kind", "limit", "next"} <= names
    page = client.get("/docs")
    assert page.status_code == 200 and "<script" not in page.text
    assert "/api/share_of_voice" in page.text


def test_web_api_visibility_counts_dated_mentions_in_the_stated_zone(client: Client) -> None:
    body = ok(client, "/api/visibility", by="month", entity="kestrel", timezone="Asia/Shanghai")
    assert body["timezone"] == "Asia/Shanghai" and body["options"]["timezone"] == "Asia/Shanghai"
    assert sum(r["mentions"] for r in body["rows"]) == DATED  # one Kestrel mention per dated document
    assert all(len(r["period"]) == 10 and r["period"].endswith("-01") for r in body["rows"])  # ISO dates
    assert sum(r["headline"] + r["lead"] for r in body["rows"]) == DATED  # counts by role
    # Documents without a date are in no period, and the answer says how many there are.
    assert body["undated_documents"] == UNDATED
    assert any("without a date" in note for note in body["notes"])


def test_web_api_entities_give_volume_in_range_and_undated_apart(client: Client) -> None:
    rows = {r["id"]: r for r in ok(client, "/api/entities")["rows"]}
    assert list(rows) == ["kestrel", "han", "rival"]
    assert rows["kestrel"]["documents"] == DATED and rows["kestrel"]["undated_documents"] == UNDATED
    assert rows["kestrel"]["accounts"] == [{"platform": "weibo", "handle": "kestrel"}]
    assert rows["rival"]["name"] == "Rival <img src=x onerror=alert(1)>"  # data, as stored
    ranged = {r["id"]: r for r in ok(client, "/api/entities", since="2024-02-01", until="2024-02-29")["rows"]}
    want = expected_documents(lambda i: i.document.published_at is not None
                              and i.document.published_at.month == 2)
    assert ranged["kestrel"]["documents"] == want and ranged["kestrel"]["undated_documents"] == 0


def test_web_api_spillover_matrix_answers_every_pair_in_one_request(client: Client) -> None:
    options = {"by": "week", "permutations": 19, "max_lag": 2, "language": "de,en"}
    body = ok(client, "/api/spillover/matrix", entities="kestrel,han,rival", **options)
    pairs = [(a, b) for a in ("kestrel", "han", "rival") for b in ("kestrel", "han", "rival") if a != b]
    assert [tuple(p) for p in body["pairs"]] == pairs and len(pairs) == 3 * 2
    assert {(r["a"], r["b"]) for r in body["rows"]} == set(pairs)
    lags = {(r["a"], r["b"], r["lag"]) for r in body["rows"] if r["measure"] == "cross_correlation"}
    assert len(lags) == 6 * 5  # lags -2..2 for every pair
    for a, b in (("rival", "kestrel"), ("han", "kestrel")):  # the same numbers as the pair's own endpoint
        one = ok(client, "/api/spillover", a=a, b=b, **options)
        assert one["rows"] and [r for r in body["rows"] if (r["a"], r["b"]) == (a, b)] == one["rows"]
        assert set(one["documents"]) <= set(body["documents"])
        assert set(one["notes"]) <= set(body["notes"])
    assert body["options"]["language"] == "de,en" and body["undated_documents"] == one["undated_documents"]
    assert bad(client, "/api/spillover/matrix", entities="kestrel,nobody")["parameter"] == "entities"
    assert bad(client, "/api/spillover/matrix", entities="kestrel")["parameter"] == "entities"
    assert bad(client, "/api/spillover/matrix")["parameter"] == "entities"
    too_many = bad(client, "/api/spillover/matrix", entities="kestrel,han,rival,a,b,c")
    assert too_many["parameter"] == "entities"
    assert bad(client, "/api/spillover/matrix", entities="kestrel,han", a="kestrel")["parameter"] == "a"
    assert bad(client, "/api/spillover/matrix", entities="kestrel,han", max_lag=0)["parameter"] == "max_lag"


def test_web_api_spillover_matrix_is_capped(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from limelight.web import api as web_api

    monkeypatch.setattr(web_api, "SPILLOVER_MAX", 2)
    body = bad(client, "/api/spillover/matrix", entities="kestrel,han,rival")
    assert body["parameter"] == "entities" and "2 to 2" in body["error"]


# -- filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("params", "predicate"), [
    ({"language": "de"}, lambda i: i.document.language == "de"),
    ({"platform": "x"}, lambda i: i.document.source.platform == "x"),
    ({"kind": "article"}, lambda i: i.document.kind == "article"),
    ({"source": "news.example.com"}, lambda i: i.document.source.handle == "news.example.com"),
    ({"entity": "rival"}, lambda i: any(m.entity_id == "rival" for m in i.mentions)),
    ({"role": "quoted"}, lambda i: any(m.role == "quoted" for m in i.mentions)),
    ({"since": "2024-03-01", "until": "2024-03-10"},
     lambda i: i.document.published_at is not None and "2024-03-01" <= i.document.published_at.date().isoformat()
     <= "2024-03-10"),
    ({"platform": "web", "language": "zh", "entity": "han"},
     lambda i: i.document.source.platform == "web" and i.document.language == "zh"
     and any(m.entity_id == "han" for m in i.mentions)),
])
def test_web_api_each_filter_narrows_the_documents(client: Client, params: dict, predicate) -> None:
    want = expected_documents(predicate)
    assert 0 < want < DOCUMENTS
    body = ok(client, "/api/documents", limit=500, **params)
    assert body["total"] == want
    assert len(body["rows"]) == min(want, 500)
    if "language" in params:
        assert {r["language"] for r in body["rows"]} == {params["language"]}
    if "platform" in params:
        assert {r["platform"] for r in body["rows"]} == {params["platform"]}


def test_web_api_filters_narrow_mentions_and_analyses(client: Client) -> None:
    everything = ok(client, "/api/mentions")["total"]
    assert everything == sum(len(i.mentions) for i in ITEMS)
    quoted = ok(client, "/api/mentions", role="quoted", limit=500)
    assert quoted["total"] == sum(m.role == "quoted" for i in ITEMS for m in i.mentions)
    assert {r["role"] for r in quoted["rows"]} == {"quoted"} and {r["entity_id"] for r in quoted["rows"]} == {"han"}
    on_x = ok(client, "/api/visibility", by="month", entity="kestrel", platform="x")
    want = expected_documents(lambda i: i.document.source.platform == "x" and i.document.published_at is not None)
    assert sum(r["mentions"] for r in on_x["rows"]) == want
    german = ok(client, "/api/tone", by="month", entity="kestrel", language="de")
    assert sum(r["mentions"] for r in german["rows"]) == expected_documents(
        lambda i: i.document.language == "de" and i.document.published_at is not None)


@pytest.mark.parametrize(("path", "params", "parameter", "allowed"), [
    ("/api/documents", {"role": "boss"}, "role", "headline"),
    ("/api/documents", {"entity": "nobody"}, "entity", "kestrel"),
    ("/api/mentions", {"kind": "video"}, "kind", "article"),
    ("/api/documents", {"since": "yesterday"}, "since", "YYYY-MM-DD"),
    ("/api/documents", {"limit": "501"}, "limit", "1..500"),
    ("/api/documents", {"limit": "ten"}, "limit", "1..500"),
    ("/api/documents", {"entitty": "kestrel"}, "entitty", "entity"),
    ("/api/visibility", {"by": "year"}, "by", "month"),
    ("/api/visibility", {"role": "boss"}, "role", "quoted"),
    ("/api/storms", {"window": "3"}, "window", "7..3660"),
    ("/api/storms", {"own_posts": "maybe"}, "own_posts", "true"),
    ("/api/tone", {"entity": "nobody"}, "entity", "rival"),
    ("/api/tone", {"role": "lead"}, "role", "by"),  # tone has no role filter: the answer lists its own
    ("/api/spillover", {"a": "kestrel", "b": "nobody"}, "b", "han"),
    ("/api/entities", {"kind": "articel"}, "kind", "press_release"),
    ("/api/alerts", {"limit": "0"}, "limit", "1..500"),
])
def test_web_api_bad_filter_is_400_naming_the_allowed_values(client: Client, path: str, params: dict,
                                                             parameter: str, allowed: str) -> None:
    body = bad(client, path, **params)
    assert body["parameter"] == parameter
    assert allowed in body["allowed"], body


def test_web_api_bad_values_without_a_list_are_400_with_a_hint(client: Client) -> None:
    for path, params in (("/api/documents", {"timezone": "Mars/Olympus"}),
                         ("/api/documents", {"language": "deutsch!"}),
                         ("/api/documents", {"since": "2024-03-02", "until": "2024-03-01"}),
                         ("/api/spillover", {"a": "kestrel", "b": "kestrel"}),
                         ("/api/visibility", {"source": "/"})):
        body = bad(client, path, **params)
        assert body.get("hint") or body.get("parameter"), (path, body)


# -- pagination --------------------------------------------------------------------------------


def walk(client: Client, path: str, **params: object) -> tuple[list[dict], list[int]]:
    rows: list[dict] = []
    totals = []
    cursor = None
    for _ in range(100):
        body = ok(client, path, **params, **({"next": cursor} if cursor else {}))
        rows += body["rows"]
        totals.append(body["total"])
        cursor = body["next"]
        if cursor is None:
            return rows, totals
    raise AssertionError("the pages did not end")


def test_web_api_pagination_walks_every_document_once_newest_first(client: Client) -> None:
    rows, totals = walk(client, "/api/documents", limit=97)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)) == DOCUMENTS and set(totals) == {DOCUMENTS}
    dated = [r["published_at"] for r in rows if r["published_at"] is not None]
    assert dated == sorted(dated, reverse=True)
    # the undated documents come last, never placed among the dated
    assert [r["published_at"] for r in rows[-UNDATED:]] == [None] * UNDATED
    assert rows[0]["snippet"].startswith("Kestrel news") and "text" not in rows[0]
    assert {e["entity_id"] for e in rows[0]["entities"]} >= {"kestrel"}


def test_web_api_pagination_of_mentions_with_a_filter(client: Client) -> None:
    rows, totals = walk(client, "/api/mentions", limit=200, language="de", entity="kestrel,han")
    want = sum(1 for i in ITEMS if i.document.language == "de" for m in i.mentions if m.entity_id in ("kestrel", "han"))
    assert len(rows) == want and set(totals) == {want}
    assert len({r["id"] for r in rows}) == want
    assert Counter(r["entity_id"] for r in rows).keys() == {"kestrel", "han"}


def test_web_api_tampered_or_foreign_cursor_is_400(client: Client) -> None:
    cursor = ok(client, "/api/documents", limit=10)["next"]
    body, tag = cursor.split(".")
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    for forged in (f"{flipped}.{tag}", f"{body}.{tag[::-1]}", "not-a-cursor", cursor + "x"):
        assert bad(client, "/api/documents", limit=10, next=forged)["parameter"] == "next"
    # a real cursor, but for other filters or another list
    assert bad(client, "/api/documents", limit=10, language="de", next=cursor)["parameter"] == "next"
    assert bad(client, "/api/mentions", limit=10, next=cursor)["parameter"] == "next"
    assert ok(client, "/api/documents", limit=10, next=cursor)["rows"]


# -- one document ------------------------------------------------------------------------------


def test_web_api_document_has_text_captions_attribution_mentions_and_links(client: Client) -> None:
    item = ITEMS[12]  # n = 12: an article with a caption, three mentions
    doc = ok(client, f"/api/documents/{item.document.id}")["document"]
    assert doc["text"] == item.document.text and doc["captions"] == ["Kestrel caption 12"]
    assert doc["platform"] == "web" and doc["published_at"] == item.document.published_at.isoformat()
    assert [(m["entity_id"], m["role"]) for m in doc["mentions"]] == [
        ("kestrel", "headline"), ("han", "quoted"), ("rival", "body")]
    copy = ITEMS[5]  # attributes itself to https://example.org/0, which is stored (n = 0)
    doc = ok(client, f"/api/documents/{copy.document.id}")["document"]
    assert doc["attribution_url"] == "https://example.org/0"
    (link,) = doc["links"]
    assert (link["direction"], link["kind"], link["to_id"]) == ("out", "attribution", ITEMS[0].document.id)
    origin = ok(client, f"/api/documents/{ITEMS[0].document.id}")["document"]
    assert {(x["direction"], x["from_id"]) for x in origin["links"]} == {
        ("in", ITEMS[5].document.id), ("in", ITEMS[9].document.id)}
    undated_doc = ok(client, f"/api/documents/{ITEMS[7].document.id}")
    assert undated_doc["document"]["published_at"] is None and undated_doc["notes"]
    missing = client.get("/api/documents/nope")
    assert missing.status_code == 404 and missing.json()["parameter"] == "document_id"


# -- security ----------------------------------------------------------------------------------


def test_web_api_security_headers_on_every_response(client: Client) -> None:
    for path, params in (("/api/documents", {}), ("/api/documents", {"role": "boss"}), ("/nothing", {}),
                         ("/docs", {}), ("/api/documents/export", {"format": "jsonl", "language": "de"})):
        response = client.get(path, params=params)
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    for part in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'",
                 "frame-ancestors 'none'"):
        assert part in CONTENT_SECURITY_POLICY


def test_web_api_token_is_required_when_set(project: Project) -> None:
    guarded = Client(create_app(project, token="synthetic-token-123"))
    refused = guarded.get("/api/entities")
    assert refused.status_code == 401 and refused.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert guarded.get("/api/entities", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert guarded.get("/openapi.json").status_code == 401
    assert guarded.get("/api/entities", headers={"Authorization": "Bearer synthetic-token-123"}).status_code == 200
    assert guarded.get("/api/entities", params={"token": "synthetic-token-123"}).status_code == 200


def test_web_api_local_server_answers_only_its_own_host_names(project: Project) -> None:
    local = create_app(project, hosts=("127.0.0.1", "localhost", "::1"))
    assert Client(local).get("/api/entities").status_code == 400  # Host: testserver (DNS rebinding)
    assert Client(local).get("/api/entities", headers={"Host": "localhost:8000"}).status_code == 200
    assert Client(local).get("/api/entities", headers={"Host": "[::1]:8000"}).status_code == 200


def test_web_api_non_local_bind_without_token_is_refused(project: Project, tmp_path: Path) -> None:
    for host in ("0.0.0.0", "192.168.1.20", "example.org", "::"):
        with pytest.raises(UsageError, match="without a token"):
            check_bind(host, None)
        check_bind(host, "synthetic-token-123")  # with one it may
    check_bind("127.0.0.1", None)
    with pytest.raises(UsageError, match="empty"):
        check_bind("127.0.0.1", " ")
    result = CliRunner().invoke(main, ["serve", "--project", str(project.root), "--host", "0.0.0.0"],
                             env={"LIMELIGHT_TOKEN": None})
    assert result.exit_code == 2
    assert "without a token" in result.output and "--token" in result.output


def test_web_api_limelight_serve_answers_over_http(project: Project) -> None:
    """A real server in a subprocess: binds 127.0.0.1, answers with the headers, stops on SIGINT."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "LIMELIGHT_TOKEN": ""}
    env.pop("LIMELIGHT_TOKEN")
    server = subprocess.Popen([sys.executable, "-m", "limelight.cli", "serve", "--project", str(project.root),
                               "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/entities", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        assert response.status_code == 200
        assert [r["id"] for r in response.json()["rows"]] == ["kestrel", "han", "rival"]
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "server" not in response.headers
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# -- the project on disk: reloads and the cursor secret -----------------------------------------


def test_web_api_watchlist_edit_is_served_without_a_restart_and_a_broken_one_keeps_the_last(
        tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    client = Client(create_app(project, reload_interval=0))
    assert [r["id"] for r in ok(client, "/api/entities")["rows"]] == ["kestrel", "han", "rival"]
    watchlist = project.root / "watchlist.toml"
    grown = WATCHLIST + '\n[[entity]]\nid = "osprey"\nkind = "org"\nname = "Osprey"\naliases = ["Osprey"]\n'
    watchlist.write_text(grown, encoding="utf-8")
    body = ok(client, "/api/entities")
    assert [r["id"] for r in body["rows"]] == ["kestrel", "han", "rival", "osprey"]
    assert not any("do not load" in n or "still serving" in n for n in body["notes"])
    assert client.get("/api/visibility", params={"entity": "osprey", "by": "month"}).status_code == 200
    watchlist.write_text(grown + "\n[[entity]\nid = ", encoding="utf-8")  # a TOML syntax error
    response = client.get("/api/entities")
    assert response.status_code == 200
    body = response.json()
    assert [r["id"] for r in body["rows"]] == ["kestrel", "han", "rival", "osprey"]
    assert any("watchlist.toml" in n and "syntax error" in n for n in body["notes"]), body["notes"]
    assert "syntax error" in response.headers["x-limelight-config-error"]
    assert "syntax error" in client.get("/api/documents", params={"limit": 1}).json()["notes"][0]
    # the settings file is watched too: a fix of the watchlist and a broken limelight.toml
    watchlist.write_text(WATCHLIST, encoding="utf-8")
    settings = project.root / "limelight.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + "\n[report\n", encoding="utf-8")
    body = ok(client, "/api/entities")
    assert [r["id"] for r in body["rows"]] == ["kestrel", "han", "rival", "osprey"]
    assert any("limelight.toml" in n for n in body["notes"])
    settings.write_text(settings.read_text(encoding="utf-8").replace("\n[report\n", "\n"), encoding="utf-8")
    body = ok(client, "/api/entities")
    assert [r["id"] for r in body["rows"]] == ["kestrel", "han", "rival"] and "x-limelight-config-error" not in \
        client.get("/api/entities").headers


def test_web_api_files_are_looked_at_at_most_once_per_interval(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    client = Client(create_app(project, reload_interval=3600))
    (project.root / "watchlist.toml").write_text("", encoding="utf-8")
    assert len(ok(client, "/api/entities")["rows"]) == 3  # not looked at again yet


def test_web_api_cursors_survive_a_restart(project: Project) -> None:
    first, second = Client(create_app(project)), Client(create_app(project))
    page = ok(first, "/api/documents", limit=10)
    after = ok(second, "/api/documents", limit=10, next=page["next"])
    assert after["rows"] and after["rows"][0]["id"] not in {r["id"] for r in page["rows"]}
    hits = ok(first, "/api/search", q="Kestrel", limit=5)
    more = ok(second, "/api/search", q="Kestrel", limit=5, next=hits["next"])
    assert more["rows"] and {r["document_id"] for r in more["rows"]}.isdisjoint(r["document_id"] for r in hits["rows"])
    secret = cursor.secret_path(project)
    assert secret.exists() and secret.stat().st_mode & 0o777 == 0o600 and len(secret.read_bytes()) == 32
    # an explicit secret still wins: the project's cursors are foreign to it
    other = Client(create_app(project, cursor_secret=b"another synthetic secret"))
    assert bad(other, "/api/documents", limit=10, next=page["next"])["parameter"] == "next"


def test_web_api_search_cursor_is_signed(client: Client) -> None:
    hits = ok(client, "/api/search", q="Kestrel", limit=5)
    token, tag = hits["next"].rsplit(".", 1)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    edited = base64.urlsafe_b64encode(raw.replace(b'"i":"', b'"i":"0')).decode().rstrip("=")
    unsigned = search_module._encode(Position(None, "0" * 20), json.loads(raw)["k"])
    for forged in (f"{edited}.{tag}", token, unsigned, f"{token}.{tag[::-1]}", hits["next"] + "x"):
        assert bad(client, "/api/search", q="Kestrel", limit=5, next=forged)["parameter"] == "next"
    # bound to the query and the filters
    assert bad(client, "/api/search", q="Rival", limit=5, next=hits["next"])["parameter"] == "next"
    assert bad(client, "/api/search", q="Kestrel", language="de", limit=5, next=hits["next"])["parameter"] == "next"
    assert ok(client, "/api/search", q="Kestrel", limit=5, next=hits["next"])["rows"]


def test_web_api_lineage_narrowed_to_one_story(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    ids = [item.document.id for item in ITEMS]
    store = project.open_store()
    try:  # SYNTHETIC stories: two of three documents, and a pair
        store.replace_stories([(ids[0], "story-aaaaaaaaaaaa", "link"), (ids[5], "story-aaaaaaaaaaaa", "link"),
                               (ids[9], "story-aaaaaaaaaaaa", "link"), (ids[1], "story-bbbbbbbbbbbb", "link"),
                               (ids[2], "story-bbbbbbbbbbbb", "link")])
    finally:
        store.close()
    client = Client(create_app(project))
    every = ok(client, "/api/lineage")["rows"]
    assert {r["story_id"] for r in every} == {"story-aaaaaaaaaaaa", "story-bbbbbbbbbbbb"} and len(every) == 5
    one = ok(client, "/api/lineage", story="story-aaaaaaaaaaaa")["rows"]
    assert sorted(r["document_id"] for r in one) == sorted([ids[0], ids[5], ids[9]])
    assert ok(client, "/api/lineage", story="story-cccccccccccc")["rows"] == []  # unknown: empty, not an error
    assert [r["story_id"] for r in ok(client, "/api/stories", story="story-bbbbbbbbbbbb")["rows"]] == [
        "story-bbbbbbbbbbbb"]
    for malformed in ("story aaaa", "<b>", "a" * 300):
        assert bad(client, "/api/lineage", story=malformed)["parameter"] == "story"
    schema = ok(client, "/openapi.json")
    assert "story" in {p["name"] for p in schema["paths"]["/api/lineage"]["get"]["parameters"]}


# -- cached answers -----------------------------------------------------------------------------


def test_web_api_answers_are_cached_until_the_store_changes(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    client = Client(create_app(project, stale_seconds=0))
    params = {"by": "month", "entity": "kestrel"}
    first = client.get("/api/visibility", params=params)
    again = client.get("/api/visibility", params=params)
    assert (first.headers["x-limelight-cache"], again.headers["x-limelight-cache"]) == ("miss", "hit")
    assert again.content == first.content and again.headers["content-type"].startswith("application/json")
    assert again.headers["cache-control"] == "no-store"
    # the same question asked another way is the same answer; a token is not part of the question
    same = client.get("/api/visibility?entity=kestrel&by=month&since=&token=synthetic")
    assert same.headers["x-limelight-cache"] == "hit"
    entities = client.get("/api/entities")
    assert entities.headers["x-limelight-cache"] == "miss"
    assert client.get("/api/entities").headers["x-limelight-cache"] == "hit"
    # a write through the library API: the next answer is computed again, with the new numbers
    item = ITEMS[1]
    newer = replace(item, document=replace(item.document, id="synthetic-new", origin="synthetic#new",
                                           url="https://example.org/new", canonical_url="https://example.org/new"),
                    mentions=tuple(replace(m, document_id="synthetic-new") for m in item.mentions), links=())
    store = project.open_store()
    try:
        run = store.start_run(["synthetic/new"], {"synthetic": True})
        assert store.write([newer], run).new == 1
        store.finish_run(run, {"new": 1})
    finally:
        store.close()
    after = client.get("/api/visibility", params=params)
    assert after.headers["x-limelight-cache"] == "miss"
    mentions = lambda response: sum(r["mentions"] for r in response.json()["rows"])  # noqa: E731
    assert mentions(after) == mentions(first) + 1
    rows = {r["id"]: r for r in client.get("/api/entities").json()["rows"]}
    assert rows["kestrel"]["documents"] == DATED + 1
    # errors are never kept
    for _ in range(2):
        refused = client.get("/api/visibility", params={"by": "fortnight"})
        assert refused.status_code == 400 and refused.headers.get("x-limelight-cache") != "hit"
    # lists, a document, search and alerts are kept too, each page by its cursor; exports never are
    page = client.get("/api/documents", params={"limit": 1})
    later = {"limit": 1, "next": page.json()["next"]}
    for path, params in (("/api/documents", {"limit": 1}), ("/api/documents", later),
                         ("/api/mentions", {"limit": 2}), ("/api/search", {"q": "Kestrel"}), ("/api/alerts", {}),
                         ("/api/documents/" + page.json()["rows"][0]["id"], {})):
        answers = [client.get(path, params=params) for _ in range(2)]
        assert [a.headers["x-limelight-cache"] for a in answers] in (["miss", "hit"], ["hit", "hit"]), path
        assert answers[0].content == answers[1].content
    assert client.get("/api/documents", params=later).json()["rows"] != page.json()["rows"]
    assert "x-limelight-cache" not in client.get("/api/documents/export", params={"format": "jsonl"}).headers
    for _ in range(2):
        missing = client.get("/api/documents/no-such-id")
        assert missing.status_code == 404 and missing.headers.get("x-limelight-cache") != "hit"


def test_web_api_cached_answers_do_not_open_the_store_until_a_commit_lands(tmp_path: Path) -> None:
    """A hit costs a few stat calls, not a store open: the generation is read again only when the
    store's files changed, as they do on a commit of a writer that keeps the store open."""
    project = make_project(tmp_path / "project")
    app = create_app(project, stale_seconds=0)
    app.state.generation_probe = probe = api.GenerationProbe(max_age=3600)
    client = Client(app)
    params = {"by": "month", "entity": "kestrel"}
    assert client.get("/api/visibility", params=params).headers["x-limelight-cache"] == "miss"
    opened = probe.reads
    for _ in range(5):
        assert client.get("/api/visibility", params=params).headers["x-limelight-cache"] == "hit"
    assert probe.reads == opened
    item = ITEMS[1]
    newer = replace(item, document=replace(item.document, id="synthetic-held", origin="synthetic#held",
                                           url="https://example.org/held", canonical_url="https://example.org/held"),
                    mentions=tuple(replace(m, document_id="synthetic-held") for m in item.mentions), links=())
    writer = project.open_store()  # held open: the app reads through its service meanwhile
    try:
        run = writer.start_run(["synthetic/held"], {"synthetic": True})
        assert writer.write([newer], run).new == 1
        writer.finish_run(run, {"new": 1})
        after = client.get("/api/visibility", params=params)
        assert after.headers["x-limelight-cache"] == "miss" and probe.reads == opened + 1
    finally:
        writer.close()


def test_web_api_cache_is_bounded_by_bytes(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    asked = [{"by": "month", "entity": entity} for entity in ("kestrel", "han", "rival")]
    sizes = [len(Client(create_app(project, cache_bytes=0)).get("/api/visibility", params=p).content) for p in asked]
    app = create_app(project, cache_bytes=sizes[1] + sizes[2])  # room for the last two only
    client = Client(app)
    for params in asked:
        assert client.get("/api/visibility", params=params).headers["x-limelight-cache"] == "miss"
    cache = app.state.answer_cache
    assert cache.size == sizes[1] + sizes[2] <= cache.max_bytes and cache.evictions == 1 and len(cache) == 2
    # the least recently used went first
    assert [client.get("/api/visibility", params=p).headers["x-limelight-cache"] for p in asked[::-1]] == [
        "hit", "hit", "miss"]
    off = Client(create_app(project, cache_bytes=0))
    assert off.get("/api/entities").headers["x-limelight-cache"] == "off"


def test_web_api_answer_cache_drops_least_recently_used() -> None:
    cache = AnswerCache(max_bytes=10)
    cache.put(("a",), 1, b"1234")
    cache.put(("b",), 1, b"1234")
    assert cache.get(("a",), 1) == (b"1234", False)  # a is now the most recently used
    cache.put(("c",), 1, b"1234")
    assert cache.get(("b",), 1) is None and cache.get(("a",), 1) == (b"1234", False)
    assert cache.get(("c",), 1) == (b"1234", False)
    cache.put(("huge",), 1, b"x" * 11)  # larger than the bound: not kept, nothing dropped for it
    assert cache.get(("huge",), 1) is None and len(cache) == 2 and cache.size == 8


def test_web_api_answer_cache_gives_a_stale_answer_only_inside_its_window() -> None:
    now = [100.0]
    cache = AnswerCache(max_bytes=100, stale_seconds=5, clock=lambda: now[0])
    cache.put(("v",), 7, b"at seven")
    now[0] = 104.0
    assert cache.get(("v",), 8) == (b"at seven", True)  # the store moved on 4 s ago: stale, still given
    assert cache.get(("v",), 7) == (b"at seven", False)
    now[0] = 105.0
    assert cache.get(("v",), 8) is None  # the window is over: computed again
    cache.put(("v",), 8, b"at eight")
    assert len(cache) == 1 and cache.get(("v",), 8) == (b"at eight", False)  # one answer per question
    cache.put(("v",), 7, b"late")  # an older computation that finished last does not replace it
    assert cache.get(("v",), 8) == (b"at eight", False)
    assert cache.get(("v",), 6) is None  # never an answer from the future of what was asked
    assert AnswerCache(stale_seconds=0, clock=lambda: now[0]).get(("v",), 1) is None


def test_web_api_busy_store_gets_stale_answers_within_the_window(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    client = Client(create_app(project, stale_seconds=600))
    first = client.get("/api/entities")
    store = project.open_store()
    try:
        store.mark_changed()
    finally:
        store.close()
    again = client.get("/api/entities")
    assert (first.headers["x-limelight-cache"], again.headers["x-limelight-cache"]) == ("miss", "stale")
    assert again.content == first.content


def test_web_api_busy_store_is_a_503_with_retry_after_not_a_400(project: Project,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # A store held past the wait (or an owner serving as many readers as it can) is the server's
    # state of the moment: a client should ask again, so it must not read as a bad request.
    from limelight.errors import StoreBusy

    def busy(*_: Any, **__: Any) -> Any:
        raise StoreBusy("the store is busy: process 1 (limelight ingest) serves as many readers as it can",
                        "try again in a moment")

    monkeypatch.setattr(api, "list_page", busy)
    monkeypatch.setattr(api, "document", busy)
    app_client = Client(create_app(project))
    answer = app_client.get("/api/documents")
    assert answer.status_code == 503 and answer.headers["retry-after"] == "1", answer.text
    assert "busy" in answer.json()["error"] and answer.json()["hint"]
    page = app_client.get("/document/d1")
    assert page.status_code == 503 and "busy" in page.text


def test_web_api_stories_and_lineage_are_paged_with_a_signed_cursor(tmp_path: Path) -> None:
    # A corpus with 100,000s of stories must not come back as one answer: pages walk every row once.
    project = make_project(tmp_path / "project")
    ids = [item.document.id for item in ITEMS]
    store = project.open_store()
    try:  # SYNTHETIC stories of sizes 4, 3, 2, 2, 2
        rows, k = [], 0
        for n, size in enumerate((4, 3, 2, 2, 2)):
            rows += [(ids[k + j], f"story-{n:012x}", "link") for j in range(size)]
            k += size
        store.replace_stories(rows)
    finally:
        store.close()
    client = Client(create_app(project))
    whole = ok(client, "/api/stories", limit=500)
    assert whole["total"] == 5 and whole["next"] is None and [r["size"] for r in whole["rows"]] == [4, 3, 2, 2, 2]
    seen, page = [], ok(client, "/api/stories", limit=2)
    while True:
        assert len(page["rows"]) <= 2 and page["total"] == 5
        seen += [r["story_id"] for r in page["rows"]]
        if page["next"] is None:
            break
        page = ok(client, "/api/stories", limit=2, next=page["next"])
    assert seen == [r["story_id"] for r in whole["rows"]]
    lineage = ok(client, "/api/lineage", limit=5)
    assert lineage["total"] == 13 and len(lineage["rows"]) == 5 and lineage["next"]
    rest = ok(client, "/api/lineage", limit=500, next=lineage["next"])
    assert len(rest["rows"]) == 8 and rest["next"] is None
    assert {r["document_id"] for r in lineage["rows"]}.isdisjoint(r["document_id"] for r in rest["rows"])
    # a cursor is bound to its endpoint and options, and cannot be edited
    first = ok(client, "/api/stories", limit=2)
    assert bad(client, "/api/stories", limit=2, min_size=3, next=first["next"])["parameter"] == "next"
    assert bad(client, "/api/lineage", limit=2, next=first["next"])["parameter"] == "next"
    assert bad(client, "/api/stories", limit=2, next=first["next"][:-2] + "xx")["parameter"] == "next"
    assert bad(client, "/api/stories", limit=501)["parameter"] == "limit"
