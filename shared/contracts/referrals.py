"""What a referral must contain, with errors a partner can act on."""
from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from shared.vocabulary import AGENCIES, CATEGORIES, HANDLING_CODES, LAWFUL_BASES, RISK_LEVELS

PRIORITY_REVIEW_DECISIONS = ("continue", "close")
"""A panel reviewing a priority keeps it for another period or closes it."""


def _not_blank(value):
    if not value.strip():
        raise ValidationError("Must not be empty or only spaces.")


def _length(max_length):
    return validate.Length(max=max_length, error=f"Must be at most {max_length} characters.")


def _text(max_length, required=True):
    validators = [_length(max_length)]
    if required:
        validators.append(_not_blank)
    return fields.String(required=required, validate=validators)


class SubjectSchema(Schema):
    given_name = _text(100)
    family_name = _text(100)
    date_of_birth = fields.Date(required=True, allow_none=True)
    address = _text(300, required=False)

    @validates("date_of_birth")
    def _plausible_birth_date(self, value, **_):
        if value is None:
            return
        if value > date.today():
            raise ValidationError("Must not be in the future.")
        if value.year < 1900:
            raise ValidationError("Must be on or after 1900-01-01.")


class SubmitReferralSchema(Schema):
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    risk_level = fields.String(required=True, validate=validate.OneOf(RISK_LEVELS))
    ward = fields.String(required=True, validate=validate.Length(min=1, max=60))
    subject = fields.Nested(SubjectSchema, required=True)
    summary = _text(500)
    details = _text(10000, required=False)
    lawful_basis = fields.String(required=True, validate=validate.OneOf(LAWFUL_BASES))
    handling_code = fields.String(load_default="P", validate=validate.OneOf(HANDLING_CODES))
    handling_conditions = _text(1000, required=False)

    @validates_schema
    def _conditions_with_code_c(self, data, **_):
        if data.get("handling_code") == "C" and not (data.get("handling_conditions") or "").strip():
            raise ValidationError("Handling code C needs its conditions stated.",
                                  "handling_conditions")


class SubjectView(Schema):
    id = fields.String()
    given_name = fields.String()
    family_name = fields.String()
    date_of_birth = fields.Date(allow_none=True)
    address = fields.String(allow_none=True)


class HistoryView(Schema):
    status = fields.String()
    at = fields.AwareDateTime()
    by = fields.String()
    agency = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    reason_for_referrer = fields.String(allow_none=True)


class ReferralView(Schema):
    id = fields.String()
    reference = fields.String(metadata={
        "description": "what people say on the phone (WL-R-2026-000123); taken wherever "
                       "the id is"})
    status = fields.String()
    subject_id = fields.String()
    subject = fields.Nested(SubjectView)
    category = fields.String()
    risk_level = fields.String()
    ward = fields.String()
    summary = fields.String()
    details = fields.String(allow_none=True)
    lawful_basis = fields.String()
    handling_code = fields.String()
    handling_conditions = fields.String(allow_none=True)
    redirect_to_agency = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    referring_agency = fields.String()
    referred_by = fields.String()
    submitted_at = fields.AwareDateTime()
    history = fields.List(fields.Nested(HistoryView))


class SubjectRecordView(SubjectView):
    person_id = fields.String()


class PersonView(Schema):
    """A person: every subject record joined to them, and the referrals the caller may see."""
    id = fields.String()
    given_name = fields.String()
    family_name = fields.String()
    date_of_birth = fields.Date(allow_none=True)
    address = fields.String(allow_none=True)
    records = fields.List(fields.Nested(SubjectRecordView))
    referrals = fields.List(fields.Nested(lambda: ReferralView(exclude=("history",))))
    known_to_other_agencies = fields.Boolean(metadata={
        "description": "For a partner: whether other agencies hold records of this person "
                       "(never which, nor what they recorded); ask the coordinator."})


class TriageSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(
        ("accept", "redirect", "no_further_action")))
    reason = fields.String(required=True, validate=[_length(1000), _not_blank], metadata={
        "description": "The internal reason, for the police and the coordinator only."})
    reason_for_referrer = fields.String(load_default=None, validate=[_length(1000), _not_blank],
                                    metadata={
        "description": "The reason the referring team is given: required for no further "
                       "action and for a redirect. It is the only reason they see."})
    redirect_to_agency = fields.String(load_default=None, validate=validate.OneOf(AGENCIES))
    handling_conditions_acknowledged = fields.Boolean(load_default=False, metadata={
        "description": "A code C referral is redirected only once the coordinator has "
                       "acknowledged its handling conditions."})

    @validates_schema
    def _referrer_is_told_why(self, data, **_):
        if data.get("decision") in ("no_further_action", "redirect") and \
                not data.get("reason_for_referrer"):
            raise ValidationError("Write the reason the referring team will be given.",
                                  "reason_for_referrer")

    @validates_schema
    def _redirect_needs_agency(self, data, **_):
        if data.get("decision") == "redirect" and not data.get("redirect_to_agency"):
            raise ValidationError("Name the agency the referral goes to.", "redirect_to_agency")
        if data.get("decision") != "redirect" and data.get("redirect_to_agency"):
            raise ValidationError("Only a redirect names another agency.",
                                  "redirect_to_agency")


class DisclosureSchema(Schema):
    """The coordinator lets an agency owning an action on a code C referral read it."""
    agency = fields.String(required=True, validate=validate.OneOf(AGENCIES))
    handling_conditions_acknowledged = fields.Boolean(load_default=False, metadata={
        "description": "Must be true for a code C referral: the coordinator has read its "
                       "conditions and they allow this agency to read it."})


class CloseSchema(Schema):
    outcome = _text(1000)


class LinkDecisionSchema(Schema):
    reason = _text(1000, required=False)


class ReferralQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(
        ("received", "accepted", "redirected", "no_further_action", "closed")))
    ward = fields.String(validate=validate.Length(max=60))
    agency = fields.String(validate=validate.Length(max=60))
    subject_id = fields.String(validate=validate.Length(max=36))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None)


class WardPrioritySchema(Schema):
    ward = fields.String(required=True, validate=validate.Length(min=1, max=60))
    title = _text(200)
    description = _text(5000)
    review_by = fields.Date(load_default=None)


class WardPriorityReviewSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(
        PRIORITY_REVIEW_DECISIONS), metadata={
            "description": "continue: keep the priority for another period; close: the "
                           "panel is done with it (its open actions are closed too)"})
    review_by = fields.Date(load_default=None, metadata={
        "description": "continue only: the next review (default: six weeks from today)"})
    note = fields.String(load_default=None, validate=validate.Length(min=1, max=2000),
                         metadata={"description": "why; required to close"})

    @validates_schema
    def _decision_needs(self, data, **kwargs):
        if data.get("note") is not None and not data["note"].strip():
            raise ValidationError("Write the reason, or leave the note out.", "note")
        if data.get("decision") == "close" and not data.get("note"):
            raise ValidationError("Say why the priority is closed: the ward team and the "
                                  "tasking meeting read it.", "note")
        if data.get("decision") == "close" and data.get("review_by"):
            raise ValidationError("A closed priority has no next review.", "review_by")


class WardPriorityView(Schema):
    id = fields.String()
    ward = fields.String()
    title = fields.String()
    description = fields.String()
    review_by = fields.Date()
    status = fields.String()
    set_by = fields.String()
    set_by_role = fields.String()
    set_at = fields.AwareDateTime()
    reviewed_by = fields.String(allow_none=True)
    reviewed_at = fields.AwareDateTime(allow_none=True)
    review_note = fields.String(allow_none=True)


class SubjectLinkView(Schema):
    id = fields.String()
    subject_ids = fields.List(fields.String())
    subjects = fields.List(fields.Nested(SubjectView))
    score = fields.Float()
    reasons = fields.List(fields.String())
    status = fields.String()
    created_at = fields.AwareDateTime()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    reason = fields.String(allow_none=True)


def unknown_ward(known_wards):
    """For `load_or_refuse`: a ward the borough does not have, named with the fields the
    schema found, so every bad field is refused at once."""
    def errors(payload):
        ward = payload.get("ward")
        if known_wards is not None and isinstance(ward, str) and ward \
                and ward not in known_wards:
            return {"ward": [f"Unknown ward '{ward[:60]}': use a code from GET /api/wards."]}
        return {}
    return errors


def _codes(allowed, what):
    return fields.List(fields.String(validate=validate.OneOf(allowed)), required=True,
                       validate=validate.Length(min=1, error=f"Name at least one {what}."))


class SharingAgreementSchema(Schema):
    """An information sharing agreement as an admin or the coordinator records it."""
    title = _text(200)
    parties = fields.List(fields.String(validate=validate.OneOf(AGENCIES)), required=True,
                          validate=validate.Length(min=2, error="Name at least two agencies."),
                          metadata={"description": "agency codes of every party"})
    categories = _codes(CATEGORIES, "referral category")
    lawful_bases = _codes(LAWFUL_BASES, "lawful basis")
    starts_on = fields.Date(required=True)
    review_by = fields.Date(required=True, metadata={
        "description": "when the parties review it; flagged from 30 days before"})
    ends_on = fields.Date(load_default=None, metadata={
        "description": "when it stops being in force, if it does"})
    notes = fields.String(load_default=None, validate=_length(4000))

    @validates_schema
    def _dates_in_order(self, data, **_):
        if data.get("starts_on") and data.get("review_by") and \
                data["review_by"] <= data["starts_on"]:
            raise ValidationError("Must be after the start date.", "review_by")
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("Must not be before the start date.", "ends_on")

    @validates_schema
    def _parties_once(self, data, **_):
        parties = data.get("parties") or []
        if len(set(parties)) != len(parties):
            raise ValidationError("Name each agency once.", "parties")


class SharingAgreementChangesSchema(SharingAgreementSchema):
    """Any fields of an agreement, to change (PATCH); the agreement that results is
    checked again as a whole."""


class SharingAgreementQuerySchema(Schema):
    agency = fields.String(validate=validate.OneOf(AGENCIES))
    review_due = fields.Boolean(metadata={"description": "only those due for review within "
                                                         "30 days, or overdue"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None)


class SharingAgreementView(Schema):
    id = fields.String()
    title = fields.String()
    parties = fields.List(fields.String())
    categories = fields.List(fields.String())
    lawful_bases = fields.List(fields.String())
    starts_on = fields.Date()
    review_by = fields.Date()
    ends_on = fields.Date(allow_none=True)
    notes = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "not_started, in_force or ended"})
    review_due = fields.Boolean(metadata={"description": "its review is within 30 days"})
    review_overdue = fields.Boolean(metadata={"description": "its review date has passed"})
    created_by = fields.String()
    created_at = fields.AwareDateTime()
    updated_by = fields.String(allow_none=True)
    updated_at = fields.AwareDateTime(allow_none=True)


RETENTION_DECISIONS = ("retain", "dispose")


class RetentionDecisionSchema(Schema):
    """The DPO's decision on a referral that fell due: retain it, saying why and until
    when it is next reviewed, or dispose of it."""
    decision = fields.String(required=True, validate=validate.OneOf(RETENTION_DECISIONS))
    reason = _text(1000)
    retain_until = fields.Date(load_default=None, metadata={
        "description": "retain: the day the referral is next reviewed (after today)"})

    @validates_schema
    def _retained_until_a_later_day(self, data, **kwargs):
        if data.get("decision") == "retain" and not data.get("retain_until"):
            raise ValidationError("Say until when it is kept: the day of its next review.",
                                  "retain_until")
        if data.get("decision") == "dispose" and data.get("retain_until"):
            raise ValidationError("A disposed record has no next review.", "retain_until")


class PersonDisposalView(Schema):
    """What disposing of a person did: the references of the referrals disposed of."""
    subject_id = fields.String()
    disposed = fields.List(fields.String(), metadata={
        "description": "the references of the referrals disposed of (WL-R-2026-000123)"})


class RecordDueView(Schema):
    """A record the retention schedule says is due: what it is and why, never whom it is
    about (the DPO decides on the record's kind, outcome and dates)."""
    record_kind = fields.String()
    record_id = fields.String()
    reference = fields.String()
    outcome = fields.String(metadata={"description": "how it ended: no_further_action, "
                                                     "redirected, closed"})
    ended_on = fields.Date()
    due_on = fields.Date()
    action = fields.String(metadata={"description": "the schedule's: review, anonymise, "
                                                    "delete"})
    automatic = fields.Boolean()
    last_decision = fields.Dict(allow_none=True, metadata={
        "description": "the latest decision on it, if it was retained before"})
