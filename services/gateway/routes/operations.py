"""Health: `/health` for operators (every service and dependency, over RPC), `/readyz`
for an orchestrator's readiness probe (this gateway's own database and broker only, so one
service's outage does not take every gateway out of rotation), `/livez` for liveness."""
import eventlet

from services.gateway.http import api
from services.gateway.schemas import HealthView
from shared.health import check, own_checks

CHECKED_SERVICES = ("referrals", "tasking", "notifications", "casereview")


def _health_of(service):
    """A probe that asks one service over RPC and waits for its answer. The call is made
    inside the probe: an RPC to a service with no queue yet raises at once."""
    return lambda: service.health.call_async().result()


def _verdict(checks):
    healthy = all(state == "ok" for state in checks.values())
    return (200 if healthy else 503), {"status": "ok" if healthy else "degraded",
                                       "checks": checks}


class OperationsRoutes:
    @api("GET", "/health", response=HealthView)
    def health(self, request):
        # Everything asked at once: a degraded system answers within one check's
        # timeout, not one per dependency.
        probes = {"database": self.uow.ping, **{
            name: _health_of(getattr(self, name)) for name in CHECKED_SERVICES}}
        checks = dict(eventlet.GreenPool(len(probes)).imap(
            lambda item: (item[0], check(item[1])), probes.items()))
        return _verdict(checks)

    @api("GET", "/readyz", response=HealthView)
    def readyz(self, request):
        return _verdict(own_checks(self))

    @api("GET", "/livez", response="application/json")
    def livez(self, request):
        return {"status": "alive"}
