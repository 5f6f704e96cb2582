"""A real tasking container on the real broker: events arrive as validated objects;
a message that breaks its contract, or is of a version or type nobody knows, goes to the
dead-letter queue with the reason, and the consumer goes on with the next one; a message
whose handler keeps failing is retried a bounded number of times without holding up the
messages behind it."""
import json
import time
import uuid
from datetime import datetime, timezone

import pytest
from kombu import Connection
from nameko.testing.services import entrypoint_waiter

from services.tasking.service import TaskingService
from shared.bus import dead_letter_queue, events_exchange
from shared.consumers import on_event
from shared.deadletters import PREVIEW_BYTES, list_dead_letters, replay
from wardline.services import consumed_queues
from shared.events import Event, serialize
from wardline.migrations import upgrade
from wardline.services import declare_queues
from shared.testing.waiting import wait_for


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
    """Take every parked message off the dead-letter queue: (headers, raw body)."""
    parked = []
    with Connection(amqp_uri) as conn:
        queue = dead_letter_queue()(conn.channel())
        queue.declare()
        while (message := queue.get(no_ack=True)) is not None:  # bodies left undecoded
            parked.append((message.headers, message.body))
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
    assert replay(amqp_uri, {entry["id"]}, queues=consumed_queues()) == [entry["id"]]  # and it can be put back


@pytest.mark.parametrize("type_, version, reason", [
    ("referral.submitted", 99, "unknown event type or version: referral.submitted v99"),
    ("referral.teleported", 1, "unknown event type or version: referral.teleported v1"),
], ids=["unknown-version", "unknown-type"])
def test_an_event_of_a_version_or_type_nobody_knows_is_parked_with_the_reason_at_once(
        tasking, amqp_uri, type_, version, reason):
    """A producer ahead of its consumers (a v99 nobody can upcast from) is not retried:
    no retry can teach the consumer a contract, so it is parked on the first delivery,
    whole, with the reason, and the events behind it are handled."""
    unknown = referral_submitted()
    unknown.update(type=type_, version=version)
    good = referral_submitted()
    with entrypoint_waiter(tasking, "raise_item_for_referral",
                           callback=lambda ctx, result, exc: ctx.args[0].event_id
                           == good["event_id"], timeout=10) as waited:
        publish(amqp_uri, unknown)
        publish(amqp_uri, good)
    assert waited.get() is None

    parked = {}
    for headers, body in dead_letters(amqp_uri):  # hostile bodies of other tests too
        try:
            parked[json.loads(body)["event_id"]] = (headers, json.loads(body))
        except (ValueError, TypeError, KeyError):
            continue
    headers, body = parked[unknown["event_id"]]
    assert headers["x-wardline-reason"] == reason
    assert headers["x-wardline-queue"].endswith("tasking.raise_item_for_referral")
    assert "x-death" not in headers  # parked by the consumer at once, not after retries
    assert body == json.loads(json.dumps(unknown))  # the original message, untouched
    assert good["event_id"] not in parked


class PickyService:
    """Fails every delivery of one referral (a poison message) and handles the rest."""

    name = "picky"
    poison_referral = None
    attempts = []  # monotonic time of each failed delivery of the poison message
    handled = []  # (event_id, monotonic time) of each good message handled

    @on_event("referrals", "referral.submitted")
    def handle(self, event):
        if event.payload["referral_id"] == PickyService.poison_referral:
            PickyService.attempts.append(time.monotonic())
            raise RuntimeError("cannot handle this one")
        PickyService.handled.append((event.event_id, time.monotonic()))


def test_a_poison_message_being_redelivered_does_not_hold_up_the_messages_behind_it(
        container_factory, service_config, amqp_uri):
    """One message that keeps failing and twenty good ones behind it: the good ones are
    all handled, once each, while the poison message is still being retried; it is then
    parked once its deliveries pass the limit."""
    limit, good_count = 4, 20
    container = container_factory(PickyService, {**service_config("picky"),
                                                 "DELIVERY_LIMIT": limit})
    container.start()
    poison = referral_submitted()
    PickyService.poison_referral = poison["payload"]["referral_id"]
    good = [referral_submitted() for _ in range(good_count)]

    publish(amqp_uri, poison)  # first in the queue
    for event in good:
        publish(amqp_uri, event)

    parked = wait_for(lambda: [m for m in list_dead_letters(amqp_uri)
                               if m["id"] == poison["event_id"]], timeout=60)
    parked_at = time.monotonic()
    assert parked, "the poison message was never parked"
    assert parked[0]["reason"] == "delivery_limit"
    assert sorted(event_id for event_id, _ in PickyService.handled) == \
        sorted(event["event_id"] for event in good)  # every one, once
    # Bounded: the first delivery and `limit` redeliveries (RabbitMQ dead-letters a
    # message returned more than x-delivery-limit times), no more, no fewer.
    assert len(PickyService.attempts) == limit + 1
    # Every good message was handled before the poison message's last attempt, that is
    # while it was still going round: it held up nothing.
    assert max(at for _, at in PickyService.handled) < PickyService.attempts[-1] < parked_at
    assert [m["id"] for m in list_dead_letters(amqp_uri)].count(poison["event_id"]) == 1
