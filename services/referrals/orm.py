"""The referrals service's tables: the ward register, subjects (people), referrals and
each referral's history. Nothing here is read by any other service."""
import sqlalchemy as sa

from shared.db import UtcDateTime, plumbing_tables
from shared.references import reference_sequences_table

metadata = sa.MetaData()
plumbing_tables(metadata)
reference_sequences = reference_sequences_table(metadata)

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
    # The agency whose record this is: each agency's knowledge of a person is its own
    # record, and a partner reads only its own agency's (None: made before this rule).
    sa.Column("agency", sa.String(60), nullable=True),
    sa.Column("match_key", sa.String(260), nullable=False, index=True),
    # Subjects found to be one person share a person_id (the first subject's id); links
    # can be undone, so records are joined, never merged.
    sa.Column("person_id", sa.String(36), nullable=False, index=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

subject_keys = sa.Table(
    "subject_keys", metadata,
    sa.Column("key", sa.String(120), primary_key=True),
    sa.Column("subject_id", sa.String(36), sa.ForeignKey("subjects.id"), primary_key=True),
)

subject_links = sa.Table(
    "subject_links", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("subject_id", sa.String(36), sa.ForeignKey("subjects.id"), nullable=False),
    sa.Column("candidate_subject_id", sa.String(36), sa.ForeignKey("subjects.id"),
              nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("reasons", sa.JSON, nullable=False),
    # pending -> confirmed | rejected; automatic and confirmed links may become unlinked
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("decided_by", sa.String(80), nullable=True),
    sa.Column("decided_at", UtcDateTime, nullable=True),
    sa.Column("reason", sa.String(1000), nullable=True),
    sa.UniqueConstraint("subject_id", "candidate_subject_id", name="uq_subject_link_pair"),
    sa.Index("ix_subject_links_status", "status", "created_at"),
)

referrals = sa.Table(
    "referrals", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    # What people say on the phone: WL-R-2026-000123 (shared/references.py).
    sa.Column("reference", sa.String(20), nullable=False),
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
    sa.Column("redirect_to_agency", sa.String(60), nullable=True),
    sa.Column("outcome", sa.String(1000), nullable=True),
    sa.Column("referring_agency", sa.String(60), nullable=False),
    sa.Column("referred_by", sa.String(80), nullable=False),
    sa.Column("submitted_at", UtcDateTime, nullable=False),
    sa.Index("ix_referrals_ward_status", "ward", "status"),
    sa.Index("ix_referrals_agency", "referring_agency"),
    sa.Index("ix_referrals_submitted", "submitted_at", "id"),
    sa.Index("ux_referrals_reference", "reference", unique=True),
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
    sa.Column("reason", sa.String(1000), nullable=True),  # internal: police and coordinator
    sa.Column("reason_for_referrer", sa.String(1000), nullable=True),  # for the referring team
)

referral_actions = sa.Table(
    "referral_actions", metadata,
    # Tasking's actions raised on a referral, as tasking announced them: a row for each
    # agency that owns, or has owned, each one (an agency that has owned one reads the
    # referral). Rows are only added, so a raising that arrives after a reassignment
    # (each has its own queue) changes nothing.
    sa.Column("tasking_item_id", sa.String(36), primary_key=True),
    sa.Column("owner_agency", sa.String(60), primary_key=True),
    sa.Column("referral_id", sa.String(36), sa.ForeignKey("referrals.id"), nullable=False,
              index=True),
)

referral_disclosures = sa.Table(
    "referral_disclosures", metadata,
    # Every agency other than the referrer's that may read a referral, since when and why
    # (redirected to it, or owning an action on it). Its first row is the disclosure.
    sa.Column("referral_id", sa.String(36), sa.ForeignKey("referrals.id"), primary_key=True),
    sa.Column("agency", sa.String(60), primary_key=True),
    sa.Column("via", sa.String(20), nullable=False),
    sa.Column("tasking_item_id", sa.String(36), nullable=True),
    # Who acknowledged a code C referral's conditions for this agency.
    sa.Column("conditions_acknowledged_by", sa.String(80), nullable=True),
    sa.Column("disclosed_at", UtcDateTime, nullable=False),
    sa.Index("ix_referral_disclosures_agency", "agency"),
)

sharing_agreements = sa.Table(
    "sharing_agreements", metadata,
    # The partnership's information sharing agreements: which agencies may share which
    # kinds of referral, on which lawful bases, from when, until their review. A referral
    # reaches another agency only under one that is in force.
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
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_by", sa.String(80), nullable=True),
    sa.Column("updated_at", UtcDateTime, nullable=True),
)

ward_priorities = sa.Table(
    "ward_priorities", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("ward", sa.String(60), sa.ForeignKey("wards.code"), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("review_by", sa.Date, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # active | due_for_review | closed
    sa.Column("set_by", sa.String(80), nullable=False),
    sa.Column("set_by_role", sa.String(20), nullable=False),
    sa.Column("set_at", UtcDateTime, nullable=False),
    # The panel's latest review: kept for another period or closed, by whom, and why.
    sa.Column("reviewed_by", sa.String(80), nullable=True),
    sa.Column("reviewed_at", UtcDateTime, nullable=True),
    sa.Column("review_note", sa.Text, nullable=True),
    sa.Index("ix_ward_priorities_ward", "ward", "status"),
    sa.Index("ix_ward_priorities_review", "status", "review_by"),
)

retention_decisions = sa.Table(
    # The DPO's decisions on referrals that fell due (shared/retention.yaml): kept as the
    # record the APP asks for ("all reviews that result in a decision to retain records
    # must be recorded"). Holds a referral's id and the DPO's reason, no person's details.
    "retention_decisions", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("referral_id", sa.String(36), nullable=False, index=True),
    sa.Column("decision", sa.String(20), nullable=False),  # retain | dispose
    sa.Column("reason", sa.String(1000), nullable=False),
    sa.Column("retain_until", sa.Date, nullable=True),
    sa.Column("decided_by", sa.String(80), nullable=False),
    sa.Column("decided_at", UtcDateTime, nullable=False),
)
