"""`GET /health` on every service process, for orchestrators' probes: 200 when its
database and broker answer, 503 naming what does not. The gateway's own /health goes
further and asks every service over RPC."""
import json

import eventlet
from kombu import Connection
from shared.web import http

CHECK_TIMEOUT_SECONDS = 2


def check(probe):
    try:
        with eventlet.Timeout(CHECK_TIMEOUT_SECONDS):
            probe()
        return "ok"
    except eventlet.Timeout:
        return "timeout"
    except Exception as exc:  # the kind of failure is what an operator needs
        return f"error: {type(exc).__name__}"


def broker_ping(amqp_uri):
    with Connection(amqp_uri, connect_timeout=CHECK_TIMEOUT_SECONDS) as conn:
        conn.ensure_connection(max_retries=1)


def own_checks(service):
    """This process's own dependencies: its database and the broker."""
    return {"database": check(service.uow.ping),
            "broker": check(lambda: broker_ping(service.config["AMQP_URI"]))}


def answer(service_name, checks):
    healthy = all(state == "ok" for state in checks.values())
    body = {"service": service_name, "status": "ok" if healthy else "degraded",
            "checks": checks}
    return 200 if healthy else 503, {"Content-Type": "application/json"}, json.dumps(body)


ALIVE = (200, {"Content-Type": "application/json"}, '{"status": "alive"}')


class HealthEndpoint:
    """Mixin for a service with `uow` (Database) and `config` (nameko Config).
    `/health` (readiness): may this process take work? `/livez` (liveness): is it
    running at all? Liveness must not look at dependencies, or a database blip would
    have an orchestrator restart every pod at once."""

    @http("GET", "/health")
    def http_health(self, request):
        return answer(self.name, own_checks(self))

    @http("GET", "/livez")
    def http_livez(self, request):
        return ALIVE
