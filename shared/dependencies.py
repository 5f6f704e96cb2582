"""Nameko dependency providers every service uses: the database (unit of work + outbox
relay) and the logging context."""
import eventlet
import structlog
from eventlet.queue import Empty, LightQueue
from nameko.extensions import DependencyProvider

from shared.bus import ConfirmingPublisher
from shared.db import UnitOfWork, make_engine, session_factory
from shared.outbox import OutboxRelay

log = structlog.get_logger(__name__)


class Database(DependencyProvider):
    """Gives each worker a UnitOfWork on the service's own database, and runs the outbox
    relay: events are published straight after the transaction that caused them commits,
    with a poll as the backstop for anything a crash left behind."""

    def __init__(self, metadata):
        self.metadata = metadata

    def setup(self):
        config = self.container.config
        self.engine = make_engine(config["DATABASE_URL"], self.container.service_name,
                                  pool_size=config.get("DB_POOL_SIZE", 10),
                                  pooled=config.get("DATABASE_POOLED", False))
        self.sessions = session_factory(self.engine)
        self.relay = OutboxRelay(self.engine, self.metadata.tables["outbox"],
                                 ConfirmingPublisher(config["AMQP_URI"]),
                                 self.container.service_name)
        self.poll_seconds = config.get("OUTBOX_POLL_SECONDS", 2)
        self._wake = LightQueue()

    def start(self):
        self._running = True
        self._relay_thread = self.container.spawn_managed_thread(
            self._relay_forever, identifier="outbox_relay")

    def stop(self):
        """After the last worker: publish what is committed, then let go of connections."""
        self._running = False
        self._wake.put(None)
        with eventlet.Timeout(10, False):
            self._relay_thread.wait()
        self.relay.publisher.close()
        self.engine.dispose()

    def get_dependency(self, worker_ctx):
        data = worker_ctx.context_data
        return UnitOfWork(
            self.sessions, self.metadata,
            consumer=f"{self.container.service_name}.{worker_ctx.entrypoint.method_name}",
            correlation_id=data.get("correlation_id") or worker_ctx.call_id,
            causation_id=data.get("event_id"),
            on_commit=lambda: self._wake.put(None),
        )

    def _relay_forever(self):
        backoff = 0.5
        while self._running:
            try:
                self._wake.get(timeout=self.poll_seconds)
            except Empty:
                pass
            while self._wake.qsize():  # one pass serves every commit so far
                self._wake.get_nowait()
            try:
                self.relay.publish_all_pending()
                backoff = 0.5
            except Exception as exc:  # broker or database away: keep the rows, try again
                log.warning("outbox.relay_failed", error=str(exc), retry_in=backoff)
                eventlet.sleep(backoff)
                backoff = min(backoff * 2, 30)


class LoggingContext(DependencyProvider):
    """Binds service, entrypoint, correlation_id and event_id to every log line a worker
    writes, so one request can be followed across services."""

    def worker_setup(self, worker_ctx):
        data = worker_ctx.context_data
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            service=self.container.service_name,
            entrypoint=worker_ctx.entrypoint.method_name,
            correlation_id=data.get("correlation_id") or worker_ctx.call_id,
            **({"event_id": data["event_id"]} if data.get("event_id") else {}),
        )

    def worker_teardown(self, worker_ctx):
        structlog.contextvars.clear_contextvars()
