"""What tasking accepts and what it shows, with errors a coordinator, sergeant, PCSO or
analyst can act on."""
from datetime import datetime, timezone

from marshmallow import (Schema, ValidationError, fields, validate, validates,
                         validates_schema)

from shared.events.tasking import FEEDBACK_USAGES

SOURCE_TYPES = ("referral", "ward_priority", "meeting", "other")
PCSO_SOURCE_TYPES = ("referral", "ward_priority", "tasking_item")
ITEM_STATUSES = ("open", "completed")
PCSO_TASK_STATUSES = ("open", "reports_in", "expired")
INTELLIGENCE_STATUSES = ("awaiting_note", "awaiting_grade", "awaiting_feedback", "closed")
CODE = validate.Regexp(r"^[a-z0-9][a-z0-9._-]{0,59}$",
                       error="A code: lower-case letters, digits, '.', '_' or '-'.")


def _not_blank(value):
    if not value.strip():
        raise ValidationError("Must not be empty or only spaces.")


def _text(max_length, required=True):
    checks = [validate.Length(max=max_length, error=f"Must be at most {max_length} characters."),
              _not_blank]
    if required:
        return fields.String(required=True, validate=checks)
    return fields.String(load_default=None, allow_none=True, validate=checks)


def _in_future(value):
    if value <= datetime.now(timezone.utc):
        raise ValidationError("Must be in the future.")


class RaiseItemSchema(Schema):
    title = _text(200)
    description = _text(5000, required=False)
    ward = fields.String(required=True, validate=CODE)
    owner_agency = fields.String(required=True, validate=CODE)
    owner_user = fields.String(load_default=None, validate=CODE)
    due_by = fields.AwareDateTime(required=True, validate=_in_future)
    source_type = fields.String(load_default=None, validate=validate.OneOf(SOURCE_TYPES))
    source_id = fields.String(load_default=None, validate=validate.Length(min=1, max=36))

    @validates_schema
    def _source_named_whole(self, data, **_):
        if bool(data.get("source_type")) != bool(data.get("source_id")):
            raise ValidationError("Give source_type and source_id together, or neither.",
                                  "source_id")


class MeetingActionSchema(RaiseItemSchema):
    decision = _text(2000)


class AssignSchema(Schema):
    owner_agency = fields.String(required=True, validate=CODE)
    owner_user = fields.String(load_default=None, validate=CODE)
    due_by = fields.AwareDateTime(load_default=None, validate=_in_future)


PUBLIC_OUTCOME_LENGTH = 500


class UpdateSchema(Schema):
    note = _text(5000)
    # What the ward panel (the public) may read of the action so far: one line, no names.
    public_outcome = _text(PUBLIC_OUTCOME_LENGTH, required=False)


class CompleteSchema(Schema):
    outcome = _text(5000)
    public_outcome = _text(PUBLIC_OUTCOME_LENGTH, required=False)


class ItemQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(ITEM_STATUSES))
    ward = fields.String(validate=validate.Length(max=60))
    owner_agency = fields.String(validate=validate.Length(max=60))
    source_id = fields.String(validate=validate.Length(max=36))
    overdue = fields.Boolean()
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None)


class OpenMeetingSchema(Schema):
    held_on = fields.Date(required=True)
    wards = fields.List(fields.String(validate=CODE), required=True,
                        validate=validate.Length(min=1, max=30,
                                                 error="Name from 1 to 30 wards."))


class CloseMeetingSchema(Schema):
    minutes = _text(50000)


class PcsoTaskSchema(Schema):
    ward = fields.String(required=True, validate=CODE)
    assignee = fields.String(required=True, validate=CODE)
    brief = _text(2000)
    look_for = _text(2000)
    source_type = fields.String(required=True, validate=validate.OneOf(PCSO_SOURCE_TYPES))
    source_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    due_by = fields.AwareDateTime(required=True, validate=_in_future)
    reports_wanted = fields.Integer(load_default=1, validate=validate.Range(min=1, max=20))


class PcsoTaskAssigneeSchema(Schema):
    """`POST /api/pcso-tasks/{id}/assignee`: the PCSO of the task's ward who holds it now
    (a task back with the team after a leaver's handover, or one moved between PCSOs)."""
    assignee = fields.String(required=True, validate=CODE)


class PcsoTaskQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(PCSO_TASK_STATUSES))
    ward = fields.String(validate=validate.Length(max=60))
    assignee = fields.String(validate=validate.Length(max=80))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None)


class ReportSchema(Schema):
    observed_at = fields.AwareDateTime(required=True)
    location = _text(300)
    text = _text(10000)

    @validates("observed_at")
    def _not_in_future(self, value, **_):
        if value > datetime.now(timezone.utc):
            raise ValidationError("Must not be in the future.")


class AdHocReportSchema(ReportSchema):
    ward = fields.String(required=True, validate=CODE)


class GradeSchema(Schema):
    """3x5x2: source evaluation 1-3, intelligence assessment A-E, handling code P or C
    (C states its conditions)."""
    source_evaluation = fields.Integer(required=True, strict=True,
                                       validate=validate.OneOf((1, 2, 3)))
    intelligence_assessment = fields.String(required=True,
                                            validate=validate.OneOf(tuple("ABCDE")))
    handling_code = fields.String(required=True, validate=validate.OneOf(("P", "C")))
    conditions = _text(1000, required=False)

    @validates_schema
    def _conditions_go_with_code_c(self, data, **_):
        conditions = (data.get("conditions") or "").strip()
        if data.get("handling_code") == "C" and not conditions:
            raise ValidationError("Handling code C needs its conditions stated.", "conditions")
        if data.get("handling_code") == "P" and conditions:
            raise ValidationError("Only handling code C carries conditions.", "conditions")


class FeedbackSchema(Schema):
    usage = fields.String(required=True, validate=validate.OneOf(FEEDBACK_USAGES))
    note = _text(5000)


class IntelligenceQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(INTELLIGENCE_STATUSES))
    ward = fields.String(validate=validate.Length(max=60))
    pcso_task_id = fields.String(validate=validate.Length(max=36))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None)


# --- views ---------------------------------------------------------------------------

class HistoryView(Schema):
    kind = fields.String()
    note = fields.String(allow_none=True)
    by = fields.String()
    at = fields.AwareDateTime()


class TaskingItemView(Schema):
    id = fields.String()
    reference = fields.String(metadata={
        "description": "what people say on the phone (WL-A-2026-000123); taken wherever the id is"})
    title = fields.String()
    description = fields.String(allow_none=True)
    ward = fields.String()
    owner_agency = fields.String()
    owner_user = fields.String(allow_none=True)
    status = fields.String()
    overdue = fields.Boolean()
    due_by = fields.AwareDateTime()
    source_type = fields.String(allow_none=True)
    source_id = fields.String(allow_none=True)
    source_reference = fields.String(allow_none=True, metadata={
        "description": "the reference of the referral it was raised from (none if it was "
                       "raised from something else, or before references)"})
    risk_level = fields.String(allow_none=True)
    meeting_id = fields.String(allow_none=True)
    raised_by = fields.String()
    raised_at = fields.AwareDateTime()
    overdue_at = fields.AwareDateTime(allow_none=True)
    escalated_to = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    public_outcome = fields.String(allow_none=True)
    completed_by = fields.String(allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    history = fields.List(fields.Nested(HistoryView))


class ReferralOnAgendaView(Schema):
    referral_id = fields.String()
    reference = fields.String(allow_none=True)
    category = fields.String()
    risk_level = fields.String()
    ward = fields.String()
    referring_agency = fields.String()
    status = fields.String()
    submitted_at = fields.AwareDateTime()


class PriorityOnAgendaView(Schema):
    ward_priority_id = fields.String()
    ward = fields.String()
    title = fields.String()
    review_by = fields.Date()
    status = fields.String()


class IntelligenceOnAgendaView(Schema):
    id = fields.String()
    reference = fields.String()
    ward = fields.String()
    status = fields.String()
    submitted_at = fields.AwareDateTime()
    feedback_due_by = fields.AwareDateTime()


class AgendaView(Schema):
    new_referrals = fields.List(fields.Nested(ReferralOnAgendaView))
    overdue_items = fields.List(fields.Nested(TaskingItemView(exclude=("history",))))
    priorities_for_review = fields.List(fields.Nested(PriorityOnAgendaView))
    intelligence_awaiting_feedback = fields.List(fields.Nested(IntelligenceOnAgendaView))


class MeetingView(Schema):
    id = fields.String()
    held_on = fields.Date()
    wards = fields.List(fields.String())
    status = fields.String()
    since = fields.AwareDateTime(allow_none=True)
    agenda = fields.Raw()
    actions = fields.List(fields.Nested(TaskingItemView(exclude=("history",))))
    opened_by = fields.String()
    opened_at = fields.AwareDateTime()
    minutes = fields.String(allow_none=True)
    closed_by = fields.String(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)


class IntelligenceReportView(Schema):
    id = fields.String()
    reference = fields.String(metadata={
        "description": "what people say on the phone (WL-I-2026-000123); taken wherever the id is"})
    pcso_task_id = fields.String(allow_none=True)
    ward = fields.String()
    submitted_by = fields.String()
    observed_at = fields.AwareDateTime()
    location = fields.String()
    text = fields.String()
    submitted_at = fields.AwareDateTime()
    status = fields.String()
    note_due_by = fields.AwareDateTime()
    feedback_due_by = fields.AwareDateTime()
    noted_by = fields.String(allow_none=True)
    noted_at = fields.AwareDateTime(allow_none=True)
    source_evaluation = fields.Integer(allow_none=True)
    intelligence_assessment = fields.String(allow_none=True)
    handling_code = fields.String(allow_none=True)
    handling_conditions = fields.String(allow_none=True)
    graded_by = fields.String(allow_none=True)
    graded_at = fields.AwareDateTime(allow_none=True)
    feedback_usage = fields.String(allow_none=True)
    feedback_note = fields.String(allow_none=True)
    feedback_by = fields.String(allow_none=True)
    feedback_at = fields.AwareDateTime(allow_none=True)


class PcsoTaskView(Schema):
    id = fields.String()
    reference = fields.String(metadata={
        "description": "what people say on the phone (WL-T-2026-000123); taken wherever the id is"})
    ward = fields.String()
    assignee = fields.String(allow_none=True, metadata={
        "description": "none: back with the ward team, handed over from a leaver"})
    brief = fields.String()
    look_for = fields.String()
    source_type = fields.String(allow_none=True)
    source_id = fields.String(allow_none=True)
    due_by = fields.AwareDateTime()
    reports_wanted = fields.Integer()
    reports_filed = fields.Integer()
    status = fields.String()
    assigned_by = fields.String()
    assigned_at = fields.AwareDateTime()
    closed_at = fields.AwareDateTime(allow_none=True)
    reports = fields.List(fields.Nested(IntelligenceReportView))


class HandoverView(Schema):
    """What a handover moved (`POST /api/users/{username}/handover`)."""
    pcso_tasks = fields.Integer(metadata={"description": "open PCSO tasks moved"})
    tasking_items = fields.Integer(metadata={"description": "open actions moved"})
    to = fields.String(allow_none=True, metadata={
        "description": "the successor; none: the work went back to the team"})


# --- dashboards (aggregates only: no record, no name) ---------------------------------

class DashboardQuerySchema(Schema):
    weeks = fields.Integer(load_default=12, validate=validate.Range(min=1, max=52))
    ward = fields.String(validate=validate.Length(max=60))


class WardLoadView(Schema):
    ward = fields.String(required=True)
    open = fields.Integer(required=True)
    overdue = fields.Integer(required=True)


class OverdueByWardView(Schema):
    open = fields.Integer(required=True)
    overdue = fields.Integer(required=True)
    wards = fields.List(fields.Nested(WardLoadView), required=True)


class DurationsView(Schema):
    count = fields.Integer(required=True)
    median_hours = fields.Float(allow_none=True)
    p90_hours = fields.Float(allow_none=True)


class WeekDurationsView(DurationsView):
    week = fields.Date(required=True)  # its Monday


class RiskDurationsView(DurationsView):
    risk_level = fields.String(required=True)


class ReferralToActionView(DurationsView):
    waiting = fields.Integer(required=True)
    disposed = fields.Integer(required=True, metadata={
        "description": "referrals disposed of under the retention schedule (still counted)"})
    by_risk = fields.List(fields.Nested(RiskDurationsView), required=True)
    by_week = fields.List(fields.Nested(WeekDurationsView), required=True)


class FeedbackTurnaroundView(DurationsView):
    waiting = fields.Integer(required=True)
    waiting_past_due = fields.Integer(required=True)
    within_service_level = fields.Integer(required=True)
    by_week = fields.List(fields.Nested(WeekDurationsView), required=True)


class TaskingDashboardView(Schema):
    """Aggregates only: services/tasking/dashboards.py defines each figure."""
    generated_at = fields.AwareDateTime(required=True)
    since = fields.AwareDateTime(required=True)
    weeks = fields.Integer(required=True)
    wards = fields.List(fields.String(), allow_none=True)  # null: the whole borough
    overdue_by_ward = fields.Nested(OverdueByWardView, required=True)
    referral_to_action = fields.Nested(ReferralToActionView, required=True)
    intelligence_feedback = fields.Nested(FeedbackTurnaroundView, required=True)
