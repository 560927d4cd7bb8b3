"""The review as the questionnaire shows it: comment threads at their questions, and what the reviewers asked for.

Everything here reads, in one query whatever the number of comments: the page renders plain data and never
loads an author or a reply on its own.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Row, Select, String, bindparam, cast, func, literal, null, select, union_all

from assess.extensions import db
from assess.labels import REVIEW_AREA
from assess.models import Assessment, AssessmentStatus, ChangeRequest, ReviewComment, Submission, User
from assess.services.errors import DomainError
from assess.services.workflow import Action, authorize


@dataclass(frozen=True)
class Entry:
    """One comment as the page shows it: who wrote it, when, and what."""

    id: int
    author: str
    at: datetime
    text: str


@dataclass(frozen=True)
class Thread:
    """A top-level comment with its replies (replies to replies too), oldest first."""

    comment: Entry
    replies: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class RequestedChange:
    """A change request of the latest round: who asked, for which review area (in words), what, and when."""

    reviewer: str
    area: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class ReviewInPlace:
    """What the questionnaire shows of the review: threads by question, general threads, the changes asked for."""

    threads: dict[str, list[Thread]]
    general: list[Thread]
    change_requests: list[RequestedChange]
    changes_requested: bool

    def comments_at(self, question_id: str) -> int:
        """Return how many comments (replies included) the question has."""
        return sum(1 + len(t.replies) for t in self.threads.get(question_id, []))


def _review_rows(assessment: Assessment) -> list[Row[Any]]:
    """Return the comments and the latest round's change requests, with their authors' names, in one query
    (the questionnaire page has a query budget; its review costs one, whatever is in it)."""
    return list(db.session.execute(_review_query(), {"assessment_id": assessment.id}))


@functools.cache
def _review_query() -> Select[Any]:
    """Return _review_rows' statement, built once per process with the module's id as a parameter."""
    assessment_id = bindparam("assessment_id", type_=Integer)
    comments = (
        select(
            literal("comment").label("kind"),
            ReviewComment.id.label("id"),
            ReviewComment.question_id.label("question_id"),
            ReviewComment.parent_id.label("parent_id"),
            cast(null(), String).label("area"),
            User.display_name.label("author"),
            ReviewComment.created_at.label("at"),
            ReviewComment.text.label("text"),
        )
        .join(User, User.id == ReviewComment.author_id)
        .where(ReviewComment.assessment_id == assessment_id)
    )
    latest_round = select(func.max(Submission.round)).where(Submission.assessment_id == assessment_id).scalar_subquery()
    requests = (
        select(
            literal("change_request"),
            ChangeRequest.id,
            cast(null(), String),
            cast(null(), Integer),
            cast(ChangeRequest.area, String),
            User.display_name,
            ChangeRequest.created_at,
            ChangeRequest.reason,
        )
        .join(User, User.id == ChangeRequest.reviewer_id)
        .where(ChangeRequest.assessment_id == assessment_id, ChangeRequest.round == latest_round)
    )
    both = union_all(comments, requests).subquery()
    return select(both).order_by(both.c.at, both.c.id)


def questionnaire_review(assessment: Assessment) -> ReviewInPlace:
    """Return the assessment's comment threads by question and the change requests of its latest round."""
    rows = _review_rows(assessment)
    comments = [r for r in rows if r.kind == "comment"]
    parents = {r.id: r.parent_id for r in comments}
    roots: dict[int, Thread] = {}
    threads: dict[str, list[Thread]] = {}
    general: list[Thread] = []
    for row in comments:
        if row.parent_id is None or row.parent_id not in parents:
            roots[row.id] = Thread(Entry(id=row.id, author=row.author, at=row.at, text=row.text))
            (threads.setdefault(row.question_id, []) if row.question_id else general).append(roots[row.id])
    for row in comments:
        root, seen = row.id, {row.id}
        while root not in roots and parents.get(root) is not None and parents[root] not in seen:
            root = parents[root]  # a reply to a reply belongs to the thread of the comment that started it
            seen.add(root)
        if root != row.id and root in roots:
            roots[root].replies.append(Entry(id=row.id, author=row.author, at=row.at, text=row.text))
    change_requests = [
        RequestedChange(
            reviewer=r.author,
            area=REVIEW_AREA.get(r.area, str(r.area)),
            reason=r.text,
            at=r.at,
        )
        for r in rows
        if r.kind == "change_request"
    ]
    return ReviewInPlace(
        threads=threads,
        general=general,
        change_requests=change_requests,
        changes_requested=assessment.status == AssessmentStatus.CHANGES_REQUESTED,
    )


def may(assessment: Assessment, action: Action, actor: User) -> bool:
    """Tell whether the actor may take the action on the assessment now (the workflow's answer, as a yes or no)."""
    try:
        authorize(assessment, action, actor)
    except DomainError:
        return False
    return True
