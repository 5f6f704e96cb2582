"""references people can say: WL-A- for tasking items, WL-T- for PCSO tasks, WL-I- for
intelligence reports; and the referral's reference on tasking's records of referrals

Revision ID: e1f2a3b4c5d6
Revises: c8d9e0f1a2b3
Create Date: 2026-12-03 20:15:00.000000

Each record is numbered per calendar year of its making (shared/references.py); those
already stored are numbered in the order they were made, and the sequences carry on from
the last of them. A referral's reference arrives on its referral.submitted from now on:
records of referrals made before, and the actions raised on them, have none.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from shared.references import (add_reference_column, create_sequences_table,
                               drop_reference_column)

revision: str = 'e1f2a3b4c5d6'
down_revision: Union[str, Sequence[str], None] = 'c8d9e0f1a2b3'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NUMBERED = [("tasking_items", "tasking_item", "raised_at"),
            ("pcso_tasks", "pcso_task", "assigned_at"),
            ("intelligence_reports", "intelligence_report", "submitted_at")]


def upgrade() -> None:
    create_sequences_table()
    for table, kind, created in NUMBERED:
        add_reference_column(table, kind, created)
    op.add_column("tasking_items", sa.Column("source_reference", sa.String(20), nullable=True))
    op.add_column("referral_records", sa.Column("reference", sa.String(20), nullable=True))
    op.create_index("ix_referral_records_reference", "referral_records", ["reference"])


def downgrade() -> None:
    op.drop_index("ix_referral_records_reference", table_name="referral_records")
    op.drop_column("referral_records", "reference")
    op.drop_column("tasking_items", "source_reference")
    for table, _kind, _created in reversed(NUMBERED):
        drop_reference_column(table)
    op.drop_table("reference_sequences")
