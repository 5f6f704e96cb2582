"""The transactional outbox on the real PostgreSQL and RabbitMQ: a state change and its
events commit together; a crash on either side of the publish loses nothing and a
correct (idempotent) consumer applies each event once."""
import json
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from kombu import Connection, Queue

from shared.bus import ConfirmingPublisher, events_exchange
from shared.db import (UnitOfWork, ensure_schema, make_engine, plumbing_tables,
                       session_factory)
from shared.events import InvalidEvent, deserialize
from shared.outbox import OutboxRelay

SERVICE = "outbox_probe"
ACTOR = {"username": "tester", "role": "partner", "agency": "yot"}
metadata = sa.MetaData()
outbox, processed = plumbing_tables(metadata)
notes = sa.Table("notes", metadata, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("text", sa.String(100)))


def payload(n):
    return {"tasking_item_id": f"item-{n}", "title": "Visit", "ward": "dalston",
            "owner_agency": "yot", "due_by": datetime(2026, 12, 1, 10, tzinfo=timezone.utc),
            "source_type": None, "source_id": None}


@pytest.fixture(scope="module")
def engine(database_url):
    ensure_schema(database_url, SERVICE)
    engine = make_engine(database_url, SERVICE)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clean(engine):
    with engine.begin() as conn:
        for table in (notes, outbox, processed):
            conn.execute(table.delete())


@pytest.fixture
def bus(amqp_uri):
    """A queue bound to the probe's events, emptied before each test."""
    with Connection(amqp_uri) as conn:
        queue = Queue("outbox-probe-listener", exchange=events_exchange(SERVICE),
                      routing_key="#", durable=False)
        bound = queue(conn.channel())
        bound.declare()
        bound.purge()
        yield bound


def received(bus):
    messages = []
    while (message := bus.get(no_ack=True)) is not None:
        messages.append(json.loads(message.body))
    return messages


def uow_for(engine, consumer="probe.consumer"):
    return UnitOfWork(session_factory(engine), metadata, consumer=consumer,
                      correlation_id="corr-1")


def relay(engine, publisher):
    return OutboxRelay(engine, outbox, publisher, SERVICE)


def test_a_write_and_its_event_commit_together_or_not_at_all(engine, clean, bus):
    with pytest.raises(RuntimeError), uow_for(engine) as uow:
        uow.session.execute(notes.insert().values(text="half done"))
        uow.publish("tasking_item.raised", 1, payload(1), ACTOR)
        raise RuntimeError("the handler failed after publishing")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(notes)).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar() == 0


def test_an_invalid_event_is_refused_and_nothing_is_stored(engine, clean):
    with pytest.raises(InvalidEvent) as refused, uow_for(engine) as uow:
        uow.session.execute(notes.insert().values(text="with a bad event"))
        uow.publish("tasking_item.raised", 1, {"title": "no id, no ward"}, ACTOR)
    assert "ward" in refused.value.errors
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(notes)).scalar() == 0


def test_crash_between_commit_and_publish_loses_nothing(engine, clean, bus, amqp_uri):
    with uow_for(engine) as uow:  # committed; the process "dies" before its relay runs
        uow.session.execute(notes.insert().values(text="committed"))
        uow.publish("tasking_item.raised", 1, payload(2), ACTOR)
    assert received(bus) == []

    restarted = relay(engine, ConfirmingPublisher(amqp_uri))
    assert restarted.publish_all_pending() == 1
    [message] = received(bus)
    assert message["payload"]["tasking_item_id"] == "item-2"
    assert message["correlation_id"] == "corr-1"
    assert restarted.unpublished_count() == 0
    assert restarted.publish_all_pending() == 0  # marked sent: never again


class DiesAfterPublishing(ConfirmingPublisher):
    """The broker confirmed, then the process died before marking the row sent."""

    def publish(self, *args, **kwargs):
        super().publish(*args, **kwargs)
        raise ConnectionError("process killed after the confirm")

    def publish_many(self, *args, **kwargs):
        super().publish_many(*args, **kwargs)
        raise ConnectionError("process killed after the confirms")


def test_crash_after_publish_republishes_and_a_correct_consumer_applies_once(
        engine, clean, bus, amqp_uri):
    with uow_for(engine) as uow:
        uow.publish("tasking_item.raised", 1, payload(3), ACTOR)
    with pytest.raises(ConnectionError):
        relay(engine, DiesAfterPublishing(amqp_uri)).publish_all_pending()
    relay(engine, ConfirmingPublisher(amqp_uri)).publish_all_pending()

    copies = received(bus)
    assert len(copies) == 2 and copies[0]["event_id"] == copies[1]["event_id"]
    applied = 0
    for copy in copies:
        with uow_for(engine, consumer="probe.counter") as consumer_uow:
            if consumer_uow.first_time(deserialize(copy)):
                applied += 1
    assert applied == 1
