"""accounts: active and token_version; a session per sign-in

Revision ID: c4e8a2d6f1b3
Revises: a9c3e5f7b1d2
Create Date: 2026-12-06 23:00:00.000000

Issue 18: an account can be disabled, and a change to it (or signing out) refuses the
tokens issued before it on the next request, instead of an hour later. Existing accounts
stay active; tokens issued before this migration carry no session and are refused.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'c4e8a2d6f1b3'
down_revision: Union[str, Sequence[str], None] = 'a9c3e5f7b1d2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("users") as table:
        table.add_column(sa.Column("active", sa.Boolean, nullable=False,
                                   server_default=sa.true()))
        table.add_column(sa.Column("token_version", sa.Integer, nullable=False,
                                   server_default="0"))
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_sessions_username", "sessions", ["username"])


def downgrade() -> None:
    op.drop_index("ix_sessions_username", "sessions")
    op.drop_table("sessions")
    with op.batch_alter_table("users") as table:
        table.drop_column("token_version")
        table.drop_column("active")
