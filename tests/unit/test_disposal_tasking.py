"""Tasking's part in disposal (services/tasking/disposal.py) on an in-memory unit of work:
a `referral.disposed` leaves tasking's record of the referral counted as disposed with no
one's details, replaces the text of the actions and PCSO tasks raised from it, forgets
the published events about them, and a redelivered copy changes nothing more."""
from datetime import datetime, timedelta, timezone

import pytest
from nameko.testing.services import worker_factory

from services.tasking.orm import metadata
from services.tasking.routing import RoutingRules
from services.tasking.service import TaskingService
from shared.events.referrals import (REFERRAL_CLOSED, REFERRAL_DISPOSED, REFERRAL_SUBMITTED,
                                     REFERRAL_TRIAGED)
from shared.testing.factories import delivered
from shared.testing.memory import InMemoryDatabase

NAME = "Quarrington"
COORDINATOR = {"username": "coordinator", "role": "coordinator", "agency": "police",
               "wards": []}
SERGEANT = {"username": "sgt.dalston", "role": "sergeant", "agency": "police",
            "wards": ["dalston"]}
REFERRAL_ID = REFERRAL_SUBMITTED.example["referral_id"]


@pytest.fixture
def db():
    return InMemoryDatabase(metadata)


@pytest.fixture
def tasking(db):
    return worker_factory(TaskingService, uow=db.unit_of_work(), rules=RoutingRules.load(),
                          sla={"note_days": 3, "feedback_days": 14})


def soon():
    return (datetime.now(timezone.utc) + timedelta(days=7)).isoformat()


def submitted(tasking):
    tasking.raise_item_for_referral(delivered("referral.submitted", 3,
                                              REFERRAL_SUBMITTED.example))
    item = tasking.raise_tasking_item({
        "title": f"Visit Ms {NAME} at home", "ward": "dalston", "owner_agency": "police",
        "due_by": soon(), "source_type": "referral", "source_id": REFERRAL_ID}, COORDINATOR)
    tasking.update_tasking_item(item["id"], {"note": f"{NAME} not in"}, COORDINATOR)
    task = tasking.assign_pcso_task({
        "ward": "dalston", "assignee": "pcso.dalston", "brief": f"Look out for {NAME}",
        "look_for": f"{NAME} near the garages", "source_type": "referral",
        "source_id": REFERRAL_ID, "due_by": soon()},
        {"role": "pcso", "wards": ["dalston"]}, SERGEANT)
    return item, task


def disposed_event():
    return delivered("referral.disposed", 1, {
        **REFERRAL_DISPOSED.example, "referral_id": REFERRAL_ID, "tasking_item_ids": []})



def test_a_disposed_referral_leaves_no_text_about_the_person_in_tasking(tasking, db):
    item, task = submitted(tasking)
    # the outbox rows were published while the referral lived
    with db.engine.begin() as conn:
        conn.execute(metadata.tables["outbox"].update().values(
            published_at=datetime.now(timezone.utc)))
    tasking.dispose_referral(disposed_event())
    for table in ("tasking_items", "tasking_item_history", "pcso_tasks", "referral_records",
                  "outbox", "meetings"):
        assert NAME not in str(db.rows(table)), table
    [record] = db.rows("referral_records")
    assert record["status"] == "disposed" and record["referred_by"] is None
    titles = {row["title"] for row in db.rows("tasking_items")}
    assert all("WL-R-2026-000123" in title for title in titles)
    assert {row["reference"] for row in db.rows("pcso_tasks")} == {task["reference"]}


def test_the_dashboard_counts_the_disposed_referral_as_disposed(tasking, db):
    submitted(tasking)
    tasking.dispose_referral(disposed_event())
    board = tasking.get_tasking_dashboard({}, COORDINATOR)
    assert board["referral_to_action"]["disposed"] == 1
    assert board["referral_to_action"]["waiting"] == 0
    [ward] = tasking.get_figures()["referrals"]
    assert (ward["received"], ward["disposed"]) == (1, 1)


def test_a_redelivered_disposal_changes_nothing_more(tasking, db):
    submitted(tasking)
    event = disposed_event()
    tasking.dispose_referral(event)
    before = {table: db.rows(table) for table in ("tasking_items", "referral_records")}
    tasking.dispose_referral(event)
    assert {table: db.rows(table) for table in before} == before
    assert len([r for r in db.rows("processed_events") if r["event_id"] == event.event_id]) == 1


def test_news_of_the_referral_arriving_after_its_disposal_changes_nothing(tasking, db):
    """Each event type has its own queue: a triage may come after the disposal."""
    submitted(tasking)
    tasking.dispose_referral(disposed_event())
    before = db.rows("tasking_items"), db.rows("referral_records")
    tasking.apply_triage(delivered("referral.triaged", 2, {
        **REFERRAL_TRIAGED.example, "referral_id": REFERRAL_ID,
        "decision": "no_further_action", "status": "no_further_action",
        "redirect_to_agency": None, "reason_for_referrer": f"{NAME} is known"}))
    tasking.record_referral_closed(delivered("referral.closed", 1, {
        **REFERRAL_CLOSED.example, "referral_id": REFERRAL_ID}))
    assert (db.rows("tasking_items"), db.rows("referral_records")) == before
