"""an index of the open tasking items alone, by ward and due date

Revision ID: b4c5d6e7f8a9
Revises: a3b4c5d6e7f8
Create Date: 2026-12-06 23:35:00.000000

The dashboards' overdue items by ward counts the open items per ward and those past their
due date: a partial index on the open items (ward, due date) answers it from the index
alone, without reading the completed items that make up most of a borough's.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'b4c5d6e7f8a9'
down_revision: Union[str, Sequence[str], None] = 'a3b4c5d6e7f8'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index("ix_tasking_items_open", "tasking_items", ["ward", "due_by"],
                    postgresql_where=sa.text("status = 'open'"),
                    sqlite_where=sa.text("status = 'open'"))


def downgrade() -> None:
    op.drop_index("ix_tasking_items_open", table_name="tasking_items")
