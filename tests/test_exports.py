"""write_table on hostile text: tables never interpret it, CSV never carries formulas, JSON stays exact."""

from __future__ import annotations

import csv
import io
import json

import pyarrow as pa
import pytest

from limelight.exports import terminal_safe, write_table

MARKUP = "Evil [/bold] [link=http://evil.example]click[/link] [bold red]loud[/bold red] :smile:"
OSC8 = "\x1b]8;;http://evil.example\x1b\\y\x1b]8;;\x1b\\"
CLEAR = "before\x1b[2J\x1b[Hafter"
BIDI = "invoice \u202egpj.exe\u202c \u2066iso\u2069"
C1 = "csi\x9b31m del\x7f nul\x00 bell\x07 cr\rend"


def table_out(table: pa.Table, **kw: object) -> str:
    out = io.StringIO()
    write_table(table, "table", out, **kw)  # type: ignore[arg-type]
    return out.getvalue()


def csv_rows(table: pa.Table, *, csv_raw: bool = False) -> list[list[str]]:
    out = io.StringIO()
    write_table(table, "csv", out, csv_raw=csv_raw)
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_exports_table_markup_is_literal() -> None:
    text = table_out(pa.table({"title": [MARKUP]}), title="[bold]Title[/bold] [link=http://t.example]t[/link]",
                     notes=("[/dim] note [link=http://n.example]n[/link]",))
    for literal in ("[/bold]", "[link=http://evil.example]click[/link]", "[bold red]loud[/bold red]",
                    ":smile:", "[bold]Title[/bold]", "[/dim] note [link=http://n.example]n[/link]"):
        assert literal in text
    assert "\x1b" not in text  # no OSC 8 hyperlink, no style codes from markup
    assert "😄" not in text


def test_exports_table_column_names_are_literal() -> None:
    text = table_out(pa.table({"[/red]": ["x"], "[link=http://c.example]c[/link]": ["y"]}))
    assert "[/red]" in text and "[link=http://c.example]c[/link]" in text


@pytest.mark.parametrize(("value", "shown", "gone"), [
    (OSC8, "\\x1b]8;;http://evil.example\\x1b\\y", "\x1b"),
    (CLEAR, "before\\x1b[2J\\x1b[Hafter", "\x1b"),
    (BIDI, "\\u202egpj.exe\\u202c \\u2066iso\\u2069", "\u202e\u202c\u2066\u2069"),
    (C1, "csi\\x9b31m del\\x7f nul\\x00 bell\\x07 cr\\x0dend", "\x9b\x7f\x00\x07\r"),
])
def test_exports_table_control_characters_made_visible(value: str, shown: str, gone: str) -> None:
    # Wide enough that the escaped cell is not folded over several lines.
    text = table_out(pa.table({"t": [value], **{f"c{i}": [""] for i in range(12)}}))
    assert shown in text
    assert not [ch for ch in gone if ch in text]


def test_exports_terminal_safe_escapes_every_unsafe_character_and_keeps_text() -> None:
    unsafe = [*(chr(c) for c in range(0x20) if c not in (9, 10)), "\x7f",
              *(chr(c) for c in range(0x80, 0xA0)), *(chr(c) for c in range(0x202A, 0x202F)),
              *(chr(c) for c in range(0x2066, 0x206A))]
    for ch in unsafe:
        escaped = terminal_safe(f"a{ch}b")
        assert ch not in escaped and escaped.startswith("a\\") and escaped.endswith("b"), repr(ch)
    kept = "Lei Jun 雷军 Lôi Quân\tline\nnext ¡é€ \u200b"
    assert terminal_safe(kept) == kept
    assert terminal_safe("\x1b") == "\\x1b" and terminal_safe("\u202e") == "\\u202e"


def test_exports_table_keeps_ordinary_text() -> None:
    text = table_out(pa.table({"title": ["Lei Jun 雷军 ist anders"], "n": [3]}), title="Stories")
    assert "Lei Jun 雷军 ist anders" in text and "Stories" in text and "3" in text


@pytest.mark.parametrize("formula", [
    "=cmd|' /C calc'!A0", '+HYPERLINK("http://evil")', "@SUM(A1)", "-2+3", "\t=1+1", "\r=1+1",
])
def test_exports_csv_neutralises_formulas(formula: str) -> None:
    rows = csv_rows(pa.table({"title": [formula]}))
    assert rows[1] == ["'" + formula]


def test_exports_csv_numbers_and_plain_text_unchanged() -> None:
    table = pa.table({"i": [-5], "f": [-0.25], "s": ["Lei Jun"], "q": ["it's 'quoted'"], "none": pa.array([None],
                                                                                                       pa.string())})
    assert csv_rows(table)[1] == ["-5", "-0.25", "Lei Jun", "it's 'quoted'", ""]


def test_exports_csv_neutralises_each_list_element() -> None:
    table = pa.table({"aliases": [["=1+1", "ok", "@x", "-y"]], "ns": [[-1, 2]]})
    assert csv_rows(table)[1] == ["'=1+1|ok|'@x|'-y", "-1|2"]


def test_exports_csv_neutralises_column_names() -> None:
    assert csv_rows(pa.table({"=evil()": ["x"]}))[0] == ["'=evil()"]


def test_exports_csv_raw_passes_cells_through() -> None:
    table = pa.table({"=h": ['=HYPERLINK("http://evil")'], "l": [["@x", "ok"]], "i": [-5]})
    assert csv_rows(table, csv_raw=True) == [["=h", "l", "i"], ['=HYPERLINK("http://evil")', "@x|ok", "-5"]]


def test_exports_json_is_exact_and_escapes_controls() -> None:
    values = [MARKUP, OSC8, CLEAR, BIDI, C1, "=1+1", "Lei Jun 雷军"]
    out = io.StringIO()
    write_table(pa.table({"t": values, "n": list(range(len(values)))}), "json", out)
    text = out.getvalue()
    assert [r["t"] for r in json.loads(text)] == values
    assert [r["n"] for r in json.loads(text)] == list(range(len(values)))
    for ch in ("\x1b", "\x9b", "\x7f", "\x00", "\r", "\u202e", "\u2066"):
        assert ch not in text, repr(ch)
    assert "雷军" in text  # not ASCII-escaped: readable in a UTF-8 terminal


def test_exports_unknown_format_refused() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        write_table(pa.table({"a": [1]}), "xml", io.StringIO())


DOUYIN = "抖音_超级品牌旗舰店官方账号_douyin_brand_flagship_official_2024"
WIDE = pa.table({"entity_id": ["brand", "ceo"], "platform": ["douyin", "weibo"], "handle": [DOUYIN, "ceo1"],
                 "row": ["silence", "cadence"], "posts": [3, 400], "confidence": [0.0, 1.0],
                 "evidence": [["d1", "d2", "d3", "d4"], []]})


def test_exports_table_fits_the_width_one_line_per_row() -> None:
    text = table_out(WIDE, width=60, title="Withdrawal", notes=("silence measured up to 2024-07-18",))
    lines = text.splitlines()
    from rich.cells import cell_len

    assert max(cell_len(line) for line in lines) <= 60
    # title, header, rule, two rows, the note: nothing wraps onto a second line
    assert len(lines) == 6 and lines[-1] == "note: silence measured up to 2024-07-18"
    brand = next(line for line in lines if line.startswith("brand"))
    assert "…" in brand and DOUYIN not in text and "抖音" in brand


def test_exports_table_full_shows_every_cell_whole() -> None:
    text = table_out(WIDE, width=60, full=True, documents={"d1": "Brand recalls phones (https://example.org/r)"})
    assert DOUYIN in text and "…" not in text
    assert "Brand recalls phones (https://example.org/r); d2; d3; d4" in text  # every item with --full
    assert len(text.splitlines()) == 4


def test_exports_table_evidence_shows_titles_and_urls() -> None:
    docs = {f"d{i}": f"Title {i} (https://example.org/{i})" for i in range(1, 5)}
    text = table_out(pa.table({"n": [1], "evidence": [["d1", "d2", "d3", "d4"]]}), width=200, documents=docs)
    shown = "; ".join(f"Title {i} (https://example.org/{i})" for i in (1, 2, 3)) + " (+1 more)"
    assert shown in text
    assert "d4" not in text


def test_exports_table_leaves_out_columns_that_cannot_fit_and_says_so() -> None:
    table = pa.table({f"column_{i}": [f"value number {i}"] for i in range(12)})
    header, _rule, row, more = table_out(table, width=40).splitlines()
    # five columns of 6 characters and their gaps fit in 40; the other seven are named below
    assert header.startswith("column_0") and "column_5" not in header and len(row) <= 40
    assert more.startswith("7 more column(s) do not fit: column_5, ")
    assert more.endswith("(--full or --format json shows them)")


def test_exports_json_report_keeps_the_notes() -> None:
    out = io.StringIO()
    write_table(WIDE, "json", out, title="Withdrawal", notes=("silence measured up to 2024-07-18",),
                meta={"analysis": "withdrawal", "options": {"as_of": "2024-07-18"}})
    data = json.loads(out.getvalue())
    assert data["analysis"] == "withdrawal" and data["options"] == {"as_of": "2024-07-18"}
    assert data["notes"] == ["silence measured up to 2024-07-18"] and data["title"] == "Withdrawal"
    assert data["rows"][0]["handle"] == DOUYIN and data["rows"][0]["evidence"] == ["d1", "d2", "d3", "d4"]


def test_exports_csv_notes_before_the_header_and_cells_still_neutralised() -> None:
    table = pa.table({"title": ["=cmd|' /C calc'!A0"], "n": [1]})
    notes = ("periods in UTC, weeks start on Monday", "two\nlines")
    out = io.StringIO()
    write_table(table, "csv", out, notes=notes)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["# note: periods in UTC, weeks start on Monday"], ["# note: two lines"], ["title", "n"],
                    ["'=cmd|' /C calc'!A0", "1"]]
    out = io.StringIO()
    write_table(table, "csv", out, notes=notes, csv_raw=True)
    assert list(csv.reader(io.StringIO(out.getvalue())))[3] == ["=cmd|' /C calc'!A0", "1"]
