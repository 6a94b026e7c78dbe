"""The JSON API in-process (httpx's ASGI transport) on a small SYNTHETIC project (tests/_web_project.py):
every endpoint answers, filters narrow, bad values are 400s naming the allowed ones, pagination walks
every row once, cursors cannot be forged, the token and the security headers hold."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from _web_project import DOCUMENTS, Client, corpus, make_project, undated
from limelight.cli import main
from limelight.errors import UsageError
from limelight.project import Project
from limelight.web.app import create_app
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
