"""`wardline demo story` against every service as its own process: the story it plays
over the public API leaves the borough with what it promises (referrals from every agency,
triage, two closed meetings, overdue and completed actions, graded intelligence with
feedback, and a suggested case review for the one person four agencies referred), and a
second run adds nothing."""
from collections import Counter

import pytest

from shared.testing.waiting import wait_for
from shared.vocabulary import AGENCIES
from wardline.demo import DEMO_USERS
from wardline.demo_story import load_story

pytestmark = pytest.mark.e2e

STORY = load_story("hackney")
AGENCY_OF = {u["username"]: u.get("agency") or "police" for u in DEMO_USERS}


def steps(do):
    return [step for step in STORY["steps"] if step["do"] == do]


@pytest.fixture(scope="module")
def told(stack):
    """The story played once into this module's fresh stack (as `make run` does)."""
    done = stack.wardline("demo", "story")
    assert "demo story told" in done.stdout, done.stdout + done.stderr
    return done


def everything(stack, path, user):
    page = stack.get(f"{path}{'&' if '?' in path else '?'}limit=200", user)
    assert page.status_code == 200, page.text
    assert page.json()["next_cursor"] is None
    return page.json()["items"]


def test_every_agency_refers_and_most_referrals_are_triaged(stack, told):
    referrals = everything(stack, "/api/referrals", "coordinator")
    promised = Counter(AGENCY_OF[step["by"]] for step in steps("refer"))
    assert Counter(r["referring_agency"] for r in referrals) == promised
    assert set(promised) == set(AGENCIES)
    decided = Counter(step["decision"] for step in steps("triage"))
    assert set(decided) == {"accept", "redirect", "no_further_action"}
    statuses = Counter(r["status"] for r in referrals)
    assert statuses["received"] == len(referrals) - len(steps("triage"))
    assert statuses["received"] < len(referrals) / 4


def test_two_meetings_are_closed_with_their_minutes_and_actions(stack, told):
    meetings = everything(stack, "/api/tasking/meetings", "coordinator")
    assert len(meetings) == 2 and {m["status"] for m in meetings} == {"closed"}
    for meeting in meetings:
        read = stack.get(f"/api/tasking/meetings/{meeting['id']}", "coordinator").json()
        assert read["minutes"].startswith("Partnership tasking meeting")
        assert len(read["actions"]) == 3
    held = sorted(m["held_on"] for m in meetings)
    assert held[0] < held[1]


def test_actions_are_completed_with_outcomes_some_public_and_some_overdue(stack, told):
    items = everything(stack, "/api/tasking/items", "coordinator")
    completed = [i for i in items if i["status"] == "completed" and i["outcome"]]
    assert len(completed) >= len(steps("complete"))
    overdue = everything(stack, "/api/tasking/items?overdue=true", "coordinator")
    assert len(overdue) >= 3 and all(i["status"] == "open" for i in overdue)
    # The ward panel reads the actions on its ward's priorities, with their public outcomes.
    seen_by_panel = everything(stack, "/api/tasking/items", "panel.dalston")
    assert seen_by_panel and {i["ward"] for i in seen_by_panel} == {"dalston"}
    assert len([i for i in seen_by_panel if i.get("public_outcome")]) >= 3
    priorities = everything(stack, "/api/ward-priorities?ward=dalston", "panel.dalston")
    assert {p["set_by"] for p in priorities} == {"panel.dalston"} and len(priorities) == 2
    assert everything(stack, "/api/ward-priorities?ward=hackney-central", "sgt.dalston")


def test_the_pcso_reports_and_the_biu_notes_grades_and_feeds_back(stack, told):
    tasks = everything(stack, "/api/pcso-tasks", "sgt.dalston")
    assert len(tasks) == 2 and {t["assignee"] for t in tasks} == {"pcso.dalston"}
    reports = everything(stack, "/api/intelligence", "biu.analyst")
    assert len(reports) == len(steps("report")) + len(steps("ad_hoc_report"))
    statuses = Counter(r["status"] for r in reports)
    assert statuses["closed"] == len(steps("feedback")) >= 3
    assert statuses["awaiting_feedback"] >= 1 and statuses["awaiting_note"] >= 1
    closed = [r for r in reports if r["status"] == "closed"]
    assert all(r["feedback_usage"] and r["handling_code"] for r in closed)


def test_the_person_four_agencies_referred_has_a_suggested_review(stack, told):
    jordan = STORY["people"]["jordan"]
    summaries = {step["summary"] for step in steps("refer") if step["person"] == "jordan"}
    theirs = [r for r in everything(stack, "/api/referrals", "coordinator")
              if r["summary"] in summaries]
    assert len({r["referring_agency"] for r in theirs}) == 4
    # Each agency keeps its own record of them; same name and birth date: one person.
    person = stack.get(f"/api/subjects/{theirs[0]['subject_id']}", "coordinator").json()
    assert (person["given_name"], person["family_name"], person["date_of_birth"]) == (
        jordan["given_name"], jordan["family_name"], jordan["date_of_birth"])
    assert {r["id"] for r in person["records"]} == {r["subject_id"] for r in theirs}
    subjects = {r["subject_id"] for r in theirs}
    suggested = wait_for(lambda: [
        r for r in everything(stack, "/api/case-reviews?stage=suggested", "reviewer")
        if r["subject_id"] in subjects])
    assert suggested, "no case review was suggested for the person four agencies referred"
    assert "re_referred_after_no_further_action" in {r["suggested_by_rule"] for r in suggested}


def test_a_second_run_says_so_and_adds_nothing(stack, told):
    before = len(everything(stack, "/api/referrals", "coordinator"))
    again = stack.wardline("demo", "story")
    assert "nothing was added" in again.stdout
    assert len(everything(stack, "/api/referrals", "coordinator")) == before
