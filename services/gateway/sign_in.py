"""The sign-in story (`POST /api/auth/token` and `POST /api/auth/password`): the throttle,
the password, a one-time password that must be changed first, the second factor, and a
role that must enrol one before it is given a full token.

`attempt` never raises a refusal: it returns it, so that the route raises it after the
unit of work has committed what the throttle counted (a raise inside would roll back the
count, and a guesser would never be slowed)."""
from dataclasses import dataclass

import eventlet
from marshmallow import Schema, fields, validate

from services.gateway import accounts, second_factors
from shared.errors import Locked, NotAuthenticated, WardlineError

ENROLMENT_SCOPE = "enrol_second_factor"
ENROLMENT_TTL_SECONDS = 600


class PasswordChangeRequired(NotAuthenticated):
    """The password is a one-time one set by an administrator: choose a new one."""
    code = "password_change_required"


class EnrolmentRequired(NotAuthenticated):
    """The role must sign in with a second factor and the account has none yet: the
    answer carries a token good only to enrol one (and for ENROLMENT_TTL_SECONDS)."""
    code = "second_factor_enrolment_required"

    def __init__(self, message, enrolment_token, expires_in):
        super().__init__(message, {"code": ["set up a second factor first"]})
        self.enrolment_token, self.expires_in = enrolment_token, expires_in

    def as_json(self):
        body = super().as_json()
        body["error"].update(enrolment_token=self.enrolment_token,
                             expires_in=self.expires_in)
        return body


class PasswordChangeSchema(Schema):
    """`POST /api/auth/password`: the current (or one-time) password, the code when the
    account has a second factor, and the new password."""
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    code = fields.String(load_default=None, load_only=True)
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(
        min=12, max=200, error="Must be 12 to 200 characters."))


@dataclass
class Outcome:
    user: dict = None
    refusal: WardlineError = None


def attempt(session, credentials, key, config, now, changing_password=False):
    """Check `credentials` ({username, password, code?}) for the throttle key `key`: the
    account, or the refusal to raise once the throttle's count is committed. A wrong
    password, code or replayed code counts; a right password asked for more does not."""
    throttle = accounts.SignInThrottle(session)
    if throttle.locked_until(key, now):
        return Outcome(refusal=Locked(
            "Too many wrong passwords or codes: this account is locked for a while from "
            "where you are. Try again later or ask an administrator."))
    eventlet.sleep(throttle.delay_seconds(key))
    username = credentials.get("username")
    user = accounts.authenticate(session, username if isinstance(username, str) else "",
                                 credentials.get("password"))
    if user is None:
        throttle.failed(key, now)
        return Outcome(refusal=NotAuthenticated("Wrong username or password."))
    if user["password_must_change"] and not changing_password:
        return Outcome(refusal=PasswordChangeRequired(
            "This password was set by an administrator for one sign-in: choose a new one "
            "(POST /api/auth/password).", {"new_password": ["required"]}))
    if second_factors.enrolled(session, user["username"]):
        try:
            second_factors.check(session, user, credentials.get("code"),
                                 config["TOTP_KEY"], now)
        except second_factors.SecondFactorRequired as refusal:
            return Outcome(refusal=refusal)
        except (second_factors.WrongSecondFactor,
                second_factors.ReplayedSecondFactor) as refusal:
            throttle.failed(key, now)
            return Outcome(refusal=refusal)
    throttle.succeeded(key)
    return Outcome(user=user)


def must_enrol(session, user, required_roles):
    """Whether `user` may be given only an enrolment token: their role requires a second
    factor and they have none."""
    return user["role"] in required_roles and not second_factors.enrolled(
        session, user["username"])
