"""Writing the audit trail, in the same transaction as the change it records, as a hash chain.

Every event carries its position in the chain (`seq`), the hash of the event before it (`prev_hash`) and its own
hash over everything it says (`event_hash`). Inserting, changing or deleting an event anywhere breaks the chain;
`records verify` walks it and prints the head hash, which the region can note elsewhere (e.g. in its diary) so
that even a rewrite of the whole chain shows. The hash is a stable contract: records verified in twenty years
recompute it the same way, so it is never changed in place (a new format would get a new chain version).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from assess.extensions import db
from assess.models import AuditEvent, AuditHead, User
from assess.models.types import utcnow

#: The hash the first event points back to.
GENESIS = "0" * 64
#: Where a transaction keeps the chain's head once it has locked it (cleared at commit and rollback).
_HEAD_KEY = "audit_head"


def canonical(data: Any) -> str:
    """Return data as canonical JSON: sorted keys, no insignificant whitespace, UTF-8 kept."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def normalized(value: Any) -> Any:
    """Return value as it reads back from a JSON column (tuples become lists, dates strings), so hashes agree."""
    return None if value is None else json.loads(canonical(value))


def timestamp(at: datetime) -> str:
    """Return a UTC time as the chain hashes it: naive ISO 8601 with microseconds, whatever the database."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def event_hash(prev_hash: str, seq: int, fields: Mapping[str, Any]) -> str:
    """Return the SHA-256 of one event: its position, the previous hash and every field it records."""
    payload = {
        "v": 1,
        "seq": seq,
        "prev": prev_hash,
        "at": timestamp(fields["at"]),
        "actor_id": fields["actor_id"],
        "actor_name": fields["actor_name"],
        "entity_type": fields["entity_type"],
        "entity_id": fields["entity_id"],
        "assessment_id": fields["assessment_id"],
        "action": fields["action"],
        "before": fields["before"],
        "after": fields["after"],
    }
    return hashlib.sha256(canonical(payload).encode("utf-8")).hexdigest()


def hash_of(event: AuditEvent) -> str:
    """Recompute a stored event's hash from its fields."""
    return event_hash(event.prev_hash, event.seq, fields_of(event))


def fields_of(event: AuditEvent) -> dict[str, Any]:
    """Return the fields of an event that its hash covers."""
    return {
        "at": event.at,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "assessment_id": event.assessment_id,
        "action": event.action,
        "before": event.before,
        "after": event.after,
    }


def chain_head() -> tuple[int, str]:
    """Return (seq, hash) of the chain's newest event, locking the head for this transaction on PostgreSQL."""
    session = db.session()
    cached = session.info.get(_HEAD_KEY)
    if cached is not None:
        head: tuple[int, str] = cached
        return head
    row = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()).one()
    result = (int(row.seq), str(row.hash))
    session.info[_HEAD_KEY] = result
    return result


def forget_head(session: Session) -> None:
    """Drop the cached head (the transaction ended; another may have moved it)."""
    session.info.pop(_HEAD_KEY, None)


def record_event(
    actor: User | None,
    entity_type: str,
    entity_id: int | None,
    action: str,
    before: Any = None,
    after: Any = None,
    assessment_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction, chained to the one before, and return it."""
    seq, prev = chain_head()
    fields = {
        "at": utcnow(),
        "actor_id": actor.id if actor is not None else None,
        "actor_name": actor.display_name if actor is not None else "system",
        "entity_type": entity_type,
        "entity_id": entity_id,
        "assessment_id": assessment_id,
        "action": action,
        "before": normalized(before),
        "after": normalized(after),
    }
    digest = event_hash(prev, seq + 1, fields)
    event = AuditEvent(seq=seq + 1, prev_hash=prev, hash=digest, **fields)
    db.session.add(event)
    db.session.flush()
    db.session.info[_HEAD_KEY] = (seq + 1, digest)
    return event


def diff_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the (before, after) pair restricted to the keys whose values differ."""
    keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_head_after_transaction(session: Session) -> None:
    forget_head(session)
