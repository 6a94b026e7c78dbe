"""The role an entity plays where it is mentioned: headline, caption, lead, body, quoted, speaking,
audience.

``headline`` and ``caption`` come from the field. Inside the text, a cue role (quoted, speaking,
audience) wins over the position roles (lead for the first paragraph, body elsewhere).

Cue roles are found in the mention's sentence, and only for the entity the cue is about:

1. The sentence is cut into clauses at contrast and subordinate joints (", während", "while",
   ", whereas", "còn", "而", ", dass", ";"), so in "Lu Weibing fungierte als Hauptredner, während
   Lei Jun im Publikum saß" the speaking cue and the audience cue each see only their own entity.
2. A cue is tied to a mention in three ways (the tables below say which a cue allows):
   * ``after``: the cue follows the mention with at most ``gap`` words between ("Lei Jun sagte",
     "Lei Jun saß im Publikum", "雷军表示");
   * ``before``: the cue precedes it ("sagte Lei Jun", "according to Lei Jun", "theo Lôi Quân");
   * ``subject``: the mention opens the clause (at most three words in) and the cue comes later in
     the same clause ("Lu Weibing fungierte jedoch vor und während der Präsentation ... als
     Hauptredner").
   Where several mentions compete for one cue, a person beats an organisation ("sagte
   Xiaomi-Chef Lei Jun" quotes Lei Jun) and then the nearest wins. A mention right after an article
   or preposition ("des Xiaomi 17 Ultra", "of Xiaomi") is never the agent of an ``after`` or
   ``subject`` cue.
3. If several cues tie a mention, the one with the fewest words between wins.

Gaps are counted in words; for Chinese and Japanese in characters (no spaces to count).
Patterns are data: add a language by adding rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from limelight.enrich.matcher import token_starts

CUE_ROLES = ("quoted", "speaking", "audience")
_SUBJECT_GAP = 1000  # a subject tie is weaker than any direct one
_SUBJECT_MAX_LEAD = 3  # words allowed before the subject at the start of a clause


@dataclass(frozen=True, slots=True)
class Cue:
    role: str
    pattern: str  # regex, matched case-insensitively
    after: int | None = None  # max words between mention and a following cue; None: not allowed
    before: int | None = None  # max words between a preceding cue and the mention
    subject: bool = False  # the cue may refer to the clause subject anywhere earlier in the clause


# fmt: off
CUES: dict[str, tuple[Cue, ...]] = {
    "de": (
        Cue("quoted", r"sagte|sagt|erklärte|erklärt|betonte|betont|meinte|kommentierte|verkündete|"
                      r"schrieb|postete|äußerte|kündigte|teilte|zufolge", after=2, subject=True),
        Cue("quoted", r"sagte|sagt|erklärte|betonte|meinte|laut|zitiert|, so", before=2),
        Cue("speaking", r"als Hauptrednerin|als Hauptredner|Hauptredner(?:in)?|Keynote|"
                        r"hielt (?:eine|die) Rede|Eröffnungsrede|präsentierte|präsentiert|stellte|"
                        r"auf der Bühne|moderierte|eröffnete|sprach auf|trat auf", after=2, subject=True),
        Cue("speaking", r"Keynote von|Rede von|Vortrag von|Präsentation von", before=1),
        Cue("audience", r"im Publikum|unter den Zuschauern|unter den Gästen|in der ersten Reihe",
            after=1, subject=True),
    ),
    "en": (
        Cue("quoted", r"said|says|told|stated|added|noted|explained|wrote|tweeted|posted|announced|"
                      r"commented", after=2, subject=True),
        Cue("quoted", r"said|says|told|added|according to|quoted", before=2),
        Cue("speaking", r"gave (?:a|the) keynote|delivered (?:a|the) keynote|keynote speaker|keynote|"
                        r"took the stage|on stage|presented|unveiled|spoke at|hosted|headlined|"
                        r"gave a (?:talk|speech)", after=2, subject=True),
        Cue("speaking", r"keynote by|speech by|talk by|presentation by|presented by|hosted by", before=1),
        Cue("audience", r"in the audience|among the audience|in the front row|watched from the crowd",
            after=2, subject=True),
    ),
    "vi": (
        Cue("quoted", r"cho biết|nói|khẳng định|chia sẻ|tuyên bố|nhấn mạnh|cho hay|bày tỏ",
            after=2, subject=True),
        Cue("quoted", r"theo|lời", before=1),
        Cue("speaking", r"phát biểu|diễn thuyết|trình bày|lên sân khấu|chủ trì|dẫn dắt",
            after=3, subject=True),
        Cue("audience", r"ngồi dưới khán đài|dưới khán đài|hàng ghế khán giả|ngồi ở hàng ghế",
            after=3, subject=True),
    ),
    "zh": (
        Cue("quoted", r"表示|说|称|指出|透露|坦言|强调|回应", after=6),
        Cue("quoted", r"据|引述", before=2),
        Cue("speaking", r"发表演讲|发表主题演讲|演讲|主持|致辞|登台|主讲", after=8),
        Cue("audience", r"坐在台下|台下|观众席", after=8),
    ),
}
# fmt: on

# Any language: an attributed quote "Lei Jun: „…“".
_COMMON = (Cue("quoted", r":\s*[„\"“«「]", after=0),)

_CLAUSE_BREAKS = re.compile(
    r",\s*(?:während|wohingegen|aber|doch|dass|sodass|so dass|whereas|while|but|that|which"
    r"|còn|nhưng|trong khi)\b"
    r"|\s(?:while|whereas|còn|trong khi)\s|;|；|，?而|，但",
    re.IGNORECASE,
)
# A comma or colon between cue and name breaks the tie: "Lei Jun sagte, Xiaomi wachse" does not
# quote Xiaomi. (The attributed quote cue ": „" carries its colon inside the cue itself.)
_PAUSE = re.compile(r"[,;:，；：]")
_NOT_AGENT_WORDS = """
des der dem den das vom von beim im am zum zur mit für über
of the a an for with by about to
của về cho với
"""
_NOT_AGENT = frozenset(_NOT_AGENT_WORDS.split())


def _compile(cue: Cue) -> re.Pattern[str]:
    # Latin cues need word edges; CJK cues cannot have them.
    if re.search(r"[\u2e80-\u9fff]", cue.pattern):
        return re.compile(cue.pattern)
    return re.compile(rf"(?<!\w)(?:{cue.pattern})(?!\w)", re.IGNORECASE)


_COMPILED: tuple[tuple[Cue, re.Pattern[str]], ...] = tuple(
    (cue, _compile(cue)) for cues in (*CUES.values(), _COMMON) for cue in cues
)


def clauses(sentence: str) -> list[tuple[int, int]]:
    """Clause spans of a sentence, cut before each clause joint."""
    cuts = [0] + [m.start() for m in _CLAUSE_BREAKS.finditer(sentence)] + [len(sentence)]
    return [(a, b) for a, b in pairwise(cuts) if b > a]


def _words_between(starts: list[int], a: int, b: int) -> int:
    """Words (tokens) starting in ``[a, b)``."""
    from bisect import bisect_left

    return max(bisect_left(starts, b) - bisect_left(starts, a), 0)


def _previous_word(sentence: str, start: int) -> str:
    m = re.search(r"(\w+)\W*$", sentence[:start])
    return m.group(1).lower() if m else ""


def cue_roles(sentence: str, spans: Sequence[tuple[int, int, bool]]) -> list[str | None]:
    """The cue role (quoted / speaking / audience) of each mention, or None.

    ``spans`` are ``(start, end, is_person)`` relative to ``sentence``.
    """
    best: list[tuple[int, int, str] | None] = [None] * len(spans)  # (gap, order, role)
    if not spans:
        return []
    starts = token_starts(sentence)

    def offer(i: int, gap: int, role: str) -> None:
        cand = (gap, CUE_ROLES.index(role) if role in CUE_ROLES else 9, role)
        if best[i] is None or cand < best[i]:  # type: ignore[operator]
            best[i] = cand

    for cs, ce in clauses(sentence):
        inside = [i for i, (s, _e, _p) in enumerate(spans) if cs <= s < ce]
        if not inside:
            continue
        inside.sort(key=lambda i: spans[i][0])
        clause = sentence[cs:ce]
        first = inside[0]
        fs = spans[first][0]
        subject_ok = (_words_between(starts, cs, fs) <= _SUBJECT_MAX_LEAD
                      and _previous_word(sentence, fs) not in _NOT_AGENT)
        for cue, rx in _COMPILED:
            for m in rx.finditer(clause):
                ms, me = cs + m.start(), cs + m.end()
                if cue.after is not None:
                    cands = []
                    for i in inside:
                        s, e, person = spans[i]
                        if (e <= ms and _previous_word(sentence, s) not in _NOT_AGENT
                                and not _PAUSE.search(sentence, e, ms)):
                            gap = _words_between(starts, e, ms)
                            if gap <= cue.after:
                                cands.append((not person, gap, i))
                    if cands:
                        _, gap, i = min(cands)
                        offer(i, gap, cue.role)
                if cue.before is not None:
                    cands = []
                    for i in inside:
                        s, e, person = spans[i]
                        if s >= me and not _PAUSE.search(sentence, me, s):
                            gap = _words_between(starts, me, s)
                            if gap <= cue.before:
                                cands.append((not person, gap, i))
                    if cands:
                        _, gap, i = min(cands)
                        offer(i, gap, cue.role)
                if cue.subject and subject_ok and spans[first][1] <= ms:
                    offer(first, _SUBJECT_GAP, cue.role)
    return [b[2] if b else None for b in best]
