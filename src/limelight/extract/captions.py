"""Photo captions: found, kept apart from the body text, and image alt-text lines dropped.

A person shown in a photo caption is a different kind of visibility than one named in the text, so
captions travel in ``Document.captions`` and never in ``Document.text`` (where they would also count
twice as "body" mentions).
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

# Credit markers that end a caption line: "... Foto: Weibo .", "... Photo: Reuters", "Ảnh: VnExpress",
# "图/新华社", "(Bild: dpa)". The credit must be short (a name, not a sentence) to count.
_CREDIT = r"(?:Foto|Fotos|Photo|Photos|Bild|Bilder|Image|Images|Picture|Ảnh|Anh|Credit|图|图片|圖|照片)"
CAPTION_LINE = re.compile(
    rf"(?:^|[\s.!?(\[|/—–-]){_CREDIT}\s*[:/：]\s*[^.!?:]{{1,60}}\s*\.?\s*[)\]]?\s*$",
    re.I,
)
# Alt-text of images left behind by a copy-paste: "Loi Quan im lang anh 1", "Bild 2", "图 3".
ALT_LINE = re.compile(r"^(?:[^.!?]{0,80}\s)?(?:ảnh|anh|image|photo|foto|bild|picture|图片?)\s*\d{1,3}$", re.I)

CAPTION_XPATH = (
    "//figcaption"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' caption ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' wp-caption-text ')]"
    " | //*[contains(@class, 'caption') and not(self::figure) and not(self::body) and not(self::html)]"
)


def norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def is_caption_line(line: str) -> bool:
    """A line that ends in a photo credit and is not a long paragraph of body text."""
    line = line.strip()
    if not line or len(line) > 400:
        return False
    return CAPTION_LINE.search(line) is not None


def is_alt_text_line(line: str) -> bool:
    line = line.strip()
    return bool(line) and len(line.split()) <= 12 and ALT_LINE.match(line) is not None


def html_captions(tree: HtmlElement) -> list[str]:
    """Caption texts from <figcaption> and caption-classed elements, outermost first, no repeats."""
    seen: set[str] = set()
    out: list[str] = []
    for el in tree.xpath(CAPTION_XPATH):
        text = " ".join(el.text_content().split())
        if not text or len(text) > 600:
            continue
        key = norm(text)
        # A caption container around a nested caption element matches both; keep the outer text.
        if key in seen or any(key in s for s in seen):
            continue
        seen.add(key)
        out.append(text)
    return out


def remove_captions(paragraphs: list[str], captions: list[str]) -> list[str]:
    """Paragraphs without those that are (or end with) a known caption."""
    if not captions:
        return paragraphs
    keys = [norm(c) for c in captions if len(c) >= 8]
    out = []
    for para in paragraphs:
        p = norm(para)
        if p and any(p == k or (len(k) >= 25 and k in p and len(p) - len(k) < 40) for k in keys):
            continue
        out.append(para)
    return out
