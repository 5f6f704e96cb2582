"""The whole stack with a PostgreSQL role per service, as production runs it: `wardline
migrate` as the owner makes the roles, every service connects as its own, the gateway
writes the audit trail it cannot wipe, and `wardline audit verify` names the row its
owner altered."""
import subprocess
import sys

import psycopg2
import pytest
import sqlalchemy as sa
from psycopg2 import errors

from wardline.services import SERVICES
from shared.db import driver_url
from shared.testing import infra
from shared.testing.factories import referral_payload
from shared.testing.stack import ServiceStack
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def owner_url(wardline_env):
    return wardline_env["WARDLINE_DATABASE_URL"]


@pytest.fixture(scope="module")
def role_urls(owner_url):
    urls = infra.service_role_urls(owner_url, infra.unique_name("wl"), SERVICES)
    yield urls
    infra.drop_roles(owner_url, [sa.engine.make_url(u).username for u in urls.values()])


@pytest.fixture(scope="module")
def stack(wardline_env, owner_url, role_urls, tmp_path_factory):
    env = {**wardline_env, "WARDLINE_DATABASE_ADMIN_URL": owner_url,
           # Nothing may fall back to a shared URL: this one answers nobody.
           "WARDLINE_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nowhere",
           **{f"WARDLINE_{service.upper()}_DATABASE_URL": url
              for service, url in role_urls.items()}}
    services = ServiceStack(env, tmp_path_factory.mktemp("stack"))
    migrated = services.wardline("migrate")
    assert all(sa.engine.make_url(url).username in migrated.stdout
               for url in role_urls.values()), migrated.stdout
    with services.running(migrate=False):
        yield services


def owner_query(url, statement):
    engine = sa.create_engine(driver_url(url))
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(statement))
            return result.all() if result.returns_rows else None
    finally:
        engine.dispose()


def verify(stack):
    return subprocess.run([sys.executable, "-m", "wardline.cli", "audit", "verify"],
                          env=stack.env, capture_output=True, text=True, timeout=120)


def test_every_service_connects_as_its_own_role(stack, owner_url, role_urls):
    def sessions():
        rows = owner_query(owner_url, "SELECT application_name, usename FROM "
                           "pg_stat_activity WHERE datname = current_database() AND "
                           "application_name LIKE 'wardline-%'")
        found = {name.split("-")[1]: set() for name, _ in rows}
        for name, user in rows:
            found[name.split("-")[1]].add(user)
        return found if set(found) >= set(SERVICES) else None
    found = wait_for(sessions)
    assert found, "not every service holds a connection"
    for service in SERVICES:
        assert found[service] == {sa.engine.make_url(role_urls[service]).username}, found


def test_a_request_that_writes_an_audit_row_succeeds_as_the_gateways_role(stack):
    referral = stack.post("/api/referrals", "yot.partner", json=referral_payload())
    assert referral.status_code == 201, referral.text
    read = stack.get(f"/api/referrals/{referral.json()['id']}", "coordinator")
    assert read.status_code == 200, read.text

    def recorded():
        trail = stack.get(f"/api/audit?record_id={referral.json()['id']}", "admin")
        assert trail.status_code == 200, trail.text
        actions = {entry["action"] for entry in trail.json()["items"]}
        return actions >= {"collection", "consultation"}
    assert wait_for(recorded)


def test_truncate_of_the_audit_table_is_refused_for_the_service_role(stack, role_urls):
    connection = psycopg2.connect(role_urls["gateway"])
    connection.autocommit = True
    try:
        for statement in ("TRUNCATE gateway.audit_log", "DELETE FROM gateway.audit_log",
                          "UPDATE gateway.audit_log SET purpose = 'x'",
                          "DROP TRIGGER audit_log_chain ON gateway.audit_log"):
            with pytest.raises(errors.InsufficientPrivilege), connection.cursor() as cursor:
                cursor.execute(statement)
    finally:
        connection.close()


def test_audit_verify_names_the_row_the_owner_altered(stack, owner_url):
    """Last in this module: it leaves the chain broken."""
    referral = stack.post("/api/referrals", "yot.partner", json=referral_payload()).json()
    stack.get(f"/api/referrals/{referral['id']}", "coordinator")
    intact = verify(stack)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "chain is intact" in intact.stdout and "row(s) verified" in intact.stdout
    [(row_id,)] = owner_query(owner_url, (
        "SELECT id FROM gateway.audit_log WHERE action = 'consultation' AND "
        f"record_ids::text LIKE '%{referral['id']}%' ORDER BY id LIMIT 1"))
    # The owner can get round the append-only trigger; the chain still shows it.
    owner_query(owner_url, "ALTER TABLE gateway.audit_log DISABLE TRIGGER audit_log_append_only")
    try:
        owner_query(owner_url, "UPDATE gateway.audit_log SET purpose = 'Routine check' "
                               f"WHERE id = {row_id} RETURNING id")
    finally:
        owner_query(owner_url,
                    "ALTER TABLE gateway.audit_log ENABLE TRIGGER audit_log_append_only")
    broken = verify(stack)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert f"breaks at row {row_id} (" in broken.stderr and "altered" in broken.stderr
