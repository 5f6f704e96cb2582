"""Journey 2 in a real browser: the ward panel sets a priority; the sergeant tasks a PCSO
from it; the PCSO files a report from a phone; the Borough Intelligence Unit grades it and
says how it was used; the PCSO and the sergeant read that feedback."""
import re
import time

from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT, sign_in

PRIORITY = "Drug dealing around the estate's garages"
BRIEF = "Watch the garages behind the estate in the evenings"
SEEN = "Silver Ford Focus LD12 ABC stopped at garage 14 from 19:05 to 19:20"
FEEDBACK = "Used to support a warrant application for garage 14."
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").wait_for()


def open_until_visible(page, link, locator, seconds=30):
    """Open a page again and again until `locator` shows: events reach other services
    asynchronously, so what they make may appear a moment later."""
    deadline = time.monotonic() + seconds
    while True:
        page.get_by_role("link", name=link, exact=True).click()
        try:
            expect(locator).to_be_visible(timeout=1_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise


def snapshot(page, name):
    """A picture of a step along the way (the fixture keeps the last one)."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"intelligence-journey-{name}.png"), full_page=True)


def assert_fits_a_phone(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"


def test_a_ward_priority_becomes_a_pcso_task_graded_intelligence_and_feedback(page, stack):
    # The ward panel sets the priority.
    sign_in(page, "panel.dalston")
    page.locator("nav").get_by_role("link", name="Ward priorities", exact=True).click()
    expect(page.get_by_role("heading", name="Ward priorities", level=1)).to_be_visible()
    page.get_by_label("Priority", exact=True).fill(PRIORITY)
    page.get_by_label("What the panel wants done").fill(
        "Residents see dealing from cars at the garages most evenings.")
    page.get_by_role("button", name="Set priority").click()
    expect(page.get_by_role("status")).to_contain_text("Priority set for Dalston")
    expect(page.get_by_role("row").filter(has_text=PRIORITY)).to_contain_text("Active")
    sign_out(page)

    # The sergeant tasks a PCSO from it.
    sign_in(page, "sgt.dalston")
    page.locator("nav").get_by_role("link", name="Ward view", exact=True).click()
    expect(page.get_by_role("heading", name="Ward view", level=1)).to_be_visible()
    priority_row = page.get_by_role("row").filter(has_text=PRIORITY)
    priority_row.get_by_role("button", name=f"Task a PCSO: {PRIORITY}").click()
    expect(page.get_by_role("heading", name="Task a PCSO", level=1)).to_be_visible()
    expect(page.get_by_label("Ward priority it answers").locator("option:checked")
           ).to_have_text(PRIORITY)
    page.get_by_label("PCSO", exact=True).select_option("pcso.dalston")
    page.get_by_label("Brief").fill(BRIEF)
    page.get_by_label("Look for").fill("Note vehicles and times; talk to the caretakers.")
    page.get_by_role("button", name="Task PCSO").click()
    expect(page.get_by_role("status")).to_contain_text("Task set: pcso.dalston has been told")
    expect(page.get_by_role("heading", level=1)).to_contain_text(BRIEF)
    expect(page.locator("dl.task-facts")).to_contain_text(f"Ward priority: {PRIORITY}")
    sign_out(page)

    # The PCSO, on a phone, files a report against the task.
    page.set_viewport_size(PHONE)
    sign_in(page, "pcso.dalston")
    page.locator("nav").get_by_role("link", name="My tasks", exact=True).click()
    expect(page.get_by_role("heading", name="My tasks", level=1)).to_be_visible()
    task = page.locator("section.task").filter(has_text=BRIEF)
    expect(task).to_contain_text("Note vehicles and times")
    expect(task).to_contain_text("0 of 1 sent")
    task.get_by_role("button", name="File a report").click()
    task.get_by_label("Where").fill("Garages behind Holly Street")
    task.get_by_label("What you saw").fill(SEEN)
    send = task.get_by_role("button", name="Send report")
    assert send.bounding_box()["height"] >= 44  # a touch target, not a tap on a word
    assert send.bounding_box()["width"] >= 280  # the width of the screen, less margins
    assert_fits_a_phone(page)
    snapshot(page, "pcso-files-a-report-on-a-phone")
    send.click()
    expect(page.get_by_role("status")).to_contain_text("Report sent")
    expect(page.locator("section.task").filter(has_text=BRIEF)).to_have_count(0)  # done
    page.get_by_role("button", name="Reports in").click()
    expect(page.locator("section.task").filter(has_text=BRIEF)).to_contain_text("1 of 1 sent")
    page.get_by_role("link", name="My reports").click()
    page.get_by_role("button", name="Not yet noted").click()
    expect(page.locator("section.report").filter(has_text=SEEN)).to_contain_text(
        "Waiting for the BIU to note it")
    assert_fits_a_phone(page)
    sign_out(page)

    # The BIU grades it (which notes it) and says how it was used.
    page.set_viewport_size(DESKTOP)
    sign_in(page, "biu.analyst")
    page.locator("nav").get_by_role("link", name="Intelligence", exact=True).click()
    expect(page.get_by_role("heading", name="Intelligence", level=1)).to_be_visible()
    report = page.locator("section.report").filter(has_text=SEEN)
    expect(report).to_contain_text("pcso.dalston")
    report.get_by_role("radio", name="C Lawful sharing permitted with conditions").check()
    report.get_by_role("button", name="Record grade").click()  # only the handling code chosen
    expect(report.get_by_role("alert")).to_contain_text("nothing was stored")
    expect(report.locator("fieldset", has_text="Source evaluation").locator(".field-error")
           ).to_contain_text("required")
    report.get_by_role("radio", name="2 Untested").check()
    report.get_by_role("radio", name="B Known indirectly but corroborated").check()
    report.get_by_role("button", name="Record grade").click()  # C, still without conditions
    expect(report.get_by_label("Conditions", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(report.locator("[data-field=conditions] .field-error")).to_contain_text("conditions")
    report.get_by_role("radio", name="P Lawful sharing permitted", exact=True).check()
    snapshot(page, "biu-grades")
    report.get_by_role("button", name="Record grade").click()
    expect(report.get_by_role("status")).to_contain_text("Graded 2B P")
    expect(report).to_contain_text("source untested; known indirectly but corroborated")
    report.get_by_label("How it was used").select_option(label="Supported a warrant application")
    report.get_by_label("Note to the team").fill(FEEDBACK)
    report.get_by_role("button", name="Send feedback").click()
    expect(report.get_by_role("status")).to_contain_text("Feedback sent")
    page.get_by_role("button", name="Closed").click()
    expect(page.locator("section.report").filter(has_text=SEEN)).to_contain_text(FEEDBACK)
    sign_out(page)

    # The PCSO reads how the report was used, and is told in the inbox.
    page.set_viewport_size(PHONE)
    sign_in(page, "pcso.dalston")
    page.get_by_role("link", name="My reports").click()
    mine = page.locator("section.report").filter(has_text=SEEN)
    expect(mine.locator(".feedback-given")).to_contain_text("Supported a warrant application")
    expect(mine.locator(".feedback-given")).to_contain_text(FEEDBACK)
    expect(mine).to_contain_text("Feedback returned")
    assert_fits_a_phone(page)
    snapshot(page, "pcso-reads-feedback-on-a-phone")
    open_until_visible(page, "Inbox", page.get_by_text("How your intelligence was used"))
    expect(page.get_by_role("main")).to_contain_text("it supported a warrant application")
    sign_out(page)

    # So does the sergeant, against the task they set.
    page.set_viewport_size(DESKTOP)
    sign_in(page, "sgt.dalston")
    page.locator("nav").get_by_role("link", name="Intelligence", exact=True).click()
    expect(page.locator("section.report").filter(has_text=SEEN).locator(".feedback-given")
           ).to_contain_text(FEEDBACK)
    page.get_by_role("link", name="PCSO tasks").click()
    page.get_by_role("button", name="Reports in").click()
    page.get_by_role("link", name=BRIEF).click()
    expect(page.locator("dl.task-facts")).to_contain_text("1 of 1 reports in")
    expect(page.locator("section.report .feedback-given")).to_contain_text(
        "Supported a warrant application")


def test_a_pcso_task_with_mistakes_shows_each_error_beside_its_field(page, stack):
    sign_in(page, "sgt.dalston")
    page.get_by_role("link", name="Task a PCSO").click()
    expect(page.get_by_role("heading", name="Task a PCSO", level=1)).to_be_visible()
    page.get_by_label("Look for").fill("Vehicles and times")
    page.get_by_label("Due by").fill("2020-01-01T10:00")
    page.get_by_role("button", name="Task PCSO").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing was stored")
    expect(page.get_by_label("Brief")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-brief-error")).to_contain_text(re.compile("required|empty", re.I))
    expect(page.locator("#f-due_by-error")).to_contain_text("Must be in the future")
    expect(page.get_by_label("Look for")).not_to_have_attribute("aria-invalid", "true")


def test_the_panel_reviews_a_priority_and_closes_it_saying_why(page, stack):
    title = "Fly-tipping behind the parade"
    sign_in(page, "panel.dalston")
    page.locator("nav").get_by_role("link", name="Ward priorities", exact=True).click()
    page.get_by_label("Priority", exact=True).fill(title)
    page.get_by_label("What the panel wants done").fill("Mattresses and rubble most weekends.")
    page.get_by_role("button", name="Set priority").click()
    expect(page.get_by_role("status")).to_contain_text("Priority set for Dalston")

    row = page.get_by_role("row").filter(has_text=title)
    row.get_by_text(f'Review "{title}"').click()
    row.get_by_label("Decision").select_option("close")
    row.get_by_role("button", name="Save review").click()
    expect(row.get_by_role("alert")).to_be_visible()  # closing needs a reason
    expect(row.get_by_label("Why")).to_have_attribute("aria-invalid", "true")

    row.get_by_label("Why").fill("Gates fitted in May; no dumping since.")
    row.get_by_role("button", name="Save review").click()
    expect(page.get_by_role("status")).to_contain_text(f'Priority closed: "{title}"')
    closed = page.get_by_role("row").filter(has_text=title)
    expect(closed).to_contain_text("Closed")
    expect(closed).to_contain_text("Gates fitted in May")
    expect(closed.get_by_role("button", name="Save review")).to_have_count(0)
