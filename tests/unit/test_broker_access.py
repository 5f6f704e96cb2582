"""deploy/rabbitmq/definitions.json against the contract registry and the queues the
services declare: each service's user may publish exactly its own event types, on its own
events exchange only, and read only its own queues; guest is not in it."""
import json
import re
from pathlib import Path

import pytest

from wardline.broker_access import OPERATOR, definitions
from shared.bus import DEAD_LETTER_EXCHANGE, broker_user, events_exchange
from wardline.services import SERVICES
from shared.events import all_contracts
from wardline.services import answers_rpc, event_queues

DEFINITIONS = Path(__file__).resolve().parents[2] / "deploy" / "rabbitmq" / "definitions.json"
PATTERN = "wardline-{service}"


@pytest.fixture(scope="module")
def deployed():
    return json.loads(DEFINITIONS.read_text())


def grants(deployed, service):
    user = broker_user(PATTERN, service)
    [grant] = [g for g in deployed["permissions"] if g["user"] == user]
    return grant


def allowed(regex, name):
    """As RabbitMQ matches: the regex anywhere in the name (ours are anchored)."""
    return re.search(regex, name) is not None


def queues_of(service):
    names = {q.name for q in event_queues(service, {"DELIVERY_LIMIT": 1})}
    return names | ({f"rpc-{service}"} if answers_rpc(service) else set())


def test_the_deployed_definitions_are_the_ones_printed_from_the_registry(deployed):
    assert deployed == definitions(), (
        "deploy/rabbitmq/definitions.json is stale: "
        "wardline broker-definitions > deploy/rabbitmq/definitions.json")


def test_there_is_a_user_per_service_and_the_operator_and_no_guest(deployed):
    users = {u["name"] for u in deployed["users"]}
    assert users == {broker_user(PATTERN, s) for s in (*SERVICES, OPERATOR)}
    assert "guest" not in users
    assert all(u["password_hash"] == "" for u in deployed["users"])  # none in the repo
    # only the operator may publish as another login (replaying a parked event)
    assert {u["name"] for u in deployed["users"] if "impersonator" in u["tags"]} == {
        broker_user(PATTERN, OPERATOR)}


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_may_publish_exactly_its_own_event_types_on_its_own_exchange(
        deployed, service):
    user = broker_user(PATTERN, service)
    exchange = events_exchange(service).name
    [topic] = [t for t in deployed["topic_permissions"]
               if t["user"] == user and t["exchange"] == exchange]
    types = {c.type for c in all_contracts()}
    own = {c.type for c in all_contracts() if c.source == service}
    assert {t for t in types if allowed(topic["write"], t)} == own
    assert not allowed(topic["write"], "user.saved.extra")
    # Nobody else may write on its exchange at all.
    writers = {g["user"] for g in deployed["permissions"] if allowed(g["write"], exchange)}
    assert writers == {user, broker_user(PATTERN, OPERATOR)}


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_reads_and_configures_only_its_own_queues(deployed, service):
    grant = grants(deployed, service)
    own = queues_of(service)
    others = set().union(*(queues_of(s) for s in SERVICES if s != service))
    assert all(allowed(grant["read"], q) and allowed(grant["configure"], q) for q in own)
    assert not [q for q in others if allowed(grant["read"], q)
                or allowed(grant["configure"], q) or allowed(grant["write"], q)]
    assert not allowed(grant["read"], "wardline.dlq")  # parked messages are the operator's
    assert not allowed(grant["write"], "amq.default")  # no publishing straight to a queue
    assert allowed(grant["write"], DEAD_LETTER_EXCHANGE)  # it parks what it cannot apply


def test_only_the_gateway_may_send_rpc_requests_and_services_only_answer(deployed):
    requests = {g["user"] for g in deployed["topic_permissions"]
                if g["exchange"] == "nameko-rpc" and allowed(g["write"], "referrals.submit")}
    assert requests == {broker_user(PATTERN, "gateway")}
    reply = "0b7a34a6-7c1e-4f59-9a51-2c55e2f8f0d1"
    answerers = {g["user"] for g in deployed["topic_permissions"]
                 if g["exchange"] == "nameko-rpc" and allowed(g["write"], reply)}
    assert answerers == {broker_user(PATTERN, s) for s in SERVICES if answers_rpc(s)}
