"""The notifications service's tables: notifications (one per event and recipient), who
has read them, emails to send, and the directory of contacts (from accounts and from an
admin). Nothing here is read by another service."""
import sqlalchemy as sa

from shared.db import UtcDateTime, plumbing_tables

metadata = sa.MetaData()
plumbing_tables(metadata)

notifications = sa.Table(
    "notifications", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("recipient", sa.String(120), nullable=False),  # user:<name> or agency:<code>
    sa.Column("kind", sa.String(60), nullable=False),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("source_type", sa.String(30), nullable=True),
    sa.Column("source_id", sa.String(36), nullable=True),
    # The web page of the record it is about, a hash route (`#/referrals/<id>`): links.py.
    sa.Column("link", sa.String(200), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("read_at", UtcDateTime, nullable=True),  # unused since reads are per person
    # The guarantee "one notification per (event, recipient)" is the database's to keep.
    sa.UniqueConstraint("event_id", "recipient", name="uq_notification_event_recipient"),
    sa.Index("ix_notifications_source", "source_type", "source_id"),
    sa.Index("ix_notifications_recipient", "recipient", "created_at"),
)

notification_reads = sa.Table(
    "notification_reads", metadata,
    sa.Column("notification_id", sa.String(36), sa.ForeignKey("notifications.id"),
              primary_key=True),
    sa.Column("username", sa.String(80), primary_key=True),
    sa.Column("read_at", UtcDateTime, nullable=False),
)

emails = sa.Table(
    "emails", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("notification_id", sa.String(36), sa.ForeignKey("notifications.id"),
              nullable=False),
    sa.Column("username", sa.String(80), nullable=False),
    sa.Column("address", sa.String(200), nullable=False),
    sa.Column("mode", sa.String(20), nullable=False),  # immediate | digest
    sa.Column("status", sa.String(20), nullable=False),  # pending | sent | failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.Column("sent_at", UtcDateTime, nullable=True),
    sa.UniqueConstraint("notification_id", "username", name="uq_email_notification_person"),
    sa.Index("ix_emails_due", "status", "next_attempt_at"),
)

contacts = sa.Table(
    "contacts", metadata,
    sa.Column("id", sa.String(80), primary_key=True),  # user:<name> or entry:<uuid>
    sa.Column("username", sa.String(80), nullable=True, unique=True),
    sa.Column("display_name", sa.String(120), nullable=False),
    sa.Column("role", sa.String(60), nullable=False),
    sa.Column("agency", sa.String(60), nullable=True),
    sa.Column("wards", sa.JSON, nullable=False),
    sa.Column("email", sa.String(200), nullable=True),
    sa.Column("phone", sa.String(40), nullable=True),
    sa.Column("email_mode", sa.String(20), nullable=False),  # immediate | digest | off
    sa.Column("source", sa.String(20), nullable=False),  # account | directory
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("confirmed_at", UtcDateTime, nullable=False),
    sa.Column("confirmed_by", sa.String(80), nullable=True),
    sa.Index("ix_contacts_agency", "agency"),
)

referral_records = sa.Table(
    # Who referred each referral, from referral.submitted / triaged / closed: later news
    # about the referral (its actions' outcomes, a receiving agency taking it up) comes
    # in events that name the referral only, and must reach the same people.
    "referral_records", metadata,
    sa.Column("referral_id", sa.String(36), primary_key=True),
    sa.Column("referring_agency", sa.String(60), nullable=False),
    sa.Column("referred_by", sa.String(80), nullable=False),
    sa.Column("ward", sa.String(60), nullable=False),
    sa.Column("category", sa.String(40), nullable=False),
    # A code C referral's conditions: every notice about it shows them.
    sa.Column("handling_code", sa.String(1), nullable=True),
    sa.Column("handling_conditions", sa.String(1000), nullable=True),
    # The reference people can say (WL-R-2026-000123), from referral.submitted v3: every
    # notice about the referral shows it.
    sa.Column("reference", sa.String(20), nullable=True),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
)

disposed_records = sa.Table(
    # The referrals (and their actions) disposed of under the retention schedule: news
    # about one that arrives after its disposal (each event type has its own queue) is
    # told to no one. Ids only.
    "disposed_records", metadata,
    sa.Column("record_type", sa.String(30), primary_key=True),
    sa.Column("record_id", sa.String(36), primary_key=True),
)
