"""The dead-letter queue, for operators: see what could not be handled and why, and put
messages back on the queue they came from once the cause is fixed.

Two roads lead here: a consumer parks a message that breaks its contract at once
(headers `x-wardline-reason`, `x-wardline-queue`), and RabbitMQ moves a message whose
handler kept failing after the queue's delivery limit (header `x-death`)."""
import hashlib
import json

from amqp.exceptions import PreconditionFailed
from kombu import Connection, Exchange

from shared.bus import ConfirmingPublisher, broker_user, dead_letter_queue

PREVIEW_BYTES = 120
STRIPPED_ON_REPLAY = ("x-death", "x-first-death-exchange", "x-first-death-queue",
                      "x-first-death-reason", "x-last-death-exchange", "x-last-death-queue",
                      "x-last-death-reason", "x-delivery-count")


def describe(message):
    """What an operator needs: an id, the event type, why, where from, the first bytes."""
    headers = message.headers or {}
    body = message.body if isinstance(message.body, bytes) else message.body.encode()
    death = (headers.get("x-death") or [{}])[0]
    try:
        envelope = json.loads(body)
    except ValueError:
        envelope = None
    envelope = envelope if isinstance(envelope, dict) else {}
    return {
        "id": str(envelope.get("event_id") or hashlib.sha1(body).hexdigest()[:12]),
        "type": str(envelope.get("type") or headers.get("x-wardline-routing-key")
                    or (death.get("routing-keys") or ["?"])[0]),
        "reason": headers.get("x-wardline-reason") or death.get("reason", "unknown"),
        "queue": headers.get("x-wardline-queue") or death.get("queue", ""),
        "attempts": death.get("count", 1),
        "body": body[:PREVIEW_BYTES].decode("utf-8", "replace"),
    }


def list_dead_letters(amqp_uri, limit=1000):
    """Every parked message, described; the queue is left exactly as it was."""
    with Connection(amqp_uri, connect_timeout=5) as conn:
        channel = conn.channel()
        queue = dead_letter_queue()(channel)
        queue.declare()
        found = []
        while len(found) < limit and (message := queue.get(no_ack=False)) is not None:
            found.append(describe(message))
        channel.close()  # unacknowledged messages go back, in order
    return found


class ReplayRefused(ValueError):
    """What was asked does not match what is parked: nothing was replayed."""


def queue_owner(queue_name):
    """The service consuming a Wardline queue (`evt-…--<service>.<method>`,
    `rpc-<service>`), or None."""
    if queue_name.startswith("evt-") and "--" in queue_name:
        return queue_name.rsplit("--", 1)[1].split(".", 1)[0]
    if queue_name.startswith("rpc-"):
        return queue_name[len("rpc-"):]
    return None


def producer_login(message, producers):
    """The login to replay `message` as, so that a consumer checking producers
    (`WARDLINE_BUS_PRODUCERS`) sees who first published it, or None (the replayer's own).
    A message RabbitMQ dead-lettered keeps its `user_id`, checked when it was published.
    One a consumer parked was republished by the consumer, so its `user_id` is the
    consumer's, and the producer's is in `x-wardline-user-id`: a header anyone writing to
    the dead-letter exchange could set, so believed only when that `user_id` is the login
    of the service that consumes the queue it names."""
    if not producers:
        return None  # one shared login: nothing to restore
    headers = message.headers or {}
    published_by = (message.properties or {}).get("user_id") or ""
    queue = headers.get("x-wardline-queue")
    if queue is None:
        return published_by or None
    owner = queue_owner(queue)
    if owner is not None and published_by == broker_user(producers, owner):
        return headers.get("x-wardline-user-id") or None
    return None


def replay(amqp_uri, ids=None, expected_count=None, *, queues, producers=None):
    """Re-inject parked messages into the queue each came from: those whose id is in
    `ids`, or, with `ids` None, every one, provided there are exactly `expected_count`
    (the operator's confirmation of what they saw listed; otherwise ReplayRefused and
    nothing moves). Only into `queues` (Wardline's own: `wardline.services.consumed_queues()`);
    a message naming another queue stays parked. Consumers are idempotent, so a message
    handled before is not applied twice. With `producers` (`WARDLINE_BUS_PRODUCERS`) each
    goes back as its producer's login (`producer_login`), which the broker allows only a
    user tagged `impersonator` (deploy/'s operator). Returns the ids replayed."""
    if ids is None and expected_count is None:
        raise ReplayRefused("Name the messages to replay, or replay all with the count "
                            "you expect.")
    queues = set(queues)
    publisher = ConfirmingPublisher(amqp_uri)
    replayed = []
    try:
        with Connection(amqp_uri, connect_timeout=5) as conn:
            channel = conn.channel()
            queue = dead_letter_queue()(channel)
            queue.declare()
            held = []
            while (message := queue.get(no_ack=False)) is not None:
                held.append(message)
            chosen = [(message, info) for message in held
                      if (info := describe(message))["queue"] in queues
                      and (ids is None or info["id"] in ids)]
            if ids is None and len(chosen) != expected_count:
                channel.close()
                raise ReplayRefused(
                    f"{len(chosen)} message(s) can be replayed, not {expected_count}: "
                    "list them again (wardline dlq list) and give the count you see.")
            for message, info in chosen:
                headers = {k: v for k, v in (message.headers or {}).items()
                           if k not in STRIPPED_ON_REPLAY and not k.startswith("x-wardline-")}
                login = producer_login(message, producers)
                try:
                    publisher.publish(Exchange(""), info["queue"], message.body,
                                      headers=headers, raw=True, user_id=login)
                except PreconditionFailed:
                    raise ReplayRefused(
                        f"the broker refused to replay {info['id']} as {login}: the "
                        "replaying login needs the `impersonator` tag") from None
                message.ack()
                replayed.append(info["id"])
            channel.close()  # the rest stay parked
    finally:
        publisher.close()
    return replayed


def escaped(value):
    """`value` as text safe to print at a terminal: control characters (an escape
    sequence in a header anyone could have set) shown as escapes, not obeyed."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in str(value))
