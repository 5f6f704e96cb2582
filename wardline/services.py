"""The services Wardline is made of, found by name: their nameko classes, the queues they
consume and whether they answer RPC. Only the composition root looks services up like
this; a service never knows another (tests/unit/test_import_rules.py)."""
import importlib

from shared.bus import declare, event_queue
from shared.consumers import EventEntrypoint
from shared.rpc import QuorumRpc, declare_rpc_queue

SERVICES = ("gateway", "referrals", "tasking", "notifications", "casereview")
"""Every Wardline service, in the order `wardline run` starts them."""


def service_class(service_name):
    module = importlib.import_module(f"services.{service_name}.service")
    for value in vars(module).values():
        if isinstance(value, type) and getattr(value, "name", None) == service_name:
            return value
    raise LookupError(f"services/{service_name}/service.py defines no service '{service_name}'")


def orm_metadata(service_name):
    """The service's tables (its `orm.metadata`), for migrations and the command line."""
    return importlib.import_module(f"services.{service_name}.orm").metadata


def commands_of(service_name):
    """The service's own command-line use cases (`services/<name>/commands.py`)."""
    return importlib.import_module(f"services.{service_name}.commands")


def event_queues(service_name, config):
    """The queues of the service's event entrypoints, read from its entrypoints."""
    cls = service_class(service_name)
    queues = []
    for attr in dir(cls):
        for entrypoint in getattr(getattr(cls, attr), "nameko_entrypoints", ()):
            if isinstance(entrypoint, EventEntrypoint):
                queues.append(event_queue(entrypoint.source_service, entrypoint.event_type,
                                            service_name, attr, config["DELIVERY_LIMIT"]))
    return queues


def answers_rpc(service_name):
    """Whether the service has `@rpc` entrypoints, and so an `rpc-<service>` queue."""
    cls = service_class(service_name)
    return any(isinstance(entrypoint, QuorumRpc) for attr in dir(cls)
               for entrypoint in getattr(getattr(cls, attr), "nameko_entrypoints", ()))


def declare_queues(service_name, config):
    """Every queue the service consumes, before it starts: its event entrypoints' queues and
    its RPC queue (replacing a classic one an older release left, see shared/rpc.py)."""
    declare(config["AMQP_URI"], event_queues(service_name, config))
    if answers_rpc(service_name):
        declare_rpc_queue(service_name, config)


def consumed_queues():
    """The name of every queue a Wardline service consumes: its event entrypoints' queues
    and its RPC queue. A parked message that names any other queue (a header anyone with
    publish rights could write) is never replayed there (shared/deadletters.py)."""
    names = set()
    for service in SERVICES:
        names.update(q.name for q in event_queues(service, {"DELIVERY_LIMIT": 1}))
        if answers_rpc(service):
            names.add(f"rpc-{service}")
    return names
