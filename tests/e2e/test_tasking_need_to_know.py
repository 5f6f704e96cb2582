"""Need to know on tasking's side, over real processes, broker and database: a ward panel
reads only its ward's priority actions, and only their public fields; a sergeant reads
none of another ward's entries of a meeting they share one ward of, on screen or on
paper; the coordinator reads no ungraded or code C intelligence; the referring team
reads every action on its referral in the referrer's view, as tasking decides it."""
from datetime import date, datetime, timedelta, timezone

import pytest

from shared.need_to_know import fields_for
from shared.testing.factories import referral_payload
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e


def in_days(days):
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat()


def items(stack, query, user="coordinator"):
    answer = stack.get(f"/api/tasking/items?limit=200&{query}", user)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def refer(stack, ward, user="yot.partner", **overrides):
    referral = stack.post("/api/referrals", user, json=referral_payload(
        ward=ward, **overrides)).json()
    [item] = wait_for(lambda: items(stack, f"source_id={referral['id']}"))
    return referral, item


def test_a_panel_lists_only_its_wards_priority_actions_and_only_their_public_fields(stack):
    priority = stack.post("/api/ward-priorities", "panel.dalston", json={
        "ward": "dalston", "title": "Street drinking by the station",
        "description": "Evenings, the benches by the station entrance"})
    assert priority.status_code == 201, priority.text
    [action] = wait_for(lambda: items(stack, f"source_id={priority.json()['id']}"))
    _, on_referral = refer(stack, "dalston")

    listed = items(stack, "ward=dalston", "panel.dalston")
    assert action["id"] in {i["id"] for i in listed}
    assert on_referral["id"] not in {i["id"] for i in listed}
    panel_fields = set(fields_for("tasking_item", "panel"))
    assert all(set(i) <= panel_fields for i in listed)
    assert stack.get(f"/api/tasking/items/{on_referral['id']}",
                     "panel.dalston").status_code == 404

    done = stack.post(f"/api/tasking/items/{action['id']}/complete", "coordinator", json={
        "outcome": "Dispersal order; two people referred to outreach",
        "public_outcome": "Patrols at the station every evening; drinking has fallen"})
    assert done.status_code == 200, done.text
    read = stack.get(f"/api/tasking/items/{action['id']}", "panel.dalston")
    assert read.status_code == 200
    assert read.json() == {"id": action["id"], "reference": action["reference"],
                           "title": action["title"], "ward": "dalston",
                           "status": "completed", "due_by": action["due_by"],
                           "public_outcome": "Patrols at the station every evening; "
                                             "drinking has fallen"}


def test_a_sergeant_reads_only_their_own_wards_of_a_shared_meeting_also_on_paper(stack):
    mine, my_item = refer(stack, "dalston", risk_level="high")
    theirs, their_item = refer(stack, "homerton", risk_level="high")
    meeting = stack.post("/api/tasking/meetings", "coordinator", json={
        "held_on": date.today().isoformat(), "wards": ["dalston", "homerton"]}).json()
    path = f"/api/tasking/meetings/{meeting['id']}"
    for ward, title in (("dalston", "Dalston joint visit"), ("homerton", "Homerton joint visit")):
        assert stack.post(path + "/actions", "coordinator", json={
            "title": title, "ward": ward, "owner_agency": "yot", "due_by": in_days(7),
            "decision": "Agreed"}).status_code == 201
    stack.post(path + "/close", "coordinator",
               json={"minutes": "Homerton: the family at the flats"}).raise_for_status()

    coordinators = stack.get(path, "coordinator").json()
    assert {r["referral_id"] for r in coordinators["agenda"]["new_referrals"]} >= {
        mine["id"], theirs["id"]}
    seen = stack.get(path, "sgt.dalston").json()
    assert {r["ward"] for r in seen["agenda"]["new_referrals"]} == {"dalston"}
    assert mine["id"] in {r["referral_id"] for r in seen["agenda"]["new_referrals"]}
    assert [a["title"] for a in seen["actions"]] == ["Dalston joint visit"]
    assert seen["minutes"] is None
    assert all(i["ward"] == "dalston" for key in ("overdue_items", "priorities_for_review",
                                                  "intelligence_awaiting_feedback")
               for i in seen["agenda"][key])
    printed = stack.get(path + "/print", "sgt.dalston")
    assert printed.status_code == 200
    assert "Dalston joint visit" in printed.text
    assert "Homerton joint visit" not in printed.text and "<td>homerton</td>" not in printed.text
    assert "the family at the flats" not in printed.text
    trail = stack.get(f"/api/audit?limit=200&username=sgt.dalston&record_id={theirs['id']}",
                      "admin").json()["items"]
    assert trail == []  # what was not shown was not consulted


def test_the_coordinator_reads_no_ungraded_or_code_c_intelligence(stack):
    def report(text):
        filed = stack.post("/api/intelligence", "pcso.dalston", json={
            "ward": "dalston", "observed_at": in_days(-0.1), "location": "Ridley Road",
            "text": text})
        assert filed.status_code == 201, filed.text
        return filed.json()["id"]

    ungraded, code_c, code_p = (report(t) for t in ("Ungraded", "Conditions", "Plain"))
    for report_id, grade in ((code_c, {"handling_code": "C",
                                       "conditions": "Police only until the arrest"}),
                             (code_p, {"handling_code": "P"})):
        graded = stack.post(f"/api/intelligence/{report_id}/grade", "biu.analyst", json={
            "source_evaluation": 2, "intelligence_assessment": "B", **grade})
        assert graded.status_code == 200, graded.text

    for report_id, status in ((ungraded, 404), (code_c, 404), (code_p, 200)):
        assert stack.get(f"/api/intelligence/{report_id}", "coordinator").status_code == status
    listed = {r["id"] for r in stack.get("/api/intelligence?limit=200",
                                         "coordinator").json()["items"]}
    assert code_p in listed and not {ungraded, code_c} & listed
    conditions = stack.get(f"/api/intelligence/{code_c}", "sgt.dalston").json()
    assert conditions["handling_conditions"] == "Police only until the arrest"


def test_the_referrer_reads_every_action_on_their_referral_in_the_referrer_view(stack):
    referral, routed = refer(stack, "dalston", category="asb")  # owned by council safety
    by_hand = stack.post("/api/tasking/items", "coordinator", json={
        "title": "Housing to check the tenancy", "description": "Neighbour complaints",
        "ward": "dalston", "owner_agency": "housing", "due_by": in_days(5),
        "source_type": "referral", "source_id": referral["id"]})
    assert by_hand.status_code == 201, by_hand.text
    referrer_fields = set(fields_for("tasking_item", "referrer"))

    seen = stack.get(f"/api/referrals/{referral['id']}", "yot.partner").json()
    assert {i["id"] for i in seen["tasking_items"]} == {routed["id"], by_hand.json()["id"]}
    assert all(set(i) <= referrer_fields for i in seen["tasking_items"])
    for item_id in (routed["id"], by_hand.json()["id"]):
        read = stack.get(f"/api/tasking/items/{item_id}", "yot.partner")
        assert read.status_code == 200, read.text
        assert set(read.json()) <= referrer_fields and "description" not in read.json()
    # The owning agency reads its own action whole, and no other agency's.
    owned = stack.get(f"/api/tasking/items/{routed['id']}", "council.partner").json()
    assert owned["raised_by"] == "tasking" and "history" in owned
    assert stack.get(f"/api/tasking/items/{by_hand.json()['id']}",
                     "council.partner").status_code == 404
