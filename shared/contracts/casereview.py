"""Case review inputs and outputs."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema


TEXT = validate.Length(min=1, max=4000)
SHORT = validate.Length(min=1, max=200)


class OpenReviewSchema(Schema):
    subject_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    trigger = fields.String(required=True, validate=SHORT)
    incident_summary = fields.String(required=True, validate=TEXT)
    incident_date = fields.Date(required=True)


class AcceptSuggestionSchema(Schema):
    """Opening a suggested review: the reviewer supplies what the pattern could not."""

    trigger = fields.String(load_default=None, validate=SHORT)
    incident_summary = fields.String(required=True, validate=TEXT)
    incident_date = fields.Date(required=True)


class DecisionSchema(Schema):
    reason = fields.String(required=True, validate=TEXT)


class LessonSchema(Schema):
    agency = fields.String(load_default=None, validate=SHORT)
    recommendation = fields.String(required=True, validate=TEXT)
    owner = fields.String(required=True, validate=SHORT)
    due_date = fields.Date(required=True)
    finding_id = fields.String(load_default=None)


class FindingSchema(Schema):
    missed_opportunity_id = fields.String(load_default=None)
    finding = fields.String(required=True, validate=TEXT)
    agency = fields.String(load_default=None, validate=SHORT)
    lesson = fields.Nested(LessonSchema(exclude=("finding_id",)), load_default=None)

    @validates_schema
    def lesson_has_an_agency(self, data, **_kwargs):
        lesson = data.get("lesson")
        if lesson and not (lesson.get("agency") or data.get("agency")):
            raise ValidationError({"lesson": {"agency": ["Name the agency the lesson is for "
                                                         "(here or on the finding)."]}})


class StageView(Schema):
    stage = fields.String()
    by = fields.String()
    at = fields.AwareDateTime()


class EntryView(Schema):
    id = fields.String()
    when = fields.AwareDateTime()
    agency = fields.String()
    kind = fields.String()
    event_type = fields.String()
    summary = fields.String()
    record_type = fields.String()
    record_id = fields.String()
    referral_id = fields.String(allow_none=True)
    link = fields.String(allow_none=True)


class MissedOpportunityView(Schema):
    id = fields.String()
    rule = fields.String()
    summary = fields.String()
    entries = fields.List(fields.String(), attribute="entry_ids")
    status = fields.String()
    reason = fields.String(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    still_found = fields.Boolean()


class FindingView(Schema):
    id = fields.String()
    missed_opportunity_id = fields.String(allow_none=True)
    finding = fields.String()
    agency = fields.String(allow_none=True)
    added_by = fields.String()
    added_at = fields.AwareDateTime()


class LessonView(Schema):
    id = fields.String()
    finding_id = fields.String(allow_none=True)
    agency = fields.String()
    recommendation = fields.String()
    owner = fields.String()
    due_date = fields.Date()
    added_by = fields.String()
    added_at = fields.AwareDateTime()


class ReviewView(Schema):
    id = fields.String()
    reference = fields.String(metadata={
        "description": "what people say on the phone (WL-C-2026-000123); taken wherever "
                       "the id is"})
    subject_id = fields.String()
    stage = fields.String()
    trigger = fields.String()
    incident_summary = fields.String(allow_none=True)
    incident_date = fields.Date(allow_none=True)
    suggested_by_rule = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    opened_by = fields.String(allow_none=True)
    opened_at = fields.AwareDateTime(allow_none=True)
    published_by = fields.String(allow_none=True)
    published_at = fields.AwareDateTime(allow_none=True)
    history = fields.List(fields.Nested(StageView))
    findings = fields.List(fields.Nested(FindingView))
    lessons = fields.List(fields.Nested(LessonView))
