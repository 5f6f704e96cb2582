"""Journey 1 at the tasking meeting, in a real browser: a partner refers; the coordinator
holds a meeting, finds the referral on the agenda, raises an action owned by an agency with
a due date and completes it with an outcome; the partner sees the outcome on their referral."""
from datetime import datetime, timedelta

from playwright.sync_api import expect

from shared.testing.waiting import wait_for
from tests.browser.conftest import sign_in

SUMMARY = "Seen being driven to other boroughs late at night by older men"
ACTION = "Joint visit by the YOT worker and the Safer Schools officer"
OUTCOME = "Visited with his mother; referred to the early-intervention panel"


def refer(stack, user, **overrides):
    body = {"category": "exploitation", "risk_level": "medium", "ward": "dalston",
            "subject": {"given_name": "Tomasz", "family_name": "Kowalczyk-Adeyemi",
                        "date_of_birth": "2009-02-11"},
            "summary": SUMMARY, "lawful_basis": "safeguarding_children", **overrides}
    response = stack.post("/api/referrals", user, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_the_coordinator_actions_a_referral_at_the_meeting_and_the_partner_sees_the_outcome(
        page, stack):
    referral = refer(stack, "yot.partner")
    # The agenda is built from what tasking knows: wait until it has heard of the referral.
    assert wait_for(lambda: stack.get(f"/api/tasking/items?source_id={referral['id']}",
                                      "coordinator").json()["items"])

    sign_in(page, "coordinator")
    page.get_by_role("link", name="Tasking meetings").click()
    expect(page.get_by_role("heading", name="Tasking meetings", level=1)).to_be_visible()
    page.get_by_role("button", name="Hold the meeting").click()  # no ward ticked yet
    expect(page.locator("#f-wards-error")).to_contain_text("wards")  # beside the ward boxes
    page.get_by_label("Dalston", exact=True).check()
    page.get_by_role("button", name="Hold the meeting").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Tasking meeting")
    expect(page.get_by_role("heading", name="New referrals (1)")).to_be_visible()
    entry = page.locator("article.agenda-entry").filter(has_text=SUMMARY)
    expect(entry).to_contain_text("Exploitation, medium risk, Dalston")
    expect(entry).to_contain_text("From Youth Offending Team")

    entry.get_by_text("Raise an action", exact=True).click()
    entry.get_by_label("Action", exact=True).fill(ACTION)
    entry.get_by_label("Decision of the meeting").fill("Visit this week; YOT leads")
    entry.get_by_label("Owning agency").select_option("yot")
    due = (datetime.now() + timedelta(days=3)).replace(hour=17, minute=0, second=0, microsecond=0)
    entry.get_by_label("Due by").fill(due.strftime("%Y-%m-%dT%H:%M"))
    entry.get_by_role("button", name="Raise the action").click()

    expect(page.get_by_role("status")).to_contain_text(f"Action raised: {ACTION}")
    action = page.locator("article.action").filter(has_text=ACTION)
    expect(action).to_contain_text("Youth Offending Team")
    expect(action).to_contain_text(f"{due.day} {due.strftime('%B %Y')}, 17:00")  # the one date format

    action.get_by_text("Record progress", exact=True).click()
    action.get_by_label("Progress").fill("Visit booked for Thursday")
    action.get_by_role("button", name="Record the progress").click()
    expect(page.get_by_role("status")).to_contain_text("progress recorded")

    action = page.locator("article.action").filter(has_text=ACTION)
    action.get_by_text("Complete with an outcome", exact=True).click()
    action.get_by_role("button", name="Complete the action").click()  # no outcome yet
    expect(action.get_by_role("alert")).to_be_visible()
    expect(action.get_by_label("Outcome")).to_have_attribute("aria-invalid", "true")
    action.get_by_label("Outcome").fill(OUTCOME)
    action.get_by_role("button", name="Complete the action").click()
    expect(page.get_by_role("status")).to_contain_text("completed")
    action = page.locator("article.action").filter(has_text=ACTION)
    expect(action.locator("dt:text-is('Status') + dd")).to_have_text("completed")
    expect(action).to_contain_text(OUTCOME)

    page.get_by_role("textbox", name="Minutes").fill("One new referral; one action raised and completed.")
    page.get_by_role("button", name="Close the meeting").click()
    expect(page.get_by_role("status")).to_contain_text("The meeting is closed")
    expect(page.get_by_text("One new referral; one action raised and completed.")).to_be_visible()

    page.get_by_role("link", name="Overdue board").click()
    expect(page.get_by_role("heading", name="Overdue board")).to_be_visible()
    expect(page.get_by_text("No action is overdue.")).to_be_visible()

    # The referrer is told the outcome (notifications): wait for it before looking.
    assert wait_for(lambda: [f for f in stack.get(f"/api/referrals/{referral['id']}",
                                                  "yot.partner").json()["feedback"]
                             if f["kind"] == "tasking_item.outcome"])

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "yot.partner")
    page.get_by_role("link", name="My referrals").click()
    page.get_by_role("row").filter(has_text="Exploitation").first.get_by_role("link").click()
    # The partner SEES the outcome on their referral: on the action, and in what they
    # were told.
    listed = page.locator("li.action").filter(has_text=ACTION)
    expect(listed).to_contain_text("completed by Youth Offending Team")
    expect(listed.locator(".outcome")).to_have_text(f"Outcome: {OUTCOME}")
    told = page.locator("li.feedback").filter(has_text="Outcome of an action on your referral")
    expect(told).to_have_count(1)
    expect(told).to_contain_text(OUTCOME)
