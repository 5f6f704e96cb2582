"""Changing an account (`PATCH /api/users/{username}`: accounts.change_account) and the
sessions that let a change, or signing out, refuse tokens issued before it (sessions.py)."""
from datetime import timedelta

import pytest

from services.gateway import accounts, sessions, tokens
from services.gateway.orm import metadata
from shared.db import utcnow
from shared.errors import Conflict, InvalidContent, NotAuthenticated, NotFound
from shared.testing.memory import InMemoryDatabase

ADMIN = {"username": "admin", "role": "admin", "agency": None, "wards": []}
SERGEANT = {"username": "sgt.dalston", "password": "a long enough password",
            "display_name": "Sgt Sam", "role": "sergeant", "wards": ["dalston"],
            "email": "sam@example.org"}
WARDS = {"dalston", "hackney-central"}


@pytest.fixture
def db():
    database = InMemoryDatabase(metadata)
    with database.unit_of_work() as uow:
        accounts.open_account(uow, SERGEANT, WARDS, ADMIN)
        accounts.open_account(uow, {**SERGEANT, "username": "admin", "role": "admin",
                                    "wards": []}, WARDS, ADMIN)
    database.committed_events.clear()
    return database


def change(db, payload, username="sgt.dalston", principal=ADMIN):
    with db.unit_of_work() as uow:
        return accounts.change_account(uow, username, payload, WARDS, principal)


def stored(db, username="sgt.dalston"):
    return next(row for row in db.rows("users") if row["username"] == username)


@pytest.mark.parametrize("payload, bad_field", [
    ({"active": "no"}, "active"),
    ({"active": 0}, "active"),
    ({"role": "chief"}, "role"),
    ({"agency": "mi5"}, "agency"),
    ({"wards": "dalston"}, "wards"),
    ({"display_name": ""}, "display_name"),
    ({"email": "not an address"}, "email"),
    ({"username": "someone.else"}, "username"),
    ({"password": "a new long password"}, "password"),
    ({"wards": ["atlantis"]}, "wards"),
    ({"wards": []}, "wards"),  # a sergeant must serve a ward
    ({"role": "partner", "agency": None}, "agency"),  # a partner must belong to an agency
])
def test_a_bad_change_names_the_bad_field_and_stores_nothing(db, payload, bad_field):
    before = stored(db)
    with pytest.raises(InvalidContent) as refused:
        change(db, {"display_name": "Sgt Samuel Patel", **payload})
    assert bad_field in refused.value.fields
    assert stored(db) == before
    assert db.committed_events == [] and len(db.rows("audit_log")) == 2


def test_a_change_must_name_something(db):
    with pytest.raises(InvalidContent) as refused:
        change(db, {})
    assert "_schema" in refused.value.fields


def test_every_bad_field_is_named_at_once(db):
    with pytest.raises(InvalidContent) as refused:
        change(db, {"role": "chief", "email": "nope", "colour": "blue"})
    assert set(refused.value.fields) == {"role", "email", "colour"}


def test_a_change_is_stored_audited_and_announced_with_active(db):
    view = change(db, {"wards": ["hackney-central"], "email": None,
                       "display_name": "Sgt Samuel Patel"})
    assert (view["wards"], view["email"], view["active"]) == (["hackney-central"], None, True)
    row = stored(db)
    assert (row["wards"], row["display_name"], row["token_version"]) == \
        (["hackney-central"], "Sgt Samuel Patel", 0)  # wards apply live: no revocation
    [event] = db.committed_events
    assert (event.type, event.version, event.payload["active"],
            event.payload["wards"]) == ("user.saved", 1, True, ["hackney-central"])
    entry = db.rows("audit_log")[-1]
    assert (entry["action"], entry["record_type"], entry["record_ids"], entry["username"]) \
        == ("alteration", "user_account", [row["id"]], "admin")
    assert entry["purpose"] == "Changing an account's display_name, email, wards"


def test_disabling_raises_the_token_version_and_says_so(db):
    assert change(db, {"active": False})["active"] is False
    assert stored(db)["token_version"] == 1
    assert db.committed_events[-1].payload["active"] is False
    assert "disabling it" in db.rows("audit_log")[-1]["purpose"]
    with db.unit_of_work() as uow:  # and it cannot sign in
        assert accounts.authenticate(uow.session, "sgt.dalston", SERGEANT["password"]) is None
    change(db, {"active": True})
    assert stored(db)["token_version"] == 2
    assert "enabling it again" in db.rows("audit_log")[-1]["purpose"]


def test_a_case_reading_role_is_audited_as_such(db):
    view = change(db, {"role": "analyst"})
    assert (view["role"], view["agency"]) == ("analyst", "police")
    purpose = db.rows("audit_log")[-1]["purpose"]
    assert "giving it the analyst role (was sergeant) (reads case data)" in purpose
    assert stored(db)["token_version"] == 1
    change(db, {"role": "pcso"})
    assert "reads case data" not in db.rows("audit_log")[-1]["purpose"]


def test_no_change_is_neither_stored_nor_announced(db):
    change(db, {"display_name": "Sgt Sam", "active": True})
    assert db.committed_events == [] and len(db.rows("audit_log")) == 2


def test_an_unknown_account_is_a_404_and_an_admin_cannot_lock_themselves_out(db):
    with pytest.raises(NotFound):
        change(db, {"active": False}, username="nobody")
    for payload in ({"active": False}, {"role": "coordinator"}):
        with pytest.raises(Conflict):
            change(db, payload, username="admin")
    assert change(db, {"display_name": "The Admin"}, username="admin")["role"] == "admin"


def token_claims(db, username="sgt.dalston"):
    with db.unit_of_work() as uow:
        user = accounts.find_user(uow.session, username)
        sid, _ = sessions.open_session(uow.session, user, 3600)
    return tokens.verify(tokens.issue(user, "k" * 32, 3600, session_id=sid), "k" * 32)


def principal(db, claims):
    with db.unit_of_work() as uow:
        return sessions.principal_for(claims, sessions.state_of(uow.session,
                                                                claims["session_id"]))


def test_a_token_stands_for_the_account_as_it_is_now(db):
    claims = token_claims(db)
    assert principal(db, claims)["wards"] == ["dalston"]
    change(db, {"wards": ["hackney-central"], "agency": "police"})
    assert principal(db, claims)["wards"] == ["hackney-central"]  # not the token's claim
    change(db, {"role": "pcso"})
    with pytest.raises(NotAuthenticated, match="changed"):
        principal(db, claims)


def test_disabling_or_signing_out_refuses_the_token(db):
    claims, other = token_claims(db), token_claims(db)
    with db.unit_of_work() as uow:
        sessions.revoke(uow.session, claims["session_id"], "sgt.dalston")
    with pytest.raises(NotAuthenticated, match="signed out"):
        principal(db, claims)
    assert principal(db, other)["username"] == "sgt.dalston"  # only that session
    change(db, {"active": False})
    with pytest.raises(NotAuthenticated, match="disabled"):
        principal(db, other)


def test_a_session_cannot_be_borrowed_by_another_username(db):
    claims = token_claims(db)
    with pytest.raises(NotAuthenticated, match="not valid"):
        principal(db, {**claims, "username": "admin"})


def test_the_session_cache_trusts_one_read_for_a_few_seconds_only():
    now = [100.0]
    cache = sessions.SessionCache(clock=lambda: now[0])
    reads = []
    load = lambda sid: reads.append(sid) or {"read": len(reads)}  # noqa: E731
    assert cache.state("s", load, 3) == {"read": 1}
    now[0] += 2.9
    assert cache.state("s", load, 3) == {"read": 1}
    now[0] += 0.2
    assert cache.state("s", load, 3) == {"read": 2}
    cache.forget("s")
    assert cache.state("s", load, 3) == {"read": 3}
    assert sessions.CHECK_SECONDS <= 5


def test_a_new_password_refuses_every_earlier_token_and_is_audited(db):
    claims = token_claims(db)
    with db.unit_of_work() as uow, pytest.raises(InvalidContent) as refused:
        accounts.set_password(uow, "sgt.dalston", "short", ADMIN)
    assert "password" in refused.value.fields
    assert principal(db, claims)["username"] == "sgt.dalston"  # nothing changed
    with db.unit_of_work() as uow:
        accounts.set_password(uow, "sgt.dalston", "a brand new long password", ADMIN)
    with pytest.raises(NotAuthenticated, match="changed"):
        principal(db, claims)
    with db.unit_of_work() as uow:
        assert accounts.authenticate(uow.session, "sgt.dalston", SERGEANT["password"]) is None
        assert accounts.authenticate(uow.session, "sgt.dalston", "a brand new long password")
    assert "password" in db.rows("audit_log")[-1]["purpose"]


def open_session(db, username="sgt.dalston"):
    with db.unit_of_work() as uow:
        return sessions.open_session(uow.session, accounts.find_user(uow.session, username),
                                     3600)


def renew(db, presented):
    with db.unit_of_work() as uow:
        return sessions.renew(uow.session, presented)


def test_a_refresh_token_is_spent_on_use_and_stored_only_as_a_hash(db):
    sid, first = open_session(db)
    assert first.startswith(sid + ".")
    assert first not in str(db.rows("sessions"))
    user, second = renew(db, first)
    assert (user["username"], user["session_id"]) == ("sgt.dalston", sid)
    assert second != first and second.startswith(sid + ".")
    user, third = renew(db, second)  # each new one works once
    assert third not in (first, second)


def test_a_spent_refresh_token_presented_again_signs_the_session_out(db):
    sid, first = open_session(db)
    _, second = renew(db, first)
    assert renew(db, first) is None  # the reuse: the session is revoked (and committed)
    row = next(r for r in db.rows("sessions") if r["id"] == sid)
    assert row["revoked_at"] is not None
    with pytest.raises(NotAuthenticated, match="ended"):
        renew(db, second)  # the thief's, or the owner's: neither renews any more
    claims = {"username": "sgt.dalston", "session_id": sid, "token_version": 0}
    with pytest.raises(NotAuthenticated, match="signed out"):
        principal(db, claims)  # and the session's access tokens are refused


def test_an_expired_sessions_refresh_token_is_refused_with_a_clear_message(db):
    sid, token = open_session(db)  # kept for an hour
    with db.unit_of_work() as uow:
        with pytest.raises(NotAuthenticated, match="The session has ended: sign in again"):
            sessions.renew(uow.session, token, now=utcnow() + timedelta(hours=1, seconds=1))
    _, renewed = renew(db, token)  # within its hour the same token still renews
    assert renewed.startswith(sid + ".")


@pytest.mark.parametrize("presented", [None, "", "no-dot", "unknown-sid.secret", 42])
def test_a_missing_or_unknown_refresh_token_is_refused(db, presented):
    with pytest.raises(NotAuthenticated):
        renew(db, presented)


def test_a_session_is_not_renewed_after_the_account_is_disabled_or_its_password_set(db):
    _, token = open_session(db)
    change(db, {"active": False})
    with pytest.raises(NotAuthenticated, match="changed"):
        renew(db, token)
    change(db, {"active": True})
    _, other = open_session(db)
    with db.unit_of_work() as uow:
        accounts.set_password(uow, "sgt.dalston", "a brand new long password", ADMIN)
    with pytest.raises(NotAuthenticated, match="changed"):
        renew(db, other)


def test_sessions_ended_longer_ago_than_kept_are_deleted_and_live_ones_stay(db):
    """Retention: a session signed out, or past its renewal time, more than the days kept
    is deleted; one still live, or ended within the days kept, stays."""
    now = utcnow()
    ids = {name: open_session(db)[0] for name in
           ("live", "signed_out_long_ago", "signed_out_lately", "expired_long_ago")}
    with db.unit_of_work() as uow:
        table = sessions.sessions
        for name, values in (("signed_out_long_ago", {"revoked_at": now - timedelta(days=9)}),
                             ("signed_out_lately", {"revoked_at": now - timedelta(days=2)}),
                             ("expired_long_ago", {"expires_at": now - timedelta(days=8)})):
            uow.session.execute(table.update().where(table.c.id == ids[name]).values(**values))
    with db.unit_of_work() as uow:
        assert sessions.prune(uow.session, keep_days=7, now=now) == 2
    assert {row["id"] for row in db.rows("sessions")} == {ids["live"], ids["signed_out_lately"]}
