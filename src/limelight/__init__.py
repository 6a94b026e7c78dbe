"""limelight: a multilingual media-presence and reputation monitor.

>>> import limelight
>>> project = limelight.init("my-project")            # doctest: +SKIP
>>> limelight.ingest(["pages/"], project)              # doctest: +SKIP
>>> limelight.update(["feeds.opml"], project)          # ingest, tone, link: one step  # doctest: +SKIP
>>> limelight.visibility(project, by="week").table     # doctest: +SKIP
"""

from limelight.api import (
    analyses,
    analyze,
    apply_tone,
    apply_watchlist,
    ingest,
    init,
    link,
    open_project,
    query,
    update,
    visibility,
)
from limelight.models import Document, Enriched, Entity, ItemError, Link, Mention, RawPage, Source
from limelight.project import Project
from limelight.registry import registry
from limelight.watchlist import Watchlist

__version__ = "0.1.0"

__all__ = [
    "Document", "Enriched", "Entity", "ItemError", "Link", "Mention", "Project", "RawPage", "Source",
    "Watchlist", "__version__", "analyses", "analyze", "apply_tone", "apply_watchlist", "ingest", "init", "link",
    "open_project", "query", "registry", "update", "visibility",
]
