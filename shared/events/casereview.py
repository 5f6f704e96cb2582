"""Events the casereview service publishes. A review's incident summary, findings and
chronology stay in casereview; the bus carries ids, dates and the published lessons, which
are written for partners to read and hold no personal details."""
from marshmallow import Schema, fields

from shared.events.registry import contract


class CaseReviewOpenedV1(Schema):
    case_review_id = fields.String(required=True)
    subject_id = fields.String(required=True)
    trigger = fields.String(required=True)
    incident_date = fields.Date(required=True)
    opened_by = fields.String(required=True)
    opened_at = fields.AwareDateTime(required=True)
    suggested_by_rule = fields.String(allow_none=True, load_default=None, metadata={
        "description": "the missed-opportunity rule whose pattern suggested the review"})


CASE_REVIEW_OPENED = contract(
    source="casereview", type="case_review.opened", version=1, schema=CaseReviewOpenedV1,
    description="A reviewer opened a missed-opportunity case review for a subject (or "
                "accepted one suggested by a pattern in the subject's chronology).",
    example={
        "case_review_id": "cr000000-0000-4000-8000-000000000001",
        "subject_id": "4f1c2d8e-0000-4000-8000-0000000000aa",
        "trigger": "serious_incident", "incident_date": "2027-01-14",
        "opened_by": "reviewer", "opened_at": "2027-01-20T10:00:00+00:00",
        "suggested_by_rule": None,
    },
)


class LessonV1(Schema):
    lesson_id = fields.String(required=True)
    agency = fields.String(required=True)
    recommendation = fields.String(required=True)
    owner = fields.String(required=True)
    due_date = fields.Date(required=True)


class CaseReviewPublishedV1(Schema):
    case_review_id = fields.String(required=True)
    subject_id = fields.String(required=True)
    incident_date = fields.Date(required=True)
    published_by = fields.String(required=True)
    published_at = fields.AwareDateTime(required=True)
    findings = fields.Integer(required=True, metadata={"description": "how many findings"})
    lessons = fields.List(fields.Nested(LessonV1), required=True)
    agencies = fields.List(fields.String(), required=True, metadata={
        "description": "every partner agency the lessons are sent to"})


CASE_REVIEW_PUBLISHED = contract(
    source="casereview", type="case_review.published", version=1,
    schema=CaseReviewPublishedV1,
    description="A case review was published: its lessons go to every partner agency, "
                "for learning, not blame.",
    example={
        "case_review_id": "cr000000-0000-4000-8000-000000000001",
        "subject_id": "4f1c2d8e-0000-4000-8000-0000000000aa",
        "incident_date": "2027-01-14", "published_by": "reviewer",
        "published_at": "2027-03-01T12:00:00+00:00", "findings": 2,
        "lessons": [{"lesson_id": "1e000000-0000-4000-8000-000000000001",
                     "agency": "housing",
                     "recommendation": "Acknowledge redirected referrals within 2 working "
                                       "days and name a lead officer.",
                     "owner": "Head of tenancy services", "due_date": "2027-06-30"}],
        "agencies": ["police", "la-community-safety", "yot", "probation", "health",
                     "education", "fire", "youth-services", "housing"],
    },
)
