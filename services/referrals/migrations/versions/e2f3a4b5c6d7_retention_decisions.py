"""retention reviews: the DPO's decision on each referral that fell due

Revision ID: e2f3a4b5c6d7
Revises: d8e9f0a1b2c3
Create Date: 2026-12-07 23:45:00.000000

A referral falls due under the retention schedule (shared/retention.yaml) some time after
it ended; the data protection officer then retains it (with a reason and a new date) or
disposes of it. Each decision is a row, never replaced: the history of reviews is kept.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'e2f3a4b5c6d7'
down_revision: Union[str, Sequence[str], None] = 'd8e9f0a1b2c3'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "retention_decisions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("referral_id", sa.String(36), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("retain_until", sa.Date, nullable=True),
        sa.Column("decided_by", sa.String(80), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_retention_decisions_referral_id", "retention_decisions",
                    ["referral_id"])


def downgrade() -> None:
    op.drop_index("ix_retention_decisions_referral_id", "retention_decisions")
    op.drop_table("retention_decisions")
