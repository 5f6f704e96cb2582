"""RPC requests wait in a quorum queue with a delivery limit and the dead-letter exchange,
like events; `wardline migrate` replaces the classic `rpc-<service>` an older release left,
but never one that still has consumers or requests."""
import uuid

import pytest
from kombu import Connection, Exchange, Queue
from nameko.extensions import DependencyProvider
from nameko.rpc import get_rpc_exchange
from nameko.standalone.rpc import ClusterRpcProxy

from shared.bus import DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE
from shared.caller import CALLER_HEADER, caller_context, system_caller
from shared.deadletters import list_dead_letters
from shared.rpc import RpcQueueInUse, declare_rpc_queue, rpc
from shared.testing.infra import list_queues, queue_depths
from shared.testing.waiting import wait_for


class ProbeService:
    name = "probe"

    @rpc
    def echo(self, text):
        return text


class KillsItsWorker(DependencyProvider):
    """Fails while a worker is set up, outside the service method: nameko kills the whole
    container, so the request is never acknowledged and goes back to the queue, as when
    a request's worker takes its process down."""

    def get_dependency(self, worker_ctx):
        raise RuntimeError("this request takes its worker down")


class CrashingService:
    name = "crashprobe"
    doomed = KillsItsWorker()

    @rpc
    def crash(self):
        return "never"


def signed(config, ttl_seconds=60):
    """Context data of a call this test makes as a system caller (shared/caller.py)."""
    return caller_context(system_caller("rpc-queue-test"), config["CALLER_KEY"], ttl_seconds)


def classic_rpc_queue(config, service_name, waiting_request=False):
    """What nameko's own `@rpc` declared before: a durable classic queue, no arguments."""
    exchange = get_rpc_exchange(config)
    queue = Queue(f"rpc-{service_name}", exchange=exchange,
                  routing_key=f"{service_name}.*", durable=True)
    with Connection(config["AMQP_URI"]) as conn:
        queue(conn.channel()).declare()
        if waiting_request:
            conn.Producer().publish({"args": [], "kwargs": {}}, exchange=exchange,
                                    routing_key=f"{service_name}.echo")


def test_an_rpc_entrypoint_answers_from_a_quorum_queue_with_a_delivery_limit(
        container_factory, service_config):
    config = service_config("probe")
    container = container_factory(ProbeService, config)
    container.start()

    with ClusterRpcProxy(config, timeout=10, context_data=signed(config)) as cluster:
        assert cluster.probe.echo("over the broker") == "over the broker"
    queue = list_queues(config["AMQP_URI"])["rpc-probe"]
    assert queue["type"] == "quorum"
    assert queue["arguments"]["x-delivery-limit"] == config["DELIVERY_LIMIT"]
    assert queue["arguments"]["x-dead-letter-exchange"] == DEAD_LETTER_EXCHANGE


def test_a_request_nobody_can_be_answered_for_is_dropped_without_stopping_the_service(
        container_factory, service_config):
    """Such as one replayed from the dead-letter queue: `wardline dlq replay` publishes
    the body alone, without the caller's reply_to."""
    config = service_config("probe")
    container = container_factory(ProbeService, config)
    container.start()
    parked_before = queue_depths(config["AMQP_URI"]).get(DEAD_LETTER_QUEUE, 0)

    with Connection(config["AMQP_URI"]) as conn:
        conn.Producer().publish({"args": ["lost"], "kwargs": {}}, exchange="",
                                routing_key="rpc-probe")
    with ClusterRpcProxy(config, timeout=10, context_data=signed(config)) as cluster:
        assert cluster.probe.echo("still answering") == "still answering"
    assert not container._died.ready()
    # Dropped: acknowledged once, neither requeued round and round nor parked.
    assert wait_for(lambda: queue_depths(config["AMQP_URI"])["rpc-probe"] == 0)
    assert queue_depths(config["AMQP_URI"]).get(DEAD_LETTER_QUEUE, 0) == parked_before


def test_migrate_replaces_an_idle_classic_rpc_queue_from_an_older_release(service_config):
    config = service_config("oldidle")
    classic_rpc_queue(config, "oldidle")
    assert list_queues(config["AMQP_URI"])["rpc-oldidle"]["type"] == "classic"

    declare_rpc_queue("oldidle", config)

    assert list_queues(config["AMQP_URI"])["rpc-oldidle"]["type"] == "quorum"


def test_migrate_leaves_a_classic_rpc_queue_with_requests_waiting_and_says_what_to_do(
        service_config):
    config = service_config("oldbusy")
    classic_rpc_queue(config, "oldbusy", waiting_request=True)

    with pytest.raises(RpcQueueInUse, match="every oldbusy process"):
        declare_rpc_queue("oldbusy", config)

    assert list_queues(config["AMQP_URI"])["rpc-oldbusy"]["type"] == "classic"
    with Connection(config["AMQP_URI"]) as conn:
        waiting = Queue("rpc-oldbusy", exchange=Exchange(""))(conn.channel())
        assert waiting.queue_declare(passive=True).message_count == 1


def test_a_request_that_keeps_killing_its_worker_is_parked_in_the_dead_letter_queue(
        container_factory, service_config):
    config = {**service_config("crashprobe"), "DELIVERY_LIMIT": 2}
    exchange = get_rpc_exchange(config)
    correlation_id = str(uuid.uuid4())
    with Connection(config["AMQP_URI"]) as conn:
        container = container_factory(CrashingService, config)
        container.start()  # declares rpc-crashprobe with this delivery limit
        conn.Producer().publish({"args": [], "kwargs": {}}, exchange=exchange,
                                routing_key="crashprobe.crash", reply_to="rpc.reply-nobody",
                                correlation_id=correlation_id, delivery_mode=2,
                                headers={f"nameko.{CALLER_HEADER}": signed(
                                    config, ttl_seconds=600)[CALLER_HEADER]})

    def parked():
        return [m for m in list_dead_letters(config["AMQP_URI"])
                if m["queue"] == "rpc-crashprobe"]

    for delivery in range(1, config["DELIVERY_LIMIT"] + 2):
        assert wait_for(container._died.ready, timeout=30), f"delivery {delivery} never came"
        if delivery <= config["DELIVERY_LIMIT"]:  # within the limit: delivered again
            assert not parked()
            container = container_factory(CrashingService, config)
            container.start()
    [message] = wait_for(parked, timeout=30) or [None]
    assert message, "the request was not parked after the delivery limit"
    assert message["reason"] == "delivery_limit" and message["type"] == "crashprobe.crash"
    assert queue_depths(config["AMQP_URI"])["rpc-crashprobe"] == 0
