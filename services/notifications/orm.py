"""The notifications service's tables: every notification, one per (event, recipient)."""
import sqlalchemy as sa

from shared.db import UtcDateTime, plumbing_tables

metadata = sa.MetaData()
plumbing_tables(metadata)

notifications = sa.Table(
    "notifications", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("recipient", sa.String(120), nullable=False),
    sa.Column("kind", sa.String(60), nullable=False),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("source_type", sa.String(30), nullable=True),
    sa.Column("source_id", sa.String(36), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("read_at", UtcDateTime, nullable=True),
    # The guarantee "one notification per (event, recipient)" is the database's to keep.
    sa.UniqueConstraint("event_id", "recipient", name="uq_notification_event_recipient"),
    sa.Index("ix_notifications_source", "source_type", "source_id"),
    sa.Index("ix_notifications_recipient", "recipient", "created_at"),
)
