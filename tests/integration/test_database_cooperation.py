"""PostgreSQL calls must not block the eventlet hub: one worker's slow query leaves the
service's other workers free."""
import eventlet
import sqlalchemy as sa
from nameko.testing.services import entrypoint_hook

from shared.db import ensure_schema, make_engine, plumbing_tables
from shared.dependencies import Database
from shared.rpc import rpc

metadata = sa.MetaData()
plumbing_tables(metadata)


class ProbeService:
    name = "probe"
    uow = Database(metadata)

    @rpc
    def slow_report(self):
        with self.uow:
            self.uow.session.execute(sa.text("SELECT pg_sleep(1.5)"))
        return "slow done"

    @rpc
    def quick_lookup(self):
        with self.uow:
            return self.uow.session.execute(sa.text("SELECT 42")).scalar()


def test_a_slow_query_in_one_worker_does_not_delay_another_workers_request(
        container_factory, service_config):
    config = service_config("probe")
    ensure_schema(config["DATABASE_URL"], "probe")
    engine = make_engine(config["DATABASE_URL"], "probe")
    metadata.create_all(engine)
    engine.dispose()
    container = container_factory(ProbeService, config)
    container.start()

    with entrypoint_hook(container, "slow_report") as slow_report, \
            entrypoint_hook(container, "quick_lookup") as quick_lookup:
        slow = eventlet.spawn(slow_report)
        eventlet.sleep(0.3)  # the slow query is now running in PostgreSQL
        assert quick_lookup() == 42
        assert not slow.dead, "the quick request waited for the slow query to finish"
        assert slow.wait() == "slow done"
