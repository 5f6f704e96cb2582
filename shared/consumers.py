"""The one way a service consumes domain events.

`@on_event("referrals", "referral.submitted")` hands the method a validated
`Event` at its type's latest version. A message that breaks the envelope or its contract
is moved to the dead-letter queue with the reason, at once; so is, with
`WARDLINE_BUS_PRODUCERS` set, one published by any broker user but its contract's source
service's. An entrypoint that raises is redelivered until the queue's delivery limit, then
dead-lettered by RabbitMQ. Nothing a message contains can crash the consumer.
"""
from functools import partial

import eventlet
import structlog
from kombu.exceptions import OperationalError
from nameko.containers import ContainerBeingKilled
from nameko.events import EventHandler
from nameko.messaging import Consumer, QueueConsumer

from shared.bus import (ConfirmingPublisher, broker_user, dead_letter_exchange, declare,
                        event_queue)
from shared.events import InvalidEvent, deserialize

log = structlog.get_logger(__name__)


def park(publisher, queue_consumer, message, queue_name, reason, errors=None):
    """Move `message` to the dead-letter queue with why and where from, then ack it; if it
    cannot be parked, requeue it (the queue's delivery limit still bounds it)."""
    headers = {key: value for key, value in (message.headers or {}).items()
               if not key.startswith("x-wardline-")}
    headers.update({
        "x-wardline-reason": reason,
        "x-wardline-errors": str(errors or {})[:2000],
        "x-wardline-queue": queue_name,
        "x-wardline-routing-key": message.delivery_info.get("routing_key", ""),
        # Who published it, as the broker checked: the copy parked here is published by
        # this consumer's login, so replay needs it to give the event back its producer.
        "x-wardline-user-id": (message.properties or {}).get("user_id") or "",
    })
    try:
        publisher.publish(dead_letter_exchange(), queue_name, message.body, headers=headers,
                          raw=True)
    except Exception as publish_error:
        log.error("event.dead_letter_failed", error=str(publish_error))
        queue_consumer.requeue_message(message)
        return
    log.warning("event.dead_lettered", reason=reason, queue=queue_name)
    queue_consumer.ack_message(message)


class PromptQueueConsumer(QueueConsumer):
    """Nameko's queue consumer, looking up from the broker five times a second when no
    message comes, not once: kombu's loop cancels the consumers of stopping entrypoints,
    and notices it has none left, only between waits, so each stop (a deploy's drain, a
    test stack's teardown) took some 3.5 s of one-second waits, and now some 1.5 s."""
    IDLE_WAIT_SECONDS = 0.2

    def consume(self, limit=None, timeout=None, safety_interval=IDLE_WAIT_SECONDS, **kwargs):
        return super().consume(limit=limit, timeout=timeout,
                               safety_interval=safety_interval, **kwargs)


class DeadLetteringQueueConsumer(PromptQueueConsumer):
    """Nameko's queue consumer, except that a body that cannot even be decoded (not JSON,
    not UTF-8) is parked in the dead-letter queue with the reason; kombu's default would
    log it and ack it away, and the message would be lost without trace."""

    def setup(self):
        super().setup()
        self._dead_letters = ConfirmingPublisher(self.container.config["AMQP_URI"])

    def stop(self):
        super().stop()
        self._dead_letters.close()

    def on_decode_error(self, message, exc):
        park(self._dead_letters, self, message, self._queue_of(message),
             f"undecodable body: {type(exc).__name__}", {"detail": str(exc)[:500]})

    def _queue_of(self, message):
        tag = message.delivery_info.get("consumer_tag")
        for consumer in self._consumers.values():
            for queue_name, active_tag in consumer._active_tags.items():
                if active_tag == tag:
                    return queue_name
        return ""


class EventEntrypoint(EventHandler):
    queue_consumer = DeadLetteringQueueConsumer()

    def __init__(self, source_service, event_type, **kwargs):
        super().__init__(source_service, event_type, requeue_on_error=True, **kwargs)

    def setup(self):
        config = self.container.config
        self.queue = event_queue(self.source_service, self.event_type,
                                   self.container.service_name, self.method_name,
                                   config.get("DELIVERY_LIMIT", 5))
        # The dead-letter exchange must exist before the first failure: RabbitMQ drops a
        # message whose dead-letter exchange is missing.
        declare(config["AMQP_URI"], [self.queue])
        self._dead_letters = ConfirmingPublisher(config["AMQP_URI"])
        Consumer.setup(self)

    def stop(self):
        super().stop()
        self._dead_letters.close()

    def handle_message(self, body, message):
        try:
            event = deserialize(body)
        except InvalidEvent as exc:
            self._dead_letter(message, exc)
            return
        refusal = producer_refusal(event, message, self.container.config.get("BUS_PRODUCERS"))
        if refusal is not None:
            log.warning("event.producer_refused", type=event.type, event_id=event.event_id,
                        **refusal.errors)
            self._dead_letter(message, refusal)
            return
        # Only nameko's own headers become context (x-death and the like would otherwise
        # be copied onto every RPC the entrypoint makes).
        context_data = {key: value for key, value in self.unpack_message_headers(message).items()
                        if f"nameko.{key}" in (message.headers or {})}
        context_data.update(correlation_id=event.correlation_id, event_id=event.event_id)
        try:
            self.container.spawn_worker(self, (event,), {}, context_data=context_data,
                                        handle_result=partial(self.handle_result, message))
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)

    def handle_message_processed(self, message, result=None, exc_info=None):
        """A failed delivery goes back after a pause that doubles with each attempt, so a
        database or broker outage of a few tens of seconds is ridden out instead of using
        up the delivery limit in a burst (and dead-lettering good messages)."""
        if exc_info is not None:
            attempt = int((message.headers or {}).get("x-delivery-count") or 0)
            eventlet.sleep(retry_pause(attempt))
        try:
            super().handle_message_processed(message, result, exc_info)
        except (OperationalError, ConnectionError, OSError) as exc:
            # The broker went away between the work and its ack (it is restarting). The
            # message was not acked, so it comes back once the consumer reconnects, and
            # processed_events makes that copy change nothing. Raised, this would kill the
            # whole container and every worker in flight with it.
            log.warning("event.ack_lost", error=str(exc), queue=self.queue.name)

    def _dead_letter(self, message, exc):
        """Park a message no entrypoint can ever process, with the reason, and ack it."""
        park(self._dead_letters, self.queue_consumer, message, self.queue.name, exc.reason,
             exc.errors)


def producer_refusal(event, message, producers):
    """Why `event` must not be applied, as an InvalidEvent, or None: with a producer
    pattern set, its `user_id` (which the broker checked against the publisher's own
    login) must be the user of the service its contract names as source. So a process
    logged in as another service cannot pass off, say, a `user.saved` that redirects
    someone's email."""
    if not producers:
        return None  # development on one shared login: nobody to tell apart
    expected = broker_user(producers, event.source)
    published_by = (message.properties or {}).get("user_id") or ""
    if published_by == expected:
        return None
    return InvalidEvent(
        f"producer refused: {event.type} comes from {event.source} ({expected}), "
        f"published by {published_by or 'no user_id'}",
        {"source": event.source, "expected_user": expected, "user_id": published_by})


def retry_pause(attempt):
    """Seconds to wait before redelivering a failed message: 0.25, 0.5, 1 ... at most 8."""
    return min(0.25 * 2 ** attempt, 8)


on_event = EventEntrypoint.decorator
