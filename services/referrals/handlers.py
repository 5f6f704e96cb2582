"""Referral use cases: one story each, told inside one unit of work."""
import uuid

import structlog

from services.referrals import agreements, linking, priorities, repository
from services.referrals.domain import (check_closable, check_conditions_acknowledged,
                                       may_submit_referral, missing_agreement,
                                       referral_audience, referral_scope, status_after_triage)
from shared.contracts.referrals import (CloseSchema, DisclosureSchema, LinkDecisionSchema,
                                        ReferralQuerySchema,
                                        SubmitReferralSchema, TriageSchema,
                                        unknown_ward)
from shared.db import utcnow
from shared.errors import Conflict, Forbidden, InvalidContent, NotFound, load_or_refuse
from shared.need_to_know import shape
from shared.paging import decode_cursor, page
from shared.references import next_reference

log = structlog.get_logger(__name__)

EVENT_FIELDS = ("category", "risk_level", "ward", "referring_agency", "referred_by")
HANDLING = ("handling_code", "handling_conditions")  # a code C referral's conditions travel


def submit_referral(payload, actor, uow):
    """Store a partner's referral and announce it; nothing is stored if any field is wrong.
    The person is found (or added) and compared with others who may be the same person.
    Returns the stored referral (with its subject and history)."""
    if not may_submit_referral(actor):
        raise Forbidden("Your role may not submit referrals.")
    with uow:
        cmd = load_or_refuse(SubmitReferralSchema, payload, more_errors=unknown_ward(
            repository.known_wards(uow.session, payload)))
        subject_id = repository.find_subject_by_key(uow.session, cmd["subject"],
                                                    actor["agency"])
        if subject_id is None:
            subject_id = repository.add_subject(uow.session, cmd["subject"], actor["agency"])
            linking.match_new_subject(uow, subject_id, cmd["subject"])
        submitted_at = utcnow()
        referral = {
            "id": str(uuid.uuid4()), "subject_id": subject_id, "status": "received",
            "reference": next_reference(uow.session, "referral", submitted_at),
            "category": cmd["category"], "risk_level": cmd["risk_level"], "ward": cmd["ward"],
            "summary": cmd["summary"], "details": cmd.get("details"),
            "lawful_basis": cmd["lawful_basis"], "handling_code": cmd["handling_code"],
            "handling_conditions": cmd.get("handling_conditions"),
            "referring_agency": actor["agency"], "referred_by": actor["username"],
            "submitted_at": submitted_at,
        }
        stored = repository.add_referral(uow.session, referral)
        uow.publish("referral.submitted", 3, {
            **{key: referral[key] for key in EVENT_FIELDS}, "referral_id": referral["id"],
            "subject_id": subject_id, "submitted_at": referral["submitted_at"],
            "reference": referral["reference"],
            **{key: referral[key] for key in HANDLING}}, actor)
        # The caller is answered with the stored row (INSERT ... RETURNING) and its
        # subject, in this transaction: no second read of what was just written.
        stored["subject"] = repository.get_subject(uow.session, subject_id)
    log.info("referral.submitted", referral_id=referral["id"], category=referral["category"],
             risk_level=referral["risk_level"], ward=referral["ward"])
    return _shaped(stored, referral["id"], actor)


def resolve_reference(reference, uow):
    """The id of the referral a person named by its reference (WL-R-2026-000123), so that
    a reference is taken wherever an id is. Who may read the referral is still decided by
    the call that follows, with the id: this says no more than that the number was given."""
    with uow:
        referral_id = repository.referral_id_by_reference(uow.session, reference)
    if referral_id is None:
        raise NotFound(f"There is no referral {reference}.", {"reference": [reference]})
    return referral_id


def get_referral(referral_id, actor, uow):
    """A referral with its subject and history, as the caller's audience may read it."""
    with uow:
        referral = repository.get_referral(uow.session, referral_id)
        disclosed = repository.disclosed_agencies(uow.session, referral_id) \
            if referral else set()
    return _shaped(referral, referral_id, actor, disclosed)


def list_referrals(query, actor, uow):
    """The referrals the caller may see, newest first, filtered and paged."""
    params = load_or_refuse(ReferralQuerySchema, query)
    filters = {column: params[name] for name, column in (
        ("status", "status"), ("ward", "ward"), ("agency", "referring_agency"),
        ("subject_id", "subject_id")) if params.get(name)}
    after = decode_cursor(params["cursor"], 2, ("time", "text"))
    with uow:
        rows = repository.list_referrals(uow.session, referral_scope(actor), filters,
                                         params["limit"] + 1, after)
    result = page(rows, params["limit"], lambda r: (r["submitted_at"].isoformat(), r["id"]))
    # The scope admitted only referrals the caller may read: a partner's that are not their
    # agency's own were disclosed to it.
    disclosed = {actor.get("agency")}
    return {**result, "items": [shape("referral", referral_audience(actor, r, disclosed), r)
                                for r in result["items"]]}


def triage_referral(referral_id, payload, actor, uow):
    """Accept, redirect or close with no further action: once, with who, when and why."""
    cmd = load_or_refuse(TriageSchema, payload)
    with uow:
        referral = _visible(repository.get_referral(uow.session, referral_id, for_update=True),
                            referral_id, actor)
        agency = cmd.get("redirect_to_agency")
        if agency == referral["referring_agency"]:
            raise InvalidContent("A referral is redirected to another agency.", {
                "redirect_to_agency": ["Must differ from the referring agency."]})
        status = status_after_triage(referral["status"], cmd["decision"])
        if agency:
            check_conditions_acknowledged(referral, cmd["handling_conditions_acknowledged"])
            agreement = agreements.agreement_for(uow.session, referral, agency)
            if agreement is None:
                message = missing_agreement(referral, agency)
                raise Conflict(message, {"redirect_to_agency": [message]})
        now = utcnow()
        repository.update_referral(uow.session, referral_id, status=status,
                                   redirect_to_agency=agency)
        repository.add_history(uow.session, referral_id, status, now, actor["username"],
                               actor.get("agency"), cmd["reason"], cmd["reason_for_referrer"])
        uow.publish("referral.triaged", 2, {
            **{key: referral[key] for key in EVENT_FIELDS}, "referral_id": referral_id,
            "subject_id": referral["subject_id"], "decision": cmd["decision"],
            "status": status, "reason": cmd["reason"],
            "reason_for_referrer": cmd["reason_for_referrer"], "redirect_to_agency": agency,
            **{key: referral[key] for key in HANDLING},
            "triaged_by": actor["username"], "triaged_at": now}, actor)
        if agency:
            disclose(uow, referral, agency, "redirect", None, now, actor, agreement,
                     acknowledged_by=actor["username"] if referral["handling_code"] == "C"
                     else None)
    log.info("referral.triaged", referral_id=referral_id, decision=cmd["decision"])
    return get_referral(referral_id, actor, uow)


def close_referral(referral_id, payload, actor, uow):
    """Close a triaged referral with its outcome, which the referring team will be told."""
    cmd = load_or_refuse(CloseSchema, payload)
    with uow:
        referral = _visible(repository.get_referral(uow.session, referral_id, for_update=True),
                            referral_id, actor)
        check_closable(referral["status"])
        now = utcnow()
        repository.update_referral(uow.session, referral_id, status="closed",
                                   outcome=cmd["outcome"])
        # The outcome is written for the referring team: both audiences read it.
        repository.add_history(uow.session, referral_id, "closed", now, actor["username"],
                               actor.get("agency"), cmd["outcome"], cmd["outcome"])
        uow.publish("referral.closed", 1, {
            **{key: referral[key] for key in ("category", "ward", "referring_agency",
                                              "referred_by")},
            "referral_id": referral_id, "subject_id": referral["subject_id"],
            "outcome": cmd["outcome"], "previous_status": referral["status"],
            "closed_by": actor["username"], "closed_at": now}, actor)
    log.info("referral.closed", referral_id=referral_id)
    return get_referral(referral_id, actor, uow)


def acknowledge_referral(referral_id, actor, uow):
    """The agency a referral was redirected to says it has taken it up: once, by one of
    its own people. Until then the redirect is a point where a person could fall between
    agencies (a missed-opportunity rule watches for it)."""
    with uow:
        referral = _visible(repository.get_referral(uow.session, referral_id, for_update=True),
                            referral_id, actor)
        if referral["status"] != "redirected" or \
                actor.get("agency") != referral["redirect_to_agency"]:
            raise Forbidden("Only the agency a referral was redirected to acknowledges it.")
        if any(step["status"] == "acknowledged" for step in referral["history"]):
            raise Conflict("Your agency has already acknowledged this referral.",
                           {"status": ["acknowledged"]})
        now = utcnow()
        repository.add_history(uow.session, referral_id, "acknowledged", now,
                               actor["username"], actor.get("agency"), None)
        uow.publish("referral.acknowledged", 1, {
            "referral_id": referral_id, "subject_id": referral["subject_id"],
            "agency": actor["agency"], "acknowledged_by": actor["username"],
            "acknowledged_at": now}, actor)
    log.info("referral.acknowledged", referral_id=referral_id)
    return get_referral(referral_id, actor, uow)


def record_action(event, uow):
    """Tasking raised or moved an action: if it is on a referral, its owning agency may now
    read that referral (need to know: "the agency that owns an action reads its referral"),
    under a sharing agreement in force, and, for a code C referral, once the coordinator
    has acknowledged its conditions for that agency (`disclose_referral`)."""
    payload = event.payload
    with uow:
        if not uow.first_time(event):
            log.info("event.already_applied")
            return
        item_id = payload["tasking_item_id"]
        if payload.get("source_type") == "referral":
            referral_id = payload["source_id"]
        elif payload.get("source_type") is None and event.type == "tasking_item.assigned":
            # An assignment upcast from v1 names no source: its raising, if seen, did.
            referral_id = repository.referral_of_action(uow.session, item_id)
        else:
            referral_id = None
        if referral_id is None:
            return  # not an action on a referral
        referral = repository.get_referral(uow.session, referral_id, for_update=True)
        if referral is None:
            log.warning("referral.action_for_unknown_referral", tasking_item_id=item_id)
            return
        agency = payload["owner_agency"]
        repository.record_action(uow.session, item_id, referral_id, agency)
        if agency == referral["referring_agency"] or \
                agency in repository.disclosed_agencies(uow.session, referral_id):
            return
        agreement = agreements.agreement_for(uow.session, referral, agency)
        if agreement is None:
            _refuse_disclosure(uow, referral, agency, item_id, event.actor,
                               missing_agreement(referral, agency))
        elif referral["handling_code"] == "C":
            _refuse_disclosure(uow, referral, agency, item_id, event.actor,
                               CONDITIONS_FIRST.format(agency=agency))
        else:
            disclose(uow, referral, agency, "action", item_id, utcnow(), event.actor,
                     agreement)


CONDITIONS_FIRST = ("The referral has handling code C: the coordinator acknowledges its "
                    "conditions for {agency} before {agency} may read it.")


def disclose_referral(referral_id, payload, actor, uow):
    """The coordinator lets an agency that owns an action on a code C referral read it,
    acknowledging the referral's conditions for that agency (recorded with the
    disclosure). Refused without an agreement in force, or without the acknowledgement."""
    cmd = load_or_refuse(DisclosureSchema, payload)
    if actor["role"] != "coordinator":
        raise Forbidden("Only the coordinator discloses a referral to another agency.")
    with uow:
        referral = _visible(repository.get_referral(uow.session, referral_id, for_update=True),
                            referral_id, actor)
        agency = cmd["agency"]
        owners = repository.action_owners(uow.session, referral_id)
        if agency not in owners:
            named = ", ".join(sorted(owners)) or "none"
            raise Conflict(f"{agency} owns no action on this referral: give it one first, or "
                           "redirect the referral.", {"agency": [f"Owners now: {named}."]})
        check_conditions_acknowledged(referral, cmd["handling_conditions_acknowledged"])
        agreement = agreements.agreement_for(uow.session, referral, agency)
        if agreement is None:
            message = missing_agreement(referral, agency)
            raise Conflict(message, {"agency": [message]})
        if agency in repository.disclosed_agencies(uow.session, referral_id):
            raise Conflict(f"{agency} may already read this referral.", {"agency": [agency]})
        disclose(uow, referral, agency, "action", None, utcnow(), actor, agreement,
                 acknowledged_by=actor["username"])
    return get_referral(referral_id, actor, uow)


def disclose(uow, referral, agency, via, tasking_item_id, at, actor, agreement,
             acknowledged_by=None):
    """The first time an agency other than the referrer's may read a referral, under an
    agreement in force: recorded (with who acknowledged a code C referral's conditions),
    and announced, so the audit trail shows the disclosure with its recipient."""
    if repository.add_disclosure(uow.session, referral["id"], agency, via, tasking_item_id,
                                 at, acknowledged_by):
        uow.publish("referral.disclosed", 1, {
            "referral_id": referral["id"], "subject_id": referral["subject_id"],
            "agency": agency, "via": via, "tasking_item_id": tasking_item_id,
            "category": referral["category"], "handling_code": referral["handling_code"],
            "agreement_id": agreement["id"], "conditions_acknowledged_by": acknowledged_by,
            "disclosed_at": at}, actor)
        log.info("referral.disclosed", referral_id=referral["id"], agency=agency, via=via)


def _refuse_disclosure(uow, referral, agency, tasking_item_id, actor, reason):
    """The agency owns the action but may not read the referral yet: the coordinator is
    told what is missing, and nothing is disclosed."""
    uow.publish("referral.disclosure_refused", 1, {
        "referral_id": referral["id"], "agency": agency, "via": "action",
        "tasking_item_id": tasking_item_id, "category": referral["category"],
        "ward": referral["ward"], "referring_agency": referral["referring_agency"],
        "reason": reason, "refused_at": utcnow()}, actor)
    log.warning("referral.disclosure_refused", referral_id=referral["id"], agency=agency)


def _visible(referral, referral_id, actor, disclosed=()):
    """The referral, if the caller may read it; another agency's referral reads as
    absent, so ids cannot be probed."""
    if referral is None or referral_audience(actor, referral, disclosed) is None:
        raise NotFound("No referral with that id that you may see.", {"id": [referral_id]})
    return referral


def _shaped(referral, referral_id, actor, disclosed=()):
    _visible(referral, referral_id, actor, disclosed)
    return shape("referral", referral_audience(actor, referral, disclosed), referral)


# --- people, links, ward priorities and the ward register ------------------------------

def get_person(subject_id, actor, uow):
    with uow:
        return linking.person_view(uow.session, subject_id, actor)


def list_subject_links(status, limit, cursor, actor, uow, dump):
    linking.check_may_link(actor)
    with uow:
        return linking.list_links_page(uow.session, status, limit, cursor, dump)


def decide_subject_link(link_id, decision, reason, actor, uow):
    linking.check_may_link(actor)
    reason = load_or_refuse(LinkDecisionSchema, {"reason": reason} if reason else {}
                            ).get("reason")
    with uow:
        return linking.decide(uow, link_id, decision, reason, actor)


def get_ward_priority(priority_id, uow):
    with uow:
        return priorities.get_ward_priority(uow.session, priority_id)


def list_ward_priorities(ward, status, limit, cursor, uow):
    with uow:
        return priorities.list_ward_priorities(uow.session, ward, status, limit, cursor)


def list_wards(uow):
    with uow:
        return repository.list_wards(uow.session)
