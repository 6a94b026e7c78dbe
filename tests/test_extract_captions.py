from __future__ import annotations

from trafilatura.utils import load_html

from limelight.extract.boilerplate import cut_tail, is_boilerplate_marker
from limelight.extract.captions import html_captions, is_alt_text_line, is_caption_line, remove_captions


def test_extract_captions_credit_lines() -> None:
    assert is_caption_line("Lei Jun ist weniger präsent. Foto: Weibo .")
    assert is_caption_line("Xe điện mới của Xiaomi. Ảnh: VnExpress")
    assert is_caption_line("Der Chef bei der Präsentation (Bild: dpa)")
    assert is_caption_line("雷军在发布会上 图/新华社")
    sentence = "Er machte ein Foto: das war der Anfang einer langen Geschichte, die er später erzählte."
    assert not is_caption_line(sentence)
    assert not is_caption_line("Ein ganz normaler Satz ohne Bildnachweis.")


def test_extract_captions_alt_text_lines() -> None:
    assert is_alt_text_line("Loi Quan im lang anh 1")
    assert is_alt_text_line("Bild 2")
    assert not is_alt_text_line("Xiaomi verkaufte 2 Millionen Einheiten in Monat 1")


def test_extract_captions_from_html_and_removed_from_text() -> None:
    tree = load_html('<html><body><figure><img src="a.jpg"><figcaption>Lei Jun auf der Bühne. Foto: Xiaomi'
                     '</figcaption></figure><div class="wp-caption"><p class="wp-caption-text">Ein Auto.</p></div>'
                     '<p>Text.</p></body></html>')
    caps = html_captions(tree)
    assert caps == ["Lei Jun auf der Bühne. Foto: Xiaomi", "Ein Auto."]
    assert remove_captions(["Text.", "Lei Jun auf der Bühne. Foto: Xiaomi"], caps) == ["Text."]


def test_extract_captions_boilerplate_tail() -> None:
    assert is_boilerplate_marker("Kommentar (0)")
    assert is_boilerplate_marker("Cùng chuyên mục")
    assert is_boilerplate_marker("相关文章")
    assert not is_boilerplate_marker("Related articles about the war were published by three newspapers.")
    assert cut_tail(["a", "b", "Read more", "c"], min_keep=1) == ["a", "b"]
    assert cut_tail(["Comments", "b"], min_keep=1) == ["Comments", "b"]
