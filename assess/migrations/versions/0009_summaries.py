"""flat lists: evaluation summaries and answer authors

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 19:00:00

* ``evaluation_summaries``: per assessment what the lists need of its evaluation (verdict, worst case, the
  review areas it needs, counts), with the key it was computed from; a cache, filled on the next write or read
  (nothing is computed here: the rule sets are the app's, not the migration's).
* ``answer_authors``: who saved an answer to which question, for four-eyes in one indexed query; filled here
  from the stored answers and the audit trail's saves.
* ``ix_cases_created_at``: the case list's order.
"""

import sqlalchemy as sa
from alembic import op

import assess.models.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "evaluation_summaries",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("cache_key", sa.String(length=200), nullable=False),
        sa.Column("verdict", sa.String(length=32), nullable=False),
        sa.Column("worst_case", sa.String(length=32), nullable=False),
        sa.Column("needs_legal", sa.Boolean(), nullable=False),
        sa.Column("needs_infosec", sa.Boolean(), nullable=False),
        sa.Column("needs_patient_safety", sa.Boolean(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("computed_at", assess.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_evaluation_summaries_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("assessment_id", name=op.f("pk_evaluation_summaries")),
    )
    with op.batch_alter_table("evaluation_summaries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluation_summaries_verdict"), ["verdict"], unique=False)
    op.create_table(
        "answer_authors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_answer_authors_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_answer_authors_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_authors")),
        sa.UniqueConstraint("assessment_id", "user_id", "question_id", name="uq_answer_authors"),
    )
    with op.batch_alter_table("answer_authors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_authors_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index("ix_answer_authors_user", ["user_id", "assessment_id"], unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_created_at", ["created_at", "id"], unique=False)

    from assess.services.authorship import backfill

    backfill(op.get_bind())


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_created_at")
    with op.batch_alter_table("answer_authors", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_authors_user")
        batch_op.drop_index(batch_op.f("ix_answer_authors_assessment_id"))
    op.drop_table("answer_authors")
    with op.batch_alter_table("evaluation_summaries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_summaries_verdict"))
    op.drop_table("evaluation_summaries")
