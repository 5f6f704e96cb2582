"""The administrator in a real browser: adds an account (errors beside their fields first),
sees it listed, and finds the new person in the contact directory."""
import re
import time
import uuid
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from shared.testing.waiting import wait_for
from tests.browser.conftest import sign_in


def test_the_admin_adds_a_user_and_sees_them_listed_and_in_the_directory(page, stack):
    sign_in(page, "admin")
    page.locator("nav").get_by_role("link", name="Users", exact=True).click()
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

    # She leaves: disabled, she drops out of the directory unless leavers are asked for,
    # and is then shown as no longer in post (the directory hears of it asynchronously too).
    assert stack.request("PATCH", "/api/users/panel.hoxton", "admin",
                         json={"active": False}).status_code == 200
    deadline = time.monotonic() + 30
    while True:
        page.get_by_role("button", name="Show", exact=True).click()
        try:
            expect(contact).to_have_count(0, timeout=1_000)
            break
        except AssertionError:
            if time.monotonic() > deadline:
                raise
    page.get_by_label("Include people no longer in post").check()
    page.get_by_role("button", name="Show", exact=True).click()
    expect(contact).to_contain_text("(no longer in post)")
    expect(page).to_have_url(re.compile(r"#/directory"))


def test_the_admin_changes_an_account_hands_its_work_over_and_gives_a_one_time_password(
        page, stack):
    """A PCSO leaves: from the Users page the admin opens the account, renames and disables
    it, hands its open task to a colleague of the ward, and (had she forgotten it) gives a
    one-time password, its mistakes shown beside the field."""
    stack.add_user("pcso.leaving", "pcso", wards=["dalston"], display_name="PCSO Lee Ward")
    task = stack.post("/api/pcso-tasks", "sgt.dalston", json={
        "ward": "dalston", "assignee": "pcso.leaving", "brief": "Dealing near the garages",
        "look_for": "Vehicles and times", "source_type": "ward_priority",
        "source_id": str(uuid.uuid4()),
        "due_by": (datetime.now(timezone.utc) + timedelta(days=7)).isoformat()})
    assert task.status_code == 201, task.text

    sign_in(page, "admin")
    page.locator("nav").get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("link", name="pcso.leaving", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("PCSO Lee Ward (pcso.leaving)")
    expect(page).to_have_url(re.compile(r"#/users/pcso\.leaving$"))

    page.get_by_label("Full name").fill("PCSO Lee Ward (left)")
    page.get_by_label("Active (can sign in; untick for a leaver)").uncheck()
    page.get_by_role("button", name="Save the changes").click()
    expect(page.get_by_role("status")).to_have_text("Saved: display name, active.")
    expect(page.locator("dl.facts")).to_contain_text("Disabled: cannot sign in")
    assert stack.request("GET", "/api/users/pcso.leaving", "admin").json()["active"] is False

    page.get_by_label("Successor's username").fill("pcso.dalston")
    page.get_by_role("button", name="Hand over").click()
    expect(page.get_by_role("status")).to_have_text(
        "Handed over 1 PCSO task(s) and 0 action(s) to pcso.dalston.")
    moved = stack.get(f"/api/pcso-tasks/{task.json()['id']}", "sgt.dalston").json()
    assert moved["assignee"] == "pcso.dalston"

    page.get_by_label("One-time password", exact=True).fill("short")
    page.get_by_role("button", name="Set the one-time password").click()
    expect(page.get_by_label("One-time password", exact=True)).to_have_attribute("aria-invalid", "true")
    page.get_by_label("One-time password", exact=True).fill("a-long-one-time-passphrase")
    page.get_by_role("button", name="Set the one-time password").click()
    expect(page.get_by_role("status")).to_contain_text("One-time password set")

    page.go_back()  # the account page has its own address: Back returns to the list
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="pcso.leaving")).to_contain_text("Disabled")


def test_the_sergeant_gives_a_task_the_leaver_handed_back_to_another_pcso(page, stack):
    """The leaver's task went back to the team: the ward's sergeant opens it from the
    tasks list and gives it to a PCSO of the ward, who is told."""
    stack.add_user("pcso.gone", "pcso", wards=["dalston"], display_name="PCSO Gone")
    stack.add_user("pcso.next", "pcso", wards=["dalston"], display_name="PCSO Nia Next")
    task = stack.post("/api/pcso-tasks", "sgt.dalston", json={
        "ward": "dalston", "assignee": "pcso.gone", "brief": "Who uses the garage lane",
        "look_for": "Vehicles and times", "source_type": "ward_priority",
        "source_id": str(uuid.uuid4()),
        "due_by": (datetime.now(timezone.utc) + timedelta(days=7)).isoformat()}).json()
    assert stack.post("/api/users/pcso.gone/handover", "admin").status_code == 200
    assert wait_for(lambda: any(c["username"] == "pcso.next" for c in stack.get(
        "/api/directory?ward=dalston&limit=200", "sgt.dalston").json()["items"]), timeout=20)

    sign_in(page, "sgt.dalston")
    page.locator("nav").get_by_role("link", name="PCSO tasks", exact=True).click()
    row = page.get_by_role("row").filter(has_text="Who uses the garage lane")
    expect(row).to_contain_text("None: back with the team")
    row.get_by_role("link", name="Who uses the garage lane").click()
    expect(page.get_by_role("heading", name="Give this task to a PCSO")).to_be_visible()
    page.get_by_label("PCSO", exact=True).select_option("pcso.next")
    page.get_by_role("button", name="Give task").click()

    expect(page.get_by_role("status")).to_have_text("Task given to pcso.next, who has been told.")
    expect(page.locator("dl.task-facts")).to_contain_text("pcso.next")
    assert wait_for(lambda: [n for n in stack.get("/api/notifications?limit=50",
                                                  "pcso.next").json()["items"]
                             if task["reference"] in n["body"]], timeout=30)
