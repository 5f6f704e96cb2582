"""The dashboards' SQL on PostgreSQL: every test of tests/unit/test_tasking_dashboards.py
runs again here on a real server, because the aggregates are written per dialect
(services/tasking/durations.py) and SQLite alone would not catch a PostgreSQL slip."""
import pytest
import sqlalchemy as sa

from services.tasking.orm import metadata
from shared.testing.postgres import postgres_database
from tests.unit.test_tasking_dashboards import *  # noqa: F401,F403 (the same tests)


@pytest.fixture
def db(database_url):  # noqa: F811 (replaces the unit tests' SQLite database)
    with postgres_database(database_url, "tasking", metadata) as database:
        try:
            yield database
        finally:
            with database.engine.begin() as conn:
                conn.execute(sa.text("DROP TABLE IF EXISTS numbers"))
