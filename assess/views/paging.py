"""What every paged list reads from the query string (a bad value is the first page, never an error)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask import request

#: The largest page number accepted (beyond it the list's last page is shown).
MAX_PAGE = 1_000_000


def page_number(name: str = "sida", args: Mapping[str, str] | None = None) -> int:
    """Return the page asked for in `?sida=` (of `args`, else this request's query): a positive integer, 1 when
    missing or malformed."""
    raw = (request.args if args is None else args).get(name, "")
    try:
        value = int(raw)
    except ValueError:
        return 1
    return min(max(1, value), MAX_PAGE)


def today() -> date:
    """Return today's date in the region's time zone (as every page shows dates)."""
    from assess.views import today as region_today

    return region_today()


#: The page parameters of the lists on *Mina uppgifter* (services/tasks.py).
TASK_PARAMS = (
    "sida_omprovning",
    "sida_granska",
    "sida_besluta",
    "sida_andringar",
    "sida_utkast",
    "sida_fragor",
    "sida_kontaktfragor",
    "sida_villkor",
    "sida_kontakter",
    "sida_verifiera",
)


def task_pages(args: Mapping[str, str] | None = None) -> dict[str, int]:
    """Return the page asked for of each list on *Mina uppgifter* (in `args`, else this request's query)."""
    args = request.args if args is None else args
    return {name: page_number(name, args) for name in TASK_PARAMS if name in args}
