"""Journey 1 in a real browser: a partner refers, sees the acknowledgement; the
coordinator triages it from the queue; the partner sees the decision."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def test_a_partner_refers_and_the_coordinator_triages(page, stack):
    sign_in(page, "yot.partner")
    page.locator("nav").get_by_role("link", name="Refer someone", exact=True).click()
    expect(page.get_by_role("heading", name="Refer someone")).to_be_visible()
    page.get_by_label("Given name").fill("Zoë")
    page.get_by_label("Family name").fill("O'Neil-Brown")
    page.get_by_label("Date of birth").fill("2010-03-04")
    page.get_by_label("Concern").select_option("youth_at_risk")
    page.get_by_label("Risk").select_option("high")
    page.get_by_label("Ward").select_option("dalston")
    page.get_by_label("Summary").fill("Seen with older gang members near the estate garages")
    page.get_by_label("Lawful basis for sharing").select_option("safeguarding_children")
    page.get_by_role("button", name="Send referral").click()

    expect(page.get_by_role("status")).to_contain_text("your referral was received")
    page.get_by_role("link", name="My referrals").click()
    page.get_by_role("row").filter(has_text="Young person at risk").first.get_by_role("link").click()
    expect(page.locator(".feedback").first).to_contain_text("Referral received")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "coordinator")
    page.locator("nav").get_by_role("link", name="Triage queue", exact=True).click()
    card = page.locator("section.card").filter(has_text="Seen with older gang members")
    card.get_by_label("Decision").select_option("accept")
    card.get_by_label("Internal reason").fill("Home visit with the Safer Schools officer")
    card.get_by_role("button", name="Record decision").click()
    expect(page.locator("section.card").filter(has_text="Seen with older gang members")
           ).to_have_count(0)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "yot.partner")
    page.get_by_role("link", name="My referrals").click()
    expect(page.get_by_role("row").filter(has_text="accepted").first).to_be_visible()


def test_a_referral_with_mistakes_shows_each_error_beside_its_field(page, stack):
    sign_in(page, "council.partner")
    page.locator("nav").get_by_role("link", name="Refer someone", exact=True).click()
    expect(page.get_by_role("heading", name="Refer someone")).to_be_visible()
    page.get_by_label("Date of birth").fill("2999-01-01")
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing was stored")
    given = page.get_by_label("Given name")
    expect(given).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-subject\\.date_of_birth-error")).to_contain_text(
        re.compile("future"))
