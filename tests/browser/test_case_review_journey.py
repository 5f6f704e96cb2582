"""Journey 3 in a real browser: two agencies referred the same young man and no action was
completed; after a serious incident the reviewer opens a missed-opportunity review, reads
both agencies' entries on the timeline, finds the candidate the rules raise, records a
finding with its lesson and publishes; a partner reads the lesson in their inbox."""
import re
import time

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import sign_in

PERSON = {"given_name": "Kacper", "family_name": "Oyelaran-Walsh", "date_of_birth": "2007-06-01"}
LESSON = "Bring every agency's referrals about one young person to the same tasking meeting"


def refer(stack, user, category, summary):
    response = stack.post("/api/referrals", user, json={
        "category": category, "risk_level": "medium", "ward": "hackney-central",
        "subject": PERSON, "summary": summary, "lawful_basis": "safeguarding_children"})
    assert response.status_code == 201, response.text
    return response.json()


def until_visible(page, locator, retry, timeout=30.0):
    """Events reach the chronology and inboxes asynchronously: `retry()` (a refresh the
    user would press) until `locator` shows, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            expect(locator).to_be_visible(timeout=1_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            retry()


def download_text(page, button):
    """The text of the PDF the button downloads, as the browser saved it."""
    with page.expect_download() as started:
        page.get_by_role("button", name=button).click()
    download = started.value
    assert re.fullmatch(r"WL-C-\d{4}-\d{6}(-anonymised)?\.pdf", download.suggested_filename), \
        download.suggested_filename
    reader = PdfReader(download.path())
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_a_reviewer_finds_a_missed_opportunity_and_partners_read_the_lesson(page, stack):
    # The rule `multi_agency_referrals_without_completed_action` (rules.yaml, min_agencies
    # 2): two agencies refer the same person and no action about them is ever completed.
    yot = refer(stack, "yot.partner", "youth_at_risk", "Missing school; seen with older gang members")
    council = refer(stack, "council.partner", "asb", "Reported for intimidating neighbours on the estate")
    # Each agency keeps its own record of him; the two are recognised as one person.
    person = stack.get(f"/api/subjects/{yot['subject_id']}", "coordinator").json()
    assert {r["id"] for r in person["records"]} == {yot["subject_id"], council["subject_id"]}

    sign_in(page, "reviewer")
    page.locator("nav").get_by_role("link", name="Case reviews", exact=True).click()
    expect(page.get_by_role("heading", name="Case reviews", level=1)).to_be_visible()
    page.get_by_role("link", name="Open a case review").first.click()
    page.get_by_role("button", name=re.compile("^Choose Kacper Oyelaran-Walsh")).first.click()
    expect(page.get_by_role("status")).to_contain_text("Chosen: Kacper Oyelaran-Walsh")
    expect(page.get_by_label("What happened")).to_be_focused()
    page.get_by_label("What happened").fill("Stabbing near Mare Street")
    page.get_by_label("Date of the incident").fill("2026-03-01")
    page.get_by_label("Incident summary").fill("Seriously injured in a stabbing; recovering in hospital")
    page.get_by_role("button", name="Open the case review").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Case review WL-C-\d{4}-\d{6}: Stabbing near Mare Street$"), timeout=15_000)
    table = page.locator("table.chronology")
    for agency in ("Youth Offending Team", "Local authority community safety"):
        until_visible(page, table.get_by_role("cell", name=agency, exact=True).first,
                      lambda: page.get_by_role("button", name="Refresh the chronology").click())
    timeline = page.get_by_role("img", name=re.compile("^Timeline of"))
    expect(timeline).to_have_attribute("aria-label", re.compile(
        "Youth Offending Team.*Local authority community safety|"
        "Local authority community safety.*Youth Offending Team"))
    expect(timeline.locator("g.mark[data-agency='yot']").first).to_be_attached()
    expect(timeline.locator("g.mark[data-agency='la-community-safety']").first).to_be_attached()

    candidate = page.locator("article.candidate")
    expect(candidate).to_have_count(1)
    expect(candidate.get_by_role("heading")).to_have_text(
        "Several agencies referred, no action completed")
    expect(candidate).to_contain_text("2 agencies (la-community-safety, yot) referred this person")

    page.get_by_label("About").select_option(label="Several agencies referred, no action completed")
    page.get_by_label("Finding", exact=True).fill(
        "Both referrals were triaged apart; no one joined the school and estate concerns")
    page.get_by_label("Agency", exact=True).select_option("la-community-safety")
    page.get_by_label("Recommendation").fill(LESSON)
    page.get_by_role("button", name="Record the finding").click()  # half a lesson
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(page.get_by_label("Owner")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Owner").fill("Community safety partnership manager")
    page.get_by_label("Due date").fill("2026-09-30")
    page.get_by_role("button", name="Record the finding").click()

    expect(page.get_by_role("status")).to_contain_text("Finding and lesson recorded")
    expect(page.locator("li.lesson")).to_contain_text(LESSON)
    expect(page.locator("article.candidate")).to_contain_text("Decision: confirmed")

    page.get_by_role("button", name="Start gathering information").click()
    expect(page.get_by_role("status")).to_contain_text("gathering information")
    page.get_by_role("button", name="Take it to panel").click()
    expect(page.get_by_role("status")).to_contain_text("at panel")
    page.get_by_role("button", name="Publish the lessons").click()
    expect(page.get_by_role("status")).to_contain_text("Published")
    expect(page.locator("[aria-current='step']")).to_have_text("Published")
    expect(page.get_by_label("Finding", exact=True)).to_have_count(0)  # a published review is fixed

    # The report for the panel's papers, named, and anonymised for a wider audience.
    named = download_text(page, "Download (PDF)")
    assert "Oyelaran-Walsh" in named and LESSON in named
    anonymised = download_text(page, "Anonymised (PDF)")
    assert LESSON in anonymised and "Oyelaran-Walsh" not in anonymised
    expect(page.locator(".report-status")).to_contain_text("Downloaded ")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "yot.partner")
    page.get_by_role("link", name="Inbox").click()
    until_visible(page, page.get_by_role("listitem").filter(has_text="Lessons from a case review"),
                  lambda: page.get_by_role("link", name="Inbox").click())
    lesson = page.get_by_role("listitem").filter(has_text="Lessons from a case review")
    expect(lesson).to_contain_text(LESSON)
    expect(lesson).not_to_contain_text("stabbing")  # the incident stays inside the review
