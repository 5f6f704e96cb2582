"""References people can say, over the running stack: a referral's reference is in its
201, is taken wherever its id is, and reaches the action raised on it; an action, a PCSO
task, an intelligence report and a case review are found by theirs; an unknown reference
is a 404 that names it."""
from datetime import datetime, timedelta, timezone

import pytest

from shared.references import parse_reference
from shared.testing.factories import referral_payload
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e


def in_days(days):
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat()


@pytest.fixture(scope="module")
def referral(stack):
    submitted = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        category="youth_at_risk", risk_level="high", ward="dalston"))
    assert submitted.status_code == 201, submitted.text
    return submitted.json()


def test_a_referral_is_read_by_the_reference_in_its_201(stack, referral):
    kind, year, _number = parse_reference(referral["reference"])
    assert (kind, year) == ("referral", datetime.now(timezone.utc).year)
    found = stack.get(f"/api/referrals/{referral['reference']}", "yot.partner")
    assert found.status_code == 200, found.text
    body = found.json()
    assert (body["id"], body["reference"]) == (referral["id"], referral["reference"])
    listed = stack.get("/api/referrals", "yot.partner").json()["items"]
    assert {r["reference"] for r in listed if r["id"] == referral["id"]} == {
        referral["reference"]}


def test_the_action_raised_on_a_referral_shows_its_reference_and_is_read_by_its_own(
        stack, referral):
    def raised():
        items = stack.get(f"/api/tasking/items?source_id={referral['reference']}",
                          "coordinator").json()["items"]
        return items or None

    [item] = wait_for(raised) or pytest.fail("no action raised on the referral")
    assert (item["source_id"], item["source_reference"]) == (referral["id"],
                                                             referral["reference"])
    assert parse_reference(item["reference"])[0] == "tasking_item"
    found = stack.get(f"/api/tasking/items/{item['reference']}", "coordinator")
    assert found.status_code == 200, found.text
    assert found.json()["id"] == item["id"]
    # The referring team sees the action's reference beside their referral.
    [shown] = stack.get(f"/api/referrals/{referral['reference']}",
                        "yot.partner").json()["tasking_items"]
    assert (shown["reference"], shown["source_reference"]) == (item["reference"],
                                                               referral["reference"])


def test_a_pcso_task_and_its_intelligence_report_are_read_by_their_references(stack):
    task = stack.post("/api/pcso-tasks", "sgt.dalston", json={
        "ward": "dalston", "brief": "Dealing around the estate garages",
        "look_for": "Vehicles and times", "source_type": "ward_priority",
        "source_id": "6b000000-0000-4000-8000-000000000001", "due_by": in_days(10),
        "assignee": "pcso.dalston"})
    assert task.status_code == 201, task.text
    task = task.json()
    assert parse_reference(task["reference"])[0] == "pcso_task"
    assert stack.get(f"/api/pcso-tasks/{task['reference']}", "pcso.dalston").json()[
        "id"] == task["id"]
    report = stack.post(f"/api/pcso-tasks/{task['reference']}/reports", "pcso.dalston",
                        json={"observed_at": in_days(-0.1), "location": "Garages",
                              "text": "Silver hatchback, 21:10"})
    assert report.status_code == 201, report.text
    report = report.json()
    assert parse_reference(report["reference"])[0] == "intelligence_report"
    assert stack.get(f"/api/intelligence/{report['reference']}", "biu.analyst").json()[
        "id"] == report["id"]


def test_a_case_review_is_read_by_its_reference(stack, referral):
    opened = stack.post("/api/case-reviews", "reviewer", json={
        "subject_id": referral["subject_id"], "trigger": "serious_incident",
        "incident_summary": "Stabbed near the estate garages", "incident_date": "2026-11-20"})
    assert opened.status_code == 201, opened.text
    review = opened.json()
    assert parse_reference(review["reference"])[0] == "case_review"
    found = stack.get(f"/api/case-reviews/{review['reference']}", "reviewer")
    assert found.status_code == 200, found.text
    assert found.json()["id"] == review["id"]


@pytest.mark.parametrize("path, what", [
    ("/api/referrals/WL-R-2026-999999", "There is no referral WL-R-2026-999999"),
    ("/api/tasking/items/WL-A-2026-999999", "There is no action WL-A-2026-999999"),
    ("/api/case-reviews/WL-C-2026-999999", "There is no case review WL-C-2026-999999")])
def test_an_unknown_reference_is_a_404_naming_it(stack, path, what):
    user = "reviewer" if "case-reviews" in path else "coordinator"
    response = stack.get(path, user)
    assert response.status_code == 404, response.text
    error = response.json()["error"]
    assert error["code"] == "not_found" and what in error["message"]
    assert error["fields"] == {"reference": [path.rsplit("/", 1)[1]]}
