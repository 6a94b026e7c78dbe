"""Property tests for :func:`limelight.urls.normalize_url`: one key per page, whatever the spelling."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from limelight.urls import normalize_url

# Fixed seed (CI must be deterministic), no example database written into the checkout.
PROPS = settings(max_examples=150, derandomize=True, deadline=None, database=None)

_LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
# Unreserved and sub-delim characters a path keeps as they are, plus non-ASCII that gets encoded.
_SEGMENT = st.text("abcXYZ019_~-+,;=:@!äß中", min_size=1, max_size=8)
_MEANINGFUL = ("id", "p", "article", "page", "q", "gallery", "game", "keyword", "source", "ref", "s")
_TRACKING = ("utm_source", "UTM_Medium", "utm_campaign", "fbclid", "gclid", "mc_cid", "mc_eid", "igshid",
             "at_medium", "xtor", "pk_campaign", "_ga")
_VALUE = st.text("abcXYZ0189-_.~", max_size=8)


def _encode(text: str) -> str:
    return quote(text, safe="-._~!$&'()*+,;=:@/")


@dataclass
class Page:
    """The parts of one canonical URL, and its canonical spelling built independently."""

    scheme: str
    host: str
    segments: list[str]
    slash: bool  # a trailing "/" after the last segment
    params: list[tuple[str, str]]

    def canonical(self) -> str:
        path = "/" + "/".join(_encode(s) for s in self.segments)
        if self.segments and self.slash:
            path += "/"
        query = "&".join(f"{k}={_encode(v)}" for k, v in sorted(self.params))
        return f"{self.scheme}://{self.host}{path}" + (f"?{query}" if query else "")


@st.composite
def pages(draw: st.DrawFn) -> Page:
    host = ".".join(draw(st.lists(_LABEL, min_size=1, max_size=3))) + "." + draw(st.sampled_from(["com", "de", "vn"]))
    names = draw(st.lists(st.sampled_from(_MEANINGFUL), unique=True, max_size=4))
    return Page(draw(st.sampled_from(["http", "https"])), host, draw(st.lists(_SEGMENT, max_size=4)),
                draw(st.booleans()), [(n, draw(_VALUE)) for n in names])


def _flip_case(draw: st.DrawFn, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if f else c for c, f in zip(text, flips, strict=True))


@st.composite
def spellings(draw: st.DrawFn, page: Page) -> str:
    """Another way to write ``page``: case, default port, dot segments, encodings, trackers, order."""
    scheme = _flip_case(draw, page.scheme)
    host = _flip_case(draw, page.host) + draw(st.sampled_from(["", "."]))  # FQDN trailing dot
    if draw(st.booleans()):
        host += ":" + {"http": "80", "https": "443"}[page.scheme]
    if draw(st.booleans()):
        host = "user:Secret@" + host
    segments: list[str] = []
    for seg in page.segments:
        if draw(st.booleans()):
            segments.append(".")
        if draw(st.booleans()):
            segments.extend([draw(_SEGMENT), ".."])
        # Non-ASCII raw or encoded, hex in either case; an unreserved letter needlessly encoded.
        written = _encode(seg) if draw(st.booleans()) else seg
        if draw(st.booleans()):
            written = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), written)
        if draw(st.booleans()) and seg[0].isascii() and seg[0].isalnum():
            written = f"%{ord(seg[0]):02x}" + written[1:]
        segments.append(written)
    path = "/" + "/".join(segments)
    if page.segments and page.slash:
        path += "/"
    elif not page.segments and draw(st.booleans()):
        path = ""  # "https://example.com" is "https://example.com/"
    pairs = [f"{k}={v}" for k, v in page.params]
    pairs += [f"{name}={draw(_VALUE)}" for name in draw(st.lists(st.sampled_from(_TRACKING), max_size=3))]
    pairs = draw(st.permutations(pairs))
    query = "&".join(pairs)
    if query or draw(st.booleans()):
        query = "?" + query  # a trailing "?" with nothing after it
    fragment = draw(st.sampled_from(["", "#", "#comments", "#top?x=1", "#utm_source=x"]))
    return f"{scheme}://{host}{path}{query}{fragment}"


@PROPS
@given(st.data())
def test_properties_urls_spellings_of_one_page_share_one_key(data: st.DataObject) -> None:
    page = data.draw(pages())
    spelling = data.draw(spellings(page))
    assert normalize_url(spelling) == page.canonical()


@PROPS
@given(pages(), pages())
def test_properties_urls_different_pages_keep_different_keys(a: Page, b: Page) -> None:
    # Same host and scheme, so only the path, its trailing slash or a meaningful parameter differs.
    b.scheme, b.host = a.scheme, a.host
    if (a.segments, a.slash and bool(a.segments), sorted(a.params)) != (
            b.segments, b.slash and bool(b.segments), sorted(b.params)):
        assert normalize_url(a.canonical()) != normalize_url(b.canonical())


@PROPS
@given(pages(), st.sampled_from(_MEANINGFUL), _VALUE, _VALUE)
def test_properties_urls_meaningful_parameter_value_is_kept(page: Page, name: str, v1: str, v2: str) -> None:
    params = [(k, v) for k, v in page.params if k != name]
    one = Page(page.scheme, page.host, page.segments, page.slash, [*params, (name, v1)])
    two = Page(page.scheme, page.host, page.segments, page.slash, [*params, (name, v2)])
    assert (normalize_url(one.canonical()) == normalize_url(two.canonical())) == (v1 == v2)
    assert f"{name}={_encode(v1)}" in (normalize_url(one.canonical()) or "")


# Text that looks enough like a URL to get past the scheme check and into host, port and path code.
_WILD = st.lists(st.sampled_from([*"aZ09.-_~:/?#[]@!$&'()*+,;=% \t\n\\", "ü", "中", "．", "\x00", "\ud800",
                                  "xn--", "%2e", "%zz", "%41", ":80", "/..", "/.", "#!", "utm_source=x&"])).map("".join)
_HOSTISH = st.lists(st.sampled_from([*"aZ09.-_", "ü", "中", "．", "ß", "xn--", "[::1]", "@", ":", ":443", "%"]),
                    min_size=1).map("".join)
_URLISH = st.builds(lambda scheme, host, sep, rest: scheme + host + sep + rest,
                    st.sampled_from(["http://", "HTTPS://", "hTtP://", "ftp://", ""]), _HOSTISH,
                    st.sampled_from(["", "/", "?", "#", ":"]), _WILD)


@PROPS
@given(st.one_of(st.text(), _URLISH))
def test_properties_urls_any_text_gives_none_or_a_stable_http_url(text: str) -> None:
    out = normalize_url(text)
    if out is None:
        return
    parts = urlsplit(out)
    assert parts.scheme in ("http", "https")
    assert parts.hostname and out.isascii()
    assert "#" not in out or "#!" in out
    assert normalize_url(out) == out  # idempotent


@PROPS
@given(pages())
def test_properties_urls_idempotent_on_pages(page: Page) -> None:
    once = normalize_url(page.canonical())
    assert once == page.canonical()
    assert normalize_url(once) == once


@pytest.mark.parametrize(("url", "expected"), [
    ("HTTP://Example.COM:80/a/../b", "http://example.com/b"),
    ("https://example.com/story?utm_source=x&utm_medium=rss#comments", "https://example.com/story"),
    ("https://example.com/story?", "https://example.com/story"),
    ("https://example.com:443", "https://example.com/"),
    ("http://example.com:8080/", "http://example.com:8080/"),
    ("https://example.com/a/./b/../c/", "https://example.com/a/c/"),
    ("https://example.com/News/Article?id=7&p=2", "https://example.com/News/Article?id=7&p=2"),
    ("https://example.com/a?p=2&id=7&fbclid=abc&gclid=d&mc_cid=1&mc_eid=2&igshid=3", "https://example.com/a?id=7&p=2"),
    ("https://example.com/?gallery=2&source=rss&keyword=ev", "https://example.com/?gallery=2&keyword=ev&source=rss"),
    ("https://www.bbc.com/news/x?at_medium=RSS&at_campaign=KARANGA", "https://www.bbc.com/news/x"),
    ("https://bücher.de/Straße", "https://xn--bcher-kva.de/Stra%C3%9Fe"),
    ("https://example.com/%7euser/%e4%2f", "https://example.com/~user/%E4%2F"),
    ("https://user:pw@example.com./", "https://example.com/"),
    ("https://twitter.com/#!/limelight/status/1", "https://twitter.com/#!/limelight/status/1"),
    ("  https://example.com/a b\n", "https://example.com/a%20b"),
    ("https://example.com/a?list=1&list=0", "https://example.com/a?list=1&list=0"),
])
def test_properties_urls_examples(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


@pytest.mark.parametrize("url", [
    "", "example.com/a", "/relative/path", "ftp://example.com/", "mailto:a@example.com", "javascript:alert(1)",
    "http://", "https:///path", "http://[::1", "http://example.com:99999/", "http://exa mple.com/", "http://😀.com/",
])
def test_properties_urls_not_an_http_url_is_none(url: str) -> None:
    assert normalize_url(url) is None
