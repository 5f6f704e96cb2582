"""Signing in and managing accounts."""
import eventlet

from services.gateway import accounts, audit, tokens
from services.gateway.schemas import TokenRequestSchema, TokenView, UserView, page_of
from services.gateway.http import api, client_address, json_body, page_limit
from shared.db import utcnow
from shared.errors import Locked, NotAuthenticated
from shared.paging import decode_cursor, page
from shared.vocabulary import ROLES

ANYONE_SIGNED_IN = ROLES


class AccountRoutes:
    @api("POST", "/api/auth/token", request=TokenRequestSchema, response=TokenView)
    def issue_token(self, request):
        body = json_body(request)
        username = body.get("username") if isinstance(body.get("username"), str) else ""
        key = accounts.throttle_key(username, client_address(request))
        with self.uow:
            throttle = accounts.SignInThrottle(self.uow.session)
            now = utcnow()
            if throttle.locked_until(key, now):
                raise Locked("Too many wrong passwords: this account is locked for a while "
                             "from where you are. Try again later or ask an administrator.")
            eventlet.sleep(throttle.delay_seconds(key))
            user = accounts.authenticate(self.uow.session, username, body.get("password"))
            if user is None:
                throttle.failed(key, now)
            else:
                throttle.succeeded(key)
        if user is None:
            raise NotAuthenticated("Wrong username or password.")
        ttl = self.config["TOKEN_TTL_SECONDS"]
        token = tokens.issue(user, self.config["SECRET_KEY"], ttl)
        return {"access_token": token, "token_type": "bearer", "expires_in": ttl}

    @api("GET", "/api/me", roles=ANYONE_SIGNED_IN, response=UserView)
    def me(self, request):
        with self.uow:
            user = accounts.find_user(self.uow.session, request.principal["username"])
        if user is None:
            raise NotAuthenticated("This account no longer exists.")
        return accounts.public_view(user)

    @api("POST", "/api/users", roles=("admin",), request=accounts.NewUserSchema,
         response=UserView, status=201)
    def add_user(self, request):
        payload = json_body(request)
        known_wards = [w["code"] for w in self.referrals.list_wards()]
        with self.uow:
            user = accounts.open_account(self.uow, payload, known_wards, request.principal,
                                         correlation_id=request.correlation_id,
                                         stated=audit.stated_purpose(request))
        return 201, user

    @api("GET", "/api/users", roles=("admin",), response=page_of(UserView))
    def list_users(self, request):
        limit = page_limit(request)
        after = decode_cursor(request.args.get("cursor"), 1, ("text",))
        with self.uow:
            users = accounts.list_users(self.uow.session, limit + 1, after[0] if after else None)
        return page(users, limit, lambda user: (user["username"],))
