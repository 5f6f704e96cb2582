"""notifications: disposed_records, the referrals and actions disposed of

Revision ID: b4d2f6e8a0c1
Revises: a1c7e5d3b9f2
Create Date: 2026-12-08 00:20:00.000000

Each event type has its own queue, so news about a referral may arrive after its
disposal (notifications was down, say): a record named here is told of no more.
Ids only.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'b4d2f6e8a0c1'
down_revision: Union[str, Sequence[str], None] = 'a1c7e5d3b9f2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "disposed_records",
        sa.Column("record_type", sa.String(30), primary_key=True),
        sa.Column("record_id", sa.String(36), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("disposed_records")
