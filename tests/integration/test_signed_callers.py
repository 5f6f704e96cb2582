"""`@rpc` on the real broker takes the actor from the call's signed caller
(shared/caller.py), whichever way the method names it, and refuses a call with no signed
caller or with an `actor` argument that claims someone else, before any worker runs."""
import uuid

import pytest
from kombu import Connection, Queue
from nameko.exceptions import IncorrectSignature
from nameko.rpc import get_rpc_exchange
from nameko.standalone.rpc import ClusterRpcProxy

from shared.caller import CALLER_HEADER, caller_context, sign_caller, system_caller
from shared.errors import Forbidden, NotAuthenticated
from shared.rpc import rpc

PARTNER = {"username": "yot.partner", "role": "partner", "agency": "yot", "wards": []}
COORDINATOR = {"username": "coordinator", "role": "coordinator", "agency": "police",
               "wards": []}
RAN = []
"""Every worker that ran, by method: a refused call must leave no trace here."""


class CallerProbe:
    name = "callerprobe"

    @rpc
    def whoami(self, note, actor):
        RAN.append("whoami")
        return {"note": note, "actor": actor}

    @rpc
    def inbox_of(self, actor, unread_only=False):
        RAN.append("inbox_of")
        return {"actor": actor, "unread_only": unread_only}

    @rpc
    def contacts(self):
        RAN.append("contacts")
        return ["someone's phone number"]

    @rpc(needs_caller=False)
    def health(self):
        return "ok"


@pytest.fixture
def probe(container_factory, service_config):
    config = service_config("callerprobe")
    container_factory(CallerProbe, config).start()
    RAN.clear()
    return config


def calling_as(config, actor, key=None):
    context = caller_context(actor, key or config["CALLER_KEY"]) if actor else {}
    return ClusterRpcProxy(config, context_data=context, timeout=10)


def test_the_actor_is_the_signed_callers_whether_sent_positionally_by_keyword_or_not_at_all(
        probe):
    with calling_as(probe, PARTNER) as cluster:
        assert cluster.callerprobe.whoami("sent", PARTNER)["actor"] == PARTNER
        assert cluster.callerprobe.whoami("keyword", actor=PARTNER)["actor"] == PARTNER
        assert cluster.callerprobe.whoami("left out")["actor"] == PARTNER
        assert cluster.callerprobe.inbox_of(unread_only=True) == {
            "actor": PARTNER, "unread_only": True}
        assert cluster.callerprobe.inbox_of(PARTNER, True)["actor"] == PARTNER


def test_an_actor_argument_claiming_someone_else_is_refused(probe):
    with calling_as(probe, PARTNER) as cluster:
        with pytest.raises(Forbidden):
            cluster.callerprobe.whoami("promote me", COORDINATOR)
        with pytest.raises(Forbidden):
            cluster.callerprobe.inbox_of(actor={**PARTNER, "agency": "police"})
        with pytest.raises(Forbidden):
            cluster.callerprobe.whoami("not even an actor", "coordinator")
    assert RAN == []


def test_a_call_with_no_signed_caller_or_a_forged_one_is_refused(probe):
    with calling_as(probe, None) as cluster:
        with pytest.raises(NotAuthenticated):
            cluster.callerprobe.whoami("no assertion", COORDINATOR)
        with pytest.raises(NotAuthenticated):  # no actor parameter: still no answer
            cluster.callerprobe.contacts()
        assert cluster.callerprobe.health() == "ok"  # nothing personal: open to the bus
    with calling_as(probe, COORDINATOR, key="a-forger-s-own-key-0123456789abcdef") as cluster:
        with pytest.raises(NotAuthenticated):
            cluster.callerprobe.whoami("forged", COORDINATOR)
    assert RAN == []


def test_a_system_caller_reaches_a_method_with_no_actor(probe):
    with calling_as(probe, system_caller("integration-test")) as cluster:
        assert cluster.callerprobe.contacts() == ["someone's phone number"]


def test_a_wrong_call_is_still_nameko_s_incorrect_signature_and_runs_nothing(probe):
    with calling_as(probe, PARTNER) as cluster:
        with pytest.raises(IncorrectSignature):
            cluster.callerprobe.whoami("one", PARTNER, "too many")
    assert RAN == []


def test_a_request_whose_arguments_are_not_a_list_and_an_object_is_refused(probe):
    """Unpacked as they came, `{"args": {"coordinator": 1}}` would hand the method the
    key `coordinator` as its actor, unchecked."""
    name = f"rpc.reply-test-{uuid.uuid4()}"
    reply_queue = Queue(name, exchange=get_rpc_exchange(probe), routing_key=name,
                        exclusive=True)
    with Connection(probe["AMQP_URI"]) as conn:
        reply_queue(conn.channel()).declare()
        conn.Producer().publish(
            {"args": {"note": 1, "coordinator": 2}, "kwargs": {}},
            exchange=get_rpc_exchange(probe), routing_key="callerprobe.whoami",
            reply_to=reply_queue.name, correlation_id="malformed",
            headers={f"nameko.{CALLER_HEADER}": sign_caller(PARTNER, probe["CALLER_KEY"])})
        answers = []
        with conn.Consumer(reply_queue, callbacks=[lambda body, m: answers.append(body)]):
            conn.drain_events(timeout=10)
    [answer] = answers
    assert answer["error"]["exc_type"] == "MalformedRequest"
    assert RAN == []


def test_while_the_key_rotates_calls_signed_with_either_key_are_answered(
        container_factory, service_config):
    old, new = "the-old-caller-key-0123456789abcdef01", "the-new-caller-key-0123456789abcdef01"
    config = {**service_config("callerprobe"), "CALLER_KEY": new,
              "CALLER_KEYS_ACCEPTED": [new, old]}
    container_factory(CallerProbe, config).start()
    for key in (old, new):
        with calling_as(config, PARTNER, key=key) as cluster:
            assert cluster.callerprobe.whoami("rotating")["actor"] == PARTNER
    with calling_as(config, PARTNER, key="neither-key-0123456789abcdef0123456") as cluster:
        with pytest.raises(NotAuthenticated):
            cluster.callerprobe.whoami("rotating")
