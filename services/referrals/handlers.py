"""Referral use cases: one story each, told inside one unit of work."""
import uuid

import structlog
from marshmallow import ValidationError

from services.referrals import repository
from services.referrals.domain import may_read_referral, may_submit_referral
from services.referrals.schemas import SubmitReferralSchema
from shared.db import utcnow
from shared.errors import Forbidden, InvalidContent, NotFound, fields_from_marshmallow

log = structlog.get_logger(__name__)


def submit_referral(payload, actor, uow):
    """Store a partner's referral and announce it; nothing is stored if any field is wrong."""
    if not may_submit_referral(actor):
        raise Forbidden("Your role may not submit referrals.")
    with uow:
        cmd = _validated(payload, repository.ward_codes(uow.session))
        subject_id = repository.find_or_add_subject(uow.session, cmd["subject"])
        referral = {
            "id": str(uuid.uuid4()), "subject_id": subject_id, "status": "received",
            "category": cmd["category"], "risk_level": cmd["risk_level"], "ward": cmd["ward"],
            "summary": cmd["summary"], "details": cmd.get("details"),
            "lawful_basis": cmd["lawful_basis"], "handling_code": cmd["handling_code"],
            "handling_conditions": cmd.get("handling_conditions"),
            "referring_agency": actor["agency"], "referred_by": actor["username"],
            "submitted_at": utcnow(),
        }
        repository.add_referral(uow.session, referral)
        uow.publish("referral.submitted", 1, {
            "referral_id": referral["id"], "subject_id": subject_id,
            "category": referral["category"], "risk_level": referral["risk_level"],
            "ward": referral["ward"], "referring_agency": referral["referring_agency"],
            "referred_by": referral["referred_by"], "submitted_at": referral["submitted_at"],
            "handling_code": referral["handling_code"],
        }, actor)
    log.info("referral.submitted", referral_id=referral["id"], category=referral["category"],
             risk_level=referral["risk_level"], ward=referral["ward"])
    return referral["id"]


def get_referral(referral_id, actor, uow):
    """A referral with its subject and history, for someone entitled to see it."""
    with uow:
        referral = repository.get_referral(uow.session, referral_id)
    # Another agency's referral reads as absent, so ids cannot be probed.
    if referral is None or not may_read_referral(actor, referral["referring_agency"]):
        raise NotFound("No referral with that id that you may see.", {"id": [referral_id]})
    return referral


def _validated(payload, known_wards):
    """Every bad field at once: the schema's findings plus an unknown ward."""
    errors = {}
    try:
        cmd = SubmitReferralSchema().load(payload if isinstance(payload, dict) else {})
    except ValidationError as exc:
        errors = fields_from_marshmallow(exc.messages)
        cmd = None
    ward = payload.get("ward") if isinstance(payload, dict) else None
    if isinstance(ward, str) and ward and ward not in known_wards:
        errors["ward"] = [f"Unknown ward '{ward[:60]}': use a code from GET /api/wards."]
    if errors:
        raise InvalidContent("The referral has invalid fields; nothing was stored.", errors)
    return cmd
