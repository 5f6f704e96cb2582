"""The dashboards' SQL on PostgreSQL: every test of tests/unit/test_tasking_dashboards.py
runs again here on a real server, because the aggregates are written per dialect
(services/tasking/aggregates.py) and SQLite alone would not catch a PostgreSQL slip."""
import pytest
import sqlalchemy as sa

from services.tasking.orm import metadata
from shared.db import UnitOfWork, ensure_schema, make_engine, session_factory
from tests.unit.test_tasking_dashboards import *  # noqa: F401,F403 (the same tests)


class PostgresDatabase:
    """What the unit tests use of InMemoryDatabase, on the tasking schema."""

    def __init__(self, engine):
        self.engine = engine
        self.sessions = session_factory(engine)

    def unit_of_work(self):
        return UnitOfWork(self.sessions, metadata, consumer="test.consumer",
                          correlation_id="test-correlation")


@pytest.fixture
def db(database_url):  # noqa: F811 (replaces the unit tests' SQLite database)
    ensure_schema(database_url, "tasking")
    engine = make_engine(database_url, "tasking")
    metadata.drop_all(engine)
    metadata.create_all(engine)
    try:
        yield PostgresDatabase(engine)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS numbers"))
        metadata.drop_all(engine)
        engine.dispose()
