"""The casereview service's tables.

Two halves: the chronology read model (`event_log`, the source of truth it is rebuilt
from; `chronology_entries`, `record_parents` and `subject_links`, which are derived and may
be thrown away and replayed) and the reviews themselves (`reviews`, their stage history,
missed opportunities, findings and lessons), which are the reviewers' own work and are
never touched by a rebuild. Nothing here is read by another service."""
import sqlalchemy as sa

from shared.db import UtcDateTime, plumbing_tables
from shared.references import reference_sequences_table

metadata = sa.MetaData()
plumbing_tables(metadata)
reference_sequences = reference_sequences_table(metadata)

# --- the chronology read model -------------------------------------------------------

event_log = sa.Table(
    "event_log", metadata,
    # `seq` is arrival order: replaying in it reproduces the projection exactly.
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(36), nullable=False, unique=True),
    sa.Column("type", sa.String(80), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("message", sa.JSON, nullable=False),  # the envelope as it came off the bus
    sa.Column("received_at", UtcDateTime, nullable=False),
)

chronology_entries = sa.Table(
    "chronology_entries", metadata,
    sa.Column("id", sa.String(36), primary_key=True),  # the event's id: stable on rebuild
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
    sa.Column("agency", sa.String(60), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("event_type", sa.String(80), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("record_type", sa.String(40), nullable=False),
    sa.Column("record_id", sa.String(36), nullable=False),
    sa.Column("facts", sa.JSON, nullable=False),  # the event's payload, for the rules
    sa.Index("ix_chronology_record", "record_type", "record_id"),
)

record_parents = sa.Table(
    "record_parents", metadata,
    # What each record is about: a referral's subject, an action's referral, an
    # intelligence report's PCSO task. Walking down from a subject finds its story.
    sa.Column("record_type", sa.String(40), primary_key=True),
    sa.Column("record_id", sa.String(36), primary_key=True),
    sa.Column("parent_type", sa.String(40), nullable=False),
    sa.Column("parent_id", sa.String(36), nullable=False),
    sa.Index("ix_record_parents_parent", "parent_type", "parent_id"),
)

subject_links = sa.Table(
    "subject_links", metadata,
    sa.Column("link_id", sa.String(36), primary_key=True),
    sa.Column("subject_id", sa.String(36), nullable=False),
    sa.Column("linked_subject_id", sa.String(36), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Index("ix_subject_links_subject", "subject_id"),
    sa.Index("ix_subject_links_linked", "linked_subject_id"),
)

disposed_records = sa.Table(
    "disposed_records", metadata,
    # Records disposed of under the retention schedule (a referral and every record under
    # it): an event about one that arrives after the disposal is neither logged nor
    # projected (each event type has its own queue). Ids only; not part of the projection.
    sa.Column("record_type", sa.String(40), primary_key=True),
    sa.Column("record_id", sa.String(36), primary_key=True),
)

PROJECTION_TABLES = (chronology_entries, record_parents, subject_links)
"""What a rebuild empties and refills from `event_log`."""

# --- reviews ---------------------------------------------------------------------------

reviews = sa.Table(
    "reviews", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("reference", sa.String(20), nullable=False),  # WL-C-2026-000123
    sa.Column("subject_id", sa.String(36), nullable=False),
    sa.Column("stage", sa.String(20), nullable=False),
    sa.Column("trigger", sa.String(200), nullable=False),
    sa.Column("incident_summary", sa.Text, nullable=True),
    sa.Column("incident_date", sa.Date, nullable=True),
    sa.Column("suggested_by_rule", sa.String(80), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("opened_by", sa.String(80), nullable=True),
    sa.Column("opened_at", UtcDateTime, nullable=True),
    sa.Column("published_by", sa.String(80), nullable=True),
    sa.Column("published_at", UtcDateTime, nullable=True),
    sa.Index("ix_reviews_created", "created_at", "id"),
    sa.Index("ix_reviews_subject", "subject_id"),
    sa.Index("ux_reviews_reference", "reference", unique=True),
)

review_stages = sa.Table(
    "review_stages", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("review_id", sa.String(36), sa.ForeignKey("reviews.id"), nullable=False),
    sa.Column("stage", sa.String(20), nullable=False),
    sa.Column("by", sa.String(80), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Index("ix_review_stages_review", "review_id", "id"),
)

missed_opportunities = sa.Table(
    "missed_opportunities", metadata,
    # The id is derived from the review, the rule and the records it cites, so finding
    # the same pattern again keeps the reviewers' decision on it.
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("review_id", sa.String(36), sa.ForeignKey("reviews.id"), nullable=False),
    sa.Column("rule", sa.String(80), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("entry_ids", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # candidate | confirmed | dismissed
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("decided_by", sa.String(80), nullable=True),
    sa.Column("decided_at", UtcDateTime, nullable=True),
    sa.Column("found_at", UtcDateTime, nullable=False),
    sa.Index("ix_missed_opportunities_review", "review_id", "found_at"),
)

findings = sa.Table(
    "findings", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("review_id", sa.String(36), sa.ForeignKey("reviews.id"), nullable=False),
    sa.Column("missed_opportunity_id", sa.String(36),
              sa.ForeignKey("missed_opportunities.id"), nullable=True),
    sa.Column("finding", sa.Text, nullable=False),
    sa.Column("agency", sa.String(60), nullable=True),
    sa.Column("added_by", sa.String(80), nullable=False),
    sa.Column("added_at", UtcDateTime, nullable=False),
    sa.Index("ix_findings_review", "review_id", "added_at"),
)

lessons = sa.Table(
    "lessons", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("review_id", sa.String(36), sa.ForeignKey("reviews.id"), nullable=False),
    sa.Column("finding_id", sa.String(36), sa.ForeignKey("findings.id"), nullable=True),
    sa.Column("agency", sa.String(60), nullable=False),
    sa.Column("recommendation", sa.Text, nullable=False),
    sa.Column("owner", sa.String(120), nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("added_by", sa.String(80), nullable=False),
    sa.Column("added_at", UtcDateTime, nullable=False),
    sa.Index("ix_lessons_review", "review_id", "added_at"),
)
