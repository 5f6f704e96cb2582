"""Issue 18 over the running stack: a person sets up a TOTP second factor and signs in
with its codes (a wrong or replayed code refused, and counted by the sign-in throttle), a
recovery code signs in once, a role that requires a second factor must set one up before
it gets a full token, an administrator resets a second factor, and a one-time password
set by an administrator must be changed at the next sign-in. Codes are computed here with
pyotp from the secret in the otpauth:// URI the gateway answers, as a phone would."""
import time
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
import requests

from wardline.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack_settings():
    # Analysts and reviewers must sign in with a second factor here; the admin, whom the
    # stack's helpers sign in as, need not.
    return {"WARDLINE_MFA_REQUIRED_ROLES": "analyst,reviewer"}


def sign_in(stack, username, password=DEMO_PASSWORD, **more):
    return requests.post(stack.base_url + "/api/auth/token", timeout=10,
                         json={"username": username, "password": password, **more})


def call(stack, method, path, token, **kwargs):
    return requests.request(method, stack.base_url + path, timeout=10,
                            headers={"Authorization": f"Bearer {token}"}, **kwargs)


def code(secret, seconds_from_now=0):
    when = datetime.now(timezone.utc) + timedelta(seconds=seconds_from_now)
    return pyotp.TOTP(secret).at(when)


def wrong(secret):
    right = {code(secret, s) for s in (-30, 0, 30)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def enrol(stack, token):
    """Set up a second factor with `token`: the secret, and the confirming answer's body
    (with the Set-Cookie header it came with, if any, as `set_cookie`)."""
    started = call(stack, "POST", "/api/me/second-factor", token)
    assert started.status_code == 200, started.text
    assert started.json()["qr_svg"].lstrip().startswith("<svg")
    secret = pyotp.parse_uri(started.json()["otpauth_uri"]).secret
    confirmed = call(stack, "POST", "/api/me/second-factor/confirm", token,
                     json={"code": code(secret)})
    assert confirmed.status_code == 200, confirmed.text
    return secret, {**confirmed.json(), "set_cookie": confirmed.headers.get("Set-Cookie")}


def error_code(answer):
    return answer.json()["error"]["code"]


def test_a_person_enrols_and_signs_in_with_a_code_and_a_wrong_or_replayed_one_is_refused(
        stack):
    stack.add_user("pcso.careful", "pcso", wards=["dalston"])
    token = stack.sign_in("pcso.careful")
    wrong_confirm = call(stack, "POST", "/api/me/second-factor/confirm", token,
                         json={"code": "123456"})
    assert wrong_confirm.status_code == 409  # nothing started yet
    started = call(stack, "POST", "/api/me/second-factor", token).json()
    secret = pyotp.parse_uri(started["otpauth_uri"]).secret
    refused = call(stack, "POST", "/api/me/second-factor/confirm", token,
                   json={"code": wrong(secret)})
    assert refused.status_code == 422 and "code" in refused.json()["error"]["fields"]
    confirmed = call(stack, "POST", "/api/me/second-factor/confirm", token,
                     json={"code": code(secret)})
    assert confirmed.status_code == 200, confirmed.text
    assert len(confirmed.json()["recovery_codes"]) == 10
    assert "access_token" not in confirmed.json()  # a full token needs no new one
    assert call(stack, "POST", "/api/me/second-factor", token).status_code == 409

    asked = sign_in(stack, "pcso.careful")
    assert asked.status_code == 401 and error_code(asked) == "second_factor_required"
    bad = sign_in(stack, "pcso.careful", code=wrong(secret))
    assert bad.status_code == 401 and error_code(bad) == "second_factor_wrong"
    # the confirming code's step is spent; the next step's code is accepted
    assert error_code(sign_in(stack, "pcso.careful", code=code(secret))) == \
        "second_factor_replayed"
    next_code = code(secret, 30)
    good = sign_in(stack, "pcso.careful", code=next_code)
    assert good.status_code == 200, good.text
    assert call(stack, "GET", "/api/me", good.json()["access_token"]).status_code == 200
    replayed = sign_in(stack, "pcso.careful", code=next_code)
    assert replayed.status_code == 401 and error_code(replayed) == "second_factor_replayed"
    assert "already used" in replayed.json()["error"]["message"]
    status = call(stack, "GET", "/api/me/second-factor", good.json()["access_token"]).json()
    assert status == {"enrolled": True, "required": False, "recovery_codes_left": 10}
    trail = stack.get("/api/audit?username=pcso.careful&record_type=user_account&limit=5",
                      "admin").json()["items"]
    assert any("Enrolling a second factor" in row["purpose"] for row in trail)


def test_wrong_codes_count_in_the_sign_in_throttle_until_it_locks(stack):
    stack.add_user("pcso.guessed", "pcso", wards=["dalston"])
    secret, _ = enrol(stack, stack.sign_in("pcso.guessed"))
    answers = [sign_in(stack, "pcso.guessed", code=wrong(secret)).status_code
               for _ in range(6)]
    assert answers == [401] * 6
    locked = sign_in(stack, "pcso.guessed", code=code(secret, 30))  # right, but locked
    assert locked.status_code == 429 and error_code(locked) == "locked"


def test_a_recovery_code_signs_in_once_only(stack):
    stack.add_user("pcso.phoneless", "pcso", wards=["dalston"])
    _, confirmed = enrol(stack, stack.sign_in("pcso.phoneless"))
    recovery = confirmed["recovery_codes"][0]
    first = sign_in(stack, "pcso.phoneless", code=recovery)
    assert first.status_code == 200, first.text
    again = sign_in(stack, "pcso.phoneless", code=recovery)
    assert again.status_code == 401 and error_code(again) == "second_factor_wrong"
    other = sign_in(stack, "pcso.phoneless", code=confirmed["recovery_codes"][1].upper())
    assert other.status_code == 200, other.text
    trail = stack.get("/api/audit?username=pcso.phoneless&record_type=user_account"
                      "&limit=10", "admin").json()["items"]
    assert sum("recovery code" in row["purpose"] for row in trail) == 2


def test_a_role_that_requires_a_second_factor_must_enrol_before_a_full_token(stack):
    stack.add_user("biu.newcomer", "analyst")
    answer = sign_in(stack, "biu.newcomer")
    assert answer.status_code == 401, answer.text
    error = answer.json()["error"]
    assert error["code"] == "second_factor_enrolment_required"
    enrolment_token = error["enrolment_token"]
    refused = call(stack, "GET", "/api/intelligence", enrolment_token)
    assert refused.status_code == 403 and "second factor" in \
        refused.json()["error"]["message"]
    secret, confirmed = enrol(stack, enrolment_token)
    full = confirmed["access_token"]
    assert confirmed["set_cookie"].startswith("wardline_refresh=")  # renewable, as signed in
    assert call(stack, "GET", "/api/intelligence", full).status_code == 200
    # the enrolment token's session is over; the person now signs in with a code
    assert call(stack, "GET", "/api/me", enrolment_token).status_code == 401
    assert error_code(sign_in(stack, "biu.newcomer")) == "second_factor_required"
    assert sign_in(stack, "biu.newcomer", code=code(secret, 30)).status_code == 200
    removing = call(stack, "POST", "/api/me/second-factor/remove", full,
                    json={"code": code(secret, -30)})
    assert removing.status_code == 409  # the analyst role requires it


def test_an_admin_resets_a_second_factor_and_the_person_signs_in_without_it(stack):
    stack.add_user("pcso.lostphone", "pcso", wards=["dalston"])
    token = stack.sign_in("pcso.lostphone")
    enrol(stack, token)
    reset = stack.post("/api/users/pcso.lostphone/second-factor/reset", "admin")
    assert reset.status_code == 200, reset.text
    assert reset.json() == {"username": "pcso.lostphone", "second_factor_removed": True}
    deadline = time.monotonic() + 5
    while call(stack, "GET", "/api/me", token).status_code != 401:
        assert time.monotonic() < deadline, "the token issued before the reset still works"
        time.sleep(0.2)
    assert sign_in(stack, "pcso.lostphone").status_code == 200
    trail = stack.get("/api/audit?username=admin&record_type=user_account&limit=5",
                      "admin").json()["items"]
    assert "Resetting an account's second factor" in trail[0]["purpose"]
    nobody = stack.post("/api/users/nobody.here/second-factor/reset", "admin")
    assert nobody.status_code == 404


def test_a_one_time_password_must_be_changed_at_the_next_sign_in(stack):
    stack.add_user("pcso.forgot", "pcso", wards=["dalston"])
    short = stack.post("/api/users/pcso.forgot/password-reset", "admin",
                       json={"password": "short"})
    assert short.status_code == 422 and "password" in short.json()["error"]["fields"]
    reset = stack.post("/api/users/pcso.forgot/password-reset", "admin",
                       json={"password": "one-time password 2026"})
    assert reset.status_code == 204, reset.text
    assert sign_in(stack, "pcso.forgot").status_code == 401  # the old password is gone
    asked = sign_in(stack, "pcso.forgot", "one-time password 2026")
    assert asked.status_code == 401 and error_code(asked) == "password_change_required"
    change = {"username": "pcso.forgot", "password": "one-time password 2026"}
    same = requests.post(stack.base_url + "/api/auth/password", timeout=10,
                         json={**change, "new_password": "one-time password 2026"})
    assert same.status_code == 422 and "new_password" in same.json()["error"]["fields"]
    changed = requests.post(stack.base_url + "/api/auth/password", timeout=10,
                            json={**change, "new_password": "my very own password"})
    assert changed.status_code == 200, changed.text
    assert call(stack, "GET", "/api/me", changed.json()["access_token"]).status_code == 200
    assert changed.headers["Set-Cookie"].startswith("wardline_refresh=")
    assert sign_in(stack, "pcso.forgot", "one-time password 2026").status_code == 401
    assert sign_in(stack, "pcso.forgot", "my very own password").status_code == 200
    trail = stack.get("/api/audit?username=admin&record_type=user_account&limit=5",
                      "admin").json()["items"]
    assert "one-time password" in trail[0]["purpose"]


def test_a_one_time_password_from_the_command_line_must_be_changed_too(stack):
    stack.add_user("pcso.cli", "pcso", wards=["dalston"])
    done = stack.wardline("users", "set-password", "pcso.cli", "--one-time",
                          "--password-stdin", input="from the command line 1\n")
    assert "one-time" in done.stdout
    asked = sign_in(stack, "pcso.cli", "from the command line 1")
    assert asked.status_code == 401 and error_code(asked) == "password_change_required"
    changed = requests.post(stack.base_url + "/api/auth/password", timeout=10, json={
        "username": "pcso.cli", "password": "from the command line 1",
        "new_password": "chosen after the command line"})
    assert changed.status_code == 200, changed.text
