"""Cases, alternatives and the overviews that list them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

import rules
from assess.extensions import db
from assess.models import Alternative, Answer, Assessment, Case
from assess.services.errors import NotFound
from assess.services.evaluation import evaluate_assessment


def list_cases() -> list[Case]:
    """Return every case with its alternatives and assessments loaded, newest first."""
    query = (
        select(Case)
        .options(selectinload(Case.alternatives).selectinload(Alternative.assessments))
        .order_by(Case.created_at.desc(), Case.id.desc())
    )
    return list(db.session.scalars(query))


def case_evaluations(case: Case) -> dict[int, rules.Evaluation]:
    """Evaluate every assessment of a case, loading all their answers in one query."""
    assessments = [a for alt in case.alternatives for a in alt.assessments]
    ids = [a.id for a in assessments]
    by_assessment: dict[int, list[Answer]] = {i: [] for i in ids}
    if ids:
        for row in db.session.scalars(select(Answer).where(Answer.assessment_id.in_(ids))):
            by_assessment[row.assessment_id].append(row)
    return {a.id: evaluate_assessment(a, by_assessment[a.id]) for a in assessments}


def get_case(case_id: int) -> Case:
    """Return a case with its alternatives, assessments and their owners loaded, or raise NotFound."""
    query = (
        select(Case)
        .where(Case.id == case_id)
        .options(
            selectinload(Case.alternatives)
            .selectinload(Alternative.assessments)
            .selectinload(Assessment.owner)
        )
    )
    case = db.session.scalar(query)
    if case is None:
        raise NotFound(f"Ärende {case_id} finns inte.")
    return case


def case_to_dict(case: Case) -> dict[str, Any]:
    """Return a case with its alternatives and assessments as plain JSON data."""
    return {
        "id": case.id,
        "title": case.title,
        "status": case.status.value,
        "information_owner": case.information_owner,
        "decision_maker": case.decision_maker,
        "alternatives": [
            {
                "id": alt.id,
                "name": alt.name,
                "operating_model": alt.operating_model,
                "provider": alt.provider,
                "position": alt.position,
                "assessments": [
                    {
                        "id": a.id,
                        "scope": a.scope,
                        "revision": a.revision,
                        "status": a.status.value,
                        "ruleset": {
                            "id": a.ruleset_id,
                            "version": a.ruleset_version,
                            "sha256": a.ruleset_sha256,
                        },
                    }
                    for a in alt.assessments
                ],
            }
            for alt in case.alternatives
        ],
    }
