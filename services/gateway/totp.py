"""The rules of the second factor, with no I/O: time-based one-time codes (RFC 6238,
through pyotp), the otpauth:// URI and QR code an authenticator app reads, and the
one-time recovery codes. Storage and sign-in live in second_factors.py."""
import hashlib
import hmac
import io
import secrets
from datetime import datetime, timezone

import pyotp
import segno

ISSUER = "Wardline"
DRIFT_STEPS = 1
"""Codes of the step before and after now are accepted too: a phone's clock a few
seconds out, or a code typed as it changed."""
RECOVERY_CODES = 10


class WrongCode(Exception):
    """The code is not this secret's, now (nor a step either side)."""


class ReplayedCode(Exception):
    """The code is right but its time-step was already used to sign in: a code seen over
    someone's shoulder, or sent twice, is good once."""


def new_secret():
    """A random base32 secret of 160 bits (RFC 4226's recommended length)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret, username):
    """The otpauth://totp/ URI an authenticator app enrols from (by QR or by hand)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri):
    """The URI as an SVG QR code, for the page to show inline."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=4, border=2,
                                    xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


def normalised(code):
    """A typed code without spaces or dashes, lower-case ('123 456' -> '123456')."""
    if not isinstance(code, str):
        return ""
    return "".join(code.split()).replace("-", "").lower()


def accepted_step(secret, code, last_step, now=None):
    """The time-step `code` belongs to, if it is one not yet used (after `last_step`, the
    last one signed in with): what the caller stores as the new last step. WrongCode or
    ReplayedCode otherwise."""
    code = normalised(code)
    if not (len(code) == 6 and code.isdigit()):
        raise WrongCode(code)
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now or datetime.now(timezone.utc))
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if last_step is not None and step <= last_step:
                raise ReplayedCode(step)
            return step
    raise WrongCode(code)


def looks_like_recovery_code(code):
    """A recovery code is ten hex characters (new_recovery_codes); a TOTP code six digits."""
    code = normalised(code)
    return len(code) == 10 and all(c in "0123456789abcdef" for c in code)


def new_recovery_codes(count=RECOVERY_CODES):
    """Codes shown once, each good for one sign-in: 40 random bits, as 'a1b2c-3d4e5'."""
    codes = [secrets.token_hex(5) for _ in range(count)]
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def recovery_hash(code):
    """What is stored of a recovery code. A plain SHA-256 is enough: the codes are random
    (not chosen by people), so there is no dictionary to try, and each is good once."""
    return hashlib.sha256(normalised(code).encode()).hexdigest()
