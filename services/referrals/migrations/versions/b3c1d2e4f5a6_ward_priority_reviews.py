"""ward priorities: the panel's review (kept for another period, or closed) and who made it

Revision ID: b3c1d2e4f5a6
Revises: 7fabd4a116e1
Create Date: 2026-11-25 00:30:00.000000

A priority past its review date was marked "due for review" and stayed so: the panel had
no way to keep it for another period or to close it. The latest review's maker, time and
note are kept on the priority (an earlier review's are replaced; its outcome, the status
and review date, went out on ward_priority.set).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = 'b3c1d2e4f5a6'
down_revision: Union[str, Sequence[str], None] = '7fabd4a116e1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("ward_priorities") as table:
        table.add_column(sa.Column("reviewed_by", sa.String(80), nullable=True))
        table.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("review_note", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ward_priorities") as table:
        table.drop_column("review_note")
        table.drop_column("reviewed_at")
        table.drop_column("reviewed_by")
