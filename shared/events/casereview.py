"""Events the casereview service publishes. A review's incident summary, findings and
chronology stay in casereview; the bus carries ids, dates and the published lessons, which
are written for partners to read and hold no personal details.

Every change to a review is announced, in the transaction that makes it, naming the review,
its subject and who made it: the gateway's audit trail is written from these events, so a
change cannot commit without its audit row following. A reason, a finding's text and a
lesson's wording before publication stay in casereview."""
from marshmallow import Schema, fields, validate

from shared.events.registry import contract, reference_field, upcast_without_reference


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


class CaseReviewStageMovedV1(Schema):
    case_review_id = fields.String(required=True)
    subject_id = fields.String(required=True)
    from_stage = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(
        ("gathering", "panel", "declined")), metadata={
        "description": "opening and publishing have their own events"})
    moved_by = fields.String(required=True)
    moved_at = fields.AwareDateTime(required=True)


CASE_REVIEW_STAGE_MOVED = contract(
    source="casereview", type="case_review.stage_moved", version=1,
    schema=CaseReviewStageMovedV1,
    description="A reviewer moved a case review on (open to gathering, gathering to "
                "panel) or declined a suggested one.",
    example={
        "case_review_id": "cr000000-0000-4000-8000-000000000001",
        "subject_id": "4f1c2d8e-0000-4000-8000-0000000000aa",
        "from_stage": "open", "stage": "gathering", "moved_by": "reviewer",
        "moved_at": "2027-01-27T10:00:00+00:00",
    },
)


class MissedOpportunityDecidedV1(Schema):
    case_review_id = fields.String(required=True)
    subject_id = fields.String(required=True)
    missed_opportunity_id = fields.String(required=True)
    rule = fields.String(required=True, metadata={
        "description": "the missed-opportunity rule that found the candidate"})
    decision = fields.String(required=True, validate=validate.OneOf(("confirmed",
                                                                     "dismissed")))
    decided_by = fields.String(required=True)
    decided_at = fields.AwareDateTime(required=True)


MISSED_OPPORTUNITY_DECIDED = contract(
    source="casereview", type="case_review.missed_opportunity_decided", version=1,
    schema=MissedOpportunityDecidedV1,
    description="A reviewer confirmed or dismissed a possible missed opportunity the rules "
                "found in a review's chronology (the reason stays in casereview). It may "
                "be decided again until publication.",
    example={
        "case_review_id": "cr000000-0000-4000-8000-000000000001",
        "subject_id": "4f1c2d8e-0000-4000-8000-0000000000aa",
        "missed_opportunity_id": "0c000000-0000-4000-8000-000000000001",
        "rule": "redirect_not_acknowledged", "decision": "confirmed",
        "decided_by": "reviewer", "decided_at": "2027-02-03T10:00:00+00:00",
    },
)


class FindingRecordedV1(Schema):
    case_review_id = fields.String(required=True)
    subject_id = fields.String(required=True)
    finding_id = fields.String(required=True)
    agency = fields.String(allow_none=True, load_default=None, metadata={
        "description": "the agency the finding is about, if one"})
    missed_opportunity_id = fields.String(allow_none=True, load_default=None, metadata={
        "description": "the candidate the finding confirms, if it came from one"})
    lesson_id = fields.String(allow_none=True, load_default=None, metadata={
        "description": "the lesson recorded with the finding, if any"})
    recorded_by = fields.String(required=True)
    recorded_at = fields.AwareDateTime(required=True)


FINDING_RECORDED = contract(
    source="casereview", type="case_review.finding_recorded", version=1,
    schema=FindingRecordedV1,
    description="A reviewer recorded a finding (its text stays in casereview): from a "
                "candidate, which it confirms, or found by the reviewers themselves, "
                "optionally with its lesson.",
    example={
        "case_review_id": "cr000000-0000-4000-8000-000000000001",
        "subject_id": "4f1c2d8e-0000-4000-8000-0000000000aa",
        "finding_id": "f1000000-0000-4000-8000-000000000001", "agency": "housing",
        "missed_opportunity_id": "0c000000-0000-4000-8000-000000000001",
        "lesson_id": "1e000000-0000-4000-8000-000000000001",
        "recorded_by": "reviewer", "recorded_at": "2027-02-03T10:05:00+00:00",
    },
)


class LessonRecordedV1(Schema):
    case_review_id = fields.String(required=True)
    subject_id = fields.String(required=True)
    lesson_id = fields.String(required=True)
    agency = fields.String(required=True, metadata={"description": "whom the lesson is for"})
    finding_id = fields.String(allow_none=True, load_default=None, metadata={
        "description": "the finding the lesson answers, if one"})
    recorded_by = fields.String(required=True)
    recorded_at = fields.AwareDateTime(required=True)


LESSON_RECORDED = contract(
    source="casereview", type="case_review.lesson_recorded", version=1,
    schema=LessonRecordedV1,
    description="A reviewer recorded a lesson for an agency; its wording reaches partners "
                "when the review is published (case_review.published). A lesson recorded "
                "with its finding is named in that case_review.finding_recorded instead.",
    example={
        "case_review_id": "cr000000-0000-4000-8000-000000000001",
        "subject_id": "4f1c2d8e-0000-4000-8000-0000000000aa",
        "lesson_id": "1e000000-0000-4000-8000-000000000002", "agency": "yot",
        "finding_id": None, "recorded_by": "reviewer",
        "recorded_at": "2027-02-03T10:10:00+00:00",
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
    upcast=upcast_without_reference,
)


class CaseReviewPublishedV2(CaseReviewPublishedV1):
    reference = reference_field("WL-C-2026-000123")


CASE_REVIEW_PUBLISHED_V2 = contract(
    source="casereview", type="case_review.published", version=2,
    schema=CaseReviewPublishedV2,
    description=CASE_REVIEW_PUBLISHED.description + " It carries the review's reference.",
    example={**CASE_REVIEW_PUBLISHED.example, "reference": "WL-C-2026-000123"},
)
