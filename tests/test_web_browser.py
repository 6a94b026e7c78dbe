"""The dashboard in a real browser: Playwright driving Debian's chromium (headless, never a downloaded
browser) against `limelight serve` (its own process, on 127.0.0.1 and a free port) over a small
SYNTHETIC project (tests/_dashboard_project.py).

Every page loads without a console error, a failed request or a chart that could not load; a
filter change changes what the charts ask the API for and what their tables show; a search finds the
German, the Chinese and the Vietnamese article (and saves it); the export link downloads a CSV that
parses, and the charts' PNG, SVG and CSV downloads are what they say; documents without a date are
listed apart; the hostile title, text, URL and entity name stay inert (``window.__xss`` stays
undefined, no dialog opens). A screenshot of each page goes to ``tests/output/`` for a person to
look at.

Skips without playwright or /usr/bin/chromium, but fails instead when LIMELIGHT_REQUIRE_BROWSER=1
(.ci/run sets it and installs chromium and fonts-noto-cjk). One browser and one tab for the module.
"""

from __future__ import annotations

import csv
import importlib
import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest

from _dashboard_project import (
    CHINESE_TITLE,
    GERMAN_TITLE,
    HOSTILE_TITLE,
    VIETNAMESE_TITLE,
    Corpus,
    make_project,
)
from limelight.project import Project

CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = os.environ.get("LIMELIGHT_REQUIRE_BROWSER") == "1"
OUTPUT = Path(__file__).resolve().parent / "output"


def _need_browser() -> Any:
    why = None
    try:
        sync_api = importlib.import_module("playwright.sync_api")
    except ImportError as exc:
        sync_api, why = None, f"playwright is not installed ({exc}; pip install -e '.[dev]')"
    if why is None and not CHROMIUM.exists():
        why = f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)"
    if why is not None:
        if REQUIRED:
            pytest.fail(f"{why}, but LIMELIGHT_REQUIRE_BROWSER=1", pytrace=False)
        pytest.skip(why, allow_module_level=True)
    return sync_api


sync_api = _need_browser()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Corpus]:
    return make_project(tmp_path_factory.mktemp("browser") / "project")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(built: tuple[Project, Corpus], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`limelight serve` on the project, in its own process, on 127.0.0.1 and a free port."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    command = [sys.executable, "-c", "from limelight.cli import main; main()", "serve",
               "--project", str(built[0].root), "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"limelight serve exited ({process.returncode}): {log.read_text()[-2000:]}")
            try:
                if httpx.get(base + "/api/entities", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"limelight serve did not answer in 60 s: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Watch:
    """What went wrong on the page since the last reset: console errors, uncaught exceptions,
    dialogs (a payload's alert()), failed requests and error answers."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.errors.clear()
        self.dialogs.clear()
        self.bad_responses.clear()
        self.requests.clear()


@dataclass
class Tab:
    page: Any
    base: str
    watch: Watch

    def open(self, path: str, shot: str | None = None) -> Any:
        # Leave the previous page first: its fetches still in flight are aborted by the navigation
        # (requestfailed ERR_ABORTED), which must not count against the next page on a slow machine.
        self.page.goto("about:blank")
        self.watch.reset()
        self.page.goto(self.base + path)
        self.page.wait_for_selector("body[data-loaded=true]", timeout=90_000)
        if shot:
            OUTPUT.mkdir(exist_ok=True)
            self.page.screenshot(path=str(OUTPUT / f"{shot}.png"), full_page=True)
        return self.page

    def assert_clean(self, where: str) -> None:
        assert self.watch.errors == [], (where, self.watch.errors)
        assert self.watch.dialogs == [], (where, self.watch.dialogs)
        assert self.watch.bad_responses == [], (where, self.watch.bad_responses)
        assert self.page.evaluate("typeof window.__xss") == "undefined", where


@pytest.fixture(scope="module")
def tab(server: str) -> Iterator[Tab]:
    watch = Watch()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--headless=new"])
        # The browser's own zone is not the project's: times must show in the project's (UTC).
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True,
                                      locale="en-US", timezone_id="America/Los_Angeles")
        page = context.new_page()
        page.on("console", lambda m: watch.errors.append(f"{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda exc: watch.errors.append(f"uncaught: {exc}"))

        def dialog(d: Any) -> None:
            watch.dialogs.append(f"{d.type}: {d.message}")
            d.dismiss()

        page.on("dialog", dialog)
        page.on("requestfailed", lambda r: watch.bad_responses.append(f"failed {r.url}: {r.failure}"))
        page.on("request", lambda r: watch.requests.append(r.url))
        page.on("response", lambda r: watch.bad_responses.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        try:
            yield Tab(page, server, watch)
        finally:
            context.close()
            browser.close()


def pages_of(corpus: Corpus) -> dict[str, str]:
    return {
        "overview": "/", "entity": "/entity/kestrel", "entity-family": "/entity/han",
        "account": "/account/kestrel/weibo/kestrel", "account-copies": "/account/han/x/hanzy",
        "spillover": "/spillover", "stories": "/stories", "search": "/search?q=Kestrel",
        "documents": "/documents", "document-de": f"/document/{quote(corpus.german.id, safe='')}",
        "document-zh": f"/document/{quote(corpus.chinese.id, safe='')}",
        "document-vi": f"/document/{quote(corpus.vietnamese.id, safe='')}",
    }


# Figures that must have drawn data (not only "no data") on their page.
DRAWN = {
    "overview": ["volume", "tone-all"], "entity": ["visibility", "share", "tone"], "entity-family": ["share"],
    "account": ["cadence", "originality"], "account-copies": ["originality"], "spillover": ["heatmap", "after"],
    "stories": ["lineage"],
}


def figure_states(page: Any) -> dict[str, str]:
    return page.eval_on_selector_all("section.figure, section.listing",
                                     "els => Object.fromEntries(els.map(e => [e.id, e.dataset.state || 'loading']))")


def test_web_browser_every_page_loads_without_console_errors(tab: Tab, built: tuple[Project, Corpus]) -> None:
    for name, path in pages_of(built[1]).items():
        page = tab.open(path, shot=name)
        tab.assert_clean(name)
        states = figure_states(page)
        assert all(state in ("ready", "empty") for state in states.values()), (name, states)
        for figure in DRAWN.get(name, []):
            assert states[figure] == "ready", (name, figure, states)
            # a drawn chart is a canvas with pixels, and its table view has rows
            assert page.locator(f"#{figure} [data-role=chart] canvas").count() >= 1, (name, figure)
            assert page.locator(f"#{figure} [data-role=table] tbody tr").count() >= 1, (name, figure)
        assert page.locator("#timezone").inner_text().strip().startswith("Times and days in UTC"), name
        if name == "spillover":  # every pair in one request, not one per ordered pair
            asked = [u for u in tab.watch.requests if "/api/spillover" in u]
            assert len(asked) == 1 and "/api/spillover/matrix?" in asked[0], asked


def test_web_browser_overview_lists_entities_with_volume_change_tone_and_undated(tab: Tab, built) -> None:
    corpus = built[1]
    page = tab.open("/")
    rows = page.locator("#entities tbody tr")
    assert rows.count() == 3
    kestrel = rows.filter(has_text="Kestrel").first.inner_text()
    cells = kestrel.split("\t")
    assert cells[0] == "Kestrel" and cells[1] == "org"
    kestrel_docs = sum(1 for i in corpus.items
                       if i.document.published_at and any(m.entity_id == "kestrel" for m in i.mentions))
    assert int(cells[2].replace(",", "")) == kestrel_docs
    assert cells[-1] == str(len(corpus.undated))  # without a date: counted apart
    assert page.locator("#undated [data-role=status]").get_attribute("data-undated") == str(len(corpus.undated))
    # without a range, the change compares the last week the collection has gone past with the one before
    help_text = page.locator("#entities [data-role=change-help]").inner_text()
    assert "last complete week (from 2024-04-22) against the week before (from 2024-04-15)" in help_text, help_text
    # with a date range, the change compares it with the range just before
    page = tab.open("/?since=2024-04-01&until=2024-04-15")
    assert "against the 15 days before (2024-03-17 to 2024-03-31)" in page.locator("#entities").inner_text()
    tab.assert_clean("overview with a range")


def test_web_browser_filter_change_changes_the_chart_request_and_table(tab: Tab) -> None:
    page = tab.open("/entity/kestrel")
    page.click("#visibility [data-action=table]")
    before = page.locator("#visibility [data-role=table]").inner_text()
    asked = [u for u in tab.watch.requests if "/api/visibility" in u]
    assert asked and all("language=" not in u for u in asked)
    page.fill("#filters input[name=language]", "de")
    page.select_option("#filters select[name=by]", "month")
    with page.expect_response(lambda r: "/api/visibility" in r.url and "language=de" in r.url) as answer:
        page.click("#filters button[type=submit]")
    assert answer.value.status == 200
    page.wait_for_selector("body[data-loaded=true]")
    query = parse_qs(urlsplit(page.url).query)
    assert query["language"] == ["de"] and query["by"] == ["month"]  # the view is in the URL
    page.click("#visibility [data-action=table]")
    after = page.locator("#visibility [data-role=table]").inner_text()
    assert after != before
    table_rows = page.locator("#visibility [data-role=table] tbody tr")
    assert table_rows.count() == 1 and table_rows.first.inner_text().startswith("2024-03-01")  # one German article
    # the filter travels to the other pages' links and their requests
    page.click("header nav a[href^='/stories']")
    page.wait_for_selector("body[data-loaded=true]")
    assert parse_qs(urlsplit(page.url).query)["language"] == ["de"]
    assert any("/api/stories" in u and "language=de" in u for u in tab.watch.requests)
    tab.assert_clean("filters")


def test_web_browser_search_finds_the_german_chinese_and_vietnamese_articles(tab: Tab) -> None:
    page = tab.open("/search")
    for query, title in (("Grünheide", GERMAN_TITLE), ("电动车", CHINESE_TITLE), ("韩志远", CHINESE_TITLE),
                         ("Hà Nội", VIETNAMESE_TITLE)):
        page.fill("#filters input[name=q]", query)
        page.press("#filters input[name=q]", "Enter")
        page.wait_for_url(lambda url, q=query: parse_qs(urlsplit(url).query).get("q") == [q])
        page.wait_for_selector("body[data-loaded=true]")
        results = page.locator("#results")
        assert results.get_attribute("data-state") == "ready", results.inner_text()
        assert page.locator("#results .hit h3").first.inner_text() == title, (query, results.inner_text())
        marks = page.locator("#results .hit .snippet mark").all_inner_texts()
        assert all(word in marks for word in query.split()), (query, marks)  # each word of the query marked
        tab.assert_clean(f"search {query}")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "search-zh.png"), full_page=True)
    # pages: the next page's cursor is in the URL (bookmarkable), and it shows other hits
    page = tab.open("/search?q=Kestrel")
    hits = "els => els.map(e => e.getAttribute('href'))"
    first = page.eval_on_selector_all("#results .hit h3 a", hits)
    assert len(first) == 20 and page.locator("#results").inner_text().count("matches") == 1
    page.click("#next-page")
    page.wait_for_url(lambda url: "next=" in url)
    page.wait_for_selector("body[data-loaded=true]")
    second = page.eval_on_selector_all("#results .hit h3 a", hits)
    assert second and not set(first) & set(second)
    tab.assert_clean("search pages")
    page = tab.open("/search?q=" + quote("韩志远"))
    # save it (POST /api/searches, JSON): it is listed, and its link runs it again
    page.fill("#save-search input[name=name]", "Han in Chinese")
    with page.expect_response(lambda r: r.url.endswith("/api/searches") and r.request.method == "POST") as saved:
        page.click("#save-search button[type=submit]")
    assert saved.value.status == 201, saved.value.text()
    page.wait_for_selector("#saved ul.saved li a")
    assert page.locator("#saved ul.saved li a").first.inner_text() == "Han in Chinese"
    tab.assert_clean("saved search")


def test_web_browser_export_link_downloads_a_csv_that_parses(tab: Tab, built) -> None:
    corpus = built[1]
    page = tab.open("/documents?language=de")
    link = page.locator("[data-role=export]")
    assert "/api/documents/export?" in (link.get_attribute("href") or "")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "documents.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    german = [i for i in corpus.items if i.document.language == "de"]
    assert len(rows) == len(german) and rows[0]["title"] == GERMAN_TITLE
    # a chart's own downloads: PNG, SVG and its table as CSV
    page = tab.open("/entity/kestrel")
    for action, check in (("png", lambda b: b.startswith(b"\x89PNG")), ("svg", lambda b: b"<svg" in b[:400]),
                          ("csv", lambda b: b.decode("utf-8-sig").startswith("Period,"))):
        with page.expect_download() as info:
            page.click(f"#visibility [data-action={action}]")
        data = Path(info.value.path()).read_bytes()
        assert info.value.suggested_filename == f"visibility.{action}" and check(data), (action, data[:80])
    tab.assert_clean("downloads")


def test_web_browser_hostile_payloads_stay_inert(tab: Tab, built) -> None:
    corpus = built[1]
    day = "since=2024-03-31&until=2024-03-31"  # the hostile document's day
    for name, path in (("hostile-document", f"/document/{quote(corpus.hostile.id, safe='')}"),
                       ("hostile-entity", "/entity/rival"), ("hostile-mentions", f"/entity/kestrel?{day}"),
                       ("hostile-search", "/search?q=recall"), ("hostile-documents", f"/documents?{day}"),
                       ("hostile-overview", "/")):
        page = tab.open(path, shot=name)
        tab.assert_clean(name)
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        assert not [h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:"))], (name, hrefs)
        assert page.locator("img").count() == 0, name  # the payload's <img> was never made an element
        assert page.locator("main script, main b").count() == 0, name
    # the payloads are shown as the text they are
    page = tab.open(f"/document/{quote(corpus.hostile.id, safe='')}")
    assert page.locator("h1").inner_text() == HOSTILE_TITLE
    assert 'onerror="window.__xss=2"' in page.locator(".text .body").inner_text()
    page = tab.open("/search?q=recall")
    assert page.locator("#results .hit h3").first.inner_text() == HOSTILE_TITLE
    page = tab.open("/entity/rival")
    assert page.locator("h1").inner_text().startswith("Rival <script>window.__xss=3</script>")
    tab.assert_clean("hostile text shown")
    # the control: were an inline script or handler ever put into the page, the CSP would refuse it,
    # and this test's console watch would see that
    page.evaluate("""() => {
        const s = document.createElement('script'); s.textContent = 'window.__xss = 4'; document.body.append(s);
        const d = document.createElement('div'); d.setAttribute('onclick', 'window.__xss = 5'); document.body.append(d);
        d.click();
    }""")
    page.wait_for_timeout(200)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert any("Content Security Policy" in e for e in tab.watch.errors), tab.watch.errors


def test_web_browser_documents_without_a_date_are_listed_apart(tab: Tab, built) -> None:
    corpus = built[1]
    page = tab.open("/documents?source=example.org")
    status = page.locator("#documents [data-role=status]").inner_text()
    assert f"{len(corpus.undated)} of them without a date (listed last, apart)" in status, status
    for _ in range(10):  # page on until the list reaches them: the API lists them after every dated one
        if page.locator("#documents .undated-rows tbody tr").count():
            break
        shown = page.locator("#documents tbody tr").count()
        with page.expect_response(lambda r: "/api/documents?" in r.url and "next=" in r.url):
            page.click("#documents [data-action=more]")
        # Until the next page's rows are drawn. A locator wait, not wait_for_function: Playwright
        # polls a string predicate through eval, which the page's CSP (no 'unsafe-eval') refuses
        # whenever the first check is false (this test failed so on a loaded machine).
        page.locator("#documents tbody tr").nth(shown).wait_for(timeout=90_000)
    undated = page.locator("#documents .undated-rows tbody tr").all_inner_texts()
    assert len(undated) == len(corpus.undated) and all(row.startswith("no date") for row in undated), undated
    dated = page.locator("#documents .dated tbody tr").all_inner_texts()
    assert dated and not [row for row in dated if row.startswith("no date")]
    tab.assert_clean("undated documents")


def test_web_browser_account_pages_show_gaps_change_points_and_copies(tab: Tab) -> None:
    page = tab.open("/account/kestrel/weibo/kestrel")
    gap = page.locator("#livestream-gap").inner_text()
    assert gap.startswith("Days since the last livestream: 25 (usual gap: 7.0 days"), gap  # stopped after day 35
    page.click("#cadence [data-action=table]")
    livestream = page.locator("#cadence [data-role=table] tbody tr", has_text="livestream")
    assert livestream.count() == 2  # one change point: weekly livestreams, then none
    page = tab.open("/account/han/x/hanzy")
    pairs = page.locator("#copies .pair")
    assert pairs.count() == 10
    official, copy = pairs.first.locator(".post .body").all_inner_texts()
    assert official == copy == "Kestrel official notice 0: new colours arrive."
    tab.assert_clean("accounts")
