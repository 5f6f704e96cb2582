"""The bus: exchanges, the quorum queues event handlers consume, the dead-letter queue,
and a publisher that waits for the broker's confirm before anything is marked sent."""
import json

from eventlet.semaphore import Semaphore

from kombu import Connection, Exchange, Producer, Queue

DEAD_LETTER_EXCHANGE = "wardline.dlx"
DEAD_LETTER_QUEUE = "wardline.dlq"


def events_exchange(source_service):
    """The topic exchange a service's events leave by (nameko's `{service}.events`)."""
    return Exchange(f"{source_service}.events", type="topic", durable=True, delivery_mode=2)


def dead_letter_exchange():
    return Exchange(DEAD_LETTER_EXCHANGE, type="fanout", durable=True, delivery_mode=2)


def dead_letter_queue():
    return Queue(DEAD_LETTER_QUEUE, exchange=dead_letter_exchange(), durable=True,
                 queue_arguments={"x-queue-type": "quorum"})


def handler_queue(source_service, event_type, service_name, method_name, delivery_limit):
    """The queue of one event handler: quorum, so that a message that keeps failing is
    dead-lettered after `delivery_limit` deliveries instead of looping for ever."""
    return Queue(
        f"evt-{source_service}-{event_type}--{service_name}.{method_name}",
        exchange=events_exchange(source_service), routing_key=event_type, durable=True,
        queue_arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": delivery_limit,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        },
    )


def declare(amqp_uri, queues):
    """Declare queues (with their exchanges) and the dead-letter queue: done at migrate
    time as well as at start, because events published before a queue exists are lost."""
    with Connection(amqp_uri, connect_timeout=5) as conn:
        channel = conn.channel()
        for queue in [dead_letter_queue(), *queues]:
            queue.maybe_bind(channel)
            queue.declare()


class ConfirmingPublisher:
    """Publishes persistent JSON messages and returns only once the broker has confirmed
    each one; any failure raises, so the caller leaves the message for a later attempt."""

    def __init__(self, amqp_uri):
        self.amqp_uri = amqp_uri
        self._connection = None
        self._producer = None
        self._declared = set()
        self._lock = Semaphore()  # one greenthread at a time on the channel

    def _ensure(self):
        if self._connection is None or not self._connection.connected:
            self.close()
            self._connection = Connection(self.amqp_uri, connect_timeout=5,
                                          transport_options={"confirm_publish": True})
            self._connection.connect()
            self._producer = Producer(self._connection.channel())
            self._declared = set()

    def publish(self, exchange, routing_key, body, headers=None, raw=False):
        """Publish `body` (JSON-able; with `raw`, text or bytes kept exactly as given) and
        wait for the broker's confirm."""
        with self._lock:
            self._publish(exchange, routing_key, body if raw else json.dumps(body), headers)

    def _publish(self, exchange, routing_key, body, headers):
        self._ensure()
        if exchange.name and exchange.name not in self._declared:  # "" is the default
            exchange(self._producer.channel).declare()
            self._declared.add(exchange.name)
        try:
            self._producer.publish(
                body, exchange=exchange, routing_key=routing_key,
                content_type="application/json", content_encoding="utf-8",
                delivery_mode=2, headers=headers or {}, retry=False)
        except Exception:
            self.close()
            raise

    def close(self):
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # already broken: nothing more to release
                pass
        self._connection = self._producer = None
