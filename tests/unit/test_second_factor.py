"""The second factor (TOTP): its code rules (totp.py), enrolling and checking it on a
real in-memory database (second_factors.py), and how sign-in counts wrong and replayed
codes, asks for a one-time password to be changed, and gives a role that requires a
second factor only an enrolment token (sign_in.py)."""
from datetime import datetime, timedelta, timezone

import pyotp
import pytest

from services.gateway import accounts, second_factors, sign_in, tokens, totp
from services.gateway.orm import metadata
from shared.config import ConfigError, mfa_required_roles
from shared.errors import Conflict, InvalidContent
from shared.testing.memory import InMemoryDatabase

KEY = "a-totp-key-for-tests-a-totp-key-for-tests"
NOW = datetime(2026, 12, 7, 14, 0, 5, tzinfo=timezone.utc)
ADMIN = {"username": "admin", "role": "admin", "agency": None, "wards": []}
PASSWORD = "a long enough password"
ANALYST = {"username": "biu.ana", "password": PASSWORD, "display_name": "Ana",
           "role": "analyst"}
CONFIG = {"TOTP_KEY": KEY}


def code_at(secret, when):
    return pyotp.TOTP(secret).at(when)


# -- the rules of codes ------------------------------------------------------------------

def test_a_code_of_now_or_a_step_either_side_is_accepted_and_names_its_step():
    secret = totp.new_secret()
    step = pyotp.TOTP(secret).timecode(NOW)
    assert totp.accepted_step(secret, code_at(secret, NOW), None, NOW) == step
    assert totp.accepted_step(secret, code_at(secret, NOW - timedelta(seconds=30)),
                              None, NOW) == step - 1
    with pytest.raises(totp.WrongCode):
        totp.accepted_step(secret, code_at(secret, NOW - timedelta(seconds=90)), None, NOW)


def test_a_code_of_a_step_already_used_is_replayed_not_wrong():
    secret = totp.new_secret()
    step = totp.accepted_step(secret, code_at(secret, NOW), None, NOW)
    with pytest.raises(totp.ReplayedCode):
        totp.accepted_step(secret, code_at(secret, NOW), step, NOW)
    # the step before the one used is refused too: codes only move forward
    with pytest.raises(totp.ReplayedCode):
        totp.accepted_step(secret, code_at(secret, NOW - timedelta(seconds=30)), step, NOW)


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", None, 123456])
def test_anything_but_six_digits_is_a_wrong_code(typed):
    with pytest.raises(totp.WrongCode):
        totp.accepted_step(totp.new_secret(), typed, None, NOW)


def test_a_code_typed_with_a_space_is_the_same_code():
    secret = totp.new_secret()
    code = code_at(secret, NOW)
    assert totp.accepted_step(secret, f"{code[:3]} {code[3:]}", None, NOW) is not None


def test_the_uri_names_the_issuer_and_account_and_carries_the_secret():
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, "biu.ana")
    parsed = pyotp.parse_uri(uri)
    assert uri.startswith("otpauth://totp/")
    assert (parsed.secret, parsed.name, parsed.issuer) == (secret, "biu.ana", "Wardline")
    assert totp.qr_svg(uri).lstrip().startswith("<svg")


def test_recovery_codes_are_ten_different_codes_hashed_however_typed():
    codes = totp.new_recovery_codes()
    assert len(set(codes)) == 10 and all(totp.looks_like_recovery_code(c) for c in codes)
    assert totp.recovery_hash(codes[0]) == totp.recovery_hash(codes[0].upper().replace("-", " "))
    assert codes[0] not in totp.recovery_hash(codes[0])


# -- enrolling and checking on the database ------------------------------------------------

@pytest.fixture
def db():
    database = InMemoryDatabase(metadata)
    with database.unit_of_work() as uow:
        accounts.open_account(uow, ANALYST, set(), ADMIN)
    return database


def user(db):
    with db.unit_of_work() as uow:
        return accounts.find_user(uow.session, "biu.ana")


def enrol(db):
    """Start and confirm an enrolment at NOW: the secret (read off the URI, as an app
    does) and the recovery codes."""
    with db.unit_of_work() as uow:
        started = second_factors.start_enrolment(uow.session, "biu.ana", KEY, NOW)
    secret = pyotp.parse_uri(started["otpauth_uri"]).secret
    with db.unit_of_work() as uow:
        codes = second_factors.confirm_enrolment(uow.session, user(db), code_at(secret, NOW),
                                                 KEY, NOW)
    return secret, codes


def test_the_secret_is_stored_encrypted_and_counts_only_once_confirmed(db):
    with db.unit_of_work() as uow:
        started = second_factors.start_enrolment(uow.session, "biu.ana", KEY, NOW)
        assert not second_factors.enrolled(uow.session, "biu.ana")
    secret = pyotp.parse_uri(started["otpauth_uri"]).secret
    [row] = db.rows("second_factors")
    assert secret not in row["secret_encrypted"]
    with pytest.raises(InvalidContent) as refused, db.unit_of_work() as uow:
        second_factors.confirm_enrolment(uow.session, user(db), "000000"
                                         if code_at(secret, NOW) != "000000" else "111111",
                                         KEY, NOW)
    assert "code" in refused.value.fields
    with db.unit_of_work() as uow:
        codes = second_factors.confirm_enrolment(uow.session, user(db),
                                                 code_at(secret, NOW), KEY, NOW)
        assert second_factors.enrolled(uow.session, "biu.ana")
    stored = {row["code_hash"] for row in db.rows("recovery_codes")}
    assert len(codes) == 10 and stored == {totp.recovery_hash(c) for c in codes}
    assert not stored & set(codes)
    assert "Enrolling a second factor" in db.rows("audit_log")[-1]["purpose"]


def test_an_enrolled_account_cannot_start_again_without_removing_it(db):
    enrol(db)
    with pytest.raises(Conflict), db.unit_of_work() as uow:
        second_factors.start_enrolment(uow.session, "biu.ana", KEY, NOW)


def test_the_confirming_code_cannot_also_sign_in(db):
    secret, _ = enrol(db)
    with pytest.raises(second_factors.ReplayedSecondFactor), db.unit_of_work() as uow:
        second_factors.check(uow.session, user(db), code_at(secret, NOW), KEY, NOW)


def test_a_recovery_code_signs_in_once_and_is_audited(db):
    _, codes = enrol(db)
    with db.unit_of_work() as uow:
        assert second_factors.check(uow.session, user(db), codes[3], KEY, NOW) == \
            "recovery_code"
    assert "recovery code" in db.rows("audit_log")[-1]["purpose"]
    with pytest.raises(second_factors.WrongSecondFactor), db.unit_of_work() as uow:
        second_factors.check(uow.session, user(db), codes[3], KEY, NOW)
    with db.unit_of_work() as uow:
        assert second_factors.status(uow.session, "biu.ana", ("analyst",), "analyst") == {
            "enrolled": True, "required": True, "recovery_codes_left": 9}


def test_a_secret_under_another_key_is_a_clear_conflict_not_a_crash(db):
    secret, _ = enrol(db)
    with pytest.raises(Conflict, match="reset"), db.unit_of_work() as uow:
        second_factors.check(uow.session, user(db), code_at(secret, NOW + timedelta(
            seconds=30)), "another-key-another-key-another-key-12", NOW)


def test_an_admin_reset_removes_it_refuses_tokens_and_is_audited(db):
    enrol(db)
    before = user(db)["token_version"]
    with db.unit_of_work() as uow:
        answer = second_factors.reset(uow.session, "biu.ana", ADMIN)
    assert answer == {"username": "biu.ana", "second_factor_removed": True}
    assert db.rows("second_factors") == [] and db.rows("recovery_codes") == []
    assert user(db)["token_version"] == before + 1
    assert db.rows("audit_log")[-1]["username"] == "admin"
    assert "Resetting an account's second factor" in db.rows("audit_log")[-1]["purpose"]


def test_a_role_that_requires_it_cannot_remove_its_own(db):
    secret, _ = enrol(db)
    principal = {**user(db), "wards": []}
    later = code_at(secret, NOW + timedelta(seconds=30))
    with pytest.raises(Conflict), db.unit_of_work() as uow:
        second_factors.remove(uow.session, principal, later, KEY, ("analyst",), NOW)
    with db.unit_of_work() as uow:
        second_factors.remove(uow.session, principal, later, KEY, (), NOW)
    assert db.rows("second_factors") == []
    assert "Removing the second factor" in db.rows("audit_log")[-1]["purpose"]


# -- sign-in -------------------------------------------------------------------------------

def attempt(db, now=NOW, **credentials):
    with db.unit_of_work() as uow:
        return sign_in.attempt(uow.session, {"username": "biu.ana", "password": PASSWORD,
                                             **credentials}, "key", CONFIG, now)


def failures(db):
    return [row["failures"] for row in db.rows("login_attempts")]


def test_sign_in_asks_for_the_code_without_counting_it_as_a_failure(db):
    enrol(db)
    outcome = attempt(db)
    assert outcome.user is None
    assert isinstance(outcome.refusal, second_factors.SecondFactorRequired)
    assert outcome.refusal.code == "second_factor_required" and failures(db) == []


def test_wrong_and_replayed_codes_count_in_the_throttle_and_a_right_one_clears_it(db):
    secret, _ = enrol(db)
    later = NOW + timedelta(seconds=30)
    right = code_at(secret, later)
    wrong = next(c for c in ("000000", "111111") if c != right)
    assert attempt(db, later, code=wrong).refusal.code == "second_factor_wrong"
    assert failures(db) == [1]
    assert attempt(db, later, code=code_at(secret, NOW)).refusal.code == \
        "second_factor_replayed"  # the step the enrolment spent
    assert failures(db) == [2]
    assert attempt(db, later, code=right).user["username"] == "biu.ana"
    assert failures(db) == []
    assert attempt(db, later, code=right).refusal.code == "second_factor_replayed"


def test_a_one_time_password_must_be_changed_before_anything_else(db):
    with db.unit_of_work() as uow:
        accounts.set_password(uow, "biu.ana", "a one-time password", ADMIN, one_time=True)
    refusal = attempt(db, password="a one-time password").refusal
    assert refusal.code == "password_change_required" and "new_password" in refusal.fields
    with db.unit_of_work() as uow:
        found = sign_in.attempt(uow.session, {"username": "biu.ana",
                                              "password": "a one-time password"},
                                "key", CONFIG, NOW, changing_password=True)
        with pytest.raises(InvalidContent):  # the same password again is no change
            accounts.choose_password(uow.session, found.user, "a one-time password")
    with db.unit_of_work() as uow:
        accounts.choose_password(uow.session, found.user, "my own new password")
    assert attempt(db, password="my own new password").user["password_must_change"] is False
    assert attempt(db, password="a one-time password").refusal.code == "not_authenticated"


def test_a_role_that_requires_a_second_factor_must_enrol_until_it_has_one(db):
    with db.unit_of_work() as uow:
        assert sign_in.must_enrol(uow.session, user(db), ("analyst",))
        assert not sign_in.must_enrol(uow.session, user(db), ())
    enrol(db)
    with db.unit_of_work() as uow:
        assert not sign_in.must_enrol(uow.session, user(db), ("analyst",))


def test_an_enrolment_token_says_so_and_a_full_one_does_not():
    person = {"username": "p", "role": "admin", "token_version": 0}
    enrolling = tokens.issue(person, KEY, 60, session_id="s", scope=sign_in.ENROLMENT_SCOPE)
    assert tokens.verify(enrolling, KEY)["scope"] == "enrol_second_factor"
    assert tokens.verify(tokens.issue(person, KEY, 60, session_id="s"), KEY)["scope"] is None


@pytest.mark.parametrize("value, roles", [
    (None, ("admin", "reviewer", "analyst")),  # the default: secure
    ("none", ()), ("NONE", ()), ("coordinator, admin", ("coordinator", "admin"))])
def test_the_roles_that_require_a_second_factor_are_configurable(value, roles):
    environ = {} if value is None else {"WARDLINE_MFA_REQUIRED_ROLES": value}
    assert mfa_required_roles(environ) == roles


def test_an_unknown_role_in_the_setting_is_refused_by_name():
    with pytest.raises(ConfigError, match="chief"):
        mfa_required_roles({"WARDLINE_MFA_REQUIRED_ROLES": "admin,chief"})
