"""The caller assertion RPC carries (shared/caller.py): the actor it was signed for comes
back, and nothing else is believed: no assertion, an expired one, one signed with another
key, for another audience or by another issuer (an API access token), or one altered."""
import base64
import json
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from services.gateway import tokens
from shared.caller import (AUDIENCE, CALLER_HEADER, ISSUER, CallerRefused, caller_context,
                           sign_caller, system_caller, verify_caller)
from shared.errors import NotAuthenticated

KEY = "caller-key-for-unit-tests-0123456789abcdef"
PARTNER = {"username": "yot.partner", "role": "partner", "agency": "yot",
           "wards": ["dalston"]}


def refusal(token, key=KEY):
    with pytest.raises(CallerRefused) as refused:
        verify_caller(token, key)
    assert isinstance(refused.value.error, NotAuthenticated)
    return refused.value.reason


def test_the_signed_actor_is_the_one_verified():
    assert verify_caller(sign_caller(PARTNER, KEY), KEY) == PARTNER


def test_only_the_four_keys_services_decide_from_are_signed():
    token = sign_caller({**PARTNER, "email": "someone@example.org"}, KEY)
    assert verify_caller(token, KEY) == PARTNER


def test_during_a_rotation_either_accepted_key_will_do_and_no_other():
    old, new = KEY, "the-new-caller-key-0123456789abcdef012345"
    for signing_key in (old, new):
        assert verify_caller(sign_caller(PARTNER, signing_key), [new, old]) == PARTNER
    assert refusal(sign_caller(PARTNER, "neither-key-0123456789abcdef0123456789"),
                   [new, old]) == "invalid"
    expired = sign_caller(PARTNER, old, now=datetime.now(timezone.utc) - timedelta(hours=1))
    assert refusal(expired, [new, old]) == "expired"


def test_a_system_caller_has_no_agency_and_no_wards():
    actor = verify_caller(sign_caller(system_caller("wardline-cli"), KEY), KEY)
    assert actor == {"username": "wardline-cli", "role": "system", "agency": None,
                     "wards": []}


def test_the_context_data_carries_the_assertion_under_its_header():
    context = caller_context(PARTNER, KEY)
    assert list(context) == [CALLER_HEADER] == ["wardline-caller"]
    assert verify_caller(context[CALLER_HEADER], KEY) == PARTNER


@pytest.mark.parametrize("token", [None, ""])
def test_a_call_without_an_assertion_is_refused(token):
    assert refusal(token) == "missing"


def test_an_expired_assertion_is_refused():
    signed_long_ago = datetime.now(timezone.utc) - timedelta(minutes=5)
    assert refusal(sign_caller(PARTNER, KEY, ttl_seconds=60, now=signed_long_ago)) == "expired"


def test_an_assertion_signed_with_another_key_is_refused():
    assert refusal(sign_caller(PARTNER, "another-key-entirely-0123456789abcdef")) == "invalid"


def test_an_assertion_for_another_audience_is_refused():
    now = datetime.now(timezone.utc)
    token = jwt.encode({"sub": "coordinator", "role": "coordinator", "iss": ISSUER,
                        "aud": "wardline-api", "iat": now, "exp": now + timedelta(seconds=60)},
                       KEY, algorithm="HS256")
    assert refusal(token) == "invalid"


def test_an_api_access_token_is_not_an_assertion_even_under_the_same_key():
    assert AUDIENCE != tokens.AUDIENCE and ISSUER != tokens.ISSUER
    access_token = tokens.issue({**PARTNER, "role": "coordinator"}, KEY, 3600)
    assert refusal(access_token) == "invalid"


def test_an_altered_assertion_is_refused():
    header, payload, signature = sign_caller(PARTNER, KEY).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "coordinator"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert refusal(f"{header}.{forged}.{signature}") == "invalid"


def test_an_unsigned_assertion_is_refused():
    now = datetime.now(timezone.utc)
    token = jwt.encode({"sub": "coordinator", "role": "coordinator", "iss": ISSUER,
                        "aud": AUDIENCE, "iat": now, "exp": now + timedelta(seconds=60)},
                       None, algorithm="none")
    assert refusal(token) == "invalid"


@pytest.mark.parametrize("token", ["not a jwt", 42, ["a", "list"]])
def test_garbage_in_the_header_is_refused(token):
    assert refusal(token) == "invalid"
