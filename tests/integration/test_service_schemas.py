"""Each service's own schema on PostgreSQL: its migrations create its tables there and
nowhere else, its connections resolve names in that schema alone, and no service's code
names another service's schema.

Here every service connects as the same user (the development default), so the isolation
is by search_path alone and a query that spelt out `tasking.tasking_items` would still be
answered; the last test is what keeps that from happening. With a role per service
(production: WARDLINE_DATABASE_ADMIN_URL and WARDLINE_<SERVICE>_DATABASE_URL) PostgreSQL
refuses it too: tests/integration/test_audit_trail_roles.py."""
import ast
import importlib
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from wardline import migrations
from wardline.services import SERVICES
from shared.db import driver_url, make_engine, schema_name

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def migrated(database_url):
    for service in SERVICES:
        migrations.upgrade(service, database_url)
    return database_url


def tables_by_schema(url):
    engine = sa.create_engine(driver_url(url))
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")).all()
    engine.dispose()
    found = {}
    for schema, table in rows:
        found.setdefault(schema, set()).add(table)
    return found


def test_each_services_tables_live_in_its_own_schema_and_nowhere_else(migrated):
    found = tables_by_schema(migrated)
    assert set(found) == {schema_name(service) for service in SERVICES}  # nothing in public
    for service in SERVICES:
        orm = importlib.import_module(f"services.{service}.orm")
        assert found[schema_name(service)] == set(orm.metadata.tables) | {"alembic_version"}


@pytest.mark.parametrize("service", SERVICES)
def test_a_services_connection_sees_its_own_tables_and_no_other_services(migrated, service):
    engine = make_engine(migrated, service, pool_size=1)
    own = set(importlib.import_module(f"services.{service}.orm").metadata.tables)
    # outbox and processed_events: every service has its own copy, found in its own schema
    theirs = {table for other in SERVICES if other != service
              for table in importlib.import_module(f"services.{other}.orm").metadata.tables
              } - own
    assert theirs
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SHOW search_path")).scalar() == schema_name(service)
            for table in own:
                conn.execute(sa.text(f'SELECT count(*) FROM "{table}"'))
            for table in theirs:
                with pytest.raises(sa.exc.ProgrammingError, match="does not exist"):
                    with conn.begin_nested():
                        conn.execute(sa.text(f'SELECT count(*) FROM "{table}"'))
    finally:
        engine.dispose()


# FROM/JOIN/INTO/UPDATE/TABLE followed by `schema.` in any string of a service's code.
QUALIFIED = re.compile(r'\b(?:from|join|into|update|table|references)\s+"?(\w+)"?\s*\.',
                       re.IGNORECASE)


def sql_naming_a_schema(path):
    """(schema, line) for every SQL string or schema= argument in a module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for schema in QUALIFIED.findall(node.value):
                yield schema, node.lineno
        if isinstance(node, ast.keyword) and node.arg == "schema" and \
                isinstance(node.value, ast.Constant) and node.value.value is not None:
            yield node.value.value, node.value.lineno


def test_no_services_code_or_migration_names_another_services_schema():
    schemas = {schema_name(service) for service in SERVICES}
    trespasses = []
    for service in SERVICES:
        for path in sorted((ROOT / "services" / service).rglob("*.py")):
            for schema, line in sql_naming_a_schema(path):
                if schema in schemas - {schema_name(service)}:
                    trespasses.append(f"{path.relative_to(ROOT)}:{line} names {schema}")
    assert trespasses == []


def test_the_check_for_other_schemas_would_find_one(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('QUERY = "SELECT id FROM tasking.tasking_items JOIN x ON true"\n'
                     'table = Table("t", metadata, schema="referrals")\n')
    assert sorted(sql_naming_a_schema(probe)) == [("referrals", 2), ("tasking", 1)]
