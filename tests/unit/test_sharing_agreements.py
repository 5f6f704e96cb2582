"""The register of information sharing agreements, and the rule that a referral reaches
another agency only under one in force, through the referrals service's entrypoints on an
in-memory unit of work (no broker)."""
import uuid
from datetime import date, timedelta

import pytest
from nameko.testing.services import worker_factory

from services.referrals import repository
from services.referrals.domain import agreement_flags
from services.referrals.orm import metadata
from services.referrals.service import ReferralsService
from shared.errors import Conflict, Forbidden, InvalidContent, NotFound
from shared.events.envelope import Event
from shared.testing.factories import referral_payload, sharing_agreement_payload
from shared.testing.memory import InMemoryDatabase

COUNCIL = {"username": "council.partner", "role": "partner", "agency": "la-community-safety",
           "wards": []}
HEALTH = {"username": "health.partner", "role": "partner", "agency": "health", "wards": []}
YOT = {"username": "yot.partner", "role": "partner", "agency": "yot", "wards": []}
COORDINATOR = {"username": "coordinator", "role": "coordinator", "agency": "police",
               "wards": []}
ADMIN = {"username": "admin", "role": "admin", "agency": None, "wards": []}
COUNCIL_AND_HOUSING = sharing_agreement_payload(
    title="ASB and housing", parties=["la-community-safety", "housing"], categories=["asb"],
    lawful_bases=["crime_and_disorder_act_s115"])


@pytest.fixture
def db():
    db = InMemoryDatabase(metadata)
    with db.unit_of_work() as uow:
        repository.load_ward_register(uow.session, [{"code": "dalston", "name": "Dalston"}])
    return db


@pytest.fixture
def service(db):
    return worker_factory(ReferralsService, uow=db.unit_of_work())


def asb_referral(service):
    return service.submit_referral(referral_payload(
        ward="dalston", category="asb", lawful_basis="crime_and_disorder_act_s115"), COUNCIL)


def redirect(service, referral, agency):
    return service.triage_referral(referral["id"], {
        "decision": "redirect", "reason": "Lead agency", "redirect_to_agency": agency,
        "reason_for_referrer": "Passed to the lead agency"}, COORDINATOR)


def test_an_agreement_is_checked_field_by_field_and_every_bad_field_is_named(service):
    with pytest.raises(InvalidContent) as refused:
        service.record_sharing_agreement({
            "title": " ", "parties": ["housing"], "categories": ["burglary"],
            "lawful_bases": [], "starts_on": "2026-05-01", "review_by": "2026-04-01"}, ADMIN)
    assert {"title", "parties", "categories.0", "lawful_bases"} <= set(refused.value.fields)
    with pytest.raises(InvalidContent) as refused:
        service.record_sharing_agreement(sharing_agreement_payload(
            starts_on="2026-05-01", review_by="2026-04-01"), ADMIN)
    assert "review_by" in refused.value.fields


def test_only_an_admin_or_the_coordinator_keeps_the_register(service):
    with pytest.raises(Forbidden):
        service.record_sharing_agreement(sharing_agreement_payload(), COUNCIL)
    recorded = service.record_sharing_agreement(sharing_agreement_payload(), COORDINATOR)
    assert recorded["status"] == "in_force" and recorded["created_by"] == "coordinator"


def test_a_redirect_outside_any_agreement_is_refused_naming_what_is_missing(service, db):
    service.record_sharing_agreement(COUNCIL_AND_HOUSING, ADMIN)
    referral = asb_referral(service)
    with pytest.raises(Conflict) as refused:
        redirect(service, referral, "health")
    message = refused.value.fields["redirect_to_agency"][0]
    assert "la-community-safety and health" in message and "asb" in message
    # Nothing half-done: still received, not shared with health, nothing announced.
    assert service.get_referral(referral["id"], COORDINATOR)["status"] == "received"
    with pytest.raises(NotFound):
        service.get_referral(referral["id"], HEALTH)
    assert db.event_types == ["referral.submitted"]
    assert redirect(service, referral, "housing")["status"] == "redirected"


def test_an_agreement_that_has_ended_or_not_started_covers_nothing(service):
    today = date.today()
    service.record_sharing_agreement({**COUNCIL_AND_HOUSING,
                                      "starts_on": (today - timedelta(days=400)).isoformat(),
                                      "review_by": (today - timedelta(days=40)).isoformat(),
                                      "ends_on": (today - timedelta(days=1)).isoformat()},
                                     ADMIN)
    service.record_sharing_agreement({**COUNCIL_AND_HOUSING, "title": "Next year's",
                                      "starts_on": (today + timedelta(days=10)).isoformat(),
                                      "review_by": (today + timedelta(days=375)).isoformat()},
                                     ADMIN)
    with pytest.raises(Conflict):
        redirect(service, asb_referral(service), "housing")


def test_agreements_coming_up_for_review_within_30_days_are_flagged():
    today = date(2026, 12, 2)
    agreement = {"starts_on": date(2026, 1, 1), "ends_on": None}
    assert agreement_flags({**agreement, "review_by": date(2026, 12, 31)}, today) == {
        "status": "in_force", "review_due": True, "review_overdue": False}
    assert agreement_flags({**agreement, "review_by": date(2027, 1, 2)}, today)[
        "review_due"] is False
    assert agreement_flags({**agreement, "review_by": date(2026, 12, 1)}, today) == {
        "status": "in_force", "review_due": False, "review_overdue": True}


def test_a_partner_reads_only_the_agreements_its_agency_is_a_party_to(service):
    mine = service.record_sharing_agreement(COUNCIL_AND_HOUSING, ADMIN)
    other = service.record_sharing_agreement(sharing_agreement_payload(
        title="YOT and health", parties=["yot", "health"]), ADMIN)
    listed = service.list_sharing_agreements({}, COUNCIL)["items"]
    assert [a["id"] for a in listed] == [mine["id"]]
    with pytest.raises(NotFound):
        service.get_sharing_agreement(other["id"], COUNCIL)
    assert len(service.list_sharing_agreements({}, COORDINATOR)["items"]) == 2


def test_a_revision_is_checked_as_a_whole(service):
    agreement = service.record_sharing_agreement(COUNCIL_AND_HOUSING, ADMIN)
    with pytest.raises(InvalidContent) as refused:
        service.revise_sharing_agreement(agreement["id"], {"review_by": "2025-01-01"}, ADMIN)
    assert "review_by" in refused.value.fields
    revised = service.revise_sharing_agreement(agreement["id"], {"review_by": "2028-03-31"},
                                               COORDINATOR)
    assert revised["review_by"] == "2028-03-31" and revised["updated_by"] == "coordinator"


def action_event(type_, referral_id, owner_agency, item_id):
    payload = {"tasking_item_id": item_id, "ward": "dalston", "owner_agency": owner_agency,
               "due_by": "2026-12-09T10:00:00+00:00"}
    if type_ == "tasking_item.raised":
        payload |= {"title": "Act on it", "source_type": "referral", "source_id": referral_id}
    else:
        payload |= {"assigned_by": "coordinator"}
    return Event(type_, 1, payload)


def test_an_action_owned_under_an_agreement_opens_the_referral_to_its_agency(service, db):
    service.record_sharing_agreement(COUNCIL_AND_HOUSING, ADMIN)
    referral = asb_referral(service)
    item_id = str(uuid.uuid4())
    service.record_action_raised(action_event("tasking_item.raised", referral["id"],
                                              "la-community-safety", item_id))
    housing = {"username": "h", "role": "partner", "agency": "housing", "wards": []}
    with pytest.raises(NotFound):
        service.get_referral(referral["id"], housing)
    service.record_action_assigned(action_event("tasking_item.assigned", referral["id"],
                                                "housing", item_id))
    seen = service.get_referral(referral["id"], housing)
    assert seen["summary"] == referral["summary"] and "history" not in seen
    assert db.event_types[-1] == "referral.disclosed"
    # A second assignment to the same agency discloses nothing new.
    service.record_action_assigned(action_event("tasking_item.assigned", referral["id"],
                                                "housing", item_id))
    assert db.event_types.count("referral.disclosed") == 1


def test_an_action_owned_outside_any_agreement_leaves_the_referral_closed_and_says_why(
        service, db):
    service.record_sharing_agreement(COUNCIL_AND_HOUSING, ADMIN)
    referral = asb_referral(service)
    service.record_action_raised(action_event("tasking_item.raised", referral["id"], "health",
                                              str(uuid.uuid4())))
    with pytest.raises(NotFound):
        service.get_referral(referral["id"], HEALTH)
    assert db.event_types[-1] == "referral.disclosure_refused"
    [refusal] = [row for row in db.rows("outbox")
                 if row["message"]["type"] == "referral.disclosure_refused"]
    assert "la-community-safety and health" in refusal["message"]["payload"]["reason"]


def test_a_code_c_referral_reaches_an_action_owner_only_once_the_coordinator_acknowledges(
        service, db):
    service.record_sharing_agreement(COUNCIL_AND_HOUSING, ADMIN)
    referral = service.submit_referral(referral_payload(
        ward="dalston", category="asb", lawful_basis="crime_and_disorder_act_s115",
        handling_code="C", handling_conditions="Not to be shared with the family"), COUNCIL)
    service.record_action_raised(action_event("tasking_item.raised", referral["id"],
                                              "housing", str(uuid.uuid4())))
    housing = {"username": "h", "role": "partner", "agency": "housing", "wards": []}
    with pytest.raises(NotFound):
        service.get_referral(referral["id"], housing)
    assert db.event_types[-1] == "referral.disclosure_refused"
    with pytest.raises(Conflict) as refused:
        service.disclose_referral(referral["id"], {"agency": "housing"}, COORDINATOR)
    assert "handling_conditions_acknowledged" in refused.value.fields
    with pytest.raises(Conflict):  # an agency with no action on it
        service.disclose_referral(referral["id"], {"agency": "health",
                                                   "handling_conditions_acknowledged": True},
                                  COORDINATOR)
    service.disclose_referral(referral["id"], {"agency": "housing",
                                               "handling_conditions_acknowledged": True},
                              COORDINATOR)
    seen = service.get_referral(referral["id"], housing)
    assert seen["handling_conditions"] == "Not to be shared with the family"
    [row] = db.rows("referral_disclosures")
    assert row["conditions_acknowledged_by"] == "coordinator"


def test_an_assignment_that_arrives_before_its_raising_still_opens_the_referral(service, db):
    """Each event type has its own queue: tasking_item.assigned (v2) names the referral
    itself, so the new owner is not left out when the raising is late."""
    service.record_sharing_agreement(COUNCIL_AND_HOUSING, ADMIN)
    referral = asb_referral(service)
    assigned = action_event("tasking_item.assigned", referral["id"], "housing",
                            str(uuid.uuid4()))
    assigned = Event(assigned.type, 2, {**assigned.payload, "source_type": "referral",
                                        "source_id": referral["id"]})
    service.record_action_assigned(assigned)
    housing = {"username": "h", "role": "partner", "agency": "housing", "wards": []}
    assert service.get_referral(referral["id"], housing)["summary"] == referral["summary"]
    # The raising, late, names the first owner: the later assignment is not undone.
    raised = action_event("tasking_item.raised", referral["id"], "la-community-safety",
                          assigned.payload["tasking_item_id"])
    service.record_action_raised(raised)
    assert {row["owner_agency"] for row in db.rows("referral_actions")} == {
        "la-community-safety", "housing"}
    assert service.get_referral(referral["id"], housing)["summary"] == referral["summary"]


def test_the_coordinator_may_disclose_a_code_c_referral_to_an_agency_that_has_owned_an_action(
        service, db):
    """Need to know: "the agency that owns, or has owned, an action reads its referral"; an
    action moved on before the coordinator acknowledged the conditions still counts."""
    service.record_sharing_agreement(COUNCIL_AND_HOUSING, ADMIN)
    referral = service.submit_referral(referral_payload(
        ward="dalston", category="asb", lawful_basis="crime_and_disorder_act_s115",
        handling_code="C", handling_conditions="Not to be shared with the family"), COUNCIL)
    item_id = str(uuid.uuid4())
    service.record_action_raised(action_event("tasking_item.raised", referral["id"],
                                              "housing", item_id))
    service.record_action_assigned(action_event("tasking_item.assigned", referral["id"],
                                                "la-community-safety", item_id))
    service.disclose_referral(referral["id"], {"agency": "housing",
                                               "handling_conditions_acknowledged": True},
                              COORDINATOR)
    housing = {"username": "h", "role": "partner", "agency": "housing", "wards": []}
    assert service.get_referral(referral["id"], housing)["summary"] == referral["summary"]
