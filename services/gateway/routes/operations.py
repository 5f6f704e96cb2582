"""Health: `/health` for operators (every service and dependency, over RPC), `/readyz`
for an orchestrator's readiness probe (this gateway's own database and broker only, so one
service's outage does not take every gateway out of rotation), `/livez` for liveness."""
import eventlet

from services.gateway.http import api
from services.gateway.apidoc import HealthView
from shared.health import check, own_checks

CHECKED_SERVICES = ("referrals", "tasking", "notifications", "casereview")


def _verdict(checks):
    healthy = all(state == "ok" for state in checks.values())
    return (200 if healthy else 503), {"status": "ok" if healthy else "degraded",
                                       "checks": checks}


class OperationsRoutes:
    @api("GET", "/health", response=HealthView)
    def health(self, request):
        checks = {"database": check(self.uow.ping)}
        # Every service asked at once: a degraded system answers within one check's
        # timeout, not one per service. The call is inside the check: an RPC to a service
        # with no queue yet raises at once.
        asked = eventlet.GreenPool(len(CHECKED_SERVICES)).imap(
            lambda name: (name, check(lambda: getattr(self, name).health.call_async()
                                      .result())), CHECKED_SERVICES)
        checks.update(asked)
        return _verdict(checks)

    @api("GET", "/readyz", response=HealthView)
    def readyz(self, request):
        return _verdict(own_checks(self))

    @api("GET", "/livez", response="application/json")
    def livez(self, request):
        return {"status": "alive"}
