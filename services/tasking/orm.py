"""The tasking service's tables: tasking items (actions with an owner and a due date) and
their history, tasking meetings, PCSO tasks and intelligence reports; and its own read
models of referrals and ward priorities, kept from events (never read from their owner)."""
import sqlalchemy as sa

from shared.db import UtcDateTime, plumbing_tables
from shared.references import reference_sequences_table

metadata = sa.MetaData()
plumbing_tables(metadata)
reference_sequences = reference_sequences_table(metadata)

tasking_items = sa.Table(
    "tasking_items", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("reference", sa.String(20), nullable=False),  # WL-A-2026-000123
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("ward", sa.String(60), nullable=False),
    sa.Column("owner_agency", sa.String(60), nullable=False),
    sa.Column("owner_user", sa.String(80), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("due_by", UtcDateTime, nullable=False),
    sa.Column("source_type", sa.String(30), nullable=True),
    sa.Column("source_id", sa.String(36), nullable=True),
    # The referral's reference, from its referral.submitted (None: raised before
    # references, or from something other than a referral).
    sa.Column("source_reference", sa.String(20), nullable=True),
    sa.Column("risk_level", sa.String(20), nullable=True),
    sa.Column("raised_by", sa.String(80), nullable=False),
    sa.Column("raised_at", UtcDateTime, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("meeting_id", sa.String(36), nullable=True),
    sa.Column("overdue_at", UtcDateTime, nullable=True),
    sa.Column("escalated_to", sa.String(30), nullable=True),
    sa.Column("outcome", sa.Text, nullable=True),
    # One line the public may read (the ward panel): what was done, never who or about whom.
    sa.Column("public_outcome", sa.Text, nullable=True),
    sa.Column("completed_by", sa.String(80), nullable=True),
    sa.Column("completed_at", UtcDateTime, nullable=True),
    # With the item's id, a referral's items are found from the index alone (dashboards).
    sa.Index("ix_tasking_items_source", "source_type", "source_id", "id"),
    sa.Index("ix_tasking_items_board", "ward", "status", "due_by"),
    sa.Index("ix_tasking_items_due", "status", "due_by"),
    # The open items alone, by ward and due date: the dashboards' overdue items by ward
    # from the index alone, reading the open items and not the borough's finished ones.
    sa.Index("ix_tasking_items_open", "ward", "due_by",
             postgresql_where=sa.text("status = 'open'"),
             sqlite_where=sa.text("status = 'open'")),
    sa.Index("ux_tasking_items_reference", "reference", unique=True),
)

tasking_item_history = sa.Table(
    "tasking_item_history", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tasking_item_id", sa.String(36), sa.ForeignKey("tasking_items.id"),
              nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # raised, assigned, update, overdue...
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("by", sa.String(80), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    # An item's history by item, and when a person first acted on it, from the index alone
    # (the dashboards' referral-to-action time).
    sa.Index("ix_tasking_item_history_item", "tasking_item_id", "at", "kind", "by"),
)

referral_records = sa.Table(
    "referral_records", metadata,
    sa.Column("referral_id", sa.String(36), primary_key=True),
    # The referral's reference as its referral.submitted told it (None: told before
    # references, or the submission has not arrived yet).
    sa.Column("reference", sa.String(20), nullable=True, index=True),
    sa.Column("category", sa.String(40), nullable=False),
    sa.Column("risk_level", sa.String(20), nullable=False),
    sa.Column("ward", sa.String(60), nullable=False),
    sa.Column("referring_agency", sa.String(60), nullable=False),
    sa.Column("referred_by", sa.String(80), nullable=True),  # None: recorded before it was kept
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("redirect_to_agency", sa.String(60), nullable=True),
    sa.Column("submitted_at", UtcDateTime, nullable=False),
    # When a person first acted on one of the referral's tasking items (domain.ACTION_KINDS;
    # None: nobody has yet), kept by repository.add_history in the unit of work that
    # writes the step: the dashboards' referral-to-action time reads it from here alone.
    sa.Column("first_action_at", UtcDateTime, nullable=True),
    # What the chart reads of it, computed by the database with it (durations.week_of and
    # hours_between, from the submission), so that no call computes them for every row.
    sa.Column("first_action_week", sa.String(10), nullable=True),  # its Monday, YYYY-MM-DD
    sa.Column("hours_to_first_action", sa.Float, nullable=True),
    sa.Index("ix_referral_records_ward", "ward", "submitted_at"),
    # A ward's referral-to-action time (acted on since, or waiting) from the index alone.
    sa.Index("ix_referral_records_first_action", "ward", "first_action_at", "status",
             "risk_level", "first_action_week", "hours_to_first_action"),
    # ...and the borough's, every ward at once (the coordinator's and the BIU's).
    sa.Index("ix_referral_records_acted", "first_action_at", "status", "risk_level",
             "first_action_week", "hours_to_first_action"),
)

ward_priority_records = sa.Table(
    "ward_priority_records", metadata,
    sa.Column("ward_priority_id", sa.String(36), primary_key=True),
    sa.Column("ward", sa.String(60), nullable=False, index=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("review_by", sa.Date, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("set_at", UtcDateTime, nullable=False),
)

meetings = sa.Table(
    "meetings", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("wards", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # open, closed
    sa.Column("since", UtcDateTime, nullable=True),  # the previous meeting's opening
    sa.Column("agenda", sa.JSON, nullable=False),
    sa.Column("opened_by", sa.String(80), nullable=False),
    sa.Column("opened_at", UtcDateTime, nullable=False),
    sa.Column("minutes", sa.Text, nullable=True),
    sa.Column("closed_by", sa.String(80), nullable=True),
    sa.Column("closed_at", UtcDateTime, nullable=True),
    sa.Index("ix_meetings_opened", "opened_at"),
)

pcso_tasks = sa.Table(
    "pcso_tasks", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("reference", sa.String(20), nullable=False),  # WL-T-2026-000123
    sa.Column("ward", sa.String(60), nullable=False),
    sa.Column("assignee", sa.String(80), nullable=True),  # none: back with the ward team
    sa.Column("brief", sa.Text, nullable=False),
    sa.Column("look_for", sa.Text, nullable=False),
    sa.Column("source_type", sa.String(30), nullable=True),
    sa.Column("source_id", sa.String(36), nullable=True),
    sa.Column("due_by", UtcDateTime, nullable=False),
    sa.Column("reports_wanted", sa.Integer, nullable=False),
    sa.Column("reports_filed", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # open, reports_in, expired
    sa.Column("assigned_by", sa.String(80), nullable=False),
    sa.Column("assigned_at", UtcDateTime, nullable=False),
    sa.Column("closed_at", UtcDateTime, nullable=True),
    sa.Index("ix_pcso_tasks_assignee", "assignee", "status"),
    sa.Index("ix_pcso_tasks_due", "status", "due_by"),
    sa.Index("ux_pcso_tasks_reference", "reference", unique=True),
)

intelligence_reports = sa.Table(
    "intelligence_reports", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("reference", sa.String(20), nullable=False),  # WL-I-2026-000123
    sa.Column("pcso_task_id", sa.String(36), sa.ForeignKey("pcso_tasks.id"), nullable=True),
    sa.Column("ward", sa.String(60), nullable=False),
    sa.Column("submitted_by", sa.String(80), nullable=False),
    sa.Column("observed_at", UtcDateTime, nullable=False),
    sa.Column("location", sa.String(300), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("submitted_at", UtcDateTime, nullable=False),
    # awaiting_note, awaiting_grade, awaiting_feedback, closed
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("note_due_by", UtcDateTime, nullable=False),
    sa.Column("feedback_due_by", UtcDateTime, nullable=False),
    sa.Column("noted_by", sa.String(80), nullable=True),
    sa.Column("noted_at", UtcDateTime, nullable=True),
    sa.Column("source_evaluation", sa.Integer, nullable=True),
    sa.Column("intelligence_assessment", sa.String(1), nullable=True),
    sa.Column("handling_code", sa.String(1), nullable=True),
    sa.Column("handling_conditions", sa.Text, nullable=True),
    sa.Column("graded_by", sa.String(80), nullable=True),
    sa.Column("graded_at", UtcDateTime, nullable=True),
    sa.Column("feedback_usage", sa.String(40), nullable=True),
    sa.Column("feedback_note", sa.Text, nullable=True),
    sa.Column("feedback_by", sa.String(80), nullable=True),
    sa.Column("feedback_at", UtcDateTime, nullable=True),
    # What the feedback turnaround chart reads of it, computed by the database with it
    # (durations.week_of and hours_between, from the filing): repository.feedback_times.
    sa.Column("feedback_week", sa.String(10), nullable=True),  # its Monday, YYYY-MM-DD
    sa.Column("hours_to_feedback", sa.Float, nullable=True),
    sa.Column("note_reminded_at", UtcDateTime, nullable=True),
    sa.Column("feedback_reminded_at", UtcDateTime, nullable=True),
    sa.Index("ix_intelligence_reports_status", "status", "submitted_at"),
    sa.Index("ix_intelligence_reports_task", "pcso_task_id"),
    # The dashboards' feedback turnaround from the index alone: a ward's, and the borough's.
    sa.Index("ix_intelligence_reports_ward", "ward", "feedback_at", "feedback_due_by",
             "feedback_week", "hours_to_feedback"),
    sa.Index("ix_intelligence_reports_feedback", "feedback_at", "feedback_due_by",
             "feedback_week", "hours_to_feedback"),
    sa.Index("ux_intelligence_reports_reference", "reference", unique=True),
)
