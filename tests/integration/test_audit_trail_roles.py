"""Each service connects as a PostgreSQL role of its own that may use its own schema only,
and the gateway's may only add to the audit trail and read it: the trail cannot be
wiped by the service, and what its owner changes round the triggers shows in the hash
chain. Over a real PostgreSQL server, with roles made for this module and dropped after."""
import eventlet
import psycopg2
import pytest
import sqlalchemy as sa
from alembic import command
from psycopg2 import errors

from services.gateway import audit, audit_chain
from wardline import migrations
from wardline.services import SERVICES
from shared.db import driver_url, make_engine, session_factory
from shared.testing import infra
from shared.testing.waiting import wait_for

ADMIN = {"username": "admin", "role": "admin", "agency": None}


@pytest.fixture(scope="module")
def roles(database_url):
    """Every service migrated as the owner (the test server's superuser here) with its
    own role, as `wardline migrate` does given WARDLINE_DATABASE_ADMIN_URL."""
    urls = infra.service_role_urls(database_url, infra.unique_name("wl"), SERVICES)
    try:
        for service in SERVICES:
            migrations.upgrade_as_owner(service, database_url, [urls[service]])
        yield urls
    finally:
        infra.drop_roles(database_url, [sa.engine.make_url(u).username
                                        for u in urls.values()])


def connect(url):
    connection = psycopg2.connect(url)
    connection.autocommit = True
    return connection


def refused(url, statement):
    """The error PostgreSQL answers `statement` with, run as the URL's role."""
    connection = connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    except psycopg2.Error as exc:
        return exc
    finally:
        connection.close()
    return None


def write_rows(url, count, **overrides):
    engine = make_engine(url, "gateway", pool_size=1)
    try:
        for n in range(count):
            with session_factory(engine)() as session, session.begin():
                audit.record(session, {**ADMIN, **overrides.get("principal", {})},
                             "consultation", "referral", overrides.get("ids", [f"r-{n}"]),
                             overrides.get("purpose", "Reading a referral"),
                             stated=overrides.get("stated"))
    finally:
        engine.dispose()


def verified(url):
    engine = make_engine(url, "gateway", pool_size=1)
    try:
        with session_factory(engine)() as session:
            return audit_chain.verify(session)
    finally:
        engine.dispose()


@pytest.mark.parametrize("statement", [
    "TRUNCATE gateway.audit_log",
    "DELETE FROM gateway.audit_log",
    "UPDATE gateway.audit_log SET purpose = 'nothing to see'",
    "DROP TRIGGER audit_log_append_only ON gateway.audit_log",
    "DROP TRIGGER audit_log_chain ON gateway.audit_log",
    "ALTER TABLE gateway.audit_log DISABLE TRIGGER ALL",
    "DROP TABLE gateway.audit_log",
    "UPDATE gateway.audit_chain_head SET last_id = NULL",
])
def test_truncate_of_the_audit_table_is_refused_for_the_service_role(roles, statement):
    write_rows(roles["gateway"], 1)
    answer = refused(roles["gateway"], statement)
    assert isinstance(answer, errors.InsufficientPrivilege), answer
    assert verified(roles["gateway"]).intact


def test_the_gateway_role_adds_to_the_trail_and_reads_it_and_each_row_is_chained(roles):
    awkward = {"principal": {"username": "o'neil|4:x", "agency": "zoë-agency"},
               "ids": ["a|b", "-|", "ünï"], "purpose": "12:|-|", "stated": ""}
    write_rows(roles["gateway"], 3, **awkward)
    result = verified(roles["gateway"])
    assert result.intact and result.verified >= 3, result
    connection = connect(roles["gateway"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(row_hash) FROM gateway.audit_log")
        total, chained = cursor.fetchone()
    connection.close()
    assert total == chained == result.verified


def test_a_hash_a_client_gives_is_replaced_by_the_trigger(roles):
    connection = connect(roles["gateway"])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO gateway.audit_log (id, at, username, role, action, record_type, "
            "record_ids, purpose, prev_hash, row_hash) VALUES (999999, now(), 'x', 'admin', "
            "'consultation', 'referral', '[]', 'p', %s, %s) RETURNING id, row_hash",
            ("f" * 64, "e" * 64))
        row_id, row_hash = cursor.fetchone()
    connection.close()
    assert row_hash != "e" * 64 and row_id != 999999
    assert verified(roles["gateway"]).intact


def test_the_referrals_role_cannot_read_taskings_schema(roles):
    answer = refused(roles["referrals"], "SELECT * FROM tasking.tasking_items")
    assert isinstance(answer, errors.InsufficientPrivilege), answer
    assert "schema tasking" in str(answer)
    # ... nor the gateway's accounts, nor make a table of its own; its own tables it reads.
    assert isinstance(refused(roles["referrals"], "SELECT * FROM gateway.users"),
                      errors.InsufficientPrivilege)
    assert isinstance(refused(roles["referrals"], "CREATE TABLE referrals.mine (x int)"),
                      errors.InsufficientPrivilege)
    assert refused(roles["referrals"], "SELECT count(*) FROM referrals.referrals") is None


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_role_uses_its_own_schema_and_no_other(roles, service):
    for other in SERVICES:
        answer = refused(roles[service], f"SELECT * FROM {other}.outbox")
        if other == service:
            assert answer is None, answer
        else:
            assert isinstance(answer, errors.InsufficientPrivilege), (service, other)
    assert isinstance(refused(roles[service], f"TRUNCATE {service}.outbox"),
                      errors.InsufficientPrivilege)


def test_migrating_again_changes_nothing_and_keeps_the_roles_narrow(roles, database_url):
    for service in SERVICES:
        migrations.upgrade_as_owner(service, database_url, [roles[service]])
    assert isinstance(refused(roles["gateway"], "TRUNCATE gateway.audit_log"),
                      errors.InsufficientPrivilege)
    assert refused(roles["gateway"], "SELECT count(*) FROM gateway.audit_log") is None


def test_a_service_role_that_owns_a_table_is_refused(roles, database_url):
    """An owner may TRUNCATE and drop whatever it owns, grants or not: migrate stops,
    saying so, rather than call that role separated."""
    from shared.roles import RoleRefused
    owner = sa.engine.make_url(database_url).username
    tasking_role = sa.engine.make_url(roles["tasking"]).username
    admin = connect(database_url)
    with admin.cursor() as cursor:
        cursor.execute(f'ALTER TABLE tasking.outbox OWNER TO "{tasking_role}"')
    try:
        with pytest.raises(RoleRefused, match="owns"):
            migrations.upgrade_as_owner("tasking", database_url, [roles["tasking"]])
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'ALTER TABLE tasking.outbox OWNER TO "{owner}"')
        admin.close()
    assert isinstance(refused(roles["tasking"], "TRUNCATE tasking.outbox"),
                      errors.InsufficientPrivilege)


def test_two_writers_at_once_link_one_after_the_other(roles, database_url):
    """The first writer holds the chain's head until it commits; the second, started
    meanwhile, waits for it and then links to its row instead of forking the chain."""
    first = psycopg2.connect(roles["gateway"])
    insert = ("INSERT INTO gateway.audit_log (at, username, role, action, record_type, "
              "record_ids, purpose) VALUES (now(), %s, 'admin', 'consultation', "
              "'referral', '[]', 'p') RETURNING id")
    with first.cursor() as cursor:
        cursor.execute(insert, ("first",))
        first_id = cursor.fetchone()[0]

    def second_writer():
        connection = psycopg2.connect(roles["gateway"], application_name="second-writer")
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(insert, ("second",))
                return cursor.fetchone()[0]
        finally:
            connection.close()

    second = eventlet.spawn(second_writer)
    watcher = connect(database_url)
    with watcher.cursor() as cursor:
        def second_waits():
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity "
                           "WHERE application_name = 'second-writer'")
            row = cursor.fetchone()
            return row is not None and row[0] == "Lock"
        assert wait_for(second_waits)
    watcher.close()
    first.commit()
    first.close()
    assert second.wait() > first_id
    assert verified(roles["gateway"]).intact


def test_verify_names_the_row_the_owner_altered_removed_or_slipped_in(roles, database_url):
    """The owner can get round the triggers; each change shows at its row. Every change
    is rolled back after it is seen."""
    write_rows(roles["gateway"], 4)
    engine = make_engine(database_url, "gateway", pool_size=1)
    ids = [r.id for r in _rows(engine)][-4:]
    cases = {
        "altered": (f"UPDATE audit_log SET purpose = 'nothing' WHERE id = {ids[1]}", ids[1]),
        "removed": (f"DELETE FROM audit_log WHERE id = {ids[1]}", ids[2]),
        "added": (f"INSERT INTO audit_log (id, at, username, role, action, record_type, "
                  f"record_ids, purpose) SELECT id + 1000000, at, username, role, action, "
                  f"record_type, record_ids, purpose FROM audit_log WHERE id = {ids[1]}",
                  ids[1] + 1000000),
        "end removed": (f"DELETE FROM audit_log WHERE id = {ids[3]}", ids[3]),
    }
    try:
        for case, (tampering, expected) in cases.items():
            with session_factory(engine)() as session:
                session.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
                session.execute(sa.text(tampering))
                result = audit_chain.verify(session)
                session.rollback()
            assert not result.intact and result.broken_at["id"] == expected, (case, result)
        assert verified(roles["gateway"]).intact  # all put back
    finally:
        engine.dispose()


def test_through_pgbouncer_the_gateway_role_chains_its_rows_and_still_cannot_truncate(
        roles):
    """As deploy/ runs it: the gateway's role through PgBouncer in transaction mode, its
    schema set per transaction; the trigger pins its own search_path."""
    from shared.testing.pgbouncer import PgBouncer, available
    if not available():
        pytest.fail("PgBouncer is not installed: `apt-get install pgbouncer` (.ci/run does)")
    url = sa.engine.make_url(roles["gateway"])
    bouncer = PgBouncer(roles["gateway"])
    try:
        pooled = bouncer.url(url.database).replace(f"{bouncer.user}@",
                                                   f"{url.username}:pw-gateway@")
        engine = make_engine(pooled, "gateway", pool_size=2, pooled=True)
        try:
            for n in range(3):
                with session_factory(engine)() as session, session.begin():
                    audit.record(session, ADMIN, "consultation", "referral", [f"p-{n}"],
                                 "Reading a referral")
            with session_factory(engine)() as session:
                assert session.execute(sa.text("SELECT current_user")).scalar() == \
                    url.username
                result = audit_chain.verify(session)
            assert result.intact, result
        finally:
            engine.dispose()
        assert isinstance(refused(pooled, "TRUNCATE gateway.audit_log"),
                          errors.InsufficientPrivilege)
    finally:
        bouncer.stop()


def test_rows_before_the_chain_are_counted_and_the_chain_starts_after_them(infrastructure):
    server = infrastructure["database_url"]
    name = infra.unique_name("wardline_test")
    url = infra.create_database(server, name)
    try:
        from shared.db import ensure_schema
        ensure_schema(url, "gateway")
        command.upgrade(migrations.alembic_config("gateway", url), "d1e2f3a4b5c6")
        write_rows(url, 2)  # before the chain: no trigger yet
        migrations.upgrade("gateway", url)
        write_rows(url, 3)
        result = verified(url)
        assert result.intact and result.unchained == 2 and result.verified == 3, result
        assert result.first["id"] == result.started_after + 1 == 3
    finally:
        infra.drop_database(server, name)


def _rows(engine):
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT id FROM audit_log ORDER BY id")).all()


def test_the_service_role_is_not_the_owner(roles, database_url):
    engine = sa.create_engine(driver_url(database_url))
    with engine.connect() as conn:
        owner = conn.execute(sa.text(
            "SELECT tableowner FROM pg_tables WHERE schemaname = 'gateway' "
            "AND tablename = 'audit_log'")).scalar()
    engine.dispose()
    assert owner != sa.engine.make_url(roles["gateway"]).username
