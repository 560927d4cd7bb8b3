"""The marks beside each module a page lists: a condition overdue, a question late, a re-assessment required.

The three are asked of the page's modules in one statement (a UNION ALL of the three queries the services own:
decisions.overdue_query, team.late_question_query, reassessment.flagged_query), not one statement each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import literal_column, union_all

from assess.extensions import db
from assess.models import Answer, DecisionCondition, ReassessmentFlag
from assess.services.sqlin import in_literal

_OVERDUE, _LATE, _FLAGGED = 1, 2, 3


@dataclass(frozen=True)
class Marks:
    """The ids, among a page's modules, of those with each mark."""

    overdue: frozenset[int]
    late: frozenset[int]
    flagged: frozenset[int]


NONE = Marks(frozenset(), frozenset(), frozenset())


def marks_of(today: date, among: Iterable[int]) -> Marks:
    """Return the marks of the modules `among` (a page's ids) as of `today`, in one statement (none for no ids)."""
    from assess.services.decisions import overdue_query
    from assess.services.reassessment import flagged_query
    from assess.services.team import late_question_query

    ids = set(among)
    if not ids:
        return NONE
    arms = (
        (_OVERDUE, overdue_query(today), DecisionCondition.assessment_id),
        (_LATE, late_question_query(today), Answer.assessment_id),
        (_FLAGGED, flagged_query(), ReassessmentFlag.assessment_id),
    )
    statement = union_all(
        *(query.add_columns(literal_column(str(kind))).where(in_literal(column, ids)) for kind, query, column in arms)
    )
    found: dict[int, set[int]] = {_OVERDUE: set(), _LATE: set(), _FLAGGED: set()}
    for assessment_id, kind in db.session.execute(statement):
        found[int(kind)].add(int(assessment_id))
    return Marks(frozenset(found[_OVERDUE]), frozenset(found[_LATE]), frozenset(found[_FLAGGED]))
