"""Need to know, both ways, over HTTP with every service as its own process: those who
must know can read (the agency owning an action reads its referral), and those who must
not cannot (another agency's record of a person, the coordinator's internal reasons)."""
from datetime import date, timedelta

import pytest

from wardline.demo import DEMO_PASSWORD
from shared.errors import Forbidden, NotFound
from shared.testing.factories import referral_payload
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e

INTERNAL = "Known to CID: live investigation into the older males"
FOR_REFERRER = "Children's social care already support the family"


@pytest.fixture(scope="module")
def probation(stack):
    """A partner of an agency with no part in the referrals below."""
    stack.wardline("users", "add", "probation.partner", "--role", "partner", "--agency",
                   "probation", "--password-stdin", input=f"{DEMO_PASSWORD}\n")
    return "probation.partner"


def actions_of(stack, referral_id, user="coordinator"):
    return stack.get(f"/api/referrals/{referral_id}", user).json()["tasking_items"]


def test_the_agency_that_owns_an_action_reads_the_referral_it_came_from(stack, probation):
    # The council refers a young person; routing gives the action to the YOT.
    referral = stack.post("/api/referrals", "council.partner", json=referral_payload(
        category="youth_at_risk", risk_level="high", ward="dalston",
        details="Older brother recently released; mother asked us not to tell him")).json()
    assert wait_for(lambda: [i for i in actions_of(stack, referral["id"])
                             if i["owner_agency"] == "yot"])

    def read_by_yot():
        answer = stack.get(f"/api/referrals/{referral['id']}", "yot.partner")
        return answer if answer.status_code == 200 else None
    shown = wait_for(read_by_yot)
    assert shown is not None, "the YOT owns the action but cannot read its referral"
    seen = shown.json()
    assert seen["summary"] == referral["summary"] and seen["category"] == "youth_at_risk"
    assert seen["subject"]["family_name"] == referral["subject"]["family_name"]
    # Not the referrer's fuller narrative, nor the internal history.
    assert "details" not in seen and "history" not in seen
    listed = stack.get("/api/referrals?limit=200", "yot.partner").json()["items"]
    assert referral["id"] in {r["id"] for r in listed}
    # An agency with no action on it still reads it as absent.
    assert stack.get(f"/api/referrals/{referral['id']}", probation).status_code == 404

    # The first disclosure to the YOT is on the audit trail, naming the recipient.
    def disclosures():
        rows = stack.get(f"/api/audit?record_id={referral['id']}&action=disclosure",
                         "admin").json()["items"]
        return rows or None
    rows = wait_for(disclosures)
    assert rows and [r["recipient"] for r in rows] == ["agency:yot"]


def test_a_partner_never_gets_another_agencys_record_of_a_person(stack, probation):
    person = {"given_name": "Tariq", "family_name": "Osei-Bonsu",
              "date_of_birth": "2008-02-14"}
    stack.post("/api/referrals", "yot.partner", json=referral_payload(
        ward="dalston", subject={**person, "address": "Flat 9, Pembury Estate, E8"}))
    answer = stack.post("/api/referrals", probation, json=referral_payload(
        ward="dalston", category="offender_management", subject=person))
    assert answer.status_code == 201
    created = answer.json()
    assert created["subject"].get("address") is None, "the 201 leaked the YOT's address"

    mine = stack.get(f"/api/subjects/{created['subject_id']}", probation).json()
    assert mine.get("address") is None
    assert [r["id"] for r in mine["records"]] == [created["subject_id"]]
    assert mine["known_to_other_agencies"] is True
    # The coordinator still sees both agencies' records joined under one person.
    joined = stack.get(f"/api/subjects/{created['subject_id']}", "coordinator").json()
    assert len(joined["records"]) == 2 and "known_to_other_agencies" not in joined


def test_the_referrer_reads_only_the_reason_written_for_them(stack):
    referral = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        ward="dalston", category="youth_at_risk", risk_level="medium")).json()
    assert wait_for(lambda: actions_of(stack, referral["id"]))
    path = f"/api/referrals/{referral['id']}/triage"
    refused = stack.post(path, "coordinator", json={"decision": "no_further_action",
                                                     "reason": INTERNAL})
    assert refused.status_code == 422 and "reason_for_referrer" in refused.json()["error"]["fields"]
    assert stack.post(path, "coordinator", json={
        "decision": "no_further_action", "reason": INTERNAL,
        "reason_for_referrer": FOR_REFERRER}).status_code == 200

    # The referral's history, as the referrer reads it.
    seen = stack.get(f"/api/referrals/{referral['id']}", "yot.partner").json()
    step = seen["history"][-1]
    assert step["reason_for_referrer"] == FOR_REFERRER and "reason" not in step
    assert INTERNAL not in str(seen)
    # The action the triage completed carries the referrer's reason as its outcome.
    completed = wait_for(lambda: [i for i in actions_of(stack, referral["id"], "yot.partner")
                                  if i["status"] == "completed"])
    assert completed and FOR_REFERRER in completed[0]["outcome"]
    assert INTERNAL not in str(completed)
    # The notice the referring team is sent.
    def triage_notice():
        notices = stack.get("/api/notifications?limit=200", "yot.partner").json()["items"]
        return [n for n in notices if n.get("source_id") == referral["id"]
                and "no further action" in n["title"].lower()] or None
    notices = wait_for(triage_notice)
    assert notices and FOR_REFERRER in str(notices) and INTERNAL not in str(notices)
    # The coordinator keeps both.
    full = stack.get(f"/api/referrals/{referral['id']}", "coordinator").json()["history"][-1]
    assert (full["reason"], full["reason_for_referrer"]) == (INTERNAL, FOR_REFERRER)


def test_a_code_c_referral_is_redirected_only_with_its_conditions_acknowledged(stack):
    referral = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        ward="dalston", handling_code="C",
        handling_conditions="Not to be shared with the family or the school")).json()
    path = f"/api/referrals/{referral['id']}/triage"
    body = {"decision": "redirect", "reason": "Tenancy lead", "redirect_to_agency": "housing",
            "reason_for_referrer": "Housing are best placed to act"}
    refused = stack.post(path, "coordinator", json=body)
    assert refused.status_code == 409
    assert "handling_conditions_acknowledged" in refused.json()["error"]["fields"]
    # Nothing was half-done: still received, not shared with housing.
    assert stack.get(f"/api/referrals/{referral['id']}", "coordinator").json()[
        "status"] == "received"
    done = stack.post(path, "coordinator", json={**body,
                                                 "handling_conditions_acknowledged": True})
    assert done.status_code == 200 and done.json()["status"] == "redirected"


def test_a_service_decides_from_the_actor_whatever_route_the_call_took(stack):
    """Straight over the bus, past the gateway's role check, signed as the caller
    (shared/caller.py): the owning service itself refuses a caller its rule does not
    admit."""
    referral = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        category="youth_at_risk")).json()
    review = stack.post("/api/case-reviews", "reviewer", json={
        "subject_id": referral["subject_id"], "trigger": "serious_incident",
        "incident_summary": "Assaulted near the station", "incident_date": "2026-11-20"})
    assert review.status_code == 201, review.text
    council = {"username": "council.partner", "role": "partner",
               "agency": "la-community-safety", "wards": []}
    with stack.rpc(council) as cluster:
        with pytest.raises(Forbidden):
            cluster.casereview.get_review(review.json()["id"], council)
        with pytest.raises(Forbidden):
            cluster.referrals.list_subject_links("pending", 10, None, council)
        with pytest.raises(NotFound):
            cluster.referrals.get_referral(referral["id"], council)
        told = cluster.notifications.feedback_for(
            "referral", referral["id"], "agency:yot", council)
        assert told == []


def test_a_disclosure_outside_any_agreement_in_force_is_refused_and_the_coordinator_told(
        stack):
    """The demo borough's overarching agreement is ended for this test (and restored)."""
    listed = stack.get("/api/sharing-agreements", "coordinator")
    assert listed.status_code == 200
    [demo] = [a for a in listed.json()["items"] if "(demo)" in a["title"]]
    assert demo["status"] == "in_force" and "yot" in demo["parties"]
    assert stack.get("/api/sharing-agreements", "panel.dalston").status_code == 403
    assert [a["id"] for a in stack.get("/api/sharing-agreements", "yot.partner").json()[
        "items"]] == [demo["id"]]
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    ended = stack.request("PATCH", f"/api/sharing-agreements/{demo['id']}", "coordinator",
                          json={"ends_on": yesterday})
    assert ended.status_code == 200 and ended.json()["status"] == "ended", ended.text
    try:
        referral = stack.post("/api/referrals", "council.partner", json=referral_payload(
            category="youth_at_risk", ward="dalston")).json()
        refused = stack.post(f"/api/referrals/{referral['id']}/triage", "coordinator", json={
            "decision": "redirect", "reason": "Housing lead", "redirect_to_agency": "housing",
            "reason_for_referrer": "Housing will act"})
        assert refused.status_code == 409
        assert "no information sharing agreement" in \
            refused.json()["error"]["fields"]["redirect_to_agency"][0].lower()
        assert stack.get(f"/api/referrals/{referral['id']}", "coordinator").json()[
            "status"] == "received"  # nothing half-done
        # Routing gives the action to the YOT, which may not read the referral: the
        # coordinator hears what is missing.
        def refusal_notice():
            notices = stack.get("/api/notifications?limit=200", "coordinator").json()["items"]
            return [n for n in notices if n["kind"] == "referral.disclosure_refused"
                    and n["source_id"] == referral["id"]] or None
        notices = wait_for(refusal_notice)
        assert notices and "la-community-safety and yot" in notices[0]["body"]
        assert stack.get(f"/api/referrals/{referral['id']}", "yot.partner").status_code == 404
    finally:
        restored = stack.request("PATCH", f"/api/sharing-agreements/{demo['id']}",
                                 "coordinator", json={"ends_on": None})
        assert restored.json()["status"] == "in_force"
