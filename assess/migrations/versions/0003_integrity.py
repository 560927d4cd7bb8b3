"""integrity: audit events as a hash chain, server-side sessions, guarded follow-up, triggers on both databases

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00

* ``audit_events`` gets ``seq``, ``prev_hash`` and ``hash``; existing events are chained in id order. The head of
  the chain lives in ``audit_head`` (one row), which the database moves on every insert.
* ``user_sessions``: sessions held on the server (sign-out, new password, deactivation, new roles end them).
* ``decision_conditions.audit_seq``: the audit event behind the last change of a condition's follow-up.
* Triggers, the same rules on SQLite and PostgreSQL (0002's are replaced):
  - decided and superseded assessments, their answers, decision, conditions' terms, frozen record and review
    history cannot change; a record is frozen only for a decided assessment, a decision only for a reviewed one;
  - answers change only while their assessment (before and after the change) is a draft;
  - a status changes only along the workflow's transition table; ``decided`` needs a decision and
    ``superseded`` a newer revision;
  - a condition's follow-up changes only together with a new audit event about that condition;
  - the audit trail is append-only and each event must follow the head of the chain;
  - on PostgreSQL, ``TRUNCATE`` of any of these tables is refused.
"""

import sqlalchemy as sa
from alembic import op

import assess.models.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SEALED = "('decided', 'superseded')"
NOT_DRAFT = "('submitted', 'in_review', 'changes_requested', 'reviewed', 'decided', 'superseded')"
#: The workflow's transition table (assess/services/workflow.py TRANSITIONS, status changes only).
TRANSITIONS = [
    ("draft", "submitted"),
    ("submitted", "in_review"),
    ("in_review", "changes_requested"),
    ("in_review", "reviewed"),
    ("reviewed", "changes_requested"),
    ("changes_requested", "draft"),
    ("reviewed", "decided"),
    ("decided", "superseded"),
]
HISTORY_TABLES = ["submissions", "area_approvals", "change_requests", "review_comments", "overrides"]
ASSESSMENT_FIXED = [
    "id",
    "alternative_id",
    "scope",
    "scope_description",
    "position",
    "revision",
    "revision_of_id",
    "ruleset_id",
    "ruleset_version",
    "ruleset_sha256",
    "owner_id",
    "created_at",
]
CONDITION_TERMS = [
    "id",
    "decision_id",
    "assessment_id",
    "question_id",
    "outcome",
    "mitigations",
    "owner_id",
    "deadline",
    "gate",
    "gate_months",
]
CONDITION_FOLLOWUP = [
    "fulfilled",
    "fulfilled_at",
    "fulfilled_by_id",
    "fulfilled_note",
    "fulfilled_evidence",
    "audit_seq",
]
GUARDED_TABLES = [
    "assessments",
    "answers",
    "decisions",
    "decision_conditions",
    "frozen_records",
    *HISTORY_TABLES,
    "audit_events",
    "audit_head",
]


def _status(ref: str) -> str:
    return f"(SELECT status FROM assessments WHERE id = {ref})"


def _allowed_move(old: str, new: str, exists_decision: str) -> str:
    pairs = " OR ".join(
        f"({old}.status = '{a}' AND {new}.status = '{b}'"
        + (f" AND {exists_decision}" if b == "decided" else "")
        + ")"
        for a, b in TRANSITIONS
        if a not in ("decided",)
    )
    return f"({pairs})"


# --- SQLite ---------------------------------------------------------------------------------------------------


def _abort(message: str) -> str:
    return "BEGIN SELECT RAISE(ABORT, '" + message.replace("'", "''") + "'); END"


def _sqlite_triggers() -> list[str]:
    same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in ASSESSMENT_FIXED)
    terms_changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in CONDITION_TERMS)
    followup_changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in CONDITION_FOLLOWUP)
    decision_exists = "EXISTS (SELECT 1 FROM decisions d WHERE d.assessment_id = NEW.id)"
    statements = [
        # frozen records and decisions
        "CREATE TRIGGER frozen_records_no_update BEFORE UPDATE ON frozen_records "
        + _abort("decided records are immutable"),
        "CREATE TRIGGER frozen_records_no_delete BEFORE DELETE ON frozen_records "
        + _abort("decided records are immutable"),
        "CREATE TRIGGER frozen_records_insert BEFORE INSERT ON frozen_records "
        f"WHEN {_status('NEW.assessment_id')} IS NOT 'decided' "
        + _abort("a record is frozen only for a decided assessment"),
        "CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions " + _abort("decided records are immutable"),
        "CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions " + _abort("decided records are immutable"),
        "CREATE TRIGGER decisions_insert BEFORE INSERT ON decisions "
        f"WHEN {_status('NEW.assessment_id')} IS NOT 'reviewed' "
        + _abort("a decision is taken only on a reviewed assessment"),
        # answers
        "CREATE TRIGGER answers_insert BEFORE INSERT ON answers "
        f"WHEN {_status('NEW.assessment_id')} IS NOT 'draft' "
        + _abort("answers change only while the assessment is a draft"),
        "CREATE TRIGGER answers_update BEFORE UPDATE ON answers "
        f"WHEN {_status('OLD.assessment_id')} IS NOT 'draft' OR {_status('NEW.assessment_id')} IS NOT 'draft' "
        + _abort("answers change only while the assessment is a draft"),
        "CREATE TRIGGER answers_delete BEFORE DELETE ON answers "
        f"WHEN {_status('OLD.assessment_id')} IN {NOT_DRAFT} "
        + _abort("answers change only while the assessment is a draft"),
        # assessments
        "CREATE TRIGGER assessments_insert BEFORE INSERT ON assessments WHEN NEW.status IS NOT 'draft' "
        + _abort("a new assessment starts as a draft"),
        "CREATE TRIGGER assessments_sealed BEFORE UPDATE ON assessments "
        f"WHEN OLD.status IN {SEALED} AND NOT (OLD.status = 'decided' AND NEW.status = 'superseded' AND {same} "
        "AND EXISTS (SELECT 1 FROM assessments r WHERE r.revision_of_id = OLD.id)) "
        + _abort("decided records are immutable"),
        "CREATE TRIGGER assessments_transition BEFORE UPDATE OF status ON assessments "
        f"WHEN NEW.status IS NOT OLD.status AND OLD.status NOT IN {SEALED} "
        f"AND NOT {_allowed_move('OLD', 'NEW', decision_exists)} "
        + _abort("the status changes only through the workflow"),
        "CREATE TRIGGER assessments_delete BEFORE DELETE ON assessments "
        f"WHEN OLD.status IN {SEALED} OR EXISTS (SELECT 1 FROM decisions d WHERE d.assessment_id = OLD.id) "
        + _abort("decided records are immutable"),
        # decision conditions
        "CREATE TRIGGER decision_conditions_insert BEFORE INSERT ON decision_conditions "
        f"WHEN {_status('NEW.assessment_id')} IS NOT 'reviewed' OR NOT EXISTS (SELECT 1 FROM decisions d "
        "WHERE d.id = NEW.decision_id AND d.assessment_id = NEW.assessment_id) "
        + _abort("conditions are set only by the decision"),
        f"CREATE TRIGGER decision_conditions_terms BEFORE UPDATE ON decision_conditions WHEN {terms_changed} "
        + _abort("the terms of a condition are part of the decision and cannot change"),
        f"CREATE TRIGGER decision_conditions_followup BEFORE UPDATE ON decision_conditions WHEN ({followup_changed}) "
        "AND (NEW.audit_seq IS NULL OR NEW.audit_seq <= COALESCE(OLD.audit_seq, 0) OR NOT EXISTS (SELECT 1 "
        "FROM audit_events e WHERE e.seq = NEW.audit_seq AND e.entity_type = 'condition' AND e.entity_id = NEW.id)) "
        + _abort("the follow-up of a condition changes only with its audit event"),
        "CREATE TRIGGER decision_conditions_no_delete BEFORE DELETE ON decision_conditions "
        + _abort("decided records are immutable"),
        # the audit trail
        "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
        + _abort("the audit trail is append-only"),
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        + _abort("the audit trail is append-only"),
        "CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events "
        "WHEN NEW.seq IS NOT (SELECT seq + 1 FROM audit_head WHERE id = 1) "
        "OR NEW.prev_hash IS NOT (SELECT hash FROM audit_head WHERE id = 1) "
        + _abort("an audit event must follow the head of the chain"),
        "CREATE TRIGGER audit_events_move_head AFTER INSERT ON audit_events "
        "BEGIN UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1; END",
        "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head " + _abort("the audit trail is append-only"),
        "CREATE TRIGGER audit_head_moves_with_chain BEFORE UPDATE ON audit_head "
        "WHEN NEW.id IS NOT OLD.id OR NEW.seq IS NOT OLD.seq + 1 "
        "OR NEW.hash IS NOT (SELECT hash FROM audit_events WHERE seq = NEW.seq) "
        + _abort("the head of the audit chain moves only with a new event"),
    ]
    for table in HISTORY_TABLES:
        statements += [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} " + _abort("the review history is append-only"),
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"WHEN {_status('OLD.assessment_id')} IS NOT NULL " + _abort("the review history is append-only"),
            f"CREATE TRIGGER {table}_insert BEFORE INSERT ON {table} "
            f"WHEN {_status('NEW.assessment_id')} IN {SEALED} " + _abort("decided records are immutable"),
        ]
    return statements


def _trigger_name(statement: str) -> str:
    return statement.split()[2]


# --- PostgreSQL -----------------------------------------------------------------------------------------------


def _plpgsql(name: str, body: str) -> str:
    return f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} END $$"


def _raise(message: str) -> str:
    return "RAISE EXCEPTION '" + message.replace("'", "''") + "';"


def _pg_functions() -> list[str]:
    same = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in ASSESSMENT_FIXED)
    terms_changed = " OR ".join(
        f"NEW.{c}::text IS DISTINCT FROM OLD.{c}::text" if c == "mitigations" else f"NEW.{c} IS DISTINCT FROM OLD.{c}"
        for c in CONDITION_TERMS
    )
    followup_changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in CONDITION_FOLLOWUP)
    decision_exists = "EXISTS (SELECT 1 FROM decisions d WHERE d.assessment_id = NEW.id)"
    return [
        _plpgsql("molnbedomning_refuse", "RAISE EXCEPTION '%', TG_ARGV[0];"),
        _plpgsql(
            "molnbedomning_guard_record_insert",
            f"IF {_status('NEW.assessment_id')} IS DISTINCT FROM 'decided' THEN "
            + _raise("a record is frozen only for a decided assessment")
            + " END IF; RETURN NEW;",
        ),
        _plpgsql(
            "molnbedomning_guard_decision_insert",
            f"IF {_status('NEW.assessment_id')} IS DISTINCT FROM 'reviewed' THEN "
            + _raise("a decision is taken only on a reviewed assessment")
            + " END IF; RETURN NEW;",
        ),
        _plpgsql(
            "molnbedomning_guard_answer",
            "IF TG_OP IN ('INSERT', 'UPDATE') AND "
            f"{_status('NEW.assessment_id')} IS DISTINCT FROM 'draft' THEN "
            + _raise("answers change only while the assessment is a draft")
            + " END IF; "
            f"IF TG_OP IN ('UPDATE', 'DELETE') AND {_status('OLD.assessment_id')} IN {NOT_DRAFT} THEN "
            + _raise("answers change only while the assessment is a draft")
            + " END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW;",
        ),
        _plpgsql(
            "molnbedomning_guard_assessment",
            "IF TG_OP = 'INSERT' THEN "
            "IF NEW.status IS DISTINCT FROM 'draft' THEN " + _raise("a new assessment starts as a draft") + " END IF; "
            "RETURN NEW; END IF; "
            f"IF TG_OP = 'DELETE' THEN IF OLD.status IN {SEALED} OR EXISTS (SELECT 1 FROM decisions d "
            "WHERE d.assessment_id = OLD.id) THEN " + _raise("decided records are immutable") + " END IF; "
            "RETURN OLD; END IF; "
            f"IF OLD.status IN {SEALED} THEN "
            f"IF NOT (OLD.status = 'decided' AND NEW.status = 'superseded' AND {same} "
            "AND EXISTS (SELECT 1 FROM assessments r WHERE r.revision_of_id = OLD.id)) THEN "
            + _raise("decided records are immutable")
            + " END IF; RETURN NEW; END IF; "
            f"IF NEW.status IS DISTINCT FROM OLD.status AND NOT {_allowed_move('OLD', 'NEW', decision_exists)} THEN "
            + _raise("the status changes only through the workflow")
            + " END IF; RETURN NEW;",
        ),
        _plpgsql(
            "molnbedomning_guard_condition",
            "IF TG_OP = 'INSERT' THEN "
            f"IF {_status('NEW.assessment_id')} IS DISTINCT FROM 'reviewed' OR NOT EXISTS (SELECT 1 FROM decisions d "
            "WHERE d.id = NEW.decision_id AND d.assessment_id = NEW.assessment_id) THEN "
            + _raise("conditions are set only by the decision")
            + " END IF; RETURN NEW; END IF; "
            "IF TG_OP = 'DELETE' THEN " + _raise("decided records are immutable") + " END IF; "
            f"IF {terms_changed} THEN "
            + _raise("the terms of a condition are part of the decision and cannot change")
            + " END IF; "
            f"IF ({followup_changed}) AND (NEW.audit_seq IS NULL OR NEW.audit_seq <= COALESCE(OLD.audit_seq, 0) "
            "OR NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.seq = NEW.audit_seq "
            "AND e.entity_type = 'condition' AND e.entity_id = NEW.id)) THEN "
            + _raise("the follow-up of a condition changes only with its audit event")
            + " END IF; RETURN NEW;",
        ),
        _plpgsql(
            "molnbedomning_guard_history",
            "IF TG_OP = 'INSERT' THEN "
            f"IF {_status('NEW.assessment_id')} IN {SEALED} THEN " + _raise("decided records are immutable") + " END IF; "
            "RETURN NEW; END IF; "
            "IF TG_OP = 'UPDATE' THEN " + _raise("the review history is append-only") + " END IF; "
            f"IF {_status('OLD.assessment_id')} IS NOT NULL THEN "
            + _raise("the review history is append-only")
            + " END IF; RETURN OLD;",
        ),
        _plpgsql(
            "molnbedomning_guard_audit_insert",
            "IF NEW.seq IS DISTINCT FROM (SELECT seq + 1 FROM audit_head WHERE id = 1) "
            "OR NEW.prev_hash IS DISTINCT FROM (SELECT hash FROM audit_head WHERE id = 1) THEN "
            + _raise("an audit event must follow the head of the chain")
            + " END IF; RETURN NEW;",
        ),
        _plpgsql(
            "molnbedomning_move_audit_head",
            "UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1; RETURN NEW;",
        ),
        _plpgsql(
            "molnbedomning_guard_audit_head",
            "IF TG_OP = 'DELETE' THEN " + _raise("the audit trail is append-only") + " END IF; "
            "IF NEW.id IS DISTINCT FROM OLD.id OR NEW.seq IS DISTINCT FROM OLD.seq + 1 "
            "OR NEW.hash IS DISTINCT FROM (SELECT hash FROM audit_events WHERE seq = NEW.seq) THEN "
            + _raise("the head of the audit chain moves only with a new event")
            + " END IF; RETURN NEW;",
        ),
    ]


PG_FUNCTIONS = [
    "molnbedomning_refuse",
    "molnbedomning_guard_record_insert",
    "molnbedomning_guard_decision_insert",
    "molnbedomning_guard_answer",
    "molnbedomning_guard_assessment",
    "molnbedomning_guard_condition",
    "molnbedomning_guard_history",
    "molnbedomning_guard_audit_insert",
    "molnbedomning_move_audit_head",
    "molnbedomning_guard_audit_head",
]


def _pg_triggers() -> list[tuple[str, str, str]]:
    """Return (table, trigger name, CREATE TRIGGER statement)."""
    refuse = "EXECUTE FUNCTION molnbedomning_refuse"
    rows = [
        ("frozen_records", "frozen_records_immutable", f"BEFORE UPDATE OR DELETE ON frozen_records FOR EACH ROW {refuse}('decided records are immutable')"),
        ("frozen_records", "frozen_records_insert", "BEFORE INSERT ON frozen_records FOR EACH ROW EXECUTE FUNCTION molnbedomning_guard_record_insert()"),
        ("decisions", "decisions_immutable", f"BEFORE UPDATE OR DELETE ON decisions FOR EACH ROW {refuse}('decided records are immutable')"),
        ("decisions", "decisions_insert", "BEFORE INSERT ON decisions FOR EACH ROW EXECUTE FUNCTION molnbedomning_guard_decision_insert()"),
        ("answers", "answers_guard", "BEFORE INSERT OR UPDATE OR DELETE ON answers FOR EACH ROW EXECUTE FUNCTION molnbedomning_guard_answer()"),
        ("assessments", "assessments_guard", "BEFORE INSERT OR UPDATE OR DELETE ON assessments FOR EACH ROW EXECUTE FUNCTION molnbedomning_guard_assessment()"),
        ("decision_conditions", "decision_conditions_guard", "BEFORE INSERT OR UPDATE OR DELETE ON decision_conditions FOR EACH ROW EXECUTE FUNCTION molnbedomning_guard_condition()"),
        ("audit_events", "audit_events_append_only", f"BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW {refuse}('the audit trail is append-only')"),
        ("audit_events", "audit_events_chain", "BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION molnbedomning_guard_audit_insert()"),
        ("audit_events", "audit_events_move_head", "AFTER INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION molnbedomning_move_audit_head()"),
        ("audit_head", "audit_head_guard", "BEFORE UPDATE OR DELETE ON audit_head FOR EACH ROW EXECUTE FUNCTION molnbedomning_guard_audit_head()"),
    ]  # fmt: skip
    for table in HISTORY_TABLES:
        rows.append(
            (
                table,
                f"{table}_guard",
                f"BEFORE INSERT OR UPDATE OR DELETE ON {table} FOR EACH ROW "
                "EXECUTE FUNCTION molnbedomning_guard_history()",
            )
        )
    for table in GUARDED_TABLES:
        rows.append(
            (
                table,
                f"{table}_no_truncate",
                f"BEFORE TRUNCATE ON {table} FOR EACH STATEMENT {refuse}('decided records and the audit trail "
                "cannot be truncated')",
            )
        )
    return [(table, name, f"CREATE TRIGGER {name} {body}") for table, name, body in rows]


# --- 0002's triggers (dropped on upgrade, restored on downgrade) ----------------------------------------------

_0001_SQLITE = [
    f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    for verb in ("UPDATE", "DELETE")
]
_0001_PG = [
    "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$",
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
]
_0002_SQLITE = [
    "CREATE TRIGGER frozen_records_no_update BEFORE UPDATE ON frozen_records "
    "BEGIN SELECT RAISE(ABORT, 'decided records are immutable'); END",
    "CREATE TRIGGER frozen_records_no_delete BEFORE DELETE ON frozen_records "
    "BEGIN SELECT RAISE(ABORT, 'decided records are immutable'); END",
    "CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions "
    "BEGIN SELECT RAISE(ABORT, 'decided records are immutable'); END",
    "CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions "
    "BEGIN SELECT RAISE(ABORT, 'decided records are immutable'); END",
    "CREATE TRIGGER answers_decided_no_insert BEFORE INSERT ON answers "
    "WHEN (SELECT status FROM assessments WHERE id = NEW.assessment_id) IN ('decided', 'superseded') "
    "BEGIN SELECT RAISE(ABORT, 'decided records are immutable'); END",
    "CREATE TRIGGER answers_decided_no_update BEFORE UPDATE ON answers "
    "WHEN (SELECT status FROM assessments WHERE id = OLD.assessment_id) IN ('decided', 'superseded') "
    "BEGIN SELECT RAISE(ABORT, 'decided records are immutable'); END",
    "CREATE TRIGGER answers_decided_no_delete BEFORE DELETE ON answers "
    "WHEN (SELECT status FROM assessments WHERE id = OLD.assessment_id) IN ('decided', 'superseded') "
    "BEGIN SELECT RAISE(ABORT, 'decided records are immutable'); END",
    "CREATE TRIGGER assessments_decided_no_update BEFORE UPDATE ON assessments "
    "WHEN OLD.status = 'superseded' OR (OLD.status = 'decided' AND NEW.status != 'superseded') "
    "BEGIN SELECT RAISE(ABORT, 'decided records are immutable'); END",
]
_0002_PG = [
    "CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'decided records are immutable'; END $$",
    "CREATE TRIGGER frozen_records_immutable BEFORE UPDATE OR DELETE ON frozen_records "
    "FOR EACH ROW EXECUTE FUNCTION refuse_change()",
    "CREATE TRIGGER decisions_immutable BEFORE UPDATE OR DELETE ON decisions "
    "FOR EACH ROW EXECUTE FUNCTION refuse_change()",
    "CREATE FUNCTION refuse_decided_answer() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "DECLARE s text; BEGIN "
    "SELECT status INTO s FROM assessments WHERE id = COALESCE(NEW.assessment_id, OLD.assessment_id); "
    "IF s IN ('decided', 'superseded') THEN RAISE EXCEPTION 'decided records are immutable'; END IF; "
    "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
    "CREATE TRIGGER answers_decided BEFORE INSERT OR UPDATE OR DELETE ON answers "
    "FOR EACH ROW EXECUTE FUNCTION refuse_decided_answer()",
    "CREATE FUNCTION refuse_decided_assessment() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF OLD.status = 'superseded' OR (OLD.status = 'decided' AND NEW.status <> 'superseded') THEN "
    "RAISE EXCEPTION 'decided records are immutable'; END IF; RETURN NEW; END $$",
    "CREATE TRIGGER assessments_decided BEFORE UPDATE ON assessments "
    "FOR EACH ROW EXECUTE FUNCTION refuse_decided_assessment()",
]
_0002_PG_TRIGGERS = [
    ("frozen_records", "frozen_records_immutable"),
    ("decisions", "decisions_immutable"),
    ("answers", "answers_decided"),
    ("assessments", "assessments_decided"),
]
_0002_PG_FUNCTIONS = ["refuse_change", "refuse_decided_answer", "refuse_decided_assessment"]


def _drop_0002(dialect: str) -> None:
    """Drop the triggers of 0001 (audit trail) and 0002 (decided records); 0003's own replace them."""
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
        for statement in _0002_SQLITE:
            op.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(statement)}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
        for table, name in _0002_PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for fn in _0002_PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {fn}()")


def _create_guards(dialect: str) -> None:
    if dialect == "sqlite":
        for statement in _sqlite_triggers():
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in _pg_functions():
            op.execute(statement)
        for _table, _name, statement in _pg_triggers():
            op.execute(statement)


def _drop_guards(dialect: str) -> None:
    if dialect == "sqlite":
        for statement in _sqlite_triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(statement)}")
    elif dialect == "postgresql":
        for table, name, _statement in _pg_triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for fn in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {fn}()")


# --- the chain ------------------------------------------------------------------------------------------------


def _chain_existing_events() -> tuple[int, str]:
    """Give every existing event its place in the chain, in id order; return the head (seq, hash)."""
    from assess.services.audit import GENESIS, event_hash

    bind = op.get_bind()
    events = sa.table(
        "audit_events",
        sa.column("id", sa.Integer()),
        sa.column("at", assess.models.types.UTCDateTime()),
        sa.column("actor_id", sa.Integer()),
        sa.column("actor_name", sa.String()),
        sa.column("entity_type", sa.String()),
        sa.column("entity_id", sa.Integer()),
        sa.column("assessment_id", sa.Integer()),
        sa.column("action", sa.String()),
        sa.column("before", sa.JSON()),
        sa.column("after", sa.JSON()),
        sa.column("seq", sa.Integer()),
        sa.column("prev_hash", sa.String()),
        sa.column("hash", sa.String()),
    )
    seq, prev = 0, GENESIS
    rows = bind.execute(sa.select(events).order_by(events.c.id)).mappings().all()
    for row in rows:
        seq += 1
        digest = event_hash(prev, seq, row)
        bind.execute(
            events.update().where(events.c.id == row["id"]).values(seq=seq, prev_hash=prev, hash=digest)
        )
        prev = digest
    return seq, prev


def upgrade():
    dialect = op.get_bind().dialect.name
    _drop_0002(dialect)

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    seq, head = _chain_existing_events()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_seq"), ["seq"])

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    head_table = sa.table("audit_head", sa.column("id"), sa.column("seq"), sa.column("hash"))
    op.execute(head_table.insert().values(id=1, seq=seq, hash=head))

    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", assess.models.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", assess.models.types.UTCDateTime(), nullable=False),
        sa.Column("ended_at", assess.models.types.UTCDateTime(), nullable=True),
        sa.Column("ended_reason", sa.String(length=32), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempts_at", ["at"], unique=False)

    with op.batch_alter_table("decision_conditions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audit_seq", sa.Integer(), nullable=True))

    _create_guards(dialect)


def downgrade():
    dialect = op.get_bind().dialect.name
    _drop_guards(dialect)
    with op.batch_alter_table("decision_conditions", schema=None) as batch_op:
        batch_op.drop_column("audit_seq")
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_at")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_sessions_expires_at"))
    op.drop_table("user_sessions")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_events_seq"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    if dialect == "sqlite":
        for statement in _0001_SQLITE + _0002_SQLITE:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in _0001_PG + _0002_PG:
            op.execute(statement)
