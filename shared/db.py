"""Database plumbing: one engine per service, the outbox and processed-events tables, and the
unit of work.

A service's tables live in its own PostgreSQL schema (the connection's search_path is that
schema only, so it cannot read another service's tables by accident) or its own SQLite file.
"""
import time
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import sessionmaker

from shared.errors import NotFound
from shared.events import Event, serialize


def utcnow():
    return datetime.now(timezone.utc)


class UtcDateTime(sa.types.TypeDecorator):
    """Timezone-aware datetimes on both PostgreSQL and SQLite (which drops the offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime refused: give a timezone")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def plumbing_tables(metadata):
    """Add the outbox and processed-events tables to a service's metadata."""
    outbox = sa.Table(
        "outbox", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("message", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("published_at", UtcDateTime, nullable=True),
        sa.Index("ix_outbox_unpublished", "id", postgresql_where=sa.text("published_at IS NULL"),
                 sqlite_where=sa.text("published_at IS NULL")),
    )
    processed = sa.Table(
        "processed_events", metadata,
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("consumer", sa.String(120), primary_key=True),
        sa.Column("processed_at", UtcDateTime, nullable=False),
    )
    return outbox, processed


def schema_name(service_name):
    return service_name.replace("-", "_")


def driver_url(url):
    """psycopg2 for `postgresql://` URLs: SQLAlchemy 2.1 would pick psycopg 3, which blocks
    the eventlet hub unless told otherwise; psycopg2 is made cooperative by monkey_patch."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg2://" + url.split("://", 1)[1]
    return url


POOL_TIMEOUT_SECONDS = 10


def make_engine(url, service_name, pool_size=10, pooled=False):
    """An engine confined to the service's own schema (PostgreSQL) or file (SQLite).

    `pool_size` is a hard limit (no overflow), so that processes × pool size is the most
    connections a deployment opens (README, Connection budget). `pooled`: the URL goes
    through a pooler in transaction mode (PgBouncer), where a server connection serves
    one transaction of one client and then another client's: the schema is set in each
    transaction (`SET LOCAL`), as PgBouncer refuses the `options` startup parameter and
    a session-wide `SET` would leak to whichever client gets the connection next."""
    if url.startswith("sqlite"):
        # One connection: SQLite's lock waits would block the whole eventlet hub, so
        # workers queue for the connection cooperatively instead.
        engine = sa.create_engine(url, pool_size=1, max_overflow=0, pool_timeout=60,
                                  connect_args={"timeout": 30}, hide_parameters=True)
        sa_event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    schema = schema_name(service_name)
    connect_args = {"application_name": f"wardline-{service_name}"}
    if not pooled:
        connect_args["options"] = f"-csearch_path={schema}"
    engine = sa.create_engine(
        driver_url(url), pool_size=pool_size, max_overflow=0,
        pool_timeout=POOL_TIMEOUT_SECONDS, pool_recycle=1800, connect_args=connect_args,
        hide_parameters=True)  # a failed statement's error and log name no personal data
    if pooled:
        _search_path_per_transaction(engine, schema)
    _ping_when_idle(engine)
    return engine


def _search_path_per_transaction(engine, schema):
    statement = f'SET LOCAL search_path TO "{schema}"'

    def begin(conn):
        # On the driver's cursor: the Connection itself is still beginning. psycopg2
        # opens the transaction with this statement, so it holds until the commit.
        dbapi_connection = conn.connection.dbapi_connection
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(statement)
        except engine.dialect.loaded_dbapi.Error as exc:
            # As SQLAlchemy does for its own statements: a dead connection (the pooler
            # dropped it) leaves the pool, and the error is SQLAlchemy's, so that it
            # reads as the database being away (a 503), not as a bug.
            disconnect = engine.dialect.is_disconnect(exc, dbapi_connection, cursor)
            if disconnect:
                conn.invalidate(exc)
            raise sa.exc.DBAPIError.instance(
                statement, None, exc, engine.dialect.loaded_dbapi.Error,
                connection_invalidated=disconnect, dialect=engine.dialect) from exc
        finally:
            try:
                cursor.close()
            except engine.dialect.loaded_dbapi.Error:
                pass  # its connection is gone

    sa_event.listen(engine, "begin", begin)


PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine):
    """Pessimistic disconnect handling, like `pool_pre_ping`, but only for a connection
    that sat in the pool for a while: under load a connection comes back within
    milliseconds, and a ping before every transaction was one more round trip each.
    A connection that fails while in use still invalidates the pool (SQLAlchemy's own
    disconnect handling), so the rest are replaced after a restart either way."""
    def checkin(dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    def checkout(dbapi_connection, record, proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise sa.exc.DisconnectionError(str(exc)) from exc
        if not alive:
            raise sa.exc.DisconnectionError("ping failed")

    sa_event.listen(engine.pool, "checkin", checkin)
    sa_event.listen(engine.pool, "checkout", checkout)


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def ensure_schema(url, service_name):
    """Create the service's PostgreSQL schema if missing (no-op for SQLite)."""
    if url.startswith("sqlite"):
        return
    engine = sa.create_engine(driver_url(url), hide_parameters=True)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema_name(service_name)}"'))
    engine.dispose()


class UnitOfWork:
    """One worker's transaction: domain changes, the events they cause (outbox) and the
    events already applied (processed_events) commit together or not at all.

    `with uow:` commits when the block ends normally and rolls back when it raises.
    """

    def __init__(self, session_factory, metadata, consumer=None, correlation_id=None,
                 causation_id=None, on_commit=None):
        self._session_factory = session_factory
        self._outbox = metadata.tables["outbox"]
        self._processed = metadata.tables["processed_events"]
        self.consumer = consumer
        self.correlation_id = correlation_id
        self.causation_id = causation_id
        self._on_commit = on_commit
        self.session = None
        self.events = []  # every event committed by this unit of work, in order

    def __enter__(self):
        self.session = self._session_factory()
        self._pending = []
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self._commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()
            self.session = None

    def ping(self):
        """Prove the database answers (for /health)."""
        with self._session_factory() as session:
            session.execute(sa.text("SELECT 1"))

    def publish(self, type, version, payload, actor):
        """Queue an event to be published if, and only if, this transaction commits.
        An event that breaks its contract is refused here, before anything is stored."""
        actor = {key: actor.get(key) for key in ("username", "role", "agency")}
        event = Event(type=type, version=version, payload=payload, actor=actor,
                      correlation_id=self.correlation_id or "", causation_id=self.causation_id)
        message = serialize(event)
        self._pending.append((event, message))
        return event

    def first_time(self, event):
        """Record that this consumer applies `event`; False if it already has (redelivery)."""
        # One statement, not a look-up then an insert: a copy being handled at the same
        # moment waits on the key until this transaction ends, then inserts nothing.
        insert = _insert_or_nothing(self.session, self._processed).values(
            event_id=event.event_id, consumer=self.consumer, processed_at=utcnow())
        return self.session.execute(insert).rowcount == 1

    def _commit(self):
        now = utcnow()
        if self._pending:  # one statement for all of them (a multi-row INSERT)
            self.session.execute(self._outbox.insert(), [
                {"event_id": event.event_id, "type": event.type, "message": message,
                 "created_at": now} for event, message in self._pending])
        self.session.commit()
        self.events.extend(event for event, _ in self._pending)
        if self._pending and self._on_commit:
            self._on_commit()
        self._pending = []


def row_by_id(session, table, row_id, for_update=False, missing=None):
    """The row of `table` whose `id` is `row_id`, as a dict; locked until the transaction
    ends with `for_update`. None if there is none, or with `missing` (what to tell the
    caller) a NotFound naming the id."""
    query = sa.select(table).where(table.c.id == row_id)
    row = session.execute(query.with_for_update() if for_update else query).first()
    if row is None and missing:
        raise NotFound(missing, {"id": [row_id]})
    return row._asdict() if row else None


def _insert_or_nothing(session, table):
    """INSERT ... ON CONFLICT DO NOTHING in the session's dialect."""
    return _dialect_insert(session, table).on_conflict_do_nothing()


def upsert(session, table, values, key, update=()):
    """Insert `values`, or, when a row with the same `key` columns exists, set only the
    `update` columns (none: leave the row as it is). One statement, not a look-up then a
    write: two copies of an event handled at the same moment cannot both try to insert,
    and it is one round trip fewer on every event."""
    insert = _dialect_insert(session, table).values(**values)
    if update:
        statement = insert.on_conflict_do_update(
            index_elements=list(key), set_={column: insert.excluded[column]
                                            for column in update})
    else:
        statement = insert.on_conflict_do_nothing(index_elements=list(key))
    return session.execute(statement)


def _dialect_insert(session, table):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def session_factory(engine):
    return sessionmaker(bind=engine, expire_on_commit=False)
