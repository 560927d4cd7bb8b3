"""Who answered what: one row per (assessment, user, question), written with every flush that saves an answer.

Four-eyes reads it in one indexed query instead of walking the audit trail (which holds the same facts, event by
event). The rows are written by a session hook, so every way an answer is stored (the questionnaire, a new
revision carrying answers over, the demo) records its author.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from assess.extensions import db
from assess.models import Answer, AnswerAuthor


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(AnswerAuthor).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(AnswerAuthor).on_conflict_do_nothing()
    else:  # pragma: no cover - the two supported databases are above
        statement = insert(AnswerAuthor).prefix_with("IGNORE")
    session.connection().execute(statement, rows)


def _note_authors(session: Session, _context: Any) -> None:
    rows = {
        (obj.assessment_id, obj.updated_by_id, obj.question_id)
        for obj in (*session.new, *session.dirty)
        if isinstance(obj, Answer) and obj.updated_by_id is not None and obj.assessment_id is not None
    }
    if rows:
        _insert_ignoring_duplicates(
            session, [{"assessment_id": a, "user_id": u, "question_id": q} for a, u, q in sorted(rows)]
        )


def authors(assessment_ids: Iterable[int]) -> dict[int, dict[int, set[str]]]:
    """Return, per assessment, the question ids each user saved an answer to (one query)."""
    ids = sorted(set(assessment_ids))
    result: dict[int, dict[int, set[str]]] = {i: {} for i in ids}
    if ids:
        query = select(AnswerAuthor.assessment_id, AnswerAuthor.user_id, AnswerAuthor.question_id).where(
            AnswerAuthor.assessment_id.in_(ids)
        )
        for assessment_id, user_id, question_id in db.session.execute(query):
            result[assessment_id].setdefault(user_id, set()).add(question_id)
    return result


def backfill(connection: Any) -> int:
    """Write the authors of the answers already stored and of the audit trail's saves (the migration's step)."""
    from sqlalchemy import text

    found: set[tuple[int, int, str]] = set()
    for assessment_id, user_id, question_id in connection.execute(
        text("SELECT assessment_id, updated_by_id, question_id FROM answers WHERE updated_by_id IS NOT NULL")
    ):
        found.add((assessment_id, user_id, question_id))
    import json

    for assessment_id, actor_id, after in connection.execute(
        text(
            "SELECT assessment_id, actor_id, after FROM audit_events "
            "WHERE action = 'answer.save' AND actor_id IS NOT NULL AND assessment_id IS NOT NULL"
        )
    ):
        data = json.loads(after) if isinstance(after, str) else after
        question = data.get("question") if isinstance(data, dict) else None
        if isinstance(question, str):
            found.add((assessment_id, actor_id, question))
    existing_users = {row[0] for row in connection.execute(text("SELECT id FROM users"))}
    existing_assessments = {row[0] for row in connection.execute(text("SELECT id FROM assessments"))}
    rows = [
        {"assessment_id": a, "user_id": u, "question_id": q}
        for a, u, q in sorted(found)
        if a in existing_assessments and u in existing_users
    ]
    if rows:
        connection.execute(
            text(
                "INSERT INTO answer_authors (assessment_id, user_id, question_id) "
                "VALUES (:assessment_id, :user_id, :question_id)"
            ),
            rows,
        )
    return len(rows)


def install() -> None:
    """Hook the author rows into every session's flush (once per process)."""
    if getattr(install, "done", False):
        return
    event.listen(Session, "after_flush", _note_authors)
    install.done = True  # type: ignore[attr-defined]
