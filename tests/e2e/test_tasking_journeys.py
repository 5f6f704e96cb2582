"""Tasking journeys over HTTP with every service as its own process: a referral's action
moves with triage and is completed; a meeting's agenda is built and printed; a sergeant
tasks a PCSO, the PCSO reports, the BIU grades (invalid grades refused) and feeds back,
and one PCSO never sees another's tasks. The running timers do their work: the referrals
service marks a ward priority due for review when its date comes, and tasking escalates an
overdue action to the coordinator; the printed agenda shows each of its sections."""
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from shared.db import driver_url
from wardline.demo import DEMO_PASSWORD
from shared.testing.factories import referral_payload
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def stack_settings():
    """The referrals service's ward-priority review check (hourly by default) and
    tasking's overdue check (each minute) tick every half second, so that the running
    timers' work is seen within a test."""
    return {"WARDLINE_PRIORITY_REVIEW_CHECK_SECONDS": "0.5",
            "WARDLINE_OVERDUE_CHECK_SECONDS": "0.5"}


@pytest.fixture(scope="module")
def haggerston(stack):
    """A sergeant and a PCSO of a ward no other test here touches, so that its agenda
    holds exactly what one test put there."""
    for username, role in (("sgt.haggerston", "sergeant"), ("pcso.haggerston", "pcso")):
        stack.add_user(username, role, wards=["haggerston"])
    return "haggerston"


def in_days(days):
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat()


def items_for(stack, referral_id, user="coordinator"):
    return stack.get(f"/api/tasking/items?source_id={referral_id}", user).json()["items"]


def test_a_redirected_referrals_action_moves_agency_and_is_completed_by_its_new_owner(stack):
    referral = stack.post("/api/referrals", "council.partner", json=referral_payload(
        category="asb", risk_level="high", ward="dalston")).json()
    [item] = wait_for(lambda: items_for(stack, referral["id"]))
    assert item["owner_agency"] == "la-community-safety"
    due = datetime.fromisoformat(item["due_by"]) - datetime.fromisoformat(
        referral["submitted_at"])
    assert due == timedelta(hours=24)

    stack.post(f"/api/referrals/{referral['id']}/triage", "coordinator", json={
        "decision": "redirect", "reason": "Tenancy enforcement", "redirect_to_agency": "yot",
        "reason_for_referrer": "YOT will take this up"})
    moved = wait_for(lambda: [i for i in items_for(stack, referral["id"])
                              if i["owner_agency"] == "yot"])
    assert moved and moved[0]["id"] == item["id"]
    path = f"/api/tasking/items/{item['id']}"
    # No longer theirs: the referring council team reads it only as the referrer may.
    as_referrer = stack.get(path, "council.partner").json()
    assert as_referrer["owner_agency"] == "yot" and "history" not in as_referrer
    assert stack.post(path + "/updates", "council.partner",
                      json={"note": "x"}).status_code in (403, 404)
    assert stack.post(path + "/updates", "yot.partner", json={"note": ""}).status_code == 422
    assert stack.post(path + "/updates", "yot.partner",
                      json={"note": "Home visit booked"}).status_code == 200
    done = stack.post(path + "/complete", "yot.partner", json={"outcome": "Family engaged"})
    assert done.status_code == 200 and done.json()["status"] == "completed"
    again = stack.post(path + "/complete", "yot.partner", json={"outcome": "twice"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_items_by_hand_are_validated_scoped_and_paged(stack):
    body = {"title": "Cut back the hedges by the garages", "ward": "dalston",
            "owner_agency": "housing", "due_by": in_days(5)}
    assert stack.post("/api/tasking/items", "yot.partner", json=body).status_code == 403
    refused = stack.post("/api/tasking/items", "coordinator",
                         json={**body, "ward": "atlantis", "owner_agency": "nasa"})
    assert refused.status_code == 422
    assert {"ward", "owner_agency"} <= set(refused.json()["error"]["fields"])
    made = [stack.post("/api/tasking/items", "coordinator", json=body).json()
            for _ in range(3)]
    first = stack.get("/api/tasking/items?owner_agency=housing&limit=2", "coordinator").json()
    second = stack.get("/api/tasking/items?owner_agency=housing&limit=2&cursor="
                       + first["next_cursor"], "coordinator").json()
    # One due time: the id breaks the tie, so the two pages hold all three in id order.
    assert [i["id"] for i in first["items"] + second["items"]] == sorted(m["id"] for m in made)
    yots = stack.get("/api/tasking/items?limit=200", "yot.partner").json()["items"]
    assert all(i["owner_agency"] == "yot" for i in yots)
    assert stack.get(f"/api/tasking/items/{made[0]['id']}", "yot.partner").status_code == 404
    assert stack.get("/api/tasking/items", "admin").status_code == 403


def test_a_meeting_agenda_puts_high_risk_first_and_prints_with_its_minutes(stack):
    standard = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        risk_level="standard", ward="stoke-newington")).json()
    high = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        risk_level="high", ward="stoke-newington")).json()
    for referral in (standard, high):  # tasking has heard of both
        assert wait_for(lambda: items_for(stack, referral["id"]))
    opened = stack.post("/api/tasking/meetings", "coordinator", json={
        "held_on": date.today().isoformat(), "wards": ["stoke-newington"]})
    assert opened.status_code == 201, opened.text
    meeting = opened.json()
    assert [r["referral_id"] for r in meeting["agenda"]["new_referrals"]] == [high["id"],
                                                                              standard["id"]]
    path = f"/api/tasking/meetings/{meeting['id']}"
    action = stack.post(path + "/actions", "coordinator", json={
        "title": "Early-intervention panel", "ward": "stoke-newington", "owner_agency": "yot",
        "due_by": in_days(14), "decision": "Agreed: YOT to convene"})
    assert action.status_code == 201 and action.json()["meeting_id"] == meeting["id"]
    closed = stack.post(path + "/close", "coordinator", json={"minutes": "Chair: coordinator"})
    assert closed.json()["status"] == "closed"
    assert stack.post(path + "/close", "coordinator", json={"minutes": "x"}).status_code == 409
    printed = stack.get(path + "/print", "coordinator")
    assert printed.status_code == 200 and printed.headers["Content-Type"].startswith("text/html")
    assert "Early-intervention panel" in printed.text and "Chair: coordinator" in printed.text
    assert stack.get(path, "pcso.dalston").status_code == 403


def test_pcso_task_report_grade_and_feedback_with_invalid_grades_refused(stack):
    stack.wardline("users", "add", "pcso.second", "--role", "pcso", "--ward", "dalston",
                   "--password-stdin", input=DEMO_PASSWORD)
    task_body = {"ward": "dalston", "brief": "Dealing around the estate garages",
                 "look_for": "Vehicles and times; talk to the caretakers",
                 "source_type": "ward_priority",
                 "source_id": "6b000000-0000-4000-8000-000000000001", "due_by": in_days(10)}
    wrong = stack.post("/api/pcso-tasks", "sgt.dalston", json={**task_body, "assignee": "coordinator"})
    assert wrong.status_code == 422 and "assignee" in wrong.json()["error"]["fields"]
    mine = stack.post("/api/pcso-tasks", "sgt.dalston",
                      json={**task_body, "assignee": "pcso.dalston"}).json()
    theirs = stack.post("/api/pcso-tasks", "sgt.dalston",
                        json={**task_body, "assignee": "pcso.second"}).json()

    # One PCSO cannot see another's tasks, however they ask.
    listed = stack.get("/api/pcso-tasks?assignee=me", "pcso.dalston").json()["items"]
    assert [t["id"] for t in listed] == [mine["id"]]
    assert stack.get("/api/pcso-tasks?assignee=pcso.second", "pcso.dalston").json()[
        "items"] == []
    assert stack.get(f"/api/pcso-tasks/{theirs['id']}", "pcso.dalston").status_code == 404
    assert stack.post(f"/api/pcso-tasks/{theirs['id']}/reports", "pcso.dalston", json={
        "observed_at": in_days(0), "location": "x", "text": "y"}).status_code == 404

    filed = stack.post(f"/api/pcso-tasks/{mine['id']}/reports", "pcso.dalston", json={
        "observed_at": in_days(-0.1), "location": "Garages behind the estate",
        "text": "Silver hatchback, 21:10, two males, packages passed"})
    assert filed.status_code == 201, filed.text
    report = filed.json()
    assert stack.get(f"/api/pcso-tasks/{mine['id']}", "pcso.dalston").json()[
        "status"] == "reports_in"
    waiting = stack.get("/api/intelligence?status=awaiting_note", "biu.analyst").json()
    assert report["id"] in {r["id"] for r in waiting["items"]}

    grade = f"/api/intelligence/{report['id']}/grade"
    for bad, fields in (
            ({"source_evaluation": 5, "intelligence_assessment": "B", "handling_code": "P"},
             {"source_evaluation"}),
            ({"source_evaluation": 2, "intelligence_assessment": "Z", "handling_code": "Q"},
             {"intelligence_assessment", "handling_code"}),
            ({"source_evaluation": 2, "intelligence_assessment": "B", "handling_code": "C"},
             {"conditions"})):
        refused = stack.post(grade, "biu.analyst", json=bad)
        assert refused.status_code == 422 and set(refused.json()["error"]["fields"]) == fields
    assert stack.post(grade, "sgt.dalston", json={}).status_code == 403
    assert stack.post(f"/api/intelligence/{report['id']}/note", "biu.analyst").status_code == 200
    graded = stack.post(grade, "biu.analyst", json={
        "source_evaluation": 2, "intelligence_assessment": "B", "handling_code": "C",
        "conditions": "Police only until the warrant is executed"})
    assert graded.status_code == 200 and graded.json()["status"] == "awaiting_feedback"
    feedback = stack.post(f"/api/intelligence/{report['id']}/feedback", "biu.analyst", json={
        "usage": "supported_warrant_application", "note": "Used to support a warrant."})
    assert feedback.status_code == 200 and feedback.json()["status"] == "closed"
    seen_by_pcso = stack.get(f"/api/intelligence/{report['id']}", "pcso.dalston").json()
    assert seen_by_pcso["feedback_usage"] == "supported_warrant_application"
    assert stack.get(f"/api/intelligence/{report['id']}", "pcso.second").status_code == 404


def test_the_status_filter_lists_open_or_completed_items_and_refuses_others(stack):
    body = {"title": "Replace the broken lights on the stairwell", "ward": "hackney-central",
            "owner_agency": "la-community-safety", "due_by": in_days(3)}
    still_open, finished = (stack.post("/api/tasking/items", "coordinator", json=body).json()
                            for _ in range(2))
    done = stack.post(f"/api/tasking/items/{finished['id']}/complete", "coordinator",
                      json={"outcome": "Lights replaced"})
    assert done.status_code == 200, done.text

    def listed(status):
        page = stack.get(f"/api/tasking/items?status={status}&ward=hackney-central&limit=200",
                         "coordinator")
        assert page.status_code == 200, page.text
        items = page.json()["items"]
        assert items and {i["status"] for i in items} == {status}
        return {i["id"] for i in items}

    assert still_open["id"] in listed("open") and finished["id"] not in listed("open")
    assert finished["id"] in listed("completed") and still_open["id"] not in listed("completed")
    # A partner's completed list is still only their agency's items.
    theirs = stack.get("/api/tasking/items?status=completed&limit=200",
                       "council.partner").json()["items"]
    assert finished["id"] in {i["id"] for i in theirs}
    assert all(i["owner_agency"] == "la-community-safety" for i in theirs)
    refused = stack.get("/api/tasking/items?status=done", "coordinator")
    assert refused.status_code == 422 and "status" in refused.json()["error"]["fields"]


def query(stack, sql, **params):
    """Rows of `sql` run on the stack's database (also for changes: committed)."""
    engine = sa.create_engine(driver_url(stack.env["WARDLINE_DATABASE_URL"]))
    with engine.begin() as conn:
        result = conn.execute(sa.text(sql), params)
        rows = [tuple(row) for row in result] if result.returns_rows else []
    engine.dispose()
    return rows


def set_priority(stack, user, ward, title):
    made = stack.post("/api/ward-priorities", user, json={
        "ward": ward, "title": title, "description": "Reported at the last ward panel."})
    assert made.status_code == 201, made.text
    return made.json()


def priority_status(stack, priority_id):
    return stack.get(f"/api/ward-priorities/{priority_id}", "coordinator").json()["status"]


def review_date_comes(stack, priority):
    """Six weeks pass for one priority: its review date becomes today. (The API refuses a
    review date that is not in the future, and the clock cannot be moved.)"""
    query(stack, "UPDATE referrals.ward_priorities SET review_by = :today WHERE id = :id",
            today=date.today(), id=priority["id"])


def raise_item_due_soon(stack, ward, title, seconds=3):
    stack.token("coordinator")  # signed in first, so the due time is still ahead when sent
    due = datetime.now(timezone.utc) + timedelta(seconds=seconds)
    made = stack.post("/api/tasking/items", "coordinator", json={
        "title": title, "ward": ward, "owner_agency": "housing", "due_by": due.isoformat()})
    assert made.status_code == 201, made.text
    return made.json()


def test_the_running_referrals_timer_marks_a_priority_due_for_review_when_its_date_comes(
        stack):
    due = set_priority(stack, "sgt.dalston", "hackney-central",
                       "Street drinking outside the library")
    not_yet = set_priority(stack, "sgt.dalston", "hackney-central",
                           "Cycle theft at the station racks")
    review_date_comes(stack, due)

    assert wait_for(lambda: priority_status(stack, due["id"]) == "due_for_review",
                    timeout=30), "the referrals service's timer never marked it due"
    # The tick that marked it read every active priority: one not yet due stays active.
    assert priority_status(stack, not_yet["id"]) == "active"
    # ward_priority.set told tasking: today's agenda lists the priority for review (an
    # active one comes onto it only once its review date has passed in tasking's record).
    opened = stack.post("/api/tasking/meetings", "coordinator", json={
        "held_on": date.today().isoformat(), "wards": ["hackney-central"]})
    assert opened.status_code == 201, opened.text
    listed = {p["ward_priority_id"]: p for p in opened.json()["agenda"]["priorities_for_review"]}
    assert due["id"] in listed and not_yet["id"] not in listed
    assert (listed[due["id"]]["status"], listed[due["id"]]["review_by"]) == (
        "due_for_review", date.today().isoformat())


def test_an_overdue_action_is_escalated_to_the_coordinator_saying_what_whose_and_when(stack):
    title = "Clear the blocked fire exit on the Kingsmead estate"
    item = raise_item_due_soon(stack, "homerton", title)

    def escalations():
        inbox = stack.get("/api/notifications?limit=200", "coordinator").json()["items"]
        return [n for n in inbox
                if n["source_id"] == item["id"] and n["kind"] == "tasking_item.escalated"]

    found = wait_for(escalations, timeout=40)
    assert found, "tasking's overdue check never reached the coordinator's inbox"
    [notice] = found
    due = datetime.fromisoformat(item["due_by"]).astimezone(LONDON)
    assert notice["recipient"] == "user:coordinator"
    assert notice["title"] == f"Escalated: {title}"
    assert (f"This action in Homerton, owned by housing, was due by "
            f"{due.day} {due:%B %Y}, {due:%H:%M} and is overdue.") in notice["body"]
    assert f"Reference: {item['reference']}" in notice["body"]
    assert item["id"] not in notice["body"]
    shown = stack.get(f"/api/tasking/items/{item['id']}", "coordinator").json()
    assert (shown["overdue"], shown["escalated_to"]) == (True, "coordinator")
    assert [h["kind"] for h in shown["history"]].count("overdue") == 1


class Sections(HTMLParser):
    """The printed page's sections: each <h2> heading with the rows of its table (cell
    texts), or the text of what stands in for an empty one."""

    def __init__(self, page):
        super().__init__()
        self.sections, self._row, self._in = {}, None, None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self._in, self._heading = "h2", ""
        elif tag == "tr":
            self._row = []
        elif tag == "td":
            self._in = "td"
            self._row.append("")
        elif tag == "p" and ("class", "none") in attrs:
            self._in = "none"

    def handle_endtag(self, tag):
        if tag == "h2":
            self.sections[self._heading] = []
        elif tag == "tr" and self._row:
            self.sections[list(self.sections)[-1]].append(tuple(self._row))
        if tag in ("h2", "td", "p"):
            self._in = None

    def handle_data(self, data):
        if self._in == "h2":
            self._heading += data
        elif self._in == "td":
            self._row[-1] += data
        elif self._in == "none" and self.sections:
            self.sections[list(self.sections)[-1]].append(data)


def on_paper(moment):
    """The one way dates are written, on paper as on the pages: "2 December 2026, 19:23"."""
    local = datetime.fromisoformat(moment).astimezone(LONDON)
    return f"{local.day} {local:%B %Y}, {local:%H:%M}"


def test_the_printed_agenda_shows_each_sections_own_records(stack, haggerston):
    """A new referral, an overdue action, a priority due for review and intelligence
    awaiting feedback, all of one ward: each is printed in its own section, as itself."""
    referral = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        category="youth_at_risk", risk_level="high", ward=haggerston)).json()
    item = raise_item_due_soon(stack, haggerston, "Board up the empty shop on the parade")
    priority = set_priority(stack, "sgt.haggerston", haggerston,
                            "Dealing in the stairwells of the Fellows Court blocks")
    review_date_comes(stack, priority)
    report = stack.post("/api/intelligence", "pcso.haggerston", json={
        "ward": haggerston, "observed_at": datetime.now(timezone.utc).isoformat(),
        "location": "Fellows Court, block B", "text": "Two males passing packages"}).json()
    assert stack.post(f"/api/intelligence/{report['id']}/note",
                      "biu.analyst").status_code == 200
    assert wait_for(lambda: items_for(stack, referral["id"]))  # tasking heard of it
    assert wait_for(lambda: priority_status(stack, priority["id"]) == "due_for_review")
    assert wait_for(lambda: datetime.now(timezone.utc) > datetime.fromisoformat(
        item["due_by"]), timeout=10)

    # Tasking has heard of the review too (the agenda is fixed when the meeting opens).
    assert wait_for(lambda: query(
        stack, "SELECT status FROM tasking.ward_priority_records WHERE ward_priority_id = "
        ":id", id=priority["id"]) == [("due_for_review",)]), "tasking never heard"
    opened = stack.post("/api/tasking/meetings", "coordinator", json={
        "held_on": date.today().isoformat(), "wards": [haggerston]})
    assert opened.status_code == 201, opened.text
    meeting = opened.json()
    printed = stack.get(f"/api/tasking/meetings/{meeting['id']}/print", "coordinator")
    assert printed.status_code == 200, printed.text
    sections = Sections(printed.text).sections
    noted = stack.get(f"/api/intelligence/{report['id']}", "biu.analyst").json()
    assert sections["1. New referrals (high risk first)"] == [
        (referral["reference"], "high", "young person at risk", haggerston, "yot",
         on_paper(referral["submitted_at"]),
         "received")]
    assert sections["2. Overdue actions"] == [
        (item["reference"], "Board up the empty shop on the parade", haggerston, "housing",
         on_paper(item["due_by"]))]
    assert sections["3. Ward priorities due for review"] == [
        ("Dealing in the stairwells of the Fellows Court blocks", haggerston,
         f"{date.today().day} {date.today():%B %Y}")]
    assert sections["4. Intelligence awaiting feedback"] == [
        (report["reference"], haggerston, on_paper(noted["submitted_at"]),
         on_paper(noted["feedback_due_by"]))]
    assert sections["5. Actions agreed"] == ["None."]
    assert sections["6. Minutes"] == ["Not yet recorded (the meeting is open)."]
