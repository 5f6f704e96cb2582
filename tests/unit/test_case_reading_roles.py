"""Giving an account a case-reading role (coordinator, reviewer, analyst) is audited as
such and told to the other admins (issue 18): the gateway's `user.case_reading_role_given`
and notifications' rules for it and for a handover."""
import pytest

from services.gateway import accounts
from services.gateway.orm import metadata as gateway_metadata
from services.notifications import recipients
from shared.events import Event
from shared.testing.memory import InMemoryDatabase

ADMIN = {"username": "admin", "role": "admin", "agency": None, "wards": []}
WARDS = {"dalston"}


def new_account(username, role, **more):
    return {"username": username, "password": "a long enough password",
            "display_name": username, "role": role, **more}


@pytest.fixture
def db():
    database = InMemoryDatabase(gateway_metadata)
    with database.unit_of_work() as uow:
        accounts.open_account(uow, new_account("pcso.dalston", "pcso", wards=["dalston"]),
                              WARDS, ADMIN)
    database.committed_events.clear()
    return database


def grants(db):
    return [event.payload for event in db.committed_events
            if event.type == "user.case_reading_role_given"]


def audit_purposes(db):
    return [row["purpose"] for row in db.rows("audit_log")]


def test_an_account_added_with_a_case_reading_role_is_announced_and_audited_as_such(db):
    with db.unit_of_work() as uow:
        accounts.open_account(uow, new_account("biu.newcomer", "analyst"), WARDS, ADMIN)
    assert grants(db) == [{"username": "biu.newcomer", "role": "analyst",
                           "previous_role": None, "given_by": "admin"}]
    assert audit_purposes(db)[-1] == "Adding an account with the analyst role (reads case data)"


def test_a_change_to_a_case_reading_role_is_announced_with_the_role_before(db):
    with db.unit_of_work() as uow:
        accounts.change_account(uow, "pcso.dalston", {"role": "reviewer"}, WARDS, ADMIN)
    assert grants(db) == [{"username": "pcso.dalston", "role": "reviewer",
                           "previous_role": "pcso", "given_by": "admin"}]
    assert "giving it the reviewer role (was pcso) (reads case data)" in \
        audit_purposes(db)[-1]
    # the grant leaves with the account's own user.saved, in the same transaction
    assert [event.type for event in db.committed_events] == [
        "user.saved", "user.case_reading_role_given"]


@pytest.mark.parametrize("change", [{"display_name": "PCSO Jo Murphy"},
                                    {"role": "sergeant"}])
def test_other_changes_are_not_announced_as_a_case_reading_role(db, change):
    with db.unit_of_work() as uow:
        accounts.change_account(uow, "pcso.dalston", change, WARDS, ADMIN)
    assert grants(db) == [] and db.committed_events  # user.saved still goes


def test_a_case_reading_account_changed_otherwise_is_not_announced_again(db):
    with db.unit_of_work() as uow:
        accounts.open_account(uow, new_account("biu.two", "analyst"), WARDS, ADMIN)
        accounts.change_account(uow, "biu.two", {"display_name": "Bea"}, WARDS, ADMIN)
    assert [grant["username"] for grant in grants(db)] == ["biu.two"]


class People:
    """The directory's answers the rules ask for, by role and ward."""

    def __init__(self, by_role):
        self.by_role = by_role

    def with_role(self, role, ward=None):
        return [name for name, wards in self.by_role.get(role, [])
                if ward is None or ward in wards]


PEOPLE = People({"admin": [("admin", []), ("admin.deputy", []), ("admin.night", [])],
                 "sergeant": [("sgt.dalston", ["dalston"]), ("sgt.homerton", ["homerton"])]})


def told(event_type, payload):
    return {r.address: r.kind for r in recipients.recipients_for(Event(event_type, 1, payload),
                                                                  PEOPLE)}


def test_every_admin_but_the_one_who_gave_the_role_is_told():
    assert told("user.case_reading_role_given", {
        "username": "biu.newcomer", "role": "analyst", "previous_role": None,
        "given_by": "admin"}) == {"user:admin.deputy": "user.case_reading_role_given",
                                  "user:admin.night": "user.case_reading_role_given"}


HANDOVER = {"leaver": "pcso.leaving", "handed_over_by": "admin",
            "pcso_tasks": [{"pcso_task_id": "t1", "reference": "WL-T-2026-000001",
                            "ward": "dalston"}],
            "tasking_items": []}


def test_a_handover_tells_the_leaver_and_the_successor():
    assert told("work.handed_over", {**HANDOVER, "successor": "pcso.dalston"}) == {
        "user:pcso.leaving": "work.handed_over", "user:pcso.dalston": "work.taken_over"}


def test_work_handed_back_to_the_team_tells_the_leaver_and_the_tasks_ward_sergeant():
    assert told("work.handed_over", {**HANDOVER, "successor": None}) == {
        "user:pcso.leaving": "work.handed_over", "user:sgt.dalston": "work.returned_to_team"}


@pytest.mark.parametrize("template", ["work.handed_over.leaver", "work.handed_over.team"])
def test_work_handed_back_to_the_team_reads_without_a_successor(template):
    from datetime import datetime, timezone

    from services.notifications.content import handover_context, render
    context = handover_context({**HANDOVER, "successor": None, "handed_over_at": datetime(
        2026, 12, 7, 14, 30, tzinfo=timezone.utc)}, None)
    title, body = render(template, "police", context)
    assert title and "WL-T-2026-000001" in body and "the team" in body
    assert "7 December 2026, 14:30" in body
