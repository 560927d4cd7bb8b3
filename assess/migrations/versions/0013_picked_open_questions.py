"""a person's open questions from one index (ix_answers_picked_open); a module's current round in one seek

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 11:30:00

* ``ix_answers_picked_open`` (assignee_user_id, unknown_due, assessment_id, question_id) over the open answers
  (unanswered or "unknown") picked for a user. *Mina uppgifter* lists a person's open questions earliest due
  first and counts them; with the due date, module and question in the index, the list's branch of picked
  questions reads the index, where it read each answer's row through ix_answers_assignee_user_id (issue 14).
  On SQLite the index holds the value too, so that it covers the list's terms (without statistics the planner
  otherwise prefers ix_answers_assignee_user_id and reads every row); PostgreSQL has no b-tree order for JSON.
  The statement is written as in assess.models.assessment (PICKED_OPEN_INDEX), copied here so that this
  migration stays as it ran.
* ``ix_submissions_assessment_round`` (assessment_id, round): the reviewer queue compares each waiting module's
  approvals with its current round, max(round) of its submissions; with the round in the index that is one seek,
  where it read each submission's row (the queue over 400 waiting modules took about twice as long).
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

PICKED_OPEN_INDEX = (
    "CREATE INDEX ix_answers_picked_open ON answers (assignee_user_id, unknown_due, assessment_id, question_id{extra}) "
    "WHERE assignee_user_id IS NOT NULL AND (value IS NULL OR CAST(value AS VARCHAR) IN ('null', '\"unknown\"'))"
)


def upgrade():
    extra = ", value" if op.get_bind().dialect.name == "sqlite" else ""
    op.execute(PICKED_OPEN_INDEX.format(extra=extra))
    op.create_index("ix_submissions_assessment_round", "submissions", ["assessment_id", "round"], unique=False)


def downgrade():
    op.drop_index("ix_submissions_assessment_round", table_name="submissions")
    op.drop_index("ix_answers_picked_open", table_name="answers")
