"""The gateway: the HTTP API people and programs use. It authenticates, checks roles,
and composes answers from the services that own the data (over RPC, never their tables)."""
import eventlet
from nameko.dependency_providers import Config
from nameko.rpc import RpcProxy

from services.gateway import accounts, tokens
from services.gateway.http import actor, api, json_body
from services.gateway.orm import metadata
from shared.dependencies import Database, LoggingContext
from shared.errors import InvalidContent, NotAuthenticated

ANYONE_SIGNED_IN = accounts.ROLES
CASE_ROLES = ("partner", "coordinator", "sergeant", "pcso", "analyst", "reviewer")
REFERRING_ROLES = ("partner", "coordinator", "sergeant", "pcso")
HEALTH_TIMEOUT_SECONDS = 2


class GatewayService:
    name = "gateway"

    uow = Database(metadata)
    logging_context = LoggingContext()
    config = Config()
    referrals = RpcProxy("referrals")
    tasking = RpcProxy("tasking")
    notifications = RpcProxy("notifications")

    @api("POST", "/api/auth/token")
    def issue_token(self, request):
        body = json_body(request)
        with self.uow:
            user = accounts.authenticate(self.uow.session, body.get("username"),
                                         body.get("password"))
        if user is None:
            raise NotAuthenticated("Wrong username or password.")
        ttl = self.config["TOKEN_TTL_SECONDS"]
        token = tokens.issue(user, self.config["SECRET_KEY"], ttl)
        return {"access_token": token, "token_type": "bearer", "expires_in": ttl}

    @api("GET", "/api/me", roles=ANYONE_SIGNED_IN)
    def me(self, request):
        with self.uow:
            user = accounts.find_user(self.uow.session, request.principal["username"])
        if user is None:
            raise NotAuthenticated("This account no longer exists.")
        return accounts.public_view(user)

    @api("GET", "/api/wards", roles=ANYONE_SIGNED_IN)
    def wards(self, request):
        return {"items": self.referrals.list_wards()}

    @api("POST", "/api/users", roles=("admin",))
    def add_user(self, request):
        payload = json_body(request)
        known_wards = [w["code"] for w in self.referrals.list_wards()]
        with self.uow:
            user = accounts.add_user(self.uow.session, payload, known_wards)
        return 201, user

    @api("GET", "/api/users", roles=("admin",))
    def list_users(self, request):
        limit = _limit(request)
        with self.uow:
            users = accounts.list_users(self.uow.session, limit + 1,
                                        request.args.get("cursor"))
        more = len(users) > limit
        return {"items": users[:limit],
                "next_cursor": users[limit - 1]["username"] if more else None}

    @api("POST", "/api/referrals", roles=REFERRING_ROLES)
    def submit_referral(self, request):
        payload = json_body(request)
        return 201, self.referrals.submit_referral(payload, actor(request.principal))

    @api("GET", "/api/referrals/<string:referral_id>", roles=CASE_ROLES)
    def get_referral(self, request, referral_id):
        referral = self.referrals.get_referral(referral_id, actor(request.principal))
        referral["tasking_items"] = self.tasking.list_tasking_items(
            source_type="referral", source_id=referral_id)
        referral["feedback"] = self.notifications.feedback_for("referral", referral_id)
        return referral

    @api("GET", "/health")
    def health(self, request):
        checks = {"database": _check(self.uow.ping)}
        for name in ("referrals", "tasking", "notifications"):
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


def _limit(request, default=50, maximum=200):
    raw = request.args.get("limit", str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise InvalidContent("Bad paging.", {"limit": [f"A whole number from 1 to {maximum}."]})
    return int(raw)
