"""The gateway's tables: user accounts. Case data lives in the services that own it."""
import sqlalchemy as sa

from shared.db import UtcDateTime, plumbing_tables

metadata = sa.MetaData()
plumbing_tables(metadata)

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("username", sa.String(80), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("display_name", sa.String(120), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("agency", sa.String(60), nullable=True),
    sa.Column("wards", sa.JSON, nullable=False),
    sa.Column("email", sa.String(200), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)
