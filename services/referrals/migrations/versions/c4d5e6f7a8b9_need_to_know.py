"""need to know: each agency's own subject records, triage's reason for the referrer, and
the agencies a referral was disclosed to, under the register of sharing agreements

Revision ID: c4d5e6f7a8b9
Revises: b3c1d2e4f5a6
Create Date: 2026-12-02 21:45:00.000000

A subject found by its exact key used to be shared by every agency that referred the
person, so a partner read the address another agency recorded. Each agency now keeps its
own record (matching links them under one person). An existing record is given the agency
of its first referral; a record that several agencies' referrals share is split, each later
agency getting its own copy (with its referrals, and linked to the first under the same
person, announced as `subject.linked` so that case review keeps one chronology); the copy
has no address, which was the first agency's. Triage gains the reason written for the
referring team. The agencies owning actions on a referral, and those it was disclosed to,
are recorded so that they may read it.
"""
import uuid
from datetime import datetime, timezone
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from shared.events import Event, serialize

revision: str = 'c4d5e6f7a8b9'
down_revision: Union[str, Sequence[str], None] = 'b3c1d2e4f5a6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("subjects", sa.Column("agency", sa.String(60), nullable=True))
    op.execute("UPDATE subjects SET agency = (SELECT r.referring_agency FROM referrals r "
               "WHERE r.subject_id = subjects.id ORDER BY r.submitted_at LIMIT 1)")
    _split_shared_subjects(op.get_bind())
    with op.batch_alter_table("referral_history") as table:
        table.add_column(sa.Column("reason_for_referrer", sa.String(1000), nullable=True))
    op.create_table(
        "referral_actions",
        sa.Column("tasking_item_id", sa.String(36), primary_key=True),
        sa.Column("owner_agency", sa.String(60), primary_key=True),
        sa.Column("referral_id", sa.String(36), sa.ForeignKey("referrals.id"),
                  nullable=False))
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


_subjects = sa.table(
    "subjects", sa.column("id"), sa.column("given_name"), sa.column("family_name"),
    sa.column("date_of_birth"), sa.column("address"), sa.column("agency"),
    sa.column("match_key"), sa.column("person_id"),
    sa.column("created_at", sa.DateTime(timezone=True)))
_subject_keys = sa.table("subject_keys", sa.column("key"), sa.column("subject_id"))
_referrals = sa.table("referrals", sa.column("id"), sa.column("subject_id"),
                      sa.column("referring_agency"))
_subject_links = sa.table(
    "subject_links", sa.column("id"), sa.column("subject_id"),
    sa.column("candidate_subject_id"), sa.column("score"), sa.column("reasons", sa.JSON),
    sa.column("status"), sa.column("created_at"), sa.column("decided_by"),
    sa.column("decided_at"), sa.column("reason"))
_outbox = sa.table("outbox", sa.column("event_id"), sa.column("type"), sa.column("message", sa.JSON),
                   sa.column("created_at"))
_SPLIT_REASON = "one record shared by several agencies, split when each agency's became its own"
_MIGRATION = {"username": "referrals", "role": "system", "agency": None}


def _split_shared_subjects(conn):
    """Give each later agency that referred a shared subject its own copy of the record.
    The address stays with the first agency only: the record was made, address and all, by
    the first referral (a later one never changed it), so the address is that agency's."""
    later = conn.execute(
        sa.select(_referrals.c.subject_id, _referrals.c.referring_agency).distinct()
        .select_from(_referrals.join(_subjects, _subjects.c.id == _referrals.c.subject_id))
        .where(_referrals.c.referring_agency != _subjects.c.agency)).all()
    now = datetime.now(timezone.utc)
    for subject_id, agency in later:
        subject = conn.execute(sa.select(_subjects).where(_subjects.c.id == subject_id)).one()
        copy_id = str(uuid.uuid4())
        conn.execute(_subjects.insert().values(
            {**subject._asdict(), "id": copy_id, "agency": agency, "address": None,
             "created_at": now}))
        keys = conn.execute(sa.select(_subject_keys.c.key)
                            .where(_subject_keys.c.subject_id == subject_id)).scalars().all()
        if keys:
            conn.execute(_subject_keys.insert(),
                         [{"key": key, "subject_id": copy_id} for key in keys])
        conn.execute(_referrals.update().where(_referrals.c.subject_id == subject_id,
                                               _referrals.c.referring_agency == agency)
                     .values(subject_id=copy_id))
        _link(conn, subject_id, copy_id, now)


def _link(conn, subject_id, copy_id, now):
    """The copy is the same person: an automatic link, told to case review."""
    link_id = str(uuid.uuid4())
    conn.execute(_subject_links.insert().values(
        id=link_id, subject_id=subject_id, candidate_subject_id=copy_id, score=1.0,
        reasons=[_SPLIT_REASON], status="automatic", created_at=now))
    event = Event(type="subject.linked", version=1, actor=dict(_MIGRATION), payload={
        "link_id": link_id, "subject_id": subject_id, "linked_subject_id": copy_id,
        "action": "linked", "method": "automatic", "score": 1.0, "decided_by": "referrals"})
    conn.execute(_outbox.insert().values(event_id=event.event_id, type=event.type,
                                         message=serialize(event), created_at=now))


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
