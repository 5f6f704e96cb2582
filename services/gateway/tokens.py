"""Signed, expiring bearer tokens (JWT, HS256). A token names the user, role, agency and
wards it was issued for, by whom (`iss`) and for what (`aud`); a tampered or expired token,
or one issued by or for anything else, is refused."""
from datetime import datetime, timedelta, timezone

import jwt

from shared.errors import NotAuthenticated

ALGORITHM = "HS256"
ISSUER = "wardline"
AUDIENCE = "wardline-api"


def issue(user, secret, ttl_seconds, now=None):
    now = now or datetime.now(timezone.utc)
    claims = {
        "sub": user["username"], "role": user["role"], "agency": user.get("agency"),
        "wards": list(user.get("wards") or []),
        "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + timedelta(seconds=ttl_seconds),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify(token, secret):
    """The principal the token was issued to, or NotAuthenticated saying why not."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], issuer=ISSUER,
                            audience=AUDIENCE,
                            options={"require": ["sub", "exp", "iat", "iss", "aud"]})
    except jwt.ExpiredSignatureError:
        raise NotAuthenticated("The access token has expired: sign in again.") from None
    except jwt.InvalidTokenError:
        raise NotAuthenticated("The access token is not valid.") from None
    return {"username": claims["sub"], "role": claims["role"], "agency": claims.get("agency"),
            "wards": claims.get("wards", [])}
