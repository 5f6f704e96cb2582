"""casereview: disposed_records, the records disposed of under the retention schedule

Revision ID: c3d4e5f6a7b8
Revises: a2b3c4d5e6f7
Create Date: 2026-12-08 00:25:00.000000

Each event type has its own queue, so an event about a disposed referral (or an action,
PCSO task or report under it) may arrive after the disposal: it is then neither logged
nor projected. Ids only.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'c3d4e5f6a7b8'
down_revision: Union[str, Sequence[str], None] = 'a2b3c4d5e6f7'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "disposed_records",
        sa.Column("record_type", sa.String(40), primary_key=True),
        sa.Column("record_id", sa.String(36), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("disposed_records")
