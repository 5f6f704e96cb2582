"""Tasking's plain rules: who sees and moves which item, who may task which PCSO, what an
intelligence report may do next, and how an agenda is ordered."""
from datetime import datetime, timedelta, timezone

import pytest

from services.tasking import domain
from shared.errors import Conflict, Forbidden

ITEM = {"ward": "dalston", "owner_agency": "yot", "owner_user": "yot.worker",
        "status": "open", "due_by": datetime(2026, 12, 1, tzinfo=timezone.utc)}


@pytest.mark.parametrize("actor, sees", [
    ({"username": "c", "role": "coordinator"}, True),
    ({"username": "r", "role": "reviewer"}, True),
    ({"username": "y", "role": "partner", "agency": "yot"}, True),
    ({"username": "h", "role": "partner", "agency": "health"}, False),
    ({"username": "s", "role": "sergeant", "wards": ["dalston"]}, True),
    ({"username": "s", "role": "sergeant", "wards": ["homerton"]}, False),
    ({"username": "p", "role": "panel", "wards": ["dalston"]}, True),
    ({"username": "yot.worker", "role": "pcso"}, True),
    ({"username": "someone", "role": "pcso"}, False),
    ({"username": "a", "role": "admin"}, False),
])
def test_who_sees_a_tasking_item(actor, sees):
    assert domain.in_scope(domain.item_scope(actor), ITEM) is sees


def test_an_owning_agency_moves_its_item_on_but_a_panel_only_reads_it():
    assert domain.may_work_item({"username": "y", "role": "partner", "agency": "yot"}, ITEM)
    assert not domain.may_work_item({"username": "p", "role": "panel", "wards": ["dalston"],
                                     "agency": None}, ITEM)
    with pytest.raises(Forbidden):
        domain.check_assignment({"username": "y", "role": "partner", "agency": "yot"}, ITEM,
                                "housing")
    domain.check_assignment({"username": "c", "role": "coordinator"}, ITEM, "housing")


def test_an_item_is_overdue_only_while_open_and_past_due():
    after = ITEM["due_by"] + timedelta(minutes=1)
    assert domain.is_overdue(ITEM, after) and not domain.is_overdue(ITEM, ITEM["due_by"])
    assert not domain.is_overdue({**ITEM, "status": "completed"}, after)
    with pytest.raises(Conflict):
        domain.check_item_open({**ITEM, "status": "completed"}, "assigned")


def test_a_sergeant_tasks_a_pcso_of_their_own_ward_only():
    sergeant = {"role": "sergeant", "wards": ["dalston"]}
    assert domain.check_may_task_pcso(sergeant, "dalston",
                                      {"role": "pcso", "wards": ["dalston"]}) == {}
    assert set(domain.check_may_task_pcso(sergeant, "homerton",
                                          {"role": "pcso", "wards": ["homerton"]})) == {"ward"}
    assert set(domain.check_may_task_pcso(sergeant, "dalston",
                                          {"role": "pcso", "wards": ["homerton"]})) == {
        "assignee"}
    assert set(domain.check_may_task_pcso(sergeant, "dalston", None)) == {"assignee"}


@pytest.mark.parametrize("status, step, allowed", [
    ("awaiting_note", "noted", True), ("awaiting_grade", "noted", False),
    ("awaiting_note", "graded", True), ("awaiting_feedback", "graded", False),
    ("awaiting_grade", "given feedback", False), ("awaiting_feedback", "given feedback", True),
    ("closed", "given feedback", False),
])
def test_intelligence_report_steps_follow_its_lifecycle(status, step, allowed):
    if allowed:
        domain.check_intelligence_step({"status": status}, step)
    else:
        with pytest.raises(Conflict):
            domain.check_intelligence_step({"status": status}, step)


def test_the_agenda_orders_by_risk_then_age_and_overdue_by_lateness():
    t = datetime(2026, 12, 1, tzinfo=timezone.utc)
    referrals = [{"risk_level": "standard", "submitted_at": t},
                 {"risk_level": "high", "submitted_at": t + timedelta(hours=2)},
                 {"risk_level": "high", "submitted_at": t + timedelta(hours=1)},
                 {"risk_level": "medium", "submitted_at": t}]
    items = [{"due_by": t}, {"due_by": t - timedelta(days=3)}]
    agenda = domain.agenda(referrals, items, [], [])
    assert [(r["risk_level"], r["submitted_at"]) for r in agenda["new_referrals"]] == [
        ("high", t + timedelta(hours=1)), ("high", t + timedelta(hours=2)),
        ("medium", t), ("standard", t)]
    assert agenda["overdue_items"][0]["due_by"] == t - timedelta(days=3)
