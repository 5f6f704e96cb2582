"""The referrals service's tables: the ward register, subjects (people), referrals and
each referral's history. Nothing here is read by any other service."""
import sqlalchemy as sa

from shared.db import UtcDateTime, plumbing_tables

metadata = sa.MetaData()
plumbing_tables(metadata)

wards = sa.Table(
    "wards", metadata,
    sa.Column("code", sa.String(60), primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
)

subjects = sa.Table(
    "subjects", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("given_name", sa.String(100), nullable=False),
    sa.Column("family_name", sa.String(100), nullable=False),
    sa.Column("date_of_birth", sa.Date, nullable=True),
    sa.Column("address", sa.String(300), nullable=True),
    sa.Column("match_key", sa.String(260), nullable=False, index=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

referrals = sa.Table(
    "referrals", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("subject_id", sa.String(36), sa.ForeignKey("subjects.id"), nullable=False,
              index=True),
    sa.Column("category", sa.String(40), nullable=False),
    sa.Column("risk_level", sa.String(20), nullable=False),
    sa.Column("ward", sa.String(60), sa.ForeignKey("wards.code"), nullable=False),
    sa.Column("summary", sa.String(500), nullable=False),
    sa.Column("details", sa.Text, nullable=True),
    sa.Column("lawful_basis", sa.String(60), nullable=False),
    sa.Column("handling_code", sa.String(1), nullable=False),
    sa.Column("handling_conditions", sa.String(1000), nullable=True),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("referring_agency", sa.String(60), nullable=False),
    sa.Column("referred_by", sa.String(80), nullable=False),
    sa.Column("submitted_at", UtcDateTime, nullable=False),
    sa.Index("ix_referrals_ward_status", "ward", "status"),
    sa.Index("ix_referrals_agency", "referring_agency"),
)

referral_history = sa.Table(
    "referral_history", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("referral_id", sa.String(36), sa.ForeignKey("referrals.id"), nullable=False,
              index=True),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("by", sa.String(80), nullable=False),
    sa.Column("agency", sa.String(60), nullable=True),
    sa.Column("reason", sa.String(1000), nullable=True),
)
