from __future__ import annotations

import pytest

from limelight.extract.attribution import domain_of, find_attribution, link_attribution, parse_attribution_line


@pytest.mark.parametrize(
    ("line", "url", "name"),
    [
        ("Quelle: https://znews.vn/loi-quan-khac-la-post1614606.html", "https://znews.vn/loi-quan-khac-la-post1614606.html",
         "znews.vn"),
        ("Source: Reuters", None, "Reuters"),
        ("Nguồn: VnExpress", None, "VnExpress"),
        ("来源：新华社", None, "新华社"),
        ("(Theo Tuổi Trẻ)", None, "Tuổi Trẻ"),
        ("Originally published at https://blog.example.com/post.", "https://blog.example.com/post", "blog.example.com"),
    ],
)
def test_extract_attribution_lines(line: str, url: str | None, name: str) -> None:
    att = parse_attribution_line(line)
    assert att is not None and att.url == url and att.name == name and att.text == line.strip()


@pytest.mark.parametrize(
    "line",
    [
        "Theo ông Nguyễn Văn A, giá nhà sẽ còn tăng trong năm tới.",  # "according to", a sentence
        "Source: the ministry said on Monday that it would review the decision next year",
        "Die Quelle des Problems liegt woanders.",
    ],
)
def test_extract_attribution_sentences_are_not_attributions(line: str) -> None:
    assert parse_attribution_line(line) is None


def test_extract_attribution_line_removed_and_url_preferred() -> None:
    att, kept = find_attribution(["Body.", "Source: Reuters", "More body.", "Quelle: https://a.example/x"])
    assert att is not None and att.url == "https://a.example/x"
    assert kept == ["Body.", "More body."]


def test_extract_attribution_foreign_canonical() -> None:
    assert link_attribution("https://www.a.de/x", "https://b.org/y", "canonical") is not None
    assert link_attribution("https://www.a.de/x", "https://a.de/y", "canonical") is None
    assert link_attribution("https://m.a.de/x", "https://a.de/y", "canonical") is None
    assert domain_of("Vietnam.vn - Nền tảng quảng bá Việt Nam") == "vietnam.vn"
    assert domain_of("https://WWW.Example.com/a") == "example.com"
