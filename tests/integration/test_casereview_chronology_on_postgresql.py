"""The chronology's SQL on PostgreSQL: every test of tests/unit/test_casereview_chronology.py
runs again here on a real server, because the story is one recursive query, the read
models are written with ON CONFLICT, and each entry is read with its stored JSON envelope:
SQLite alone would not catch a PostgreSQL slip."""
import pytest

from services.casereview.orm import metadata
from shared.testing.postgres import postgres_database
from tests.unit.test_casereview_chronology import *  # noqa: F401,F403 (the same tests)


@pytest.fixture
def db(database_url):  # noqa: F811 (replaces the unit tests' SQLite database)
    with postgres_database(database_url, "casereview", metadata) as database:
        yield database
