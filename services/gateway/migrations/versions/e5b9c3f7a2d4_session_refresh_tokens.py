"""sessions: a rotating refresh token (its hash) and the account's token_version at sign-in

Revision ID: e5b9c3f7a2d4
Revises: c4e8a2d6f1b3
Create Date: 2026-12-06 23:30:00.000000

Access tokens last 15 minutes; the web page renews them with the session's refresh token
(an HttpOnly cookie), which is replaced at each use. A replaced one presented again
revokes the session.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'e5b9c3f7a2d4'
down_revision: Union[str, Sequence[str], None] = 'c4e8a2d6f1b3'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as table:
        table.add_column(sa.Column("refresh_hash", sa.String(64), nullable=True))
        table.add_column(sa.Column("token_version", sa.Integer, nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as table:
        table.drop_column("token_version")
        table.drop_column("refresh_hash")
