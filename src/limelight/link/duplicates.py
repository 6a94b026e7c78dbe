"""Exact and near duplicates among news documents → ``duplicate`` and ``syndication`` links.

1. Exact: documents with the same ``content_hash`` (title + text, whitespace and case folded).
2. Near: MinHash LSH over token 3-gram shingles of title + text (characters for CJK, words
   elsewhere, see :mod:`limelight.link.minhash`); each candidate pair is verified on its exact
   shingle sets against ``link.near_duplicate_threshold`` (Jaccard). Only one document per
   content hash enters this step: its exact copies are linked already. A short text (a headline,
   under ``SHORT_TEXT_TOKENS`` tokens) is a near-copy only when all the words of one are in the
   other: a copy adds "UPDATE 1-" or "-sources", changes punctuation or case, but a headline
   with one word replaced is another headline. On real Reuters headlines, Jaccard alone linked
   "CIGNA CORPORATION SHAREHOLDER ALERT: ..." to "ALTERA CORPORATION SHAREHOLDER ALERT: ...",
   "Akebia to Present at the 2015 Morgan Stanley Global Healthcare Conference" to "Teleflex to
   Present at ...", and five IIROC trading halts of different tickers to each other.

A copy on the *same* source is a ``duplicate`` (a re-post, a second URL for one page); a copy on
another source is ``syndication``. The link points from the later document to the earlier one.

Incrementally (:mod:`limelight.link.state`), a run reads only the new documents' content-hash
groups: a group whose earliest copy is unchanged gains links from its new copies; a group with a new
earliest copy is linked again, and its near-copy links move to the new representative. A new text's
MinHash band keys are stored (``minhash_bands``), and its near-copy candidates are the stored texts
sharing a key: the same candidates the whole corpus' banding gives, without hashing old texts again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from limelight.link.base import NEWS_KINDS, SHORT_TEXT_TOKENS, day_number, earlier_first, report
from limelight.link.minhash import MinHasher, band_keys, jaccard, lsh_candidates, shingles, tokens
from limelight.link.state import fingerprint, link_readers, pending
from limelight.models import Link
from limelight.registry import Registry, check_store
from limelight.settings import Settings
from limelight.store.base import LinkUpdate, Store
from limelight.watchlist import Watchlist

# Shorter texts are left out of near-duplicate search: two three-word notices match by accident.
MIN_SHINGLES = 8
# How the evidence of each step starts: the links this linker owns (a run from nothing drops them).
EXACT_EVIDENCE = "same content hash"
NEAR_EVIDENCE = "MinHash near-copy"
OWNED = tuple((kind, prefix) for kind in ("duplicate", "syndication") for prefix in (EXACT_EVIDENCE, NEAR_EVIDENCE))


@dataclass(frozen=True, slots=True)
class Doc:
    id: str
    source_id: str
    day: float | None
    content_hash: str
    text: str


def find_duplicates(docs: list[Doc], threshold: float) -> list[Link]:
    """Links for exact and near copies among ``docs`` (pure function: the benchmark calls it too)."""
    links: list[Link] = []
    by_hash: dict[str, list[Doc]] = defaultdict(list)
    for doc in docs:
        by_hash[doc.content_hash].append(doc)
    representatives: list[Doc] = []
    for group in by_hash.values():
        origin, copies = exact_links(group)
        representatives.append(origin)
        links.extend(copies)
    sets = [shingles(d.text) for d in representatives]
    keep = [i for i, s in enumerate(sets) if len(s) >= MIN_SHINGLES]
    if len(keep) < 2:
        return links
    sigs = MinHasher().signatures([sets[i] for i in keep])
    for x, y in sorted(lsh_candidates(sigs, threshold)):
        link = near_link(representatives[keep[x]], representatives[keep[y]], sets[keep[x]], sets[keep[y]],
                         threshold)
        if link is not None:
            links.append(link)
    return links


def exact_links(group: Sequence[Doc]) -> tuple[Doc, list[Link]]:
    """The earliest of a content-hash group (its representative) and a link to it from each other copy."""
    ordered = sorted(group, key=_order_key)
    origin = ordered[0]
    return origin, [_link(copy, origin, 1.0, EXACT_EVIDENCE) for copy in ordered[1:]]


def near_link(a: Doc, b: Doc, set_a: set[str], set_b: set[str], threshold: float) -> Link | None:
    """The near-copy link between two representatives that are candidates, if their exact shingle
    Jaccard reaches ``threshold`` (and a short text keeps all the words of the other)."""
    score = jaccard(set_a, set_b)
    if score < threshold or not _same_words_if_short(a.text, b.text):
        return None
    later, earlier = (b, a) if earlier_first((a.day, a.id), (b.day, b.id)) else (a, b)
    return _link(later, earlier, round(score, 4), f"{NEAR_EVIDENCE}, shingle Jaccard {score:.2f}")


def _same_words_if_short(a: str, b: str) -> bool:
    """False for two short texts that each have a word the other lacks (a template with another
    name in it); True for long texts, whose copy edits are what the Jaccard threshold allows."""
    ta, tb = tokens(a), tokens(b)
    if len(ta) >= SHORT_TEXT_TOKENS and len(tb) >= SHORT_TEXT_TOKENS:
        return True
    sa, sb = set(ta), set(tb)
    return sa <= sb or sb <= sa


def _order_key(d: Doc) -> tuple[int, float, str]:
    return (d.day is None, d.day or 0.0, d.id)


def _link(copy: Doc, origin: Doc, score: float, evidence: str) -> Link:
    if copy.source_id == origin.source_id:
        return Link(from_id=copy.id, to_id=origin.id, kind="duplicate", score=score, evidence=evidence)
    return Link(from_id=copy.id, to_id=origin.id, kind="syndication", score=score, evidence=evidence)


def _docs(rows: Sequence[dict[str, object]]) -> list[Doc]:
    return [Doc(str(r["id"]), str(r["source_id"]), day_number(r["published_at"]),  # type: ignore[arg-type]
                str(r["content_hash"]), str(r.get("body") or "")) for r in rows]


class DuplicateLinker:
    name = "duplicates"
    version = "2"
    title = "Exact and near duplicates (content hash, MinHash LSH) → duplicate / syndication links"
    requires: tuple[str, ...] = ("documents",)
    provides: tuple[str, ...] = ("links:duplicate", "links:syndication")
    reads: tuple[str, ...] = ("link.fingerprint", "link.pending", "link.duplicate_docs",
                              "link.hash_members", "link.minhash_candidates", "link.banded_hashes",
                              "link.links_touching")

    def run(self, store: Store, settings: Settings, watchlist: Watchlist, run_id: str = "link") -> int:
        check_store(self, store)
        threshold = float(settings["link.near_duplicate_threshold"])
        fp = fingerprint(self.name, self.version, threshold=threshold)
        todo = pending(store, self.name, fp, NEWS_KINDS)
        if todo.nothing:
            return 0
        new_ids = {doc_id for doc_id, _ in todo.new}
        report("duplicates: new documents", 0, len(new_ids))
        if todo.full:
            members = _docs(store.read("link.duplicate_docs", ids=None, kinds=list(NEWS_KINDS)).to_pylist())
        else:
            members = _docs(store.read("link.hash_members", hashes=sorted({h for _, h in todo.new}),
                                       kinds=list(NEWS_KINDS)).to_pylist())
        groups: dict[str, list[Doc]] = defaultdict(list)
        for doc in members:
            groups[doc.content_hash].append(doc)
        add: list[Link] = []
        moved: dict[str, str] = {}  # content hash → its old representative, no longer its earliest copy
        fresh: set[str] = set()  # texts with a new representative: their near copies are searched
        for h, group in groups.items():
            origin, copies = exact_links(group)
            old = [d for d in group if d.id not in new_ids]
            old_origin = min(old, key=_order_key) if old else None
            if old_origin is not None and old_origin.id == origin.id:
                add.extend(x for x in copies if x.from_id in new_ids)  # the group only grew
                continue
            add.extend(copies)
            fresh.add(h)
            if old_origin is not None:
                moved[h] = old_origin.id
        remove = self._superseded(store, groups, moved) if moved else []
        add.extend(self._near(store, groups, fresh, threshold, full=todo.full))
        report("duplicates: new documents", len(new_ids), len(new_ids))
        return store.apply_link_update(LinkUpdate(
            linker=self.name, run_id=run_id, fingerprint=fp, full=todo.full, owned=OWNED, processed=todo.todo,
            remove_links=remove, add_links=add, stale_for=link_readers(self.name)))

    @staticmethod
    def _superseded(store: Store, groups: dict[str, list[Doc]], moved: dict[str, str]) -> list[Link]:
        """A group with a new earliest copy (a backfilled original): its old exact links pointed at
        the old one, and the old one's near links now belong to the new one."""
        members = {d.id for h in moved for d in groups[h]}
        old_reps = set(moved.values())
        rows = store.read("link.links_touching", ids=sorted(members), kinds=["duplicate", "syndication"],
                          prefixes=[EXACT_EVIDENCE, NEAR_EVIDENCE]).to_pylist()
        return [Link(from_id=r["from_id"], to_id=r["to_id"], to_url=r["to_url"], kind=r["kind"], score=r["score"],
                     evidence=r["evidence"]) for r in rows
                if (r["evidence"] == EXACT_EVIDENCE and r["from_id"] in members)
                or (r["evidence"].startswith(NEAR_EVIDENCE) and (r["from_id"] in old_reps or r["to_id"] in old_reps))]

    @staticmethod
    def _near(store: Store, groups: dict[str, list[Doc]], fresh: set[str], threshold: float, *,
              full: bool) -> list[Link]:
        """Near-copy links of the texts in ``fresh`` with every stored text sharing a MinHash band
        key with them, representative against representative (the earliest copy of each text)."""
        if not fresh:
            if full:  # bands of another threshold are cut differently: none may stay
                store.write_minhash_bands([], np.zeros((0, 0)), replace=True)
            return []
        bodies = {d.id: d.text for g in groups.values() for d in g if d.text}
        reps = {h: min(groups[h], key=_order_key) for h in fresh}
        missing = sorted({d.id for d in reps.values()} - set(bodies))
        if missing:
            bodies.update({str(r["id"]): str(r["body"]) for r in store.read("link.duplicate_docs", ids=missing)
                           .to_pylist()})
        sets = {h: shingles(bodies.get(reps[h].id, "")) for h in sorted(fresh)}
        banded = [h for h in sorted(fresh) if len(sets[h]) >= MIN_SHINGLES]
        stored = set() if full or not banded else {str(v) for v in store.read(
            "link.banded_hashes", hashes=banded).column("content_hash").to_pylist()}
        unbanded = [h for h in banded if h not in stored]  # a text with a new earliest copy has its bands
        if unbanded or full:  # from nothing, bands of another threshold (cut differently) go first
            sigs = MinHasher().signatures([sets[h] for h in unbanded])
            store.write_minhash_bands(unbanded, band_keys(sigs, threshold) if unbanded else np.zeros((0, 0)),
                                      replace=full)
        if not banded:
            return []
        candidates = [(str(r["a"]), str(r["b"])) for r in store.read("link.minhash_candidates", hashes=banded)
                      .to_pylist()]
        others = sorted({b for _, b in candidates} - set(groups))
        if others:  # candidate texts no new document has: their copies, for their earliest one
            for doc in _docs(store.read("link.hash_members", hashes=others, kinds=list(NEWS_KINDS)).to_pylist()):
                groups[doc.content_hash].append(doc)
        rep_of = {h: min(g, key=_order_key) for h, g in groups.items() if g}
        missing = sorted({rep_of[b].id for _, b in candidates if b in rep_of} - set(bodies))
        if missing:
            bodies.update({str(r["id"]): str(r["body"]) for r in store.read("link.duplicate_docs", ids=missing)
                           .to_pylist()})
        links: list[Link] = []
        seen: set[tuple[str, str]] = set()
        for a, b in candidates:
            pair = (a, b) if a < b else (b, a)
            if b not in rep_of or pair in seen:  # a text whose documents are gone, or a pair seen from b
                continue
            seen.add(pair)
            da, db = _with_text(reps[a], bodies), _with_text(rep_of[b], bodies)
            link = near_link(da, db, sets[a], sets[b] if b in sets else shingles(db.text), threshold)
            if link is not None:
                links.append(link)
        return links


def _with_text(doc: Doc, bodies: dict[str, str]) -> Doc:
    return doc if doc.text else Doc(doc.id, doc.source_id, doc.day, doc.content_hash, bodies.get(doc.id, ""))


def register(registry: Registry) -> None:
    registry.register("linker", DuplicateLinker())
