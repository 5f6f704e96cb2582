"""Handing over a leaver's open work (issue 18): tasking's rules and use case on an
in-memory unit of work (services/tasking/handover.py, domain.handover_refusals), and the
gateway's checks of the leaver and the successor (services/gateway/handover.py)."""
from datetime import datetime, timedelta, timezone

import pytest
from nameko.testing.services import worker_factory

from services.gateway import accounts
from services.gateway import handover as gateway_handover
from services.gateway.orm import metadata as gateway_metadata
from services.tasking import domain
from services.tasking.orm import metadata as tasking_metadata
from services.tasking.routing import RoutingRules
from services.tasking.service import TaskingService
from shared.errors import Forbidden, InvalidContent, NotFound
from shared.testing.memory import InMemoryDatabase

ADMIN = {"username": "admin", "role": "admin", "agency": None, "wards": []}
SERGEANT = {"username": "sgt.dalston", "role": "sergeant", "agency": "police",
            "wards": ["dalston", "homerton"]}
COORDINATOR = {"username": "coordinator", "role": "coordinator", "agency": "police",
               "wards": []}
LEAVER = {"username": "pcso.leaving", "role": "pcso", "agency": "police",
          "wards": ["dalston"], "active": True}
SUCCESSOR = {"username": "pcso.dalston", "role": "pcso", "agency": "police",
             "wards": ["dalston"], "active": True}


def soon(days=7):
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat()


@pytest.fixture
def db():
    return InMemoryDatabase(tasking_metadata)


@pytest.fixture
def tasking(db):
    return worker_factory(TaskingService, uow=db.unit_of_work(), rules=RoutingRules.load(),
                          sla={"note_days": 3, "feedback_days": 14})


def task_pcso(tasking, ward="dalston", assignee="pcso.leaving"):
    return tasking.assign_pcso_task({
        "ward": ward, "assignee": assignee, "brief": "Dealing near the garages",
        "look_for": "Vehicles and times", "source_type": "ward_priority",
        "source_id": "6b000000-0000-4000-8000-000000000001", "due_by": soon()},
        {"role": "pcso", "wards": [ward]}, SERGEANT)


def action_named_to(tasking, username="pcso.leaving", agency="police"):
    raised = tasking.raise_tasking_item({"title": "Walk the estate at dusk",
                                         "ward": "dalston", "owner_agency": agency,
                                         "due_by": soon()}, COORDINATOR)
    return tasking.assign_tasking_item(raised["id"], {"owner_agency": agency,
                                                      "owner_user": username,
                                                      "due_by": soon(5)}, COORDINATOR)


# --- the rules ---------------------------------------------------------------------------

TASK = {"id": "t1", "reference": "WL-T-2026-000001", "ward": "dalston"}
ACTION = {"id": "a1", "reference": "WL-A-2026-000001", "ward": "dalston",
          "owner_agency": "police"}


def test_a_pcso_of_the_tasks_ward_and_agency_may_take_the_work_on():
    assert domain.handover_refusals("pcso.leaving", SUCCESSOR, [TASK], [ACTION]) == []


def test_work_handed_back_to_the_team_is_never_refused():
    assert domain.handover_refusals("pcso.leaving", None, [TASK], [ACTION]) == []


@pytest.mark.parametrize("successor, says", [
    ({**SUCCESSOR, "wards": ["homerton"]}, "does not serve dalston"),
    ({**SUCCESSOR, "role": "sergeant"}, "Name a PCSO"),
    ({**SUCCESSOR, "active": False}, "disabled"),
    ({**LEAVER}, "someone else"),
])
def test_a_pcso_task_goes_only_to_an_active_pcso_of_its_ward_other_than_the_leaver(
        successor, says):
    refusals = domain.handover_refusals("pcso.leaving", successor, [TASK], [])
    assert len(refusals) == 1 and says in refusals[0]


def test_an_action_goes_only_to_someone_of_its_owning_agency():
    housing = {"username": "housing.officer", "role": "partner", "agency": "housing",
               "wards": [], "active": True}
    [refusal] = domain.handover_refusals("pcso.leaving", housing, [], [ACTION])
    assert "WL-A-2026-000001 is owned by police" in refusal
    assert domain.handover_refusals("pcso.leaving", housing, [],
                                    [{**ACTION, "owner_agency": "housing"}]) == []


# --- the use case ------------------------------------------------------------------------

def test_a_handover_moves_the_open_tasks_and_actions_with_their_events(db, tasking):
    tasks = [task_pcso(tasking), task_pcso(tasking)]
    action = action_named_to(tasking)
    others = task_pcso(tasking, assignee="pcso.dalston")  # not the leaver's: stays put
    db.committed_events.clear()

    moved = tasking.hand_over_work("pcso.leaving", SUCCESSOR, ADMIN)

    assert moved == {"pcso_tasks": 2, "tasking_items": 1, "to": "pcso.dalston"}
    assignees = {row["id"]: row["assignee"] for row in db.rows("pcso_tasks")}
    assert [assignees[task["id"]] for task in tasks] == ["pcso.dalston", "pcso.dalston"]
    assert assignees[others["id"]] == "pcso.dalston"
    [item] = [row for row in db.rows("tasking_items") if row["id"] == action["id"]]
    assert (item["owner_user"], item["owner_agency"]) == ("pcso.dalston", "police")
    assert db.event_types == ["tasking_item.assigned", "work.handed_over"]
    announced = db.committed_events[-1].payload
    assert (announced["leaver"], announced["successor"]) == ("pcso.leaving", "pcso.dalston")
    assert {t["pcso_task_id"] for t in announced["pcso_tasks"]} == {t["id"] for t in tasks}
    assert db.committed_events[0].payload["assigned_by"] == "admin"


def test_a_handover_to_nobody_returns_the_work_to_the_team_unassigned(db, tasking):
    task = task_pcso(tasking)
    action = action_named_to(tasking)
    moved = tasking.hand_over_work("pcso.leaving", None, ADMIN)
    assert moved == {"pcso_tasks": 1, "tasking_items": 1, "to": None}
    assert tasking.get_pcso_task(task["id"], SERGEANT)["assignee"] is None
    [item] = [row for row in db.rows("tasking_items") if row["id"] == action["id"]]
    assert item["owner_user"] is None and item["owner_agency"] == "police"
    assert db.committed_events[-1].payload["successor"] is None


def test_one_piece_the_successor_cannot_hold_refuses_the_lot_and_moves_nothing(db, tasking):
    task_pcso(tasking)
    task_pcso(tasking, ward="homerton")  # the successor serves Dalston only
    action_named_to(tasking)
    before = db.rows("pcso_tasks"), db.rows("tasking_items"), len(db.committed_events)
    with pytest.raises(InvalidContent) as refused:
        tasking.hand_over_work("pcso.leaving", SUCCESSOR, ADMIN)
    assert refused.value.fields == {"to": ["This PCSO does not serve homerton."]}
    assert (db.rows("pcso_tasks"), db.rows("tasking_items"),
            len(db.committed_events)) == before


def test_finished_work_stays_where_it_was(db, tasking):
    action = action_named_to(tasking)
    tasking.complete_tasking_item(action["id"], {"outcome": "Estate walked"}, COORDINATOR)
    moved = tasking.hand_over_work("pcso.leaving", SUCCESSOR, ADMIN)
    assert moved == {"pcso_tasks": 0, "tasking_items": 0, "to": "pcso.dalston"}
    [item] = db.rows("tasking_items")
    assert item["owner_user"] == "pcso.leaving"


def test_only_an_administrator_hands_work_over(tasking):
    task_pcso(tasking)
    with pytest.raises(Forbidden):
        tasking.hand_over_work("pcso.leaving", SUCCESSOR, SERGEANT)


# --- the gateway's checks of the two accounts ------------------------------------------

@pytest.fixture
def accounts_db():
    database = InMemoryDatabase(gateway_metadata)
    with database.unit_of_work() as uow:
        for account in (LEAVER, SUCCESSOR, {**SUCCESSOR, "username": "pcso.gone"}):
            accounts.open_account(uow, {
                **{key: account[key] for key in ("username", "role", "wards")},
                "password": "a long enough password", "display_name": account["username"]},
                {"dalston", "homerton"}, ADMIN)
        accounts.change_account(uow, "pcso.gone", {"active": False}, set(), ADMIN)
    return database


def successor_of(accounts_db, leaver, payload):
    with accounts_db.unit_of_work() as uow:
        return gateway_handover.successor_account(uow.session, leaver, payload)


def test_the_successor_is_passed_on_as_tasking_needs_them(accounts_db):
    assert successor_of(accounts_db, "pcso.leaving", {"to": "pcso.dalston"}) == SUCCESSOR
    assert successor_of(accounts_db, "pcso.leaving", {}) is None
    assert successor_of(accounts_db, "pcso.leaving", {"to": None}) is None


@pytest.mark.parametrize("leaver, payload, error, field", [
    ("nobody.here", {"to": "pcso.dalston"}, NotFound, "username"),
    ("pcso.leaving", {"to": "nobody.here"}, InvalidContent, "to"),
    ("pcso.leaving", {"to": "pcso.leaving"}, InvalidContent, "to"),
    ("pcso.leaving", {"to": "pcso.gone"}, InvalidContent, "to"),
    ("pcso.leaving", {"to": 7}, InvalidContent, "to"),
    ("pcso.leaving", {"successor": "pcso.dalston"}, InvalidContent, "successor"),
])
def test_a_bad_handover_names_the_field(accounts_db, leaver, payload, error, field):
    with pytest.raises(error) as refused:
        successor_of(accounts_db, leaver, payload)
    assert set(refused.value.fields) == {field}


def test_a_task_back_with_the_team_still_expires_at_its_due_date(db, tasking):
    from services.tasking import intelligence
    handed_back = task_pcso(tasking)
    tasking.hand_over_work("pcso.leaving", None, ADMIN)
    db.committed_events.clear()
    later = datetime.now(timezone.utc) + timedelta(days=8)
    assert intelligence.expire_pcso_tasks(db.unit_of_work(), now=later) == 1
    [closed] = db.committed_events
    assert (closed.type, closed.version) == ("pcso_task.closed", 2)
    assert closed.payload["assignee"] is None
    assert closed.payload["pcso_task_id"] == handed_back["id"]


# --- a task back with the team is given to another PCSO ---------------------------------

def test_the_sergeant_gives_a_task_back_with_the_team_to_another_pcso_who_is_told(db,
                                                                                 tasking):
    task = task_pcso(tasking)
    tasking.hand_over_work("pcso.leaving", None, ADMIN)
    db.committed_events.clear()

    given = tasking.give_pcso_task(task["id"], {"assignee": "pcso.dalston"},
                                   {"role": "pcso", "wards": ["dalston"]}, SERGEANT)

    assert given["assignee"] == "pcso.dalston"
    assert db.event_types == ["pcso_task.assigned"]
    told = db.committed_events[0].payload
    assert (told["pcso_task_id"], told["assignee"], told["assigned_by"]) == (
        task["id"], "pcso.dalston", "sgt.dalston")
    assert told["reference"] == task["reference"]


@pytest.mark.parametrize("to, account, says", [
    ("pcso.dalston", None, "Name a PCSO"),
    ("pcso.dalston", {"role": "pcso", "wards": ["homerton"]}, "does not serve dalston"),
    ("pcso.leaving", {"role": "pcso", "wards": ["dalston"]}, "holds this task already"),
])
def test_a_task_goes_only_to_a_pcso_of_its_ward_who_does_not_hold_it(db, tasking, to,
                                                                      account, says):
    task = task_pcso(tasking, assignee="pcso.leaving")
    before = db.rows("pcso_tasks"), len(db.committed_events)
    with pytest.raises(InvalidContent) as refused:
        tasking.give_pcso_task(task["id"], {"assignee": to}, account, SERGEANT)
    assert says in refused.value.fields["assignee"][0]
    assert (db.rows("pcso_tasks"), len(db.committed_events)) == before


def test_only_the_tasks_own_sergeant_gives_it_and_only_while_open(db, tasking):
    task = task_pcso(tasking)
    pcso = {"role": "pcso", "wards": ["dalston"]}
    other_ward = {**SERGEANT, "username": "sgt.hoxton", "wards": ["hoxton"]}
    with pytest.raises(NotFound):
        tasking.give_pcso_task(task["id"], {"assignee": "pcso.dalston"}, pcso, other_ward)
    with pytest.raises(Forbidden):
        tasking.give_pcso_task(task["id"], {"assignee": "pcso.dalston"}, pcso, COORDINATOR)
    with pytest.raises(InvalidContent) as refused:
        tasking.give_pcso_task(task["id"], {}, pcso, SERGEANT)
    assert refused.value.fields == {"assignee": ["Missing data for required field."]}
    with db.engine.begin() as conn:
        conn.execute(tasking_metadata.tables["pcso_tasks"].update().values(status="expired"))
    with pytest.raises(InvalidContent) as refused:
        tasking.give_pcso_task(task["id"], {"assignee": "pcso.dalston"}, pcso, SERGEANT)
    assert "closed (expired)" in refused.value.fields["status"][0]
