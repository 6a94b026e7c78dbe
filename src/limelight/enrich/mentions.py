"""Entity mentions with their role, from the watchlist, in title, text and captions.

One :class:`~limelight.enrich.matcher.Matcher` (one automaton) is built per process in ``setup``
from every alias variant and every query term; each field is scanned once.

Entities with a ``query``: the query is evaluated on the whole document (title, text and
captions, each its own field for NEAR). With ``query_mode = "filter"`` the entity's alias hits are
dropped when it does not match; with the default ``"add"`` alias hits always count. When it
matches but no alias of the entity was found, the entity still gets one
document-level mention, anchored at the first hit of a query term (so its field, span, sentence
and role are real; the role is the one that spot has: a query hit in the title gives "headline").
Its ``alias`` is :data:`QUERY_ALIAS`, so analyses can tell query-only mentions apart.

A hit inside a URL or a bare domain, or on a short share/follow line ("Follow us on Twitter"), is
neither a mention nor a query hit (:func:`excluded_spans`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from limelight.enrich.base import EnrichContext
from limelight.enrich.matcher import Match, Matcher
from limelight.enrich.query import QueryNode, Term, parse_query, token_hits
from limelight.enrich.roles import cue_roles
from limelight.enrich.sentences import sentence_at, split_sentences
from limelight.models import Document, Enriched, Entity, Mention, evolve
from limelight.registry import Registry
from limelight.settings import Settings

QUERY_ALIAS = "<query>"

FieldHits = tuple[str, str, int | None, list[Match], dict[str, list[tuple[int, int]]]]


def positive_terms(node: QueryNode, negated: bool = False) -> list[str]:
    """Query terms not under a NOT, in query order (where a query-only mention is anchored, what a
    search hit highlights)."""
    from limelight.enrich.query import And, Near, Not, Or

    if isinstance(node, Term):
        return [] if negated else [node.key]
    if isinstance(node, Not):
        return positive_terms(node.child, not negated)
    if isinstance(node, And | Or):
        return [t for c in node.children for t in positive_terms(c, negated)]
    if isinstance(node, Near):
        return positive_terms(node.left, negated) + positive_terms(node.right, negated)
    return []


# Not mentions: a watched name inside a URL or a bare domain ("pic.twitter.com/abc", "xiaomi.com"),
# and page furniture, a short line that only asks to share or follow ("Follow us on Twitter").
_URLISH = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+"
    r"|\b(?:[a-z0-9][a-z0-9-]*\.)+(?:com|org|net|info|biz|io|co|cn|de|vn|fr|es|it|uk|us|eu|ru|jp|tv|me|ly|gl|app)"
    r"(?:/[^\s<>\"']*)?(?![\w.-])",
    re.I,
)
_FURNITURE = re.compile(
    r"^\W*(?:follow|find|like|join|connect with|subscribe to)\s+us\s+(?:on|at)\b"
    r"|^\W*(?:share|tweet|post|pin)\s+(?:this\s+(?:article|story|post|page)?\s*)?(?:on|to|via)\b"
    r"|^\W*(?:folgen sie uns|folge uns|jetzt teilen|teilen (?:auf|bei|via)|auf \w+ teilen)"
    r"|^\W*(?:suivez-nous|partager sur|síguenos en|compartir en)"
    r"|^\W*(?:theo dõi (?:chúng tôi )?trên|chia sẻ (?:lên|qua|trên))"
    r"|^\W*(?:关注我们|分享到|分享至|转发到)",
    re.I,
)
_FURNITURE_MAX = 100  # a furniture line is short; a sentence that happens to start so is content


def _is_address(token: str) -> bool:
    """A URL, or a bare domain written as an address: with a path, a subdomain, or all lower case.
    "Amazon.com Inc" is how Reuters names a company, so a capitalised bare domain stays text."""
    if token.lower().startswith(("http://", "https://", "www.")) or "/" in token:
        return True
    return token.islower() or token.count(".") >= 2


def excluded_spans(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` where a hit is not a mention: URLs and bare domains, and share/follow lines."""
    spans = [m.span() for m in _URLISH.finditer(text) if _is_address(m.group())]
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and len(stripped) <= _FURNITURE_MAX and _FURNITURE.search(stripped):
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _outside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return not any(s < end and start < e for s, e in spans)


def _trim(sentence: str, start: int, end: int, limit: int) -> str:
    """At most ``limit`` characters of the sentence, centred on the mention ``[start, end)``."""
    if len(sentence) <= limit:
        return sentence
    width = max(limit, end - start)
    left = max(0, min(start - (width - (end - start)) // 2, len(sentence) - width))
    return sentence[left : left + width].strip()


def scan_fields(matcher: Matcher, title: str | None, text: str, captions: Sequence[str]) -> list[FieldHits]:
    """(field, text, caption index, alias matches, query-term hits) for each field of a document:
    title (when there is one), text, each caption; hits inside URLs and on share/follow lines are
    dropped (:func:`excluded_spans`). The full-text search (:mod:`limelight.search`) decides with
    this same function, so a search and a watchlist query never disagree on a document."""
    out: list[FieldHits] = []
    fields: list[tuple[str, str, int | None]] = []
    if title:
        fields.append(("title", title, None))
    fields.append(("text", text, None))
    fields.extend(("caption", c, i) for i, c in enumerate(captions))
    for name, body, index in fields:
        matches, terms = matcher.scan(body) if body else ([], {})
        if matches or terms:
            spans = excluded_spans(body)
            if spans:
                matches = [m for m in matches if _outside(spans, m.start, m.end)]
                terms = {t: kept for t, hits in terms.items()
                         if (kept := [h for h in hits if _outside(spans, h[0], h[1])])}
        out.append((name, body, index, matches, terms))
    return out


def field_hits(fields: Sequence[FieldHits]) -> dict[str, list[tuple[int, int]]]:
    """The query-term hits of :func:`scan_fields` in word units, for :meth:`QueryNode.matches`."""
    return token_hits([(text, terms) for _n, text, _i, _m, terms in fields])


class MentionFinder:
    """The matching and role logic, usable without the plugin machinery (evals, tests, CLI)."""

    def __init__(self, entities: Sequence[Entity], context_chars: int = 300, max_mentions: int = 1000) -> None:
        self.entities = {e.id: e for e in entities}
        self.queries: dict[str, QueryNode] = {e.id: parse_query(e.query) for e in entities if e.query}
        self.filters: set[str] = {e.id for e in entities if e.query and e.query_mode == "filter"}
        terms: set[str] = set()
        for node in self.queries.values():
            terms |= node.terms()
        self.matcher = Matcher(entities, terms)
        self.context_chars = context_chars
        # Work per document is bounded: a 4 MB post repeating a watched name made 666,666 mentions
        # (1.5 GB). Matches past the cap are counted, never turned into Mention objects.
        self.max_mentions = max_mentions
        self.dropped = 0  # matches left out of the last find() by the cap

    def find(self, doc: Document) -> list[Mention]:
        fields = scan_fields(self.matcher, doc.title, doc.text, doc.captions)
        passed: set[str] = set()
        if self.queries:
            hits = field_hits(fields)
            passed = {eid for eid, node in self.queries.items() if node.matches(hits)}
        mentions: list[Mention] = []
        seen_entities: set[str] = set()
        room = self.max_mentions
        self.dropped = 0
        for name, text, index, matches, _terms in fields:
            kept = [m for m in matches if m.entity_id not in self.filters or m.entity_id in passed]
            seen_entities.update(m.entity_id for m in kept)
            if len(kept) > room:
                self.dropped += len(kept) - room
                kept = kept[:room]
            room -= len(kept)
            mentions.extend(self._mentions(doc, name, text, index, [(m.entity_id, m.alias, m.start, m.end)
                                                                      for m in kept]))
        for eid in sorted(passed - seen_entities):
            if room <= 0:
                self.dropped += 1
                continue
            room -= 1
            anchor = self._query_anchor(self.queries[eid], fields)
            if anchor is not None:
                name, text, index, (s, e) = anchor
                mentions.extend(self._mentions(doc, name, text, index, [(eid, QUERY_ALIAS, s, e)]))
        return mentions

    def _query_anchor(
        self, node: QueryNode, fields: list[FieldHits],
    ) -> tuple[str, str, int | None, tuple[int, int]] | None:
        wanted = positive_terms(node)
        for name, text, index, _m, terms in fields:
            spans = [sp for t in wanted for sp in terms.get(t, ())]
            if spans:
                return name, text, index, min(spans)
        return None

    def _mentions(
        self, doc: Document, field: str, text: str, caption_index: int | None,
        found: list[tuple[str, str, int, int]],
    ) -> list[Mention]:
        if not found:
            return []
        sentences = split_sentences(text)
        lead_end = _lead_end(text) if field == "text" else 0
        # Group by sentence so cue roles see every mention of the sentence at once.
        by_sentence: dict[tuple[int, int], list[int]] = {}
        for i, (_eid, _alias, s, _e) in enumerate(found):
            span = sentence_at(sentences, s) or (s, found[i][3])
            by_sentence.setdefault(span, []).append(i)
        out: list[Mention | None] = [None] * len(found)
        for (ss, se), idxs in by_sentence.items():
            sentence = text[ss:se]
            rel = [(found[i][2] - ss, min(found[i][3], se) - ss, self._is_person(found[i][0])) for i in idxs]
            cues = cue_roles(sentence, rel) if field == "text" else [None] * len(idxs)
            for i, cue, (rs, re_, _p) in zip(idxs, cues, rel, strict=True):
                eid, alias, s, e = found[i]
                if field == "title":
                    role = "headline"
                elif field == "caption":
                    role = "caption"
                elif cue is not None:
                    role = cue
                else:
                    role = "lead" if s < lead_end else "body"
                out[i] = Mention(
                    document_id=doc.id, entity_id=eid, alias=alias, surface=text[s:e], field=field,  # type: ignore[arg-type]
                    start=s, end=e, role=role, sentence=_trim(sentence, rs, re_, self.context_chars),
                    caption_index=caption_index,
                )
        return [m for m in out if m is not None]

    def _is_person(self, entity_id: str) -> bool:
        e = self.entities.get(entity_id)
        return e is not None and e.kind == "person"


def _lead_end(text: str) -> int:
    """End offset of the first non-empty paragraph (the lead)."""
    pos = 0
    for para in text.split("\n"):
        if para.strip():
            return pos + len(para)
        pos += len(para) + 1
    return 0


class MentionsEnricher:
    name = "mentions"
    version = "1"
    title = "Watchlist entity mentions with roles"
    requires: tuple[str, ...] = ("document.text",)
    provides: tuple[str, ...] = ("mentions",)

    def __init__(self) -> None:
        self._finder: MentionFinder | None = None

    def setup(self, ctx: EnrichContext) -> None:
        settings: Settings = ctx.settings
        self._finder = MentionFinder(ctx.watchlist.entities, int(settings["mentions.context_chars"]),
                                     int(settings["mentions.max_per_document"]))

    def __call__(self, item: Enriched) -> Enriched:
        if self._finder is None:
            raise RuntimeError("MentionsEnricher.setup() was not called")
        found = self._finder.find(item.document)
        # Re-running is idempotent: our own earlier mentions are replaced, others' are kept.
        ids = {m.id for m in found}
        kept = tuple(m for m in item.mentions if m.id not in ids)
        extra = item.extra
        if self._finder.dropped:
            dropped = ("mentions_dropped", str(self._finder.dropped))
            extra = (*[kv for kv in extra if kv[0] != "mentions_dropped"], dropped)
        return evolve(item, mentions=kept + tuple(found), extra=extra)


def register(registry: Registry) -> None:
    registry.register("enricher", MentionsEnricher())
