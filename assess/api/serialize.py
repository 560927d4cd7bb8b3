"""Plain JSON data of what the API reads besides cases and assessments: tasks, decisions, the rule set."""

from __future__ import annotations

from typing import Any

import rules
from assess.models import Assessment, Decision, DecisionCondition
from assess.services.tasks import Tasks


def _assessment_title(a: Assessment) -> str:
    alternative = a.alternative
    return f"{alternative.case.title} – {alternative.name} – {a.scope}"


def _item(a: Assessment, **extra: Any) -> dict[str, Any]:
    return {"assessment_id": a.id, "case_id": a.alternative.case_id, "title": _assessment_title(a), **extra}


def _condition_item(c: DecisionCondition) -> dict[str, Any]:
    return _item(
        c.assessment,
        question_id=c.question_id,
        condition_id=c.id,
        due=c.deadline.isoformat() if c.deadline else None,
    )


def tasks_json(tasks: Tasks) -> dict[str, Any]:
    """Return each of the user's task lists: its total and its first page of entries."""
    sections: dict[str, tuple[int, list[dict[str, Any]]]] = {
        "to_review": (
            len(tasks.to_review),
            [_item(a, areas=[area.value for area in areas]) for a, areas in tasks.to_review],
        ),
        "to_decide": (len(tasks.to_decide), [_item(a) for a in tasks.to_decide]),
        "changes_requested": (len(tasks.changes_requested), [_item(a) for a in tasks.changes_requested]),
        "drafts": (len(tasks.drafts), [_item(a) for a in tasks.drafts]),
        "open_questions": (
            len(tasks.unknowns),
            [
                _item(q.assessment, question_id=q.question_id, due=q.unknown_due.isoformat() if q.unknown_due else None)
                for q in tasks.unknowns
            ],
        ),
        "conditions": (len(tasks.conditions), [_condition_item(c) for c in tasks.conditions]),
        "conditions_to_verify": (len(tasks.to_verify), [_condition_item(c) for c in tasks.to_verify]),
        "to_reassess": (len(tasks.to_reassess), [_item(a) for a, _reasons in tasks.to_reassess]),
    }
    return {"sections": {name: {"total": total, "items": items} for name, (total, items) in sections.items()}}


def decision_json(row: Decision, conditions: list[DecisionCondition]) -> dict[str, Any]:
    """Return a decision with its conditions."""
    return {
        "assessment_id": row.assessment_id,
        "outcome": row.outcome.value,
        "verdict": row.verdict,
        "worst_case": row.worst_case,
        "residual_risks": row.residual_risks,
        "next_review": row.next_review.isoformat() if row.next_review else None,
        "decided_at": row.decided_at.isoformat(),
        "decided_by": row.decided_by.display_name,
        "conditions": [
            {
                "id": c.id,
                "question_id": c.question_id,
                "outcome": c.outcome,
                "mitigations": list(c.mitigations or []),
                "owner": c.owner_label,
                "deadline": c.deadline.isoformat() if c.deadline else None,
                "gate": c.gate.value if c.gate else None,
                "claimed": c.claimed,
                "fulfilled": c.fulfilled,
            }
            for c in conditions
        ],
    }


def ruleset_json(ruleset: rules.RuleSet) -> dict[str, Any]:
    """Return a rule set's areas and questions with their options, in both languages."""
    return {
        **ruleset.pin(),
        "title": ruleset.title.to_dict(),
        "areas": [{"id": a.id, "title": a.title.to_dict(), "questions": list(a.questions)} for a in ruleset.areas],
        "questions": [
            {
                "id": q.id,
                "area": q.area,
                "group": q.group,
                "type": q.type,
                "title": q.title.to_dict(),
                "text": q.text.to_dict(),
                "answered_by": q.answered_by,
                "options": [{"id": o.id, "label": o.label.to_dict()} for o in q.options],
            }
            for q in ruleset.questions
        ],
    }
