"""IN lists written into the statement: for the lists a page filters on (question ids of a rule set, the ids of
the page's rows), a bound parameter per item costs more than the query (SQLAlchemy expands and renders each list
at every execution); written as literals, the statement is compiled once per list and cached."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import false, literal_column
from sqlalchemy.sql.elements import ColumnElement

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
