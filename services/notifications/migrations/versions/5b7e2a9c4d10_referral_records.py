"""referral records: who referred each referral, for news about its actions

Revision ID: 5b7e2a9c4d10
Revises: 3ce6d1105d43
Create Date: 2026-11-24 19:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '5b7e2a9c4d10'
down_revision: Union[str, Sequence[str], None] = '3ce6d1105d43'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('referral_records',
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('referring_agency', sa.String(length=60), nullable=False),
    sa.Column('referred_by', sa.String(length=80), nullable=False),
    sa.Column('ward', sa.String(length=60), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('referral_id')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('referral_records')
