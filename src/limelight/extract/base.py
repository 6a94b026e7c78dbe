"""Extraction turns a :class:`RawPage` (bytes) into a :class:`Document`."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from limelight.models import Document, RawPage
from limelight.settings import Settings


@runtime_checkable
class Extractor(Protocol):
    name: str
    version: str
    title: str
    requires: tuple[str, ...]
    provides: tuple[str, ...]
    formats: tuple[str, ...]  # RawPage.format values it handles

    def extract(self, page: RawPage, settings: Settings) -> Document:
        """Raise :class:`limelight.errors.ItemFailed` with a clear message for a bad page."""
        ...
