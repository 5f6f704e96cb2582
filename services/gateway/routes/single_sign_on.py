"""Single sign-on through the partnership's OpenID Connect provider (Entra ID or another):
the sign-in page asks whether it is on, sends the person to `start`, and the provider sends
them back to `callback`, which signs them in as a password would (the refresh cookie) and
returns them to the page they asked for. The page then takes its access token from
`POST /api/auth/refresh`. Every refusal goes back to the sign-in page with its message."""
from urllib.parse import quote

import structlog
from werkzeug.utils import redirect

from services.gateway import sessions, single_sign_on
from services.gateway.http import ActingFor, api
from services.gateway.routes.accounts import set_refresh_cookie
from services.gateway.schemas import (SingleSignOnCallbackQuery, SingleSignOnStartQuery,
                                     SingleSignOnView)
from shared.caller import system_caller
from shared.extensions import BuiltFromConfig
from shared.db import utcnow
from shared.errors import NotFound, WardlineError

log = structlog.get_logger(__name__)

BROWSER_COOKIE = "wardline_sso"
BROWSER_PATH = "/api/auth/oidc"  # sent back with the provider's (cross-site) redirect:
# SameSite=Lax, as the Strict refresh cookie would not be


class SingleSignOnRoutes:
    sso = BuiltFromConfig(single_sign_on.SingleSignOn.from_config)
    act_for = ActingFor()

    @api("GET", "/api/auth/oidc", response=SingleSignOnView)
    def single_sign_on(self, request):
        """Whether people may sign in through their organisation's identity provider, and
        where the sign-in page sends them to (`start`)."""
        return {"enabled": self.sso is not None, "start": "/api/auth/oidc/start"}

    @api("GET", "/api/auth/oidc/start", query=SingleSignOnStartQuery, status=302)
    def start_single_sign_on(self, request):
        """Send the person to the identity provider to sign in (a 302), with PKCE (S256),
        a nonce and a state kept here for ten minutes, used once, bound to this browser
        by a cookie; `next`: the page address (`#/...`) to land on afterwards."""
        address = single_sign_on.page_address(request.args.get("next"))
        try:
            self._single_sign_on_is_on()
            self.sso.provider.metadata()  # a provider that is down: nothing kept for it
            with self.uow:
                state, nonce, verifier, browser = single_sign_on.begin(
                    self.uow.session, address)
            response = redirect(self.sso.provider.authorization_url(state, nonce, verifier))
        except WardlineError as refusal:
            return _sign_in_page(address, refusal)
        response.set_cookie(BROWSER_COOKIE, browser, path=BROWSER_PATH, secure=True,
                            httponly=True, samesite="Lax",
                            max_age=single_sign_on.PENDING_SECONDS)
        response.headers["Cache-Control"] = "no-store"
        return response

    @api("GET", "/api/auth/oidc/callback",
         query=SingleSignOnCallbackQuery, status=302)
    def finish_single_sign_on(self, request):
        """Where the identity provider sends the person back: the code exchanged for an ID
        token, checked (signature against the provider's keys, issuer, audience, expiry,
        nonce), the person matched to their account, and a session opened as a password
        sign-in does (the refresh cookie). A 302 to the page asked for, or to the sign-in
        page with the reason it was refused; nothing is stored for a refused one."""
        address = "#/"
        try:
            self._single_sign_on_is_on()
            with self.uow:
                pending = single_sign_on.take(self.uow.session, request.args.get("state"),
                                              request.cookies.get(BROWSER_COOKIE))
            address = pending["next_address"]
            if request.args.get("error"):
                raise single_sign_on.SingleSignOnRefused(
                    "Your organisation's sign-in did not sign you in "
                    f"({request.args['error'][:60]}).")
            claims = self.sso.provider.signed_in_claims(
                request.args.get("code", ""), pending["code_verifier"], pending["nonce"])
            response = self._signed_in_through_provider(claims, address)
        except WardlineError as refusal:
            response = _sign_in_page(address, refusal)
        response.delete_cookie(BROWSER_COOKIE, path=BROWSER_PATH, secure=True,
                               httponly=True, samesite="Lax")
        return response

    def _single_sign_on_is_on(self):
        if self.sso is None:
            raise NotFound("Single sign-on is not set up here: sign in with your password.")

    def _signed_in_through_provider(self, claims, address):
        """The account `claims` stand for, signed in (a session and its refresh cookie,
        as `_token_answer` sets them), and the redirect to `address`."""
        sso = self.sso
        with self.uow:
            user = single_sign_on.account_for(
                self.uow, claims, sso.provider.issuer, sso.mapping.placement_for(claims),
                sso.create_accounts, self._ward_register)
            session_id, refresh_token = sessions.open_session(
                self.uow.session, user, self.config["SESSION_TTL_SECONDS"], utcnow())
        response = redirect("/?single_sign_on=1" + address)  # the page renews its token
        set_refresh_cookie(response, refresh_token, self.config["SESSION_TTL_SECONDS"])
        response.headers["Cache-Control"] = "no-store"
        return response


    def _ward_register(self):
        """The ward codes a new account's wards are checked against, asked of referrals
        by the gateway itself: the person has no account, so no one to sign as yet."""
        self.act_for(system_caller("gateway.single_sign_on"))
        return [ward["code"] for ward in self.referrals.list_wards()]


def _sign_in_page(address, refusal):
    """Back to the sign-in page, which shows why (`sign_in_error`), then the page asked
    for once signed in. Logged with its reason (our own words, no one's claims), so an
    operator can see why people are refused (a mapping without their group, say)."""
    (log.warning if refusal.status >= 500 else log.info)(
        "single_sign_on.refused", code=refusal.code, reason=refusal.message)
    response = redirect(f"/?sign_in_error={quote(refusal.message)}{address}")
    response.headers["Cache-Control"] = "no-store"
    return response
