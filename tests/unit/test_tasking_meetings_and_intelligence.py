"""Tasking meetings (agenda, actions, minutes, print), PCSO tasks and intelligence
reports (3x5x2 grading, feedback, service levels) through the service on an in-memory
unit of work."""
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from nameko.testing.services import worker_factory

from services.tasking import intelligence
from services.tasking.orm import metadata
from services.tasking.routing import RoutingRules
from services.tasking.service import TaskingService
from shared.errors import Conflict, Forbidden, InvalidContent, NotFound
from shared.events import Event
from shared.testing.memory import InMemoryDatabase

COORDINATOR = {"username": "coordinator", "role": "coordinator", "agency": "police",
               "wards": []}
SERGEANT = {"username": "sgt.dalston", "role": "sergeant", "agency": "police",
            "wards": ["dalston", "hackney-central"]}
PCSO = {"username": "pcso.dalston", "role": "pcso", "agency": "police", "wards": ["dalston"]}
OTHER_PCSO = {"username": "pcso.two", "role": "pcso", "agency": "police", "wards": ["dalston"]}
ANALYST = {"username": "biu.analyst", "role": "analyst", "agency": "police", "wards": []}
PCSO_ACCOUNT = {"role": "pcso", "wards": ["dalston"]}


def soon(**delta):
    return (datetime.now(timezone.utc) + timedelta(**(delta or {"days": 7}))).isoformat()


@pytest.fixture
def db():
    return InMemoryDatabase(metadata)


@pytest.fixture
def tasking(db):
    return worker_factory(TaskingService, uow=db.unit_of_work(), rules=RoutingRules.load(),
                          sla={"note_days": 3, "feedback_days": 14})


def submit_referral(tasking, risk_level, ward="dalston", hours_ago=1):
    event = Event("referral.submitted", 1, {
        "referral_id": str(uuid.uuid4()), "subject_id": str(uuid.uuid4()),
        "category": "asb", "risk_level": risk_level, "ward": ward,
        "referring_agency": "housing", "referred_by": "housing.officer",
        "submitted_at": datetime.now(timezone.utc) - timedelta(hours=hours_ago),
        "handling_code": "P"})
    tasking.raise_item_for_referral(event)
    return event.payload["referral_id"]


def task_pcso(tasking, assignee="pcso.dalston", account=PCSO_ACCOUNT, **overrides):
    return tasking.assign_pcso_task({
        "ward": "dalston", "assignee": assignee, "brief": "Dealing near the garages",
        "look_for": "Vehicles, times, who the caretakers see", "source_type": "ward_priority",
        "source_id": "6b000000-0000-4000-8000-000000000001", "due_by": soon()} | overrides,
        account, SERGEANT)


def file_report(tasking, task_id, actor=PCSO):
    return tasking.file_report(task_id, {
        "observed_at": soon(hours=-2), "location": "Garages behind Ridley Road",
        "text": "Silver hatchback, partial plate, 21:10, two males"}, actor)


# --- tasking meetings ---------------------------------------------------------------------

def test_the_agenda_lists_new_referrals_high_risk_first_for_the_meetings_wards(tasking):
    standard = submit_referral(tasking, "standard", hours_ago=5)
    high = submit_referral(tasking, "high", hours_ago=1)
    medium = submit_referral(tasking, "medium", hours_ago=3)
    submit_referral(tasking, "high", ward="homerton")
    meeting = tasking.open_meeting({"held_on": date.today().isoformat(),
                                    "wards": ["dalston"]}, COORDINATOR)
    assert [r["referral_id"] for r in meeting["agenda"]["new_referrals"]] == [high, medium,
                                                                              standard]
    assert meeting["status"] == "open" and meeting["since"] is None


def test_the_next_meeting_lists_only_referrals_since_the_last_one(tasking):
    submit_referral(tasking, "high", hours_ago=2)
    tasking.open_meeting({"held_on": date.today().isoformat(), "wards": ["dalston"]},
                         COORDINATOR)
    newer = submit_referral(tasking, "standard", hours_ago=0)
    meeting = tasking.open_meeting({"held_on": date.today().isoformat(),
                                    "wards": ["dalston", "homerton"]}, COORDINATOR)
    assert [r["referral_id"] for r in meeting["agenda"]["new_referrals"]] == [newer]


def test_the_agenda_carries_overdue_items_and_priorities_due_for_review(tasking, db):
    tasking.apply_ward_priority(Event("ward_priority.set", 1, {
        "ward_priority_id": str(uuid.uuid4()), "ward": "dalston", "title": "Garages",
        "description": "x", "review_by": date.today(), "status": "due_for_review",
        "set_by": "panel.dalston", "set_by_role": "panel"}))
    item = tasking.raise_tasking_item({"title": "Cut back the hedges", "ward": "dalston",
                                       "owner_agency": "housing", "due_by": soon(hours=1)},
                                      COORDINATOR)
    items = metadata.tables["tasking_items"]
    with db.engine.begin() as conn:
        conn.execute(items.update().values(due_by=datetime.now(timezone.utc)
                                           - timedelta(days=1)))
    agenda = tasking.open_meeting({"held_on": date.today().isoformat(), "wards": ["dalston"]},
                                  COORDINATOR)["agenda"]
    assert [i["id"] for i in agenda["overdue_items"]] == [item["id"]]
    assert [p["title"] for p in agenda["priorities_for_review"]] == ["Garages"]


def test_decisions_become_actions_and_closing_records_the_minutes_once(tasking, db):
    meeting = tasking.open_meeting({"held_on": date.today().isoformat(),
                                    "wards": ["dalston"]}, COORDINATOR)
    action = tasking.add_meeting_action(meeting["id"], {
        "title": "Joint visit: Safer Schools officer <and> attendance", "ward": "dalston",
        "owner_agency": "education", "due_by": soon(), "decision": "Agreed by all"},
        COORDINATOR)
    assert action["meeting_id"] == meeting["id"] and action["history"][0]["note"] == "Agreed by all"
    with pytest.raises(InvalidContent) as refused:
        tasking.add_meeting_action(meeting["id"], {"title": "x", "ward": "homerton",
                                                   "owner_agency": "fire", "due_by": soon(),
                                                   "decision": "y"}, COORDINATOR)
    assert "ward" in refused.value.fields
    closed = tasking.close_meeting(meeting["id"], {"minutes": "Present: police, YOT."},
                                   COORDINATOR)
    assert closed["status"] == "closed" and [a["id"] for a in closed["actions"]] == [action["id"]]
    with pytest.raises(Conflict):
        tasking.close_meeting(meeting["id"], {"minutes": "again"}, COORDINATOR)
    page = tasking.print_meeting(meeting["id"], COORDINATOR)
    assert "&lt;and&gt;" in page and "Present: police, YOT." in page and "<script" not in page


def test_only_the_coordinator_runs_meetings_and_others_wards_read_as_absent(tasking):
    with pytest.raises(Forbidden):
        tasking.open_meeting({"held_on": "2026-12-01", "wards": ["dalston"]}, SERGEANT)
    meeting = tasking.open_meeting({"held_on": "2026-12-01", "wards": ["homerton"]},
                                   COORDINATOR)
    with pytest.raises(NotFound):
        tasking.get_meeting(meeting["id"], SERGEANT)


# --- PCSO tasks ------------------------------------------------------------------------------

def test_a_sergeant_tasks_only_a_pcso_of_their_own_ward(tasking, db):
    task = task_pcso(tasking)
    assert task["status"] == "open" and db.event_types == ["pcso_task.assigned"]
    with pytest.raises(InvalidContent) as refused:
        task_pcso(tasking, ward="homerton")
    assert "ward" in refused.value.fields
    with pytest.raises(InvalidContent) as refused:
        task_pcso(tasking, assignee="yot.partner", account={"role": "partner", "wards": []})
    assert set(refused.value.fields) == {"assignee"}
    with pytest.raises(InvalidContent) as refused:
        task_pcso(tasking, assignee="nobody", account=None)
    assert set(refused.value.fields) == {"assignee"}
    with pytest.raises(Forbidden):
        tasking.assign_pcso_task({}, PCSO_ACCOUNT, PCSO)


def test_a_pcso_sees_only_their_own_tasks(tasking):
    mine = task_pcso(tasking)
    theirs = task_pcso(tasking, assignee="pcso.two")
    listed = tasking.list_pcso_tasks({"assignee": "pcso.two"}, PCSO)["items"]
    assert listed == []
    assert [t["id"] for t in tasking.list_pcso_tasks({}, PCSO)["items"]] == [mine["id"]]
    with pytest.raises(NotFound):
        tasking.get_pcso_task(theirs["id"], PCSO)
    with pytest.raises(NotFound):
        file_report(tasking, theirs["id"])
    assert {t["id"] for t in tasking.list_pcso_tasks({}, SERGEANT)["items"]} == {mine["id"],
                                                                                theirs["id"]}


def test_a_task_closes_when_its_reports_are_in_and_takes_no_more(tasking, db):
    task = task_pcso(tasking, reports_wanted=2)
    file_report(tasking, task["id"])
    assert tasking.get_pcso_task(task["id"], PCSO)["status"] == "open"
    file_report(tasking, task["id"])
    closed = tasking.get_pcso_task(task["id"], PCSO)
    assert (closed["status"], closed["reports_filed"], len(closed["reports"])) == (
        "reports_in", 2, 2)
    with pytest.raises(Conflict):
        file_report(tasking, task["id"])
    assert db.event_types.count("intelligence.submitted") == 2
    assert db.event_types[-1] == "pcso_task.closed"


def test_an_open_task_past_its_due_date_expires_once(tasking, db):
    task_pcso(tasking, due_by=soon(hours=1))
    uow = db.unit_of_work()
    later = datetime.now(timezone.utc) + timedelta(hours=2)
    assert intelligence.expire_pcso_tasks(uow, now=later) == 1
    assert intelligence.expire_pcso_tasks(uow, now=later) == 0
    assert db.rows("pcso_tasks")[0]["status"] == "expired"
    assert db.committed_events[-1].payload["reason"] == "expired"


# --- intelligence reports ----------------------------------------------------------------------

@pytest.mark.parametrize("grade, bad_fields", [
    ({"source_evaluation": 4, "intelligence_assessment": "B", "handling_code": "P"},
     {"source_evaluation"}),
    ({"source_evaluation": "1", "intelligence_assessment": "F", "handling_code": "X"},
     {"source_evaluation", "intelligence_assessment", "handling_code"}),
    ({"source_evaluation": 2, "intelligence_assessment": "B", "handling_code": "C"},
     {"conditions"}),
    ({"source_evaluation": 2, "intelligence_assessment": "B", "handling_code": "P",
      "conditions": "Not to be shared with housing"}, {"conditions"}),
])
def test_only_valid_3x5x2_grades_are_accepted(tasking, db, grade, bad_fields):
    report = file_report(tasking, task_pcso(tasking)["id"])
    with pytest.raises(InvalidContent) as refused:
        tasking.grade_intelligence(report["id"], grade, ANALYST)
    assert set(refused.value.fields) == bad_fields
    assert db.rows("intelligence_reports")[0]["status"] == "awaiting_note"


def test_a_report_is_noted_graded_given_feedback_and_closed(tasking, db):
    report = file_report(tasking, task_pcso(tasking)["id"])
    assert report["status"] == "awaiting_note"
    with pytest.raises(Conflict):
        tasking.give_intelligence_feedback(report["id"], {"usage": "not_used", "note": "x"},
                                           ANALYST)
    noted = tasking.note_intelligence(report["id"], ANALYST)
    assert noted["status"] == "awaiting_grade" and noted["noted_at"]
    with pytest.raises(Conflict):
        tasking.note_intelligence(report["id"], ANALYST)
    graded = tasking.grade_intelligence(report["id"], {
        "source_evaluation": 2, "intelligence_assessment": "B", "handling_code": "C",
        "conditions": "Police only until the warrant is executed"}, ANALYST)
    assert (graded["source_evaluation"], graded["intelligence_assessment"],
            graded["handling_code"]) == (2, "B", "C")
    done = tasking.give_intelligence_feedback(report["id"], {
        "usage": "supported_warrant_application", "note": "Used to support a warrant."},
        ANALYST)
    assert done["status"] == "closed" and done["feedback_by"] == "biu.analyst"
    assert db.event_types == ["pcso_task.assigned", "intelligence.submitted",
                              "pcso_task.closed", "intelligence.noted",
                              "intelligence.graded", "intelligence.feedback_given"]
    graded_event = db.committed_events[-2].payload
    assert "conditions" not in graded_event and "text" not in db.committed_events[1].payload


def test_grading_an_unnoted_report_notes_it_and_only_the_biu_grades(tasking, db):
    report = tasking.file_ad_hoc_report({
        "ward": "dalston", "observed_at": soon(hours=-1), "location": "Ridley Road market",
        "text": "Stall used to pass packages"}, PCSO)
    with pytest.raises(Forbidden):
        tasking.grade_intelligence(report["id"], {}, SERGEANT)
    graded = tasking.grade_intelligence(report["id"], {
        "source_evaluation": 1, "intelligence_assessment": "A", "handling_code": "P"}, ANALYST)
    assert graded["noted_by"] == "biu.analyst" and graded["status"] == "awaiting_feedback"
    assert db.event_types[-2:] == ["intelligence.noted", "intelligence.graded"]
    with pytest.raises(NotFound):
        tasking.get_intelligence(report["id"], OTHER_PCSO)


def test_missed_service_levels_remind_the_biu_once_per_stage(tasking, db):
    file_report(tasking, task_pcso(tasking)["id"])
    uow = db.unit_of_work()
    now = datetime.now(timezone.utc)
    assert intelligence.remind_missed_service_levels(uow, now=now + timedelta(days=1)) == 0
    assert intelligence.remind_missed_service_levels(uow, now=now + timedelta(days=4)) == 1
    assert intelligence.remind_missed_service_levels(uow, now=now + timedelta(days=5)) == 0
    assert intelligence.remind_missed_service_levels(uow, now=now + timedelta(days=15)) == 1
    reminders = [e.payload["stage"] for e in db.committed_events
                 if e.type == "intelligence.service_level_missed"]
    assert reminders == ["note", "feedback"]


def test_the_biu_lists_reports_awaiting_feedback(tasking):
    task = task_pcso(tasking, reports_wanted=3)
    first, second = file_report(tasking, task["id"]), file_report(tasking, task["id"])
    tasking.grade_intelligence(first["id"], {"source_evaluation": 2,
                                             "intelligence_assessment": "C",
                                             "handling_code": "P"}, ANALYST)
    waiting = tasking.list_intelligence({"status": "awaiting_feedback"}, ANALYST)["items"]
    assert [r["id"] for r in waiting] == [first["id"]]
    assert {r["id"] for r in tasking.list_intelligence({}, OTHER_PCSO)["items"]} == set()
    assert len(tasking.list_intelligence({}, PCSO)["items"]) == 2 and second


def test_the_agenda_lists_the_wards_intelligence_still_awaiting_feedback_oldest_first(
        tasking):
    task = task_pcso(tasking, reports_wanted=4)
    graded, noted, closed = (file_report(tasking, task["id"]) for _ in range(3))
    grade = {"source_evaluation": 2, "intelligence_assessment": "B", "handling_code": "P"}
    tasking.grade_intelligence(graded["id"], grade, ANALYST)
    tasking.note_intelligence(noted["id"], ANALYST)
    tasking.grade_intelligence(closed["id"], grade, ANALYST)
    tasking.give_intelligence_feedback(closed["id"], {"usage": "not_used",
                                                      "note": "Already known."}, ANALYST)
    elsewhere = tasking.file_ad_hoc_report({
        "ward": "hackney-central", "observed_at": soon(hours=-1), "location": "Mare Street",
        "text": "Moped seen circling"}, {**PCSO, "username": "pcso.central",
                                         "wards": ["hackney-central"]})
    tasking.grade_intelligence(elsewhere["id"], grade, ANALYST)

    meeting = tasking.open_meeting({"held_on": date.today().isoformat(),
                                    "wards": ["dalston"]}, COORDINATOR)

    waiting = meeting["agenda"]["intelligence_awaiting_feedback"]
    assert [(r["id"], r["status"]) for r in waiting] == [
        (graded["id"], "awaiting_feedback"), (noted["id"], "awaiting_grade")]
    assert all(r["ward"] == "dalston" and r["feedback_due_by"] for r in waiting)
    both = tasking.open_meeting({"held_on": date.today().isoformat(),
                                 "wards": ["dalston", "hackney-central"]}, COORDINATOR)
    assert elsewhere["id"] in {r["id"] for r in both["agenda"]
                               ["intelligence_awaiting_feedback"]}


# --- need to know: meetings by the reader's wards, intelligence by handling code -----------

DALSTON_SERGEANT = {**SERGEANT, "wards": ["dalston"]}


def test_a_sergeant_reads_only_their_wards_of_a_shared_meeting_on_screen_and_paper(tasking):
    mine = submit_referral(tasking, "high")
    theirs = submit_referral(tasking, "high", ward="homerton")
    meeting = tasking.open_meeting({"held_on": date.today().isoformat(),
                                    "wards": ["dalston", "homerton"]}, COORDINATOR)
    for ward in ("dalston", "homerton"):
        tasking.add_meeting_action(meeting["id"], {
            "title": f"Visit in {ward}", "ward": ward, "owner_agency": "yot",
            "due_by": soon(), "decision": "Agreed"}, COORDINATOR)
    tasking.close_meeting(meeting["id"], {"minutes": "Homerton family discussed"},
                          COORDINATOR)

    seen = tasking.get_meeting(meeting["id"], DALSTON_SERGEANT)
    assert [r["referral_id"] for r in seen["agenda"]["new_referrals"]] == [mine]
    assert [a["title"] for a in seen["actions"]] == ["Visit in dalston"]
    assert seen["minutes"] is None
    page = tasking.print_meeting(meeting["id"], DALSTON_SERGEANT)
    assert "Visit in homerton" not in page and "Homerton family" not in page
    assert "<td>homerton</td>" not in page and "minutes also cover wards outside" in page
    [listed] = tasking.list_meetings(DALSTON_SERGEANT)["items"]
    assert listed["minutes"] is None

    whole = tasking.get_meeting(meeting["id"], SERGEANT | {"wards": ["dalston", "homerton"]})
    assert whole["minutes"] == "Homerton family discussed"
    for reader in (COORDINATOR, ANALYST):
        everything = tasking.get_meeting(meeting["id"], reader)
        assert {r["referral_id"] for r in everything["agenda"]["new_referrals"]} == {
            mine, theirs}
        assert len(everything["actions"]) == 2 and everything["minutes"]


def test_the_coordinator_reads_only_graded_code_p_intelligence(tasking):
    task = task_pcso(tasking, reports_wanted=3)
    ungraded, code_c, code_p = (file_report(tasking, task["id"]) for _ in range(3))
    tasking.grade_intelligence(code_c["id"], {
        "source_evaluation": 2, "intelligence_assessment": "B", "handling_code": "C",
        "conditions": "Police only until the arrest"}, ANALYST)
    tasking.grade_intelligence(code_p["id"], {
        "source_evaluation": 1, "intelligence_assessment": "A", "handling_code": "P"}, ANALYST)
    for report in (ungraded, code_c):
        with pytest.raises(NotFound):
            tasking.get_intelligence(report["id"], COORDINATOR)
    assert tasking.get_intelligence(code_p["id"], COORDINATOR)["handling_code"] == "P"
    assert [r["id"] for r in tasking.list_intelligence({}, COORDINATOR)["items"]] == [
        code_p["id"]]
    assert [r["id"] for r in tasking.get_pcso_task(task["id"], COORDINATOR)["reports"]] == [
        code_p["id"]]
    for reader in (SERGEANT, PCSO, ANALYST):  # police roles read the conditions
        assert tasking.get_intelligence(code_c["id"], reader)[
            "handling_conditions"] == "Police only until the arrest"
