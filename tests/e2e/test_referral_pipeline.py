"""Journey 1's first steps across real processes: a partner refers, tasking raises an
action, notifications acknowledges, and the referral shows both."""
import time
import uuid

import pytest
import sqlalchemy as sa

from shared.db import driver_url
from shared.testing.factories import referral_payload
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e


def test_referral_shows_its_tasking_item_and_acknowledgement_within_2_seconds(stack):
    submitted = stack.post("/api/referrals", "yot.partner",
                           json=referral_payload(category="youth_at_risk", risk_level="high",
                                                  ward="dalston"))
    assert submitted.status_code == 201, submitted.text
    referral_id = submitted.json()["id"]

    def complete():
        body = stack.get(f"/api/referrals/{referral_id}", "yot.partner").json()
        return body if body["tasking_items"] and body["feedback"] else None

    referral = wait_for(complete, timeout=2)
    assert referral, "no tasking item and acknowledgement within 2 s"
    assert referral["status"] == "received"
    [item] = referral["tasking_items"]
    assert item["owner_agency"] == "yot" and item["status"] == "open"
    [acknowledgement] = referral["feedback"]
    assert acknowledgement["recipient"] == "agency:yot"
    # The notice names the referral by the reference people can say, never its id.
    assert f"Reference: {referral['reference']}" in acknowledgement["body"]
    assert referral_id not in acknowledgement["body"]


def test_unicode_names_are_stored_exactly_as_typed(stack):
    person = {"given_name": "Мария-José", "family_name": "Nguyễn O'Brien",
              "date_of_birth": "2009-02-28"}
    submitted = stack.post("/api/referrals", "yot.partner",
                           json=referral_payload(subject=person))
    assert submitted.status_code == 201, submitted.text
    stored = stack.get(f"/api/referrals/{submitted.json()['id']}", "yot.partner").json()
    assert stored["subject"]["given_name"] == "Мария-José"
    assert stored["subject"]["family_name"] == "Nguyễn O'Brien"


def test_invalid_referral_is_refused_naming_each_field_and_nothing_is_stored(stack):
    before = _counts(stack)
    bad = referral_payload(category="graffiti", ward="atlantis", summary="   ",
                           subject={"given_name": "", "family_name": "X" * 101,
                                    "date_of_birth": "2999-01-01"})
    bad.pop("lawful_basis")

    response = stack.post("/api/referrals", "yot.partner", json=bad)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"category", "ward", "summary", "lawful_basis",
                                    "subject.given_name", "subject.family_name",
                                    "subject.date_of_birth"}
    assert "youth_at_risk" in " ".join(error["fields"]["category"])
    assert "in the future" in " ".join(error["fields"]["subject.date_of_birth"])
    time.sleep(0.5)  # anything wrongly published would have been consumed by now
    assert _counts(stack) == before


def test_malformed_json_and_missing_token_get_clear_errors(stack):
    malformed = stack.post("/api/referrals", "yot.partner", data="{not json",
                           headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "malformed"
    anonymous = stack.post("/api/referrals", None, json=referral_payload())
    assert anonymous.status_code == 401
    admin = stack.post("/api/referrals", "admin", json=referral_payload())
    assert admin.status_code == 403


def test_another_agencys_referral_reads_as_not_found(stack):
    # A young person at risk: its action stays with the YOT, so the council has no part.
    submitted = stack.post("/api/referrals", "yot.partner",
                           json=referral_payload(category="youth_at_risk"))
    referral_id = submitted.json()["id"]
    assert stack.get(f"/api/referrals/{referral_id}", "council.partner").status_code == 404
    assert stack.get(f"/api/referrals/{uuid.uuid4()}", "yot.partner").status_code == 404
    assert stack.get(f"/api/referrals/{referral_id}", "coordinator").status_code == 200


def test_correlation_id_of_a_request_follows_every_service_it_reaches(stack):
    correlation_id = f"corr-{uuid.uuid4().hex}"
    submitted = stack.post("/api/referrals", "yot.partner", json=referral_payload(),
                           headers={"X-Correlation-ID": correlation_id})
    assert submitted.headers["X-Correlation-ID"] == correlation_id
    referral_id = submitted.json()["id"]
    wait_for(lambda: stack.get(f"/api/referrals/{referral_id}",
                               "yot.partner").json()["feedback"], timeout=5)
    for service in ("referrals", "tasking", "notifications"):
        assert correlation_id in stack.log(service), f"{service} did not log {correlation_id}"


def _counts(stack):
    """Rows that a referral would add, counted in each owning service's own schema (the
    notices about referrals only: the seed's own, telling the admins of the case-reading
    accounts it made, may still be arriving; and the referrals' own `referral.submitted`
    events only, as a timer's event of another kind may commit meanwhile)."""
    engine = sa.create_engine(driver_url(stack.env["WARDLINE_DATABASE_URL"]))
    with engine.connect() as conn:
        counts = {table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                  for table in ("referrals.referrals", "referrals.subjects",
                                "referrals.outbox WHERE type = 'referral.submitted'",
                                "tasking.tasking_items",
                                "notifications.notifications WHERE source_type = 'referral'")}
    engine.dispose()
    return counts
