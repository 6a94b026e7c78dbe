from __future__ import annotations

from limelight.enrich.watchlist_check import check_watchlist
from limelight.watchlist import Watchlist

WL = Watchlist.from_dict({"entity": [
    {"id": "lei-jun", "kind": "person", "name": "Lei Jun", "parent": "xiaomi", "aliases": ["Lôi Quân"]},
    {"id": "xiaomi", "kind": "org", "name": "Xiaomi", "aliases": ["Xiaomi Auto"]},
    {"id": "other", "kind": "person", "name": "Loi Quan"},
    {"id": "junk", "kind": "org", "name": "Junk", "aliases": ["Lu", "国", "Bild", "Jun"]},
]})


def kinds(findings: list, entity: str, alias: str) -> set[str]:  # type: ignore[type-arg]
    return {f.kind for f in findings if f.entity_id == entity and f.alias == alias}


def test_watchlist_check_findings() -> None:
    findings = check_watchlist(WL, ["Lei Jun und Xiaomi"])
    assert "shared_variant" in kinds(findings, "lei-jun", "Lôi Quân")
    assert "shared_variant" in kinds(findings, "other", "Loi Quan")
    assert kinds(findings, "junk", "Lu") >= {"too_short", "never_matched"}
    assert "too_short" in kinds(findings, "junk", "国")
    assert "common_word" in kinds(findings, "junk", "Bild")
    assert "inside_other_alias" in kinds(findings, "junk", "Jun")
    assert "never_matched" not in kinds(findings, "lei-jun", "Lei Jun")
    # parent/child overlap ("Xiaomi" inside a child's alias) is intended, not reported
    assert not [f for f in findings if f.kind == "inside_other_alias" and f.entity_id == "xiaomi"]
    # one finding per problem, not one per variant
    assert len([f for f in findings if f.kind == "shared_variant" and f.entity_id == "lei-jun"]) == 1


def test_watchlist_check_rows_are_plain_dicts() -> None:
    row = next(f for f in check_watchlist(WL) if f.kind == "too_short").as_dict()
    assert row["finding"] == "too_short" and row["entity"] == "junk" and row["alias"] == "Lu"


def test_watchlist_check_without_texts_skips_never_matched() -> None:
    assert not [f for f in check_watchlist(WL) if f.kind == "never_matched"]


def test_watchlist_check_never_matched_counts_the_stored_documents() -> None:
    findings = check_watchlist(WL, ["Lei Jun und Xiaomi", "Xiaomi Auto"])
    missing = next(f for f in findings if f.kind == "never_matched" and f.alias == "Lu")
    assert missing.as_dict()["message"] == "not found in any of the 2 stored documents"
    assert "sample" not in " ".join(str(v) for f in findings for v in f.as_dict().values())
