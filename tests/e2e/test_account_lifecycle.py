"""Issue 18 over the running stack: an administrator changes an account and the tokens
issued before the change obey it on the next request (within the session check's few
seconds): a disabled account is refused, a sergeant moved off a ward no longer sees its
tasking items, signing out refuses that session's token. Each change is audited and
reaches the directory as `user.saved` with `active`."""
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
import sqlalchemy as sa

from shared.db import driver_url
from shared.testing.waiting import wait_for
from wardline.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

TAKES_EFFECT_WITHIN = 5  # seconds: the promise (sessions.CHECK_SECONDS is 3)
KEEP_ENDED_SESSIONS = 4  # seconds here (7 days by default), so that the timer is seen


@pytest.fixture(scope="module")
def stack_settings():
    """The gateway's session pruning every second, keeping ended sessions a few seconds."""
    return {"WARDLINE_SESSION_PRUNE_SECONDS": "1",
            "WARDLINE_SESSION_KEEP_DAYS": repr(KEEP_ENDED_SESSIONS / 86400)}


def as_token(stack, method, path, token, **kwargs):
    return requests.request(method, stack.base_url + path, timeout=10,
                            headers={"Authorization": f"Bearer {token}"}, **kwargs)


def refused_within(stack, path, token, seconds=TAKES_EFFECT_WITHIN):
    """How long until `token` is refused on `path` (401), or None if it never was."""
    started = time.monotonic()
    refused = wait_for(lambda: as_token(stack, "GET", path, token).status_code == 401,
                       timeout=seconds, interval=0.2)
    return time.monotonic() - started if refused else None


def test_a_disabled_accounts_existing_token_is_refused_and_it_cannot_sign_in(stack):
    stack.add_user("pcso.leaving", "pcso", wards=["dalston"], email="leaving@example.org")
    token = stack.token("pcso.leaving")
    assert as_token(stack, "GET", "/api/me", token).status_code == 200
    disabled = stack.request("PATCH", "/api/users/pcso.leaving", "admin",
                             json={"active": False})
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["active"] is False
    assert refused_within(stack, "/api/me", token) is not None
    assert as_token(stack, "GET", "/api/me", token).json()["error"]["code"] == \
        "not_authenticated"
    signing_in = requests.post(stack.base_url + "/api/auth/token", timeout=10, json={
        "username": "pcso.leaving", "password": DEMO_PASSWORD})
    assert signing_in.status_code == 401
    trail = stack.get("/api/audit?username=admin&record_type=user_account&limit=5",
                      "admin").json()["items"]
    assert "disabling it" in trail[0]["purpose"]
    # the directory hears of it (user.saved, active false): it lists the person no more
    assert wait_for(lambda: not any(
        entry["username"] == "pcso.leaving"
        for entry in stack.get("/api/directory?limit=200", "coordinator").json()["items"]),
        timeout=20)
    everyone = stack.get("/api/directory?limit=200&inactive=true", "coordinator").json()
    assert {entry["username"]: entry["active"] for entry in everyone["items"]}[
        "pcso.leaving"] is False  # shown as inactive when asked for
    enabled = stack.request("PATCH", "/api/users/pcso.leaving", "admin",
                            json={"active": True})
    assert enabled.json()["active"] is True
    assert as_token(stack, "GET", "/api/me", token).status_code == 401  # old tokens stay dead


def test_a_sergeant_moved_off_a_ward_no_longer_sees_its_tasking_items(stack):
    stack.add_user("sgt.moving", "sergeant", wards=["dalston", "hackney-central"])
    token = stack.token("sgt.moving")
    raised = stack.post("/api/tasking/items", "coordinator", json={
        "title": "Lighting survey of the Dalston estate", "ward": "dalston",
        "owner_agency": "housing",
        "due_by": (datetime.now(timezone.utc) + timedelta(days=7)).isoformat()})
    assert raised.status_code == 201, raised.text
    path = f"/api/tasking/items/{raised.json()['id']}"
    assert as_token(stack, "GET", path, token).status_code == 200
    moved = stack.request("PATCH", "/api/users/sgt.moving", "admin",
                          json={"wards": ["hackney-central"]})
    assert moved.status_code == 200, moved.text
    started = time.monotonic()
    assert wait_for(lambda: as_token(stack, "GET", path, token).status_code == 404,
                    timeout=TAKES_EFFECT_WITHIN, interval=0.2)
    assert time.monotonic() - started <= TAKES_EFFECT_WITHIN + 1
    listed = as_token(stack, "GET", "/api/tasking/items?limit=200", token)
    assert listed.status_code == 200  # the same token still works, for the new ward
    assert raised.json()["id"] not in [item["id"] for item in listed.json()["items"]]


def test_signing_out_refuses_that_sessions_token_and_no_other(stack):
    stack.add_user("analyst.two", "analyst")
    first = stack.token("analyst.two")
    second = requests.post(stack.base_url + "/api/auth/token", timeout=10, json={
        "username": "analyst.two", "password": DEMO_PASSWORD}).json()["access_token"]
    out = as_token(stack, "POST", "/api/auth/logout", first)
    assert out.status_code == 204, out.text
    assert as_token(stack, "GET", "/api/me", first).status_code == 401  # at once, here
    assert as_token(stack, "POST", "/api/auth/logout", first).status_code == 401
    assert as_token(stack, "GET", "/api/me", second).status_code == 200


def test_a_role_change_is_audited_refuses_old_tokens_and_bad_changes_name_the_field(stack):
    stack.add_user("housing.newcomer", "partner", agency="housing")
    token = stack.token("housing.newcomer")
    bad = stack.request("PATCH", "/api/users/housing.newcomer", "admin",
                        json={"role": "reviewer", "wards": "all of them"})
    assert bad.status_code == 422 and set(bad.json()["error"]["fields"]) == {"wards"}
    assert stack.get("/api/users?limit=200", "admin").json()["items"][0]  # still listed
    assert as_token(stack, "GET", "/api/me", token).json()["role"] == "partner"  # unchanged
    assert stack.request("PATCH", "/api/users/nobody.here", "admin",
                         json={"active": False}).status_code == 404
    assert stack.request("PATCH", "/api/users/housing.newcomer", "coordinator",
                         json={"active": False}).status_code == 403
    made = stack.request("PATCH", "/api/users/housing.newcomer", "admin",
                         json={"role": "reviewer"})
    assert made.status_code == 200 and made.json()["role"] == "reviewer"
    trail = stack.get("/api/audit?username=admin&record_type=user_account&limit=5",
                      "admin").json()["items"]
    assert "giving it the reviewer role (was partner) (reads case data)" in \
        trail[0]["purpose"]
    assert refused_within(stack, "/api/me", token) is not None


def test_a_password_set_from_the_command_line_refuses_earlier_tokens(stack):
    stack.add_user("pcso.forgetful", "pcso", wards=["dalston"])
    token = stack.token("pcso.forgetful")
    stack.wardline("users", "set-password", "pcso.forgetful", "--password-stdin",
                   input="a much longer new password\n")
    assert refused_within(stack, "/api/me", token) is not None
    fresh = stack.sign_in("pcso.forgetful", "a much longer new password")
    assert as_token(stack, "GET", "/api/me", fresh).status_code == 200


def signed_in_with_cookie(stack, username):
    answer = requests.post(stack.base_url + "/api/auth/token", timeout=10, json={
        "username": username, "password": DEMO_PASSWORD})
    assert answer.status_code == 200, answer.text
    return answer


def refresh_cookie(answer):
    """The refresh token from an answer's Set-Cookie, with the cookie's attributes."""
    header = answer.headers["Set-Cookie"]
    name_value, *attributes = [part.strip() for part in header.split(";")]
    name, _, value = name_value.partition("=")
    assert name == "wardline_refresh"
    return value, {attribute.split("=")[0].lower() for attribute in attributes}, header


def refresh(stack, token):
    return requests.post(stack.base_url + "/api/auth/refresh", timeout=10,
                         headers={"Cookie": f"wardline_refresh={token}"})


def test_access_tokens_last_15_minutes_and_a_rotating_refresh_cookie_renews_them(stack):
    stack.add_user("coord.deputy", "coordinator")
    signed_in = signed_in_with_cookie(stack, "coord.deputy")
    assert signed_in.json()["expires_in"] == 900
    assert signed_in.headers["Cache-Control"] == "no-store"
    first, attributes, header = refresh_cookie(signed_in)
    assert {"httponly", "secure", "samesite", "path", "max-age"} <= attributes, header
    assert "SameSite=Strict" in header and "Path=/api/auth" in header
    renewed = refresh(stack, first)
    assert renewed.status_code == 200, renewed.text
    second, _, _ = refresh_cookie(renewed)
    assert second != first
    access = renewed.json()["access_token"]
    assert as_token(stack, "GET", "/api/me", access).json()["username"] == "coord.deputy"
    assert refresh(stack, second).status_code == 200  # the new one works (once)
    assert refresh(stack, "").status_code == 401
    assert requests.post(stack.base_url + "/api/auth/refresh", timeout=10).status_code == 401


def test_a_refresh_token_used_twice_signs_the_whole_session_out(stack):
    stack.add_user("coord.third", "coordinator")
    signed_in = signed_in_with_cookie(stack, "coord.third")
    first, _, _ = refresh_cookie(signed_in)
    renewed = refresh(stack, first)
    second, _, _ = refresh_cookie(renewed)
    access = renewed.json()["access_token"]
    reused = refresh(stack, first)  # a stolen copy, presented after its owner used it
    assert reused.status_code == 401 and "already used" in reused.json()["error"]["message"]
    assert refresh(stack, second).status_code == 401  # the session is over for everyone
    assert as_token(stack, "GET", "/api/me", access).status_code == 401
    assert as_token(stack, "GET", "/api/me",
                    signed_in.json()["access_token"]).status_code == 401


def test_signing_out_ends_the_refresh_token_and_clears_its_cookie(stack):
    stack.add_user("coord.fourth", "coordinator")
    signed_in = signed_in_with_cookie(stack, "coord.fourth")
    cookie, _, _ = refresh_cookie(signed_in)
    out = as_token(stack, "POST", "/api/auth/logout", signed_in.json()["access_token"])
    assert out.status_code == 204
    assert out.headers["Set-Cookie"].startswith("wardline_refresh=;")
    assert refresh(stack, cookie).status_code == 401


def test_the_gateway_deletes_ended_sessions_once_kept_long_enough_and_keeps_live_ones(stack):
    stack.add_user("analyst.three", "analyst")
    ending = stack.sign_in("analyst.three")
    live = stack.sign_in("analyst.three")
    assert [as_token(stack, "GET", "/api/me", t).status_code for t in (ending, live)] == [200, 200]
    assert session_count(stack, "analyst.three") == 2
    assert as_token(stack, "POST", "/api/auth/logout", ending).status_code == 204
    assert session_count(stack, "analyst.three") == 2  # ended, kept for a while
    assert wait_for(lambda: session_count(stack, "analyst.three") == 1, timeout=20), \
        "the signed-out session was never deleted"
    assert as_token(stack, "GET", "/api/me", live).status_code == 200
    assert as_token(stack, "GET", "/api/me", ending).status_code == 401


def session_count(stack, username):
    engine = sa.create_engine(driver_url(stack.env["WARDLINE_DATABASE_URL"]))
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM gateway.sessions "
                                        "WHERE username = :u"), {"u": username}).scalar()
    finally:
        engine.dispose()
