"""Access tokens are short (here 3 s, 15 minutes by default): the web page renews its
token with the session's refresh cookie (HttpOnly, so no script reads it) when one is
refused, and its person carries on without signing in again."""
import time

import pytest

from shared.testing.stack import ServiceStack
from tests.browser.conftest import sign_in

TOKEN_SECONDS = 3


@pytest.fixture(scope="module")
def stack(wardline_env, tmp_path_factory):
    services = ServiceStack({**wardline_env, "WARDLINE_TOKEN_TTL_SECONDS": str(TOKEN_SECONDS)},
                            tmp_path_factory.mktemp("stack"))
    with services.running():
        yield services


def test_an_expired_access_token_is_renewed_from_the_refresh_cookie(page, stack):
    sign_in(page, "coordinator")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "wardline_refresh"]
    assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"], cookie["path"]) == \
        (True, True, "Strict", "/api/auth")
    assert page.evaluate("() => document.cookie") == ""  # no script can read it
    before = page.evaluate("() => sessionStorage.getItem('wardline.token')")
    time.sleep(TOKEN_SECONDS + 1)  # the page's token has expired
    with page.expect_response(lambda r: r.url.endswith("/api/auth/refresh")) as renewed:
        page.reload()
    assert renewed.value.status == 200
    page.get_by_role("button", name="Sign out").wait_for()  # still signed in
    assert page.evaluate("() => sessionStorage.getItem('wardline.token')") != before
    time.sleep(TOKEN_SECONDS + 1)
    # Its token has expired again: the logout is refused, the token renewed, and the
    # session then signed out.
    with page.expect_response(lambda r: r.url.endswith("/api/auth/logout")
                              and r.status == 204):
        page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").wait_for()
    assert not [c for c in page.context.cookies() if c["name"] == "wardline_refresh"]
