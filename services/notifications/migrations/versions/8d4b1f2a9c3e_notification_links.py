"""notifications: link, the web page of the record each one is about

Revision ID: 8d4b1f2a9c3e
Revises: 6c8f3a1d2e7b
Create Date: 2026-12-03 20:20:00.000000

A notice leads to the record it is about (`#/referrals/<id>`); emails end with its
absolute address. Notifications recorded before this have none.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '8d4b1f2a9c3e'
down_revision: Union[str, Sequence[str], None] = '6c8f3a1d2e7b'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as table:
        table.add_column(sa.Column("link", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as table:
        table.drop_column("link")
