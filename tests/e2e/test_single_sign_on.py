"""Single sign-on over the real stack and a real OpenID Connect provider process
(oidc-provider-mock on localhost): the authorization code flow as a browser follows it,
with `requests` (redirects taken one at a time, cookies carried by hand as a browser
would), and each way a sign-in is refused with a clear message and nothing stored."""
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests

from shared.testing.identity_provider import SERGEANTS_GROUP as SERGEANTS
from shared.testing.identity_provider import (called_back, refused_with, signed_in_through,
                                              single_sign_on_settings, started)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def provider(identity_provider):
    return identity_provider


@pytest.fixture(scope="module")
def stack_settings(wardline_env, provider, tmp_path_factory):
    return single_sign_on_settings(provider, wardline_env["WARDLINE_HTTP_PORT"],
                                   tmp_path_factory.mktemp("sso"))


def accounts(stack):
    return {user["username"] for user in stack.get("/api/users?limit=200", "admin")
            .json()["items"]}


def test_the_sign_in_page_is_told_single_sign_on_is_on(stack):
    answer = requests.get(stack.base_url + "/api/auth/oidc", timeout=10)
    assert answer.json() == {"enabled": True, "start": "/api/auth/oidc/start"}


def test_start_sends_the_person_to_the_provider_with_pkce_and_a_nonce(stack, provider):
    authorization_url, _ = started(stack)
    asked = parse_qs(urlsplit(authorization_url).query)
    assert authorization_url.startswith(provider.issuer + "/oauth2/authorize?")
    assert asked["code_challenge_method"] == ["S256"] and asked["code_challenge"][0]
    assert asked["nonce"][0] and asked["state"][0]
    assert asked["redirect_uri"] == [stack.base_url + "/api/auth/oidc/callback"]
    assert asked["client_id"] == ["wardline-tests"]


def test_an_added_account_signs_in_through_the_provider_as_with_a_password(stack, provider):
    stack.add_user("sso.sergeant", "sergeant", agency="police", wards=["dalston"],
                   email="sam.sso@example.org")
    sub = provider.person("entra-sam", email="sam.sso@example.org", name="Sam Sso",
                          groups=["other-group", SERGEANTS])
    answer = signed_in_through(stack, provider, sub)
    assert answer.status_code == 302, answer.text
    # The page it asked for, told to take its access token from the refresh cookie.
    assert answer.headers["Location"] == "/?single_sign_on=1#/pcso-tasks"
    refresh = answer.cookies["wardline_refresh"]
    set_cookie = answer.headers["Set-Cookie"].lower()
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie
    # The page then takes its access token as it renews one (core.js renewToken).
    renewed = requests.post(stack.base_url + "/api/auth/refresh", timeout=10,
                            headers={"Cookie": f"wardline_refresh={refresh}"})
    assert renewed.status_code == 200, renewed.text
    me = requests.get(stack.base_url + "/api/me", timeout=10, headers={
        "Authorization": f"Bearer {renewed.json()['access_token']}"})
    assert me.json()["username"] == "sso.sergeant" and me.json()["role"] == "sergeant"
    linked = stack.get("/api/audit?username=sso.sergeant", "admin").json()["items"]
    assert any(entry["purpose"].startswith("Linking an account to its identity provider")
               for entry in linked)
    # Found by the provider's subject from now on, whatever email it sends.
    provider.person("entra-sam", email="sam.renamed@example.org", groups=[SERGEANTS])
    again = signed_in_through(stack, provider, sub, "#/")
    assert again.headers["Location"] == "/?single_sign_on=1#/" and "wardline_refresh" in again.cookies


def test_a_callback_used_twice_is_refused_the_second_time(stack, provider):
    stack.add_user("sso.twice", "sergeant", agency="police", wards=["dalston"],
                   email="twice@example.org")
    sub = provider.person("entra-twice", email="twice@example.org", groups=[SERGEANTS])
    authorization_url, browser = started(stack)
    callback = provider.sign_in(authorization_url, sub)
    assert "wardline_refresh" in called_back(callback, browser).cookies
    assert "already used" in refused_with(called_back(callback, browser))


def test_an_unknown_state_or_another_browsers_is_refused(stack, provider):
    made_up = stack.base_url + "/api/auth/oidc/callback?state=made-up&code=x"
    assert "unknown" in refused_with(called_back(made_up, "x"))
    sub = provider.person("entra-other", email="twice@example.org", groups=[SERGEANTS])
    authorization_url, _ = started(stack)
    callback = provider.sign_in(authorization_url, sub)
    assert "another browser" in refused_with(called_back(callback, "not-the-browsers"))


def test_an_id_token_with_another_nonce_is_refused(stack, provider):
    """The provider puts in the ID token the nonce it was asked with: one changed on the
    way (a replayed or injected sign-in) does not match the one kept for this state."""
    sub = provider.person("entra-nonce", email="twice@example.org", groups=[SERGEANTS])
    authorization_url, browser = started(stack)
    parts = urlsplit(authorization_url)
    asked = {key: values[0] for key, values in parse_qs(parts.query).items()}
    tampered = urlunsplit(parts._replace(query=urlencode({**asked, "nonce": "injected"})))
    message = refused_with(called_back(provider.sign_in(tampered, sub), browser))
    assert "nonce" in message


def test_claims_that_map_to_no_role_are_refused_and_nothing_is_created(stack, provider):
    before = accounts(stack)
    sub = provider.person("entra-norole", email="norole@example.org",
                          groups=["not-a-wardline-group"])
    message = refused_with(signed_in_through(stack, provider, sub))
    assert "not given any Wardline role" in message
    assert accounts(stack) == before


def test_an_unknown_person_is_refused_when_accounts_are_not_created_just_in_time(
        stack, provider):
    before = accounts(stack)
    sub = provider.person("entra-stranger", email="stranger@example.org", groups=[SERGEANTS])
    assert "No Wardline account" in refused_with(signed_in_through(stack, provider, sub))
    assert accounts(stack) == before


def test_a_disabled_account_is_refused(stack, provider):
    stack.add_user("sso.leaver", "sergeant", agency="police", wards=["dalston"],
                   email="leaver@example.org")
    assert stack.request("PATCH", "/api/users/sso.leaver", "admin",
                         json={"active": False}).status_code == 200
    sub = provider.person("entra-leaver", email="leaver@example.org", groups=[SERGEANTS])
    assert "disabled" in refused_with(signed_in_through(stack, provider, sub))


def test_the_provider_refusing_the_person_is_told(stack, provider):
    authorization_url, browser = started(stack)
    state = parse_qs(urlsplit(authorization_url).query)["state"][0]
    denied = (stack.base_url + "/api/auth/oidc/callback?"
              + urlencode({"state": state, "error": "access_denied"}))
    assert "did not sign you in (access_denied)" in refused_with(called_back(denied, browser))


def test_a_provider_that_is_down_is_a_clear_message_not_a_fault(stack, provider):
    """Last in the module: the provider process is stopped between the person signing in
    there and the gateway exchanging their code."""
    stack.add_user("sso.down", "sergeant", agency="police", wards=["dalston"],
                   email="down@example.org")
    sub = provider.person("entra-down", email="down@example.org", groups=[SERGEANTS])
    authorization_url, browser = started(stack)
    callback = provider.sign_in(authorization_url, sub)
    provider.stop()
    message = refused_with(called_back(callback, browser))
    assert "did not answer" in message
    # Password sign-in goes on as before.
    assert stack.sign_in("coordinator")
