"""User accounts: who may sign in, with which role, agency and wards.
Passwords are stored only as argon2 hashes."""
import functools
import hashlib
import uuid
from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from eventlet import tpool
from sqlalchemy.exc import IntegrityError
from argon2.exceptions import VerificationError
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.gateway import audit
from services.gateway.orm import login_attempts, users
from services.gateway.role_grants import CASE_READING, announce_case_reading_role
from shared.db import utcnow
from shared.errors import Conflict, InvalidContent, NotFound, load_or_refuse
from shared.vocabulary import AGENCIES, ROLES

ROLES_WITH_WARDS = ("panel", "sergeant", "pcso")

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash():
    """Verifying against this when the user does not exist takes as long as a real check,
    so response times do not reveal which usernames exist. Made at the first unknown name,
    not at import: an argon2 hash costs some 0.4 s of every gateway start."""
    return _hasher.hash("not-a-real-password")


class NewUserSchema(Schema):
    username = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z0-9][a-z0-9._-]{1,79}$",
        error="2-80 characters: lower-case letters, digits, '.', '_' or '-'."))
    password = fields.String(required=True, load_only=True, validate=validate.Length(
        min=12, max=200, error="Must be 12 to 200 characters."))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    agency = fields.String(load_default=None, validate=validate.OneOf(AGENCIES))
    wards = fields.List(fields.String(validate=validate.Length(max=60)), load_default=list)
    email = fields.Email(load_default=None)

    @validates_schema
    def _role_needs(self, data, **_):
        if data["role"] == "partner" and not data.get("agency"):
            raise ValidationError("A partner must belong to an agency.", "agency")
        if data["role"] in ROLES_WITH_WARDS and not data.get("wards"):
            raise ValidationError(f"A {data['role']} must serve at least one ward.", "wards")


class JsonBoolean(fields.Boolean):
    """JSON true or false, and nothing else: not "no", not 0 (which equals False)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class AccountChangeSchema(Schema):
    """`PATCH /api/users/{username}`: any of these, at least one; anything else (the
    username, a password, a field that does not exist) is refused by name."""
    active = JsonBoolean()
    role = fields.String(validate=validate.OneOf(ROLES))
    agency = fields.String(allow_none=True, validate=validate.OneOf(AGENCIES))
    wards = fields.List(fields.String(validate=validate.Length(max=60)))
    display_name = fields.String(validate=validate.Length(min=1, max=120))
    email = fields.Email(allow_none=True)

    @validates_schema
    def _something(self, data, **_):
        if not data:
            raise ValidationError("Name at least one of: " + ", ".join(CHANGEABLE) + ".",
                                  "_schema")


CHANGEABLE = ("active", "role", "agency", "wards", "display_name", "email")
REVOKING = ("active", "role")
"""Changes that refuse every token issued before them (token_version is raised): the
person must sign in again. Agency and wards are taken from the account on each request
(sessions.py), so their changes apply to existing tokens at once."""
POLICE_ROLES = ("coordinator", "sergeant", "pcso", "analyst")


def _needs_of_role(account):
    """What a role needs of the rest of the account, each bad field named."""
    if account["role"] == "partner" and not account.get("agency"):
        raise InvalidContent("The account has invalid fields.",
                             {"agency": ["A partner must belong to an agency."]})
    if account["role"] in ROLES_WITH_WARDS and not account.get("wards"):
        raise InvalidContent("The account has invalid fields.",
                             {"wards": [f"A {account['role']} must serve at least one ward."]})


def _known(wards, known_wards):
    unknown = sorted(set(wards) - set(known_wards))
    if unknown:
        raise InvalidContent("The account names unknown wards.",
                             {"wards": [f"Unknown ward codes: {', '.join(unknown)}."]})


def add_user(session, payload, known_wards):
    """Create an account; every bad field named, nothing stored if any is wrong."""
    user = load_or_refuse(NewUserSchema, payload, "The account has invalid fields.")
    _known(user["wards"], known_wards)
    if find_user(session, user["username"]):
        raise Conflict("That username is taken.", {"username": [user["username"]]})
    if user["role"] in POLICE_ROLES and not user["agency"]:
        user["agency"] = "police"
    row = {**user, "id": str(uuid.uuid4()), "created_at": utcnow(), "active": True,
           "token_version": 0,
           "password_hash": tpool.execute(_hasher.hash, user.pop("password"))}
    row.pop("password", None)
    session.execute(users.insert().values(**row))
    return public_view(row)


def open_account(uow, payload, known_wards, principal, correlation_id=None, stated=None):
    """The one way an account is added (`POST /api/users` and `wardline users add`): the
    account, the `user.saved` that tells the other services, and its audit entry commit
    together. A case-reading role is named as such: it opens the partnership's case data
    to a person, and the other admins are told (`user.case_reading_role_given`)."""
    user = add_user(uow.session, payload, known_wards)
    actor = {key: principal[key] for key in ("username", "role", "agency", "wards")
             if key in principal}
    announce(uow, user, actor)
    announce_case_reading_role(uow, user, None, actor)
    audit.record(uow.session, principal, "collection", "user_account", [user["id"]],
                 f"Adding an account with the {user['role']} role"
                 + (" (reads case data)" if user["role"] in CASE_READING else ""),
                 correlation_id=correlation_id, stated=stated)
    return user


def change_account(uow, username, payload, known_wards, principal, correlation_id=None,
                   stated=None):
    """`PATCH /api/users/{username}`: the changed account, its `user.saved` and its audit
    entry commit together, or (any field wrong) nothing is stored. A change of `active` or
    `role` raises the account's token_version, refusing every token issued before it. A
    case-reading role given is named on the trail and told to the other admins."""
    changes = load_or_refuse(AccountChangeSchema, payload, "The change has invalid fields.")
    session = uow.session
    row = session.execute(sa.select(users).where(users.c.username == username)
                          .with_for_update()).first()
    if row is None:
        raise NotFound("No such account.", {"username": [username]})
    user = row._asdict()
    merged = {**user, **changes}
    if "wards" in changes:
        _known(changes["wards"], known_wards)
    if merged["role"] in POLICE_ROLES and not merged.get("agency"):
        merged["agency"] = "police"
    _needs_of_role(merged)
    if username == principal["username"] and (merged["active"] is False
                                              or merged["role"] != "admin"):
        raise Conflict("You cannot disable your own account or take away your own admin "
                       "role: ask another administrator.",
                       {"active" if merged["active"] is False else "role": [username]})
    changed = sorted(key for key in CHANGEABLE if merged[key] != user[key])
    if not changed:
        return public_view(user)
    values = {key: merged[key] for key in changed}
    if any(key in REVOKING for key in changed):
        values["token_version"] = users.c.token_version + 1
    session.execute(users.update().where(users.c.id == user["id"]).values(**values))
    updated = find_user(session, username)
    actor = {key: principal[key] for key in ("username", "role", "agency", "wards")
             if key in principal}
    announce(uow, updated, actor)
    announce_case_reading_role(uow, updated, user["role"], actor)
    audit.record(session, principal, "alteration", "user_account", [user["id"]],
                 change_purpose(user, updated, changed),
                 correlation_id=correlation_id, stated=stated)
    return public_view(updated)


class NewPasswordSchema(Schema):
    password = fields.String(required=True, load_only=True, validate=validate.Length(
        min=12, max=200, error="Must be 12 to 200 characters."))


def set_password(uow, username, password, principal, correlation_id=None, one_time=False,
                 stated=None):
    """`wardline users set-password` and an administrator's reset: a new password (hashed
    as at creation) that refuses every token issued before it (token_version raised), with
    its audit row. `one_time`: good for one sign-in, which must choose a new password
    (POST /api/auth/password) before any token is issued."""
    new = load_or_refuse(NewPasswordSchema, {"password": password},
                         "The password is not acceptable.")
    user = find_user(uow.session, username)
    if user is None:
        raise NotFound("No such account.", {"username": [username]})
    uow.session.execute(users.update().where(users.c.id == user["id"]).values(
        password_hash=tpool.execute(_hasher.hash, new["password"]),
        password_must_change=one_time, token_version=users.c.token_version + 1))
    audit.record(uow.session, principal, "alteration", "user_account", [user["id"]],
                 ("Setting a one-time password, to be changed at the next sign-in"
                  if one_time else "Setting an account's password")
                 + " (its tokens are refused from now on)",
                 correlation_id=correlation_id, stated=stated)
    return public_view(user)


def choose_password(session, user, new_password, correlation_id=None):
    """The person chooses their own new password (POST /api/auth/password), having just
    proved the current or one-time one: it must differ from it. Their other sessions are
    signed out (token_version raised); the account as it is now is answered."""
    if _matches(user["password_hash"], new_password):
        raise InvalidContent("The new password must differ from the current one.",
                             {"new_password": ["the same as the current password"]})
    session.execute(users.update().where(users.c.id == user["id"]).values(
        password_hash=tpool.execute(_hasher.hash, new_password),
        password_must_change=False, token_version=users.c.token_version + 1))
    audit.record(session, user, "alteration", "user_account", [user["id"]],
                 "Choosing a new password for one's own account"
                 + (" (replacing a one-time password)" if user["password_must_change"]
                    else ""), correlation_id=correlation_id)
    return find_user(session, user["username"])


def _matches(password_hash, password):
    try:
        return tpool.execute(_hasher.verify, password_hash, password)
    except VerificationError:
        return False


def change_purpose(before, after, changed):
    """What the audit trail says of a change: the fields changed, a role given (and that
    it reads case data, as it opens the partnership's case data to a person), a
    disabling or re-enabling."""
    parts = [f"Changing an account's {', '.join(changed)}"]
    if "role" in changed:
        parts.append(f"giving it the {after['role']} role (was {before['role']})"
                     + (" (reads case data)" if after["role"] in CASE_READING else ""))
    if "active" in changed:
        parts.append("disabling it" if not after["active"] else "enabling it again")
    return "; ".join(parts)


def announce(uow, user, actor):
    """Tell other services about the account (it leaves with the transaction's commit)."""
    uow.publish("user.saved", 1, {
        **{key: user.get(key) for key in ("username", "display_name", "role", "agency",
                                          "email")},
        "wards": list(user.get("wards") or []),
        "active": bool(user.get("active", True))}, actor)


def find_user(session, username):
    row = session.execute(sa.select(users).where(users.c.username == username)).first()
    return row._asdict() if row else None


def _verify(password_hash, password):
    """Raises unless `password` is the hash's (no hash: an unknown user's, never right)."""
    _hasher.verify(password_hash or _dummy_hash(), password)


def authenticate(session, username, password):
    """The user if the password is right, else None (same cost either way)."""
    user = find_user(session, username) if isinstance(username, str) else None
    try:
        # argon2 is ~0.1 s of CPU by design: done in a real thread (argon2-cffi releases
        # the GIL) so that sign-ins do not stall every other request on the hub.
        # A missing or non-string password is just wrong (argon2 raises AttributeError
        # on it), checked at the same cost as any other.
        tpool.execute(_verify, user["password_hash"] if user else None,
                      password if isinstance(password, str) else "")
    except (VerificationError, TypeError):
        return None
    if not user.get("active", True):  # the same cost: a disabled account is told nothing
        return None
    return user


def list_users(session, limit=50, after=None):
    query = sa.select(users).order_by(users.c.username).limit(limit)
    if after:
        query = query.where(users.c.username > after)
    return [public_view(row._asdict()) for row in session.execute(query)]


def directory(session):
    """{username: {display_name, role, agency}} of every account: who is who, for a case
    review report to name staff by, or to replace them with their role when anonymised."""
    query = sa.select(users.c.username, users.c.display_name, users.c.role, users.c.agency)
    return {row.username: {"display_name": row.display_name, "role": row.role,
                           "agency": row.agency} for row in session.execute(query)}


def usernames_except(session, excluded):
    """Every account's username but those in `excluded`, in order."""
    query = sa.select(users.c.username).where(users.c.username.not_in(list(excluded)))
    return list(session.execute(query.order_by(users.c.username)).scalars())


def count_users(session):
    return session.execute(sa.select(sa.func.count()).select_from(users)).scalar_one()


def public_view(user):
    return {key: user.get(key) for key in ("id", "username", "display_name", "role", "agency",
                                           "wards", "email", "active")}


def throttle_key(username, address):
    """What the sign-in throttle counts by: one username from one client address. Per
    username alone, one script could lock every account (usernames are in the directory);
    per address alone, a botnet would get unlimited guesses. Hashed, so that a key of any
    length fits the column and the table names nobody."""
    return hashlib.sha256(f"{username}\0{address}".encode()).hexdigest()


class SignInThrottle:
    """Repeated wrong passwords for one key (`throttle_key`: a username from one client
    address) are slowed, then locked for a while; a correct password after the lock
    expires clears the count."""

    SLOW_AFTER, LOCK_AFTER = 3, 6
    LOCK_FOR = timedelta(minutes=15)

    def __init__(self, session):
        self.session = session

    def locked_until(self, username, now):
        row = self._row(username)
        if row and row.locked_until and row.locked_until > now:
            return row.locked_until
        return None

    def delay_seconds(self, username):
        row = self._row(username)
        failures = row.failures if row else 0
        return 0 if failures < self.SLOW_AFTER else min(0.25 * 2 ** (failures - self.SLOW_AFTER), 4)

    def failed(self, username, now):
        row = self._row(username)
        failures = (row.failures if row else 0) + 1
        locked = now + self.LOCK_FOR if failures >= self.LOCK_AFTER else None
        values = {"failures": failures, "last_failure_at": now, "locked_until": locked}
        if row:
            self.session.execute(login_attempts.update()
                                 .where(login_attempts.c.username == username).values(**values))
        else:
            try:  # two first failures at once: the second becomes an update
                with self.session.begin_nested():
                    self.session.execute(login_attempts.insert().values(username=username,
                                                                        **values))
            except IntegrityError:
                self.session.execute(login_attempts.update()
                                     .where(login_attempts.c.username == username)
                                     .values(failures=login_attempts.c.failures + 1,
                                             last_failure_at=now))
        return locked

    def succeeded(self, username):
        self.session.execute(login_attempts.delete().where(login_attempts.c.username == username))

    def _row(self, username):
        return self.session.execute(sa.select(login_attempts)
                                    .where(login_attempts.c.username == username)).first()
