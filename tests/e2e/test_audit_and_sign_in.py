"""Every read or disclosure of a person's data is on the audit trail, with who, when and
why; wrong passwords are slowed and then locked."""
import pytest
import requests
import sqlalchemy as sa

from shared.db import driver_url
from wardline.demo import DEMO_PASSWORD
from shared.testing.factories import referral_payload
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e


def trail(stack, **filters):
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    response = stack.get(f"/api/audit?limit=200&{query}", "admin")
    assert response.status_code == 200, response.text
    return response.json()["items"]


def trail_showing(stack, record_id, wanted):
    """The record's trail once it holds every (username, action) in `wanted`, or None."""
    def check():
        found = trail(stack, record_id=record_id)
        return found if wanted <= {(e["username"], e["action"]) for e in found} else None
    return wait_for(check)


def test_collection_consultation_and_disclosure_are_recorded_with_purpose(stack):
    referral = stack.post("/api/referrals", "yot.partner", json=referral_payload()).json()
    stack.get(f"/api/referrals/{referral['id']}", "coordinator",
              headers={"X-Purpose": "Preparing Tuesday's tasking meeting"})
    stack.post(f"/api/referrals/{referral['id']}/triage", "coordinator",
               json={"decision": "redirect", "reason": "Tenancy",
                     "reason_for_referrer": "Housing will act",
                     "redirect_to_agency": "housing"})
    wanted = {("yot.partner", "collection"), ("coordinator", "consultation"),
              ("coordinator", "alteration"), ("coordinator", "disclosure")}
    # The triage and its disclosure are recorded from referrals' own events.
    entries = trail_showing(stack, referral["id"], wanted)
    assert entries, trail(stack, record_id=referral["id"])
    read = next(e for e in entries if e["action"] == "consultation")
    # The caller's stated purpose is kept beside the route's, never instead of it.
    assert read["purpose"] == "Reading a referral" and read["at"]
    assert read["stated_purpose"] == "Preparing Tuesday's tasking meeting"
    shared = next(e for e in entries if e["action"] == "disclosure")
    assert shared["recipient"] == "agency:housing"


def test_reading_a_subject_records_each_of_their_records(stack):
    referral = stack.post("/api/referrals", "yot.partner", json=referral_payload()).json()
    stack.get(f"/api/subjects/{referral['subject_id']}", "reviewer")
    [entry] = [e for e in trail(stack, record_id=referral["subject_id"], username="reviewer")]
    assert entry["action"] == "consultation" and entry["record_type"] == "subject"


def test_only_admins_read_the_trail_and_bad_filters_are_named(stack):
    assert stack.get("/api/audit", "coordinator").status_code == 403
    bad = stack.get("/api/audit?action=peeking&since=yesterday", "admin")
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"action", "since"}


def test_repeated_wrong_passwords_lock_the_account_for_a_while(stack):
    stack.wardline("users", "add", "locked.out", "--role", "analyst", "--password-stdin",
                   input=f"{DEMO_PASSWORD}\n")
    url = stack.base_url + "/api/auth/token"
    statuses = [requests.post(url, json={"username": "locked.out", "password": "guess"},
                              timeout=30).status_code for _ in range(6)]
    assert statuses == [401] * 6
    right = requests.post(url, json={"username": "locked.out", "password": DEMO_PASSWORD},
                          timeout=30)
    assert right.status_code == 429 and right.json()["error"]["code"] == "locked"


def test_a_read_whose_audit_row_cannot_be_written_shows_nothing(stack):
    """Fail closed: with the audit trail refusing rows, the referral is not shown."""
    referral = stack.post("/api/referrals", "yot.partner", json=referral_payload()).json()
    engine = sa.create_engine(driver_url(stack.env["WARDLINE_DATABASE_URL"]))
    with engine.begin() as conn:
        conn.execute(sa.text(
            "CREATE FUNCTION gateway.refuse_audit_rows() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'the audit trail is unavailable'; END $$ LANGUAGE plpgsql"))
        conn.execute(sa.text("CREATE TRIGGER refuse_audit_rows BEFORE INSERT ON "
                             "gateway.audit_log FOR EACH ROW EXECUTE FUNCTION "
                             "gateway.refuse_audit_rows()"))
    try:
        answer = stack.get(f"/api/referrals/{referral['id']}", "coordinator")
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TRIGGER refuse_audit_rows ON gateway.audit_log"))
            conn.execute(sa.text("DROP FUNCTION gateway.refuse_audit_rows()"))
        engine.dispose()
    assert answer.status_code == 500
    assert referral["summary"] not in answer.text
    assert referral["subject"]["family_name"] not in answer.text
    # With the trail back, the same read works and is recorded.
    assert stack.get(f"/api/referrals/{referral['id']}", "coordinator").status_code == 200


def test_the_lock_holds_one_username_from_one_address_not_everyone(stack):
    """Usernames are in the directory: locked per username alone, one script could lock
    every account out. The count is per username and client address (as the proxy
    forwards it)."""
    stack.wardline("users", "add", "targeted", "--role", "analyst", "--password-stdin",
                   input=f"{DEMO_PASSWORD}\n")
    url = stack.base_url + "/api/auth/token"
    attacker, owner = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "198.51.100.9"}
    statuses = [requests.post(url, json={"username": "targeted", "password": "guess"},
                              headers=attacker, timeout=30).status_code for _ in range(6)]
    assert statuses == [401] * 6
    assert requests.post(url, json={"username": "targeted", "password": DEMO_PASSWORD},
                         headers=attacker, timeout=30).status_code == 429
    assert requests.post(url, json={"username": "targeted", "password": DEMO_PASSWORD},
                         headers=owner, timeout=30).status_code == 200


def test_an_unknown_username_takes_as_long_as_a_known_one(stack):
    import statistics
    import time

    url = stack.base_url + "/api/auth/token"

    def timed(username, n):
        started = time.perf_counter()
        answer = requests.post(url, json={"username": username, "password": "wrong guess"},
                               headers={"X-Forwarded-For": f"192.0.2.{n}"}, timeout=30)
        assert answer.status_code == 401
        return time.perf_counter() - started

    known = statistics.median(timed("biu.analyst", n) for n in range(1, 6))
    unknown = statistics.median(timed("nobody.at.all", n) for n in range(6, 11))
    assert known > 0.02  # a real password hash was checked
    assert 0.5 < unknown / known < 2, (known, unknown)
