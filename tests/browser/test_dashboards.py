"""Dashboards in a real browser: an item falls overdue and the coordinator sees it in the
overdue-by-ward chart (one image with a spoken summary) and in the table beneath it; once
a referral is acted on and a report fed back, a sergeant sees those timed, by week, for
their own wards."""
import re
import time
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from shared.testing.factories import referral_payload
from tests.browser.conftest import sign_in

WARD, WARD_NAME = "de-beauvoir", "De Beauvoir"


def test_the_coordinator_sees_an_overdue_item_in_the_chart_and_its_table(page, stack):
    stack.token("coordinator")  # signed in first, so the due time is still ahead when sent
    due = datetime.now(timezone.utc) + timedelta(seconds=3)
    made = stack.post("/api/tasking/items", "coordinator", json={
        "title": "Board up the empty shop on the parade", "ward": WARD,
        "owner_agency": "housing", "due_by": due.isoformat()})
    assert made.status_code == 201, made.text
    time.sleep(max(0.0, (due - datetime.now(timezone.utc)).total_seconds()) + 0.5)

    sign_in(page, "coordinator")
    page.get_by_role("link", name="Dashboards").click()
    expect(page.get_by_role("heading", level=1, name="Dashboards")).to_be_visible()
    overdue = page.locator("section").filter(
        has=page.get_by_role("heading", name="Overdue items by ward"))

    chart = overdue.get_by_role("img")
    expect(chart).to_have_count(1)
    expect(chart).to_have_attribute("aria-label", f"Overdue tasking items by ward: 1 of 1 open "
                                    f"items are overdue, in 1 ward. Most overdue: "
                                    f"{WARD_NAME}, 1. The table below lists every ward.")
    expect(chart.locator("text").filter(has_text=WARD_NAME)).to_have_count(1)
    expect(chart.locator("rect.overdue")).to_have_count(1)

    table = overdue.get_by_role("table", name="Overdue and open tasking items by ward")
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=WARD_NAME))
    expect(row.get_by_role("cell")).to_have_text(["1", "1"])

    # Screen readers get every figure from the tables: one per chart.
    expect(page.get_by_role("img")).to_have_count(1)  # nothing acted on or fed back yet
    expect(page.get_by_text("No referral was acted on in the last 12 weeks.")).to_be_visible()


def test_a_sergeant_sees_referral_and_feedback_times_for_their_wards(page, stack):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    referral = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        ward="dalston", risk_level="high")).json()
    deadline = time.monotonic() + 15
    while not stack.get(f"/api/tasking/items?source_id={referral['id']}",
                        "coordinator").json()["items"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert stack.post(f"/api/referrals/{referral['id']}/triage", "coordinator", json={
        "decision": "redirect", "reason": "Tenancy enforcement",
        "reason_for_referrer": "Housing will act on the tenancy",
        "redirect_to_agency": "housing"}).status_code == 200
    report = stack.post("/api/intelligence", "pcso.dalston", json={
        "ward": "dalston", "observed_at": datetime.now(timezone.utc).isoformat(),
        "location": "Garages behind the estate", "text": "Silver hatchback, two males"}).json()
    path = f"/api/intelligence/{report['id']}"
    stack.post(path + "/grade", "biu.analyst", json={
        "source_evaluation": 2, "intelligence_assessment": "B", "handling_code": "P"})
    assert stack.post(path + "/feedback", "biu.analyst", json={
        "usage": "informed_tasking", "note": "Patrols moved"}).status_code == 200

    sign_in(page, "sgt.dalston")
    page.get_by_role("link", name="Dashboards").click()
    expect(page.get_by_text("Figures for Dalston, Hackney Central")).to_be_visible()
    page.get_by_label("Period").select_option("4")
    page.get_by_role("button", name="Show").click()
    feedback = page.locator("section").filter(
        has=page.get_by_role("heading", name="Intelligence feedback turnaround"))
    expect(feedback.get_by_role("img")).to_have_attribute(
        "aria-label", re.compile(r"by week, last 4 weeks: .* 1 report fed back"))
    weeks = feedback.get_by_role("table", name="Intelligence feedback turnaround, by week")
    expect(weeks.locator("tbody tr")).to_have_count(4)
    expect(weeks.locator("tbody tr").last.get_by_role("cell").first).to_have_text("1")
    referrals = page.locator("section").filter(
        has=page.get_by_role("heading", name="Referral to first action"))
    expect(referrals.get_by_role("img")).to_have_count(1)
    expect(referrals.get_by_role("table", name="Referral to first action, by risk")
           .get_by_role("row").filter(has_text="high").get_by_role("cell").first).to_have_text("1")
    # The overdue item of the first test is in De Beauvoir: not one of this sergeant's wards.
    expect(page.get_by_text("De Beauvoir")).to_have_count(0)
    assert errors == []
