"""Check a watchlist for aliases that will cause trouble, before a single document is ingested.

Findings (``Finding.kind``):

* ``shared_variant``: one generated variant belongs to two entities (two people both typed
  "Jun Lei", or "Lôi Quân" and "Loi Quan" on different entities); both get every such match.
* ``too_short``: a Latin-script alias of one or two letters ("Lu", "GM") or a single CJK character
  ("国"): it matches all over the place. Short all-caps acronyms only match upper-case text,
  which helps but does not save two letters.
* ``common_word``: the alias is an everyday word in one of the configured languages ("Apple"
  is fine; "Die", "Bild", "Mann", "Kirche", "Best" are not on their own).
* ``inside_other_alias``: the alias occurs as a whole word inside another entity's alias
  ("Jun" inside "Lei Jun"), so the longer one hides it where both fit and it fires alone
  elsewhere. Parent and child entities are exempt ("Xiaomi" inside "Xiaomi Auto" is intended).
* ``never_matched``: given texts (``limelight watchlist check`` passes the stored documents), an
  alias that none of them contains (a typo, or a spelling nobody uses).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from limelight.enrich.matcher import Matcher
from limelight.enrich.variants import alias_variants, fold_text, is_cjk
from limelight.watchlist import Watchlist

# Everyday words that are also plausible alias spellings (names of papers, brands, people).
# Small on purpose: the check is a warning, and the list must stay readable.
_COMMON_WORDS_TEXT = """
a an and are as at be best big bild but by can die das der den des dem ein eine for from
good great has have he her his i in is it its just like live man mann more new not now of on one
or our out over people she so star sun that the their them there they this time to two up us was
we were what when who will with world you your
kirche herbst freund bank welt zeit stern spiegel focus bunte haus post bahn sport arbeit
le la les un une de du et est pour dans sur avec
el los las una y en por con para
và của là có cho không người một những được
"""
COMMON_WORDS = frozenset(_COMMON_WORDS_TEXT.split())


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # shared_variant, too_short, common_word, inside_other_alias, never_matched
    entity_id: str
    alias: str
    message: str
    other_entity_id: str | None = None

    def line(self) -> str:
        return f"{self.entity_id}: {self.alias!r}: {self.message}"

    def as_dict(self) -> dict[str, str | None]:
        """A plain row for tables and JSON (``limelight watchlist check``)."""
        return {"finding": self.kind, "entity": self.entity_id, "alias": self.alias,
                "other_entity": self.other_entity_id, "message": self.message}


def is_too_short(alias: str) -> bool:
    folded = fold_text(alias).replace(" ", "")
    if any(is_cjk(c) for c in folded):
        return len(folded) <= 1
    return sum(c.isalnum() for c in folded) <= 2


def check_watchlist(watchlist: Watchlist, texts: Iterable[str] | None = None) -> list[Finding]:
    """All findings, grouped by kind in the order of the module docstring."""
    entities = watchlist.entities
    related: set[tuple[str, str]] = set()
    for e in entities:
        if e.parent:
            related |= {(e.id, e.parent), (e.parent, e.id)}
    findings: list[Finding] = []

    owners: dict[str, dict[str, str]] = {}
    for e in entities:
        for alias in e.aliases:
            for v in alias_variants(alias, person=e.kind == "person"):
                owners.setdefault(v, {}).setdefault(e.id, alias)
    for v, by_entity in owners.items():
        if len(by_entity) > 1:
            ids = sorted(by_entity)
            for eid in ids:
                others = [o for o in ids if o != eid]
                findings.append(Finding(
                    "shared_variant", eid, by_entity[eid],
                    f"its variant {v!r} also belongs to {', '.join(others)}; both will get every such match",
                    others[0]))

    for e in entities:
        for alias in e.aliases:
            if is_too_short(alias):
                findings.append(Finding("too_short", e.id, alias,
                                        "too short to match reliably; use a longer alias or a query"))
            elif fold_text(alias) in COMMON_WORDS:
                findings.append(Finding(
                    "common_word", e.id, alias,
                    "is an everyday word; pair it with a query (e.g. NEAR the full name)"))

    matcher = Matcher(entities)
    for e in entities:
        for alias in e.aliases:
            for hit in matcher.find_all(alias):
                if hit.end - hit.start == len(alias):
                    continue  # the alias itself
                other_id, other_alias = hit.entity_id, hit.alias
                if other_id == e.id or (other_id, e.id) in related:
                    continue
                findings.append(Finding(
                    "inside_other_alias", other_id, other_alias,
                    f"is a word inside {alias!r} of {e.id}; it will also fire on its own", e.id))

    if texts is not None:
        seen: Counter[tuple[str, str]] = Counter()
        checked = 0
        for text in texts:
            checked += 1
            for m in matcher.find(text):
                seen[(m.entity_id, m.alias)] += 1
        where = f"any of the {checked:,} stored document{'s' if checked != 1 else ''}"
        for e in entities:
            for alias in e.aliases:
                if not seen[(e.id, alias)]:
                    findings.append(Finding("never_matched", e.id, alias, f"not found in {where}"))
    # One finding per (kind, entity, alias, other): "Lôi Quân" shares both "loi quan" and
    # "loi-quan" with the same entity, which is one problem, not two.
    unique: dict[tuple[str, str, str, str | None], Finding] = {}
    for f in findings:
        unique.setdefault((f.kind, f.entity_id, f.alias, f.other_entity_id), f)
    return list(unique.values())
