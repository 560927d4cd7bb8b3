"""The audit trail: written with each change, append-only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assess.extensions import db
from assess.models import AppendOnlyError, AuditEvent
from assess.services import users as user_service
from tests import factories


def test_each_change_writes_an_event_in_the_same_transaction(app: object) -> None:
    admin = factories.create_user("admin", username="boss")
    user = factories.create_user("viewer", username="lisa")
    user_service.set_roles(user, ["architect"], actor=admin)
    db.session.rollback()  # the change and its audit event go together
    assert db.session.scalars(select(AuditEvent)).all() == []
    user = factories.create_user("viewer", username="lisa")
    user_service.set_roles(user, ["architect"], actor=user)
    db.session.commit()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.set_roles")).one()
    assert event.actor_name == user.display_name
    assert event.before["roles"] == ["viewer"]
    assert event.after["roles"] == ["architect"]


def test_orm_refuses_to_change_or_delete_events(app: object) -> None:
    factories.create_user("viewer")
    db.session.commit()
    event = db.session.scalars(select(AuditEvent)).first()
    assert event is not None
    event.action = "forged"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(event)
    with pytest.raises(AppendOnlyError):
        db.session.flush()
