"""PostgreSQL roles: each service connects as a login role of its own, which may use its own
schema and nothing else, with only the DML its tables declare; the schema and its tables
belong to the owner, the role `wardline migrate` connects as (`WARDLINE_DATABASE_ADMIN_URL`).

So the service role cannot TRUNCATE, ALTER or DROP anything, nor drop a trigger (only a
table's owner may), nor create tables, and a table that declares less than DML in
`Table.info["service_role"]` (the gateway's audit trail: SELECT and INSERT) gets only that.
The grants are made again, exactly, at every migrate: everything is revoked from the role
in its schema and granted anew, so a table dropped from the declarations loses its grant.

The role's name and password are those of the service's own URL
(`WARDLINE_<SERVICE>_DATABASE_URL`); the password is sent already hashed (SCRAM), so it
appears in no server log. A URL whose user is the owner itself (one development URL for
everything) is left alone: nothing is separated, as before."""
import psycopg2.extensions
import sqlalchemy as sa
from psycopg2 import sql

from shared.db import driver_url, schema_name

DML = ("SELECT", "INSERT", "UPDATE", "DELETE")
"""What a service role may do to a table that declares nothing narrower."""


class RoleRefused(ValueError):
    """A service URL names a role that must not be a service role: a superuser, or the
    owner of the schema or of a table in it (an owner may TRUNCATE or drop anything)."""


def service_role(url):
    """(name, password) of the role a service URL connects as; password may be None."""
    parsed = sa.engine.make_url(url)
    return parsed.username, parsed.password


def grant(admin_url, service_name, metadata, service_urls):
    """Make each role the service's URLs name (one, normally) a login role limited to the
    service's schema and the privileges its tables declare. Returns what was done, for
    the migrate command to print. Idempotent."""
    done = []
    engine = sa.create_engine(driver_url(admin_url), hide_parameters=True)
    try:
        connection = engine.raw_connection()
        try:
            with connection.cursor() as cursor:
                for name, password in _roles(service_urls):
                    done.append(_grant_role(cursor, name, password,
                                            schema_name(service_name), metadata))
            connection.commit()
        finally:
            connection.close()
    finally:
        engine.dispose()
    return [line for line in done if line]


def _roles(service_urls):
    found = {}
    for url in service_urls:
        name, password = service_role(url)
        if name and (name not in found or password):
            found[name] = password
    return sorted(found.items())


def _grant_role(cursor, name, password, schema, metadata):
    cursor.execute("SELECT current_user")
    if cursor.fetchone()[0] == name:
        return None  # one URL for everything (development): there is no separate role
    role, schema_id = sql.Identifier(name), sql.Identifier(schema)
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (name,))
    existing = cursor.fetchone()
    if existing and existing[0]:
        raise RoleRefused(f"{name} is a superuser: a service role must not be one")
    if not existing:
        cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
    _refuse_an_owner(cursor, name, schema)
    if password:
        hashed = psycopg2.extensions.encrypt_password(password, name, cursor,
                                                      "scram-sha-256")
        cursor.execute(sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(
            role, sql.Literal(hashed)))
    cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_id, role))
    for kind in ("TABLES", "SEQUENCES"):
        cursor.execute(sql.SQL("REVOKE ALL ON ALL {} IN SCHEMA {} FROM {}").format(
            sql.SQL(kind), schema_id, role))
    for table in metadata.sorted_tables:
        privileges = table.info.get("service_role", DML)
        cursor.execute(sql.SQL("GRANT {} ON {}.{} TO {}").format(
            sql.SQL(", ").join(sql.SQL(p) for p in privileges), schema_id,
            sql.Identifier(table.name), role))
    # nextval for serial ids; USAGE does not allow setval.
    cursor.execute(sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
        schema_id, role))
    return f"{name}: {'' if existing else 'created; '}may use schema {schema} only"


def _refuse_an_owner(cursor, name, schema):
    cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s AND nspowner::regrole::text "
                   "= quote_ident(%s) UNION ALL SELECT 1 FROM pg_tables WHERE schemaname = %s "
                   "AND tableowner = %s", (schema, name, schema, name))
    if cursor.fetchone():
        raise RoleRefused(
            f"{name} owns schema {schema} or a table in it, so it could TRUNCATE or drop "
            "them: give the owner's URL as WARDLINE_DATABASE_ADMIN_URL and the service a "
            "role of its own")
