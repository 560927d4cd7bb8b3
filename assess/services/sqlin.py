"""IN lists and IN sets as the lists' statements write them.

in_literal: the lists a page filters on (question ids of a rule set, the ids of the page's rows), written into the
statement; a bound parameter per item costs more than the query (SQLAlchemy expands and renders each list at every
execution); written as literals, the statement is compiled once per list and cached.

in_subquery: `IN (subquery)` that each database reads as a set computed once (on PostgreSQL an array).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Boolean, Select, false, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

_SAFE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def in_literal(column: Any, values: Iterable[int | str]) -> ColumnElement[bool]:
    """Return `column IN (v1, v2, ...)` with the values written in the SQL (integers and plain ids only)."""
    distinct = set(values)
    if not distinct:
        return false()
    if all(type(v) is int for v in distinct):  # the common case (a page's ids), without a check per item
        numbers = ", ".join(map(str, sorted(distinct)))
        condition_: ColumnElement[bool] = column.op("IN")(literal_column(f"({numbers})"))
        return condition_
    items = sorted(distinct, key=str)
    rendered = []
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (int, str)):
            raise TypeError(f"in_literal takes integers and plain ids, not {type(v).__name__}")
        if isinstance(v, str):
            if not _SAFE.fullmatch(v):
                bound: ColumnElement[bool] = column.in_(items)  # anything else keeps its bound parameters
                return bound
            rendered.append(f"'{v}'")
        else:
            rendered.append(str(int(v)))
    condition: ColumnElement[bool] = column.op("IN")(literal_column("(" + ", ".join(rendered) + ")"))
    return condition


class InSubquery(ColumnElement[bool]):
    """`column IN (subquery)`, written for PostgreSQL as `column = ANY(ARRAY(subquery))` (in_subquery)."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a comparison: SQLite's WHERE takes it as it is (not `... = 1`)
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("subquery", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: Any, subquery: Select[Any]) -> None:
        self.column = column
        self.subquery = subquery


def in_subquery(column: Any, subquery: Select[Any]) -> ColumnElement[bool]:
    """Return `column IN (subquery)` (one column) that each database reads as a set computed once.

    PostgreSQL plans `IN (subquery)` as a join by its guess of the rows on each side. Where the other side is a
    partial index whose terms it cannot estimate (it guessed one row for a hundred), it looked each row up by
    running the subquery again: a nested loop that grows with the square of the rows. `= ANY(ARRAY(subquery))`
    computes the subquery once, and the column's index is then read once per value it holds. SQLite computes an
    uncorrelated `IN (subquery)` once as it is."""
    return InSubquery(column, subquery)


@compiles(InSubquery)
def _in_subquery(element: InSubquery, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"{column} IN ({compiler.process(element.subquery, asfrom=False, **kw)})"


@compiles(InSubquery, "postgresql")
def _in_subquery_postgresql(element: InSubquery, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"{column} = ANY(ARRAY({compiler.process(element.subquery, asfrom=False, **kw)}))"
