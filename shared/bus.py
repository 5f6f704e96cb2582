"""The bus: exchanges, the quorum queues event entrypoints and RPC entrypoints consume, the
dead-letter queue, and a publisher that waits for the broker's confirm before anything is
marked sent."""
import json

from amqp import spec
from amqp.exceptions import MessageNacked
from eventlet.semaphore import Semaphore

from kombu import Connection, Exchange, Producer, Queue

DEAD_LETTER_EXCHANGE = "wardline.dlx"
DEAD_LETTER_QUEUE = "wardline.dlq"
CONFIRM_TIMEOUT_SECONDS = 30


def events_exchange(source_service):
    """The topic exchange a service's events leave by (nameko's `{service}.events`)."""
    return Exchange(f"{source_service}.events", type="topic", durable=True, delivery_mode=2)


def broker_user(pattern, service_name):
    """The broker login of `service_name` under `WARDLINE_BUS_PRODUCERS`'s pattern."""
    return pattern.replace("{service}", service_name)


def dead_letter_exchange():
    return Exchange(DEAD_LETTER_EXCHANGE, type="fanout", durable=True, delivery_mode=2)


def dead_letter_queue():
    return Queue(DEAD_LETTER_QUEUE, exchange=dead_letter_exchange(), durable=True,
                 queue_arguments={"x-queue-type": "quorum"})


def event_queue(source_service, event_type, service_name, method_name, delivery_limit):
    """The queue of one event entrypoint: quorum, so that a message that keeps failing is
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


def rpc_queue(service_name, exchange, delivery_limit):
    """The queue a service's RPC requests wait in (nameko's `rpc-<service>`, `<service>.*`
    on the RPC exchange): quorum like the event queues, so a request survives the loss of
    a broker node and one that keeps killing its worker is parked after `delivery_limit`
    deliveries instead of going round the replicas for ever."""
    return Queue(
        f"rpc-{service_name}", exchange=exchange, routing_key=f"{service_name}.*",
        durable=True,
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
    each one; any failure raises, so the caller leaves the message for a later attempt.

    Every message carries `user_id`, the broker login it is published with: RabbitMQ
    refuses a message whose `user_id` is not the connection's own user, so a consumer
    that reads it knows who published (shared/consumers.py, `WARDLINE_BUS_PRODUCERS`)."""

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
            # Publisher-confirm bookkeeping for publish_many: the broker numbers every
            # message published on the channel from 1, and confirms by that number.
            self._sent = 0
            self._unconfirmed = set()
            self._nacked = False
            channel = self._producer.channel
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)

    def publish(self, exchange, routing_key, body, headers=None, raw=False, user_id=None):
        """Publish `body` (JSON-able; with `raw`, text or bytes kept exactly as given) and
        wait for the broker's confirm. `user_id`: another login's than this connection's,
        which the broker accepts only from a user tagged `impersonator` (the operator's,
        replaying a parked event on behalf of its producer)."""
        with self._lock:
            self._publish(exchange, routing_key, body if raw else json.dumps(body), headers,
                          user_id)

    def publish_many(self, exchange, messages):
        """Publish every `(routing_key, body, headers)` in `messages` (JSON-able bodies)
        and return once the broker has confirmed them all: the whole batch goes out, then
        its confirms are awaited together, instead of one round trip per message. Any
        failure or nack raises, so the caller leaves the batch for a later attempt."""
        if not messages:
            return
        with self._lock:
            self._ensure()
            try:
                self._declare(exchange)
                channel = self._producer.channel
                if not channel._confirm_selected:
                    channel._confirm_selected = True
                    channel.confirm_select()
                for routing_key, body, headers in messages:
                    message = channel.prepare_message(
                        json.dumps(body).encode("utf-8"), content_type="application/json",
                        content_encoding="utf-8", headers=headers or {},
                        properties={"delivery_mode": 2,
                                    "user_id": self._connection.userid})
                    channel._basic_publish(message, exchange=exchange.name,
                                           routing_key=routing_key)
                    self._sent += 1
                    self._unconfirmed.add(self._sent)
                while self._unconfirmed and not self._nacked:
                    channel.wait([spec.Basic.Ack, spec.Basic.Nack],
                                 timeout=CONFIRM_TIMEOUT_SECONDS)
                if self._nacked:
                    raise MessageNacked("the broker refused a message of the batch")
            except Exception:
                self.close()
                raise

    def _on_ack(self, delivery_tag, multiple):
        if multiple:
            self._unconfirmed = {tag for tag in self._unconfirmed if tag > delivery_tag}
        else:
            self._unconfirmed.discard(delivery_tag)

    def _on_nack(self, delivery_tag, multiple):
        self._nacked = True
        self._on_ack(delivery_tag, multiple)

    def _declare(self, exchange):
        if exchange.name and exchange.name not in self._declared:  # "" is the default
            exchange(self._producer.channel).declare()
            self._declared.add(exchange.name)

    def _publish(self, exchange, routing_key, body, headers, user_id=None):
        self._ensure()
        try:
            self._declare(exchange)
            self._producer.publish(
                body, exchange=exchange, routing_key=routing_key,
                content_type="application/json", content_encoding="utf-8",
                delivery_mode=2, headers=headers or {}, retry=False,
                user_id=user_id or self._connection.userid)
            self._sent += 1  # confirmed already (kombu waits for each)
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
