"""Who is calling, signed: the one way an RPC says on whose behalf it is made.

A service must not believe an `actor` argument: anything with a broker login could send
`{"role": "coordinator"}` and read every referral. So each call carries a short-lived
assertion of its caller (user, role, agency, wards), a JWT signed with
`WARDLINE_CALLER_KEY`, in the nameko context data (`CALLER_HEADER`, on the wire the AMQP
header `nameko.wardline-caller`). The gateway signs one per request for the person its
bearer token names; `shared/rpc.py` verifies it before any worker runs and hands the
method the actor it vouches for. Other callers (tests, operators' tools, a service
calling another) sign with `caller_context` and the same key, as a person or as
`system_caller(...)`.

Its issuer and audience differ from the API tokens' (services/gateway/tokens.py), and so
does its key: an access token is never an assertion, and services never hold the key
that signs access tokens.
"""
from datetime import datetime, timedelta, timezone

import jwt

from shared.errors import NotAuthenticated

CALLER_HEADER = "wardline-caller"
"""The context-data key (nameko sends it as the AMQP header `nameko.wardline-caller`)."""
ALGORITHM = "HS256"
ISSUER = "wardline-caller"
AUDIENCE = "wardline-rpc"
CALLER_TTL_SECONDS = 60
"""How long an assertion is good for: one request's calls, not a session."""
CLOCK_LEEWAY_SECONDS = 5
"""Tolerated difference between the signing and the verifying host's clocks."""


class CallerRefused(Exception):
    """A call whose caller cannot be trusted: `reason` for the log (never personal
    data), `error` for the caller."""

    def __init__(self, reason, error):
        super().__init__(reason)
        self.reason = reason
        self.error = error


def as_actor(claimed):
    """An actor in its one comparable form: the four keys services decide from."""
    return {"username": claimed.get("username"), "role": claimed.get("role"),
            "agency": claimed.get("agency"), "wards": list(claimed.get("wards") or [])}


def system_caller(name):
    """The actor of a call no person makes (a tool, a timer): role `system`, no agency."""
    return {"username": name, "role": "system", "agency": None, "wards": []}


def sign_caller(actor, key, ttl_seconds=CALLER_TTL_SECONDS, now=None):
    now = now or datetime.now(timezone.utc)
    actor = as_actor(actor)
    claims = {"sub": actor["username"], "role": actor["role"], "agency": actor["agency"],
              "wards": actor["wards"], "iss": ISSUER, "aud": AUDIENCE, "iat": now,
              "exp": now + timedelta(seconds=ttl_seconds)}
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def caller_context(actor, key, ttl_seconds=CALLER_TTL_SECONDS):
    """Context data that makes every RPC of a worker (or of
    `ClusterRpcProxy(config, context_data=...)`) on behalf of `actor`."""
    return {CALLER_HEADER: sign_caller(actor, key, ttl_seconds)}


def verify_caller(token, keys):
    """The actor `token` vouches for, signed with `keys` (one, or a list of the keys
    accepted during a rotation); CallerRefused (missing, expired, invalid) if none."""
    if not token:
        raise CallerRefused("missing", NotAuthenticated(
            "This call carries no signed caller: RPC callers must sign who they act for "
            "(shared/caller.py)."))
    for key in [keys] if isinstance(keys, str) else keys:
        try:
            claims = jwt.decode(token, key, algorithms=[ALGORITHM], issuer=ISSUER,
                                audience=AUDIENCE, leeway=CLOCK_LEEWAY_SECONDS,
                                options={"require": ["sub", "role", "exp", "iat", "iss",
                                                     "aud"]})
        except jwt.InvalidSignatureError:
            continue  # perhaps the other key of a rotation
        except jwt.ExpiredSignatureError:
            raise CallerRefused("expired", NotAuthenticated(
                "This call's signed caller has expired: sign it again.")) from None
        except jwt.InvalidTokenError:
            break
        return as_actor({**claims, "username": claims["sub"]})
    raise CallerRefused("invalid", NotAuthenticated("This call's signed caller is not valid."))
