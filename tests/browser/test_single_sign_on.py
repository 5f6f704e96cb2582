"""Signing in with one's organisation's account (single sign-on): Chromium follows the
whole redirect flow through a real OpenID Connect provider process on localhost
(oidc-provider-mock, its own authorization form), and lands on the page it asked for,
signed in, without a password or a Wardline second factor (issue 18)."""
import pytest

from shared.testing.identity_provider import SERGEANTS_GROUP, single_sign_on_settings
from shared.testing.stack import ServiceStack


@pytest.fixture(scope="module")
def stack(wardline_env, identity_provider, tmp_path_factory):
    settings = single_sign_on_settings(identity_provider, wardline_env["WARDLINE_HTTP_PORT"],
                                       tmp_path_factory.mktemp("sso"))
    services = ServiceStack({**wardline_env, **settings}, tmp_path_factory.mktemp("stack"))
    with services.running():
        yield services


def test_a_sergeant_signs_in_through_the_provider_and_lands_on_the_page_asked_for(
        page, stack, identity_provider):
    stack.add_user("sso.browser", "sergeant", agency="police", wards=["dalston"],
                   email="sam.browser@example.org", display_name="Sam Browser")
    identity_provider.person("entra-sam-browser", email="sam.browser@example.org",
                             groups=[SERGEANTS_GROUP])
    page.goto("/#/ward-intelligence/closed")  # a bookmark, or a link in an email
    page.get_by_role("link", name="Sign in with your organisation").click()
    # The provider's own page: its form asks who signs in.
    page.wait_for_url(identity_provider.issuer + "/oauth2/authorize*")
    page.locator("input[name=sub]").fill("entra-sam-browser")
    page.get_by_role("button", name="Authorize").click()
    page.get_by_role("button", name="Sign out").wait_for()
    page.get_by_role("heading", level=1, name="Intelligence from your wards").wait_for()
    assert page.url == stack.base_url + "/#/ward-intelligence/closed"
    assert page.get_by_text("Sam Browser").is_visible()
    [refresh] = [c for c in page.context.cookies() if c["name"] == "wardline_refresh"]
    assert (refresh["httpOnly"], refresh["sameSite"]) == (True, "Strict")
    token = page.evaluate("() => sessionStorage.getItem('wardline.token')")
    assert token  # taken by renewing from the refresh cookie, as the page renews


def test_a_person_with_no_wardline_role_is_told_so_on_the_sign_in_page(
        page, stack, identity_provider):
    identity_provider.person("entra-outsider", email="outsider@example.org",
                             groups=["some-other-group"])
    page.goto("/")
    page.get_by_role("link", name="Sign in with your organisation").click()
    page.locator("input[name=sub]").fill("entra-outsider")
    page.get_by_role("button", name="Authorize").click()
    page.get_by_role("alert").filter(has_text="not given any Wardline role").wait_for()
    page.get_by_label("Username").wait_for()  # passwords remain
    assert "sign_in_error" not in page.url  # the message is not left in the address
