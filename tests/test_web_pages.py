"""The dashboard's HTML pages in-process (httpx's ASGI transport) on a small SYNTHETIC project
(tests/_dashboard_project.py): every page renders, keeps the filters in its links, states the time
zone, has no inline script, style or handler (the CSP forbids them), and escapes the hostile title,
text, URL and entity name. What the browser draws is tested in tests/test_web_browser.py."""

from __future__ import annotations

from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from _dashboard_project import HOSTILE_NAME, HOSTILE_TITLE, Corpus, dashboard_app, make_project
from _web_project import Client
from limelight.project import Project
from limelight.web import pages
from limelight.web.security import CONTENT_SECURITY_POLICY


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Corpus]:
    return make_project(tmp_path_factory.mktemp("pages") / "project")


@pytest.fixture(scope="module")
def client(built: tuple[Project, Corpus]) -> Client:
    return Client(dashboard_app(built[0]))


def page_paths(corpus: Corpus) -> dict[str, str]:
    return {
        "overview": "/", "entity": "/entity/kestrel", "hostile entity": "/entity/rival",
        "account": "/account/kestrel/weibo/kestrel", "spillover": "/spillover", "stories": "/stories",
        "search": "/search?q=Kestrel", "documents": "/documents",
        "document": f"/document/{quote(corpus.german.id, safe='')}",
        "hostile document": f"/document/{quote(corpus.hostile.id, safe='')}",
    }


class Markup(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> and <style> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in and data.strip():
            self.inline.append(f"<{self._in}>{data.strip()[:80]}")


def parse(html: str) -> Markup:
    markup = Markup()
    markup.feed(html)
    markup.close()
    return markup


def test_web_pages_every_page_renders_with_the_csp_and_the_time_zone(client: Client, built) -> None:
    for name, path in page_paths(built[1]).items():
        response = client.get(path)
        assert response.status_code == 200, (name, response.text[:500])
        assert response.headers["content-type"].startswith("text/html"), name
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, name
        assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
        assert 'id="timezone"' in response.text and "<strong>UTC</strong>" in response.text, name
        assert '<main id="page" data-page="' in response.text, name


def test_web_pages_have_no_inline_script_style_or_handler(client: Client, built) -> None:
    for name, path in page_paths(built[1]).items():
        markup = parse(client.get(path).text)
        assert markup.inline == [], (name, markup.inline)
        scripts = [a.get("src") for tag, a in markup.tags if tag == "script"]
        assert scripts == ["/static/vendor/echarts/echarts.min.js", "/static/limelight.js"], name
        for tag, attrs in markup.tags:
            assert tag != "style", name
            assert "style" not in attrs, (name, tag, attrs)
            assert not [a for a in attrs if a.startswith("on")], (name, tag, attrs)
            for attr in ("href", "src", "action"):
                value = (attrs.get(attr) or "").strip().lower()
                assert not value.startswith(("javascript:", "data:", "vbscript:")), (name, tag, attrs)


def test_web_pages_escape_the_hostile_document_and_entity_name(client: Client, built) -> None:
    corpus = built[1]
    html = client.get(f"/document/{quote(corpus.hostile.id, safe='')}").text
    markup = parse(html)
    assert "<script>window.__xss" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html  # shown as text
    assert "onerror=&#34;window.__xss=2&#34;" in html or "onerror=&quot;window.__xss=2&quot;" in html
    assert [t for t, _ in markup.tags if t in ("img", "b")] == []
    # the javascript: address is shown as text, never as a link
    assert not [a for t, a in markup.tags if t == "a" and "javascript" in (a.get("href") or "").lower()]
    assert "javascript:alert(1)" in html
    # the title is marked where Kestrel is mentioned, and the rest is still escaped text
    assert '<mark class="mention role-headline"' in html
    for path in ("/", "/entity/rival", "/entity/kestrel", "/spillover", "/documents"):
        page = client.get(path).text
        assert "<script>window.__xss=3" not in page, path
        if path in ("/entity/rival", "/spillover", "/documents"):  # the pages that name every entity
            assert "Rival &lt;script&gt;window.__xss=3&lt;/script&gt;" in page, path
    assert HOSTILE_NAME and HOSTILE_TITLE  # the payloads the browser test runs too


def test_web_pages_keep_the_filters_in_every_link(client: Client) -> None:
    html = client.get("/", params={"since": "2024-03-05", "language": "de", "by": "month", "unknown": "x"}).text
    markup = parse(html)
    prefixes = ("/entity/", "/stories", "/search", "/spillover")
    inner = [a["href"] for t, a in markup.tags if t == "a" and (a.get("href") or "").startswith(prefixes)]
    assert inner
    for href in inner:
        query = parse_qs(urlsplit(href).query)
        assert query["since"] == ["2024-03-05"] and query["language"] == ["de"] and query["by"] == ["month"], href
        assert "unknown" not in query, href
    # the filter bar shows the values
    assert 'name="since" value="2024-03-05"' in html and 'name="language" value="de"' in html
    assert '<option value="month" selected>' in html


def test_web_pages_bad_filter_is_a_400_page_with_the_allowed_values(client: Client) -> None:
    response = client.get("/", params={"role": "boss"})
    assert response.status_code == 400
    assert "This view&#39;s filters cannot be used" in response.text or "filters cannot be used" in response.text
    assert "headline" in response.text and 'data-valid="false"' in response.text
    response = client.get("/entity/kestrel", params={"by": "year"})
    assert response.status_code == 400 and "by must be one of day, week, month" in response.text
    assert client.get("/spillover", params={"entities": "kestrel,nobody"}).status_code == 400


def test_web_pages_unknown_entity_account_or_document_is_a_404_page(client: Client) -> None:
    for path in ("/entity/nobody", "/account/kestrel/weibo/someone-else", "/document/nope"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html"), path
    assert "known ids: kestrel, han, rival" in client.get("/entity/nobody").text


def test_web_pages_entity_page_names_family_accounts_and_share_focus(client: Client) -> None:
    html = client.get("/entity/han").text
    assert 'data-entity="han"' in html and 'data-share-entity="kestrel"' in html  # Han among Kestrel's family
    assert 'href="/entity/kestrel"' in html
    assert 'href="/account/han/x/hanzy"' in html
    kestrel = client.get("/entity/kestrel").text
    assert 'data-share-entity="kestrel"' in kestrel and 'href="/account/kestrel/weibo/kestrel"' in kestrel


def test_web_pages_document_page_shows_text_mentions_links_and_undated(client: Client, built) -> None:
    corpus = built[1]
    german = client.get(f"/document/{quote(corpus.german.id, safe='')}").text
    assert "Grünheide" in german and 'lang="de"' in german
    assert "translation" in german and f'href="/document/{corpus.origin.id}"' in german
    assert "2024-03-21 06:00" in german  # published_at in the project's time zone (UTC)
    chinese = client.get(f"/document/{quote(corpus.chinese.id, safe='')}", params={"timezone": "Asia/Shanghai"}).text
    assert "红隼" in chinese and "2024-03-22 10:00" in chinese and "<strong>Asia/Shanghai</strong>" in chinese
    undated = client.get(f"/document/{quote(corpus.undated[0].id, safe='')}").text
    assert "no trustworthy date" in undated


def test_web_pages_static_files_and_vendored_chart_library_are_served(client: Client) -> None:
    for path, kind in (("/static/limelight.js", "javascript"), ("/static/limelight.css", "text/css"),
                       ("/static/vendor/echarts/echarts.min.js", "javascript"), ("/static/favicon.svg", "svg")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert kind in response.headers["content-type"], (path, response.headers["content-type"])
    js = client.get("/static/limelight.js").text
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "eval(" not in js
    readme = (pages.STATIC_DIR / "vendor" / "echarts" / "README.md").read_text(encoding="utf-8")
    assert "6.1.0" in readme and (pages.STATIC_DIR / "vendor" / "echarts" / "LICENSE").exists()


def test_web_pages_templates_and_static_files_ship_in_the_package() -> None:
    package = resources.files("limelight.web")
    for name in ("templates/base.html", "templates/document.html", "static/limelight.js",
                 "static/vendor/echarts/echarts.min.js"):
        assert package.joinpath(name).is_file(), name
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"web/templates/*.html"' in pyproject and '"web/static/**/*"' in pyproject


def test_web_pages_marked_cuts_text_at_mention_spans_only() -> None:
    spans = [{"start": 0, "end": 7, "role": "headline"}, {"start": 3, "end": 9, "role": "body"},  # overlaps: left out
             {"start": 12, "end": 99, "role": "body"}]  # outside the text: left out
    parts = pages.marked("Kestrel and Han", spans)
    assert "".join(p for p, _ in parts) == "Kestrel and Han"
    assert [(p, m["role"] if m else None) for p, m in parts] == [("Kestrel", "headline"), (" and Han", None)]
    assert pages.marked("", []) == [("", None)]


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://example.org/a?b=1", True), ("http://example.org", True), ("javascript:alert(1)", False),
    (" JavaScript:alert(1)", False), ("data:text/html,<script>", False), ("//evil.example/x", False),
    ("/relative", False), ("https://exa mple.org", False), (None, False),
])
def test_web_pages_safe_url_allows_http_addresses_only(url: str | None, allowed: bool) -> None:
    assert (pages.safe_url(url) is not None) is allowed


def test_web_pages_with_a_token_carry_it_to_their_files_links_and_requests(built) -> None:
    from limelight.web.app import create_app

    app = create_app(built[0], token="s3cret")
    client = Client(app)
    assert client.get("/").status_code == 401
    response = client.get("/", params={"token": "s3cret"})
    assert response.status_code == 200
    markup = parse(response.text)
    assert [a.get("src") for t, a in markup.tags if t == "script"] == [
        "/static/vendor/echarts/echarts.min.js?token=s3cret", "/static/limelight.js?token=s3cret"]
    links = [a["href"] for t, a in markup.tags if t == "a" and a.get("href", "").startswith(("/entity", "/stories"))]
    assert links and all("token=s3cret" in href for href in links)
    assert client.get("/static/limelight.js", params={"token": "s3cret"}).status_code == 200


def test_web_pages_show_a_banner_while_an_edited_watchlist_does_not_load(tmp_path: Path) -> None:
    from limelight.web.app import create_app

    project, _ = make_project(tmp_path / "project")
    client = Client(create_app(project, reload_interval=0))
    assert 'id="config-error"' not in client.get("/").text
    watchlist = project.root / "watchlist.toml"
    before = watchlist.read_text(encoding="utf-8")
    watchlist.write_text(before + "\n[[entity]\n", encoding="utf-8")
    for path in ("/", "/entity/kestrel", "/spillover"):
        response = client.get(path)
        assert response.status_code == 200, path  # the last good watchlist still serves
        banner = [t for t, a in parse(response.text).tags if a.get("id") == "config-error"]
        assert banner, path
        assert "watchlist.toml" in response.text and "syntax error" in response.text
    watchlist.write_text(before, encoding="utf-8")
    assert 'id="config-error"' not in client.get("/").text
