"""`GET /metrics` on the running stack, as Prometheus would scrape it: no token, text that
parses, every request counted under its route template, the services' figures present,
and nothing in it that names a person."""

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from shared.testing.factories import referral_payload
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e


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
