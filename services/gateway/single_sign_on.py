"""The single sign-on story (`GET /api/auth/oidc/start` and `.../callback`): a sign-in
sent to the identity provider is kept until the person comes back (used once, ten minutes
at most, only from the browser that started it), and the person the provider vouches for
is matched to their account, or given one just in time when that is allowed.

An account signing in this way gets the same session as a password sign-in and skips
the local second factor: MFA is left to the provider. Its role, agency and wards stay as
the admin set them; the mapping must still give the person a role, so that taking them
out of the provider's group ends their single sign-on at once."""
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from services.gateway import accounts, audit, oidc
from services.gateway.claim_mapping import ClaimMapping
from services.gateway.orm import sso_sign_ins, users
from shared.db import utcnow
from shared.errors import InvalidContent, NotAuthenticated

PENDING_SECONDS = 600
ADDRESS = re.compile(r"^#/[A-Za-z0-9/_.~%-]{0,280}$")
"""A page address of the web app (`#/referrals/WL-R-2026-000123`): only these are
followed after signing in, so the flow cannot be used to send someone elsewhere."""


class SingleSignOnRefused(NotAuthenticated):
    """The sign-in cannot go on, and nothing was stored: the message says why."""
    code = "single_sign_on_refused"


def page_address(asked):
    """The web app's address to land on: `asked` if it is one, else the home page."""
    return asked if isinstance(asked, str) and ADDRESS.match(asked) else "#/"


def begin(session, next_address, now=None):
    """A new sign-in under way: (its state, nonce, PKCE code verifier, the browser's
    secret for its cookie). Ones past their time are deleted as they serve nobody."""
    now = now or utcnow()
    session.execute(sso_sign_ins.delete().where(sso_sign_ins.c.expires_at <= now))
    state, nonce, verifier, browser = (secrets.token_urlsafe(32), secrets.token_urlsafe(32),
                                       secrets.token_urlsafe(64), secrets.token_urlsafe(32))
    session.execute(sso_sign_ins.insert().values(
        state=state, browser_hash=_digest(browser), nonce=nonce, code_verifier=verifier,
        next_address=page_address(next_address),
        expires_at=now + timedelta(seconds=PENDING_SECONDS)))
    return state, nonce, verifier, browser


def take(session, state, browser, now=None):
    """The sign-in under way that `state` names, deleted so it is used once: {nonce,
    code_verifier, next_address}. SingleSignOnRefused for one unknown, used already,
    expired, or started in another browser (its cookie `browser` does not match)."""
    now = now or utcnow()
    row = session.execute(sa.select(sso_sign_ins).where(
        sso_sign_ins.c.state == (state if isinstance(state, str) else ""))
        .with_for_update()).first()
    if row is None:
        raise SingleSignOnRefused("This sign-in link is unknown or was already used: "
                                  "sign in again.")
    session.execute(sso_sign_ins.delete().where(sso_sign_ins.c.state == row.state))
    if row.expires_at <= now:
        raise SingleSignOnRefused("This sign-in took too long: sign in again.")
    if not secrets.compare_digest(row.browser_hash, _digest(browser or "")):
        raise SingleSignOnRefused("This sign-in was started in another browser: sign in "
                                  "again from this one.")
    return {"nonce": row.nonce, "code_verifier": row.code_verifier,
            "next_address": row.next_address}


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


def account_for(uow, claims, issuer, placement, create_accounts, known_wards, now=None):
    """The active account the provider's `claims` stand for: the one linked to their
    issuer and subject, else the one with their email (linked now, audited), else one
    created with `placement` when `create_accounts` allows it. SingleSignOnRefused for no
    role in the mapping (`placement` None), no account, or a disabled one."""
    if placement is None:
        raise SingleSignOnRefused("Your organisation's account is not given any Wardline "
                                  "role: ask your administrator to add you to a Wardline "
                                  "group.")
    user = linked_account(uow.session, issuer, claims["sub"])
    if user is None:
        user = _link_by_email(uow.session, claims, issuer)
    if user is None:
        if not create_accounts:
            raise SingleSignOnRefused("No Wardline account is set up for you: ask an "
                                      "administrator to add one with your email address.")
        user = _create(uow, claims, issuer, placement, known_wards())
    if not user["active"]:
        raise SingleSignOnRefused("This account is disabled.")
    return user


def linked_account(session, issuer, subject):
    row = session.execute(sa.select(users).where(users.c.sso_issuer == issuer,
                                                 users.c.sso_subject == subject)).first()
    return row._asdict() if row else None


def _link_by_email(session, claims, issuer):
    """The one account not yet linked whose email is the claims' (an admin added it):
    linked to the provider's subject from now on, on the audit trail."""
    email = claims.get("email") or claims.get("preferred_username")
    if not isinstance(email, str) or "@" not in email:
        return None
    rows = session.execute(sa.select(users).where(
        sa.func.lower(users.c.email) == email.lower(), users.c.sso_subject.is_(None))).all()
    if len(rows) != 1:  # none, or several with one address: no guessing which
        return None
    user = rows[0]._asdict()
    session.execute(users.update().where(users.c.id == user["id"]).values(
        sso_issuer=issuer, sso_subject=claims["sub"]))
    audit.record(session, user, "alteration", "user_account", [user["id"]],
                 "Linking an account to its identity provider at its first single sign-on")
    return {**user, "sso_issuer": issuer, "sso_subject": claims["sub"]}


def _create(uow, claims, issuer, placement, known_wards):
    """A new account for the person, by the one way accounts are added
    (accounts.open_account: validated, audited, announced), linked to the provider.
    Its password is random and never told: it signs in through the provider only."""
    username = _free_username(uow.session, claims)
    payload = {"username": username, "password": secrets.token_urlsafe(32),
               "display_name": str(claims.get("name") or username)[:120],
               "role": placement.role, "agency": placement.agency,
               "wards": list(placement.wards),
               "email": claims.get("email") if isinstance(claims.get("email"), str) else None}
    themselves = {"username": username, "role": placement.role, "agency": placement.agency}
    try:
        accounts.open_account(uow, payload, known_wards, themselves)
    except InvalidContent as exc:
        raise SingleSignOnRefused("The Wardline group you are in cannot make an account "
                                  "(the mapping is wrong): tell your administrator.",
                                  exc.fields) from None
    uow.session.execute(users.update().where(users.c.username == username).values(
        sso_issuer=issuer, sso_subject=claims["sub"]))
    return accounts.find_user(uow.session, username)


def _free_username(session, claims):
    """A username from the person's email or preferred username (`sam.jones`), with a
    number added if it is taken."""
    source = str(claims.get("email") or claims.get("preferred_username") or "sso")
    base = re.sub(r"[^a-z0-9._-]", "", source.split("@")[0].lower())[:70].strip("._-")
    base = base if len(base) >= 2 else f"sso-{base}".rstrip("-")
    for candidate in [base] + [f"{base}-{n}" for n in range(2, 100)]:
        if accounts.find_user(session, candidate) is None:
            return candidate
    return f"{base}-{secrets.token_hex(4)}"


CALLBACK_PATH = "/api/auth/oidc/callback"


@dataclass(frozen=True)
class SingleSignOn:
    """Single sign-on as configured: the provider, the claim mapping, and whether unknown
    people are given an account."""
    provider: oidc.Provider
    mapping: ClaimMapping
    create_accounts: bool = False

    @classmethod
    def from_config(cls, config):
        """From the gateway's config (`OIDC`, shared/config.py), or None when single
        sign-on is off. The mapping is read now, so a wrong one stops the start."""
        settings = config.get("OIDC") or {}
        if not settings:
            return None
        redirect_uri = config.get("PUBLIC_URL", "").rstrip("/") + CALLBACK_PATH
        return cls(oidc.Provider(settings["issuer"], settings["client_id"],
                                 settings["client_secret"], redirect_uri),
                   ClaimMapping.load(settings["mapping"]),
                   bool(settings.get("create_accounts")))
