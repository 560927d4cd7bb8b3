"""the reviewer queue read from one index: ix_assessments_queue

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 14:00:00

* ``ix_assessments_queue`` (status, updated_at, id, owner_id, version, ruleset_sha256): the reviewer queue of
  *Mina uppgifter* walks every submitted and in-review module not the reader's own, in the order it lists them,
  and compares each one's summary key (version, rule set) with its summary. With those columns in the index the
  queue never reads the module's row; over 2,000 waiting modules the statement took about a fifth less (6.8 to 5.5 ms)
  (issue 14).
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_assessments_queue",
        "assessments",
        ["status", "updated_at", "id", "owner_id", "version", "ruleset_sha256"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_assessments_queue", table_name="assessments")
