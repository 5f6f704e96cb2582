"""tasking's records of referrals: who referred each

Revision ID: c8d9e0f1a2b3
Revises: b7c1d2e3f4a5
Create Date: 2026-12-02 22:20:00.000000

The person who referred (a PCSO or sergeant, as well as a partner's team) reads every
action on their referral in the referrer's view. Records made before this have none, and
their referrers read as their role allows.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'c8d9e0f1a2b3'
down_revision: Union[str, Sequence[str], None] = 'b7c1d2e3f4a5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("referral_records") as table:
        table.add_column(sa.Column("referred_by", sa.String(80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("referral_records") as table:
        table.drop_column("referred_by")
