"""Disposal over the real stack, with a schedule whose periods are all 0 days so that a
referral falls due the moment it ends. Referrals about a person with a distinctive name,
birth date and address reach every service (tasking's actions, notices, case review's
event log and chronology); the DPO decides to dispose of one and then of the person; then
every text, JSON and date column of every table in every service's schema is searched for
the name, the birth date and the address, and none is found: only the tombstones on the
audit trail remain, and the system keeps working (a new referral flows; the dashboard
counts the disposed ones as disposed). A second test disposes while notifications is
down: its durable queue keeps the event, and its copies are gone once it is back."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from shared.db import driver_url
from shared.testing.factories import referral_payload
from shared.testing.retention import schedule_due_at_once
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e

SCHEMAS = ("gateway", "referrals", "tasking", "notifications", "casereview")
SEARCHED_TYPES = ("text", "character varying", "character", "json", "jsonb", "date")


@pytest.fixture(scope="module")
def stack_settings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("disposal")
    return {"WARDLINE_RETENTION_SCHEDULE": schedule_due_at_once(folder)}


@pytest.fixture(scope="module")
def database(stack):
    engine = sa.create_engine(driver_url(stack.env["WARDLINE_DATABASE_URL"]))
    yield engine
    engine.dispose()


def person(given, family, born, address):
    return {"given_name": given, "family_name": family, "date_of_birth": born,
            "address": address}


def traces(database, person, schemas=SCHEMAS):
    """(schema, table, column) of every cell holding the person's name, birth date or
    address, in every text, JSON and date column of every table of `schemas`."""
    needles = [person["given_name"], person["family_name"], person["date_of_birth"],
               person["address"]]
    found = []
    with database.connect() as conn:
        columns = conn.execute(sa.text(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = ANY(:schemas) AND data_type = ANY(:types)"),
            {"schemas": list(schemas), "types": list(SEARCHED_TYPES)}).all()
        for schema, table, column in columns:
            cell = f'"{schema}"."{table}"."{column}"'
            for needle in needles:
                hit = conn.execute(sa.text(
                    f'SELECT 1 FROM "{schema}"."{table}" WHERE {cell}::text ILIKE :needle '
                    "LIMIT 1"), {"needle": f"%{needle}%"}).first()
                if hit:
                    found.append((schema, table, column, needle))
    return found


def soon():
    return (datetime.now(timezone.utc) + timedelta(days=7)).isoformat()


def referral_about(stack, someone, agency_user="yot.partner"):
    payload = referral_payload(ward="dalston", subject=someone,
                               summary=f"{someone['given_name']} {someone['family_name']} "
                                       f"seen near {someone['address']}")
    answer = stack.post("/api/referrals", agency_user, json=payload)
    assert answer.status_code == 201, answer.text
    return answer.json()


def worked_on_and_closed(stack, referral, someone):
    """Accepted, an action raised by hand naming the person, progress noted, closed."""
    name = f"{someone['given_name']} {someone['family_name']}"
    rid = referral["id"]
    assert stack.post(f"/api/referrals/{rid}/triage", "coordinator", json={
        "decision": "accept", "reason": f"{name} known to the YOT"}).status_code == 200
    item = stack.post("/api/tasking/items", "coordinator", json={
        "title": f"Visit {name} at {someone['address']}", "ward": "dalston",
        "owner_agency": "police", "due_by": soon(), "source_type": "referral",
        "source_id": rid})
    assert item.status_code == 201, item.text
    noted = stack.post(f"/api/tasking/items/{item.json()['id']}/updates", "coordinator",
                       json={"note": f"{name} (born {someone['date_of_birth']}) not in"})
    assert noted.status_code == 200, noted.text
    closed = stack.post(f"/api/referrals/{rid}/close", "coordinator",
                        json={"outcome": f"Support in place for {name}"})
    assert closed.status_code == 200, closed.text


def no_further_action(stack, referral, someone):
    answer = stack.post(f"/api/referrals/{referral['id']}/triage", "coordinator", json={
        "decision": "no_further_action",
        "reason": f"{someone['family_name']} already supported",
        "reason_for_referrer": f"{someone['given_name']} is already supported"})
    assert answer.status_code == 200, answer.text


def copies_everywhere(database, someone, schemas):
    """Wait until every one of `schemas` holds something about the person."""
    return wait_for(lambda: {hit[0] for hit in traces(database, someone)} >= set(schemas),
                    timeout=60)


def tombstones(stack, referral_id):
    return [entry for entry in stack.get(f"/api/audit?record_id={referral_id}&limit=100",
                                         "dpo").json()["items"]
            if entry["action"] == "erasure"]


def test_disposing_of_a_person_leaves_no_trace_but_the_tombstones(stack, database):
    someone = person("Ottoline", "Quarrington", "1987-03-14", "7 Lavender Grove E8 3LU")
    closed = referral_about(stack, someone)
    worked_on_and_closed(stack, closed, someone)
    nothing_to_do = referral_about(stack, someone)
    assert nothing_to_do["subject_id"] == closed["subject_id"]  # one subject, two referrals
    no_further_action(stack, nothing_to_do, someone)
    assert copies_everywhere(database, someone,
                             ("referrals", "tasking", "notifications", "casereview"))

    # Both fell due at once (0 days): the DPO decides on one, then disposes of the person.
    due = {r["record_id"] for r in stack.get("/api/retention/due", "dpo").json()["items"]}
    assert {closed["id"], nothing_to_do["id"]} <= due
    decided = stack.post(f"/api/retention/referrals/{closed['id']}/decision", "dpo",
                         json={"decision": "dispose", "reason": "Six years are up"})
    assert decided.status_code == 200, decided.text
    disposed = stack.post(f"/api/retention/subjects/{closed['subject_id']}/disposal", "dpo")
    assert disposed.status_code == 200, disposed.text
    assert disposed.json()["disposed"] == [nothing_to_do["reference"]]

    left = wait_for(lambda: not traces(database, someone), timeout=60)
    assert left, traces(database, someone)
    for referral, grounds in ((closed, "decision"), (nothing_to_do, "person")):
        [tombstone] = wait_for(lambda: tombstones(stack, referral["id"]), timeout=30)
        assert referral["reference"] in tombstone["purpose"]
        assert f"on {grounds} of dpo" in tombstone["purpose"]
        assert tombstone["username"] == "dpo"
    assert stack.get(f"/api/referrals/{closed['id']}", "coordinator").status_code == 404

    # The system keeps working: a new referral flows, the dashboard counts the disposed.
    fresh = referral_about(stack, person("Ada", "Lovelace-Ng", "2001-02-03", "1 Mare St"))
    assert wait_for(lambda: [i for i in stack.get(
        "/api/tasking/items?limit=200", "coordinator").json()["items"]
        if i.get("source_id") == fresh["id"]], timeout=30)
    board = stack.get("/api/dashboards/tasking?ward=dalston", "coordinator")
    assert board.status_code == 200, board.text
    assert board.json()["referral_to_action"]["disposed"] >= 2


def test_a_service_down_at_the_time_disposes_of_its_copies_when_it_returns(stack, database):
    someone = person("Peregrine", "Vauxhollow", "1979-11-30", "22 Quince Mews N16 0QQ")
    referral = referral_about(stack, someone)
    worked_on_and_closed(stack, referral, someone)
    assert copies_everywhere(database, someone, ("notifications", "tasking", "casereview"))

    stack.kill("notifications")
    try:
        decided = stack.post(f"/api/retention/referrals/{referral['id']}/decision", "dpo",
                             json={"decision": "dispose", "reason": "Six years are up"})
        assert decided.status_code == 200, decided.text
        others = ("gateway", "referrals", "tasking", "casereview")
        assert wait_for(lambda: not traces(database, someone, others), timeout=60), \
            traces(database, someone, others)
        # Notifications was down: its copies are still there, waiting on its queue.
        assert traces(database, someone, ("notifications",))
    finally:
        stack.start("notifications")
    assert wait_for(lambda: not traces(database, someone), timeout=90), \
        traces(database, someone)
    assert stack.wait_healthy()["status"] == "ok"
