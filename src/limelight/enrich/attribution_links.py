"""A document that names its original (``Quelle:``/``Source:`` line, a canonical or og:url on
another domain) gets an ``attribution`` link to that URL.

The link holds the URL only (``to_id`` is None): the original may be ingested later, or under a
slightly different URL. The store's ``attributions`` view resolves it against stored documents'
canonical and page URLs whenever it is read, so the order of ingestion does not matter.
"""

from __future__ import annotations

from limelight.enrich.base import EnrichContext
from limelight.models import Enriched, Link, evolve
from limelight.registry import Registry
from limelight.urls import normalize_url


class AttributionLinks:
    name = "attribution"
    version = "1"
    title = "Attribution links (Quelle:/Source: lines, foreign canonical URLs)"
    requires: tuple[str, ...] = ("document.text",)
    provides: tuple[str, ...] = ("links",)

    def setup(self, ctx: EnrichContext) -> None:
        """Nothing to prepare: the extractor found the attribution already."""

    def __call__(self, item: Enriched) -> Enriched:
        doc = item.document
        if not doc.attribution_url or doc.attribution_url in (doc.url, doc.canonical_url):
            return item
        # Normalised like every stored canonical URL, so the attributions view finds the original
        # whatever tracking parameters or fragment the attribution line carried.
        to_url = normalize_url(doc.attribution_url) or doc.attribution_url
        if to_url == doc.canonical_url:
            return item
        link = Link(from_id=doc.id, to_id=None, kind="attribution", score=1.0,
                    evidence=doc.attribution_text or "canonical link to another site", to_url=to_url)
        return evolve(item, links=(*item.links, link))


def register(registry: Registry) -> None:
    registry.register("enricher", AttributionLinks())
