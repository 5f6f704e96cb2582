"""What unit tests use of InMemoryDatabase, on one service's schema of a real PostgreSQL
server: for tests that run the unit tests' SQL again where the production dialect can
differ (JSON paths, recursive queries, ON CONFLICT, aggregates)."""
from contextlib import contextmanager

import sqlalchemy as sa

from shared.db import UnitOfWork, ensure_schema, make_engine, session_factory


class PostgresDatabase:
    def __init__(self, engine, metadata):
        self.engine = engine
        self.metadata = metadata
        self.sessions = session_factory(engine)

    def unit_of_work(self, consumer="test.consumer", correlation_id="test-correlation"):
        return UnitOfWork(self.sessions, self.metadata, consumer=consumer,
                          correlation_id=correlation_id)

    def rows(self, table_name):
        with self.engine.connect() as conn:
            return [r._asdict() for r in conn.execute(sa.select(self.metadata.tables[table_name]))]


@contextmanager
def postgres_database(database_url, service_name, metadata):
    """The service's tables, new and empty, in its schema; dropped afterwards."""
    ensure_schema(database_url, service_name)
    engine = make_engine(database_url, service_name)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    try:
        yield PostgresDatabase(engine, metadata)
    finally:
        metadata.drop_all(engine)
        engine.dispose()
