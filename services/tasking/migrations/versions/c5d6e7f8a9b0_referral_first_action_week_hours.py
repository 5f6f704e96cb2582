"""referral records keep the week and hours of their first action

Revision ID: c5d6e7f8a9b0
Revises: b4c5d6e7f8a9
Create Date: 2026-12-06 23:45:00.000000

The referral-to-action chart groups each referral's first action by its week and counts
the hours from the submission to it. Computing both for every record on every call was
most of the chart's cost over a borough, so the records keep them (computed by the
database, the same expressions as services/tasking/durations.py when this was written),
and the dashboards' index by ward holds them instead of the submission time; a second
index holds the same for the borough's chart (every ward: the coordinator's, the BIU's).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'c5d6e7f8a9b0'
down_revision: Union[str, Sequence[str], None] = 'b4c5d6e7f8a9'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

DERIVED = {
    "postgresql": (
        "to_char(date_trunc('week', timezone('UTC', first_action_at)), 'YYYY-MM-DD')",
        "CAST(EXTRACT(epoch FROM first_action_at) - EXTRACT(epoch FROM submitted_at) AS FLOAT)"
        " / CAST(3600.0 AS FLOAT)"),
    "sqlite": (
        "date(first_action_at, 'weekday 0', '-6 days')",
        "CAST((julianday(first_action_at) - julianday(submitted_at)) * 86400.0 AS FLOAT)"
        " / 3600.0"),
}


def upgrade() -> None:
    with op.batch_alter_table("referral_records") as table:
        table.add_column(sa.Column("first_action_week", sa.String(10), nullable=True))
        table.add_column(sa.Column("hours_to_first_action", sa.Float, nullable=True))
    week, hours = DERIVED[op.get_bind().dialect.name]
    op.execute(f"UPDATE referral_records SET first_action_week = {week}, "
               f"hours_to_first_action = {hours} WHERE first_action_at IS NOT NULL")
    op.drop_index("ix_referral_records_first_action", table_name="referral_records")
    op.create_index("ix_referral_records_first_action", "referral_records",
                    ["ward", "first_action_at", "status", "risk_level", "first_action_week",
                     "hours_to_first_action"])
    op.create_index("ix_referral_records_acted", "referral_records",
                    ["first_action_at", "status", "risk_level", "first_action_week",
                     "hours_to_first_action"])


def downgrade() -> None:
    op.drop_index("ix_referral_records_acted", table_name="referral_records")
    op.drop_index("ix_referral_records_first_action", table_name="referral_records")
    op.create_index("ix_referral_records_first_action", "referral_records",
                    ["ward", "first_action_at", "status", "risk_level", "submitted_at"])
    with op.batch_alter_table("referral_records") as table:
        table.drop_column("hours_to_first_action")
        table.drop_column("first_action_week")
