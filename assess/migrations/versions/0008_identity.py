"""identity: accounts from the region's identity provider (issuer and subject), last sign-in, ID token of a session

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 19:00:00

* ``users.oidc_issuer`` and ``users.oidc_subject``: the pair that identifies an account created at a sign-in
  through OpenID Connect (a unique index on the pair; both empty for local accounts, which may be many).
* ``users.idp_groups``: the groups the provider asserted at the last sign-in (shown to admins).
* ``users.last_login_at``: the last successful sign-in, local or through the provider.
* ``user_sessions.id_token``: the ID token of a session signed in through the provider (the hint for
  signing out at the provider as well).
"""

import sqlalchemy as sa
from alembic import op

import assess.models.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("oidc_issuer", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("oidc_subject", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("idp_groups", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("last_login_at", assess.models.types.UTCDateTime(), nullable=True))
        # A unique index, not a table constraint: SQLite adds it without rebuilding the table others refer to.
        batch_op.create_index("ix_users_oidc_issuer_oidc_subject", ["oidc_issuer", "oidc_subject"], unique=True)
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id_token", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_column("id_token")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_oidc_issuer_oidc_subject")
        batch_op.drop_column("last_login_at")
        batch_op.drop_column("idp_groups")
        batch_op.drop_column("oidc_subject")
        batch_op.drop_column("oidc_issuer")
