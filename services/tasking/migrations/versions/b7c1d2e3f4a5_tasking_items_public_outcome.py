"""tasking items: public_outcome, the one line a ward panel may read

Revision ID: b7c1d2e3f4a5
Revises: 39ad6689ad2e
Create Date: 2026-12-02 22:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'b7c1d2e3f4a5'
down_revision: Union[str, Sequence[str], None] = '39ad6689ad2e'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('tasking_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_outcome', sa.Text(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('tasking_items', schema=None) as batch_op:
        batch_op.drop_column('public_outcome')
