"""The second factor in the web page (issue 18): an analyst, whose role must sign in with
one, is shown the QR code on signing in, confirms it with a first code and is shown the
recovery codes once, then signs in again with a code the page asks for; a person whose
password an administrator reset chooses a new one on signing in. Codes are computed here
with pyotp from the otpauth:// URI the page shows, as a phone would."""
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
import requests

from shared.testing.stack import ServiceStack

DEMO_PASSWORD = "wardline-demo-2026"


@pytest.fixture(scope="module")
def stack(wardline_env, tmp_path_factory):
    """The stack with analysts required to sign in with a second factor (the admin, who
    adds the accounts, is not)."""
    services = ServiceStack({**wardline_env, "WARDLINE_MFA_REQUIRED_ROLES": "analyst"},
                            tmp_path_factory.mktemp("stack"))
    with services.running():
        yield services


def code(secret, seconds_from_now=0):
    return pyotp.TOTP(secret).at(datetime.now(timezone.utc)
                                 + timedelta(seconds=seconds_from_now))


def fill_credentials(page, username, password=DEMO_PASSWORD):
    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_an_analyst_sets_up_a_second_factor_on_signing_in_then_signs_in_with_a_code(
        page, stack):
    stack.add_user("biu.browser", "analyst")
    fill_credentials(page, "biu.browser")
    page.get_by_role("heading", name="Set up a second factor").wait_for()
    assert page.get_by_role("img", name="QR code to scan with your authenticator app") \
        .is_visible()
    uri = page.locator("code[data-otpauth-uri]").get_attribute("data-otpauth-uri")
    secret = pyotp.parse_uri(uri).secret
    assert page.locator("code.totp-key").inner_text() == secret
    right = code(secret)
    page.get_by_label("Code from your authenticator app").fill(
        next(c for c in ("000000", "111111") if c != right))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("alert").filter(has_text="not right").wait_for()
    page.get_by_label("Code from your authenticator app").fill(code(secret))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Keep your recovery codes").wait_for()
    recovery = page.get_by_role("list", name="Recovery codes").locator("li").all_inner_texts()
    assert len(recovery) == 10
    page.get_by_role("button", name="I have kept these codes: continue").click()
    page.get_by_role("button", name="Sign out").wait_for()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Sign out").click()

    fill_credentials(page, "biu.browser")
    code_box = page.get_by_label("Code from your authenticator app")
    code_box.wait_for()
    assert "code" in page.get_by_role("alert").inner_text().lower()
    code_box.fill(code(secret, 30))  # the confirming code's step is spent: the next one
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
    token = page.evaluate("() => sessionStorage.getItem('wardline.token')")
    me = requests.get(stack.base_url + "/api/me", timeout=10,
                      headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["username"] == "biu.browser"
    intelligence = requests.get(stack.base_url + "/api/intelligence", timeout=10,
                                headers={"Authorization": f"Bearer {token}"})
    assert intelligence.status_code == 200  # a full token, not the enrolment one


def test_a_person_whose_password_was_reset_chooses_a_new_one_on_signing_in(page, stack):
    stack.add_user("pcso.reset", "pcso", wards=["dalston"])
    reset = stack.post("/api/users/pcso.reset/password-reset", "admin",
                       json={"password": "given by the admin 1"})
    assert reset.status_code == 204, reset.text
    fill_credentials(page, "pcso.reset", "given by the admin 1")
    page.get_by_role("heading", name="Choose a new password").wait_for()
    page.get_by_label("New password", exact=True).fill("chosen by myself 22")
    page.get_by_label("New password again").fill("chosen by myself 2")
    page.get_by_role("button", name="Change password and sign in").click()
    page.get_by_role("alert").filter(has_text="differ").wait_for()
    page.get_by_label("New password again").fill("chosen by myself 22")
    page.get_by_role("button", name="Change password and sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
    signed_in = requests.post(stack.base_url + "/api/auth/token", timeout=10, json={
        "username": "pcso.reset", "password": "chosen by myself 22"})
    assert signed_in.status_code == 200, signed_in.text


def test_a_person_sets_one_up_from_the_menu_and_signs_in_with_a_recovery_code(page, stack):
    stack.add_user("pcso.keen", "pcso", wards=["dalston"])
    fill_credentials(page, "pcso.keen")  # not required of a PCSO: a password alone
    page.get_by_role("button", name="Sign out").wait_for()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Second factor").click()
    page.get_by_role("button", name="Set up a second factor").click()
    uri = page.locator("code[data-otpauth-uri]").get_attribute("data-otpauth-uri")
    page.get_by_label("Code from your authenticator app").fill(
        code(pyotp.parse_uri(uri).secret))
    page.get_by_role("button", name="Confirm").click()
    recovery = page.get_by_role("list", name="Recovery codes").locator("li").all_inner_texts()
    page.get_by_role("button", name="I have kept these codes: continue").click()
    page.get_by_text("Recovery codes left: 10").wait_for()
    page.get_by_role("button", name="Sign out").click()

    fill_credentials(page, "pcso.keen")
    page.get_by_label("Code from your authenticator app").fill(recovery[0])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Sign out").click()
    fill_credentials(page, "pcso.keen")
    page.get_by_label("Code from your authenticator app").fill(recovery[0])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").filter(has_text="already used").wait_for()
