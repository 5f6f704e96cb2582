"""The stack through a real PgBouncer in transaction mode, as deploy/ runs it: every
service's pool connects to PgBouncer (which refuses the `options` startup parameter, so
the schema is set per transaction), timer leases keep their session advisory locks on a
direct connection (`WARDLINE_DATABASE_DIRECT_URL`), and a database that refuses
connections is a 503 with Retry-After, never a 500."""
from urllib.parse import urlsplit

import psycopg2
import pytest

from wardline.services import SERVICES
from shared.testing.factories import referral_payload
from shared.testing.pgbouncer import PgBouncer, available
from shared.testing.stack import ServiceStack
from shared.testing.waiting import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def pgbouncer(infrastructure):
    if not available():
        pytest.fail("PgBouncer is not installed: `apt-get install pgbouncer` (.ci/run does)")
    bouncer = PgBouncer(infrastructure["database_url"])
    yield bouncer
    bouncer.stop()


@pytest.fixture(scope="module")
def database_name(database_url):
    return urlsplit(database_url).path.lstrip("/")


@pytest.fixture(scope="module")
def stack(wardline_env, database_url, database_name, pgbouncer, tmp_path_factory):
    services = ServiceStack({
        **wardline_env,
        "WARDLINE_DATABASE_URL": pgbouncer.url(database_name),
        "WARDLINE_DATABASE_DIRECT_URL": database_url,
        "WARDLINE_OVERDUE_CHECK_SECONDS": "1",  # so that tasking's timer takes its lease
    }, tmp_path_factory.mktemp("pooled"))
    with services.running():  # the demo seed goes through PgBouncer
        yield services


def test_every_service_works_through_pgbouncer_and_leases_stay_on_a_direct_connection(
        stack, pgbouncer, database_url, database_name):
    submitted = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        category="youth_at_risk", risk_level="high", ward="dalston"))
    assert submitted.status_code == 201, submitted.text
    referral_id = submitted.json()["id"]

    def followed_up():
        referral = stack.get(f"/api/referrals/{referral_id}", "yot.partner").json()
        return referral if referral["tasking_items"] and referral["feedback"] else None
    referral = wait_for(followed_up, timeout=30)
    assert referral, stack.log("tasking")[-3000:]
    assert referral["tasking_items"][0]["owner_agency"] == "yot"

    clients = {row["application_name"] for row in pgbouncer.admin("SHOW CLIENTS")
               if row["database"] == database_name}
    assert {f"wardline-{name}" for name in SERVICES} <= clients, clients
    assert not any(name.endswith("-timer") for name in clients), clients

    def lease_holders():
        conn = psycopg2.connect(database_url)
        try:
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT a.pid, a.application_name FROM pg_locks l JOIN "
                    "pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
                    "AND l.granted AND a.datname = current_database()")
                return cursor.fetchall()
        finally:
            conn.close()
    holders = wait_for(lambda: [row for row in lease_holders()
                                if row[1] == "wardline-tasking-timer"], timeout=30)
    assert holders, lease_holders()
    # Held by a connection of the services' own, not a server connection PgBouncer
    # lends one client after another.
    pooled = {row["remote_pid"] for row in pgbouncer.admin("SHOW SERVERS")}
    assert not {pid for pid, _ in lease_holders()} & pooled


def test_a_database_that_refuses_connections_is_a_503_with_retry_after(
        stack, pgbouncer, database_name):
    stack.token("yot.partner")  # signed in while the database takes connections
    pgbouncer.admin(f"DISABLE {database_name}")  # new connections refused ...
    try:
        pgbouncer.admin(f"KILL {database_name}")  # ... and every open one dropped
        pgbouncer.admin(f"RESUME {database_name}")
        answers = [stack.post("/api/referrals", "yot.partner", json=referral_payload())
                   for _ in range(3)]
        assert [a.status_code for a in answers] == [503] * 3, [a.text for a in answers]
        assert all(a.headers["Retry-After"] == "5" for a in answers)
        assert answers[0].json()["error"]["code"] == "unavailable"
    finally:
        pgbouncer.admin(f"ENABLE {database_name}")
    # Taking connections again: the same request is taken, and not one answer on the
    # way was a 500.
    statuses = []

    def taken():
        statuses.append(stack.post("/api/referrals", "yot.partner",
                                   json=referral_payload()).status_code)
        return statuses[-1] == 201
    assert wait_for(taken, timeout=30), statuses
    assert set(statuses) <= {503, 201}, statuses
    assert "http.unhandled_error" not in stack.log("gateway")
