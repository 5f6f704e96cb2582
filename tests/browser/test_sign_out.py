"""Signing out in the web page ends the session on the server too: the token the page
held is refused afterwards, not merely forgotten by the browser (issue 18)."""
import requests

from tests.browser.conftest import sign_in


def test_the_sign_out_button_revokes_the_pages_token(page, stack):
    sign_in(page, "coordinator")
    token = page.evaluate("() => sessionStorage.getItem('wardline.token')")
    me = requests.get(stack.base_url + "/api/me", timeout=10,
                      headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["username"] == "coordinator"
    with page.expect_response(lambda r: r.url.endswith("/api/auth/logout")) as logout:
        page.get_by_role("button", name="Sign out").click()
    assert logout.value.status == 204
    page.get_by_label("Username").wait_for()
    assert page.evaluate("() => sessionStorage.getItem('wardline.token')") is None
    after = requests.get(stack.base_url + "/api/me", timeout=10,
                         headers={"Authorization": f"Bearer {token}"})
    assert after.status_code == 401
    assert "signed out" in after.json()["error"]["message"]
