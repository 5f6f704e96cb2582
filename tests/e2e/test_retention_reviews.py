"""Retention reviews over the real stack, with a schedule whose periods are all 0 days so
that a referral falls due the moment it ends: it appears in the DPO's queue (and in no one
else's), the DPO retains it with a reason and a new date, the decision is on the audit
trail, and the referral leaves the queue until that date."""
from datetime import date, timedelta

import pytest

from shared.testing.factories import referral_payload
from shared.testing.retention import schedule_due_at_once
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack_settings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("retention")
    return {"WARDLINE_RETENTION_SCHEDULE": schedule_due_at_once(folder)}


def ended_referral(stack):
    payload = referral_payload(ward="dalston")
    referral = stack.post("/api/referrals", "yot.partner", json=payload).json()
    referral["family_name"] = payload["subject"]["family_name"]
    triaged = stack.post(f"/api/referrals/{referral['id']}/triage", "coordinator", json={
        "decision": "no_further_action", "reason": "Known to YOT already",
        "reason_for_referrer": "Already supported"})
    assert triaged.status_code == 200, triaged.text
    return referral


def test_a_referral_that_falls_due_is_reviewed_by_the_dpo_and_the_decision_audited(stack):
    referral = ended_referral(stack)
    queue = stack.get("/api/retention/due", "dpo")
    assert queue.status_code == 200, queue.text
    [due] = [r for r in queue.json()["items"] if r["record_id"] == referral["id"]]
    assert (due["outcome"], due["action"], due["automatic"]) == \
        ("no_further_action", "delete", True)
    assert due["reference"] == referral["reference"]
    assert referral["family_name"] not in queue.text  # no one's details
    for user in ("coordinator", "admin", "yot.partner"):
        assert stack.get("/api/retention/due", user).status_code == 403

    next_review = (date.today() + timedelta(days=90)).isoformat()
    decided = stack.post(f"/api/retention/referrals/{referral['id']}/decision", "dpo", json={
        "decision": "retain", "reason": "Linked case review open", "retain_until": next_review})
    assert decided.status_code == 200, decided.text
    assert decided.json()["due_on"] == next_review
    assert referral["id"] not in {r["record_id"] for r in
                                  stack.get("/api/retention/due", "dpo").json()["items"]}
    trail = wait_for(lambda: [e for e in stack.get(
        f"/api/audit?record_id={referral['id']}&limit=50", "dpo").json()["items"]
        if e["purpose"] == "Retention review: retain"], timeout=20)
    assert trail and trail[0]["username"] == "dpo"


def test_a_decision_needs_a_reason_and_a_retained_record_a_later_day(stack):
    referral = ended_referral(stack)
    path = f"/api/retention/referrals/{referral['id']}/decision"
    assert stack.post(path, "dpo", json={"decision": "retain", "reason": "r"}
                      ).status_code == 422
    assert stack.post(path, "dpo", json={"decision": "dispose", "reason": ""}
                      ).status_code == 422
    disposed = stack.post(path, "dpo", json={"decision": "dispose", "reason": "Time up"})
    assert disposed.status_code == 200, disposed.text
    assert disposed.json()["last_decision"]["decision"] == "dispose"
