"""Every role's home answers "what needs me today" with the demo story's counts, in a real
browser: the story (`wardline demo story`, what `make run` plays) is told once into this
module's stack, then each role signs in and reads its home. A screenshot of each home goes
to test-output/homes/."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT, sign_in
from tests.browser.test_accessibility import AUDIT

HOMES = OUTPUT.parent / "homes"

# Each role's home, and the counts the story leaves it (a tile's label -> at least).
PROMISED = {
    "coordinator": {"referrals waiting for triage": 1, "overdue actions": 1},
    "council.partner": {"open actions for our agency": 1},
    "sgt.dalston": {"open PCSO tasks": 0},
    "pcso.dalston": {"open tasks from your sergeant": 0},
    "biu.analyst": {"reports to note": 0, "reports waiting for feedback": 0},
    "reviewer": {"reviews the rules suggest": 1},
    "panel.dalston": {"current priorities": 1, "actions completed on your priorities": 1},
}


@pytest.fixture(scope="module")
def story(stack):
    told = stack.wardline("demo", "story")
    assert "demo story told" in told.stdout, told.stdout + told.stderr


def count_of(page, label):
    tile = page.locator(".tile").filter(has_text=label)
    expect(tile).to_have_count(1)
    return int(tile.locator(".count").inner_text().split()[0])


@pytest.mark.parametrize("user", list(PROMISED))
def test_each_roles_home_shows_its_counts_from_the_demo_story(page, stack, story, user):
    sign_in(page, user)
    expect(page.get_by_role("heading", level=1, name="What needs you today")).to_be_visible()
    page.wait_for_load_state("networkidle")
    for label, least in PROMISED[user].items():
        assert count_of(page, label) >= least, (user, label)
    # Each count is a link to the page where the work is done.
    first = page.locator(".tile a").first
    target = first.get_attribute("href")
    assert target.startswith("#/"), target
    HOMES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(HOMES / f"home-{user}.png"), full_page=True)
    assert page.evaluate(AUDIT) == [], "the home passes the automatic WCAG checks"
    first.click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("What needs you today")
    page.wait_for_load_state("networkidle")
    assert page.evaluate(AUDIT) == [], f"{target} passes the automatic WCAG checks"
    # ... and so does the first record it links to (an action, a report, a review).
    record = page.locator("main a[href^='#/']").first
    if record.count():
        record.click()
        page.wait_for_load_state("networkidle")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page.evaluate(AUDIT) == [], f"{record_address(page)} passes the automatic WCAG checks"


def record_address(page):
    return page.url.partition("#")[2]


# The record pages, by the first part of their address.
RECORD_PAGES = {"referrals", "actions", "pcso-tasks", "intelligence", "reviews", "meetings",
                "priorities"}
WALKERS = ("coordinator", "council.partner", "sgt.dalston", "pcso.dalston", "biu.analyst",
           "reviewer", "panel.dalston", "admin")


def test_the_wcag_walk_reaches_a_record_of_every_kind_from_the_pages_that_list_them(
        page, stack, story):
    """Every role walks every page on its menu and every tab of it (a list's filter has its
    own address), and opens the first record of each kind not yet opened; every tab and
    record passes the automatic WCAG checks, and together the walk opens a record page of
    every kind the story makes. (test_accessibility walks the menu pages themselves.)"""
    errors, found, opened = [], {}, {}
    page.on("pageerror", lambda error: errors.append(str(error)))
    base = stack.base_url.rstrip("/") + "/"
    for user in WALKERS:
        sign_in(page, user)
        nav = page.locator("nav a")
        for name in [nav.nth(i).inner_text() for i in range(nav.count())]:
            page.locator("nav a", has_text=name).first.click()
            drawn(page)
            here = "#" + page.url.partition("#")[2]
            tabs = [href for href in _links(page) if _is_tab_of(href, here)]
            records = _records(_links(page))
            for tab in tabs:
                _open(page, base + tab)
                _audit(page, f"{user} {tab}", found)
                records += _records(_links(page))
            for record in records:
                kind = record.split("/")[1]
                if kind in opened:
                    continue
                _open(page, base + record)
                opened[kind] = f"{user}: {record}"
                _audit(page, f"{user} {record}", found)
        page.get_by_role("button", name="Sign out").click()
        page.get_by_label("Username").wait_for()  # signed out: the session is ended
    assert errors == [] and found == {}, (errors, found)
    assert set(opened) == RECORD_PAGES, f"no record page opened of: {RECORD_PAGES - set(opened)}"


def _links(page):
    return page.locator("main a[href^='#/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")


def _records(hrefs):
    """The record addresses among `hrefs` (`#/<kind>/<id>`), in order."""
    return [href for href in hrefs
            if len(href.split("/")) == 3 and href.split("/")[1] in RECORD_PAGES
            and href.split("/")[2]]


def _is_tab_of(href, here):
    """Whether `href` is the same list as the page at `here`, filtered another way."""
    base = here.split("/")[1]
    return (href != here and href.split("/")[1] == base and base not in RECORD_PAGES
            and len(href.split("/")) == 3)


def _open(page, address):
    page.goto(address)
    drawn(page)


def drawn(page):
    """The page asked for is drawn (main is no longer aria-busy), not the last one still
    showing while it loads: its links are the ones to follow."""
    page.wait_for_load_state("networkidle")
    expect(page.locator("main")).not_to_have_attribute("aria-busy", "true", timeout=15_000)
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def _audit(page, where, found):
    problems = page.evaluate(AUDIT)
    if problems:
        found[where] = problems
