"""Exact and near duplicates on SYNTHETIC documents: kinds, direction, short texts, templated headlines."""

from __future__ import annotations

from limelight.link.duplicates import Doc, find_duplicates
from limelight.link.minhash import jaccard, shingles
from limelight.models import content_hash

BODY = ("Kestrel Auto delivered more than 41,000 vehicles in June, a record for the young carmaker. "
        "The company said demand for the KS7 stayed strong and that its new factory would open in autumn.")
EDITED = BODY.replace("in autumn", "in the autumn")
OTHER = ("Corvid Motors cut prices on its whole range after a weak quarter, analysts in Munich said, "
         "and warned that margins would shrink further before the end of the year.")


def _doc(doc_id: str, source: str, day: float | None, text: str) -> Doc:
    return Doc(doc_id, source, day, content_hash(None, text), text)


def test_link_duplicates_exact_copy_on_another_source_is_syndication() -> None:
    links = find_duplicates([_doc("b", "wire", 2.0, BODY), _doc("a", "origin", 1.0, BODY)], 0.8)
    assert [(x.from_id, x.to_id, x.kind, x.score) for x in links] == [("b", "a", "syndication", 1.0)]


def test_link_duplicates_same_source_is_duplicate_and_later_points_to_earlier() -> None:
    links = find_duplicates([_doc("x1", "s", 5.0, EDITED), _doc("x2", "s", 3.0, BODY), _doc("y", "t", 4.0, OTHER)],
                            0.8)
    assert len(links) == 1
    link = links[0]
    assert (link.from_id, link.to_id, link.kind) == ("x1", "x2", "duplicate")
    assert 0.8 <= link.score < 1.0 and "Jaccard" in link.evidence


def test_link_duplicates_threshold_and_short_texts() -> None:
    docs = [_doc("a", "s", 1.0, BODY), _doc("b", "t", 2.0, EDITED)]
    assert find_duplicates(docs, 0.99) == []
    short = [_doc("p", "s", 1.0, "Support!"), _doc("q", "t", 2.0, "Support! Yes")]
    assert find_duplicates(short, 0.5) == []  # too short to call a near-copy


def test_link_duplicates_templated_headlines_of_different_companies_are_not_copies() -> None:
    # Shaped like real wire headlines (issue #8): one name changes in a fixed template, at the end
    # where it costs a single shingle, so the shingle Jaccard reaches the threshold all the same.
    template = [
        ("Trading Halt / Suspension de la negociation par l'autorite de marche - ACM", "s"),
        ("Trading Halt / Suspension de la negociation par l'autorite de marche - BRW", "s"),
        ("CORVID CORPORATION SHAREHOLDER ALERT: Dunlin & Egret, P.A. Announces Investigation Of Buyout", "t"),
        ("KESTREL CORPORATION SHAREHOLDER ALERT: Dunlin & Egret, P.A. Announces Investigation Of Buyout", "t"),
    ]
    docs = [_doc(f"h{i}", source, float(i), text) for i, (text, source) in enumerate(template)]
    pairs = [(shingles(docs[i].text), shingles(docs[i + 1].text)) for i in (0, 2)]
    assert all(jaccard(a, b) >= 0.8 for a, b in pairs)  # what MinHash alone would call near-copies
    assert find_duplicates(docs, 0.8) == []
    # A real copy of a headline adds a prefix or a suffix, or changes case and punctuation: linked.
    copies = [_doc("a", "wire", 1.0, "Kestrel Auto begins marketing 10-year dollar bond at 6.25% yield area"),
              _doc("b", "wire", 1.1, "UPDATE 1-Kestrel Auto begins marketing 10-year dollar bond at 6.25% yield area"),
              _doc("c", "wire", 1.2, "Kestrel Auto Begins Marketing 10-Year Dollar Bond at 6.25% Yield Area -sources")]
    assert {(x.from_id, x.to_id) for x in find_duplicates(copies, 0.8)} == {("b", "a"), ("c", "a")}
