"""The administrator in a real browser: adds an account (errors beside their fields first),
sees it listed, and finds the new person in the contact directory."""
import time

from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def test_the_admin_adds_a_user_and_sees_them_listed_and_in_the_directory(page, stack):
    sign_in(page, "admin")
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="coordinator")).to_be_visible()

    page.get_by_role("button", name="Add a user").click()
    expect(page.get_by_role("heading", name="Add a user", level=1)).to_be_visible()
    page.get_by_label("Username").fill("panel.hoxton")
    page.get_by_label("Full name").fill("Priya Natarajan (Hoxton West panel)")
    page.get_by_label("Password").fill("short")
    page.get_by_label("Role").select_option("panel")
    page.get_by_role("button", name="Add the user").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-password-error")).to_contain_text("12")

    page.get_by_label("Password").fill("a-long-enough-passphrase")
    page.get_by_role("button", name="Add the user").click()
    expect(page.locator("#f-wards-error")).to_contain_text("at least one ward")
    page.get_by_label("Hoxton West", exact=True).check()
    page.get_by_label("Email").fill("hoxton.panel@example.org")
    page.get_by_role("button", name="Add the user").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Added Priya Natarajan (Hoxton West panel) (panel.hoxton) as ward panel chair")
    row = page.get_by_role("row").filter(has_text="panel.hoxton")
    expect(row).to_contain_text("Ward panel chair")
    expect(row).to_contain_text("Hoxton West")

    # The directory hears of the account from its `user.saved` event, asynchronously.
    page.get_by_role("link", name="Directory").click()
    page.get_by_label("Ward", exact=True).select_option("hoxton-west")
    contact = page.get_by_role("row").filter(has_text="Priya Natarajan")
    deadline = time.monotonic() + 30
    while True:
        page.get_by_role("button", name="Show", exact=True).click()
        try:
            expect(contact).to_be_visible(timeout=1_000)
            break
        except AssertionError:
            if time.monotonic() > deadline:
                raise
    expect(contact).to_contain_text("hoxton.panel@example.org")
