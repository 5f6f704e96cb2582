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
    ({"username": "p", "role": "panel", "wards": ["dalston"]}, False),  # not a priority's
    ({"username": "yot.worker", "role": "pcso"}, True),
    ({"username": "someone", "role": "pcso"}, False),
    ({"username": "a", "role": "admin"}, False),
])
def test_who_sees_a_tasking_item(actor, sees):
    assert domain.in_scope(domain.item_scope(actor), ITEM) is sees


PANEL = {"username": "p", "role": "panel", "wards": ["dalston"], "agency": None}
REFERRAL = {"referral_id": "r-1", "referring_agency": "housing"}
ON_REFERRAL = {**ITEM, "source_type": "referral", "source_id": "r-1"}
ON_PRIORITY = {**ITEM, "source_type": "ward_priority", "source_id": "wp-1"}


@pytest.mark.parametrize("actor, item, audience", [
    ({"username": "c", "role": "coordinator"}, ON_REFERRAL, "coordinator"),
    ({"username": "r", "role": "reviewer"}, ON_REFERRAL, "reviewer"),
    ({"username": "s", "role": "sergeant", "wards": ["dalston"]}, ON_REFERRAL, "police"),
    ({"username": "s", "role": "sergeant", "wards": ["homerton"]}, ON_REFERRAL, None),
    ({"username": "yot.worker", "role": "pcso"}, ON_REFERRAL, "police"),
    ({"username": "a", "role": "analyst"}, ON_REFERRAL, "police"),
    ({"username": "y", "role": "partner", "agency": "yot"}, ON_REFERRAL, "owning_agency"),
    ({"username": "h", "role": "partner", "agency": "housing"}, ON_REFERRAL, "referrer"),
    ({"username": "h", "role": "partner", "agency": "housing"}, ON_PRIORITY, None),
    ({"username": "f", "role": "partner", "agency": "fire"}, ON_REFERRAL, None),
    (PANEL, ON_PRIORITY, "panel"),
    (PANEL, ON_REFERRAL, None),
    ({**PANEL, "wards": ["homerton"]}, ON_PRIORITY, None),
    ({"username": "a", "role": "admin"}, ON_REFERRAL, None),
])
def test_each_reader_reads_an_item_as_one_audience_or_not_at_all(actor, item, audience):
    assert domain.item_audience(actor, item, REFERRAL) == audience


def test_the_referrer_is_the_referring_agency_of_the_item_s_own_referral():
    housing = {"username": "h", "role": "partner", "agency": "housing"}
    assert domain.item_audience(housing, ON_REFERRAL, None) is None
    other = {**ON_REFERRAL, "source_id": "r-2"}
    assert domain.item_audience(housing, other, REFERRAL) is None


def test_ungraded_and_code_c_intelligence_is_for_police_roles_only():
    ungraded = {"ward": "dalston", "submitted_by": "p", "handling_code": None}
    code_c = {**ungraded, "handling_code": "C", "handling_conditions": "Police only"}
    code_p = {**ungraded, "handling_code": "P"}
    coordinator = domain.intelligence_scope({"username": "c", "role": "coordinator"})
    assert [domain.in_scope(coordinator, r) for r in (ungraded, code_c, code_p)] == [
        False, False, True]
    for police in ({"role": "analyst"}, {"role": "sergeant", "wards": ["dalston"]},
                   {"role": "pcso", "username": "p"}):
        assert all(domain.in_scope(domain.intelligence_scope(police), r)
                   for r in (ungraded, code_c, code_p))


def test_a_sergeant_reads_the_entries_of_their_wards_and_minutes_only_of_all_of_them():
    sergeant = {"role": "sergeant", "wards": ["dalston"]}
    assert domain.reads_ward_of_meeting(sergeant, "dalston")
    assert not domain.reads_ward_of_meeting(sergeant, "homerton")
    assert domain.reads_minutes(sergeant, {"wards": ["dalston"]})
    assert not domain.reads_minutes(sergeant, {"wards": ["dalston", "homerton"]})
    for role in ("coordinator", "analyst", "reviewer"):
        assert domain.reads_minutes({"role": role}, {"wards": ["dalston", "homerton"]})


def test_an_owning_agency_moves_its_item_on_but_a_panel_only_reads_it():
    assert domain.may_work_item({"username": "y", "role": "partner", "agency": "yot"}, ITEM)
    assert not domain.may_work_item(PANEL, ON_PRIORITY)
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
