"""Reviewing an assessment: comments, change requests, area approvals and lifted knock-outs."""

from __future__ import annotations

from datetime import date

from assess.extensions import db
from assess.i18n import _
from assess.models import (
    AreaApproval,
    Assessment,
    ChangeRequest,
    KnockoutOverride,
    OverrideKind,
    ReviewArea,
    ReviewComment,
    Role,
    User,
)
from assess.services.audit import record_event
from assess.services.errors import Conflict, PermissionDenied, ValidationFailed
from assess.services.evaluation import ruleset_for
from assess.services.workflow import (
    MAX_TEXT,
    Action,
    S,
    approvals_of,
    authorize,
    current_round,
    evaluation_with_overrides,
    is_full_author,
    move,
    required_areas,
)


def start_review_if_submitted(assessment: Assessment, actor: User) -> None:
    if assessment.status == S.SUBMITTED:
        authorize(assessment, Action.START_REVIEW, actor)
        move(assessment, S.IN_REVIEW, actor, "start_review", {})


def add_comment(
    assessment: Assessment, actor: User, text: str, question_id: str | None = None, parent_id: int | None = None
) -> ReviewComment:
    """Add a comment (to a question, or to the whole assessment), optionally as a reply."""
    authorize(assessment, Action.COMMENT, actor)
    problems: dict[str, str] = {}
    text = text.strip()
    if not text:
        problems["text"] = _("Skriv en kommentar.")
    elif len(text) > MAX_TEXT:
        problems["text"] = _("Högst %(max)s tecken.", max=MAX_TEXT)
    if question_id and question_id not in ruleset_for(assessment).by_id:
        problems["question_id"] = _("Okänd fråga %(question)s.", question=question_id)
    parent = None
    if parent_id is not None:
        parent = db.session.get(ReviewComment, parent_id)
        if parent is None or parent.assessment_id != assessment.id:
            problems["parent_id"] = _("Kommentaren du svarar på finns inte i den här bedömningen.")
    if problems:
        raise ValidationFailed(*problems.values(), fields=problems)
    if actor.has_role(Role.REVIEWER) and not is_full_author(assessment, actor):
        start_review_if_submitted(assessment, actor)
    comment = ReviewComment(
        assessment_id=assessment.id,
        question_id=(parent.question_id if parent else question_id) or None,
        parent_id=parent.id if parent else None,
        author_id=actor.id,
        text=text,
    )
    db.session.add(comment)
    db.session.flush()
    record_event(
        actor,
        "comment",
        comment.id,
        "review.comment",
        None,
        {"question": comment.question_id, "text": text, "reply_to": comment.parent_id},
        assessment_id=assessment.id,
    )
    return comment


def _check_area(actor: User, area: str) -> ReviewArea:
    try:
        review_area = ReviewArea(area)
    except ValueError:
        raise ValidationFailed(_("Okänt granskningsområde."), fields={"area": _("Okänt granskningsområde.")}) from None
    if review_area not in actor.review_areas:
        raise PermissionDenied(_("Du granskar inte det området."))
    return review_area


def request_changes(assessment: Assessment, actor: User, area: str, reason: str) -> ChangeRequest:
    """Send the assessment back to the architect with a reason (what to fix)."""
    authorize(assessment, Action.REQUEST_CHANGES, actor)
    review_area = _check_area(actor, area)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("Skriv vad som ska ändras."), fields={"reason": _("Skriv vad som ska ändras.")})
    if len(reason) > MAX_TEXT:
        too_long = _("Högst %(max)s tecken.", max=MAX_TEXT)
        raise ValidationFailed(too_long, fields={"reason": too_long})
    start_review_if_submitted(assessment, actor)
    target = authorize(assessment, Action.REQUEST_CHANGES, actor)
    request = ChangeRequest(
        assessment_id=assessment.id,
        round=current_round(assessment),
        area=review_area,
        reviewer_id=actor.id,
        reason=reason,
    )
    db.session.add(request)
    move(assessment, target, actor, "request_changes", {"area": review_area.value, "reason": reason})
    return request


def approve_area(assessment: Assessment, actor: User, area: str, note: str = "") -> AreaApproval:
    """Approve one review area; when every required area is approved the assessment is reviewed."""
    review_area = _check_area(actor, area)
    authorize(assessment, Action.APPROVE_AREA, actor, review_area)
    evaluation = evaluation_with_overrides(assessment)
    needed = required_areas(evaluation, ruleset_for(assessment))
    if review_area not in needed:
        raise Conflict(_("Området har inga frågor som visas och behöver inte godkännas."))
    if any(a.area == review_area for a in approvals_of(assessment)):
        raise Conflict(_("Området är redan godkänt i den här granskningsomgången."))
    if len(note) > MAX_TEXT:
        too_long = _("Högst %(max)s tecken.", max=MAX_TEXT)
        raise ValidationFailed(too_long, fields={"note": too_long})
    start_review_if_submitted(assessment, actor)
    approval = AreaApproval(
        assessment_id=assessment.id,
        round=current_round(assessment),
        area=review_area,
        reviewer_id=actor.id,
        note=note.strip(),
    )
    db.session.add(approval)
    db.session.flush()
    record_event(
        actor,
        "approval",
        approval.id,
        "review.approve_area",
        None,
        {"area": review_area.value, "round": approval.round},
        assessment_id=assessment.id,
    )
    approved = {a.area for a in approvals_of(assessment)}
    if set(needed) <= approved:
        move(assessment, S.REVIEWED, actor, "reviewed", {"areas": sorted(a.value for a in approved)})
    return approval


#: Which reviewer area may lift a knock-out in each rule-set area, and the kind of finding it records.
OVERRIDE_BY_AREA: dict[str, tuple[ReviewArea, OverrideKind]] = {
    "legal": (ReviewArea.LEGAL, OverrideKind.LEGAL),
    "context": (ReviewArea.INFOSEC, OverrideKind.TECHNICAL),
    "infosec": (ReviewArea.INFOSEC, OverrideKind.TECHNICAL),
    "patient_safety": (ReviewArea.PATIENT_SAFETY, OverrideKind.TECHNICAL),
}


def record_override(
    assessment: Assessment,
    actor: User,
    question_id: str,
    reference: str,
    author: str,
    finding_date: date | None,
    review_date: date | None,
) -> KnockoutOverride:
    """Lift a knock-out with a documented finding: legal counsel for legal questions, the area's reviewer else."""
    authorize(assessment, Action.OVERRIDE, actor)
    ruleset = ruleset_for(assessment)
    question = ruleset.by_id.get(question_id)
    if question is None:
        unknown = _("Okänd fråga %(question)s.", question=question_id)
        raise ValidationFailed(unknown, fields={"question_id": unknown})
    needed_area, kind = OVERRIDE_BY_AREA[question.area]
    authorize(assessment, Action.OVERRIDE, actor, needed_area)
    if needed_area not in actor.review_areas:
        raise PermissionDenied(
            _("Bara juristen kan häva en juridisk stoppträff.")
            if question.area == "legal"
            else _("Bara granskaren av frågans område kan häva stoppträffen.")
        )
    problems: dict[str, str] = {}
    if not reference.strip():
        problems["reference"] = _("Ange referens till det dokumenterade ställningstagandet (t.ex. PM-nummer).")
    if not author.strip():
        problems["author"] = _("Ange vem som har skrivit ställningstagandet.")
    if finding_date is None:
        problems["finding_date"] = _("Ange ställningstagandets datum.")
    if review_date is None:
        problems["review_date"] = _("Ange när hävningen ska omprövas.")
    elif finding_date is not None and review_date <= finding_date:
        problems["review_date"] = _("Omprövningen måste ligga efter ställningstagandets datum.")
    if len(reference) > 500 or len(author) > 200:
        problems["reference"] = _("För lång text (referens högst 500, författare högst 200 tecken).")
    if problems:
        raise ValidationFailed(*problems.values(), fields=problems)
    if any(o.question_id == question_id for o in assessment.overrides):
        raise Conflict(_("Stoppträffen på %(question)s är redan hävd.", question=question_id))
    evaluation = evaluation_with_overrides(assessment)
    if evaluation.questions[question_id].outcome != "KO":
        raise Conflict(_("%(question)s är ingen stoppträff; bara en stoppträff kan hävas.", question=question_id))
    start_review_if_submitted(assessment, actor)
    override = KnockoutOverride(
        assessment_id=assessment.id,
        question_id=question_id,
        kind=kind,
        reference=reference.strip(),
        author=author.strip(),
        finding_date=finding_date,
        review_date=review_date,
        recorded_by_id=actor.id,
    )
    assessment.overrides.append(override)
    db.session.flush()
    record_event(
        actor,
        "override",
        override.id,
        "review.override",
        {"outcome": "KO"},
        {
            "question": question_id,
            "kind": kind.value,
            "reference": override.reference,
            "author": override.author,
            "date": str(finding_date),
            "review_date": str(review_date),
        },
        assessment_id=assessment.id,
    )
    return override
