"""notifications: the reference of each referral it knows (WL-R-2026-000123)

Revision ID: a1c7e5d3b9f2
Revises: 8d4b1f2a9c3e
Create Date: 2026-12-06 23:00:00.000000

Every notice about a referral shows the reference people can say, not its id. It comes
with referral.submitted v3; referrals remembered before this have none, and their notices
show none (the link still opens the referral).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'a1c7e5d3b9f2'
down_revision: Union[str, Sequence[str], None] = '8d4b1f2a9c3e'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("referral_records") as table:
        table.add_column(sa.Column("reference", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("referral_records") as table:
        table.drop_column("reference")
