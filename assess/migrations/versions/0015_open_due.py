"""late questions read from the open questions alone: ix_answers_open_due replaces ix_answers_assessment_due

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 15:00:00

* ``ix_answers_open_due`` (assessment_id, unknown_due) WHERE the question is open and has a date: whether a module
  has a late question (the case list's mark and its *försenat* filter, *Mina uppgifter*'s marks). The index of
  migration 0011 held every answer with a date, also those answered since, and each had to be read to see whether
  it was still open; this one holds only the open ones, so the range is the answer. Over a page of 50 cases (500
  modules, 200-case database) the case list's statement went from 2.6 to 1.7 ms (issue 14).
* ``ix_answers_assessment_due`` is dropped: nothing else read it.
"""

from alembic import op
from sqlalchemy import text

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

OPEN_DUE = "unknown_due IS NOT NULL AND (value IS NULL OR CAST(value AS VARCHAR) IN ('null', '\"unknown\"'))"


def upgrade():
    op.create_index(
        "ix_answers_open_due",
        "answers",
        ["assessment_id", "unknown_due"],
        unique=False,
        sqlite_where=text(OPEN_DUE),
        postgresql_where=text(OPEN_DUE),
    )
    op.drop_index("ix_answers_assessment_due", table_name="answers")


def downgrade():
    op.create_index("ix_answers_assessment_due", "answers", ["assessment_id", "unknown_due"], unique=False)
    op.drop_index("ix_answers_open_due", table_name="answers")
