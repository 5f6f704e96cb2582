"""Tasking containers on the real broker and PostgreSQL: referrals arriving as events
become tasking items and agenda lines; two tasking replicas running the overdue check at
once escalate each overdue item exactly once (SKIP LOCKED)."""
import json
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from kombu import Connection
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.tasking.orm import tasking_item_history, tasking_items
from services.tasking.service import TaskingService
from shared.bus import events_exchange
from shared.db import make_engine
from shared.events import Event, serialize
from shared.references import next_reference
from wardline.migrations import upgrade
from wardline.services import declare_queues
from shared.timers import TimerLease

COORDINATOR = {"username": "coordinator", "role": "coordinator", "agency": "police",
               "wards": []}


@pytest.fixture(scope="module")
def tasking_config(service_config):
    config = {**service_config("tasking"), "OVERDUE_CHECK_SECONDS": 0.2}
    upgrade("tasking", config["DATABASE_URL"])
    declare_queues("tasking", config)
    return config


@pytest.fixture
def engine(tasking_config):
    engine = make_engine(tasking_config["DATABASE_URL"], "tasking")
    yield engine
    engine.dispose()


def publish_referral(amqp_uri, risk_level, ward, submitted_at):
    event = Event("referral.submitted", 1, {
        "referral_id": str(uuid.uuid4()), "subject_id": str(uuid.uuid4()),
        "category": "youth_at_risk", "risk_level": risk_level, "ward": ward,
        "referring_agency": "yot", "referred_by": "yot.partner",
        "submitted_at": submitted_at, "handling_code": "P"}, correlation_id="tasking-it")
    with Connection(amqp_uri) as conn:
        conn.Producer().publish(json.dumps(serialize(event)),
                                exchange=events_exchange("referrals"),
                                routing_key="referral.submitted",
                                content_type="application/json", delivery_mode=2)
    return event


def wait_for_referrals(container, amqp_uri, *referrals):
    """Publish (risk, ward, submitted_at) referrals; return once tasking handled each."""
    pending = set()
    with entrypoint_waiter(container, "raise_item_for_referral", timeout=15,
                           callback=lambda ctx, result, exc: (
                               pending.discard(ctx.args[0].event_id) or not pending)):
        for risk_level, ward, submitted_at in referrals:
            event = publish_referral(amqp_uri, risk_level, ward, submitted_at)
            pending.add(event.event_id)
            yield event


def test_a_high_risk_referral_yields_an_item_due_within_24_hours(
        container_factory, tasking_config, amqp_uri):
    container = container_factory(TaskingService, tasking_config)
    container.start()
    submitted_at = datetime.now(timezone.utc)
    [event] = list(wait_for_referrals(container, amqp_uri,
                                      ("high", "hoxton-east", submitted_at)))
    with entrypoint_hook(container, "query_tasking_items") as query:
        [item] = query({"source_id": event.payload["referral_id"]}, COORDINATOR)["items"]
    due_by = datetime.fromisoformat(item["due_by"])
    assert submitted_at < due_by <= submitted_at + timedelta(hours=24)
    assert (item["owner_agency"], item["status"], item["overdue"]) == ("yot", "open", False)


def test_a_meetings_agenda_lists_the_new_high_risk_referral_first(
        container_factory, tasking_config, amqp_uri):
    container = container_factory(TaskingService, tasking_config)
    container.start()
    now = datetime.now(timezone.utc)
    standard, high = wait_for_referrals(container, amqp_uri,
                                        ("standard", "de-beauvoir", now - timedelta(hours=3)),
                                        ("high", "de-beauvoir", now - timedelta(hours=1)))
    with entrypoint_hook(container, "open_meeting") as open_meeting:
        meeting = open_meeting({"held_on": date.today().isoformat(), "wards": ["de-beauvoir"]},
                               COORDINATOR)
    listed = [r["referral_id"] for r in meeting["agenda"]["new_referrals"]]
    assert listed == [high.payload["referral_id"], standard.payload["referral_id"]]
    assert meeting["agenda"]["new_referrals"][0]["risk_level"] == "high"


def test_two_tasking_replicas_escalate_each_overdue_item_exactly_once(
        container_factory, tasking_config, engine, monkeypatch):
    # Only the holder of the timer's lease runs the check (shared/timers.py); both run it
    # here, as an old holder's tick still in flight overlaps the next holder's, and the
    # row locks alone must keep each escalation single.
    monkeypatch.setattr(TimerLease, "held", lambda lease: True)
    past = datetime.now(timezone.utc) - timedelta(hours=1)
    ids = [str(uuid.uuid4()) for _ in range(60)]
    with engine.begin() as conn:
        conn.execute(tasking_items.insert(), [{
            "id": item_id, "reference": next_reference(conn, "tasking_item", past),
            "title": "Joint visit", "ward": "haggerston", "owner_agency": "yot",
            "status": "open", "due_by": past - timedelta(minutes=n), "raised_by": "coordinator",
            "raised_at": past - timedelta(days=1)} for n, item_id in enumerate(ids)])
    replicas = [container_factory(TaskingService, tasking_config) for _ in range(2)]
    runs = {id(replica): 0 for replica in replicas}

    def counted(replica):
        def callback(ctx, result, exc):
            assert exc is None, exc
            runs[id(replica)] += 1
            return runs[id(replica)] >= 3  # each replica checked again after the marking
        return callback

    with entrypoint_waiter(replicas[0], "check_due_dates", callback=counted(replicas[0]),
                           timeout=20), \
            entrypoint_waiter(replicas[1], "check_due_dates", callback=counted(replicas[1]),
                              timeout=20):
        for replica in replicas:
            replica.start()

    with engine.connect() as conn:
        outbox = sa.Table("outbox", sa.MetaData(), autoload_with=conn)
        overdue_events = [json.loads(row.message) if isinstance(row.message, str)
                          else row.message for row in conn.execute(
                              sa.select(outbox.c.message).where(
                                  outbox.c.type == "tasking_item.overdue"))]
        escalations = conn.execute(sa.select(tasking_item_history.c.tasking_item_id).where(
            tasking_item_history.c.kind == "overdue")).scalars().all()
    escalated = [event["payload"]["tasking_item_id"] for event in overdue_events]
    assert sorted(escalated) == sorted(ids)  # every one, none twice
    assert sorted(escalations) == sorted(ids)
    assert {event["payload"]["escalated_to"] for event in overdue_events} == {"coordinator"}
    with entrypoint_hook(replicas[0], "query_tasking_items") as query:
        listed = query({"overdue": "true", "ward": "haggerston", "limit": "200"},
                       COORDINATOR)["items"]
    assert {item["id"] for item in listed} == set(ids)
    assert all(item["overdue"] and item["escalated_to"] == "coordinator" for item in listed)
