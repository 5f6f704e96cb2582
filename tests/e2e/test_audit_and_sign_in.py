"""Every read or disclosure of a person's data is on the audit trail, with who, when and
why; wrong passwords are slowed and then locked."""
import pytest
import requests

from shared.demo import DEMO_PASSWORD
from shared.testing.factories import referral_payload

pytestmark = pytest.mark.e2e


def trail(stack, **filters):
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    response = stack.get(f"/api/audit?limit=200&{query}", "admin")
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_collection_consultation_and_disclosure_are_recorded_with_purpose(stack):
    referral = stack.post("/api/referrals", "yot.partner", json=referral_payload()).json()
    stack.get(f"/api/referrals/{referral['id']}", "coordinator",
              headers={"X-Purpose": "Preparing Tuesday's tasking meeting"})
    stack.post(f"/api/referrals/{referral['id']}/triage", "coordinator",
               json={"decision": "redirect", "reason": "Tenancy",
                     "redirect_to_agency": "housing"})
    entries = trail(stack, record_id=referral["id"])
    seen = {(e["username"], e["action"]) for e in entries}
    assert {("yot.partner", "collection"), ("coordinator", "consultation"),
            ("coordinator", "alteration"), ("coordinator", "disclosure")} <= seen
    read = next(e for e in entries if e["action"] == "consultation")
    assert read["purpose"] == "Preparing Tuesday's tasking meeting" and read["at"]
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
