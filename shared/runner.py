"""Running services: one service in this process, or several as child processes (what
`make run` does), so that each can be stopped, restarted or replicated on its own."""
import importlib
import signal
import subprocess
import sys
import time

import eventlet
from kombu import Connection
from nameko.runners import ServiceRunner

from shared.bus import declare, handler_queue
from shared.config import load_config
from shared.consumers import DomainEventHandler
from shared.logging import configure_logging
from shared.rpc import QuorumRpc, declare_rpc_queue


def service_class(service_name):
    module = importlib.import_module(f"services.{service_name}.service")
    for value in vars(module).values():
        if isinstance(value, type) and getattr(value, "name", None) == service_name:
            return value
    raise LookupError(f"services/{service_name}/service.py defines no service '{service_name}'")


def event_queues(service_name, config):
    """The queues of the service's event handlers, read from its entrypoints."""
    cls = service_class(service_name)
    queues = []
    for attr in dir(cls):
        for entrypoint in getattr(getattr(cls, attr), "nameko_entrypoints", ()):
            if isinstance(entrypoint, DomainEventHandler):
                queues.append(handler_queue(entrypoint.source_service, entrypoint.event_type,
                                            service_name, attr, config["DELIVERY_LIMIT"]))
    return queues


def answers_rpc(service_name):
    """Whether the service has `@rpc` entrypoints, and so an `rpc-<service>` queue."""
    cls = service_class(service_name)
    return any(isinstance(entrypoint, QuorumRpc) for attr in dir(cls)
               for entrypoint in getattr(getattr(cls, attr), "nameko_entrypoints", ()))


def declare_queues(service_name, config):
    """Every queue the service consumes, before it starts: its event handlers' queues and
    its RPC queue (replacing a classic one an older release left, see shared/rpc.py)."""
    declare(config["AMQP_URI"], event_queues(service_name, config))
    if answers_rpc(service_name):
        declare_rpc_queue(service_name, config)


def broker_answers(amqp_uri, timeout=3):
    try:
        with Connection(amqp_uri, connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


def run_in_this_process(service_name):
    """Run one service until SIGTERM or Ctrl-C; workers in flight finish first."""
    config = load_config(service_name)
    configure_logging(service_name, config["LOG_LEVEL"])
    runner = ServiceRunner(config)
    runner.add_service(service_class(service_name))

    stopping = []

    def stop(_signum, _frame):
        # Ctrl-C reaches every process of the group and `run all` forwards SIGTERM too:
        # the first signal drains, the others must not start a second, racing stop.
        if not stopping:
            stopping.append(True)
            eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    runner.start()
    runner.wait()


def run_as_processes(service_names):
    """One child process per service; Ctrl-C or SIGTERM stops them all."""
    children = {name: subprocess.Popen([sys.executable, "-m", "shared.cli", "run", name])
                for name in service_names}
    stopping = False

    def stop(_signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    print(f"wardline: service {name} exited with code {child.returncode}; "
                          "stopping the others.", file=sys.stderr)
                    stopping = True
            time.sleep(0.2)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children.values():
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    return max((child.returncode or 0) for child in children.values())

