"""references people can say: each referral's WL-R-<year>-<number>

Revision ID: d8e9f0a1b2c3
Revises: c4d5e6f7a8b9
Create Date: 2026-12-03 20:10:00.000000

A referral was named by its UUID alone, which nobody can read out on the phone. Each now
has a reference (shared/references.py), numbered per calendar year of its submission; the
referrals already stored are numbered in the order they were submitted, and the sequence
carries on from the last of them.
"""
from typing import Sequence, Union

from alembic import op

from shared.references import (add_reference_column, create_sequences_table,
                               drop_reference_column)

revision: str = 'd8e9f0a1b2c3'
down_revision: Union[str, Sequence[str], None] = 'c4d5e6f7a8b9'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    create_sequences_table()
    add_reference_column("referrals", "referral", "submitted_at")


def downgrade() -> None:
    drop_reference_column("referrals")
    op.drop_table("reference_sequences")
