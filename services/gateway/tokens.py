"""Signed, expiring bearer tokens (JWT, HS256). A token names the user, the session it
was issued in (`sid`) and the account's token_version then (`ver`), by whom (`iss`) and
for what (`aud`); a tampered or expired token, or one issued by or for anything else, is
refused. The role, agency and wards it names are what the account had when it was issued,
for the page to show; the gateway authorises with the account as it is now (sessions.py)."""
from datetime import datetime, timedelta, timezone

import jwt

from shared.errors import NotAuthenticated

ALGORITHM = "HS256"
ISSUER = "wardline"
AUDIENCE = "wardline-api"


def issue(user, secret, ttl_seconds, now=None, session_id=None, scope=None):
    """`scope`: None for a full token; "enrol_second_factor" for one good only on the
    routes that enrol a second factor (sign_in.py)."""
    now = now or datetime.now(timezone.utc)
    claims = {
        "sub": user["username"], "role": user["role"], "agency": user.get("agency"),
        "wards": list(user.get("wards") or []),
        "sid": session_id, "ver": int(user.get("token_version") or 0),
        "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + timedelta(seconds=ttl_seconds),
    }
    if scope:
        claims["scope"] = scope
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify(token, secret):
    """The claims of a valid token ({username, role, agency, wards, session_id,
    token_version, scope}), or NotAuthenticated saying why not."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], issuer=ISSUER,
                            audience=AUDIENCE,
                            options={"require": ["sub", "exp", "iat", "iss", "aud"]})
    except jwt.ExpiredSignatureError:
        raise NotAuthenticated("The access token has expired: sign in again.") from None
    except jwt.InvalidTokenError:
        raise NotAuthenticated("The access token is not valid.") from None
    return {"username": claims["sub"], "role": claims["role"], "agency": claims.get("agency"),
            "wards": claims.get("wards", []), "session_id": claims.get("sid"),
            "token_version": claims.get("ver"), "scope": claims.get("scope")}
