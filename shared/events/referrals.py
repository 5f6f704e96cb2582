"""Events the referrals service publishes. No names or addresses travel on the bus:
consumers get ids, categories and wards, and ask the owner for more when entitled."""
from marshmallow import Schema, fields, validate

from shared.events.registry import contract

CATEGORIES = ("youth_at_risk", "asb", "vulnerable_adult", "offender_management",
              "domestic_abuse", "exploitation", "other")
RISK_LEVELS = ("standard", "medium", "high")


class ReferralSubmittedV1(Schema):
    referral_id = fields.String(required=True)
    subject_id = fields.String(required=True)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    risk_level = fields.String(required=True, validate=validate.OneOf(RISK_LEVELS))
    ward = fields.String(required=True)
    referring_agency = fields.String(required=True)
    referred_by = fields.String(required=True)
    submitted_at = fields.AwareDateTime(required=True)
    handling_code = fields.String(required=True, validate=validate.OneOf(("P", "C")))


REFERRAL_SUBMITTED = contract(
    source="referrals", type="referral.submitted", version=1, schema=ReferralSubmittedV1,
    description="A partner's referral was received; triage, tasking and acknowledgement follow.",
    example={
        "referral_id": "4f1c2d8e-0000-4000-8000-000000000001",
        "subject_id": "4f1c2d8e-0000-4000-8000-0000000000aa",
        "category": "youth_at_risk", "risk_level": "high", "ward": "dalston",
        "referring_agency": "yot", "referred_by": "yot.worker",
        "submitted_at": "2026-11-24T10:00:00+00:00", "handling_code": "P",
    },
)
