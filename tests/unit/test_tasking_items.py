"""Tasking items through the service (worker_factory) on an in-memory unit of work:
raised from referrals, triage and ward priorities by the routing rules, or by hand;
assigned, updated, completed, and escalated once when overdue; scoped and paged."""
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from nameko.testing.services import worker_factory

from services.tasking import handlers
from services.tasking.orm import metadata
from services.tasking.routing import RoutingRules, RoutingRulesError
from services.tasking.service import TaskingService
from shared.errors import Conflict, Forbidden, InvalidContent, NotFound
from shared.events import Event
from shared.testing.memory import InMemoryDatabase

COORDINATOR = {"username": "coordinator", "role": "coordinator", "agency": "police",
               "wards": []}
YOT = {"username": "yot.partner", "role": "partner", "agency": "yot", "wards": []}
HOUSING = {"username": "housing.officer", "role": "partner", "agency": "housing", "wards": []}
SERGEANT = {"username": "sgt.dalston", "role": "sergeant", "agency": "police",
            "wards": ["dalston"]}
RULES = RoutingRules.load()
SUBMITTED_AT = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)


def in_days(days):
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat()


@pytest.fixture
def db():
    return InMemoryDatabase(metadata)


@pytest.fixture
def tasking(db):
    return worker_factory(TaskingService, uow=db.unit_of_work(), rules=RULES,
                          sla={"note_days": 3, "feedback_days": 14})


def referral_event(type_="referral.submitted", **overrides):
    payload = {"referral_id": overrides.pop("referral_id", str(uuid.uuid4())),
               "subject_id": str(uuid.uuid4()), "category": "youth_at_risk",
               "risk_level": "high", "ward": "dalston", "referring_agency": "yot",
               "referred_by": "yot.partner"}
    if type_ == "referral.submitted":
        payload |= {"submitted_at": SUBMITTED_AT, "handling_code": "P"}
    else:
        payload |= {"decision": "accept", "status": "accepted", "reason": "Meets threshold",
                    "redirect_to_agency": None, "triaged_by": "coordinator",
                    "triaged_at": SUBMITTED_AT + timedelta(hours=1)}
    return Event(type_, 1, payload | overrides)


def priority_event(status="active", priority_id="6b000000-0000-4000-8000-000000000001"):
    return Event("ward_priority.set", 1, {
        "ward_priority_id": priority_id, "ward": "dalston",
        "title": "Drug dealing around the estate garages", "description": "Evenings after 8pm",
        "review_by": date(2027, 1, 5), "status": status, "set_by": "panel.dalston",
        "set_by_role": "panel"})


def raise_by_hand(tasking, **overrides):
    return tasking.raise_tasking_item({
        "title": "Home visit with the attendance officer", "ward": "dalston",
        "owner_agency": "yot", "due_by": in_days(7)} | overrides, COORDINATOR)


# --- raised from events ------------------------------------------------------------------

def test_a_high_risk_referral_raises_an_item_due_within_24_hours_owned_by_the_rules(
        tasking, db):
    tasking.raise_item_for_referral(referral_event(category="asb", referring_agency="yot"))
    [item] = db.rows("tasking_items")
    assert item["due_by"] == SUBMITTED_AT + timedelta(hours=24)
    assert item["owner_agency"] == "la-community-safety" and item["risk_level"] == "high"
    assert db.rows("referral_records")[0]["status"] == "received"


def test_redirected_referral_moves_its_item_to_the_receiving_agency(tasking, db):
    submitted = referral_event()
    tasking.raise_item_for_referral(submitted)
    tasking.apply_triage(referral_event(
        "referral.triaged", referral_id=submitted.payload["referral_id"], decision="redirect",
        status="redirected", redirect_to_agency="housing", reason="Tenancy enforcement"))
    [item] = db.rows("tasking_items")
    assert item["owner_agency"] == "housing" and item["status"] == "open"
    assert db.event_types == ["tasking_item.raised", "tasking_item.assigned"]
    assigned = db.committed_events[-1].payload
    assert (assigned["previous_owner_agency"], assigned["owner_agency"]) == ("yot", "housing")


def test_accepted_referral_keeps_its_item_and_no_further_action_completes_it(tasking, db):
    submitted = referral_event()
    tasking.raise_item_for_referral(submitted)
    rid = submitted.payload["referral_id"]
    tasking.apply_triage(referral_event("referral.triaged", referral_id=rid))
    assert db.event_types == ["tasking_item.raised"]  # accepted: nothing to change

    other = referral_event()
    tasking.raise_item_for_referral(other)
    tasking.apply_triage(referral_event(
        "referral.triaged", referral_id=other.payload["referral_id"],
        decision="no_further_action", status="no_further_action", reason="Known to CSC",
        reason_for_referrer="Children's services already support the family"))
    completed = [i for i in db.rows("tasking_items") if i["status"] == "completed"]
    assert [i["source_id"] for i in completed] == [other.payload["referral_id"]]
    # The outcome is read by the referring team: their reason, never the internal one.
    assert completed[0]["outcome"] == ("No further action at triage: Children's services "
                                       "already support the family")
    assert db.event_types[-1] == "tasking_item.completed"
    assert db.committed_events[-1].payload["cause"] == "triage"  # not an outcome to report


def test_triage_arriving_before_the_submission_still_yields_one_item(tasking, db):
    rid = str(uuid.uuid4())
    tasking.apply_triage(referral_event("referral.triaged", referral_id=rid))
    tasking.raise_item_for_referral(referral_event(referral_id=rid))
    assert len(db.rows("tasking_items")) == 1
    [record] = db.rows("referral_records")
    assert record["status"] == "accepted" and record["submitted_at"] == SUBMITTED_AT


def test_a_new_ward_priority_raises_one_police_item_due_on_its_review_date(tasking, db):
    tasking.apply_ward_priority(priority_event())
    tasking.apply_ward_priority(priority_event())  # a redelivery of a new event id: no twin
    [item] = db.rows("tasking_items")
    assert item["owner_agency"] == "police" and item["source_type"] == "ward_priority"
    due = item["due_by"].astimezone(ZoneInfo("Europe/London"))
    assert (due.date(), due.hour) == (date(2027, 1, 5), 10)
    tasking.apply_ward_priority(priority_event(status="closed"))
    assert db.rows("tasking_items")[0]["status"] == "completed"
    assert db.rows("ward_priority_records")[0]["status"] == "closed"


def kept_until(review_by, **changes):
    """The panel's review keeping the priority (ward_priority.set, status active again)."""
    event = priority_event()
    return replace(event, payload={**event.payload, "review_by": review_by}, **changes)


def test_a_kept_priority_s_open_action_moves_to_the_new_review_date(tasking, db):
    tasking.apply_ward_priority(priority_event())
    tasking.apply_ward_priority(priority_event(status="due_for_review"))
    tasking.apply_ward_priority(kept_until(date(2027, 2, 16)))
    [item] = db.rows("tasking_items")
    due = item["due_by"].astimezone(ZoneInfo("Europe/London"))
    assert (item["status"], due.date(), due.hour) == ("open", date(2027, 2, 16), 10)
    assert db.event_types == ["tasking_item.raised", "tasking_item.assigned"]
    assert "kept the priority until 2027-02-16" in db.rows("tasking_item_history")[-1]["note"]


def test_a_kept_priority_whose_action_was_completed_gets_a_new_one(tasking, db):
    tasking.apply_ward_priority(priority_event())
    [first] = db.rows("tasking_items")
    tasking.complete_tasking_item(first["id"], {"outcome": "Two arrests; dealing moved"},
                                  COORDINATOR)
    tasking.apply_ward_priority(kept_until(date(2027, 2, 16)))
    items = sorted(db.rows("tasking_items"), key=lambda row: row["raised_at"])
    assert [i["status"] for i in items] == ["completed", "open"]
    assert items[1]["due_by"].astimezone(ZoneInfo("Europe/London")).date() == date(2027, 2, 16)


def test_an_older_priority_event_arriving_late_changes_nothing(tasking, db):
    """A retried delivery of the priority as first set, overtaken by the panel closing it,
    must not reopen it nor raise an action for a closed priority."""
    first_set = replace(priority_event(), occurred_at=datetime.now(timezone.utc)
                        - timedelta(days=1))
    tasking.apply_ward_priority(priority_event(status="closed"))
    tasking.apply_ward_priority(first_set)
    assert db.rows("tasking_items") == []
    assert db.rows("ward_priority_records")[0]["status"] == "closed"


def test_the_same_event_delivered_twice_is_applied_once(tasking, db):
    event = priority_event()
    tasking.apply_ward_priority(event)
    tasking.apply_ward_priority(event)
    assert db.event_types == ["tasking_item.raised"]


def test_a_rules_file_may_not_use_review_by_for_a_risk_level(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("due_by_risk: {high: review_by, medium: P7D, standard: next_meeting}\n"
                     "tasking_meeting: {weekday: tuesday, time: '10:00', "
                     "timezone: Europe/London}\nowner_by_category: {}\n")
    with pytest.raises(RoutingRulesError, match="ward priorities only"):
        RoutingRules.load(str(rules))


# --- by hand ------------------------------------------------------------------------------

def test_only_the_coordinator_raises_items_by_hand_and_every_bad_field_is_named(tasking, db):
    with pytest.raises(Forbidden):
        tasking.raise_tasking_item({}, YOT)
    with pytest.raises(InvalidContent) as refused:
        raise_by_hand(tasking, title=" ", due_by="2020-01-01T10:00:00+00:00",
                      owner_agency="YOT!")
    assert {"title", "due_by", "owner_agency"} <= set(refused.value.fields)
    with pytest.raises(InvalidContent) as refused:
        raise_by_hand(tasking, source_type="referral")
    assert set(refused.value.fields) == {"source_id"}
    item = raise_by_hand(tasking)
    assert item["status"] == "open" and item["raised_by"] == "coordinator"
    assert [h["kind"] for h in item["history"]] == ["raised"]
    assert db.event_types == ["tasking_item.raised"]


def test_an_item_is_assigned_updated_and_completed_then_refuses_further_steps(tasking, db):
    item = raise_by_hand(tasking)
    moved = tasking.assign_tasking_item(item["id"], {"owner_agency": "housing",
                                                     "owner_user": "housing.officer"},
                                        COORDINATOR)
    assert (moved["owner_agency"], moved["owner_user"]) == ("housing", "housing.officer")
    with pytest.raises(NotFound):  # no longer YOT's: it reads as absent
        tasking.update_tasking_item(item["id"], {"note": "x"}, YOT)
    tasking.update_tasking_item(item["id"], {"note": "Visited; nobody home"}, HOUSING)
    done = tasking.complete_tasking_item(item["id"], {"outcome": "Family engaged"}, HOUSING)
    assert done["status"] == "completed" and done["completed_by"] == "housing.officer"
    assert [h["kind"] for h in done["history"]] == ["raised", "assigned", "update",
                                                   "completed"]
    for step in (lambda: tasking.complete_tasking_item(item["id"], {"outcome": "x"}, HOUSING),
                 lambda: tasking.assign_tasking_item(item["id"], {"owner_agency": "yot"},
                                                     COORDINATOR)):
        with pytest.raises(Conflict):
            step()
    assert db.event_types == ["tasking_item.raised", "tasking_item.assigned",
                              "tasking_item.updated", "tasking_item.completed"]
    updated, completed = db.committed_events[-2:]
    assert updated.payload["updated_by"] == "housing.officer"
    assert "note" not in updated.payload  # the agency's working note stays in tasking
    assert (updated.payload["source_type"], updated.payload["owner_agency"]) == (
        item["source_type"], "housing")
    assert (completed.version, completed.payload["cause"]) == (3, "outcome")
    assert completed.payload["reference"] == item["reference"]


def test_an_owning_agency_names_its_person_but_only_the_coordinator_moves_agencies(tasking):
    item = raise_by_hand(tasking)
    named = tasking.assign_tasking_item(item["id"], {"owner_agency": "yot",
                                                     "owner_user": "yot.worker"}, YOT)
    assert named["owner_user"] == "yot.worker"
    with pytest.raises(Forbidden):
        tasking.assign_tasking_item(item["id"], {"owner_agency": "housing"}, YOT)


# --- queries --------------------------------------------------------------------------------

def test_each_role_sees_its_own_slice_of_items(tasking):
    yots = raise_by_hand(tasking)
    housings = raise_by_hand(tasking, owner_agency="housing", ward="homerton")
    ids = lambda actor: {i["id"] for i in tasking.query_tasking_items({}, actor)["items"]}  # noqa
    assert ids(COORDINATOR) == {yots["id"], housings["id"]}
    assert ids(YOT) == {yots["id"]} and ids(HOUSING) == {housings["id"]}
    assert ids(SERGEANT) == {yots["id"]}  # dalston only
    with pytest.raises(NotFound):
        tasking.get_tasking_item(housings["id"], YOT)


def test_items_are_filtered_and_paged_with_a_cursor(tasking):
    made = [raise_by_hand(tasking, due_by=in_days(day + 1)) for day in range(5)]
    raise_by_hand(tasking, owner_agency="housing")
    first = tasking.query_tasking_items({"owner_agency": "yot", "limit": "2"}, COORDINATOR)
    second = tasking.query_tasking_items({"owner_agency": "yot", "limit": "2",
                                          "cursor": first["next_cursor"]}, COORDINATOR)
    third = tasking.query_tasking_items({"owner_agency": "yot", "limit": "2",
                                         "cursor": second["next_cursor"]}, COORDINATOR)
    paged = [i["id"] for page in (first, second, third) for i in page["items"]]
    assert paged == [i["id"] for i in made] and third["next_cursor"] is None
    with pytest.raises(InvalidContent) as refused:
        tasking.query_tasking_items({"overdue": "perhaps", "cursor": "junk"}, COORDINATOR)
    assert {"overdue"} <= set(refused.value.fields)


# --- overdue --------------------------------------------------------------------------------

def test_an_overdue_item_is_marked_and_escalated_once(tasking, db):
    item = raise_by_hand(tasking, due_by=in_days(1))
    later = datetime.now(timezone.utc) + timedelta(days=2)
    uow = db.unit_of_work()
    assert handlers.mark_overdue(uow, now=later) == 1
    assert handlers.mark_overdue(uow, now=later + timedelta(hours=1)) == 0
    assert db.event_types.count("tasking_item.overdue") == 1
    [row] = db.rows("tasking_items")
    assert row["escalated_to"] == "coordinator" and row["overdue_at"] == later
    overdue = db.committed_events[-1].payload
    assert (overdue["tasking_item_id"], overdue["escalated_to"]) == (item["id"], "coordinator")


def test_a_new_due_date_gives_an_escalated_item_a_fresh_chance(tasking, db):
    item = raise_by_hand(tasking, due_by=in_days(1))
    uow = db.unit_of_work()
    handlers.mark_overdue(uow, now=datetime.now(timezone.utc) + timedelta(days=2))
    tasking.assign_tasking_item(item["id"], {"owner_agency": "yot", "due_by": in_days(3)},
                                COORDINATOR)
    assert db.rows("tasking_items")[0]["overdue_at"] is None
    handlers.mark_overdue(uow, now=datetime.now(timezone.utc) + timedelta(days=4))
    assert db.event_types.count("tasking_item.overdue") == 2


def test_overdue_filter_lists_open_items_past_due(tasking, db):
    late = raise_by_hand(tasking, due_by=in_days(1))
    raise_by_hand(tasking, due_by=in_days(9))
    with db.engine.begin() as conn:  # as if a day and a half had passed
        conn.execute(metadata.tables["tasking_items"].update()
                     .where(metadata.tables["tasking_items"].c.id == late["id"])
                     .values(due_by=datetime.now(timezone.utc) - timedelta(hours=12)))
    overdue = tasking.query_tasking_items({"overdue": "true"}, COORDINATOR)["items"]
    assert [i["id"] for i in overdue] == [late["id"]] and overdue[0]["overdue"] is True
    assert late["id"] not in {i["id"] for i in tasking.query_tasking_items(
        {"overdue": "false"}, COORDINATOR)["items"]}


# --- need to know: each reader's audience -----------------------------------------------

PANEL = {"username": "panel.dalston", "role": "panel", "agency": None, "wards": ["dalston"]}
COUNCIL = {"username": "council.partner", "role": "partner", "agency": "la-community-safety",
           "wards": []}


def test_a_panel_reads_only_its_wards_priority_actions_and_their_public_fields(tasking, db):
    tasking.apply_ward_priority(priority_event())
    on_referral = referral_event()
    tasking.raise_item_for_referral(on_referral)
    raise_by_hand(tasking)  # neither a priority's nor a referral's
    priority_item = next(i for i in db.rows("tasking_items")
                         if i["source_type"] == "ward_priority")
    listed = tasking.query_tasking_items({"ward": "dalston"}, PANEL)["items"]
    assert [i["id"] for i in listed] == [priority_item["id"]]
    assert set(listed[0]) == {"id", "reference", "title", "ward", "status", "due_by", "public_outcome"}
    referral_item = next(i for i in db.rows("tasking_items") if i["source_type"] == "referral")
    with pytest.raises(NotFound):
        tasking.get_tasking_item(referral_item["id"], PANEL)
    with pytest.raises(NotFound):
        tasking.get_tasking_item(priority_item["id"], {**PANEL, "wards": ["homerton"]})


def test_the_public_outcome_is_written_on_completion_or_update_and_checked(tasking):
    tasking.apply_ward_priority(priority_event())
    [item] = tasking.query_tasking_items({}, COORDINATOR)["items"]
    for bad in (" ", "x" * 501):
        with pytest.raises(InvalidContent) as refused:
            tasking.complete_tasking_item(item["id"], {"outcome": "Done",
                                                       "public_outcome": bad}, COORDINATOR)
        assert set(refused.value.fields) == {"public_outcome"}
    police = {**SERGEANT, "role": "partner", "agency": "police"}  # the owning agency
    updated = tasking.update_tasking_item(item["id"], {
        "note": "Two arrests", "public_outcome": "Extra patrols on weekday evenings"}, police)
    assert updated["public_outcome"] == "Extra patrols on weekday evenings"
    tasking.complete_tasking_item(item["id"], {"outcome": "Dealers moved on; warrant"},
                                  COORDINATOR)  # no new public line: the last one stays
    seen = tasking.get_tasking_item(item["id"], PANEL)
    assert (seen["status"], seen["public_outcome"]) == ("completed",
                                                        "Extra patrols on weekday evenings")
    assert "outcome" not in seen


def test_every_action_on_a_referral_is_shaped_for_its_reader(tasking):
    submitted = referral_event(category="asb", referring_agency="yot")
    tasking.raise_item_for_referral(submitted)
    rid = submitted.payload["referral_id"]
    by_hand = raise_by_hand(tasking, owner_agency="housing", source_type="referral",
                            source_id=rid, description="Tenancy file notes")
    referrer = tasking.actions_for_referral(rid, YOT)
    assert len(referrer) == 2 and all("description" not in i and "owner_user" not in i
                                      and "raised_by" not in i for i in referrer)
    assert {i["owner_agency"] for i in referrer} == {"la-community-safety", "housing"}
    assert tasking.get_tasking_item(by_hand["id"], YOT)["owner_agency"] == "housing"
    with pytest.raises(NotFound):  # a referrer reads, never works, another's action
        tasking.update_tasking_item(by_hand["id"], {"note": "x"}, YOT)
    [owned] = tasking.actions_for_referral(rid, HOUSING)
    assert owned["id"] == by_hand["id"] and owned["description"] == "Tenancy file notes"
    assert len(tasking.actions_for_referral(rid, COORDINATOR)) == 2
    assert tasking.actions_for_referral(rid, PANEL) == []
    assert tasking.actions_for_referral(rid, {**SERGEANT, "wards": ["homerton"]}) == []


# --- references people can say ----------------------------------------------------------

def test_items_are_numbered_in_turn_and_show_the_referral_they_answer(tasking, db):
    rid = str(uuid.uuid4())
    tasking.raise_item_for_referral(referral_event(referral_id=rid,
                                                   reference="WL-R-2026-000042"))
    by_hand = raise_by_hand(tasking)
    [from_referral] = tasking.query_tasking_items({"source_id": rid}, COORDINATOR)["items"]
    year = datetime.now(timezone.utc).year
    assert from_referral["reference"] == f"WL-A-{year}-000001"
    assert from_referral["source_reference"] == "WL-R-2026-000042"
    assert (by_hand["reference"], by_hand["source_reference"]) == (f"WL-A-{year}-000002", None)


def test_the_referrals_reference_finds_its_actions_and_reaches_one_raised_by_triage_first(
        tasking, db):
    rid = str(uuid.uuid4())
    tasking.apply_triage(referral_event("referral.triaged", referral_id=rid))
    tasking.raise_item_for_referral(referral_event(referral_id=rid,
                                                   reference="WL-R-2026-000043"))
    [item] = tasking.query_tasking_items({"source_id": "WL-R-2026-000043"},
                                         COORDINATOR)["items"]
    assert (item["source_id"], item["source_reference"]) == (rid, "WL-R-2026-000043")
    assert tasking.query_tasking_items({"source_id": "WL-R-2026-000044"},
                                       COORDINATOR)["items"] == []


def test_a_reference_resolves_to_its_records_id_or_is_not_found_by_name(tasking, db):
    item = raise_by_hand(tasking)
    assert tasking.resolve_reference(item["reference"], COORDINATOR) == item["id"]
    for unknown in ("WL-A-2026-999999", "WL-T-2026-000001", "WL-R-2026-000001"):
        with pytest.raises(NotFound, match=unknown):
            tasking.resolve_reference(unknown, COORDINATOR)
