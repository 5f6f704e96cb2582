"""The partnership's OpenID Connect provider (Microsoft Entra ID, or any other), spoken
to through Authlib: where to send a person to sign in (the authorization code flow with
PKCE S256 and a nonce), and what their ID token says once the code they come back with is
exchanged, checked against the provider's published keys (JWKS) for its signature,
issuer, audience, expiry and nonce.

What the provider publishes (`{issuer}/.well-known/openid-configuration` and its keys) is
read when first needed, not at start, so that a provider that is down stops single
sign-on only, never the gateway; it is kept for an hour, and the keys are read again at
once when a token is signed with one not yet seen (the provider rotated them)."""
import time

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.integrations.base_client.errors import OAuthError
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from shared.errors import NotAuthenticated, Unavailable

SCOPE = "openid profile email"
HTTP_SECONDS = 10
METADATA_SECONDS = 3600
LEEWAY_SECONDS = 60
"""Clock difference tolerated between the provider and us on `exp`, `iat` and `nbf`."""


class ProviderUnavailable(Unavailable):
    """The identity provider did not answer (or answered nonsense): nothing was done."""
    code = "identity_provider_unavailable"


class BadIdToken(NotAuthenticated):
    """The ID token is not one the provider signed for this sign-in: refused."""
    code = "bad_id_token"


def check_id_token(id_token, keys, issuer, client_id, nonce, access_token=None, now=None):
    """The claims of `id_token` if it is signed by one of `keys` (a JWKS dict), issued by
    `issuer` for `client_id`, unexpired, and carries `nonce`; BadIdToken saying what is
    wrong otherwise. InvalidKeyIdError is let through: the caller reads the keys again."""
    try:
        token = jwt.decode(id_token, KeySet.import_key_set(keys),
                           registry=JWSRegistry(strict_check_header=False))
    except InvalidKeyIdError:
        raise
    except (JoseError, ValueError) as exc:
        raise BadIdToken("The identity provider's answer is not signed with its keys: "
                         "sign in again.", {"id_token": [type(exc).__name__]}) from None
    claims = CodeIDToken(token.claims, token.header,
                         {"iss": {"essential": True, "value": issuer},
                          "aud": {"essential": True, "value": client_id},
                          "nonce": {"essential": True}},
                         {"nonce": nonce, "client_id": client_id,
                          "access_token": access_token})
    try:
        claims.validate(now=int(now if now is not None else time.time()),
                        leeway=LEEWAY_SECONDS)
    except JoseError as exc:
        claim = getattr(exc, "claim", None) or type(exc).__name__
        raise BadIdToken(f"The identity provider's answer does not fit this sign-in "
                         f"({claim}): sign in again.", {"id_token": [str(claim)]}) from None
    return dict(claims)


class Provider:
    """One provider, for one client (Wardline's app registration at it)."""

    def __init__(self, issuer, client_id, client_secret, redirect_uri):
        self.issuer, self.client_id, self.redirect_uri = issuer, client_id, redirect_uri
        self.client_secret = client_secret
        self._metadata, self._metadata_until, self._keys = None, 0.0, None

    def _session(self):
        return OAuth2Session(self.client_id, self.client_secret, scope=SCOPE,
                             redirect_uri=self.redirect_uri, code_challenge_method="S256")

    def metadata(self):
        """The provider's discovery document, read at most once an hour."""
        if self._metadata is None or time.monotonic() > self._metadata_until:
            found = self._read(f"{self.issuer}/.well-known/openid-configuration")
            if found.get("issuer", "").rstrip("/") != self.issuer:
                raise ProviderUnavailable(
                    "The identity provider names another issuer than "
                    "WARDLINE_OIDC_ISSUER: an administrator must correct the setting.")
            self._metadata, self._keys = found, None
            self._metadata_until = time.monotonic() + METADATA_SECONDS
        return self._metadata

    def authorization_url(self, state, nonce, code_verifier):
        """Where to send the person: the provider's sign-in, asking for a code that only
        `code_verifier` can redeem (PKCE S256) and an ID token carrying `nonce`."""
        url, _ = self._session().create_authorization_url(
            self.metadata()["authorization_endpoint"], state=state, nonce=nonce,
            code_verifier=code_verifier)
        return url

    def signed_in_claims(self, code, code_verifier, nonce):
        """The checked claims of the ID token the provider gives for `code`."""
        try:
            answer = self._session().fetch_token(
                self.metadata()["token_endpoint"], grant_type="authorization_code",
                code=code, code_verifier=code_verifier, timeout=HTTP_SECONDS)
        except requests.RequestException:
            raise ProviderUnavailable("The identity provider did not answer: try again "
                                      "in a while, or sign in with your password.") from None
        except (OAuthError, OAuth2Error) as exc:
            raise NotAuthenticated("The identity provider refused this sign-in "
                                   f"({getattr(exc, 'error', None) or 'refused'}): sign in "
                                   "again.") from None
        if "id_token" not in answer:
            raise BadIdToken("The identity provider sent no ID token: sign in again.")
        check = lambda keys: check_id_token(  # noqa: E731
            answer["id_token"], keys, self.issuer, self.client_id, nonce,
            access_token=answer.get("access_token"))
        try:
            return check(self._signing_keys())
        except InvalidKeyIdError:  # a key the provider added since we read them
            return check(self._signing_keys(again=True))

    def _signing_keys(self, again=False):
        if self._keys is None or again:
            self._keys = self._read(self.metadata()["jwks_uri"])
        return self._keys

    def _read(self, url):
        """A JSON document the provider publishes, or ProviderUnavailable."""
        try:
            answer = requests.get(url, timeout=HTTP_SECONDS)
            answer.raise_for_status()
            return answer.json()
        except (requests.RequestException, ValueError):
            raise ProviderUnavailable("The identity provider did not answer: try again "
                                      "in a while, or sign in with your password.") from None
