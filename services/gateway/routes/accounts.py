"""Signing in and managing accounts."""
from werkzeug.wrappers import Response

from services.gateway import accounts, audit, second_factors, sessions, sign_in, tokens
from services.gateway.schemas import (AccountView, TokenRequestSchema, TokenView, UserView,
                                     page_of)
from services.gateway.http import api, client_address, json_body, json_response, page_limit
from shared.db import utcnow
from shared.errors import NotAuthenticated, NotFound
from shared.paging import decode_cursor, page
from shared.vocabulary import ROLES

ANYONE_SIGNED_IN = ROLES
REFRESH_COOKIE = "wardline_refresh"
REFRESH_PATH = "/api/auth"  # sent only to refresh and logout


def set_refresh_cookie(response, refresh_token, ttl_seconds):
    """`response` with the session's refresh token in its cookie: HttpOnly, Secure,
    SameSite=Strict, sent to /api/auth only (a password or a single sign-on alike)."""
    response.set_cookie(REFRESH_COOKIE, refresh_token, path=REFRESH_PATH, max_age=ttl_seconds,
                        secure=True, httponly=True, samesite="Strict")
    return response


class AccountRoutes:
    @api("POST", "/api/auth/token", request=TokenRequestSchema, response=TokenView)
    def issue_token(self, request):
        """Sign in with the password, and the code (`code`) when the account has a second
        factor. 401 with a code saying what more is needed: `second_factor_required`,
        `password_change_required` (POST /api/auth/password), or
        `second_factor_enrolment_required` (its `enrolment_token` sets one up)."""
        return self._signed_in(request, json_body(request))

    def _signed_in(self, request, credentials, then=None):
        """The sign-in story (sign_in.py) for `credentials`, then `then(session, user)`
        (a password change) in the same transaction: the token's answer, or the refusal
        raised once what the throttle counted is committed."""
        username = credentials.get("username")
        key = accounts.throttle_key(username if isinstance(username, str) else "",
                                    client_address(request))
        required = second_factors.required_roles(self.config)
        with self.uow:
            now = utcnow()
            outcome = sign_in.attempt(self.uow.session, credentials, key, self.config, now,
                                      changing_password=then is not None)
            if outcome.user is not None:
                user = then(self.uow.session, outcome.user) if then else outcome.user
                enrolling = sign_in.must_enrol(self.uow.session, user, required)
                session_id, refresh_token = sessions.open_session(
                    self.uow.session, user, sign_in.ENROLMENT_TTL_SECONDS if enrolling
                    else self.config["SESSION_TTL_SECONDS"], now)
        if outcome.refusal is not None:
            raise outcome.refusal
        if enrolling:
            raise sign_in.EnrolmentRequired(
                f"The {user['role']} role signs in with a second factor: set one up now.",
                tokens.issue(user, self.config["SECRET_KEY"], sign_in.ENROLMENT_TTL_SECONDS,
                             session_id=session_id, scope=sign_in.ENROLMENT_SCOPE),
                sign_in.ENROLMENT_TTL_SECONDS)
        return self._token_answer(user, session_id, refresh_token)

    @api("POST", "/api/auth/refresh", response=TokenView)
    def refresh_token(self, request):
        """A new access token for the session whose refresh token the `wardline_refresh`
        cookie holds (set at sign-in: HttpOnly, Secure, SameSite=Strict), and the next
        refresh token in its place. Each is good once: one presented again signs the
        session out."""
        with self.uow:
            renewed = sessions.renew(self.uow.session, request.cookies.get(REFRESH_COOKIE))
        if renewed is None:
            raise NotAuthenticated("This refresh token was already used, so the session has "
                                   "been signed out: sign in again.")
        user, refresh_token = renewed
        return self._token_answer(user, user["session_id"], refresh_token)

    @api("POST", "/api/auth/logout", roles=ANYONE_SIGNED_IN, status=204, enrolment=True)
    def logout(self, request):
        """Sign out: the token's session is refused from the next request on, and its
        refresh token with it."""
        with self.uow:
            sessions.revoke(self.uow.session, request.principal["session_id"],
                            request.principal["username"])
        response = Response(status=204)
        response.delete_cookie(REFRESH_COOKIE, path=REFRESH_PATH, secure=True, httponly=True,
                               samesite="Strict")
        return response

    def _token_answer(self, user, session_id, refresh_token):
        """The access token's answer, with the refresh token in its cookie."""
        ttl = self.config["TOKEN_TTL_SECONDS"]
        token = tokens.issue(user, self.config["SECRET_KEY"], ttl, session_id=session_id)
        response = json_response(200, {"access_token": token, "token_type": "bearer",
                                       "expires_in": ttl})
        response.headers["Cache-Control"] = "no-store"
        return set_refresh_cookie(response, refresh_token, self.config["SESSION_TTL_SECONDS"])

    @api("GET", "/api/me", roles=ANYONE_SIGNED_IN, response=UserView, enrolment=True)
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

    @api("PATCH", "/api/users/<string:username>", roles=("admin",),
         request=accounts.AccountChangeSchema, response=UserView)
    def change_user(self, request, username):
        """Disable or enable an account, or change its role, agency, wards, name or email:
        audited, announced as `user.saved`, and nothing stored if any field is wrong."""
        payload = json_body(request)
        known_wards = ([w["code"] for w in self.referrals.list_wards()]
                       if "wards" in payload else [])
        with self.uow:
            return accounts.change_account(self.uow, username, payload, known_wards,
                                           request.principal,
                                           correlation_id=request.correlation_id,
                                           stated=audit.stated_purpose(request))

    @api("GET", "/api/users/<string:username>", roles=("admin",), response=AccountView)
    def get_user(self, request, username):
        """One account, for the admin's account page: as listed, with whether it signs in
        with a second factor and whether its role requires one."""
        with self.uow:
            user = accounts.find_user(self.uow.session, username)
            if user is None:
                raise NotFound("No such account.", {"username": [username]})
            status = second_factors.status(
                self.uow.session, username,
                second_factors.required_roles(self.config), user["role"])
        return {**accounts.public_view(user),
                "second_factor": {"enrolled": status["enrolled"],
                                  "required": status["required"]}}

    @api("GET", "/api/users", roles=("admin",), response=page_of(UserView))
    def list_users(self, request):
        limit = page_limit(request)
        after = decode_cursor(request.args.get("cursor"), 1, ("text",))
        with self.uow:
            users = accounts.list_users(self.uow.session, limit + 1, after[0] if after else None)
        return page(users, limit, lambda user: (user["username"],))
