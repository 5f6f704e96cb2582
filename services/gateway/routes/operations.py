"""Health of every service and dependency."""
import eventlet

from services.gateway.http import api

HEALTH_TIMEOUT_SECONDS = 2
CHECKED_SERVICES = ("referrals", "tasking", "notifications")


class OperationsRoutes:
    @api("GET", "/health")
    def health(self, request):
        checks = {"database": _check(self.uow.ping)}
        for name in CHECKED_SERVICES:
            checks[name] = _check(getattr(self, name).health.call_async().result)
        healthy = all(state == "ok" for state in checks.values())
        return (200 if healthy else 503), {"status": "ok" if healthy else "degraded",
                                           "checks": checks}


def _check(probe):
    try:
        with eventlet.Timeout(HEALTH_TIMEOUT_SECONDS):
            probe()
        return "ok"
    except eventlet.Timeout:
        return "timeout"
    except Exception as exc:  # the reason is what an operator needs to see
        return f"error: {type(exc).__name__}"
