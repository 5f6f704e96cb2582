"""Journey 1's loop, closed, over real processes, broker and database: the YOT refers, the
routing rules raise an action for council community safety, who record progress and
complete it with an outcome; the YOT worker and the YOT's team are told the outcome once
(even when the event is delivered three times), see it on the referral with the action's
owner and due date (never that agency's notes), and the read is audited. Triage's "no
further action" is told once, by the triage, not again as an outcome."""
import json

import pytest
import sqlalchemy as sa
from kombu import Connection

from shared.bus import events_exchange
from shared.db import driver_url
from shared.testing.factories import referral_payload
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e
OUTCOME = "Joint visit with the estate officer; family agreed to early help"
NOTE = "Mother says the older men are from the Pembury estate"  # the agency's own note


def outcomes_told(stack, user, referral_id):
    return [n for n in stack.get("/api/notifications?limit=200", user).json()["items"]
            if n["kind"] == "tasking_item.outcome" and n["source_id"] == referral_id]


def test_the_referrer_is_told_an_action_s_outcome_once_and_sees_it_on_the_referral(stack):
    referral = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        category="asb", risk_level="medium", ward="dalston")).json()
    referral_id = referral["id"]
    [item] = wait_for(lambda: stack.get(f"/api/tasking/items?source_id={referral_id}",
                                        "coordinator").json()["items"])
    assert item["owner_agency"] == "la-community-safety"

    stack.post(f"/api/tasking/items/{item['id']}/updates", "council.partner",
               json={"note": NOTE}).raise_for_status()
    stack.post(f"/api/tasking/items/{item['id']}/complete", "council.partner",
               json={"outcome": OUTCOME}).raise_for_status()

    # Told in their own name, the referrer is not shown their team's copy as well (it
    # is on the referral's feedback, below, for the rest of the team).
    [told] = wait_for(lambda: outcomes_told(stack, "yot.partner", referral_id))
    assert told["recipient"] == "user:yot.partner"
    body = told["body"]
    assert f"Outcome: {OUTCOME}" in body and "completed by council community safety" in body
    assert NOTE not in body and "council.partner" not in body

    # The same completion delivered twice more: still told once each.
    message = wait_for(lambda: _published(stack, "tasking", "tasking_item.completed",
                                          item["id"]))
    assert message, "the completion was never marked published"
    with Connection(stack.env["WARDLINE_AMQP_URI"]) as conn:
        for _ in range(2):
            conn.Producer().publish(json.dumps(message), exchange=events_exchange("tasking"),
                                    routing_key="tasking_item.completed",
                                    content_type="application/json", delivery_mode=2)
    # Both copies consumed and recognised as already applied, before counting.
    assert wait_for(lambda: copies_recognised(stack, "notifications",
                                              message["event_id"]) == 2, timeout=30), \
        "notifications did not see both extra copies"
    assert len(outcomes_told(stack, "yot.partner", referral_id)) == 1
    assert outcomes_told(stack, "council.partner", referral_id) == []  # not their news

    # The referral page: the action another agency owns, as the referrer may know it.
    referral = stack.get(f"/api/referrals/{referral_id}", "yot.partner").json()
    [action] = referral["tasking_items"]
    assert (action["id"], action["status"], action["owner_agency"], action["outcome"]) == (
        item["id"], "completed", "la-community-safety", OUTCOME)
    assert action["due_by"] == item["due_by"]
    assert NOTE not in json.dumps(referral)
    assert not action.get("history") and not action.get("owner_user")
    assert "tasking_item.outcome" in [f["kind"] for f in referral["feedback"]]
    trail = stack.get(f"/api/audit?limit=200&username=yot.partner&record_id={item['id']}",
                      "admin").json()["items"]
    assert [(e["action"], e["record_type"]) for e in trail] == [("consultation",
                                                                 "tasking_item")]

    # The progress update is in the person's chronology (tasking_item.updated), note-free.
    review = stack.post("/api/case-reviews", "reviewer", json={
        "subject_id": referral["subject_id"], "trigger": "serious_incident",
        "incident_summary": "Assaulted near the garages", "incident_date": "2026-11-20"})
    assert review.status_code == 201, review.text

    def progress():
        timeline = stack.get(f"/api/case-reviews/{review.json()['id']}/timeline",
                             "reviewer")
        assert timeline.status_code == 200, timeline.text
        return [e for e in timeline.json()["items"]
                if e["event_type"] == "tasking_item.updated"]
    [entry] = wait_for(progress)
    assert entry["summary"] == "Progress recorded on the action owned by la-community-safety."


def test_no_further_action_at_triage_is_told_by_the_triage_alone(stack):
    referral_id = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        ward="dalston")).json()["id"]
    assert wait_for(lambda: stack.get(f"/api/tasking/items?source_id={referral_id}",
                                      "coordinator").json()["items"])
    stack.post(f"/api/referrals/{referral_id}/triage", "coordinator", json={
        "decision": "no_further_action", "reason": "Known to CAIT; enquiry under way",
        "reason_for_referrer": "Already being looked into by the police"}
    ).raise_for_status()
    [item] = wait_for(lambda: [i for i in stack.get(
        f"/api/tasking/items?source_id={referral_id}", "coordinator").json()["items"]
        if i["status"] == "completed"])
    assert wait_for(lambda: _published(stack, "notifications", "notification.sent",
                                       referral_id, key="source_id", kind="referral.triaged"))
    # The item's completion has reached notifications and been applied (an outcome it
    # chose not to tell): whatever it would add is in by now.
    completed = wait_for(lambda: _published(stack, "tasking", "tasking_item.completed",
                                            item["id"]))
    assert completed, "the triage's completion of the item was never published"
    assert wait_for(lambda: _applied(stack, "notifications", completed["event_id"],
                                     "notifications.tell_referrer_the_outcome"))
    mine = [n for n in stack.get("/api/notifications?limit=200", "yot.partner").json()["items"]
            if n["source_id"] == referral_id and n["recipient"] == "user:yot.partner"]
    assert sorted(n["kind"] for n in mine) == ["referral.acknowledged", "referral.triaged"]
    assert all("CAIT" not in n["body"] for n in mine)


def copies_recognised(stack, service, event_id):
    return sum(1 for line in stack.log(service).splitlines()
               if "event.already_applied" in line and event_id in line)


def _applied(stack, schema, event_id, consumer):
    """Whether `consumer` has recorded `event_id` in `schema`'s processed_events."""
    engine = sa.create_engine(driver_url(stack.env["WARDLINE_DATABASE_URL"]))
    with engine.connect() as conn:
        found = conn.execute(sa.text(
            f"SELECT 1 FROM {schema}.processed_events WHERE event_id = :id "
            "AND consumer = :consumer"), {"id": event_id, "consumer": consumer}).first()
    engine.dispose()
    return found is not None


def _published(stack, schema, type_, record_id, key="tasking_item_id", kind=None):
    """The message `schema`'s outbox published for `type_` about `record_id`."""
    engine = sa.create_engine(driver_url(stack.env["WARDLINE_DATABASE_URL"]))
    query = (f"SELECT message FROM {schema}.outbox WHERE published_at IS NOT NULL "
             f"AND message->>'type' = :type AND message->'payload'->>'{key}' = :id")
    if kind:  # a notification.sent listing a delivery of that kind
        query += " AND (message::jsonb)->'payload'->'deliveries' @> CAST(:kind AS jsonb)"
    with engine.connect() as conn:
        row = conn.execute(sa.text(query), {"type": type_, "id": record_id,
                                            "kind": json.dumps([{"kind": kind}])}).first()
    engine.dispose()
    return row[0] if row else None
