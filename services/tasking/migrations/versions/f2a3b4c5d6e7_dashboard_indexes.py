"""indexes for the dashboards: a ward's figures from its own rows

Revision ID: f2a3b4c5d6e7
Revises: e1f2a3b4c5d6
Create Date: 2026-12-06 22:50:00.000000

Referral-to-action time finds each referral's items and their history through indexes
that hold what it reads (a referral's items with their ids; an item's history with when,
what and by whom), so a ward's dashboard reads that ward's rows, not the borough's. Each
replaces a narrower index it serves for too. Intelligence feedback gets an index by ward.
"""
from typing import Sequence, Union

from alembic import op

revision: str = 'f2a3b4c5d6e7'
down_revision: Union[str, Sequence[str], None] = 'e1f2a3b4c5d6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.drop_index("ix_tasking_items_source", table_name="tasking_items")
    op.create_index("ix_tasking_items_source", "tasking_items",
                    ["source_type", "source_id", "id"])
    op.create_index("ix_tasking_item_history_item", "tasking_item_history",
                    ["tasking_item_id", "at", "kind", "by"])
    op.drop_index("ix_tasking_item_history_tasking_item_id",
                  table_name="tasking_item_history")
    op.create_index("ix_intelligence_reports_ward", "intelligence_reports",
                    ["ward", "feedback_at"])


def downgrade() -> None:
    op.drop_index("ix_intelligence_reports_ward", table_name="intelligence_reports")
    op.create_index("ix_tasking_item_history_tasking_item_id", "tasking_item_history",
                    ["tasking_item_id"])
    op.drop_index("ix_tasking_item_history_item", table_name="tasking_item_history")
    op.drop_index("ix_tasking_items_source", table_name="tasking_items")
    op.create_index("ix_tasking_items_source", "tasking_items", ["source_type", "source_id"])
