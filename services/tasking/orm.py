"""The tasking service's tables: tasking items (actions with an owner and a due date)."""
import sqlalchemy as sa

from shared.db import UtcDateTime, plumbing_tables

metadata = sa.MetaData()
plumbing_tables(metadata)

tasking_items = sa.Table(
    "tasking_items", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("ward", sa.String(60), nullable=False),
    sa.Column("owner_agency", sa.String(60), nullable=False),
    sa.Column("owner_user", sa.String(80), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("due_by", UtcDateTime, nullable=False),
    sa.Column("source_type", sa.String(30), nullable=True),
    sa.Column("source_id", sa.String(36), nullable=True),
    sa.Column("risk_level", sa.String(20), nullable=True),
    sa.Column("raised_by", sa.String(80), nullable=False),
    sa.Column("raised_at", UtcDateTime, nullable=False),
    sa.Index("ix_tasking_items_source", "source_type", "source_id"),
    sa.Index("ix_tasking_items_board", "ward", "status", "due_by"),
)
