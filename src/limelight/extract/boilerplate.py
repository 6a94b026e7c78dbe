"""Boilerplate that follows an article: comment prompts, related-article lists, "same author", nav.

Pages copied as text (and some that trafilatura keeps) end with a comment counter, a "same
category" list of other headlines and navigation words. A short line that is one of these markers
ends the article: it and everything after it go. Only a *whole short line* counts, so an article that
mentions "related articles" in a sentence keeps it.
"""

from __future__ import annotations

import re

_MARKERS = (
    # de
    r"Kommentare?", r"Kommentar schreiben", r"Kommentieren", r"Hinterlasse(?:n Sie)? einen Kommentar.*",
    r"Schreibe(?:n Sie)? einen Kommentar.*", r"Gleiche Kategorie", r"Gleicher Autor", r"Vom selben Autor",
    r"Ähnliche (?:Artikel|Beiträge|Themen)", r"Verwandte (?:Artikel|Beiträge|Themen)", r"Mehr zum Thema",
    r"Weitere Artikel", r"Das könnte (?:Sie|dich) auch interessieren", r"Auch interessant", r"Lesen Sie auch",
    r"Weiterlesen", r"Meistgelesen", r"Neueste Artikel",
    # en
    r"Comments?", r"Leave a (?:comment|reply).*", r"Post a comment", r"Add a comment",
    r"Related(?: articles| posts| stories| news| content)?",
    r"Same category", r"Same author", r"More from (?:this|the) author", r"More stories", r"Read more",
    r"Read next", r"Recommended(?: for you)?", r"You (?:may|might) also like", r"Most (?:read|popular)",
    r"Latest news", r"More on this (?:story|topic)", r"Share this(?: article)?",
    # vi
    r"Bình luận", r"Viết bình luận", r"Ý kiến(?: bạn đọc)?", r"Cùng chuyên mục", r"Cùng tác giả",
    r"Tin liên quan", r"Bài liên quan", r"Tin cùng chuyên mục", r"Xem thêm", r"Đọc thêm", r"Tin mới(?: nhất)?",
    r"Đọc nhiều(?: nhất)?",
    # zh
    r"评论", r"發表評論", r"发表评论", r"网友评论", r"相关文章", r"相关阅读", r"相关新闻", r"延伸阅读", r"推荐阅读",
    r"同类文章", r"同一作者", r"更多阅读", r"热门文章",
)
# A marker alone on its line, optionally with a counter: "Kommentar (0)", "Comments 12", "评论(3)".
BOILERPLATE_LINE = re.compile(
    r"^\s*(?:" + "|".join(_MARKERS) + r")\s*(?:[(\[]\s*\d+\s*[)\]]|\d+)?\s*[:!.…»›>]*\s*$", re.I
)


def is_boilerplate_marker(line: str) -> bool:
    line = line.strip()
    return 0 < len(line) <= 120 and BOILERPLATE_LINE.match(line) is not None


def cut_tail(paragraphs: list[str], min_keep: int = 1) -> list[str]:
    """Paragraphs up to the first boilerplate marker that comes after at least ``min_keep`` paragraphs."""
    for i, para in enumerate(paragraphs):
        if i >= min_keep and is_boilerplate_marker(para):
            return paragraphs[:i]
    return paragraphs
