"""Accounts and access tokens."""
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from services.gateway import accounts, tokens
from services.gateway.orm import metadata
from shared.errors import Conflict, InvalidContent, NotAuthenticated
from shared.testing.memory import InMemoryDatabase

SECRET = "unit-test-secret-unit-test-secret-00"
USER = {"username": "sgt.dalston", "password": "a long enough password",
        "display_name": "Sgt Sam", "role": "sergeant", "wards": ["dalston"]}


@pytest.fixture
def session():
    with InMemoryDatabase(metadata).unit_of_work() as uow:
        yield uow.session


def test_passwords_are_stored_only_as_argon2_hashes_and_verified(session):
    accounts.add_user(session, USER, known_wards={"dalston"})
    stored = accounts.find_user(session, "sgt.dalston")
    assert stored["password_hash"].startswith("$argon2id$")
    assert accounts.authenticate(session, "sgt.dalston", USER["password"])["agency"] == "police"
    assert accounts.authenticate(session, "sgt.dalston", "wrong password!") is None
    assert accounts.authenticate(session, "nobody", "whatever password") is None


@pytest.mark.parametrize("password", [None, 12345, ["a list"], {"an": "object"}])
def test_a_missing_or_non_string_password_is_wrong_not_a_crash(session, password):
    """Found by the API fuzzing: `{"username": "x"}` alone was a 500."""
    accounts.add_user(session, USER, known_wards={"dalston"})
    assert accounts.authenticate(session, "sgt.dalston", password) is None
    assert accounts.authenticate(session, "nobody", password) is None


def test_a_bad_account_names_every_bad_field(session):
    with pytest.raises(InvalidContent) as refused:
        accounts.add_user(session, {"username": "X!", "password": "short", "role": "chief",
                                    "display_name": "x"}, known_wards=set())
    assert set(refused.value.fields) == {"username", "password", "role"}


def test_unknown_wards_and_taken_usernames_are_refused(session):
    with pytest.raises(InvalidContent):
        accounts.add_user(session, {**USER, "wards": ["atlantis"]}, known_wards={"dalston"})
    accounts.add_user(session, USER, known_wards={"dalston"})
    with pytest.raises(Conflict):
        accounts.add_user(session, USER, known_wards={"dalston"})


def test_a_token_names_the_user_role_agency_wards_session_and_token_version():
    token = tokens.issue({"username": "p", "role": "pcso", "agency": "police",
                          "wards": ["dalston"], "token_version": 4}, SECRET, 60,
                         session_id="s-1")
    assert tokens.verify(token, SECRET) == {"username": "p", "role": "pcso",
                                            "agency": "police", "wards": ["dalston"],
                                            "session_id": "s-1", "token_version": 4,
                                            "scope": None}


def test_an_expired_token_is_refused():
    issued = datetime.now(timezone.utc) - timedelta(hours=2)
    token = tokens.issue({"username": "p", "role": "pcso"}, SECRET, 60, now=issued)
    with pytest.raises(NotAuthenticated, match="expired"):
        tokens.verify(token, SECRET)


def test_a_tampered_token_is_refused():
    token = tokens.issue({"username": "p", "role": "pcso"}, SECRET, 60)
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode({**claims, "role": "admin"}, "guessed-secret-guessed-secret-000",
                        algorithm="HS256")
    with pytest.raises(NotAuthenticated, match="not valid"):
        tokens.verify(forged, SECRET)


def test_a_token_carries_its_issuer_and_audience_and_both_are_checked():
    token = tokens.issue({"username": "p", "role": "pcso"}, SECRET, 60)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["iss"], claims["aud"]) == ("wardline", "wardline-api")
    for changed in ({"iss": "elsewhere"}, {"aud": "another-api"}):
        other = jwt.encode({**claims, **changed}, SECRET, algorithm="HS256")
        with pytest.raises(NotAuthenticated, match="not valid"):
            tokens.verify(other, SECRET)
    for missing in ("iss", "aud"):
        bare = jwt.encode({k: v for k, v in claims.items() if k != missing}, SECRET,
                          algorithm="HS256")
        with pytest.raises(NotAuthenticated, match="not valid"):
            tokens.verify(bare, SECRET)
