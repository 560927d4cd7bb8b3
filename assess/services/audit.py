"""Writing the audit trail, in the same transaction as the change it records."""

from __future__ import annotations

from typing import Any

from assess.extensions import db
from assess.models import AuditEvent, User


def record_event(
    actor: User | None,
    entity_type: str,
    entity_id: int | None,
    action: str,
    before: Any = None,
    after: Any = None,
    assessment_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction and return it."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.display_name if actor is not None else "system",
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        before=before,
        after=after,
        assessment_id=assessment_id,
    )
    db.session.add(event)
    db.session.flush()
    return event


def diff_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the (before, after) pair restricted to the keys whose values differ."""
    keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
