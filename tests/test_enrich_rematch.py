"""Mentions follow the watchlist: after an edit, the stored mentions equal what a clean ingest with
the new watchlist would store, and only the documents the change can affect are matched again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner

import limelight
from limelight.cli import main
from limelight.project import WATCHLIST_NAME

ENTITIES = {
    "xiaomi": '[[entity]]\nid = "xiaomi"\nkind = "org"\nname = "Xiaomi"\naliases = ["Xiaomi", "小米"]\n',
    "lei-jun": '[[entity]]\nid = "lei-jun"\nkind = "person"\nname = "Lei Jun"\nparent = "xiaomi"\n'
               'aliases = ["Lei Jun", "雷军"]\n',
    "lu-weibing": '[[entity]]\nid = "lu-weibing"\nkind = "person"\nname = "Lu Weibing"\naliases = ["Lu Weibing"]\n',
    "xiaomi-auto": '[[entity]]\nid = "xiaomi-auto"\nkind = "segment"\nname = "Xiaomi Auto"\nparent = "xiaomi"\n'
                   'aliases = ["Xiaomi Auto"]\n',
}
TEXTS = [
    "Xiaomi founder Lei Jun sat in the audience while Lu Weibing gave the keynote.",
    "Xiaomi Auto delivered more cars; Lei Jun said demand stayed strong.",
    "Weather report for Beijing: sunny, with a light wind from the north.",
    "小米 的 雷军 发布了新手机，卢伟冰 主持了发布会。",
    "Lu Weibing spoke about phones and the new Xiaomi store in Shanghai.",
    "Markets closed higher on Friday as technology shares rallied.",
]


def _inputs(folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(TEXTS):
        (folder / f"story{i}.txt").write_text(f"Story {i}\n\n{text} It was reported on Monday.\n", encoding="utf-8")
    return [str(folder)]


def _project(root: Path, entities: list[str]) -> limelight.Project:
    limelight.init(root)
    (root / WATCHLIST_NAME).write_text("\n".join(ENTITIES[e] for e in entities), encoding="utf-8")
    return limelight.open_project(root)


def _mentions(project: limelight.Project) -> list[dict[str, Any]]:
    return limelight.query("select id, document_id, entity_id, alias, surface, field, start, \"end\", role, "
                           "sentence from mentions order by id", project).to_pylist()


def _edit(project: limelight.Project, entities: list[str]) -> limelight.Project:
    (project.root / WATCHLIST_NAME).write_text("\n".join(ENTITIES[e] for e in entities), encoding="utf-8")
    return limelight.open_project(project.root)


def test_rematch_new_entity_gets_the_mentions_a_clean_ingest_would_give(tmp_path: Path) -> None:
    """Adding an entity and ingesting again changed nothing: the documents were "already known"."""
    inputs = _inputs(tmp_path / "in")
    project = _project(tmp_path / "p", ["xiaomi", "lei-jun"])
    limelight.ingest(inputs, project, fetch=False)
    edited = _edit(project, ["xiaomi", "lei-jun", "lu-weibing"])
    result = limelight.ingest(inputs, edited, fetch=False)
    assert result.stats.known == len(TEXTS)
    assert result.rematch is not None and result.rematch.changed == ("lu-weibing",)
    # Only the documents that hold the new alias were matched again.
    assert result.rematch.candidates == 2
    clean = _project(tmp_path / "clean", ["xiaomi", "lei-jun", "lu-weibing"])
    limelight.ingest(inputs, clean, fetch=False)
    assert _mentions(edited) == _mentions(clean)
    assert {m["entity_id"] for m in _mentions(edited)} >= {"lu-weibing"}


def test_rematch_longer_alias_takes_its_span_and_removed_entity_loses_mentions(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path / "in")
    project = _project(tmp_path / "p", ["xiaomi", "lei-jun", "lu-weibing"])
    limelight.ingest(inputs, project, fetch=False)
    edited = _edit(project, ["xiaomi", "lei-jun", "xiaomi-auto"])  # lu-weibing gone, xiaomi-auto new
    summary = limelight.apply_watchlist(edited)
    assert summary.changed == ("lu-weibing", "xiaomi-auto")
    clean = _project(tmp_path / "clean", ["xiaomi", "lei-jun", "xiaomi-auto"])
    limelight.ingest(inputs, clean, fetch=False)
    got = _mentions(edited)
    assert got == _mentions(clean)
    assert not [m for m in got if m["entity_id"] == "lu-weibing"]
    # "Xiaomi Auto" is the segment's now, not a mention of Xiaomi inside it.
    assert [m["surface"] for m in got if m["entity_id"] == "xiaomi-auto"] == ["Xiaomi Auto"]
    assert limelight.apply_watchlist(edited).changed == ()


def test_rematch_changed_alias_keeps_tone_of_unchanged_mentions_and_scores_new_ones(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path / "in")
    project = _project(tmp_path / "p", ["xiaomi", "lei-jun"])
    limelight.ingest(inputs, project, fetch=False)
    limelight.apply_tone(project)
    before = {r["id"]: r["tone"] for r in limelight.query("select id, tone from mentions", project).to_pylist()}
    assert before and all(t is not None for t in before.values())
    (project.root / WATCHLIST_NAME).write_text(
        ENTITIES["xiaomi"] + "\n" + ENTITIES["lei-jun"].replace('"雷军"]', '"雷军", "Weibing"]'), encoding="utf-8")
    edited = limelight.open_project(project.root)
    summary = limelight.apply_watchlist(edited)
    assert summary.changed == ("lei-jun",) and summary.mentions_added >= 2 and summary.toned >= 2
    after = {r["id"]: r["tone"] for r in limelight.query("select id, tone from mentions", edited).to_pylist()}
    assert all(after[i] == t for i, t in before.items())
    assert all(t is not None for t in after.values())


def test_rematch_store_without_fingerprints_is_matched_again_once(tmp_path: Path) -> None:
    """A store from before fingerprints were kept (NULL) cannot know which watchlist made its
    mentions: every entity counts as changed once."""
    inputs = _inputs(tmp_path / "in")
    project = _project(tmp_path / "p", ["xiaomi", "lei-jun"])
    limelight.ingest(inputs, project, fetch=False)
    limelight.query("update entities set fingerprint = null", project, write=True)
    summary = limelight.apply_watchlist(project)
    assert summary.changed == ("lei-jun", "xiaomi")
    assert limelight.apply_watchlist(project).changed == ()


def test_rematch_cli_watchlist_apply_reports_what_changed(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path / "in")
    project = _project(tmp_path / "p", ["xiaomi"])
    limelight.ingest(inputs, project, fetch=False)
    _edit(project, ["xiaomi", "lu-weibing"])
    runner = CliRunner()
    out = runner.invoke(main, ["watchlist", "apply", "-q", "-p", str(project.root)])
    assert out.exit_code == 0, out.output
    assert "Watchlist changed (1 entities: lu-weibing): matched 2 documents again" in out.output
    again = runner.invoke(main, ["watchlist", "apply", "-q", "-p", str(project.root)])
    assert "nothing to re-match" in again.output
