"""The DPO's records-due page in Chromium, on a stack whose schedule makes a referral due
the moment it ends: the home page counts it, the page shows its reference and what the
schedule says (never whom it is about), the decision form passes the automatic WCAG
checks, and retaining it with a reason and a date says so and empties the queue."""
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from shared.testing.factories import referral_payload
from shared.testing.retention import schedule_due_at_once
from shared.testing.stack import ServiceStack
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import AUDIT


@pytest.fixture(scope="module")
def stack(wardline_env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("stack")
    services = ServiceStack({**wardline_env,
                             "WARDLINE_RETENTION_SCHEDULE": schedule_due_at_once(folder)},
                            folder)
    with services.running():
        yield services


def test_the_dpo_retains_a_referral_that_fell_due(page, stack):
    payload = referral_payload(ward="dalston")
    referral = stack.post("/api/referrals", "yot.partner", json=payload).json()
    assert stack.post(f"/api/referrals/{referral['id']}/triage", "coordinator", json={
        "decision": "no_further_action", "reason": "Known already",
        "reason_for_referrer": "Already supported"}).status_code == 200

    sign_in(page, "dpo")
    expect(page.get_by_role("link", name="1 records due for a retention decision")).to_be_visible()
    page.get_by_role("link", name="1 records due for a retention decision").click()
    expect(page.get_by_role("heading", name=f"referral {referral['reference']}")).to_be_visible()
    expect(page.get_by_text("Delete")).to_be_visible()
    assert payload["subject"]["family_name"] not in page.content()
    assert page.evaluate(AUDIT) == []

    page.get_by_label("Reason").fill("A linked case review is still open")
    page.get_by_label("Next review on (when retained)").fill(
        (date.today() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_have_text(f"Recorded: {referral['reference']} retained.")
    expect(page.get_by_text("No record is due for review.")).to_be_visible()
