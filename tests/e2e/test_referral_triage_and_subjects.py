"""Referrals across agencies over HTTP, with every service running as its own process."""
from datetime import date, timedelta

import pytest

from shared.events.tasking import PRIORITY_CLOSED_OUTCOME
from shared.testing.factories import referral_payload
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e
NO_SUCH_PRIORITY = "00000000-0000-4000-8000-000000000000"


def test_two_agencies_spelling_one_person_differently_end_up_on_one_subject(stack):
    yot = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        ward="dalston", subject={"given_name": "Aleksandr", "family_name": "Kowalski",
                                 "date_of_birth": "2009-09-09"})).json()
    council = stack.post("/api/referrals", "council.partner", json=referral_payload(
        ward="dalston", subject={"given_name": "ALEXANDER", "family_name": "kowalski",
                                 "date_of_birth": "2009-09-09"})).json()
    person = stack.get(f"/api/subjects/{council['subject_id']}", "coordinator").json()
    assert {r["id"] for r in person["referrals"]} == {yot["id"], council["id"]}
    assert {r["referring_agency"] for r in person["referrals"]} == {"yot",
                                                                    "la-community-safety"}
    # Each partner still sees only its own agency's referral of that person.
    mine = stack.get(f"/api/subjects/{council['subject_id']}", "council.partner").json()
    assert [r["id"] for r in mine["referrals"]] == [council["id"]]
    # ...and only its own record of them: not YOT's spelling, birth date or address.
    assert [r["id"] for r in mine["records"]] == [council["subject_id"]]
    assert mine["given_name"] == "ALEXANDER"


def test_a_coordinator_confirms_a_queued_match_through_the_api(stack):
    first = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        subject={"given_name": "Kwabena", "family_name": "Mensah-Boateng",
                 "date_of_birth": "2010-12-01"})).json()
    stack.post("/api/referrals", "council.partner", json=referral_payload(
        subject={"given_name": "Kwabena", "family_name": "Mensah-Boateng",
                 "date_of_birth": None}))
    queue = stack.get("/api/subject-links?status=pending", "coordinator").json()["items"]
    [link] = [l for l in queue if first["subject_id"] in l["subject_ids"]]
    assert stack.get("/api/subject-links", "yot.partner").status_code == 403

    confirmed = stack.post(f"/api/subject-links/{link['id']}/confirm", "coordinator",
                           json={"reason": "Same address in both referrals"})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    person = stack.get(f"/api/subjects/{first['subject_id']}", "coordinator").json()
    assert len(person["referrals"]) == 2
    again = stack.post(f"/api/subject-links/{link['id']}/reject", "coordinator", json={})
    assert again.status_code == 409


def test_a_coordinator_unlinks_two_records_over_http_and_the_trail_shows_both_changes(stack):
    """The matcher joined two agencies' records as one person; the coordinator undoes it
    (POST .../unlink): each record is its own person again, and the audit trail holds the
    combination and the alteration, each under both records."""
    yot = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        subject={"given_name": "Oluwadamilare", "family_name": "Adeyemi-Cole",
                 "date_of_birth": "2011-02-14"})).json()
    council = stack.post("/api/referrals", "council.partner", json=referral_payload(
        subject={"given_name": "Oluwadamilare", "family_name": "Adeyemi-Cole",
                 "date_of_birth": "2011-02-14"})).json()
    pair = {yot["subject_id"], council["subject_id"]}
    links = stack.get("/api/subject-links?status=automatic&limit=200",
                      "coordinator").json()["items"]
    [link] = [l for l in links if set(l["subject_ids"]) == pair]
    joined = stack.get(f"/api/subjects/{council['subject_id']}", "coordinator").json()
    assert {r["id"] for r in joined["referrals"]} == {yot["id"], council["id"]}

    path = f"/api/subject-links/{link['id']}/unlink"
    assert stack.post(path, "yot.partner", json={"reason": "x"}).status_code == 403
    undone = stack.post(path, "coordinator", json={"reason": "Different fathers named"})
    assert undone.status_code == 200, undone.text
    assert (undone.json()["status"], undone.json()["decided_by"], undone.json()["reason"]) == (
        "unlinked", "coordinator", "Different fathers named")
    assert stack.post(path, "coordinator", json={}).status_code == 409  # once
    for referral in (yot, council):
        person = stack.get(f"/api/subjects/{referral['subject_id']}", "coordinator").json()
        assert [r["id"] for r in person["referrals"]] == [referral["id"]]
        assert [r["id"] for r in person["records"]] == [referral["subject_id"]]

    def changes(subject_id):
        trail = stack.get(f"/api/audit?limit=200&record_type=subject&record_id={subject_id}",
                          "admin").json()["items"]
        return sorted((e["action"], e["username"], e["purpose"]) for e in trail
                      if e["action"] != "consultation")

    expected = [("alteration", "coordinator", "subject records unlinked (manual)"),
                ("combination", "wardline", "subject records linked (automatic)")]
    assert wait_for(lambda: changes(yot["subject_id"]) == expected, timeout=30), \
        changes(yot["subject_id"])
    assert changes(council["subject_id"]) == expected


def test_triage_records_who_when_why_and_refuses_an_illegal_step_with_409(stack):
    referral = stack.post("/api/referrals", "yot.partner", json=referral_payload()).json()
    path = f"/api/referrals/{referral['id']}"
    assert stack.post(path + "/triage", "yot.partner",
                      json={"decision": "accept", "reason": "x"}).status_code == 403
    assert stack.post(path + "/close", "coordinator", json={"outcome": "x"}).status_code == 409
    triaged = stack.post(path + "/triage", "coordinator",
                         json={"decision": "no_further_action",
                               "reason": "Already known to children's services",
                               "reason_for_referrer": "Children's services already support"})
    assert triaged.status_code == 200
    step = triaged.json()["history"][-1]
    assert (step["status"], step["by"]) == ("no_further_action", "coordinator") and step["at"]
    assert stack.post(path + "/triage", "coordinator",
                      json={"decision": "accept", "reason": "changed mind"}).status_code == 409
    closed = stack.post(path + "/close", "coordinator", json={"outcome": "No action needed"})
    assert closed.json()["status"] == "closed"


def test_a_sergeant_lists_only_referrals_in_their_wards(stack):
    stack.post("/api/referrals", "yot.partner", json=referral_payload(ward="dalston"))
    stack.post("/api/referrals", "yot.partner", json=referral_payload(ward="clissold"))
    wards = {r["ward"] for r in stack.get("/api/referrals?limit=200",
                                          "sgt.dalston").json()["items"]}
    assert wards and wards <= {"dalston", "hackney-central"}


def test_ward_priorities_are_set_for_ones_own_ward_and_shared_with_partners(stack):
    made = stack.post("/api/ward-priorities", "panel.dalston", json={
        "ward": "dalston", "title": "Drug dealing around the estate garages",
        "description": "Residents report dealing most evenings after 8pm."})
    assert made.status_code == 201, made.text
    other = stack.post("/api/ward-priorities", "panel.dalston", json={
        "ward": "homerton", "title": "t", "description": "d"})
    assert other.status_code == 403
    listed = stack.get("/api/ward-priorities?ward=dalston", "yot.partner").json()["items"]
    assert made.json()["id"] in {p["id"] for p in listed}


def test_a_sergeant_sets_a_priority_for_their_own_ward_and_tasking_takes_it_up(stack):
    made = stack.post("/api/ward-priorities", "sgt.dalston", json={
        "ward": "hackney-central", "title": "Moped-enabled phone snatches on Mare Street",
        "description": "Reports cluster between 4pm and 7pm near the station."})
    assert made.status_code == 201, made.text
    priority = made.json()
    assert (priority["ward"], priority["status"]) == ("hackney-central", "active")
    assert (priority["set_by"], priority["set_by_role"]) == ("sgt.dalston", "sergeant")
    review_by = date.fromisoformat(priority["review_by"])
    assert review_by - date.today() in (timedelta(weeks=6), timedelta(weeks=6, days=1))

    elsewhere = stack.post("/api/ward-priorities", "sgt.dalston", json={
        "ward": "homerton", "title": "Not my ward", "description": "d"})
    assert elsewhere.status_code == 403
    listed = stack.get("/api/ward-priorities?ward=homerton", "coordinator").json()["items"]
    assert "Not my ward" not in {p["title"] for p in listed}

    # ward_priority.set reaches tasking, which raises an action for the priority.
    items = wait_for(lambda: stack.get(f"/api/tasking/items?source_id={priority['id']}",
                                       "coordinator").json()["items"])
    assert items, "no tasking item for the ward priority"
    [item] = items
    assert (item["ward"], item["source_type"]) == ("hackney-central", "ward_priority")


def test_the_panel_reviews_a_priority_keeping_it_then_closing_it_and_its_action_closes(stack):
    """The panel's six-weekly review: keep the priority for another period, or close it
    (saying why); a closed priority's open action in tasking is closed with it."""
    priority = stack.post("/api/ward-priorities", "panel.dalston", json={
        "ward": "dalston", "title": "Fly-tipping behind the parade",
        "description": "Mattresses and rubble most weekends."}).json()
    items = wait_for(lambda: stack.get(f"/api/tasking/items?source_id={priority['id']}",
                                       "coordinator").json()["items"])
    assert items, "no tasking item for the ward priority"
    [item] = items
    assert item["status"] != "completed"

    wrong = stack.post(f"/api/ward-priorities/{priority['id']}/review", "panel.dalston",
                       json={"decision": "close"})
    assert wrong.status_code == 422 and "note" in wrong.json()["error"]["fields"]
    assert stack.post(f"/api/ward-priorities/{priority['id']}/review", "yot.partner",
                      json={"decision": "continue"}).status_code == 403
    assert stack.post(f"/api/ward-priorities/{NO_SUCH_PRIORITY}/review", "panel.dalston",
                      json={"decision": "continue"}).status_code == 404

    next_review = (date.today() + timedelta(weeks=8)).isoformat()
    kept = stack.post(f"/api/ward-priorities/{priority['id']}/review", "panel.dalston",
                      json={"decision": "continue", "review_by": next_review,
                            "note": "Still every weekend"})
    assert kept.status_code == 200, kept.text
    assert (kept.json()["status"], kept.json()["review_by"]) == ("active", next_review)
    # Tasking moves the priority's open action to the new review date.
    moved = wait_for(lambda: next((i for i in stack.get(
        f"/api/tasking/items?source_id={priority['id']}", "coordinator").json()["items"]
        if i["due_by"].startswith(next_review)), None))
    assert moved and moved["id"] == item["id"], "the action kept its old date"

    closed = stack.post(f"/api/ward-priorities/{priority['id']}/review", "sgt.dalston",
                        json={"decision": "close", "note": "Gates fitted; none since May"})
    assert closed.status_code == 200, closed.text
    assert stack.get(f"/api/ward-priorities/{priority['id']}", "yot.partner").json() == \
        closed.json()
    assert (closed.json()["status"], closed.json()["reviewed_by"]) == ("closed", "sgt.dalston")
    assert stack.post(f"/api/ward-priorities/{priority['id']}/review", "panel.dalston",
                      json={"decision": "continue"}).status_code == 409

    done = wait_for(lambda: next((i for i in stack.get(
        f"/api/tasking/items?source_id={priority['id']}", "coordinator").json()["items"]
        if i["status"] == "completed"), None))
    assert done and done["id"] == item["id"], "the priority's action was not closed"
    assert done["outcome"] == PRIORITY_CLOSED_OUTCOME
