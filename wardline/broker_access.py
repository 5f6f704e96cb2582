"""Who may do what on the broker: a RabbitMQ user per service, allowed only its own
queues and the exchanges it must use, and on its events exchange only the routing keys of
its own contracts, so that no service can publish another's events.

`deploy/rabbitmq/definitions.json` is printed from here (`wardline broker-definitions`),
from the contract registry and the queue names the services declare; a unit test keeps
the two equal. With these users, `WARDLINE_BUS_PRODUCERS=wardline-{service}` lets every
consumer check the validated `user_id` of what it applies (shared/consumers.py).
"""
import base64
import hashlib
import os
import re

from nameko.rpc import RpcProxy, get_rpc_exchange

from shared.bus import (DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE, broker_user, events_exchange,
                        event_queue)
from shared.events import all_contracts
from wardline.services import SERVICES, answers_rpc, event_queues, service_class

DEFAULT_PATTERN = "wardline-{service}"
OPERATOR = "operator"
"""`wardline-operator`: `wardline migrate` and `wardline dlq`, every right on the vhost,
and tagged `impersonator`, so that a replayed event goes back as its producer's login
(shared/deadletters.py). Its own `user_id` is no service's, so consumers checking
producers apply nothing it sends as itself."""

RPC_EXCHANGE = get_rpc_exchange({}).name
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
NAME = "[a-z_][a-z0-9_]*"


def event_types_of(service_name):
    """Every event type whose contract names `service_name` as its source."""
    return sorted({c.type for c in all_contracts() if c.source == service_name})


def own_queues(service_name):
    """A regex of the queues `service_name` consumes: its event entrypoints'
    (`evt-<source>-<type>--<service>.<method>`, read from shared/bus.py's naming), its
    `rpc-<service>` and, if it calls others, its `rpc.reply-<service>-<uuid>`."""

    sample = event_queue("SOURCE", "KIND.NAME", service_name, "METHOD", 1).name
    pattern = re.escape(sample)
    for placeholder in ("SOURCE", "KIND", "NAME", "METHOD"):
        pattern = pattern.replace(placeholder, NAME, 1)
    queues = [pattern]
    if answers_rpc(service_name):
        queues.append(re.escape(f"rpc-{service_name}"))
    if calls_rpc(service_name):
        queues.append(re.escape(f"rpc.reply-{service_name}-") + UUID)
    return queues


def calls_rpc(service_name):
    """The services `service_name` calls over RPC (its nameko `RpcProxy`s)."""

    cls = service_class(service_name)
    return sorted({value.target_service for value in vars(cls).values()
                   if isinstance(value, RpcProxy)})


def consumed_sources(service_name):
    """The services whose events `service_name` handles."""

    return sorted({queue.exchange.name for queue in
                   event_queues(service_name, {"DELIVERY_LIMIT": 1})})


def permissions(service_name):
    """(configure, write, read) regexes for one service on the Wardline vhost."""

    queues = own_queues(service_name)
    own_exchange = re.escape(events_exchange(service_name).name)
    consumed = [re.escape(name) for name in consumed_sources(service_name)]
    rpc = [re.escape(RPC_EXCHANGE)] if answers_rpc(service_name) or calls_rpc(
        service_name) else []
    dead_letters = [re.escape(DEAD_LETTER_EXCHANGE), re.escape(DEAD_LETTER_QUEUE)]
    # Declaring a queue bound to an exchange declares the exchange too (configure), and
    # binding needs write on the queue and read on the exchange; publishing needs write
    # on the exchange only. The dead-letter exchange is written to by consumers parking
    # a message, and named by every queue's declaration.
    configure = queues + [own_exchange] + consumed + rpc + dead_letters
    write = queues + [own_exchange] + rpc + dead_letters
    read = queues + consumed + rpc + [re.escape(DEAD_LETTER_EXCHANGE)]
    return tuple(_anchored(sorted(set(part))) for part in (configure, write, read))


def topic_write(service_name):
    """{exchange: routing-key regex} a service may publish with: on its events exchange
    its own contracts' types only; on the RPC exchange requests to the services it calls
    and answers (to a caller's reply uuid) if it serves any."""

    rules = {events_exchange(service_name).name:
             _anchored([re.escape(t) for t in event_types_of(service_name)])}
    rpc = [re.escape(f"{target}.") + NAME for target in calls_rpc(service_name)]
    if answers_rpc(service_name):
        rpc.append(UUID)
    if rpc:
        rules[RPC_EXCHANGE] = _anchored(rpc)
    return rules


def _anchored(alternatives):
    return "^(" + "|".join(alternatives) + ")$" if alternatives else "^$"


def definitions(vhost="/", pattern=DEFAULT_PATTERN, passwords=None):
    """RabbitMQ definitions (`load_definitions`): users, their permissions and topic
    permissions on `vhost` (declared too: a broker that loads definitions at boot creates
    neither the default vhost nor guest). `passwords` ({service: password}) are hashed in; a user
    without one gets an empty hash, which no password matches: set it before use."""
    passwords = passwords or {}
    names = [*SERVICES, OPERATOR]
    users, grants, topics = [], [], []
    for name in names:
        user = broker_user(pattern, name)
        password = passwords.get(name)
        users.append({"name": user, "tags": "impersonator" if name == OPERATOR else "",
                      "hashing_algorithm": "rabbit_password_hashing_sha256",
                      "password_hash": password_hash(password) if password else ""})
        configure, write, read = (".*", ".*", ".*") if name == OPERATOR else permissions(name)
        grants.append({"user": user, "vhost": vhost, "configure": configure,
                       "write": write, "read": read})
        if name != OPERATOR:
            topics.extend({"user": user, "vhost": vhost, "exchange": exchange,
                           "write": keys, "read": ".*"}
                          for exchange, keys in sorted(topic_write(name).items()))
    return {"vhosts": [{"name": vhost}], "users": users, "permissions": grants,
            "topic_permissions": topics}


def password_hash(password, salt=None):
    """RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt + sha256(salt + password))
    with a 4-byte salt."""
    salt = os.urandom(4) if salt is None else salt
    digest = hashlib.sha256(salt + password.encode("utf-8")).digest()
    return base64.b64encode(salt + digest).decode("ascii")
