"""audit trail: the caller's stated purpose beside the route's own

Revision ID: d1e2f3a4b5c6
Revises: b7db11f6c605
Create Date: 2026-12-02 22:00:00.000000

A caller's `X-Purpose` used to replace the route's purpose, so a caller could write any
purpose onto the trail. The route's purpose is now always recorded, and what the caller
said is kept beside it.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'd1e2f3a4b5c6'
down_revision: Union[str, Sequence[str], None] = 'b7db11f6c605'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as table:
        table.add_column(sa.Column("stated_purpose", sa.String(300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as table:
        table.drop_column("stated_purpose")
