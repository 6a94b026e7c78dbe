"""Source attribution: which original a page says it republishes, and which outlet a page is from.

Two kinds of evidence, strongest first:

1. an attribution line written in the page (``Quelle: https://…``, ``Source: Reuters``,
   ``Nguồn: VnExpress``, ``来源：新华社``, ``Theo Tuổi Trẻ``, ``Originally published at …``);
2. a ``<link rel=canonical>`` or ``og:url`` that points to another domain than the page itself,
   which is how syndication partners mark a republication.

Linking (``limelight.link``) later turns these into ``attribution`` links between documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_MARKERS = (
    r"Quelle|Quellen|Source|Sources|Nguồn|Nguon|来源|來源|出处|Originally published (?:at|on|in|by)"
    r"|First published (?:at|on|in|by)|Zuerst erschienen (?:bei|auf|in)|Erstveröffentlichung"
    r"|Dieser (?:Artikel|Beitrag|Text) erschien zuerst (?:bei|auf|in)"
)
_ATTRIBUTION = re.compile(rf"^\s*(?:\(|\[)?\s*({_MARKERS})\s*[:：]\s*(.+?)\s*[)\]]?\s*$", re.I)
_ORIGINALLY = re.compile(
    r"^\s*(Originally published (?:at|on|in|by)|First published (?:at|on|in|by)|Zuerst erschienen (?:bei|auf|in)"
    r"|Dieser (?:Artikel|Beitrag|Text) erschien zuerst (?:bei|auf|in))\s+(.+?)\s*$",
    re.I,
)
# Vietnamese "Theo VnExpress" / "(Theo Tuổi Trẻ)": only a short line, since "Theo ông X, ..." starts an
# ordinary sentence ("According to Mr X, ...").
_THEO = re.compile(r"^\s*\(?\s*Theo\s+([^,;:.!?]{2,60}?)\s*\)?\s*\.?\s*$")
_URL = re.compile(r"https?://[^\s<>\"')\]]+", re.I)
_DOMAIN = re.compile(r"\b((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})\b", re.I)


@dataclass(frozen=True, slots=True)
class Attribution:
    text: str  # the line as written
    url: str | None  # the original's URL when the line (or link) names one
    name: str | None = None  # the outlet as written: "Reuters", "VnExpress"


def domain_of(value: str | None) -> str | None:
    """The host of a URL without ``www.``, or a domain written in a site name ("Vietnam.vn - …")."""
    if not value:
        return None
    value = value.strip()
    if "://" in value:
        host = urlsplit(value).hostname or ""
    else:
        m = _DOMAIN.search(value)
        host = m.group(1) if m else ""
    host = host.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    return host or None


def _clean_url(url: str) -> str:
    return url.rstrip(".,;:!?)]}'\"")


def parse_attribution_line(line: str) -> Attribution | None:
    """The attribution a line states, or ``None`` when it is not an attribution line."""
    stripped = line.strip()
    if not stripped or len(stripped) > 300:
        return None
    m = _ATTRIBUTION.match(stripped) or _ORIGINALLY.match(stripped)
    rest: str | None = None
    if m:
        rest = m.group(2)
    else:
        t = _THEO.match(stripped)
        if t and len(t.group(1).split()) <= 6:
            rest = t.group(1)
    if rest is None:
        return None
    url_match = _URL.search(rest)
    if url_match:
        return Attribution(text=stripped, url=_clean_url(url_match.group(0)), name=domain_of(url_match.group(0)))
    # "Source: Reuters" is an attribution; "Source: the ministry said on Monday that ..." is a sentence.
    if len(rest.split()) > 10:
        return None
    return Attribution(text=stripped, url=None, name=rest.strip(" .") or None)


def find_attribution(paragraphs: list[str]) -> tuple[Attribution | None, list[str]]:
    """The last attribution line among ``paragraphs`` and the paragraphs without it.

    The last one wins because outlets put the attribution at the end; one near the top is more often a
    photo or chart source. Every attribution line is removed from the text either way.
    """
    found: Attribution | None = None
    kept: list[str] = []
    for para in paragraphs:
        att = parse_attribution_line(para)
        if att is None:
            kept.append(para)
            continue
        if found is None or att.url or not found.url:
            found = att
    return found, kept


def link_attribution(page_url: str | None, linked_url: str | None, how: str) -> Attribution | None:
    """A canonical/og:url link to another domain than the page: the page republishes that original."""
    if not page_url or not linked_url or "://" not in linked_url:
        return None
    a, b = domain_of(page_url), domain_of(linked_url)
    if not a or not b or a == b or a.endswith("." + b) or b.endswith("." + a):
        return None
    return Attribution(text=f"{how}: {linked_url}", url=linked_url, name=b)
