"""pcso tasks: the assignee is optional, so that a leaver's open task can go back to the
ward team (handed over to nobody) for its sergeant to give to another PCSO

Revision ID: a9b0c1d2e3f4
Revises: d6e7f8a9b0c1
Create Date: 2026-12-07 14:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'a9b0c1d2e3f4'
down_revision: Union[str, Sequence[str], None] = 'd6e7f8a9b0c1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('pcso_tasks', schema=None) as batch_op:
        batch_op.alter_column('assignee', existing_type=sa.String(80), nullable=True)


def downgrade() -> None:
    """Downgrade schema: refused while a task waits with its team (no assignee)."""
    with op.batch_alter_table('pcso_tasks', schema=None) as batch_op:
        batch_op.alter_column('assignee', existing_type=sa.String(80), nullable=False)
