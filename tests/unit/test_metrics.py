"""`GET /metrics` without a broker: the exposition parses as Prometheus text, requests are
counted by route template (never a concrete id), the services' figures become labelled
families, and a source that does not answer is reported missing instead of failing the
scrape."""
from nameko.testing.services import worker_factory
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from services.gateway import metrics
from services.gateway.orm import metadata as gateway_metadata
from services.gateway.service import GatewayService
from shared.testing.memory import InMemoryDatabase

TASKING_FIGURES = {
    "tasking_items": [{"ward": "dalston", "open": 4, "overdue": 1}],
    "referrals": [{"ward": "dalston", "received": 7, "awaiting_triage": 2}],
    "intelligence_reports": [{"status": "awaiting_feedback", "waiting": 3, "late": 1}],
    "outbox_unsent": 0,
}
# Labels a scrape may carry: none of them can hold a name, an id or free text (the last
# ones are prometheus_client's own, describing the Python process).
ALLOWED_LABELS = {"route", "method", "status", "ward", "source", "service", "le",
                  "implementation", "major", "minor", "patchlevel", "version", "generation"}


def samples(body):
    text = body.decode() if isinstance(body, bytes) else body
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_a_route_template_names_its_parameters_like_the_openapi_document():
    assert metrics.route_label("/api/tasking/items/<string:item_id>/assign") == \
        "/api/tasking/items/{item_id}/assign"
    assert metrics.route_label("/api/subject-links/<string:link_id>/"
                               "<any(confirm,reject):decision>") == \
        "/api/subject-links/{link_id}/{decision}"
    assert metrics.route_label("/health") == "/health"


def test_requests_are_counted_and_timed_by_route_method_and_status():
    route = "/api/referrals/{referral_id}"
    before = REGISTRY.get_sample_value("wardline_http_requests_total",
                                       {"route": route, "method": "GET", "status": "404"}) or 0
    metrics.observe_request(route, "GET", 404, 0.012)
    metrics.observe_request(route, "GET", 404, 0.3)
    found = samples(metrics.render({}))
    assert found[("wardline_http_requests_total",
                  (("method", "GET"), ("route", route), ("status", "404")))] == before + 2
    count = found[("wardline_http_request_duration_seconds_count",
                   (("method", "GET"), ("route", route)))]
    under_50ms = found[("wardline_http_request_duration_seconds_bucket",
                        (("le", "0.05"), ("method", "GET"), ("route", route)))]
    assert count >= 2 and under_50ms <= count - 1


def test_the_services_figures_become_labelled_families():
    found = samples(metrics.render({"tasking": TASKING_FIGURES, "gateway_outbox": 2,
                                    "dead_letters": 5}))
    assert found[("wardline_tasking_items_overdue", (("ward", "dalston"),))] == 1
    assert found[("wardline_tasking_items_open", (("ward", "dalston"),))] == 4
    assert found[("wardline_referrals_received_total", (("ward", "dalston"),))] == 7
    assert found[("wardline_referrals_awaiting_triage", (("ward", "dalston"),))] == 2
    assert found[("wardline_intelligence_reports_waiting",
                  (("status", "awaiting_feedback"),))] == 3
    assert found[("wardline_intelligence_reports_late", (("status", "awaiting_feedback"),))] == 1
    assert found[("wardline_outbox_unsent", (("service", "gateway"),))] == 2
    assert found[("wardline_outbox_unsent", (("service", "tasking"),))] == 0
    assert found[("wardline_dead_letters", ())] == 5
    assert {found[("wardline_figures_up", (("source", s),))]
            for s in ("tasking", "gateway_outbox", "dead_letters")} == {1}


def test_the_metrics_route_reports_a_missing_source_and_still_answers():
    gateway = worker_factory(GatewayService,
                             uow=InMemoryDatabase(gateway_metadata).unit_of_work(),
                             config={"AMQP_URI": "amqp://guest:guest@127.0.0.1:1//"})
    gateway.tasking.get_figures.call_async.return_value.result.return_value = TASKING_FIGURES
    response = gateway.prometheus_metrics(None)
    assert response.status_code == 200
    assert response.mimetype == "text/plain" and "version=" in response.content_type
    found = samples(response.get_data())
    assert found[("wardline_figures_up", (("source", "dead_letters"),))] == 0  # no broker
    assert found[("wardline_figures_up", (("source", "tasking"),))] == 1
    assert found[("wardline_outbox_unsent", (("service", "gateway"),))] == 0
    assert ("wardline_dead_letters", ()) not in found
    assert {name for _, labels in found for name, _ in labels} <= ALLOWED_LABELS

    gateway.tasking.get_figures.call_async.side_effect = RuntimeError("tasking is away")
    found = samples(gateway.prometheus_metrics(None).get_data())
    assert found[("wardline_figures_up", (("source", "tasking"),))] == 0
    assert not any(name.startswith("wardline_tasking_items") for name, _ in found)
