"""follow-up: case teams and contacts, picked assignees of open questions, claimed and verified conditions, mail

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 16:00:00

* ``case_members`` (a user in a role of a case's team) and ``case_contacts`` (someone outside the region, e.g. a
  vendor's contact, who answers for an alternative).
* ``answers.assignee_user_id`` / ``assignee_contact_id``: the picked person who finds out an open question.
  The free-text owners stored so far are matched once, here, to the user whose display name or user name they
  are (draft assessments only: the answers of submitted and decided assessments cannot change); every other
  text stays as it was written and the pages show the question as "ej tilldelad".
* ``decision_conditions``: the owner is a user or a contact (``owner_contact_id``); the one deadline is a date or a
  gate (both nullable now); fulfilment is claimed (``claimed_at``, ``claimed_by_id``) and then verified or sent
  back (``returned_reason``). The triggers guarding conditions are re-created with the new columns: the owner
  is a term of the decision, the claim is follow-up that changes only with its audit event.
* ``users.email_reminders`` and ``sent_notifications`` (one row per mail sent, so no reminder goes out twice).
* The existing cases get a team: each assessment's owner as architect, the case's decision maker as decision
  maker.
"""

import sqlalchemy as sa
from alembic import op

import assess.models.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CONDITION_TERMS = [
    "id",
    "decision_id",
    "assessment_id",
    "question_id",
    "outcome",
    "mitigations",
    "owner_id",
    "owner_contact_id",
    "deadline",
    "gate",
    "gate_months",
]
CONDITION_FOLLOWUP = [
    "claimed_at",
    "claimed_by_id",
    "returned_reason",
    "fulfilled",
    "fulfilled_at",
    "fulfilled_by_id",
    "fulfilled_note",
    "fulfilled_evidence",
    "audit_seq",
]
OLD_TERMS = [c for c in CONDITION_TERMS if c != "owner_contact_id"]
OLD_FOLLOWUP = [c for c in CONDITION_FOLLOWUP if c not in ("claimed_at", "claimed_by_id", "returned_reason")]
SQLITE_CONDITION_TRIGGERS = [
    "decision_conditions_insert",
    "decision_conditions_terms",
    "decision_conditions_followup",
    "decision_conditions_no_delete",
]
TEAM_ROLE = sa.Enum(
    "architect",
    "reviewer_legal",
    "reviewer_infosec",
    "reviewer_patient_safety",
    "decision_maker",
    "information_owner",
    name="team_role",
    native_enum=False,
    create_constraint=True,
    length=32,
)
GATE = sa.Enum(
    "before_contract", "before_go_live", "within_months", name="gate", native_enum=False, create_constraint=True,
    length=32,
)


def _abort(message: str) -> str:
    return "BEGIN SELECT RAISE(ABORT, '" + message.replace("'", "''") + "'); END"


def _sqlite_condition_triggers(terms: list[str], followup: list[str]) -> list[str]:
    terms_changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in terms)
    followup_changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in followup)
    return [
        "CREATE TRIGGER decision_conditions_insert BEFORE INSERT ON decision_conditions "
        "WHEN (SELECT status FROM assessments WHERE id = NEW.assessment_id) IS NOT 'reviewed' "
        "OR NOT EXISTS (SELECT 1 FROM decisions d "
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
    ]


def _pg_condition_function(terms: list[str], followup: list[str]) -> str:
    def _raise(message: str) -> str:
        return "RAISE EXCEPTION '" + message.replace("'", "''") + "';"

    terms_changed = " OR ".join(
        f"NEW.{c}::text IS DISTINCT FROM OLD.{c}::text" if c == "mitigations" else f"NEW.{c} IS DISTINCT FROM OLD.{c}"
        for c in terms
    )
    followup_changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in followup)
    body = (
        "IF TG_OP = 'INSERT' THEN "
        "IF (SELECT status FROM assessments WHERE id = NEW.assessment_id) IS DISTINCT FROM 'reviewed' "
        "OR NOT EXISTS (SELECT 1 FROM decisions d "
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
        + " END IF; RETURN NEW;"
    )
    return (
        "CREATE OR REPLACE FUNCTION molnbedomning_guard_condition() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{body} END $$"
    )


def _answer_triggers_0003() -> list[str]:
    """Return migration 0003's SQLite triggers on the answers table (the same rules, made again)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("_migration_0003", Path(__file__).with_name("0003_integrity.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [s for s in module._sqlite_triggers() if " ON answers " in s]


def upgrade():
    dialect = op.get_bind().dialect.name
    op.create_table(
        "case_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("alternative_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", assess.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alternative_id"], ["alternatives.id"], name=op.f("fk_case_contacts_alternative_id_alternatives"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_contacts_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_contacts")),
    )
    with op.batch_alter_table("case_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_contacts_alternative_id"), ["alternative_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_contacts_case_id"), ["case_id"], unique=False)
    op.create_table(
        "case_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", TEAM_ROLE, nullable=False),
        sa.Column("created_at", assess.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_members_case_id_cases"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_case_members_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_members")),
        sa.UniqueConstraint("case_id", "user_id", "role", name=op.f("uq_case_members_case_id_user_id_role")),
    )
    with op.batch_alter_table("case_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_members_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_members_role"), ["role"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_members_user_id"), ["user_id"], unique=False)
    op.create_table(
        "sent_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("sent_at", assess.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sent_notifications_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_notifications")),
        sa.UniqueConstraint("key", name=op.f("uq_sent_notifications_key")),
    )
    with op.batch_alter_table("sent_notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sent_notifications_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_reminders", sa.Boolean(), nullable=False, server_default="1"))

    # Answers: SQLite copies the table to add the foreign keys, which drops its triggers: they are made again
    # from migration 0003's own statements.
    if dialect == "sqlite":
        for name in _answer_triggers_0003():
            op.execute(f"DROP TRIGGER IF EXISTS {name.split()[2]}")
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assignee_contact_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_answers_assignee_user_id_users"), "users", ["assignee_user_id"], ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_answers_assignee_contact_id_case_contacts"), "case_contacts", ["assignee_contact_id"],
            ["id"], ondelete="SET NULL",
        )
    if dialect == "sqlite":
        for statement in _answer_triggers_0003():
            op.execute(statement)
    op.create_index(op.f("ix_answers_assignee_user_id"), "answers", ["assignee_user_id"], unique=False)
    op.create_index(op.f("ix_answers_assignee_contact_id"), "answers", ["assignee_contact_id"], unique=False)

    # Conditions: owner or contact, a date or a gate, claim and verification.
    if dialect == "sqlite":
        for name in SQLITE_CONDITION_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("decision_conditions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_contact_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", assess.models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("claimed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("returned_reason", sa.Text(), nullable=False, server_default=""))
        batch_op.alter_column("owner_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("deadline", existing_type=sa.Date(), nullable=True)
        batch_op.alter_column("gate", existing_type=GATE, nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_decision_conditions_owner_contact_id_case_contacts"), "case_contacts",
            ["owner_contact_id"], ["id"], ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_decision_conditions_claimed_by_id_users"), "users", ["claimed_by_id"], ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_index(batch_op.f("ix_decision_conditions_owner_contact_id"), ["owner_contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decision_conditions_claimed_by_id"), ["claimed_by_id"], unique=False)
    if dialect == "sqlite":
        for statement in _sqlite_condition_triggers(CONDITION_TERMS, CONDITION_FOLLOWUP):
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(_pg_condition_function(CONDITION_TERMS, CONDITION_FOLLOWUP))

    _match_free_text_owners()
    _teams_of_existing_cases()


def _match_free_text_owners():
    """Set the picked assignee where a draft's free-text owner is a user's display name or user name."""
    bind = op.get_bind()
    users: dict[str, int] = {}
    for user_id, username, display_name in bind.execute(sa.text("SELECT id, username, display_name FROM users")):
        for name in (username, display_name):
            key = (name or "").strip().casefold()
            if key and key not in users:
                users[key] = user_id
    rows = bind.execute(
        sa.text(
            "SELECT a.id, a.unknown_owner FROM answers a JOIN assessments s ON s.id = a.assessment_id "
            "WHERE s.status = 'draft' AND a.unknown_owner <> ''"
        )
    ).all()
    for answer_id, owner in rows:
        user_id = users.get(owner.strip().casefold())
        if user_id is not None:
            bind.execute(
                sa.text("UPDATE answers SET assignee_user_id = :u WHERE id = :a"), {"u": user_id, "a": answer_id}
            )


def _teams_of_existing_cases():
    bind = op.get_bind()
    pairs = set()
    for case_id, owner_id in bind.execute(
        sa.text(
            "SELECT DISTINCT al.case_id, s.owner_id FROM assessments s JOIN alternatives al ON al.id = s.alternative_id "
            "WHERE s.owner_id IS NOT NULL"
        )
    ):
        pairs.add((case_id, owner_id, "architect"))
    for case_id, user_id in bind.execute(
        sa.text("SELECT id, decision_maker_id FROM cases WHERE decision_maker_id IS NOT NULL")
    ):
        pairs.add((case_id, user_id, "decision_maker"))
    for case_id, user_id, role in sorted(pairs):
        bind.execute(
            sa.text(
                "INSERT INTO case_members (case_id, user_id, role, created_at) VALUES (:c, :u, :r, :t)"
            ),
            {"c": case_id, "u": user_id, "r": role, "t": assess.models.types.utcnow()},
        )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in SQLITE_CONDITION_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("decision_conditions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_conditions_claimed_by_id"))
        batch_op.drop_index(batch_op.f("ix_decision_conditions_owner_contact_id"))
        batch_op.drop_constraint(batch_op.f("fk_decision_conditions_claimed_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_decision_conditions_owner_contact_id_case_contacts"), type_="foreignkey"
        )
        batch_op.drop_column("returned_reason")
        batch_op.drop_column("claimed_by_id")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("owner_contact_id")
    if dialect == "sqlite":
        for statement in _sqlite_condition_triggers(OLD_TERMS, OLD_FOLLOWUP):
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(_pg_condition_function(OLD_TERMS, OLD_FOLLOWUP))
    op.drop_index(op.f("ix_answers_assignee_contact_id"), table_name="answers")
    op.drop_index(op.f("ix_answers_assignee_user_id"), table_name="answers")
    if dialect == "sqlite":
        for statement in _answer_triggers_0003():
            op.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_answers_assignee_contact_id_case_contacts"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_answers_assignee_user_id_users"), type_="foreignkey")
        batch_op.drop_column("assignee_contact_id")
        batch_op.drop_column("assignee_user_id")
    if dialect == "sqlite":
        for statement in _answer_triggers_0003():
            op.execute(statement)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_reminders")
    op.drop_table("sent_notifications")
    op.drop_table("case_members")
    op.drop_table("case_contacts")
