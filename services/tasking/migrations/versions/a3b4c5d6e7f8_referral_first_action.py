"""referral records keep their first action: the dashboards read one table

Revision ID: a3b4c5d6e7f8
Revises: f2a3b4c5d6e7
Create Date: 2026-12-06 23:20:00.000000

Referral-to-action time needs, per referral, when a person first acted on one of its
tasking items. Tasking's record of the referral now keeps it (`first_action_at`, written
with the step by repository.add_history), so the dashboard is an aggregate over the
records alone, through an index by ward that holds what it reads. This revision fills it
from the history already written, by the same rule: the earliest step of a kind a person
takes (raised, assigned, update, completed) not by tasking itself.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'a3b4c5d6e7f8'
down_revision: Union[str, Sequence[str], None] = 'f2a3b4c5d6e7'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# As domain.ACTION_KINDS and domain.SYSTEM_USERNAME were when this was written (a
# revision does not import application code that may change after it).
BACKFILL = """
UPDATE referral_records SET first_action_at = (
    SELECT min(h.at) FROM tasking_items i
    JOIN tasking_item_history h ON h.tasking_item_id = i.id
    WHERE i.source_type = 'referral' AND i.source_id = referral_records.referral_id
      AND h.by <> 'tasking' AND h.kind IN ('raised', 'assigned', 'update', 'completed'))
"""


def upgrade() -> None:
    with op.batch_alter_table("referral_records") as table:
        table.add_column(sa.Column("first_action_at", sa.DateTime(timezone=True),
                                   nullable=True))
    op.execute(BACKFILL)
    op.create_index("ix_referral_records_first_action", "referral_records",
                    ["ward", "first_action_at", "status", "risk_level", "submitted_at"])


def downgrade() -> None:
    op.drop_index("ix_referral_records_first_action", table_name="referral_records")
    with op.batch_alter_table("referral_records") as table:
        table.drop_column("first_action_at")
