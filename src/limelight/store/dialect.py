"""The canonical SQL dialect of named reads, and its translation for other backends.

Reads are written once, in DuckDB's SQL, and DuckDB runs them as written. Another backend gets
them through SQLGlot (``read="duckdb"``), with the rewrites SQLGlot does not do on its own added
here, so a read never exists in two hand-kept copies. To stay translatable, a read keeps to:

- named parameters ``$name`` (never ``?``), lists as ``CAST($ids AS VARCHAR[])``;
- no ``GROUP BY ALL`` (name the columns), no ``hash()``, no positional ``ORDER BY 1``;
- explicit ``CAST(x AS DOUBLE)`` before a division meant to give a fraction (PostgreSQL divides
  integers as integers);
- ``//`` on integers only (DuckDB divides doubles with it as ``/`` does; PostgreSQL refuses it);
- ``len()`` for strings only: a list's length is ``array_length(l)`` (SQLGlot cannot tell them apart);
- ``list_distinct`` promises no order (DuckDB's is arbitrary): sort it when the order matters;
- bounded top-n lists as ``list_slice(min_by(value, key, n), 1, n)`` (or ``max_by``), which
  PostgreSQL gets as a sorted ``array_agg`` slice.

What the rewrites below give PostgreSQL (the contract tests run every read on a server):
``list_slice(x, a, b)`` → ``x[a:b]``; ``min_by``/``max_by`` (``arg_min``/``arg_max``), with or
without a count → a key-sorted, NULL-skipping ``array_agg``, sliced or indexed; ``ends_with`` →
``right()``; ``array_length`` → ``cardinality`` (0, not NULL, for an empty list); ``list_sort``
(ascending) and ``list_distinct`` → ``ARRAY(SELECT ...)``; ``extract``, ``date_part``, ``year()``,
``dayofweek()``... → a floored ``extract`` cast to BIGINT (DuckDB's type); ``make_date``;
``string_split`` → ``string_to_array``; ``contains`` → ``strpos``; ``strlen``; ``a // b`` →
``div`` cast back to BIGINT; ``[]`` → ``'{}'``; a cast to text gets ``COLLATE "C"``, the collation
of every text column in PostgreSQL (:func:`ddl_to_postgres`: DuckDB's byte order).
``json_extract_string``, ``epoch``, ``timezone``, ``date_trunc``, other list literals,
``list_contains`` and ``/`` SQLGlot translates on its own.
"""

from __future__ import annotations

import re
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

_PLACEHOLDER = re.compile(r"%%\((\w+)\)s")


def _func(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _slice(array: exp.Expression, start: exp.Expression, end: exp.Expression) -> exp.Expression:
    """``(array)[start:end]`` (1-based, both ends included, as in DuckDB's list_slice)."""
    return exp.Bracket(this=exp.Paren(this=array), expressions=[exp.Slice(this=start, expression=end)])


def _first(array: exp.Expression) -> exp.Expression:
    """``(array)[1]``: SQLGlot keeps single subscripts 0-based and adds the dialect's offset."""
    return exp.Bracket(this=exp.Paren(this=array), expressions=[exp.Literal.number(0)])


def _whole(unit: str, value: exp.Expression) -> exp.Expression:
    # DuckDB's extract/date_part/year()... give a BIGINT; PostgreSQL's extract a numeric (seconds
    # with their fraction), date_part a double: floor and cast, so reads get the same integers.
    part = exp.Extract(this=exp.var(unit.upper()), expression=value)
    return exp.cast(exp.Floor(this=part), exp.DataType.Type.BIGINT)


def _by(node: exp.ArgMin | exp.ArgMax) -> exp.Expression:
    # DuckDB's min_by/max_by skip rows whose value or key is NULL; PostgreSQL has neither, and an
    # array_agg sorted by the key (NULLs filtered out), then sliced, gives the same value or list.
    value, key = node.this, node.expression
    desc = isinstance(node, exp.ArgMax)
    # A row key (a, b, c) sorts as three keys: PostgreSQL compares a ROW value through the generic
    # record comparison, several times slower than plain sort keys, and the order is the same.
    # A row constructor is never NULL in DuckDB, so only a plain key is filtered for NULL.
    parts = key.expressions if isinstance(key, exp.Tuple) else [key]
    ordered = [exp.Ordered(this=part.copy(), desc=desc, nulls_first=False) for part in parts]
    agg = exp.ArrayAgg(this=exp.Order(this=value.copy(), expressions=ordered))
    kept: exp.Expression = exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null()))
    if not isinstance(key, exp.Tuple):
        kept = exp.And(this=kept, expression=exp.Not(this=exp.Is(this=key.copy(), expression=exp.Null())))
    filtered = exp.Filter(this=agg, expression=exp.Where(this=kept))
    count = node.args.get("count")
    if count is None:
        return _first(filtered)
    return _slice(filtered, exp.Literal.number(1), count)


# Date parts whose value is a whole number (not epoch, not the fractional second parts).
_WHOLE_PARTS = {"year", "month", "day", "hour", "minute", "second", "dow", "isodow", "doy", "week",
                "quarter", "isoyear", "decade", "century", "millennium"}
_PART_FUNCS: dict[type[exp.Expr], str] = {
    exp.Year: "year", exp.Month: "month", exp.Day: "day", exp.DayOfWeek: "dow", exp.DayOfWeekIso: "isodow",
    exp.DayOfYear: "doy", exp.Week: "week", exp.WeekOfYear: "week", exp.Quarter: "quarter",
    exp.DayOfMonth: "day", exp.Hour: "hour", exp.Minute: "minute", exp.Second: "second",
}


def _text_type(kind: exp.Expr | None) -> bool:
    """VARCHAR, TEXT... or a list of them."""
    if isinstance(kind, exp.DataType) and kind.is_type(exp.DataType.Type.ARRAY) and kind.expressions:
        kind = kind.expressions[0]
    return isinstance(kind, exp.DataType) and kind.is_type(*exp.DataType.TEXT_TYPES)


def _rewrite_for_postgres(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Cast) and _text_type(node.args.get("to")) and not isinstance(node.parent, exp.Collate):
        # The store's text columns are "C" (ddl_to_postgres); a string made by a cast gets it too,
        # or a recursive CTE mixing it with a column refuses the two collations.
        return exp.Collate(this=node.copy(), expression=exp.to_identifier("C", quoted=True))
    if isinstance(node, exp.ArgMin | exp.ArgMax):
        return _by(node)
    if isinstance(node, exp.Anonymous):
        name = str(node.this).lower()
        args = node.expressions
        if name in ("list_slice", "array_slice") and len(args) == 3:
            return _slice(args[0], args[1], args[2])
        if name == "strlen" and len(args) == 1:
            return _func("LENGTH", args[0])
        if name in ("date_part", "datepart") and len(args) == 2 and isinstance(args[0], exp.Literal) \
                and args[0].is_string and args[0].this.lower() in _WHOLE_PARTS:
            return _whole(args[0].this, args[1])
        return node
    if isinstance(node, exp.Extract) and node.this.name.lower() in _WHOLE_PARTS:
        return _whole(node.this.name, node.expression)
    part = _PART_FUNCS.get(type(node))
    if part is not None:
        return _whole(part, node.this)
    if isinstance(node, exp.Array) and not node.expressions:
        # PostgreSQL cannot type ARRAY[]; the literal '{}' takes the type its context wants.
        return exp.Literal.string("{}")
    if isinstance(node, exp.EndsWith):
        suffix = node.expression
        return exp.EQ(this=_func("RIGHT", node.this, _func("LENGTH", suffix.copy())), expression=suffix)
    if isinstance(node, exp.ArraySize):
        # array_length(x, 1) is NULL for an empty array; DuckDB's array_length and len say 0.
        return _func("CARDINALITY", node.this)
    if isinstance(node, exp.ArrayDistinct) or (isinstance(node, exp.ArraySort) and node.expression is None):
        # The elements again, sorted (list_sort, ascending) or distinct and NULL-free (list_distinct).
        element = exp.column("_e")
        select = exp.select(element).from_(exp.Unnest(
            expressions=[node.this], alias=exp.TableAlias(this=exp.to_identifier("_u"),
                                                          columns=[exp.to_identifier("_e")])))
        if isinstance(node, exp.ArrayDistinct):
            select = select.distinct().where(exp.Not(this=exp.Is(this=element.copy(), expression=exp.Null())))
        select = select.order_by(exp.Ordered(this=element.copy(), nulls_first=False))
        # A NULL list stays NULL (ARRAY(SELECT ...) of nothing would be an empty one).
        return exp.If(this=exp.Is(this=node.this.copy(), expression=exp.Null()), true=exp.Null(),
                      false=exp.Array(expressions=[select]))
    if isinstance(node, exp.DateFromParts):
        return _func("MAKE_DATE", node.args["year"], node.args["month"], node.args["day"])
    if isinstance(node, exp.Split):
        return _func("STRING_TO_ARRAY", node.this, node.expression)
    if isinstance(node, exp.Contains):
        return exp.GT(this=_func("STRPOS", node.this, node.expression), expression=exp.Literal.number(0))
    if isinstance(node, exp.IntDiv):
        # DuckDB's integer // integer is an integer; PostgreSQL's div() gives a numeric.
        return exp.cast(_func("DIV", node.this, node.expression), exp.DataType.Type.BIGINT)
    return node


def _rewrite_tree(tree: exp.Expr) -> exp.Expr:
    """Apply the rewrites bottom-up: a node is rewritten after everything inside it, so a rewrite
    that moves its arguments (``list_slice(max_by(...))``) hands on arguments rewritten already."""
    for node in reversed(list(tree.dfs())):
        new = _rewrite_for_postgres(node)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree


@lru_cache(maxsize=2048)
def to_postgres(sql: str) -> str:
    """The canonical (DuckDB) statement as PostgreSQL runs it, with psycopg's ``%(name)s`` parameters."""
    tree = _rewrite_tree(sqlglot.parse_one(sql, read="duckdb"))
    text = tree.sql(dialect="postgres", unsupported_level=ErrorLevel.RAISE)
    # psycopg reads every % of a statement with parameters: a literal one (modulo, LIKE 'a%')
    # is written %%, the parameters SQLGlot wrote (%(name)s) stay as they are.
    return _PLACEHOLDER.sub(r"%(\1)s", text.replace("%", "%%"))


def ddl_to_postgres(sql: str) -> str:
    """A migration step (DuckDB DDL or DML, no parameters) as PostgreSQL runs it. Text columns get
    the "C" collation: DuckDB compares and sorts strings by their bytes, so ``ORDER BY id``,
    ``id > $after`` and ``min(url)`` agree between the stores (a locale's collation would not),
    and byte comparisons keep PostgreSQL's primary-key indexes fast."""
    tree = _rewrite_tree(sqlglot.parse_one(sql, read="duckdb"))
    for column in tree.find_all(exp.ColumnDef):
        if _text_type(column.args.get("kind")):
            collate = exp.ColumnConstraint(kind=exp.CollateColumnConstraint(this=exp.to_identifier("C", quoted=True)))
            column.set("constraints", [collate, *column.args.get("constraints", [])])
    return tree.sql(dialect="postgres", unsupported_level=ErrorLevel.RAISE)


def translate(sql: str, dialect: str) -> str:
    """``sql`` (canonical) for ``dialect``: as written for DuckDB, generated for the others."""
    if dialect == "duckdb":
        return sql
    if dialect == "postgres":
        return to_postgres(sql)
    raise ValueError(f"no translation of the canonical SQL to {dialect!r}")
