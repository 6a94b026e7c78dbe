"""The copied_posts analysis on a small SYNTHETIC store: weekly counts, share and evidence pairs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from _stores import StoreMaker
from limelight.analyses.copied_posts import CopiedPosts
from limelight.errors import UsageError
from limelight.models import Document, Enriched, Link, Source
from limelight.store.base import Store
from limelight.watchlist import Watchlist

WATCHLIST = Watchlist.from_dict({"entity": [
    {"id": "org", "kind": "org", "name": "Org", "official_accounts": [{"platform": "weibo", "handle": "100"}]},
    {"id": "ceo", "kind": "person", "name": "Ceo", "parent": "org",
     "accounts": [{"platform": "weibo", "handle": "200"}]},
]})
ORG, CEO = Source.make("weibo", "100"), Source.make("weibo", "200")


def _post(doc_id: str, source: Source, day: int, content_type: str = "post") -> Enriched:
    return Enriched(Document(id=doc_id, kind="post", origin=f"synthetic:{doc_id}", source=source, text=doc_id,
                             published_at=datetime(2025, 3, day, 12, tzinfo=UTC), content_type=content_type))


@pytest.fixture()
def store(make_store: StoreMaker) -> Store:
    s = make_store()
    # Week of Mon 3 March: 4 CEO posts, 2 copies, 1 repost. Week of 10 March: 1 post, no copy.
    s.write([_post("o1", ORG, 3), _post("o2", ORG, 4), _post("c1", CEO, 3), _post("c2", CEO, 5),
             _post("c3", CEO, 6), _post("c4", CEO, 7, "repost"), _post("c5", CEO, 11)], "synthetic")
    s.write_links([Link("c1", "o1", "copies_official", 0.9, "near-copy"),
                   Link("c2", "o2", "copies_official", 1.0, "near-copy")], "synthetic")
    return s


def test_analyses_copied_posts_weekly_share_and_evidence(store: Store) -> None:
    result = CopiedPosts().run(store, WATCHLIST)
    rows = result.table.to_pylist()
    assert [(str(r["period"]), r["entity_id"], r["posts"], r["reposts"], r["copies"]) for r in rows] == [
        ("2025-03-03", "ceo", 4, 1, 2), ("2025-03-10", "ceo", 1, 0, 0)]
    assert rows[0]["copy_share"] == pytest.approx(0.5)
    assert rows[0]["evidence"] == [{"post_id": "c1", "official_id": "o1"}, {"post_id": "c2", "official_id": "o2"}]
    assert result.notes == ()
    store.close()


def test_analyses_copied_posts_filters_and_checks_options(store: Store) -> None:
    assert CopiedPosts().run(store, WATCHLIST, account="200", by="month").table.column("posts").to_pylist() == [5]
    assert CopiedPosts().run(store, WATCHLIST, account="nobody").table.num_rows == 0
    assert CopiedPosts().run(store, WATCHLIST, evidence_limit=1).table.to_pylist()[0]["evidence"] == [
        {"post_id": "c1", "official_id": "o1"}]
    with pytest.raises(UsageError, match="by must be one of"):
        CopiedPosts().run(store, WATCHLIST, by="year")
    store.close()


def test_analyses_copied_posts_says_when_link_has_not_run(make_store: StoreMaker) -> None:
    with make_store() as s:
        s.write([_post("c1", CEO, 3)], "synthetic")
        result = CopiedPosts().run(s, WATCHLIST)
    assert result.table.column("copies").to_pylist() == [0]
    assert any("limelight link" in n for n in result.notes)


def test_analyses_copied_posts_after_link_found_no_copy_says_so(make_store: StoreMaker) -> None:
    with make_store() as s:
        s.write([_post("o1", ORG, 3), _post("c1", CEO, 4)], "synthetic")
        # what `limelight link` leaves behind even when no post copies another: every document in a story
        s.replace_stories([("o1", "s-o1", "link"), ("c1", "s-c1", "link")])
        result = CopiedPosts().run(s, WATCHLIST)
    assert result.table.column("copies").to_pylist() == [0]
    assert not any("run `limelight link` first" in n for n in result.notes)
    assert any("found no post that copies an official post" in n for n in result.notes)
