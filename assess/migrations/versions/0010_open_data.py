"""open data: personal API tokens and evidence files

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 19:40:00

* ``api_tokens``: a user's personal tokens for /api/v1, stored as SHA-256, with scopes, expiry and revocation.
* ``evidence_files``: files attached to an answer (assessment and question), type checked from the content,
  SHA-256 kept; the bytes in the row or in a configured storage.
"""

import sqlalchemy as sa
from alembic import op

import assess.models.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("scopes", sa.String(length=64), nullable=False),
        sa.Column("created_at", assess.models.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", assess.models.types.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", assess.models.types.UTCDateTime(), nullable=True),
        sa.Column("last_used_at", assess.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)
    op.create_table(
        "evidence_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=127), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("storage_key", sa.String(length=500), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", assess.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_evidence_files_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_evidence_files_uploaded_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_files")),
    )
    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_files_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_files_question_id"), ["question_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_files_sha256"), ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_files_uploaded_by_id"), ["uploaded_by_id"], unique=False)


def downgrade():
    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_files_uploaded_by_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_files_sha256"))
        batch_op.drop_index(batch_op.f("ix_evidence_files_question_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_files_assessment_id"))
    op.drop_table("evidence_files")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))
    op.drop_table("api_tokens")
