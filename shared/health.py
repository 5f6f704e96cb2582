"""`GET /health` on every service process, for orchestrators' probes: 200 when its
database and broker answer, 503 naming what does not. The gateway's own /health goes
further and asks every service over RPC."""
import json

import eventlet
from kombu import Connection
from nameko.web.handlers import http

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


class HealthEndpoint:
    """Mixin for a service with `uow` (Database) and `config` (nameko Config)."""

    @http("GET", "/health")
    def http_health(self, request):
        checks = {"database": check(self.uow.ping),
                  "broker": check(lambda: broker_ping(self.config["AMQP_URI"]))}
        healthy = all(state == "ok" for state in checks.values())
        body = {"service": self.name, "status": "ok" if healthy else "degraded",
                "checks": checks}
        return 200 if healthy else 503, {"Content-Type": "application/json"}, json.dumps(body)
