"""`GET /metrics`: Prometheus text (services/gateway/metrics.py says what is in it). No
token, as scrapers expect: it holds counts by route, ward and status, never a record or a
name. Each source is asked with the health check's short timeout, so a service that hangs
costs a scrape a couple of seconds and leaves out only its own figures."""
import eventlet
import structlog
from kombu import Connection
from werkzeug.wrappers import Response

from services.gateway import metrics
from services.gateway.http import api
from services.gateway.orm import metadata
from shared.bus import dead_letter_queue
from shared.health import CHECK_TIMEOUT_SECONDS
from shared.outbox import unpublished_count

log = structlog.get_logger(__name__)


class MetricsRoutes:
    @api("GET", "/metrics", response="text/plain")
    def prometheus_metrics(self, request):
        """Prometheus text format: HTTP requests and latency by route template, and the
        figures people graph (referrals received, tasking items open and overdue by ward,
        intelligence waiting for the BIU, outbox backlog, dead letters). No token needed;
        no personal data."""
        figures = {
            "tasking": ask(lambda: self.tasking.get_figures.call_async().result()),
            "gateway_outbox": ask(lambda: unsent_outbox_rows(self.uow)),
            "dead_letters": ask(lambda: dead_letter_depth(self.config["AMQP_URI"])),
        }
        return Response(metrics.render(figures), status=200,
                        content_type=metrics.CONTENT_TYPE)


def ask(probe):
    """The probe's answer, or None if it fails or takes too long."""
    try:
        with eventlet.Timeout(CHECK_TIMEOUT_SECONDS):
            return probe()
    except (Exception, eventlet.Timeout) as exc:  # a missing figure, not a failed scrape
        log.warning("metrics.source_unavailable", error=type(exc).__name__)
        return None


def unsent_outbox_rows(uow):
    with uow:
        return unpublished_count(uow.session, metadata.tables["outbox"])


def dead_letter_depth(amqp_uri):
    """Messages in the dead-letter queue, from a passive declare: nothing is read."""
    with Connection(amqp_uri, connect_timeout=CHECK_TIMEOUT_SECONDS) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0)  # no pause before failing
        queue = dead_letter_queue()(conn.channel())
        return queue.queue_declare(passive=True).message_count
