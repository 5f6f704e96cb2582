"""`GET /metrics` on the running stack, as Prometheus would scrape it: no token, text that
parses, every request counted under its route template, the services' figures present
and equal to what was made, and nothing in it that names a person."""
from datetime import datetime, timedelta, timezone

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from shared.testing.factories import referral_payload
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e
NOTE_SECONDS = 2


@pytest.fixture(scope="module")
def stack_settings():
    """Intelligence is due to be noted NOTE_SECONDS after it is filed (3 days by
    default), so that a report can be late within a test."""
    return {"WARDLINE_INTELLIGENCE_NOTE_DAYS": repr(NOTE_SECONDS / 86400)}


def scrape(stack):
    response = requests.get(stack.base_url + "/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return response.text, {(s.name, tuple(sorted(s.labels.items()))): s.value
                           for family in text_string_to_metric_families(response.text)
                           for s in family.samples}


def test_metrics_parse_and_count_each_request_under_its_route_template(stack):
    _, before = scrape(stack)
    key = ("wardline_http_requests_total", (("method", "GET"), ("route", "/api/me"),
                                            ("status", "200")))
    for _ in range(3):
        assert stack.get("/api/me", "coordinator").status_code == 200
    item = "/api/tasking/items/00000000-0000-4000-8000-000000000000"
    assert stack.get(item, "coordinator").status_code == 404
    _, after = scrape(stack)
    assert after[key] == before.get(key, 0) + 3
    # The id is not a label: every item shares the template's one series.
    assert after[("wardline_http_requests_total", (
        ("method", "GET"), ("route", "/api/tasking/items/{item_id}"), ("status", "404")))] >= 1
    assert after[("wardline_http_request_duration_seconds_count",
                  (("method", "GET"), ("route", "/api/me")))] >= 3


def test_business_figures_arrive_and_no_personal_data_leaves(stack):
    person = {"given_name": "Zebedee", "family_name": "Quartermaine",
              "date_of_birth": "2010-03-04"}
    made = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        ward="dalston", subject=person, summary="Seen near the Quartermaine garages"))
    assert made.status_code == 201, made.text

    def counted():
        text, found = scrape(stack)
        received = found.get(("wardline_referrals_received_total", (("ward", "dalston"),)))
        return (text, found) if received and found.get(
            ("wardline_tasking_items_open", (("ward", "dalston"),))) else None

    text, found = wait_for(counted)
    for source in ("tasking", "gateway_outbox", "dead_letters"):
        assert found[("wardline_figures_up", (("source", source),))] == 1
    assert found[("wardline_dead_letters", ())] == 0
    assert ("wardline_outbox_unsent", (("service", "tasking"),)) in found
    assert ("wardline_referrals_awaiting_triage", (("ward", "dalston"),)) in found
    for personal in ("Zebedee", "Quartermaine", "2010-03-04", "yot.partner",
                     made.json()["id"], made.json()["subject_id"]):
        assert personal not in text


def test_overdue_and_intelligence_figures_equal_what_was_made(stack):
    _, before = scrape(stack)
    ward = "hoxton-west"  # no other test here raises actions in it
    stack.token("coordinator")  # signed in first, so the due times are still ahead
    dues = []
    for ahead in (timedelta(seconds=3), timedelta(seconds=3), timedelta(days=5)):
        due = datetime.now(timezone.utc) + ahead
        dues.append(due)
        made = stack.post("/api/tasking/items", "coordinator", json={
            "title": "Fix the lighting in the underpass", "ward": ward,
            "owner_agency": "housing", "due_by": due.isoformat()})
        assert made.status_code == 201, made.text

    def file_report():
        made = stack.post("/api/intelligence", "pcso.dalston", json={
            "ward": "dalston", "observed_at": datetime.now(timezone.utc).isoformat(),
            "location": "Bus stop on Kingsland Road", "text": "Group of youths, 19:40"})
        assert made.status_code == 201, made.text
        return made.json()

    def step(report, path, **body):
        answer = stack.post(f"/api/intelligence/{report['id']}/{path}", "biu.analyst",
                            json=body or None)
        assert answer.status_code == 200, answer.text

    grade = {"source_evaluation": 2, "intelligence_assessment": "B", "handling_code": "P"}
    unnoted, noted, graded, closed = (file_report() for _ in range(4))
    step(noted, "note")
    step(graded, "grade", **grade)
    step(closed, "grade", **grade)
    step(closed, "feedback", usage="informed_tasking", note="Patrols moved")
    late_from = max(dues[:2] + [datetime.fromisoformat(unnoted["note_due_by"])])
    assert wait_for(lambda: datetime.now(timezone.utc) > late_from, timeout=20)

    _, after = scrape(stack)
    assert after[("wardline_tasking_items_open", (("ward", ward),))] == 3
    assert after[("wardline_tasking_items_overdue", (("ward", ward),))] == 2

    def added(name, status):
        key = (name, (("status", status),))
        return after.get(key, 0) - before.get(key, 0)

    # Waiting for the BIU by step, and late: the unnoted report past its noting date; the
    # others wait for feedback, due in 14 days; the closed one waits for nothing.
    assert [(status, added("wardline_intelligence_reports_waiting", status),
             added("wardline_intelligence_reports_late", status))
            for status in ("awaiting_note", "awaiting_grade", "awaiting_feedback", "closed")
            ] == [("awaiting_note", 1, 1), ("awaiting_grade", 1, 0),
                  ("awaiting_feedback", 1, 0), ("closed", 0, 0)]
