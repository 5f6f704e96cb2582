"""referral records: the handling code and a code C referral's conditions

Revision ID: 6c8f3a1d2e7b
Revises: 5b7e2a9c4d10
Create Date: 2026-12-02 21:40:00.000000

Every notice about a code C referral (its redirect to an agency, an action raised on it)
shows its handling conditions, so notifications keeps them with who referred it.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '6c8f3a1d2e7b'
down_revision: Union[str, Sequence[str], None] = '5b7e2a9c4d10'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("referral_records") as table:
        table.add_column(sa.Column("handling_code", sa.String(1), nullable=True))
        table.add_column(sa.Column("handling_conditions", sa.String(1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("referral_records") as table:
        table.drop_column("handling_conditions")
        table.drop_column("handling_code")
