"""Health of every service and dependency."""
from services.gateway.http import api
from shared.health import check as _check

CHECKED_SERVICES = ("referrals", "tasking", "notifications", "casereview")


class OperationsRoutes:
    @api("GET", "/health")
    def health(self, request):
        checks = {"database": _check(self.uow.ping)}
        for name in CHECKED_SERVICES:
            # The call inside the check: an RPC to a service with no queue yet raises at once.
            checks[name] = _check(lambda: getattr(self, name).health.call_async().result())
        healthy = all(state == "ok" for state in checks.values())
        return (200 if healthy else 503), {"status": "ok" if healthy else "degraded",
                                           "checks": checks}

