"""Prometheus figures for operators (`GET /metrics`, routes/metrics.py).

Two kinds. What the gateway sees pass through it (requests by route, method and status,
and their latency) is counted as it happens in prometheus_client's process-wide default
registry: each gateway process counts its own and Prometheus adds replicas up. What the
services own (referrals received, tasking items open and overdue by ward, intelligence
waiting for the BIU, unsent outbox rows, the dead-letter queue) is asked for when
Prometheus scrapes and built afresh each time, so a source that does not answer is left
out, with `wardline_figures_up{source} 0`, instead of repeating a stale figure.

Labels are route templates (never a concrete path with an id in it), methods, statuses,
ward codes and service names: nothing that names a person can reach a dashboard."""
import re

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

CONTENT_TYPE = CONTENT_TYPE_LATEST
_PARAMETER = re.compile(r"<(?:[^:>]+:)?(\w+)>")

REQUESTS = Counter("wardline_http_requests", "HTTP requests the gateway answered, by route "
                   "template, method and status.", ["route", "method", "status"])
LATENCY = Histogram("wardline_http_request_duration_seconds", "Time from the request "
                    "reaching a gateway route to its answer, by route template and method.",
                    ["route", "method"])


def route_label(url):
    """A route's template as the OpenAPI document writes it: `/api/x/<string:id>` ->
    `/api/x/{id}`, so that every id shares one series."""
    return _PARAMETER.sub(r"{\1}", url)


def observe_request(route, method, status, seconds):
    REQUESTS.labels(route, method, str(status)).inc()
    LATENCY.labels(route, method).observe(seconds)


def render(figures):
    """The whole exposition: the process-wide families, then this scrape's figures.
    `figures` maps each source to what it answered, or None when it did not."""
    return generate_latest(_Scrape(figures))


class _Scrape:
    """A registry for one scrape: generate_latest only asks it to `collect()`."""

    def __init__(self, figures):
        self.figures = figures

    def collect(self):
        yield from REGISTRY.collect()
        yield from scrape_families(self.figures)


def scrape_families(figures):
    """Metric families from the figures of one scrape (see module docstring)."""
    up = GaugeMetricFamily("wardline_figures_up", "1 if the source answered this scrape, "
                           "0 if its figures are missing.", labels=["source"])
    for source, answer in sorted(figures.items()):
        up.add_metric([source], 0 if answer is None else 1)
    yield up

    tasking = figures.get("tasking")
    outbox = GaugeMetricFamily("wardline_outbox_unsent", "Events committed to a service's "
                               "outbox and not yet confirmed by the broker.",
                               labels=["service"])
    if figures.get("gateway_outbox") is not None:
        outbox.add_metric(["gateway"], figures["gateway_outbox"])
    if tasking is not None:
        outbox.add_metric(["tasking"], tasking["outbox_unsent"])
        yield from _tasking_families(tasking)
    yield outbox
    if figures.get("dead_letters") is not None:
        yield GaugeMetricFamily("wardline_dead_letters", "Messages parked in the dead-letter "
                                "queue (`wardline dlq list`).", value=figures["dead_letters"])


def _tasking_families(tasking):
    received = CounterMetricFamily(
        "wardline_referrals_received", "Referrals received, by ward (tasking's record).",
        labels=["ward"])
    untriaged = GaugeMetricFamily("wardline_referrals_awaiting_triage",
                                  "Referrals received and not yet triaged, by ward.",
                                  labels=["ward"])
    disposed = GaugeMetricFamily("wardline_referrals_disposed",
                                 "Referrals disposed of under the retention schedule, by "
                                 "ward (counted, with no one's details).", labels=["ward"])
    for row in tasking["referrals"]:
        received.add_metric([row["ward"]], row["received"])
        untriaged.add_metric([row["ward"]], row["awaiting_triage"])
        disposed.add_metric([row["ward"]], row.get("disposed", 0))
    open_items = GaugeMetricFamily("wardline_tasking_items_open",
                                   "Open tasking items, by ward.", labels=["ward"])
    overdue = GaugeMetricFamily("wardline_tasking_items_overdue", "Open tasking items past "
                                "their due date, by ward.", labels=["ward"])
    for row in tasking["tasking_items"]:
        open_items.add_metric([row["ward"]], row["open"])
        overdue.add_metric([row["ward"]], row["overdue"])
    waiting = GaugeMetricFamily("wardline_intelligence_reports_waiting", "Intelligence "
                                "reports waiting for the BIU, by the step they wait for.",
                                labels=["status"])
    late = GaugeMetricFamily("wardline_intelligence_reports_late", "Of those, the ones past "
                             "their service level (note or feedback due date).",
                             labels=["status"])
    for row in tasking["intelligence_reports"]:
        waiting.add_metric([row["status"]], row["waiting"])
        late.add_metric([row["status"]], row["late"])
    yield from (received, untriaged, disposed, open_items, overdue, waiting, late)
