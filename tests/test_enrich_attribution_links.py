"""Republications link to their original, whichever is ingested first.

The two pages are SYNTHETIC (written here): an original on one site and a translated republication
with a `Quelle:` line on another.
"""

from __future__ import annotations

from pathlib import Path

import limelight

ORIGINAL = """<html lang="vi"><head><title>Kestrel rút lui - Tin Nhanh</title>
<link rel="canonical" href="https://tinnhanh.example/kestrel-rut-lui-1.html">
<meta property="article:published_time" content="2025-12-27T08:00:00+07:00"></head>
<body><article><h1>Kestrel rút lui</h1>
<p>Sau hai tháng khủng hoảng truyền thông, Kestrel thay đổi chiến lược truyền thông của mình.</p>
<p>Chủ tịch Bai Ming đã phát biểu tại sự kiện ra mắt, còn nhà sáng lập ngồi dưới khán đài.</p>
<p>Các bài đăng trên mạng xã hội của ông giờ chủ yếu sao chép thông tin chính thức của công ty.</p>
</article></body></html>"""

REPUBLISHED = """Portal Beispiel - Nachrichten

Kestrel zieht sich zurück.

TinNhanh 27/12/2025

Nach der zweimonatigen Medienkrise ändert Kestrel seine Kommunikationsstrategie grundlegend.

Präsident Bai Ming hielt die Rede bei der Vorstellung, während der Gründer im Publikum saß.

Seine Beiträge in sozialen Medien kopieren inzwischen vor allem offizielle Mitteilungen.

Quelle: https://tinnhanh.example/kestrel-rut-lui-1.html
"""


def _write(tmp: Path) -> tuple[Path, Path]:
    (tmp / "orig.html").write_text(ORIGINAL, encoding="utf-8")
    (tmp / "copy.txt").write_text(REPUBLISHED, encoding="utf-8")
    return tmp / "orig.html", tmp / "copy.txt"


def test_attribution_links_resolve_in_either_order(tmp_path: Path) -> None:
    orig, copy = _write(tmp_path)
    for order in ((orig, copy), (copy, orig)):
        project = limelight.init(tmp_path / f"p-{order[0].stem}")
        for target in order:  # separate runs: the original may arrive after its copy
            res = limelight.ingest([str(target)], project, fetch=False)
            assert res.stats.failed == 0, [e.line() for e in res.errors]
        rows = limelight.query(
            "select a.to_url, a.evidence, f.language as from_lang, t.language as to_lang "
            "from attributions a join documents f on f.id = a.from_id join documents t on t.id = a.to_id",
            project).to_pylist()
        assert rows == [{"to_url": "https://tinnhanh.example/kestrel-rut-lui-1.html",
                         "evidence": "Quelle: https://tinnhanh.example/kestrel-rut-lui-1.html",
                         "from_lang": "de", "to_lang": "vi"}]


def test_attribution_links_none_without_attribution(tmp_path: Path) -> None:
    orig, _ = _write(tmp_path)
    project = limelight.init(tmp_path / "p")
    limelight.ingest([str(orig)], project, fetch=False)
    assert limelight.query("select count(*) as n from links", project).column("n")[0].as_py() == 0


def test_visibility_counts_a_republished_story_once(tmp_path: Path) -> None:
    from limelight.project import init_project

    orig, copy = _write(tmp_path)
    project = init_project(tmp_path / "p", watchlist='[[entity]]\nid = "kestrel"\nkind = "org"\nname = "Kestrel"\n')
    limelight.ingest([str(orig), str(copy)], project, fetch=False)
    rows = limelight.visibility(project, by="month", entity="kestrel").table.to_pylist()
    assert [(r["documents"], r["stories"]) for r in rows] == [(2, 1)]
