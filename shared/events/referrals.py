"""Events the referrals service publishes. No names or addresses travel on the bus:
consumers get ids, categories and wards, and ask the owner for more when entitled."""
from marshmallow import Schema, fields, validate

from shared.events.registry import contract, upcast_without_reference
from shared.vocabulary import CATEGORIES, RISK_LEVELS


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


def upcast_submitted_v1_v2(payload):
    """v1 did not carry a code C referral's conditions: consumers show none for it."""
    return {**payload, "handling_conditions": None}


REFERRAL_SUBMITTED_V1 = contract(
    source="referrals", type="referral.submitted", version=1, schema=ReferralSubmittedV1,
    upcast=upcast_submitted_v1_v2,
    description="A partner's referral was received; triage, tasking and acknowledgement follow.",
    example={
        "referral_id": "4f1c2d8e-0000-4000-8000-000000000001",
        "subject_id": "4f1c2d8e-0000-4000-8000-0000000000aa",
        "category": "youth_at_risk", "risk_level": "high", "ward": "dalston",
        "referring_agency": "yot", "referred_by": "yot.worker",
        "submitted_at": "2026-11-24T10:00:00+00:00", "handling_code": "P",
    },
)

class ReferralSubmittedV2(ReferralSubmittedV1):
    handling_conditions = fields.String(allow_none=True, load_default=None, metadata={
        "description": "a code C referral's conditions: every notice about it shows them"})


REFERRAL_SUBMITTED_V2 = contract(
    source="referrals", type="referral.submitted", version=2, schema=ReferralSubmittedV2,
    upcast=upcast_without_reference,  # v2 came before references
    description="A partner's referral was received; triage, tasking and acknowledgement "
                "follow. A code C referral carries its handling conditions.",
    example={**REFERRAL_SUBMITTED_V1.example, "handling_conditions": None},
)


class ReferralSubmittedV3(ReferralSubmittedV2):
    reference = fields.String(allow_none=True, load_default=None, metadata={
        "description": "the referral's reference people can say (WL-R-2026-000123); none "
                       "on an event upcast from v2"})


REFERRAL_SUBMITTED = contract(
    source="referrals", type="referral.submitted", version=3, schema=ReferralSubmittedV3,
    description="A partner's referral was received; triage, tasking and acknowledgement "
                "follow. A code C referral carries its handling conditions, and every one "
                "its reference.",
    example={**REFERRAL_SUBMITTED_V2.example, "reference": "WL-R-2026-000123"},
)

TRIAGE_DECISIONS = ("accept", "redirect", "no_further_action")
REFERRAL_STATUSES = ("received", "accepted", "redirected", "no_further_action", "closed")


class ReferralTriagedV1(Schema):
    referral_id = fields.String(required=True)
    subject_id = fields.String(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(TRIAGE_DECISIONS))
    status = fields.String(required=True, validate=validate.OneOf(REFERRAL_STATUSES))
    reason = fields.String(required=True)
    redirect_to_agency = fields.String(allow_none=True, load_default=None)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    risk_level = fields.String(required=True, validate=validate.OneOf(RISK_LEVELS))
    ward = fields.String(required=True)
    referring_agency = fields.String(required=True)
    referred_by = fields.String(required=True)
    triaged_by = fields.String(required=True)
    triaged_at = fields.AwareDateTime(required=True)


def upcast_triaged_v1_v2(payload):
    """v1 had one reason, written for the police and the coordinator. It is never shown
    to the referring team, so an upcast v1 event has no reason for them."""
    return {**payload, "reason_for_referrer": None, "handling_code": None,
            "handling_conditions": None}


REFERRAL_TRIAGED_V1 = contract(
    source="referrals", type="referral.triaged", version=1, upcast=upcast_triaged_v1_v2, schema=ReferralTriagedV1,
    description="A coordinator accepted a referral, redirected it to another agency, or "
                "decided no further action.",
    example={
        "referral_id": "4f1c2d8e-0000-4000-8000-000000000001",
        "subject_id": "4f1c2d8e-0000-4000-8000-0000000000aa",
        "decision": "redirect", "status": "redirected",
        "reason": "Housing lead on tenancy enforcement", "redirect_to_agency": "housing",
        "category": "asb", "risk_level": "medium", "ward": "dalston",
        "referring_agency": "la-community-safety", "referred_by": "council.partner",
        "triaged_by": "coordinator", "triaged_at": "2026-11-24T11:00:00+00:00",
    },
)


class ReferralTriagedV2(ReferralTriagedV1):
    reason = fields.String(required=True, metadata={
        "description": "the internal reason, for the police and the coordinator only"})
    handling_code = fields.String(allow_none=True, load_default=None,
                                  validate=validate.OneOf(("P", "C")), metadata={
        "description": "the referral's handling code (none on an event upcast from v1)"})
    handling_conditions = fields.String(allow_none=True, load_default=None)
    reason_for_referrer = fields.String(allow_none=True, load_default=None, metadata={
        "description": "the reason written for the referring team (given for no further "
                       "action and for a redirect); the only reason they are shown"})


REFERRAL_TRIAGED = contract(
    source="referrals", type="referral.triaged", version=2, schema=ReferralTriagedV2,
    description="A coordinator accepted a referral, redirected it to another agency, or "
                "decided no further action, with an internal reason and one for the "
                "referring team.",
    example={**REFERRAL_TRIAGED_V1.example, "handling_code": "P", "handling_conditions": None,
             "reason_for_referrer": "Housing are best placed to act; they will contact you"},
)


class ReferralDisclosedV1(Schema):
    referral_id = fields.String(required=True)
    subject_id = fields.String(required=True)
    agency = fields.String(required=True, metadata={"description": "the recipient agency"})
    via = fields.String(required=True, validate=validate.OneOf(("redirect", "action")),
                        metadata={"description": "why it may now read the referral: it was "
                                                 "redirected to it, or it owns an action on it"})
    tasking_item_id = fields.String(allow_none=True, load_default=None)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    handling_code = fields.String(required=True, validate=validate.OneOf(("P", "C")))
    agreement_id = fields.String(required=True, metadata={
        "description": "the information sharing agreement it was disclosed under"})
    conditions_acknowledged_by = fields.String(allow_none=True, load_default=None, metadata={
        "description": "who acknowledged a code C referral's conditions for the agency"})
    disclosed_at = fields.AwareDateTime(required=True)


REFERRAL_DISCLOSED = contract(
    source="referrals", type="referral.disclosed", version=1, schema=ReferralDisclosedV1,
    description="An agency other than the referrer's may read a referral for the first "
                "time (the audit trail records it as a disclosure to that agency).",
    example={
        "referral_id": "4f1c2d8e-0000-4000-8000-000000000001",
        "subject_id": "4f1c2d8e-0000-4000-8000-0000000000aa", "agency": "yot",
        "via": "action", "tasking_item_id": "7a0c0000-0000-4000-8000-000000000001",
        "category": "youth_at_risk", "handling_code": "P",
        "agreement_id": "5a9e0000-0000-4000-8000-000000000001",
        "conditions_acknowledged_by": None, "disclosed_at": "2026-11-24T10:00:05+00:00",
    },
)


class ReferralDisclosureRefusedV1(Schema):
    referral_id = fields.String(required=True)
    agency = fields.String(required=True, metadata={"description": "the agency refused"})
    via = fields.String(required=True, validate=validate.OneOf(("action",)))
    tasking_item_id = fields.String(allow_none=True, load_default=None)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    ward = fields.String(required=True)
    referring_agency = fields.String(required=True)
    reason = fields.String(required=True, metadata={"description": "what is missing"})
    refused_at = fields.AwareDateTime(required=True)


REFERRAL_DISCLOSURE_REFUSED = contract(
    source="referrals", type="referral.disclosure_refused", version=1,
    schema=ReferralDisclosureRefusedV1,
    description="An agency was given an action on a referral, but no sharing agreement in "
                "force lets the referral reach it: it cannot read the referral, and the "
                "coordinator is told what is missing.",
    example={
        "referral_id": "4f1c2d8e-0000-4000-8000-000000000001", "agency": "health",
        "via": "action", "tasking_item_id": "7a0c0000-0000-4000-8000-000000000001",
        "category": "vulnerable_adult", "ward": "dalston",
        "referring_agency": "la-community-safety",
        "reason": "No information sharing agreement in force between la-community-safety "
                  "and health covers vulnerable_adult referrals on the lawful basis consent.",
        "refused_at": "2026-11-24T10:00:05+00:00",
    },
)


class ReferralClosedV1(Schema):
    referral_id = fields.String(required=True)
    subject_id = fields.String(required=True)
    outcome = fields.String(required=True)
    previous_status = fields.String(required=True, validate=validate.OneOf(REFERRAL_STATUSES))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    ward = fields.String(required=True)
    referring_agency = fields.String(required=True)
    referred_by = fields.String(required=True)
    closed_by = fields.String(required=True)
    closed_at = fields.AwareDateTime(required=True)


REFERRAL_CLOSED = contract(
    source="referrals", type="referral.closed", version=1, schema=ReferralClosedV1,
    description="A referral was closed with its outcome, after triage.",
    example={
        "referral_id": "4f1c2d8e-0000-4000-8000-000000000001",
        "subject_id": "4f1c2d8e-0000-4000-8000-0000000000aa",
        "outcome": "Early-intervention panel held; family engaged with support",
        "previous_status": "accepted", "category": "youth_at_risk", "ward": "dalston",
        "referring_agency": "yot", "referred_by": "yot.partner", "closed_by": "coordinator",
        "closed_at": "2026-12-10T09:00:00+00:00",
    },
)


class SubjectLinkedV1(Schema):
    link_id = fields.String(required=True)
    subject_id = fields.String(required=True, metadata={"description": "the subject kept"})
    linked_subject_id = fields.String(required=True,
                                      metadata={"description": "the subject joined to it"})
    action = fields.String(required=True, validate=validate.OneOf(("linked", "unlinked")))
    method = fields.String(required=True,
                           validate=validate.OneOf(("automatic", "confirmed", "manual")))
    score = fields.Float(allow_none=True, load_default=None)
    decided_by = fields.String(required=True)


SUBJECT_LINKED = contract(
    source="referrals", type="subject.linked", version=1, schema=SubjectLinkedV1,
    description="Two subject records were found to be one person (or a link was undone): "
                "whatever is held about `linked_subject_id` belongs with `subject_id`.",
    example={
        "link_id": "5a000000-0000-4000-8000-000000000001",
        "subject_id": "4f1c2d8e-0000-4000-8000-0000000000aa",
        "linked_subject_id": "4f1c2d8e-0000-4000-8000-0000000000bb",
        "action": "linked", "method": "confirmed", "score": 0.93, "decided_by": "coordinator",
    },
)


class WardPrioritySetV1(Schema):
    ward_priority_id = fields.String(required=True)
    ward = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    review_by = fields.Date(required=True)
    status = fields.String(required=True,
                           validate=validate.OneOf(("active", "due_for_review", "closed")))
    set_by = fields.String(required=True)
    set_by_role = fields.String(required=True)


WARD_PRIORITY_SET = contract(
    source="referrals", type="ward_priority.set", version=1, schema=WardPrioritySetV1,
    description="A ward panel or the ward's sergeant set (or revised) a ward priority.",
    example={
        "ward_priority_id": "6b000000-0000-4000-8000-000000000001", "ward": "dalston",
        "title": "Drug dealing around the estate garages",
        "description": "Residents report dealing most evenings after 8pm.",
        "review_by": "2027-01-05", "status": "active", "set_by": "panel.dalston",
        "set_by_role": "panel",
    },
)


class ReferralAcknowledgedV1(Schema):
    referral_id = fields.String(required=True)
    subject_id = fields.String(required=True)
    agency = fields.String(required=True, metadata={"description": "the receiving agency"})
    acknowledged_by = fields.String(required=True)
    acknowledged_at = fields.AwareDateTime(required=True)


REFERRAL_ACKNOWLEDGED = contract(
    source="referrals", type="referral.acknowledged", version=1,
    schema=ReferralAcknowledgedV1,
    description="The agency a referral was redirected to has taken it up.",
    example={
        "referral_id": "4f1c2d8e-0000-4000-8000-000000000001",
        "subject_id": "4f1c2d8e-0000-4000-8000-0000000000aa", "agency": "housing",
        "acknowledged_by": "housing.officer", "acknowledged_at": "2026-11-25T09:30:00+00:00",
    },
)


class RetentionDecidedV1(Schema):
    referral_id = fields.String(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(("retain", "dispose")))
    retain_until = fields.Date(allow_none=True, load_default=None)
    decided_by = fields.String(required=True)
    decided_at = fields.AwareDateTime(required=True)


REFERRAL_RETENTION_DECIDED = contract(
    source="referrals", type="referral.retention_decided", version=1,
    schema=RetentionDecidedV1,
    description="The data protection officer decided on a referral that fell due under the "
                "retention schedule: retained until a new date, or to be disposed of. Carries "
                "no reason (it may name people) and no person's details.",
    example={"referral_id": "4f1c2d8e-0000-4000-8000-000000000001", "decision": "retain",
             "retain_until": "2028-12-07", "decided_by": "dpo",
             "decided_at": "2026-12-07T23:45:00+00:00"},
)


DISPOSAL_GROUNDS = ("decision", "automatic", "person")


class ReferralDisposedV1(Schema):
    referral_id = fields.String(required=True)
    reference = fields.String(required=True, metadata={
        "description": "the referral's reference (WL-R-2026-000123): what the tombstone "
                       "keeps, so a later question about it can be answered 'disposed'"})
    subject_id = fields.String(required=True)
    subject_disposed = fields.Boolean(required=True, metadata={
        "description": "the subject's details went with it (no other referral holds them): "
                       "copies about the person, not only the referral, go too"})
    tasking_item_ids = fields.List(fields.String(), required=True, metadata={
        "description": "the actions raised on it, as referrals knew them, so services that "
                       "only know an action can find their copies"})
    grounds = fields.String(required=True, validate=validate.OneOf(DISPOSAL_GROUNDS), metadata={
        "description": "the DPO's decision on the referral, the schedule's automatic delete, "
                       "or the DPO disposing of the person"})
    schedule_entry = fields.String(required=True, metadata={
        "description": "the retention schedule's entry it fell due under (referral/closed)"})
    decided_by = fields.String(required=True)
    disposed_at = fields.AwareDateTime(required=True)


REFERRAL_DISPOSED = contract(
    source="referrals", type="referral.disposed", version=1, schema=ReferralDisposedV1,
    description="A referral was disposed of under the retention schedule: referrals deleted "
                "it (and its subject's details when no other referral holds them); every "
                "service now deletes or anonymises its own copies. Ids and references only.",
    example={"referral_id": "4f1c2d8e-0000-4000-8000-000000000001",
             "reference": "WL-R-2026-000123",
             "subject_id": "4f1c2d8e-0000-4000-8000-0000000000aa", "subject_disposed": True,
             "tasking_item_ids": ["4f1c2d8e-0000-4000-8000-0000000000bb"],
             "grounds": "decision", "schedule_entry": "referral/no_further_action",
             "decided_by": "dpo", "disposed_at": "2026-12-08T00:30:00+00:00"},
)
