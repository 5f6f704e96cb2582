"""intelligence reports keep the week and hours of their feedback

Revision ID: d6e7f8a9b0c1
Revises: c5d6e7f8a9b0
Create Date: 2026-12-06 23:55:00.000000

The feedback turnaround chart groups each report's feedback by its week and counts the
hours from the filing to it. A report keeps both (computed by the database when the
feedback is given, by the same expressions as services/tasking/durations.py when this was
written), filled here for the feedback already given; the chart's indexes hold them with
the feedback and due dates, by ward and for the borough.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'd6e7f8a9b0c1'
down_revision: Union[str, Sequence[str], None] = 'c5d6e7f8a9b0'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

DERIVED = {
    "postgresql": (
        "to_char(date_trunc('week', timezone('UTC', feedback_at)), 'YYYY-MM-DD')",
        "CAST(EXTRACT(epoch FROM feedback_at) - EXTRACT(epoch FROM submitted_at) AS FLOAT)"
        " / CAST(3600.0 AS FLOAT)"),
    "sqlite": (
        "date(feedback_at, 'weekday 0', '-6 days')",
        "CAST((julianday(feedback_at) - julianday(submitted_at)) * 86400.0 AS FLOAT)"
        " / 3600.0"),
}
INDEXED = ["feedback_at", "feedback_due_by", "feedback_week", "hours_to_feedback"]


def upgrade() -> None:
    with op.batch_alter_table("intelligence_reports") as table:
        table.add_column(sa.Column("feedback_week", sa.String(10), nullable=True))
        table.add_column(sa.Column("hours_to_feedback", sa.Float, nullable=True))
    week, hours = DERIVED[op.get_bind().dialect.name]
    op.execute(f"UPDATE intelligence_reports SET feedback_week = {week}, "
               f"hours_to_feedback = {hours} WHERE feedback_at IS NOT NULL")
    op.drop_index("ix_intelligence_reports_ward", table_name="intelligence_reports")
    op.create_index("ix_intelligence_reports_ward", "intelligence_reports", ["ward", *INDEXED])
    op.create_index("ix_intelligence_reports_feedback", "intelligence_reports", INDEXED)


def downgrade() -> None:
    op.drop_index("ix_intelligence_reports_feedback", table_name="intelligence_reports")
    op.drop_index("ix_intelligence_reports_ward", table_name="intelligence_reports")
    op.create_index("ix_intelligence_reports_ward", "intelligence_reports",
                    ["ward", "feedback_at"])
    with op.batch_alter_table("intelligence_reports") as table:
        table.drop_column("hours_to_feedback")
        table.drop_column("feedback_week")
