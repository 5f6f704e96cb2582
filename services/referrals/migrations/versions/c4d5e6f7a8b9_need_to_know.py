"""need to know: each agency's own subject records, triage's reason for the referrer, and
the agencies a referral was disclosed to, under the register of sharing agreements

Revision ID: c4d5e6f7a8b9
Revises: b3c1d2e4f5a6
Create Date: 2026-12-02 21:45:00.000000

A subject found by its exact key used to be shared by every agency that referred the
person, so a partner read the address another agency recorded. Each agency now keeps its
own record (matching links them under one person); existing records are given the agency
of their first referral. Triage gains the reason written for the referring team. The
agencies owning actions on a referral, and those it was disclosed to, are recorded so that
they may read it.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'c4d5e6f7a8b9'
down_revision: Union[str, Sequence[str], None] = 'b3c1d2e4f5a6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("subjects", sa.Column("agency", sa.String(60), nullable=True))
    op.execute("UPDATE subjects SET agency = (SELECT r.referring_agency FROM referrals r "
               "WHERE r.subject_id = subjects.id ORDER BY r.submitted_at LIMIT 1)")
    with op.batch_alter_table("referral_history") as table:
        table.add_column(sa.Column("reason_for_referrer", sa.String(1000), nullable=True))
    op.create_table(
        "referral_actions",
        sa.Column("tasking_item_id", sa.String(36), primary_key=True),
        sa.Column("referral_id", sa.String(36), sa.ForeignKey("referrals.id"),
                  nullable=False),
        sa.Column("owner_agency", sa.String(60), nullable=False))
    op.create_index("ix_referral_actions_referral_id", "referral_actions", ["referral_id"])
    op.create_table(
        "referral_disclosures",
        sa.Column("referral_id", sa.String(36), sa.ForeignKey("referrals.id"),
                  primary_key=True),
        sa.Column("agency", sa.String(60), primary_key=True),
        sa.Column("via", sa.String(20), nullable=False),
        sa.Column("tasking_item_id", sa.String(36), nullable=True),
        sa.Column("conditions_acknowledged_by", sa.String(80), nullable=True),
        sa.Column("disclosed_at", sa.DateTime(timezone=True), nullable=False))
    op.create_index("ix_referral_disclosures_agency", "referral_disclosures", ["agency"])
    op.create_table(
        "sharing_agreements",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("parties", sa.JSON, nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("lawful_bases", sa.JSON, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("review_by", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=True),
        sa.Column("notes", sa.Text, nullable=True),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(80), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_table("sharing_agreements")
    op.drop_index("ix_referral_disclosures_agency", table_name="referral_disclosures")
    op.drop_table("referral_disclosures")
    op.drop_index("ix_referral_actions_referral_id", table_name="referral_actions")
    op.drop_table("referral_actions")
    with op.batch_alter_table("referral_history") as table:
        table.drop_column("reason_for_referrer")
    # Not in batch mode: on SQLite that copies the table, which other tables' foreign keys
    # refuse; SQLite 3.35 and later drop a column in place.
    op.drop_column("subjects", "agency")
