"""A real tasking container on the real broker: events arrive as validated objects;
a message that breaks its contract goes to the dead-letter queue with the reason, and
the consumer goes on with the next one."""
import json
import uuid
from datetime import datetime, timezone

import pytest
from kombu import Connection
from nameko.testing.services import entrypoint_waiter

from services.tasking.service import TaskingService
from shared.bus import dead_letter_queue, events_exchange
from shared.deadletters import PREVIEW_BYTES, list_dead_letters, replay
from shared.events import Event, serialize
from shared.migrations import upgrade
from shared.runner import declare_queues


@pytest.fixture
def tasking(container_factory, service_config):
    config = service_config("tasking")
    upgrade("tasking", config["DATABASE_URL"])
    declare_queues("tasking", config)
    container = container_factory(TaskingService, config)
    container.start()
    return container


def referral_submitted(**payload_overrides):
    payload = {"referral_id": str(uuid.uuid4()), "subject_id": str(uuid.uuid4()),
               "category": "asb", "risk_level": "medium", "ward": "homerton",
               "referring_agency": "housing", "referred_by": "housing.officer",
               "submitted_at": datetime.now(timezone.utc), "handling_code": "P"}
    return serialize(Event("referral.submitted", 1, {**payload, **payload_overrides},
                           correlation_id="corr-dlq"))


def publish(amqp_uri, body):
    with Connection(amqp_uri) as conn:
        conn.Producer().publish(body if isinstance(body, str) else json.dumps(body),
                                exchange=events_exchange("referrals"),
                                routing_key="referral.submitted",
                                content_type="application/json", delivery_mode=2)


def dead_letters(amqp_uri):
    parked = []
    with Connection(amqp_uri) as conn:
        queue = conn.SimpleQueue(dead_letter_queue(), no_ack=True)
        try:
            while True:
                message = queue.get(timeout=1)
                parked.append((message.headers, message.body))
        except queue.Empty:
            pass
    return parked


def test_poison_message_is_dead_lettered_with_its_reason_and_the_next_event_is_handled(
        tasking, amqp_uri):
    poison = referral_submitted()
    poison["version"] = "one"  # breaks the envelope
    unknown_category = referral_submitted()
    unknown_category["payload"]["category"] = "graffiti"  # breaks the contract
    good = referral_submitted()

    with entrypoint_waiter(tasking, "raise_item_for_referral",
                           callback=lambda ctx, result, exc: ctx.args[0].event_id
                           == good["event_id"], timeout=10) as waited:
        publish(amqp_uri, poison)
        publish(amqp_uri, unknown_category)
        publish(amqp_uri, good)
    assert waited.get() is None  # the good event's handler ran and returned normally

    parked = dead_letters(amqp_uri)
    reasons = {json.loads(body)["event_id"]: headers["x-wardline-reason"]
               for headers, body in parked}
    assert reasons[poison["event_id"]] == "invalid envelope"
    assert "breaks its contract" in reasons[unknown_category["event_id"]]
    assert all(headers["x-wardline-queue"].endswith("tasking.raise_item_for_referral")
               for headers, _ in parked)


@pytest.mark.parametrize("hostile", [
    b"{not json at all",
    b"\xff\xfe\x00binary",
    json.dumps(["a", "list"]).encode(),
    json.dumps({"event_id": "'; DROP TABLE tasking_items; --", "type": "<script>"}).encode(),
], ids=["broken-json", "binary", "a-list", "injection-strings"])
def test_malformed_and_hostile_messages_are_dead_lettered_and_never_crash_the_consumer(
        tasking, amqp_uri, hostile):
    good = referral_submitted()
    with entrypoint_waiter(tasking, "raise_item_for_referral",
                           callback=lambda ctx, result, exc: ctx.args[0].event_id
                           == good["event_id"], timeout=10):
        with Connection(amqp_uri) as conn:
            conn.Producer().publish(hostile, exchange=events_exchange("referrals"),
                                    routing_key="referral.submitted",
                                    content_type="application/json",
                                    content_encoding="binary", delivery_mode=2)
        publish(amqp_uri, good)
    parked = list_dead_letters(amqp_uri)
    preview = hostile[:PREVIEW_BYTES].decode("utf-8", "replace")
    [entry] = [p for p in parked if p["body"] == preview]
    assert entry["queue"].endswith("tasking.raise_item_for_referral")
    assert entry["reason"].startswith(("undecodable body", "message body is not",
                                       "invalid envelope"))
    assert replay(amqp_uri, {entry["id"]}) == [entry["id"]]  # and it can be put back
