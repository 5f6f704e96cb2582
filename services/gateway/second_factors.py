"""Each account's TOTP second factor: enrolling (a secret kept encrypted, confirmed with a
first code, ten recovery codes shown once), checking it at sign-in (each code and each
recovery code good once), removing it, and an administrator's reset. Every change is on
the audit trail. The rules of codes are in totp.py."""
import base64
import hashlib

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken

from services.gateway import audit, totp
from services.gateway.orm import recovery_codes, second_factors, users
from shared.config import mfa_required_roles
from shared.db import utcnow
from shared.errors import Conflict, InvalidContent, NotAuthenticated, NotFound


class SecondFactorRequired(NotAuthenticated):
    """The password was right; the account has a second factor and no code was sent."""
    code = "second_factor_required"


class WrongSecondFactor(NotAuthenticated):
    """The code (or recovery code) is not right: counted by the sign-in throttle."""
    code = "second_factor_wrong"


class ReplayedSecondFactor(NotAuthenticated):
    """A right code whose time-step was already used: counted by the throttle too."""
    code = "second_factor_replayed"


def _cipher(key):
    """Fernet under a key derived from WARDLINE_TOTP_KEY (Fernet wants 32 bytes, b64)."""
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def _row(session, username, lock=False):
    query = sa.select(second_factors).where(second_factors.c.username == username)
    row = session.execute(query.with_for_update() if lock else query).first()
    return row._asdict() if row else None


def _account(session, username):
    row = session.execute(sa.select(users).where(users.c.username == username)).first()
    if row is None:
        raise NotFound("No such account.", {"username": [username]})
    return row._asdict()


def enrolled(session, username):
    """Whether the account signs in with a second factor (a confirmed enrolment)."""
    row = _row(session, username)
    return bool(row and row["confirmed_at"])


def required_roles(config):
    """The roles that must sign in with a second factor: the service's config, or the
    environment's `WARDLINE_MFA_REQUIRED_ROLES` where a config leaves it out (a unit
    test's container)."""
    return config.get("MFA_REQUIRED_ROLES", mfa_required_roles())


def status(session, username, required_roles, role):
    """What the page shows: enrolled or not, required of the role or not, and how many
    recovery codes are left."""
    left = session.execute(sa.select(sa.func.count()).select_from(recovery_codes).where(
        recovery_codes.c.username == username, recovery_codes.c.used_at.is_(None))
    ).scalar_one()
    has_one = enrolled(session, username)
    return {"enrolled": has_one, "required": role in required_roles,
            "recovery_codes_left": left if has_one else 0}


def start_enrolment(session, username, key, now=None):
    """A new secret for `username` (replacing an unconfirmed one): the otpauth:// URI and
    its QR code, answered now and never again once confirmed. 409 when already enrolled:
    remove it first, so that a stolen session cannot quietly swap the phone."""
    if enrolled(session, username):
        raise Conflict("A second factor is already set up for this account: remove it "
                       "first to set up another.", {"second_factor": ["already enrolled"]})
    secret = totp.new_secret()
    session.execute(second_factors.delete().where(second_factors.c.username == username))
    session.execute(second_factors.insert().values(
        username=username, secret_encrypted=_cipher(key).encrypt(secret.encode()).decode(),
        created_at=now or utcnow()))
    uri = totp.provisioning_uri(secret, username)
    return {"otpauth_uri": uri, "qr_svg": totp.qr_svg(uri)}


def confirm_enrolment(session, principal, code, key, now=None, correlation_id=None):
    """The first code proves the phone holds the secret: the second factor counts from
    now on, and ten recovery codes are made. Answers the recovery codes (shown once; only
    their hashes are kept). The code's step is spent, so it cannot also sign in."""
    username = principal["username"]
    row = _row(session, username, lock=True)
    if row is None or row["confirmed_at"]:
        raise Conflict("There is no enrolment to confirm: start one first.",
                       {"second_factor": ["not started" if row is None else
                                          "already enrolled"]})
    try:
        step = totp.accepted_step(_secret(row, key), code, None, now)
    except totp.WrongCode:
        raise InvalidContent("The code is not right: type the 6 digits your "
                             "authenticator app shows now.", {"code": ["wrong code"]}) from None
    session.execute(second_factors.update().where(second_factors.c.username == username)
                    .values(confirmed_at=now or utcnow(), last_step=step))
    codes = _new_recovery_codes(session, username)
    audit.record(session, principal, "alteration", "user_account",
                 [_account(session, username)["id"]],
                 "Enrolling a second factor (TOTP) for one's own account",
                 correlation_id=correlation_id)
    return codes


def _new_recovery_codes(session, username):
    session.execute(recovery_codes.delete().where(recovery_codes.c.username == username))
    codes = totp.new_recovery_codes()
    session.execute(recovery_codes.insert(), [
        {"username": username, "code_hash": totp.recovery_hash(code)} for code in codes])
    return codes


def _secret(row, key):
    try:
        return _cipher(key).decrypt(row["secret_encrypted"].encode()).decode()
    except InvalidToken:  # WARDLINE_TOTP_KEY changed: the secret is lost to us
        raise Conflict("This account's second factor cannot be read (the server's key "
                       "changed): ask an administrator to reset it.") from None


def check(session, user, code, key, now=None):
    """At sign-in, for an account with a second factor: 'totp' or 'recovery_code' (which
    was used, now spent), or SecondFactorRequired (no code), WrongSecondFactor,
    ReplayedSecondFactor. The row is locked, so that one code sent twice at once signs
    in once."""
    row = _row(session, user["username"], lock=True)
    if code is None or totp.normalised(code) == "":
        raise SecondFactorRequired(
            "Enter the 6-digit code from your authenticator app, or a recovery code.",
            {"code": ["required for this account"]})
    if totp.looks_like_recovery_code(code):
        return _spend_recovery_code(session, user, code, now)
    try:
        step = totp.accepted_step(_secret(row, key), code, row["last_step"], now)
    except totp.ReplayedCode:
        raise ReplayedSecondFactor("That code was already used: wait for the next one "
                                   "your app shows.", {"code": ["already used"]}) from None
    except totp.WrongCode:
        raise WrongSecondFactor("The code is not right: type the 6 digits your "
                                "authenticator app shows now.", {"code": ["wrong code"]}) from None
    session.execute(second_factors.update()
                    .where(second_factors.c.username == user["username"])
                    .values(last_step=step))
    return "totp"


def _spend_recovery_code(session, user, code, now):
    spent = session.execute(recovery_codes.update().where(
        recovery_codes.c.username == user["username"],
        recovery_codes.c.code_hash == totp.recovery_hash(code),
        recovery_codes.c.used_at.is_(None)).values(used_at=now or utcnow()))
    if spent.rowcount != 1:
        raise WrongSecondFactor("That recovery code is not right, or was already used.",
                                {"code": ["wrong or used recovery code"]})
    audit.record(session, user, "alteration", "user_account", [user["id"]],
                 "Signing in with a recovery code (each is good once)")
    return "recovery_code"


def remove(session, principal, code, key, required_roles, now=None, correlation_id=None):
    """The person removes their own second factor, proving it with a current code. A
    role that requires one cannot: an administrator resets it instead."""
    if principal["role"] in required_roles:
        raise Conflict(f"The {principal['role']} role must sign in with a second factor: "
                       "an administrator can reset it.", {"second_factor": ["required"]})
    user = _account(session, principal["username"])
    if not enrolled(session, user["username"]):
        raise Conflict("There is no second factor to remove.",
                       {"second_factor": ["not enrolled"]})
    try:
        check(session, user, code, key, now)
    except NotAuthenticated as refused:  # the person is signed in: the code is content
        raise InvalidContent(refused.message, refused.fields) from None
    _delete(session, user["username"])
    audit.record(session, principal, "alteration", "user_account", [user["id"]],
                 "Removing the second factor of one's own account",
                 correlation_id=correlation_id)


def reset(session, username, principal, correlation_id=None, stated=None):
    """An administrator takes away an account's second factor (a lost phone): its
    tokens are refused from now on (token_version raised), and a role that requires
    one enrols again at the next sign-in."""
    user = _account(session, username)
    had = enrolled(session, username)
    _delete(session, username)
    session.execute(users.update().where(users.c.id == user["id"])
                    .values(token_version=users.c.token_version + 1))
    audit.record(session, principal, "alteration", "user_account", [user["id"]],
                 "Resetting an account's second factor"
                 + ("" if had else " (it had none enrolled)")
                 + "; its tokens are refused from now on",
                 correlation_id=correlation_id, stated=stated)
    return {"username": username, "second_factor_removed": had}


def _delete(session, username):
    session.execute(second_factors.delete().where(second_factors.c.username == username))
    session.execute(recovery_codes.delete().where(recovery_codes.c.username == username))
