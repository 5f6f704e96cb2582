"""Timers whose interval comes from the service's config (a `WARDLINE_*` setting), so
tests and deployments can change it without code, and whose work runs once per tick
however many replicas of the service run: every replica's timer fires, but only the one
holding the timer's lease does the work; the others skip their ticks.

The lease is a PostgreSQL session-level advisory lock on a connection of its own, held
for as long as that process runs; the other replicas connect only to try for it, at each
tick, so a timer keeps one connection open however many replicas run. A transaction-level lock (`pg_try_advisory_xact_lock`)
would not do: it ends when the tick commits, and a replica whose timer fires a moment
later would take it and run the same tick again; it only stops ticks overlapping. When
the holder stops or dies its connection closes, PostgreSQL releases the lock, and the
next replica to tick takes over. That needs a real session: the lease connects to
`WARDLINE_DATABASE_DIRECT_URL` when the services' own connections go through PgBouncer
in transaction mode. The work itself stays guarded by row locks (SKIP
LOCKED claims), so a tick in flight while the lease changes hands still acts once."""
import sqlalchemy as sa
import structlog
from nameko.timer import Timer
from sqlalchemy.pool import NullPool

from shared.db import driver_url

log = structlog.get_logger(__name__)


class TimerLease:
    """Whether this process runs a timer's work: it does while it holds the advisory lock
    named after the service and the timer. SQLite has one process only: always held."""

    def __init__(self, database_url, service_name, timer_name):
        self.name = f"{service_name}.{timer_name}"
        self.engine = None
        if not database_url.startswith("sqlite"):
            self.engine = sa.create_engine(
                driver_url(database_url), poolclass=NullPool, hide_parameters=True,
                connect_args={"application_name": f"wardline-{service_name}-timer"})
        self._connection = None
        self._held = False

    def held(self):
        """Take the lease if it is free; True while this process holds it."""
        if self.engine is None:
            return True
        try:
            if self._connection is None:
                self._connection = self.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT")
            if self._held:
                # Session locks last as long as the session: one that still answers
                # still holds it.
                self._connection.execute(sa.text("SELECT 1"))
            else:
                # The two-key form keeps timer leases apart from single-key advisory
                # locks taken elsewhere (casereview's per-person locks).
                self._held = self._connection.execute(
                    sa.text("SELECT pg_try_advisory_lock(hashtext('wardline.timer'), "
                            "hashtext(:name))"), {"name": self.name}).scalar()
                if self._held:
                    log.info("timer.lease_taken", timer=self.name)
                else:  # only the holder keeps a connection; the others try again next tick
                    self.release()
        except Exception as exc:  # database away: whoever reconnects first runs the ticks
            log.warning("timer.lease_lost" if self._held else "timer.lease_unavailable",
                        timer=self.name, error=str(exc))
            self.release()
        return self._held

    def release(self):
        """Close the lease's connection, which frees the lock for another replica."""
        self._held = False
        if self._connection is not None:
            try:
                self._connection.invalidate()  # a closed session frees its locks
            except Exception:  # already broken: nothing more to release
                pass
            self._connection = None

    def dispose(self):
        self.release()
        if self.engine is not None:
            self.engine.dispose()


class ConfiguredTimer(Timer):
    def __init__(self, config_key, eager=False, **kwargs):
        self.config_key = config_key
        super().__init__(interval=None, eager=eager, **kwargs)

    def setup(self):
        config = self.container.config
        self.interval = float(config[self.config_key])
        # A session lock needs a session: on the direct URL, never through PgBouncer in
        # transaction mode, where the lock would stay on a server connection other
        # clients then use (and take "again") after this process died.
        self.lease = TimerLease(config.get("DATABASE_DIRECT_URL") or config["DATABASE_URL"],
                                self.container.service_name,
                                self.method_name)
        super().setup()

    def handle_timer_tick(self):
        if self.lease.held():
            super().handle_timer_tick()
        else:
            self.worker_complete.send()  # nothing to wait for: on to the next tick

    def stop(self):
        super().stop()
        self.lease.dispose()

    def kill(self):
        super().kill()
        self.lease.dispose()


configured_timer = ConfiguredTimer.decorator
