"""references people can say: each case review's WL-C-<year>-<number>

Revision ID: a2b3c4d5e6f7
Revises: f603fdc604ba
Create Date: 2026-12-03 20:20:00.000000

Reviews (suggested ones too) are numbered per calendar year of their making
(shared/references.py); those already stored in the order they were made, and the
sequence carries on from the last of them.
"""
from typing import Sequence, Union

from alembic import op

from shared.references import (add_reference_column, create_sequences_table,
                               drop_reference_column)

revision: str = 'a2b3c4d5e6f7'
down_revision: Union[str, Sequence[str], None] = 'f603fdc604ba'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    create_sequences_table()
    add_reference_column("reviews", "case_review", "created_at")


def downgrade() -> None:
    drop_reference_column("reviews")
    op.drop_table("reference_sequences")
