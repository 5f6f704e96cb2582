"""What `rabbitmqctl list_queues name type arguments` shows on a running stack: every
event entrypoint's queue and every `rpc-<service>` queue is a quorum queue (it survives the
loss of a node of the production cluster) with a delivery limit and the dead-letter
exchange; only the callers' per-process reply queues stay classic."""
import pytest

from shared.bus import DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE
from shared.config import load_config
from wardline.services import SERVICES, answers_rpc, event_queues
from shared.testing.infra import list_queues

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def queues(stack):
    return list_queues(stack.env["WARDLINE_AMQP_URI"])


def expected_event_queues():
    return {queue.name for name in SERVICES
            for queue in event_queues(name, load_config(name))}


def test_every_event_handler_queue_is_quorum_with_a_delivery_limit_and_dead_letters(
        stack, queues):
    limit = load_config("tasking")["DELIVERY_LIMIT"]
    expected = expected_event_queues()
    assert expected, "the services declare no event entrypoints"
    assert expected <= set(queues), f"not declared: {sorted(expected - set(queues))}"
    assert {name for name in queues if name.startswith("evt-")} == expected
    for name in expected:
        assert queues[name]["type"] == "quorum", name
        assert queues[name]["arguments"]["x-delivery-limit"] == limit, name
        assert queues[name]["arguments"]["x-dead-letter-exchange"] == DEAD_LETTER_EXCHANGE, name


def test_every_rpc_queue_is_quorum_with_a_delivery_limit_and_dead_letters(stack, queues):
    limit = load_config("tasking")["DELIVERY_LIMIT"]
    expected = {f"rpc-{name}" for name in SERVICES if answers_rpc(name)}
    assert expected >= {"rpc-referrals", "rpc-tasking", "rpc-notifications", "rpc-casereview"}
    assert {name for name in queues if name.startswith("rpc-")} == expected
    for name in expected:
        assert queues[name]["type"] == "quorum", name
        assert queues[name]["arguments"]["x-delivery-limit"] == limit, name
        assert queues[name]["arguments"]["x-dead-letter-exchange"] == DEAD_LETTER_EXCHANGE, name


def test_the_dead_letter_queue_is_quorum_and_reply_queues_stay_classic(stack, queues):
    assert queues[DEAD_LETTER_QUEUE]["type"] == "quorum"
    replies = [name for name in queues if name.startswith("rpc.reply-")]
    assert any(name.startswith("rpc.reply-gateway-") for name in replies)
    assert all(queues[name]["type"] == "classic" for name in replies)
