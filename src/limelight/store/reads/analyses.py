"""Reads used by the analyses (:mod:`limelight.analyses`), one group per analysis.

Each builder takes what the analysis knows as plain values (entity ids, the watchlist's accounts
as parallel lists, dates, the report's :class:`~limelight.scope.Scope`) and returns the statement
in the canonical dialect (:mod:`limelight.store.dialect`). The scope's predicate, day and period
are rendered by :mod:`limelight.store.reads.scope`, so every count and every denominator of a
report reads the same documents.

Where DuckDB's own tools are what keeps an analysis near one scan of ``mentions`` (a bounded top-n
with ``min_by(value, key, n)``, a row-valued key compared field by field) they stay, written so
that :func:`~limelight.store.dialect.to_postgres` maps them: a top-n becomes a sorted
``array_agg`` slice there, and a row key ``(a, b, c)`` sorts the same way in both.

Two spellings keep SQLGlot's DuckDB tokenizer on track: a slice bound that is a parameter has
spaces around its colon (``[1 : $n]``; ``f($a)[1:$n]`` fails to tokenize), and a function result
that is subscripted is parenthesised (``(list(x))[1]``), which PostgreSQL requires too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from limelight.models import MENTION_ROLES
from limelight.scope import Scope
from limelight.store.reads import Query, read
from limelight.store.reads import scope as sc
from limelight.tone.labels import NEUTRAL_BAND

# DuckDB's bounded top-n (min_by / max_by with n) takes n from 1 to below a million; evidence lists
# are cut to the option's value after it, so a larger option only costs memory, never an error.
TOP_N_LIMIT = 999_999


def top_n(n: int) -> int:
    """``n`` as a bounded top-n: at least 1 (n = 0 is an error in DuckDB) and at most its limit."""
    return max(1, min(int(n), TOP_N_LIMIT))


def tone_label(tone: str = "m.tone", label: str = "m.tone_label") -> str:
    """:func:`limelight.tone.labels.label_for` over a tone column, else the stored label where there
    is no score (rows written by hand, or by a plugin that gives labels only); NULL when neither is
    there, which the analyses report as "not scored", never as neutral."""
    return (f"(CASE WHEN {tone} IS NULL THEN {label} WHEN {tone} > {NEUTRAL_BAND} THEN 'positive' "
            f"WHEN {tone} < -{NEUTRAL_BAND} THEN 'negative' ELSE 'neutral' END)")


def negative(tone: str = "m.tone", label: str = "m.tone_label") -> str:
    """True for a negative mention under the one rule; NULL (not true) for an unscored one."""
    return f"({tone_label(tone, label)} = 'negative')"


_NEGATIVE = negative("m.tone", "m.tone_label")
_SCORED = "(m.tone IS NOT NULL OR m.tone_label IS NOT NULL)"


def _fraction(flag: str) -> str:
    # a boolean as 0.0 / 1.0 (NULL stays NULL), for avg(): PostgreSQL casts a boolean to an
    # integer but not to a float
    return f"CAST(CAST({flag} AS INTEGER) AS DOUBLE)"


# -- the corpus: documents in scope per day (the denominators) -------------------------------------


@read("analyses.corpus_days", tables=sc.TABLES)
def corpus_days(*, scope: Scope) -> Query:
    """day, n: dated documents in scope per day in the report's time zone (spillover and
    withdrawal divide by it, and read collection gaps from it)."""
    params: dict[str, object] = {}
    day = sc.day(scope, params)
    return Query(f"SELECT {day} AS day, count(*) AS n FROM documents AS d "
                 f"WHERE d.published_at IS NOT NULL AND {sc.where(scope, params)} GROUP BY {day}", params)


# -- visibility -------------------------------------------------------------------------------------

_ROLE_COUNTS = ",\n           ".join(f"count(*) FILTER (WHERE role = '{r}') AS {r}" for r in MENTION_ROLES)
_ROLE_SUMS = ",\n           ".join(f"CAST(sum({r}) AS BIGINT) AS {r}" for r in MENTION_ROLES)
_ROLE_COLUMNS = ", ".join(f"a.{r}" for r in MENTION_ROLES)
_VISIBILITY_TABLES = ("documents", "mentions", "stories", "attributions", "sources")


@read("visibility.counts", tables=_VISIBILITY_TABLES)
def visibility_counts(*, watched: Sequence[str], members: Sequence[str], targets: Sequence[str],
                      entity_ids: Sequence[str], entity_names: Sequence[str], weights: Mapping[str, float],
                      role: str | None, by: str, weighted: bool, evidence_limit: int, scope: Scope) -> Query:
    """period, entity_id, entity_name, mentions, documents, stories, a count per mention role,
    weighted_score, share_of_voice, evidence: per period and entity (``entity_ids``, with the
    ``members`` counting for each ``targets`` entry) on dated documents in scope. Share of voice
    divides by every ``watched`` entity's mentions in the period (weighted scores with
    ``weighted``); evidence lists the documents where the entity is most prominent, then the
    earliest, at most ``evidence_limit``."""
    params: dict[str, object] = {
        "watched": list(watched), "members": list(members), "targets": list(targets),
        "roles": list(weights), "weights": [float(w) for w in weights.values()], "role": role,
        "entity_ids": list(entity_ids), "entity_names": list(entity_names),
        "top_n": top_n(evidence_limit), "evidence_limit": int(evidence_limit),
    }
    share = "a.weighted_score / t.w" if weighted else "CAST(a.mentions AS DOUBLE) / t.n"
    # The mentions in scope: watched entities only, filtered by role, on dated documents in the
    # report's scope. The period is computed once per document (not per mention) and the story
    # joins run before mentions are folded per document: both keep it close to one scan of mentions.
    sql = f"""
WITH
watched AS (SELECT unnest(CAST($watched AS VARCHAR[])) AS entity_id),
targets AS (SELECT unnest(CAST($members AS VARCHAR[])) AS entity_id,
                   unnest(CAST($targets AS VARCHAR[])) AS target_id),
weights AS (SELECT unnest(CAST($roles AS VARCHAR[])) AS role, unnest(CAST($weights AS DOUBLE[])) AS weight),
-- the story a document belongs to: its cluster, else the original it republishes, else itself
originals AS (SELECT from_id, min(to_id) AS to_id FROM attributions WHERE to_id IS NOT NULL GROUP BY from_id),
docs AS (
    SELECT d.id, d.published_at, coalesce(st.story_id, o.to_id, d.id) AS story,
           {sc.period(scope, by, params)} AS period
    FROM documents AS d
    LEFT JOIN stories AS st ON st.document_id = d.id
    LEFT JOIN originals AS o ON o.from_id = d.id
    WHERE d.published_at IS NOT NULL AND {sc.where(scope, params)}
),
dated AS (
    SELECT m.document_id, m.entity_id, m.role, coalesce(w.weight, 1.0) AS weight, d.published_at, d.period,
           d.story
    FROM mentions AS m
    JOIN docs AS d ON d.id = m.document_id
    LEFT JOIN weights AS w ON w.role = m.role
    WHERE m.entity_id IN (SELECT entity_id FROM watched)
      AND (CAST($role AS VARCHAR) IS NULL OR m.role = $role)
),
-- share of voice is against every watched entity's mentions, counted once each (no roll-up)
totals AS (SELECT period, count(*) AS n, sum(weight) AS w FROM dated GROUP BY period),
-- one row per (period, target, document); a document has one story, so it is a grouping column
per_doc AS (
    SELECT period, t.target_id, document_id, story, count(*) AS n, sum(weight) AS w,
           min(published_at) AS published_at,
           {_ROLE_COUNTS}
    FROM dated JOIN targets AS t ON t.entity_id = dated.entity_id
    GROUP BY period, t.target_id, document_id, story
),
agg AS (
    SELECT period, target_id, CAST(sum(n) AS BIGINT) AS mentions, count(*) AS documents,
           count(DISTINCT story) AS stories,
           {_ROLE_SUMS},
           sum(w) AS weighted_score,
           -- evidence: the documents where the entity is most prominent first, then the earliest;
           -- a bounded top-n per group, never a sorted list of every document
           min_by(document_id, (-w, published_at, document_id), $top_n) AS evidence
    FROM per_doc GROUP BY period, target_id
),
names AS (SELECT unnest(CAST($entity_ids AS VARCHAR[])) AS target_id,
                 unnest(CAST($entity_names AS VARCHAR[])) AS entity_name)
SELECT a.period, a.target_id AS entity_id, names.entity_name, a.mentions, a.documents, a.stories,
       {_ROLE_COLUMNS}, a.weighted_score,
       {share} AS share_of_voice,
       a.evidence[1 : $evidence_limit] AS evidence
FROM agg AS a JOIN totals AS t ON t.period = a.period JOIN names ON names.target_id = a.target_id
ORDER BY a.period, a.target_id
"""
    return Query(sql, params)


@read("visibility.undated", tables=("documents", "mentions", "sources"))
def visibility_undated(*, members: Sequence[str], role: str | None, scope: Scope) -> Query:
    """n: documents without a date that mention one of ``members`` (in ``role``, when given) and
    are otherwise in scope; they cannot be placed in a period, so a report says how many."""
    params: dict[str, object] = {"members": list(members), "role": role}
    return Query(f"""
SELECT count(DISTINCT m.document_id) AS n
FROM mentions AS m JOIN documents AS d ON d.id = m.document_id
WHERE d.published_at IS NULL
  AND m.entity_id IN (SELECT unnest(CAST($members AS VARCHAR[])))
  AND (CAST($role AS VARCHAR) IS NULL OR m.role = $role)
  AND {sc.where(scope, params)}
""", params)


# -- storms ---------------------------------------------------------------------------------------

# The documents each entity's own accounts published: not its coverage (unless own_posts).
_OWN = """
own_accounts AS (SELECT unnest(CAST($own_entities AS VARCHAR[])) AS entity_id,
                        unnest(CAST($own_platforms AS VARCHAR[])) AS platform,
                        unnest(CAST($own_handles AS VARCHAR[])) AS handle),
own AS (
    SELECT DISTINCT a.entity_id, d.id AS document_id
    FROM own_accounts AS a JOIN sources AS s ON lower(s.platform) = a.platform AND lower(s.handle) = a.handle
    JOIN documents AS d ON d.source_id = s.id
)"""


def _own_params(own: Sequence[tuple[str, str, str]]) -> dict[str, object]:
    return {"own_entities": [o[0] for o in own], "own_platforms": [o[1] for o in own],
            "own_handles": [o[2] for o in own]}


@read("storms.corpus_days", tables=sc.TABLES)
def storms_corpus_days(*, scope: Scope) -> Query:
    """day, kind, n: dated documents in scope per day and kind (the daily totals storms divide by;
    the kinds tell the report whether articles and posts were counted together)."""
    params: dict[str, object] = {}
    day = sc.day(scope, params)
    return Query(f"SELECT {day} AS day, d.kind, count(*) AS n FROM documents AS d "
                 f"WHERE d.published_at IS NOT NULL AND {sc.where(scope, params)} GROUP BY {day}, d.kind", params)


@read("storms.entity_days", tables=("documents", "mentions", "sources"))
def storms_entity_days(*, entities: Sequence[str], own: Sequence[tuple[str, str, str]], scope: Scope) -> Query:
    """entity_id, day, docs, negative, scored, own: per entity and day, the documents in scope that
    mention it, those with a negative mention of it, those with a scored one (all three without
    its ``own`` accounts' posts: (entity id, platform, handle), lower-cased), and the own posts."""
    params: dict[str, object] = {"entities": list(entities), **_own_params(own)}
    # one row per (entity, document) first, so a document with five mentions counts once per day
    return Query(f"""
WITH watched AS (SELECT unnest(CAST($entities AS VARCHAR[])) AS entity_id),{_OWN},
per_doc AS (
    SELECT m.entity_id, m.document_id, bool_or({_NEGATIVE}) AS negative, bool_or({_SCORED}) AS scored
    FROM mentions AS m
    WHERE m.entity_id IN (SELECT entity_id FROM watched)
    GROUP BY m.entity_id, m.document_id
),
dated AS (
    SELECT p.entity_id, p.negative, p.scored, {sc.day(scope, params)} AS day,
           own.document_id IS NOT NULL AS is_own
    FROM per_doc AS p JOIN documents AS d ON d.id = p.document_id
    LEFT JOIN own ON own.entity_id = p.entity_id AND own.document_id = p.document_id
    WHERE d.published_at IS NOT NULL AND {sc.where(scope, params)}
)
SELECT entity_id, day, count(*) FILTER (WHERE NOT is_own) AS docs,
       count(*) FILTER (WHERE negative AND NOT is_own) AS negative,
       count(*) FILTER (WHERE scored AND NOT is_own) AS scored, count(*) FILTER (WHERE is_own) AS own
FROM dated
GROUP BY entity_id, day
""", params)


@read("storms.stories", tables=("documents", "mentions", "stories", "sources"))
def storms_stories(*, storms: Sequence[int], entities: Sequence[str], onsets: Sequence[date],
                   ends: Sequence[date], weights: Mapping[str, float], own: Sequence[tuple[str, str, str]],
                   evidence_limit: int, scope: Scope) -> Query:
    """storm, evidence, top_stories, story_documents: for each storm (parallel lists: its number,
    entity, first and last day), the stories that drive it, most prominent first (the sum of its
    documents' role ``weights`` for the entity), at most ``evidence_limit``: each story's most
    prominent document, its title (else the start of its text) and its number of documents. A
    story is a ``stories`` cluster, else the document alone; ``own`` posts are left out."""
    params: dict[str, object] = {
        "storms": [int(s) for s in storms], "entities": list(entities), "onsets": list(onsets),
        "ends": list(ends), "roles": list(weights), "weights": [float(w) for w in weights.values()],
        "evidence_limit": int(evidence_limit), **_own_params(own),
    }
    return Query(f"""
WITH w AS (SELECT unnest(CAST($storms AS INTEGER[])) AS storm, unnest(CAST($entities AS VARCHAR[])) AS entity_id,
                  unnest(CAST($onsets AS DATE[])) AS onset, unnest(CAST($ends AS DATE[])) AS last_day),
weights AS (SELECT unnest(CAST($roles AS VARCHAR[])) AS role, unnest(CAST($weights AS DOUBLE[])) AS weight),{_OWN},
hits AS (
    SELECT w.storm, m.document_id, sum(coalesce(weights.weight, 1.0)) AS prominence
    FROM w JOIN mentions AS m ON m.entity_id = w.entity_id
    JOIN documents AS d ON d.id = m.document_id
    LEFT JOIN weights ON weights.role = m.role
    LEFT JOIN own ON own.entity_id = m.entity_id AND own.document_id = m.document_id
    WHERE {sc.day(scope, params)} BETWEEN w.onset AND w.last_day AND {sc.where(scope, params)}
      AND own.document_id IS NULL
    GROUP BY w.storm, m.document_id
),
story_docs AS (
    SELECT h.storm, coalesce(s.story_id, h.document_id) AS story, h.document_id, h.prominence,
           coalesce(d.title, left(d.text, 80)) AS title
    FROM hits AS h JOIN documents AS d ON d.id = h.document_id
    LEFT JOIN stories AS s ON s.document_id = h.document_id
),
per_story AS (
    -- the story's most prominent document and its title (ties: the smaller id), from one row
    SELECT storm, story, sum(prominence) AS prominence, count(*) AS documents,
           (min_by(document_id, (-prominence, document_id), 1))[1] AS top_document,
           (min_by(title, (-prominence, document_id), 1))[1] AS title
    FROM story_docs
    GROUP BY storm, story
),
ranked AS (
    SELECT storm, story, documents, top_document, title,
           row_number() OVER (PARTITION BY storm ORDER BY prominence DESC, documents DESC, story) AS rk
    FROM per_story
)
SELECT storm, list(top_document ORDER BY rk) AS evidence, list(title ORDER BY rk) AS top_stories,
       list(documents ORDER BY rk) AS story_documents
FROM ranked WHERE rk <= $evidence_limit GROUP BY storm
""", params)


# -- spillover ------------------------------------------------------------------------------------

# A's family and B's: each test of membership is a constant list (DuckDB folds the cast once).
_IN_A = "list_contains(CAST($a AS VARCHAR[]), m.entity_id)"
_IN_B = "list_contains(CAST($b AS VARCHAR[]), m.entity_id)"


@read("spillover.pair", tables=("documents", "mentions", "sources"))
def spillover_pair(*, a: Sequence[str], b: Sequence[str], scope: Scope) -> Query:
    """day, a_docs, b_docs, a_neg, b_neg, co, scored, co_docs, b_neg_docs: per day, the documents in
    scope that mention A's family (``a``), B's (``b``), each negatively, both (and their ids, by
    publication), with any scored mention, and B's negative ones' ids."""
    params: dict[str, object] = {"a": list(a), "b": list(b)}
    day = sc.day(scope, params)
    return Query(f"""
WITH per_doc AS (
    SELECT m.document_id, bool_or({_IN_A}) AS has_a, bool_or({_IN_B}) AS has_b,
           bool_or({_IN_A} AND {_NEGATIVE}) AS neg_a, bool_or({_IN_B} AND {_NEGATIVE}) AS neg_b,
           bool_or({_SCORED}) AS scored
    FROM mentions AS m WHERE {_IN_A} OR {_IN_B}
    GROUP BY m.document_id
)
SELECT {day} AS day,
       count(*) FILTER (WHERE has_a) AS a_docs, count(*) FILTER (WHERE has_b) AS b_docs,
       count(*) FILTER (WHERE neg_a) AS a_neg, count(*) FILTER (WHERE neg_b) AS b_neg,
       count(*) FILTER (WHERE has_a AND has_b) AS co, count(*) FILTER (WHERE scored) AS scored,
       list(p.document_id ORDER BY d.published_at) FILTER (WHERE has_a AND has_b) AS co_docs,
       list(p.document_id ORDER BY d.published_at) FILTER (WHERE neg_b) AS b_neg_docs
FROM per_doc AS p JOIN documents AS d ON d.id = p.document_id
WHERE d.published_at IS NOT NULL AND {sc.where(scope, params)}
GROUP BY {day}
""", params)


@read("spillover.pieces", tables=("documents", "mentions", "links", "sources"))
def spillover_pieces(*, a: Sequence[str], b: Sequence[str], scope: Scope) -> Query:
    """piece, co, negative, evidence: B's pieces in scope, one row per original (a duplicate,
    syndicated copy or translation folds into the document it links to), whether it names A, whether
    B's tone in it is negative (most of its documents' B mentions; only documents where B has a
    scored mention count), and its negative documents that name A; in the pieces' order, so the
    evidence a report lists first is the same on every run."""
    params: dict[str, object] = {"a": list(a), "b": list(b)}
    return Query(f"""
WITH per_doc AS (
    SELECT m.document_id, bool_or({_IN_A}) AS has_a, bool_or({_IN_B}) AS has_b,
           bool_or({_IN_B} AND {_NEGATIVE}) AS neg_b, bool_or({_IN_B} AND {_SCORED}) AS scored_b
    FROM mentions AS m WHERE {_IN_A} OR {_IN_B}
    GROUP BY m.document_id
),
origin AS (
    SELECT from_id, min(to_id) AS to_id FROM links
    WHERE kind IN ('duplicate', 'syndication', 'translation') AND to_id IS NOT NULL GROUP BY from_id
)
SELECT coalesce(o.to_id, p.document_id) AS piece, bool_or(p.has_a) AS co,
       avg({_fraction("p.neg_b")}) > 0.5 AS negative,
       list(p.document_id ORDER BY p.document_id) FILTER (WHERE p.neg_b AND p.has_a) AS evidence
FROM per_doc AS p LEFT JOIN origin AS o ON o.from_id = p.document_id
JOIN documents AS d ON d.id = p.document_id
WHERE p.has_b AND p.scored_b AND {sc.where(scope, params)}
GROUP BY coalesce(o.to_id, p.document_id)
ORDER BY piece
""", params)


# -- withdrawal -----------------------------------------------------------------------------------


@read("withdrawal.collected_until", tables=("ingest_runs",))
def withdrawal_collected_until(*, timezone: str) -> Query:
    """day: the day (in ``timezone``, an IANA name) the last recorded ingest run finished; NULL
    without one."""
    return Query("SELECT CAST(timezone($timezone, max(finished_at)) AS DATE) AS day FROM ingest_runs",
                 {"timezone": timezone})


def _account_posts(accounts: Sequence[tuple[str, str, str]], as_of: date, scope: Scope,
                   params: dict[str, object]) -> str:
    """The CTEs ``own`` (the watched accounts' posts and livestreams in scope up to ``as_of``) and
    ``typed`` (each of them under its content type and under 'all')."""
    params.update({"account_entities": [a[0] for a in accounts], "account_platforms": [a[1] for a in accounts],
                   "account_handles": [a[2] for a in accounts], "as_of": as_of})
    day = sc.day(scope, params)
    return f"""
WITH acc AS (SELECT unnest(CAST($account_entities AS VARCHAR[])) AS entity_id,
                    unnest(CAST($account_platforms AS VARCHAR[])) AS platform,
                    unnest(CAST($account_handles AS VARCHAR[])) AS handle),
own AS (
    SELECT acc.entity_id, acc.platform, acc.handle, d.id, d.published_at, {day} AS day,
           coalesce(d.content_type, d.kind) AS content_type
    FROM documents AS d JOIN sources AS s ON s.id = d.source_id
    JOIN acc ON lower(s.platform) = lower(acc.platform) AND lower(s.handle) = lower(acc.handle)
    WHERE d.kind IN ('post', 'livestream') AND d.published_at IS NOT NULL AND {day} <= CAST($as_of AS DATE)
      AND {sc.where(scope, params)}
),
typed AS (
    SELECT entity_id, platform, handle, id, published_at, day, content_type FROM own
    UNION ALL
    SELECT entity_id, platform, handle, id, published_at, day, 'all' AS content_type FROM own
)"""


@read("withdrawal.posts", tables=("documents", "sources"))
def withdrawal_posts(*, accounts: Sequence[tuple[str, str, str]], as_of: date, scope: Scope) -> Query:
    """entity_id, platform, handle, content_type, day, n: posts per day of each watched account
    ((entity id, platform, handle)) up to ``as_of``, per content type and for 'all' of them."""
    params: dict[str, object] = {}
    ctes = _account_posts(accounts, as_of, scope, params)
    return Query(ctes + """
SELECT entity_id, platform, handle, content_type, day, count(*) AS n
FROM typed GROUP BY entity_id, platform, handle, content_type, day
""", params)


@read("withdrawal.gaps", tables=("documents", "sources"))
def withdrawal_gaps(*, accounts: Sequence[tuple[str, str, str]], as_of: date, scope: Scope) -> Query:
    """entity_id, platform, handle, content_type, posts, last_day, gaps, evidence: per watched
    account and content type (and 'all'), its posts up to ``as_of``, the day of the last, the gaps
    between consecutive posts in days, and the last three posts' ids, newest first (rows in that
    order, so a report's rows come in the same order on every run)."""
    params: dict[str, object] = {}
    ctes = _account_posts(accounts, as_of, scope, params)
    return Query(ctes + """,
gaps AS (
    SELECT entity_id, platform, handle, content_type, id, published_at, day,
           epoch(published_at - lag(published_at) OVER w) / 86400.0 AS gap
    FROM typed WINDOW w AS (PARTITION BY entity_id, platform, handle, content_type ORDER BY published_at)
)
SELECT entity_id, platform, handle, content_type, count(*) AS posts,
       max(day) AS last_day,
       list(gap) FILTER (WHERE gap IS NOT NULL) AS gaps,
       (list(id ORDER BY published_at DESC))[1:3] AS evidence
FROM gaps GROUP BY entity_id, platform, handle, content_type
ORDER BY entity_id, platform, handle, content_type
""", params)


# -- share of voice -------------------------------------------------------------------------------


@read("share_of_voice.shares", tables=("documents", "mentions", "stories", "attributions", "sources"))
def share_of_voice_shares(*, focal: Sequence[str], groups: Sequence[str], members: Sequence[str], by: str,
                          evidence_limit: int, scope: Scope) -> Query:
    """organisation, group, period, entity_id, articles, stories, article_share, story_share,
    evidence: per group member (parallel lists: the focal organisation, the group's name, the
    member) and period, the documents in scope that mention it and their unique stories (the
    ``stories`` cluster, else the original an attribution names, else the document), each as a
    share of the group's in that period, and the earliest documents, at most ``evidence_limit``."""
    params: dict[str, object] = {"focal": list(focal), "groups": list(groups), "members": list(members),
                                 "top_n": top_n(evidence_limit), "evidence_limit": int(evidence_limit)}
    return Query(f"""
WITH grp AS (SELECT unnest(CAST($focal AS VARCHAR[])) AS focal, unnest(CAST($groups AS VARCHAR[])) AS "group",
                    unnest(CAST($members AS VARCHAR[])) AS entity_id),
orig AS (SELECT from_id, min(to_id) AS to_id FROM attributions WHERE to_id IS NOT NULL GROUP BY from_id),
-- each member's documents in scope, once each; documents join before the DISTINCT so that the
-- planner knows how many rows follow (PostgreSQL otherwise guesses a few thousand and probes the
-- documents index once per row)
per_doc AS (
    SELECT DISTINCT m.entity_id, m.document_id, d.published_at, {sc.period(scope, by, params)} AS period
    FROM mentions AS m JOIN documents AS d ON d.id = m.document_id
    WHERE m.entity_id IN (SELECT entity_id FROM grp) AND d.published_at IS NOT NULL AND {sc.where(scope, params)}
),
-- counted per member and period, not per (organisation, group, member): a member in two groups is
-- folded once, and the groups' text keys never enter the big sort
agg AS (
    SELECT p.entity_id, p.period, count(*) AS articles,
           count(DISTINCT coalesce(st.story_id, orig.to_id, p.document_id)) AS stories,
           -- evidence: the earliest documents (ties by id, so every run lists the same); a bounded top-n
           (min_by(p.document_id, (p.published_at, p.document_id), $top_n))[1 : $evidence_limit] AS evidence
    FROM per_doc AS p
    LEFT JOIN stories AS st ON st.document_id = p.document_id
    LEFT JOIN orig ON orig.from_id = p.document_id
    GROUP BY p.entity_id, p.period
)
SELECT g.focal AS organisation, g."group", a.period, a.entity_id, a.articles, a.stories,
       CAST(a.articles AS DOUBLE) / sum(a.articles) OVER w AS article_share,
       CAST(a.stories AS DOUBLE) / sum(a.stories) OVER w AS story_share,
       a.evidence
FROM agg AS a JOIN grp AS g ON g.entity_id = a.entity_id
WINDOW w AS (PARTITION BY g.focal, g."group", a.period)
ORDER BY organisation, "group", period, entity_id
""", params)


# -- tone over time -------------------------------------------------------------------------------


@read("tone_over_time.periods", tables=("documents", "mentions", "sources"))
def tone_over_time(*, members: Sequence[str], targets: Sequence[str], entity_ids: Sequence[str],
                   entity_names: Sequence[str], by: str, evidence_mentions: int, scope: Scope) -> Query:
    """period, entity_id, entity_name, mentions, documents, mean_tone, negative_share, neutral_share,
    positive_share, evidence: per period and entity (``members`` counting for ``targets``), its
    scored mentions on dated documents in scope, and the documents of its ``evidence_mentions`` most
    negative mentions (a document can repeat; the analysis folds them)."""
    params: dict[str, object] = {"members": list(members), "targets": list(targets),
                                 "entity_ids": list(entity_ids), "entity_names": list(entity_names),
                                 "top_n": top_n(evidence_mentions)}
    label = tone_label("m.tone", "m.tone_label")
    return Query(f"""
WITH targets AS (SELECT unnest(CAST($members AS VARCHAR[])) AS entity_id,
                        unnest(CAST($targets AS VARCHAR[])) AS target_id),
names AS (SELECT unnest(CAST($entity_ids AS VARCHAR[])) AS target_id,
                 unnest(CAST($entity_names AS VARCHAR[])) AS entity_name),
scored AS (
    -- the one labelling rule (limelight.tone.labels) on the score, the stored label without one
    SELECT t.target_id, m.document_id, m.tone, d.published_at, {label} AS tone_label,
           {sc.period(scope, by, params)} AS period
    FROM mentions AS m
    JOIN targets AS t ON t.entity_id = m.entity_id
    JOIN documents AS d ON d.id = m.document_id
    WHERE d.published_at IS NOT NULL AND {_SCORED} AND {sc.where(scope, params)}
)
SELECT s.period, s.target_id AS entity_id, names.entity_name,
       count(*) AS mentions, count(DISTINCT s.document_id) AS documents,
       avg(s.tone) AS mean_tone,
       avg({_fraction("s.tone_label = 'negative'")}) AS negative_share,
       avg({_fraction("s.tone_label = 'neutral'")}) AS neutral_share,
       avg({_fraction("s.tone_label = 'positive'")}) AS positive_share,
       -- the most negative mentions' documents first
       min_by(s.document_id, coalesce(s.tone, 0.0), $top_n) AS evidence
FROM scored AS s JOIN names ON names.target_id = s.target_id
GROUP BY s.period, s.target_id, names.entity_name
ORDER BY s.period, s.target_id
""", params)


# -- copied posts ---------------------------------------------------------------------------------


@read("copied_posts.counts", tables=("documents", "sources", "links"))
def copied_posts_counts(*, accounts: Sequence[tuple[str, str, str]], account: str | None, by: str,
                        evidence_limit: int, scope: Scope) -> Query:
    """period, entity_id, platform, handle, posts, reposts, copies, copy_share, evidence_posts,
    evidence_officials: per period and watched account ((entity id, platform, handle), lower-cased;
    only ``account``, an entity id or handle, when given), its posts in scope, its reposts, the posts
    that copy an official post (``copies_official`` links), their share, and the first
    ``evidence_limit`` copies by publication as two parallel lists (copy, official original)."""
    params: dict[str, object] = {
        "account_entities": [a[0] for a in accounts], "account_platforms": [a[1] for a in accounts],
        "account_handles": [a[2] for a in accounts], "account": account,
        "account_lower": account.lower() if account else None, "evidence_limit": int(evidence_limit),
    }
    # The (copy, original) pairs travel as two lists in one order, not as a list of structs: a
    # struct literal has no PostgreSQL spelling SQLGlot can produce.
    return Query(f"""
WITH acc AS (SELECT unnest(CAST($account_entities AS VARCHAR[])) AS entity_id,
                    unnest(CAST($account_platforms AS VARCHAR[])) AS platform,
                    unnest(CAST($account_handles AS VARCHAR[])) AS handle),
posts AS (
    SELECT d.id, acc.entity_id, s.platform, s.handle, d.content_type, d.published_at,
           {sc.period(scope, by, params)} AS period
    FROM documents AS d
    JOIN sources AS s ON s.id = d.source_id
    JOIN acc ON lower(s.platform) = acc.platform AND lower(s.handle) = acc.handle
    WHERE d.kind = 'post' AND d.published_at IS NOT NULL AND {sc.where(scope, params)}
),
-- one official original per copy: the link with the highest score (ties: the smallest id)
copies AS (
    SELECT from_id, (min_by(to_id, (-score, to_id), 1))[1] AS official_id
    FROM links WHERE kind = 'copies_official' AND to_id IS NOT NULL GROUP BY from_id
)
SELECT p.period, p.entity_id, p.platform, p.handle,
       count(*) AS posts,
       count(*) FILTER (WHERE p.content_type = 'repost') AS reposts,
       count(c.from_id) AS copies,
       CAST(count(c.from_id) AS DOUBLE) / count(*) AS copy_share,
       (list(p.id ORDER BY p.published_at, p.id) FILTER (WHERE c.from_id IS NOT NULL))[1 : $evidence_limit]
           AS evidence_posts,
       (list(c.official_id ORDER BY p.published_at, p.id) FILTER (WHERE c.from_id IS NOT NULL))[1 : $evidence_limit]
           AS evidence_officials
FROM posts AS p LEFT JOIN copies AS c ON c.from_id = p.id
WHERE (CAST($account AS VARCHAR) IS NULL OR p.entity_id = $account OR lower(p.handle) = $account_lower)
GROUP BY p.period, p.entity_id, p.platform, p.handle
ORDER BY p.period, p.entity_id, p.platform, p.handle
""", params)


@read("copied_posts.link_state", tables=("links", "stories"))
def copied_posts_link_state() -> Query:
    """copies, linked: how many ``copies_official`` links the store has, and whether `limelight
    link` has run (its story linker puts every document it saw into a cluster, and its links carry
    a link-… run id)."""
    return Query("SELECT (SELECT count(*) FROM links WHERE kind = 'copies_official') AS copies, "
                 "(SELECT count(*) FROM stories) + (SELECT count(*) FROM links WHERE run_id LIKE 'link-%') > 0 "
                 "AS linked")


# -- stories and lineage --------------------------------------------------------------------------


@read("stories.count", tables=("stories",))
def stories_count() -> Query:
    """n: rows in the stories table (0 until `limelight link` has run)."""
    return Query("SELECT count(*) AS n FROM stories")


def _story_docs(min_size: int, scope: Scope, params: dict[str, object]) -> str:
    """The CTEs ``sized`` and ``docs``: the documents in scope of stories with at least ``min_size``
    of them, with what the rows show of them."""
    params["min_size"] = int(min_size)
    scoped = sc.where(scope, params)
    return f"""
sized AS (
    SELECT st.story_id FROM stories AS st JOIN documents AS d ON d.id = st.document_id
    WHERE {scoped} GROUP BY st.story_id HAVING count(*) >= $min_size
),
docs AS (
    SELECT st.document_id, st.story_id, st.method, d.language, d.published_at, d.title,
           coalesce(s.name, s.handle) AS outlet
    FROM stories AS st JOIN sized ON sized.story_id = st.story_id
    JOIN documents AS d ON d.id = st.document_id JOIN sources AS s ON s.id = d.source_id
    WHERE {scoped}
)"""


# Publication order, undated last, then the id: the first is the story's origin.
_ORDER = "published_at NULLS LAST, document_id"


@read("stories.list", tables=("stories", "documents", "sources"))
def stories_list(*, min_size: int, scope: Scope) -> Query:
    """story_id, size, languages, outlets, origin_outlet, origin_document, origin_language, title,
    first_published, last_published, documents: one row per story with at least ``min_size``
    documents in scope, largest first; its origin is its first document by publication (undated
    last, then the smaller id), and ``documents`` lists them in that order."""
    params: dict[str, object] = {}
    return Query(f"""
WITH {_story_docs(min_size, scope, params)},
ordered AS (
    SELECT document_id, story_id, language, published_at, title, outlet,
           row_number() OVER (PARTITION BY story_id ORDER BY {_ORDER}) AS rk
    FROM docs
)
SELECT story_id, count(*) AS size,
       list(DISTINCT language ORDER BY language) FILTER (WHERE language IS NOT NULL) AS languages,
       count(DISTINCT outlet) AS outlets,
       -- the origin's fields: the one row with rk = 1 (max of one value is that value, NULL too)
       max(outlet) FILTER (WHERE rk = 1) AS origin_outlet, max(document_id) FILTER (WHERE rk = 1) AS origin_document,
       max(language) FILTER (WHERE rk = 1) AS origin_language, max(title) FILTER (WHERE rk = 1) AS title,
       min(published_at) AS first_published, max(published_at) AS last_published,
       list(document_id ORDER BY rk) AS documents
FROM ordered GROUP BY story_id
ORDER BY size DESC, story_id
""", params)


@read("stories.lineage", tables=("stories", "documents", "sources", "links", "attributions"))
def stories_lineage(*, min_size: int, scope: Scope) -> Query:
    """story_id, document_id, language, outlet, published_at, method, origin_document, origin_outlet,
    origin_language, hops, path, outlets, languages, vias: one row per document of the stories
    ``stories.list`` returns, with its lineage from the origin to it as parallel lists (origin
    first): the documents, their outlets and languages (NULL for a step outside the scope or the
    story) and the kind of link that leads into each step (NULL for the origin).

    A document's parent is the target of its strongest outgoing duplicate, syndication or
    translation link, or resolved attribution: one the page states first, then the higher score,
    then the smaller id. The walk stops where it would repeat a document (two pages naming each
    other)."""
    params: dict[str, object] = {}
    # Built while walking, so no row is unnested and grouped again; lists of plain values rather
    # than of structs, which PostgreSQL has no literal for.
    return Query(f"""
WITH RECURSIVE {_story_docs(min_size, scope, params)},
links_all AS (
    SELECT from_id, to_id, kind, score, evidence LIKE 'attribution:%' AS stated FROM links
    WHERE kind IN ('duplicate', 'syndication', 'translation') AND to_id IS NOT NULL
    UNION ALL
    SELECT a.from_id, a.to_id,
           CASE WHEN f.language IS NOT DISTINCT FROM t.language THEN 'syndication' ELSE 'translation' END,
           1.0, true
    FROM attributions AS a JOIN documents AS f ON f.id = a.from_id JOIN documents AS t ON t.id = a.to_id
    WHERE a.to_id IS NOT NULL AND a.to_id <> a.from_id
),
parent AS (
    SELECT from_id, (min_by(to_id, (NOT stated, -score, to_id, kind), 1))[1] AS to_id,
           (min_by(kind, (NOT stated, -score, to_id, kind), 1))[1] AS kind
    FROM links_all GROUP BY from_id
),
walk(document_id, cur, hops, path, outlets, languages, vias) AS (
    SELECT document_id, document_id, 0, [document_id], [outlet], [language], [CAST(NULL AS VARCHAR)]
    FROM docs
    UNION ALL
    SELECT w.document_id, p.to_id, w.hops + 1, list_prepend(p.to_id, w.path), list_prepend(i.outlet, w.outlets),
           list_prepend(i.language, w.languages),
           -- the new origin has no link into it; the old one is reached by this link
           list_concat([CAST(NULL AS VARCHAR), p.kind], w.vias[2:])
    FROM walk AS w JOIN parent AS p ON p.from_id = w.cur
    LEFT JOIN docs AS i ON i.document_id = p.to_id
    WHERE NOT list_contains(w.path, p.to_id)
),
-- each document walks one chain (a single parent per step): its longest walk is the whole lineage
full_path AS (
    SELECT document_id, hops, path, outlets, languages, vias,
           row_number() OVER (PARTITION BY document_id ORDER BY hops DESC) AS rk
    FROM walk
)
SELECT d.story_id, d.document_id, d.language, d.outlet, d.published_at, d.method,
       f.path[1] AS origin_document, f.outlets[1] AS origin_outlet, f.languages[1] AS origin_language,
       CAST(f.hops AS BIGINT) AS hops, f.path, f.outlets, f.languages, f.vias
FROM docs AS d JOIN full_path AS f ON f.document_id = d.document_id AND f.rk = 1
ORDER BY d.story_id, d.published_at NULLS LAST, d.document_id
""", params)
