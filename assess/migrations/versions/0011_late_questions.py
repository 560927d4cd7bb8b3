"""late questions: an index on each module's answers by the date their unknown is due

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 09:30:00

* ``ix_answers_assessment_due`` (assessment_id, unknown_due): whether a module has a late question (an unknown
  whose date has passed) is one range in its own answers, not a walk through all of them (the case list's
  *Uppgift försenad*, *Mina uppgifter*, the questionnaire's late mark).
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_answers_assessment_due", "answers", ["assessment_id", "unknown_due"], unique=False)


def downgrade():
    op.drop_index("ix_answers_assessment_due", table_name="answers")
