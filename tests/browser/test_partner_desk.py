"""Every side of the partnership has its desk, in a real browser: the agency given an action
takes it up, records progress and completes it, and the referrer sees the outcome; every
page has an address that survives Back, reload and signing in."""
import re

from playwright.sync_api import expect

from shared.testing.waiting import wait_for
from tests.browser.conftest import sign_in

SUMMARY = "Groups gathering nightly on the stairwell of Rhodes House, residents afraid"
PROGRESS = "Warning letters delivered to three flats"
OUTCOME = "Acceptable behaviour contracts signed; stairwell lighting repaired"


def refer_asb(stack):
    """The YOT refers an ASB case: the routing rules give its first action to the
    council's community safety team (tasking/routing.yaml), the desk this test works."""
    response = stack.post("/api/referrals", "yot.partner", json={
        "category": "asb", "risk_level": "medium", "ward": "dalston", "summary": SUMMARY,
        "subject": {"given_name": "Dwayne", "family_name": "Okoro-Smith",
                    "date_of_birth": "2007-05-19"},
        "lawful_basis": "crime_and_disorder_act_s115"})
    assert response.status_code == 201, response.text
    referral = response.json()
    items = wait_for(lambda: stack.get(f"/api/tasking/items?source_id={referral['id']}",
                                       "coordinator").json()["items"])
    assert items and items[0]["owner_agency"] == "la-community-safety", items
    return referral, items[0]


def test_a_partner_takes_up_updates_and_completes_an_action_and_the_referrer_sees_the_outcome(
        page, stack):
    referral, item = refer_asb(stack)
    sign_in(page, "council.partner")
    expect(page.get_by_role("heading", level=1, name="What needs you today")).to_be_visible()
    expect(page.locator(".tile").filter(has_text="open actions for our agency")
           .locator(".count")).not_to_have_text("0")

    page.locator("nav").get_by_role("link", name="Our actions", exact=True).click()
    expect(page).to_have_url(re.compile(r"#/our-actions$"))
    row = page.get_by_role("row").filter(has_text=item["title"]).first
    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"#/actions/{item['id']}$"))
    card = page.locator("article.action")
    expect(card.locator("dt:text-is('Named person') + dd")).to_have_text("Nobody named yet")

    card.get_by_role("button", name="Take it up").click()
    expect(page.get_by_role("status")).to_contain_text("you have taken it up")
    card = page.locator("article.action")
    expect(card.locator("dt:text-is('Named person') + dd")).to_have_text("council.partner")

    card.get_by_text("Record progress", exact=True).click()
    card.get_by_label("Progress").fill(PROGRESS)
    card.get_by_role("button", name="Record the progress").click()
    expect(page.get_by_role("status")).to_contain_text("progress recorded")

    card = page.locator("article.action")
    card.get_by_text("Complete with an outcome", exact=True).click()
    card.get_by_label("Outcome").fill(OUTCOME)
    card.get_by_role("button", name="Complete the action").click()
    expect(page.get_by_role("status")).to_contain_text("completed")
    expect(page.locator("article.action dt:text-is('Status') + dd")).to_have_text("completed")

    # The desk's "Completed" view lists it; "Open" no longer does.
    page.locator("nav").get_by_role("link", name="Our actions", exact=True).click()
    expect(page.get_by_role("row").filter(has_text=item["title"])).to_have_count(0)
    page.get_by_role("button", name="Completed").click()
    expect(page.get_by_role("row").filter(has_text=item["title"]).first).to_be_visible()

    # The referrer hears, and reads the outcome on their referral.
    assert wait_for(lambda: [f for f in stack.get(f"/api/referrals/{referral['id']}",
                                                  "yot.partner").json()["feedback"]
                             if f["kind"] == "tasking_item.outcome"])
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "yot.partner")
    page.locator("nav").get_by_role("link", name="My referrals", exact=True).click()
    page.get_by_role("row").filter(has_text="Anti-social").first.get_by_role("link").click()
    listed = page.locator("li.action").filter(has_text=item["title"])
    expect(listed).to_contain_text("completed by")
    expect(listed.locator(".outcome")).to_have_text(f"Outcome: {OUTCOME}")


def test_a_link_to_a_referral_opens_it_after_signing_in_and_back_and_reload_keep_the_page(
        page, stack):
    referral, _ = refer_asb(stack)
    # The link the referrer's notice (and its email) carries to the referral's page.
    notices = wait_for(lambda: [n for n in stack.get("/api/notifications", "yot.partner").json()["items"]
                                if n["source_id"] == referral["id"] and n.get("link")])
    assert notices, "the acknowledgement links to its referral"
    address = f"/{notices[0]['link']}"
    assert address == f"/#/referrals/{referral['id']}"
    page.goto(address)  # as from an emailed link: not signed in yet
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill("yot.partner")
    page.get_by_label("Password").fill("wardline-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Referral")
    expect(page.get_by_text(SUMMARY)).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(address) + "$"))

    page.reload()  # the page, not the home page, comes back
    expect(page.get_by_text(SUMMARY)).to_be_visible()

    page.locator("nav").get_by_role("link", name="Directory", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Directory")).to_be_visible()
    page.go_back()
    expect(page.get_by_text(SUMMARY)).to_be_visible()
    page.go_forward()
    expect(page.get_by_role("heading", level=1, name="Directory")).to_be_visible()


def test_everyone_finds_a_wards_contacts_and_confirms_their_own_entry(page, stack):
    sign_in(page, "pcso.dalston")
    page.locator("nav").get_by_role("link", name="Directory", exact=True).click()
    page.get_by_label("Ward").select_option("dalston")
    page.get_by_role("button", name="Show").click()
    sergeant = page.get_by_role("row").filter(has_text="Sgt Sam Patel")
    expect(sergeant).to_be_visible()
    expect(sergeant.get_by_role("button")).to_have_count(0)  # not theirs to confirm
    mine = page.get_by_role("row").filter(has_text="PCSO Jo Murphy")
    mine.get_by_role("button", name="Confirm my entry is still right").click()
    expect(page.get_by_role("status")).to_contain_text("marked as checked today")
