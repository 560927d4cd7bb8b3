"""decision support: scenarios, watched facts and their recorded changes, re-assessment flags

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 17:00:00

* ``scenarios``: named hypothetical answers to an assessment's open questions (never answers).
* ``fact_watches`` and ``fact_changes``: a watch on volatile facts (the answers they would become) and the dates
  an admin recorded that such a fact changed.
* ``reassessment_flags``: *Omprövning krävs* on a decided assessment, with its reason and source, until a
  re-assessment (a new revision) is started.
"""

import sqlalchemy as sa
from alembic import op

import assess.models.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "fact_watches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", assess.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_fact_watches_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_watches")),
    )
    with op.batch_alter_table("fact_watches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fact_watches_created_by_id"), ["created_by_id"], unique=False)
    op.create_table(
        "fact_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=500), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", assess.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_fact_changes_recorded_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["watch_id"], ["fact_watches.id"], name=op.f("fk_fact_changes_watch_id_fact_watches"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_changes")),
    )
    with op.batch_alter_table("fact_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fact_changes_recorded_by_id"), ["recorded_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fact_changes_watch_id"), ["watch_id"], unique=False)
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", assess.models.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", assess.models.types.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_scenarios_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_scenarios_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenarios")),
    )
    with op.batch_alter_table("scenarios", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scenarios_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scenarios_created_by_id"), ["created_by_id"], unique=False)
    op.create_table(
        "reassessment_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("fact_change_id", sa.Integer(), nullable=True),
        sa.Column("created_at", assess.models.types.UTCDateTime(), nullable=False),
        sa.Column("resolved_at", assess.models.types.UTCDateTime(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_reassessment_flags_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["fact_change_id"], ["fact_changes.id"],
            name=op.f("fk_reassessment_flags_fact_change_id_fact_changes"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_reassessment_flags_resolved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"], ["assessments.id"], name=op.f("fk_reassessment_flags_revision_id_assessments"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reassessment_flags")),
    )
    with op.batch_alter_table("reassessment_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reassessment_flags_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reassessment_flags_fact_change_id"), ["fact_change_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reassessment_flags_resolved_by_id"), ["resolved_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reassessment_flags_revision_id"), ["revision_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reassessment_flags_source"), ["source"], unique=False)


def downgrade():
    op.drop_table("reassessment_flags")
    op.drop_table("scenarios")
    op.drop_table("fact_changes")
    op.drop_table("fact_watches")
