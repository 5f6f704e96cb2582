"""Single sign-on with accounts created just in time (`WARDLINE_OIDC_CREATE_ACCOUNTS=1`),
over the real stack and a real provider process: a person the mapping gives a role gets
an account at their first sign-in, with the mapping's role, agency and wards (checked
against the ward register over RPC), audited and announced as an admin's would be."""
import pytest
import requests

from shared.testing.identity_provider import (SERGEANTS_GROUP, refused_with,
                                              signed_in_through, single_sign_on_settings)
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack_settings(wardline_env, identity_provider, tmp_path_factory):
    return {**single_sign_on_settings(identity_provider, wardline_env["WARDLINE_HTTP_PORT"],
                                      tmp_path_factory.mktemp("sso")),
            "WARDLINE_OIDC_CREATE_ACCOUNTS": "1"}


def test_a_new_person_in_a_mapped_group_is_given_an_account_at_first_sign_in(
        stack, identity_provider):
    sub = identity_provider.person("entra-new-sergeant", email="new.sergeant@example.org",
                                   name="New Sergeant", groups=[SERGEANTS_GROUP])
    answer = signed_in_through(stack, identity_provider, sub, "#/ward-view")
    assert answer.headers["Location"] == "/?single_sign_on=1#/ward-view", answer.headers
    renewed = requests.post(stack.base_url + "/api/auth/refresh", timeout=10, headers={
        "Cookie": f"wardline_refresh={answer.cookies['wardline_refresh']}"})
    me = requests.get(stack.base_url + "/api/me", timeout=10, headers={
        "Authorization": f"Bearer {renewed.json()['access_token']}"}).json()
    assert (me["username"], me["display_name"], me["role"], me["agency"], me["wards"]) == \
        ("new.sergeant", "New Sergeant", "sergeant", "police", ["dalston"])
    created = stack.get("/api/audit?record_type=user_account&username=new.sergeant",
                        "admin").json()["items"]
    assert [entry["action"] for entry in created] == ["collection"]
    # Announced as `user.saved`: the directory lists the new person.
    assert wait_for(lambda: any(
        person.get("username") == "new.sergeant" for person in
        stack.get("/api/directory?limit=200", "coordinator").json().get("items", [])))
    # Signing in again finds the same account by its subject: no second one.
    again = signed_in_through(stack, identity_provider, sub)
    assert "wardline_refresh" in again.cookies
    users = stack.get("/api/users?limit=200", "admin").json()["items"]
    assert [u["username"] for u in users if u["username"].startswith("new.sergeant")] == \
        ["new.sergeant"]


def test_even_then_claims_that_map_to_no_role_create_nothing(stack, identity_provider):
    sub = identity_provider.person("entra-visitor", email="visitor@example.org",
                                   groups=["a-group-wardline-does-not-know"])
    assert "not given any Wardline role" in refused_with(
        signed_in_through(stack, identity_provider, sub))
    users = stack.get("/api/users?limit=200", "admin").json()["items"]
    assert "visitor" not in {u["username"] for u in users}
