"""User accounts: who may sign in, with which role, agency and wards.
Passwords are stored only as argon2 hashes."""
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
from shared.db import utcnow
from shared.errors import Conflict, InvalidContent, load_or_refuse
from shared.vocabulary import AGENCIES, ROLES

ROLES_WITH_WARDS = ("panel", "sergeant", "pcso")

_hasher = PasswordHasher()
# Verifying against this when the user does not exist takes as long as a real check,
# so response times do not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


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


def add_user(session, payload, known_wards):
    """Create an account; every bad field named, nothing stored if any is wrong."""
    user = load_or_refuse(NewUserSchema, payload, "The account has invalid fields.")
    unknown = sorted(set(user["wards"]) - set(known_wards))
    if unknown:
        raise InvalidContent("The account names unknown wards.",
                             {"wards": [f"Unknown ward codes: {', '.join(unknown)}."]})
    if find_user(session, user["username"]):
        raise Conflict("That username is taken.", {"username": [user["username"]]})
    if user["role"] in ("coordinator", "sergeant", "pcso", "analyst") and not user["agency"]:
        user["agency"] = "police"
    row = {**user, "id": str(uuid.uuid4()), "created_at": utcnow(),
           "password_hash": tpool.execute(_hasher.hash, user.pop("password"))}
    row.pop("password", None)
    session.execute(users.insert().values(**row))
    return public_view(row)


CASE_READING = ("coordinator", "reviewer", "analyst")


def open_account(uow, payload, known_wards, principal, correlation_id=None, stated=None):
    """The one way an account is added (`POST /api/users` and `wardline users add`): the
    account, the `user.saved` that tells the other services, and its audit entry commit
    together. A case-reading role is named as such: it opens the partnership's case data
    to a person."""
    user = add_user(uow.session, payload, known_wards)
    announce(uow, user, {key: principal[key] for key in ("username", "role", "agency", "wards")
                         if key in principal})
    audit.record(uow.session, principal, "collection", "user_account", [user["id"]],
                 f"Adding an account with the {user['role']} role"
                 + (" (reads case data)" if user["role"] in CASE_READING else ""),
                 correlation_id=correlation_id, stated=stated)
    return user


def announce(uow, user, actor):
    """Tell other services about the account (it leaves with the transaction's commit)."""
    uow.publish("user.saved", 1, {
        **{key: user.get(key) for key in ("username", "display_name", "role", "agency",
                                          "email")},
        "wards": list(user.get("wards") or []), "active": True}, actor)


def find_user(session, username):
    row = session.execute(sa.select(users).where(users.c.username == username)).first()
    return row._asdict() if row else None


def authenticate(session, username, password):
    """The user if the password is right, else None (same cost either way)."""
    user = find_user(session, username) if isinstance(username, str) else None
    try:
        # argon2 is ~0.1 s of CPU by design: done in a real thread (argon2-cffi releases
        # the GIL) so that sign-ins do not stall every other request on the hub.
        # A missing or non-string password is just wrong (argon2 raises AttributeError
        # on it), checked at the same cost as any other.
        tpool.execute(_hasher.verify, user["password_hash"] if user else _DUMMY_HASH,
                      password if isinstance(password, str) else "")
    except (VerificationError, TypeError):
        return None
    return user


def list_users(session, limit=50, after=None):
    query = sa.select(users).order_by(users.c.username).limit(limit)
    if after:
        query = query.where(users.c.username > after)
    return [public_view(row._asdict()) for row in session.execute(query)]


def usernames_except(session, excluded):
    """Every account's username but those in `excluded`, in order."""
    query = sa.select(users.c.username).where(users.c.username.not_in(list(excluded)))
    return list(session.execute(query.order_by(users.c.username)).scalars())


def count_users(session):
    return session.execute(sa.select(sa.func.count()).select_from(users)).scalar_one()


def public_view(user):
    return {key: user.get(key) for key in ("id", "username", "display_name", "role", "agency",
                                           "wards", "email")}


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
