"""Plain JSON data of what the API reads besides cases and assessments: tasks, decisions, the rule set."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rules
from assess.models import Assessment, AssessmentStatus, Decision, DecisionCondition, User
from assess.services import tasks as task_lists
from assess.services.tasks import EVERYTHING, TASK_PAGE, Section, TaskFilter, Tasks


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


#: Each task list of the API by its name: its entries' JSON (services.tasks gives the lists).
TASK_ITEMS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "to_review": lambda entry: _item(entry[0], areas=[area.value for area in entry[1]]),
    "to_decide": _item,
    "changes_requested": _item,
    "drafts": _item,
    "open_questions": lambda q: _item(
        q.assessment, question_id=q.question_id, due=q.unknown_due.isoformat() if q.unknown_due else None
    ),
    "contact_questions": lambda entry: _item(
        entry[0].assessment,
        question_id=entry[0].question_id,
        due=entry[0].answer.unknown_due.isoformat() if entry[0].answer.unknown_due else None,
        contact=entry[1],
    ),
    "conditions": _condition_item,
    "conditions_to_verify": _condition_item,
    "conditions_for_contacts": _condition_item,
    "to_reassess": lambda entry: _item(entry[0]),
}
#: The task lists' names, in the order *Mina uppgifter* shows them.
TASK_SECTIONS = tuple(TASK_ITEMS)


def _with_contacts(questions: Section[Any], names: dict[int, str]) -> Section[Any]:
    """Return the vendor contacts' questions each with the name of the contact who is to find it out."""
    paired = [(q, names.get(q.answer.id, "")) for q in questions]
    return Section(paired, questions.total, questions.page, questions.param)


def task_section(user: User, name: str, page: int, wanted: TaskFilter = EVERYTHING) -> Section[Any]:
    """Return one page of the user's task list `name` (one of TASK_SECTIONS), narrowed as `wanted` says."""
    S = AssessmentStatus
    lists: dict[str, Callable[[], Section[Any]]] = {
        "to_review": lambda: task_lists.to_review(user, page, wanted),
        "to_decide": lambda: task_lists.to_decide(user, page, wanted),
        "changes_requested": lambda: task_lists.mine(user, S.CHANGES_REQUESTED, "sida_andringar", page, wanted),
        "drafts": lambda: task_lists.mine(user, S.DRAFT, "sida_utkast", page, wanted),
        "open_questions": lambda: task_lists.open_questions(user, page, wanted),
        "contact_questions": lambda: _with_contacts(*task_lists.contact_questions(user, page, wanted)),
        "conditions": lambda: task_lists.conditions_owned(user, page, wanted),
        "conditions_to_verify": lambda: task_lists.conditions_to_verify(user, page, wanted),
        "conditions_for_contacts": lambda: task_lists.conditions_for_contacts(user, page, wanted),
        "to_reassess": lambda: task_lists.to_reassess(user, page, wanted),
    }
    return lists[name]()


def task_page_json(name: str, section: Section[Any]) -> dict[str, Any]:
    """Return one page of a task list with its count, the page given and the number of pages."""
    items = [TASK_ITEMS[name](entry) for entry in section]
    return {"total": section.total, "page": section.page, "per_page": TASK_PAGE, "pages": section.pages, "items": items}


def tasks_json(tasks: Tasks) -> dict[str, Any]:
    """Return each of the user's task lists: its total, its pages and its first page of entries."""
    sections: dict[str, Section[Any]] = {
        "to_review": tasks.to_review,
        "to_decide": tasks.to_decide,
        "changes_requested": tasks.changes_requested,
        "drafts": tasks.drafts,
        "open_questions": tasks.unknowns,
        "contact_questions": _with_contacts(tasks.contact_unknowns, tasks.contact_names),
        "conditions": tasks.conditions,
        "conditions_to_verify": tasks.to_verify,
        "conditions_for_contacts": tasks.for_contacts,
        "to_reassess": tasks.to_reassess,
    }
    return {
        "sections": {
            name: {"total": s.total, "pages": s.pages, "items": [TASK_ITEMS[name](entry) for entry in s]}
            for name, s in sections.items()
        }
    }


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
