"""Sessions: one per sign-in, so that a token can be refused before it expires.

A token names its session (`sid`) and the account's token_version when it was issued
(`ver`). On every request the gateway reads the session and the account it belongs to
(cached for at most CHECK_SECONDS per session, in this process) and refuses the token if
the session was signed out, the account is disabled or gone, or its token_version has
moved on (role changed, disabled). The role, agency and wards the request is authorised
with are the account's as read then, never the token's claims."""
import hashlib
import hmac
import secrets
import time
import uuid
from datetime import timedelta

import sqlalchemy as sa

from services.gateway.orm import sessions, users
from shared.db import utcnow
from shared.errors import NotAuthenticated

CHECK_SECONDS = 3.0
"""How long one read of a session and its account is trusted: a change takes effect on
every gateway process within this (the issue asks for 5 s at most)."""


def open_session(session, user, ttl_seconds, now=None):
    """A new session for `user` (signed in just now), renewable for `ttl_seconds`: its id
    (for the access token's `sid`) and its first refresh token (for the cookie)."""
    now = now or utcnow()
    sid = str(uuid.uuid4())
    refresh_token = _new_refresh_token(sid)
    session.execute(sessions.insert().values(
        id=sid, username=user["username"], issued_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
        refresh_hash=_digest(refresh_token),
        token_version=int(user.get("token_version") or 0)))
    return sid, refresh_token


def renew(session, presented, now=None):
    """Trade a session's refresh token for the account (to issue a new access token for)
    and the session's next refresh token; the one presented is spent. NotAuthenticated
    for no such session, one signed out, expired, or whose account was disabled or
    changed (password, role) since sign-in. A spent refresh token presented again (a copy
    someone else holds, or a forgery naming the session) revokes the session, and None is
    returned: the caller commits that, then refuses."""
    now = now or utcnow()
    sid, _, secret = presented.partition(".") if isinstance(presented, str) else ("", "", "")
    if not sid or not secret:
        raise NotAuthenticated("No refresh token: sign in.")
    row = session.execute(
        sa.select(sessions, users.c.active, users.c.token_version.label("account_version"))
        .join(users, users.c.username == sessions.c.username)
        .where(sessions.c.id == sid).with_for_update(of=sessions)).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise NotAuthenticated("The session has ended: sign in again.")
    if not hmac.compare_digest(row.refresh_hash or "", _digest(presented)):
        session.execute(sessions.update().where(sessions.c.id == sid)
                        .values(revoked_at=now))
        CACHE.forget(sid)
        return None
    if not row.active or row.account_version != row.token_version:
        raise NotAuthenticated("The account has changed since you signed in: sign in again.")
    next_token = _new_refresh_token(sid)
    session.execute(sessions.update().where(sessions.c.id == sid)
                    .values(refresh_hash=_digest(next_token)))
    user = session.execute(sa.select(users).where(users.c.username == row.username)).one()
    return {**user._asdict(), "session_id": sid}, next_token


def _new_refresh_token(sid):
    return f"{sid}.{secrets.token_urlsafe(32)}"


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def revoke(session, sid, username, now=None):
    """Sign the session out (a no-op for one already signed out or not the user's)."""
    session.execute(sessions.update()
                    .where(sessions.c.id == sid, sessions.c.username == username,
                           sessions.c.revoked_at.is_(None))
                    .values(revoked_at=now or utcnow()))
    CACHE.forget(sid)


def prune(session, keep_days, now=None):
    """Delete the sessions that ended (signed out, or past their renewal time) more than
    `keep_days` ago: the number deleted. An ended session can never be renewed or
    accepted again, so keeping it would only keep a record of someone's sign-in longer
    than its purpose needs; sign-ins are in the audit trail for as long as it is kept."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    ended_at = sa.func.coalesce(sessions.c.revoked_at, sessions.c.expires_at)
    gone = session.execute(sessions.delete().where(
        sa.or_(ended_at < cutoff, sessions.c.expires_at < cutoff)))
    return gone.rowcount or 0


def state_of(session, sid):
    """The session's account as it is now: {username, role, agency, wards, active,
    token_version, revoked}, or None for no such session or account."""
    row = session.execute(
        sa.select(sessions.c.username, sessions.c.revoked_at, users.c.role, users.c.agency,
                  users.c.wards, users.c.active, users.c.token_version)
        .join(users, users.c.username == sessions.c.username)
        .where(sessions.c.id == sid)).first()
    if row is None:
        return None
    return {"username": row.username, "role": row.role, "agency": row.agency,
            "wards": list(row.wards or []), "active": bool(row.active),
            "token_version": row.token_version, "revoked": row.revoked_at is not None}


def principal_for(claims, state):
    """The principal a verified token's claims stand for, given its session's `state`
    (state_of), or NotAuthenticated saying why not."""
    if state is None or state["username"] != claims["username"]:
        raise NotAuthenticated("The access token is not valid.")
    if state["revoked"]:
        raise NotAuthenticated("This session was signed out: sign in again.")
    if not state["active"]:
        raise NotAuthenticated("This account is disabled.")
    if state["token_version"] != claims["token_version"]:
        raise NotAuthenticated("The account has changed since this token was issued: "
                               "sign in again.")
    return {key: state[key] for key in ("username", "role", "agency", "wards")} | {
        "session_id": claims["session_id"]}


class SessionCache:
    """state_of per session id for CHECK_SECONDS (monotonic clock), in this process."""

    MAX_ENTRIES = 20_000

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._entries = {}

    def state(self, sid, load, seconds=CHECK_SECONDS):
        now = self.clock()
        hit = self._entries.get(sid)
        if hit is not None and hit[0] > now:
            return hit[1]
        state = load(sid)
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries = {key: entry for key, entry in self._entries.items()
                             if entry[0] > now}
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()
        self._entries[sid] = (now + seconds, state)
        return state

    def forget(self, sid):
        self._entries.pop(sid, None)


CACHE = SessionCache()
