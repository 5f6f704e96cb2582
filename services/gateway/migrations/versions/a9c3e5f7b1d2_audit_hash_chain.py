"""audit trail: each row chained to the one before by hash

Revision ID: a9c3e5f7b1d2
Revises: d1e2f3a4b5c6
Create Date: 2026-12-03 08:00:00.000000

Each row gets `prev_hash` (the row before's `row_hash`) and `row_hash` (SHA-256 over its
fields and `prev_hash`, serialised as `services/gateway/audit_chain.py` does), so a row
altered, removed or slipped in by whoever can get round the append-only trigger (the
table's owner) breaks the chain at that row, and `wardline audit verify` names it.

On PostgreSQL a BEFORE INSERT trigger computes both, so no client can skip or forge them:
it locks the one row of `audit_chain_head` until its transaction ends, which makes two
gateways inserting at once link one after the other rather than fork the chain, and
gives the row its id only then, so that ids follow the chain (the column has no default
any more). The trigger's function is
SECURITY DEFINER (it runs as the owner, who alone may move the head) with its
search_path pinned. SQLite has no such trigger: the gateway links rows in Python there
(one process, one connection).

Rows written before this revision are left as they are: the chain starts after the last
of them (`started_after`), and verify says so. TRUNCATE, which row triggers do not see,
is refused too.
"""
from datetime import datetime, timezone
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'a9c3e5f7b1d2'
down_revision: Union[str, Sequence[str], None] = 'd1e2f3a4b5c6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

GENESIS = "0" * 64

# The canonical serialisation: each field as `<length>:<value>|`, or `-|` when NULL, in
# a fixed order; record_ids as the same encoding of each id, taken as one field. Kept in
# step with audit_chain.canonical (tests/integration/test_audit_trail_roles.py proves it).
FIELD = """
CREATE FUNCTION audit_chain_field(v text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN v IS NULL THEN '-|' ELSE char_length(v) || ':' || v || '|' END
$$
"""
ROW_HASH = """
CREATE FUNCTION audit_chain_row_hash(r audit_log) RETURNS varchar
LANGUAGE sql STABLE SET search_path = {schema}, pg_catalog, pg_temp AS $$
    SELECT encode(sha256(convert_to(
        audit_chain_field(r.id::text)
        || audit_chain_field(to_char(r.at AT TIME ZONE 'UTC',
                                     'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
        || audit_chain_field(r.username) || audit_chain_field(r.role)
        || audit_chain_field(r.agency) || audit_chain_field(r.action)
        || audit_chain_field(r.record_type)
        || audit_chain_field(COALESCE((
               SELECT string_agg(audit_chain_field(e.value), '' ORDER BY e.n)
               FROM json_array_elements_text(r.record_ids) WITH ORDINALITY AS e(value, n)),
               ''))
        || audit_chain_field(r.purpose) || audit_chain_field(r.stated_purpose)
        || audit_chain_field(r.recipient) || audit_chain_field(r.correlation_id)
        || audit_chain_field(r.event_id) || audit_chain_field(r.prev_hash),
        'UTF8')), 'hex')
$$
"""
LINK = """
CREATE FUNCTION audit_chain_link() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_catalog, pg_temp AS $$
DECLARE
    head audit_chain_head%ROWTYPE;
BEGIN
    -- Held until this transaction ends: the next writer waits, then reads this row's
    -- hash as its prev_hash (READ COMMITTED re-reads a row it waited for).
    SELECT * INTO head FROM audit_chain_head WHERE id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit_chain_head has no row: the audit chain cannot be extended';
    END IF;
    NEW.id := nextval(pg_get_serial_sequence('audit_log', 'id'));
    NEW.prev_hash := head.last_hash;
    NEW.row_hash := audit_chain_row_hash(NEW);
    UPDATE audit_chain_head SET last_id = NEW.id, last_hash = NEW.row_hash WHERE id = 1;
    RETURN NEW;
END;
$$
"""


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as table:
        table.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        table.add_column(sa.Column("row_hash", sa.String(64), nullable=True))
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("started_after", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=True),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.CheckConstraint("id = 1", name="one_chain_head"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(sa.text(
        "INSERT INTO audit_chain_head (id, started_after, started_at, last_id, last_hash) "
        "SELECT 1, COALESCE(MAX(id), 0), :now, NULL, :genesis FROM audit_log").bindparams(
            sa.bindparam("now", type_=sa.DateTime(timezone=True)),
            now=datetime.now(timezone.utc), genesis=GENESIS))
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = op.get_bind().execute(sa.text("SELECT current_schema()")).scalar()
    quoted = '"' + schema.replace('"', '""') + '"'
    op.execute(FIELD)
    op.execute(ROW_HASH.format(schema=quoted))
    op.execute(LINK.format(schema=quoted))
    op.execute("REVOKE ALL ON FUNCTION audit_chain_link() FROM PUBLIC")
    # The trigger numbers the row once it holds the head; a default would only burn one.
    op.execute("ALTER TABLE audit_log ALTER COLUMN id DROP DEFAULT")
    op.execute("CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log "
               "FOR EACH ROW EXECUTE FUNCTION audit_chain_link()")
    # Row triggers do not see TRUNCATE; the append-only function refuses it as well.
    op.execute("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
               "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER audit_log_chain ON audit_log")
        sequence = op.get_bind().execute(sa.text(
            "SELECT pg_get_serial_sequence('audit_log', 'id')")).scalar()
        op.execute(f"ALTER TABLE audit_log ALTER COLUMN id SET DEFAULT "
                   f"nextval('{sequence}'::regclass)")
        op.execute("DROP FUNCTION audit_chain_link()")
        op.execute("DROP FUNCTION audit_chain_row_hash(audit_log)")
        op.execute("DROP FUNCTION audit_chain_field(text)")
    op.drop_table("audit_chain_head")
    with op.batch_alter_table("audit_log") as table:
        table.drop_column("row_hash")
        table.drop_column("prev_hash")
