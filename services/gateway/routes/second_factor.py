"""A person's second factor (TOTP): setting it up, confirming it, removing it; an
administrator's reset of someone's second factor or password; choosing a new password
(after a one-time one). The rules are in second_factors.py and sign_in.py."""
import json

from werkzeug.wrappers import Response

from services.gateway import accounts, audit, second_factors, sessions
from services.gateway.http import api, json_body
from services.gateway.schemas import (CodeSchema, ConfirmedView, EnrolmentView,
                                      OneTimePasswordSchema, ResetView, SecondFactorView,
                                      TokenView)
from services.gateway.sign_in import ENROLMENT_SCOPE, PasswordChangeSchema
from shared.db import utcnow
from shared.errors import load_or_refuse
from shared.vocabulary import ROLES


class SecondFactorRoutes:
    def _required_roles(self):
        return second_factors.required_roles(self.config)

    @api("GET", "/api/me/second-factor", roles=ROLES, enrolment=True,
         response=SecondFactorView)
    def second_factor_status(self, request):
        principal = request.principal
        with self.uow:
            return second_factors.status(self.uow.session, principal["username"],
                                         self._required_roles(), principal["role"])

    @api("POST", "/api/me/second-factor", roles=ROLES, enrolment=True,
         response=EnrolmentView)
    def start_second_factor(self, request):
        """A new secret, as an otpauth:// URI and its QR code: shown now, never again
        once confirmed."""
        with self.uow:
            return second_factors.start_enrolment(self.uow.session,
                                                  request.principal["username"],
                                                  self.config["TOTP_KEY"])

    @api("POST", "/api/me/second-factor/confirm", roles=ROLES, enrolment=True,
         request=CodeSchema, response=ConfirmedView)
    def confirm_second_factor(self, request):
        """The first code confirms the set-up: the recovery codes, shown once. Signed in
        with an enrolment token, the answer carries the full token it was waiting for
        (and the refresh cookie), and the enrolment session ends."""
        code = load_or_refuse(CodeSchema, json_body(request), "The code is missing.")["code"]
        principal = request.principal
        with self.uow:
            session = self.uow.session
            codes = second_factors.confirm_enrolment(
                session, principal, code, self.config["TOTP_KEY"],
                correlation_id=request.correlation_id)
            if principal["scope"] == ENROLMENT_SCOPE:
                sessions.revoke(session, principal["session_id"], principal["username"])
                user = accounts.find_user(session, principal["username"])
                session_id, refresh_token = sessions.open_session(
                    session, user, self.config["SESSION_TTL_SECONDS"], utcnow())
        if principal["scope"] != ENROLMENT_SCOPE:
            return {"recovery_codes": codes}
        answer = self._token_answer(user, session_id, refresh_token)
        return self._with_recovery_codes(answer, codes)

    @staticmethod
    def _with_recovery_codes(answer, codes):
        body = json.loads(answer.get_data())
        answer.set_data(json.dumps({"recovery_codes": codes, **body}))
        return answer

    @api("POST", "/api/me/second-factor/remove", roles=ROLES, request=CodeSchema, status=204)
    def remove_second_factor(self, request):
        """Remove one's own second factor, with a current code; not for a role that
        requires one (an administrator resets it instead)."""
        code = load_or_refuse(CodeSchema, json_body(request), "The code is missing.")["code"]
        with self.uow:
            second_factors.remove(self.uow.session, request.principal, code,
                                  self.config["TOTP_KEY"], self._required_roles(),
                                  correlation_id=request.correlation_id)
        return Response(status=204)

    @api("POST", "/api/users/<string:username>/second-factor/reset", roles=("admin",),
         response=ResetView)
    def reset_second_factor(self, request, username):
        """A lost phone: the account's second factor and recovery codes are removed and
        its tokens refused; a role that requires one sets it up again at sign-in."""
        with self.uow:
            return second_factors.reset(self.uow.session, username, request.principal,
                                        correlation_id=request.correlation_id,
                                        stated=audit.stated_purpose(request))

    @api("POST", "/api/users/<string:username>/password-reset", roles=("admin",),
         request=OneTimePasswordSchema, status=204)
    def reset_password(self, request, username):
        """Give the account a one-time password (tell it to its person another way): its
        tokens are refused, and its next sign-in must choose a new password."""
        password = json_body(request).get("password")
        with self.uow:
            accounts.set_password(self.uow, username, password, request.principal,
                                  correlation_id=request.correlation_id, one_time=True,
                                  stated=audit.stated_purpose(request))
        return Response(status=204)

    @api("POST", "/api/auth/password", request=PasswordChangeSchema, response=TokenView)
    def change_password(self, request):
        """Choose a new password with the current (or one-time) one, and the code when
        the account has a second factor: signs in, as POST /api/auth/token does."""
        body = load_or_refuse(PasswordChangeSchema, json_body(request),
                              "The password change has invalid fields.")
        return self._signed_in(request, body, then=lambda session, user: (
            accounts.choose_password(session, user, body["new_password"],
                                     correlation_id=request.correlation_id)))
