"""`GET /api/dashboards/tasking` on the running stack: only the coordinator, sergeants and
the BIU may read it; a sergeant's figures cover their own wards only; an overdue item, a
referral acted on and intelligence fed back each show up in the figures, which carry no
record and no name."""
from datetime import datetime, timedelta, timezone

import pytest
import requests

from shared.testing.factories import referral_payload
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e

PATH = "/api/dashboards/tasking"


def raise_item_due_soon(stack, ward, seconds=3):
    stack.token("coordinator")  # signed in first, so the due time is still ahead when sent
    due = datetime.now(timezone.utc) + timedelta(seconds=seconds)
    made = stack.post("/api/tasking/items", "coordinator", json={
        "title": "Cut back the hedges by the garages", "ward": ward,
        "owner_agency": "housing", "due_by": due.isoformat()})
    assert made.status_code == 201, made.text
    return made.json()


def dashboard(stack, user, **params):
    answer = stack.get(PATH, user, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def overdue_in(shown):
    return {row["ward"]: row["overdue"] for row in shown["overdue_by_ward"]["wards"]}


def test_only_the_coordinator_sergeants_and_the_biu_may_read_dashboards(stack):
    assert requests.get(stack.base_url + PATH, timeout=10).status_code == 401
    for user in ("yot.partner", "pcso.dalston", "admin", "panel.dalston", "reviewer"):
        refused = stack.get(PATH, user)
        assert refused.status_code == 403, user
        assert refused.json()["error"]["code"] == "forbidden"
    for user in ("coordinator", "sgt.dalston", "biu.analyst"):
        assert stack.get(PATH, user).status_code == 200, user
    bad = stack.get(PATH, "coordinator", params={"weeks": "0"})
    assert bad.status_code == 422 and "weeks" in bad.json()["error"]["fields"]


def test_a_sergeant_sees_overdue_items_of_their_own_wards_only(stack):
    raise_item_due_soon(stack, "dalston")
    raise_item_due_soon(stack, "homerton")
    shown = wait_for(lambda: (lambda d: d if {"dalston", "homerton"} <= {
        w for w, n in overdue_in(d).items() if n} else None)(dashboard(stack, "coordinator")))
    assert shown, "the overdue items never showed on the coordinator's dashboard"
    assert shown["wards"] is None  # the whole borough

    sergeant = dashboard(stack, "sgt.dalston")
    assert sergeant["wards"] == ["dalston", "hackney-central"]
    assert set(overdue_in(sergeant)) <= {"dalston", "hackney-central"}
    assert overdue_in(sergeant)["dalston"] >= 1
    # Asking for another ward narrows the figures to nothing; it never widens them.
    elsewhere = dashboard(stack, "sgt.dalston", ward="homerton")
    assert elsewhere["wards"] == [] and elsewhere["overdue_by_ward"]["wards"] == []
    assert overdue_in(dashboard(stack, "biu.analyst", ward="homerton"))["homerton"] >= 1


def test_a_referral_acted_on_and_intelligence_fed_back_are_timed(stack):
    before = dashboard(stack, "coordinator")
    made = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        ward="dalston", risk_level="high"))
    assert made.status_code == 201, made.text
    referral = made.json()

    def items():
        answer = stack.get(f"/api/tasking/items?source_id={referral['id']}", "coordinator")
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]

    assert wait_for(items)
    waiting = wait_for(lambda: dashboard(stack, "coordinator")["referral_to_action"][
        "waiting"] > before["referral_to_action"]["waiting"])
    assert waiting, "the referral never counted as waiting for action"
    stack.post(f"/api/referrals/{referral['id']}/triage", "coordinator", json={
        "decision": "redirect", "reason": "Tenancy enforcement",
        "reason_for_referrer": "Housing will act on the tenancy",
        "redirect_to_agency": "housing"})
    acted = wait_for(lambda: dashboard(stack, "coordinator")["referral_to_action"][
        "count"] > before["referral_to_action"]["count"])
    assert acted, "the redirect never counted as the referral's first action"

    report = stack.post("/api/intelligence", "pcso.dalston", json={
        "ward": "dalston", "observed_at": datetime.now(timezone.utc).isoformat(),
        "location": "Garages behind the estate", "text": "Silver hatchback, two males"})
    assert report.status_code == 201, report.text
    path = f"/api/intelligence/{report.json()['id']}"
    assert stack.post(path + "/grade", "biu.analyst", json={
        "source_evaluation": 2, "intelligence_assessment": "B",
        "handling_code": "P"}).status_code == 200
    assert stack.post(path + "/feedback", "biu.analyst", json={
        "usage": "informed_tasking", "note": "Patrols moved to the garages"}).status_code == 200

    shown = dashboard(stack, "sgt.dalston", weeks="4")
    feedback = shown["intelligence_feedback"]
    assert feedback["count"] >= 1 and feedback["within_service_level"] >= 1
    assert len(feedback["by_week"]) == 4 and feedback["by_week"][-1]["count"] >= 1
    assert feedback["median_hours"] is not None and feedback["median_hours"] < 1
    answer = stack.get(PATH, "coordinator").text
    assert referral["id"] not in answer and referral["subject_id"] not in answer
    assert "yot.partner" not in answer and "pcso.dalston" not in answer
