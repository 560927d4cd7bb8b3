"""open questions by who finds out: partial indexes of the unknowns nobody is picked for and of those a contact holds

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 16:30:00

* ``ix_answers_unassigned_unknown`` (assessment_id, question_id) over the unknown answers with no picked user, no
  picked contact and no free-text finder: the case team's default finds them out. *Mina uppgifter* reads them by
  module and question; the index holds a few rows of the table, where the unique (assessment_id, question_id)
  index made each module's every question a lookup. The WHERE is written as in assess.models.assessment
  (UNASSIGNED_UNKNOWN), copied here so that this migration stays as it ran.
* ``ix_answers_contact_picked`` (assessment_id, unknown_due) over the answers picked for a vendor contact: the
  architect's list of the contacts' questions reads them module by module, not every answer of the modules.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UNASSIGNED_UNKNOWN = (
    "coalesce(assignee_user_id, 0) = 0 AND coalesce(assignee_contact_id, 0) = 0 AND unknown_owner = '' "
    "AND CAST(value AS VARCHAR) = '\"unknown\"'"
)


def upgrade():
    op.create_index(
        "ix_answers_unassigned_unknown",
        "answers",
        ["assessment_id", "question_id"],
        unique=False,
        sqlite_where=sa.text(UNASSIGNED_UNKNOWN),
        postgresql_where=sa.text(UNASSIGNED_UNKNOWN),
    )


    op.create_index(
        "ix_answers_contact_picked",
        "answers",
        ["assessment_id", "unknown_due"],
        unique=False,
        sqlite_where=sa.text("assignee_contact_id IS NOT NULL"),
        postgresql_where=sa.text("assignee_contact_id IS NOT NULL"),
    )


def downgrade():
    op.drop_index("ix_answers_contact_picked", table_name="answers")
    op.drop_index("ix_answers_unassigned_unknown", table_name="answers")
