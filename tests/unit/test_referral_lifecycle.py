"""Triage, closing, subject links and ward priorities through the referrals service's
entrypoints, on a real in-memory unit of work (no broker)."""
from datetime import date, timedelta

import pytest
from nameko.testing.services import worker_factory

from services.referrals import agreements, priorities, repository
from services.referrals.domain import status_after_triage
from services.referrals.orm import metadata
from services.referrals.service import ReferralsService
from shared.errors import Conflict, Forbidden, InvalidContent, NotFound
from shared.testing.factories import referral_payload, sharing_agreement_payload
from shared.testing.memory import InMemoryDatabase

YOT = {"username": "yot.partner", "role": "partner", "agency": "yot", "wards": []}
COUNCIL = {"username": "council.partner", "role": "partner", "agency": "la-community-safety",
           "wards": []}
COORDINATOR = {"username": "coordinator", "role": "coordinator", "agency": "police",
               "wards": []}
PANEL = {"username": "panel.dalston", "role": "panel", "agency": None, "wards": ["dalston"]}
SERGEANT = {"username": "sgt.homerton", "role": "sergeant", "agency": "police",
            "wards": ["homerton"]}


@pytest.fixture
def db():
    db = InMemoryDatabase(metadata)
    with db.unit_of_work() as uow:
        repository.load_ward_register(uow.session, [
            {"code": "dalston", "name": "Dalston"}, {"code": "homerton", "name": "Homerton"}])
        agreements.load_agreements(uow.session, [sharing_agreement_payload()], COORDINATOR)
    return db


@pytest.fixture
def service(db):
    return worker_factory(ReferralsService, uow=db.unit_of_work())


def refer(service, actor=YOT, **overrides):
    return service.submit_referral(referral_payload(ward="dalston", **overrides), actor)


@pytest.mark.parametrize("decision, status", [
    ("accept", "accepted"), ("redirect", "redirected"),
    ("no_further_action", "no_further_action")])
def test_a_received_referral_can_be_triaged_each_way_then_closed(service, db, decision, status):
    referral = refer(service)
    body = {"decision": decision, "reason": "Discussed at daily management meeting",
            "reason_for_referrer": "The partnership has decided who acts"}
    if decision == "redirect":
        body["redirect_to_agency"] = "housing"
    triaged = service.triage_referral(referral["id"], body, COORDINATOR)
    assert triaged["status"] == status
    assert triaged["history"][-1]["by"] == "coordinator"
    assert triaged["history"][-1]["reason"] == body["reason"]
    assert triaged["history"][-1]["reason_for_referrer"] == body["reason_for_referrer"]
    closed = service.close_referral(referral["id"], {"outcome": "Family engaged"}, COORDINATOR)
    assert closed["status"] == "closed" and closed["outcome"] == "Family engaged"
    disclosed = ["referral.disclosed"] if decision == "redirect" else []
    assert db.event_types == ["referral.submitted", "referral.triaged", *disclosed,
                              "referral.closed"]


@pytest.mark.parametrize("current", ["accepted", "redirected", "no_further_action", "closed"])
def test_triage_happens_once(current):
    with pytest.raises(Conflict):
        status_after_triage(current, "accept")


def test_a_received_referral_cannot_be_closed_and_a_closed_one_cannot_be_triaged(service):
    referral = refer(service)
    with pytest.raises(Conflict, match="triage it first"):
        service.close_referral(referral["id"], {"outcome": "x"}, COORDINATOR)
    service.triage_referral(referral["id"], {"decision": "accept", "reason": "r"}, COORDINATOR)
    service.close_referral(referral["id"], {"outcome": "done"}, COORDINATOR)
    with pytest.raises(Conflict):
        service.triage_referral(referral["id"], {"decision": "accept", "reason": "r"},
                                COORDINATOR)
    with pytest.raises(Conflict, match="already closed"):
        service.close_referral(referral["id"], {"outcome": "again"}, COORDINATOR)


def test_a_redirect_must_name_the_agency_and_only_a_redirect_may(service):
    referral = refer(service)
    with pytest.raises(InvalidContent) as refused:
        service.triage_referral(referral["id"], {"decision": "redirect", "reason": "r"},
                                COORDINATOR)
    assert "redirect_to_agency" in refused.value.fields


def test_a_referral_cannot_be_redirected_to_its_own_agency_or_an_unknown_one(service):
    referral = refer(service)
    for agency, message in (("yot", "Must differ"), ("yott", "Must be one of")):
        with pytest.raises(InvalidContent) as refused:
            service.triage_referral(referral["id"], {"decision": "redirect", "reason": "r",
                                                     "reason_for_referrer": "r",
                                                     "redirect_to_agency": agency},
                                    COORDINATOR)
        assert message in refused.value.fields["redirect_to_agency"][0]


def test_only_the_receiving_agency_acknowledges_a_redirect_and_only_once(service, db):
    referral = refer(service)
    housing = {"username": "h", "role": "partner", "agency": "housing", "wards": []}
    with pytest.raises(NotFound):  # not shared with housing until redirected
        service.acknowledge_referral(referral["id"], housing)
    service.triage_referral(referral["id"], {"decision": "redirect", "reason": "tenancy",
                                             "reason_for_referrer": "Housing will act",
                                             "redirect_to_agency": "housing"}, COORDINATOR)
    with pytest.raises(Forbidden):
        service.acknowledge_referral(referral["id"], YOT)
    service.acknowledge_referral(referral["id"], housing)
    history = service.get_referral(referral["id"], COORDINATOR)["history"]
    assert history[-1]["status"] == "acknowledged" and history[-1]["agency"] == "housing"
    assert db.event_types[-1] == "referral.acknowledged"
    with pytest.raises(Conflict):
        service.acknowledge_referral(referral["id"], housing)


def test_a_redirected_referral_is_shared_with_the_receiving_agency(service):
    referral = refer(service)
    housing = {"username": "h", "role": "partner", "agency": "housing", "wards": []}
    with pytest.raises(NotFound):
        service.get_referral(referral["id"], housing)
    service.triage_referral(referral["id"], {"decision": "redirect", "reason": "tenancy",
                                             "reason_for_referrer": "Housing will act",
                                             "redirect_to_agency": "housing"}, COORDINATOR)
    assert service.get_referral(referral["id"], housing)["status"] == "redirected"


def test_the_same_person_spelt_differently_by_two_agencies_is_linked_at_once(service, db):
    first = refer(service, subject={"given_name": "Mohammed", "family_name": "Rahman",
                                    "date_of_birth": "2010-05-01"})
    second = refer(service, actor=COUNCIL,
                   subject={"given_name": "Muhammad", "family_name": "Rahman",
                            "date_of_birth": "2010-05-01"})
    assert first["subject_id"] != second["subject_id"]
    person = service.get_subject(second["subject_id"], COORDINATOR)
    assert {r["id"] for r in person["referrals"]} == {first["id"], second["id"]}
    assert "subject.linked" in db.event_types


def test_a_probable_match_waits_for_a_coordinator_who_may_confirm_and_later_unlink(service,
                                                                                   db):
    first = refer(service, subject={"given_name": "Jamal", "family_name": "Okafor",
                                    "date_of_birth": "2011-03-04"})
    second = refer(service, actor=COUNCIL, subject={"given_name": "Jamal",
                                                    "family_name": "Okafor",
                                                    "date_of_birth": None})
    [pending] = service.list_subject_links("pending", 10, None, COORDINATOR)["items"]
    assert set(pending["subject_ids"]) == {first["subject_id"], second["subject_id"]}
    assert "date of birth: missing" in pending["reasons"]
    assert len(service.get_subject(first["subject_id"], COORDINATOR)["referrals"]) == 1

    assert "subject.linked" not in db.event_types  # queued, not yet linked

    service.decide_subject_link(pending["id"], "confirm", "Same school, same address",
                                COORDINATOR)
    assert len(service.get_subject(first["subject_id"], COORDINATOR)["referrals"]) == 2
    linked = db.committed_events[-1]
    assert linked.type == "subject.linked"
    assert (linked.payload["action"], linked.payload["method"]) == ("linked", "confirmed")
    with pytest.raises(Conflict):
        service.decide_subject_link(pending["id"], "reject", None, COORDINATOR)

    service.decide_subject_link(pending["id"], "unlink", "Different child", COORDINATOR)
    assert len(service.get_subject(first["subject_id"], COORDINATOR)["referrals"]) == 1
    unlinked = db.committed_events[-1]
    assert (unlinked.type, unlinked.version) == ("subject.linked", 1)
    assert unlinked.payload == {
        "link_id": pending["id"], "subject_id": linked.payload["subject_id"],
        "linked_subject_id": linked.payload["linked_subject_id"], "action": "unlinked",
        "method": "manual", "score": linked.payload["score"], "decided_by": "coordinator"}
    assert {unlinked.payload["subject_id"], unlinked.payload["linked_subject_id"]} == {
        first["subject_id"], second["subject_id"]}
    assert unlinked.actor["username"] == "coordinator"
    assert db.event_types.count("subject.linked") == 2


def test_namesakes_born_on_different_days_stay_two_people(service):
    refer(service, subject={"given_name": "Liam", "family_name": "Walker",
                            "date_of_birth": "2009-01-01"})
    refer(service, subject={"given_name": "Liam", "family_name": "Walker",
                            "date_of_birth": "2012-07-30"})
    assert service.list_subject_links("pending", 10, None, COORDINATOR)["items"] == []
    assert service.list_subject_links("automatic", 10, None, COORDINATOR)["items"] == []


def test_a_partner_sees_a_subject_only_through_referrals_they_may_see(service):
    referral = refer(service)
    with pytest.raises(NotFound):
        service.get_subject(referral["subject_id"], COUNCIL)


def test_lists_are_scoped_by_role_and_paged_without_overlap(service):
    for _ in range(3):
        refer(service)
    refer(service, actor=COUNCIL)
    assert len(service.list_referrals({}, COUNCIL)["items"]) == 1
    first = service.list_referrals({"limit": "2"}, YOT)
    second = service.list_referrals({"limit": "2", "cursor": first["next_cursor"]}, YOT)
    ids = [r["id"] for r in first["items"] + second["items"]]
    assert len(ids) == len(set(ids)) == 3 and second["next_cursor"] is None
    assert service.list_referrals({"agency": "yot"}, COORDINATOR)["items"][0]["referring_agency"] == "yot"
    with pytest.raises(InvalidContent):
        service.list_referrals({"status": "lost"}, COORDINATOR)


def test_a_ward_panel_sets_its_own_wards_priority_reviewed_in_six_weeks(service, db):
    priority = service.set_ward_priority({"ward": "dalston", "title": "Dealing by the garages",
                                          "description": "Most evenings after 8pm"}, PANEL)
    assert priority["review_by"] == (date.today() + timedelta(weeks=6)).isoformat()
    assert db.event_types[-1] == "ward_priority.set"
    with pytest.raises(Forbidden):
        service.set_ward_priority({"ward": "dalston", "title": "t", "description": "d"},
                                  SERGEANT)
    with pytest.raises(InvalidContent) as refused:
        service.set_ward_priority({"ward": "dalston", "title": "t", "description": "d",
                                   "review_by": "2020-01-01"}, PANEL)
    assert "review_by" in refused.value.fields


def test_priorities_past_their_review_date_are_marked_due_once(db, service):
    service.set_ward_priority({"ward": "dalston", "title": "t", "description": "d"}, PANEL)
    later = date.today() + timedelta(weeks=7)
    assert priorities.mark_due_for_review(db.unit_of_work(), today=later) == 1
    assert priorities.mark_due_for_review(db.unit_of_work(), today=later) == 0
    [priority] = service.list_ward_priorities("dalston")["items"]
    assert priority["status"] == "due_for_review"


def test_a_panel_keeps_a_priority_due_for_review_for_another_period(db, service):
    set_priority = service.set_ward_priority({"ward": "dalston", "title": "t",
                                              "description": "d"}, PANEL)
    priorities.mark_due_for_review(db.unit_of_work(), today=date.today() + timedelta(weeks=7))
    assert service.get_ward_priority(set_priority["id"])["status"] == "due_for_review"
    kept = service.review_ward_priority(set_priority["id"], {
        "decision": "continue", "note": "  Still reported most evenings\n"}, PANEL)
    assert kept["status"] == "active"
    assert kept["review_by"] == (date.today() + timedelta(weeks=6)).isoformat()
    assert (kept["reviewed_by"], kept["review_note"]) == ("panel.dalston",
                                                          "Still reported most evenings")
    assert service.get_ward_priority(set_priority["id"]) == kept
    assert db.event_types[-1] == "ward_priority.set"
    announced = db.committed_events[-1]
    assert (announced.payload["status"], str(announced.payload["review_by"])) == (
        "active", kept["review_by"])
    assert announced.actor["username"] == "panel.dalston"
    chosen = (date.today() + timedelta(weeks=10)).isoformat()
    assert service.review_ward_priority(set_priority["id"], {
        "decision": "continue", "review_by": chosen}, PANEL)["review_by"] == chosen


def test_a_panel_closes_a_priority_saying_why_and_it_stays_closed(db, service):
    priority = service.set_ward_priority({"ward": "dalston", "title": "t",
                                          "description": "d"}, PANEL)
    with pytest.raises(InvalidContent) as refused:
        service.review_ward_priority(priority["id"], {"decision": "close"}, PANEL)
    assert "note" in refused.value.fields
    closed = service.review_ward_priority(priority["id"], {
        "decision": "close", "note": "The garages were fenced off in May"}, PANEL)
    assert (closed["status"], closed["review_note"]) == (
        "closed", "The garages were fenced off in May")
    assert db.committed_events[-1].payload["status"] == "closed"
    with pytest.raises(Conflict):
        service.review_ward_priority(priority["id"], {"decision": "continue"}, PANEL)
    assert service.list_ward_priorities("dalston", status="closed")["items"] == [closed]


def test_a_priority_review_is_refused_field_by_field_and_stores_nothing(db, service):
    priority = service.set_ward_priority({"ward": "dalston", "title": "t",
                                          "description": "d"}, PANEL)
    events_before = list(db.event_types)
    for payload, field in [({"decision": "pause"}, "decision"), ({}, "decision"),
                           ({"decision": "continue", "review_by": "2020-01-01"}, "review_by"),
                           ({"decision": "continue", "review_by": "soon"}, "review_by"),
                           ({"decision": "close", "note": "done",
                             "review_by": "2030-01-01"}, "review_by"),
                           ({"decision": "close", "note": "   "}, "note"),
                           ({"decision": "continue", "note": " \n "}, "note")]:
        with pytest.raises(InvalidContent) as refused:
            service.review_ward_priority(priority["id"], payload, PANEL)
        assert field in refused.value.fields, payload
    with pytest.raises(Forbidden):  # another ward's sergeant
        service.review_ward_priority(priority["id"], {"decision": "continue"}, SERGEANT)
    with pytest.raises(NotFound):
        service.review_ward_priority("no-such-priority", {"decision": "continue"}, PANEL)
    assert db.event_types == events_before
    assert service.get_ward_priority(priority["id"])["status"] == "active"
    assert service.get_ward_priority(priority["id"])["reviewed_by"] is None


def test_a_ward_registered_after_the_first_referral_is_accepted_on_its_first_use(db, service):
    """The ward codes are remembered per database; a code not among them is looked up again."""
    refer(service)
    with pytest.raises(InvalidContent) as refused:
        service.submit_referral(referral_payload(ward="de-beauvoir"), YOT)
    assert "ward" in refused.value.fields
    with db.unit_of_work() as uow:
        repository.load_ward_register(uow.session, [{"code": "de-beauvoir",
                                                     "name": "De Beauvoir"}])
    accepted = service.submit_referral(referral_payload(ward="de-beauvoir"), YOT)
    assert accepted["ward"] == "de-beauvoir"


def test_a_new_referral_is_answered_as_it_is_read_back_later(service):
    submitted = refer(service)
    assert submitted == service.get_referral(submitted["id"], YOT)


@pytest.mark.parametrize("who", [YOT, SERGEANT, PANEL])
def test_only_the_coordinator_reads_or_decides_subject_links_whatever_the_route_checked(
        service, who):
    with pytest.raises(Forbidden):
        service.list_subject_links("pending", 10, None, who)
    with pytest.raises(Forbidden):
        service.decide_subject_link("any-link", "confirm", None, who)


def test_each_referral_has_the_next_reference_and_it_travels_on_referral_submitted(
        service, db):
    first, second = refer(service), refer(service)
    year = first["submitted_at"][:4]
    assert (first["reference"], second["reference"]) == (f"WL-R-{year}-000001",
                                                         f"WL-R-{year}-000002")
    submitted = [e for e in db.committed_events if e.type == "referral.submitted"]
    assert [e.payload["reference"] for e in submitted] == [first["reference"],
                                                           second["reference"]]
    assert service.get_referral(first["id"], YOT)["reference"] == first["reference"]


def test_a_reference_resolves_to_its_referrals_id_or_is_not_found_by_name(service):
    referral = refer(service)
    assert service.resolve_reference(referral["reference"], YOT) == referral["id"]
    with pytest.raises(NotFound, match="There is no referral WL-R-2026-999999"):
        service.resolve_reference("WL-R-2026-999999", YOT)
