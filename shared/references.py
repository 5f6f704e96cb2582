"""References people can say: `WL-R-2026-000123` for a referral, read out on the phone or
written on a form, where a UUID cannot be. The UUID stays each record's id; the reference
is a second, human key, unique within its kind.

One format for every service: `WL-<kind letter>-<year>-<six digits>`, numbered in order
per kind and per calendar year of the record's creation (UTC), from 000001. Each service
keeps its own `reference_sequences` table (its data is its own) and takes the next number
with `next_reference`, inside the transaction that stores the record, so a number is used
exactly once and a rolled-back insert gives its number back (no gaps)."""
import re
from datetime import timezone

import sqlalchemy as sa

KINDS = {
    "R": "referral",
    "A": "tasking_item",  # an action of the tasking meeting
    "T": "pcso_task",
    "I": "intelligence_report",
    "C": "case_review",
}
"""Kind letter -> the kind of record it names."""

LETTERS = {kind: letter for letter, kind in KINDS.items()}

PATTERN = re.compile(r"WL-([RATIC])-([0-9]{4})-([0-9]{6})")
"""A reference, upper case as printed, ASCII digits (`\\d` would take any script's): use
with `fullmatch`. Anything else (a UUID, a typo, a trailing newline) is not one."""

DIGITS = 6
WIDEST = 10 ** DIGITS - 1


def format_reference(kind, year, number):
    """The reference of the `number`th record of `kind` created in `year`."""
    if not 1 <= number <= WIDEST:
        raise ValueError(f"a reference number is 1 to {WIDEST}, not {number}")
    return f"WL-{LETTERS[kind]}-{year:04d}-{number:0{DIGITS}d}"


def parse_reference(text):
    """(kind, year, number) of a reference, or None when `text` is not one: the gateway
    asks this of every path parameter, so it must refuse near-misses, never guess."""
    match = PATTERN.fullmatch(text) if isinstance(text, str) else None
    if match is None or int(match.group(3)) == 0:
        return None
    return KINDS[match.group(1)], int(match.group(2)), int(match.group(3))


def is_reference(text):
    return parse_reference(text) is not None


def kind_of(text):
    """The kind of record a reference names, or None."""
    parsed = parse_reference(text)
    return parsed[0] if parsed else None


def reference_sequences_table(metadata):
    """Add the service's `reference_sequences` table: the last number given, per kind and
    year. A service calls this in its orm.py, beside `plumbing_tables`."""
    return sa.Table(
        "reference_sequences", metadata,
        sa.Column("kind", sa.String(30), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
    )


_sequences = sa.table("reference_sequences", sa.column("kind"), sa.column("year"),
                      sa.column("last_number"))


def next_reference(session, kind, created_at):
    """The next reference of `kind` for a record created at `created_at`, taken in the
    session's transaction: one INSERT ... ON CONFLICT DO UPDATE ... RETURNING, atomic on
    PostgreSQL and SQLite alike. A concurrent transaction waits on the (kind, year) row
    until this one ends, so two records never share a number, and a rollback returns it."""
    year = _year_of(created_at)
    number = session.execute(sa.text(
        "INSERT INTO reference_sequences (kind, year, last_number) VALUES (:kind, :year, 1) "
        "ON CONFLICT (kind, year) DO UPDATE "
        "SET last_number = reference_sequences.last_number + 1 RETURNING last_number"),
        {"kind": kind, "year": year}).scalar_one()
    return format_reference(kind, year, number)


def find_by_reference(session, table, reference):
    """The id of the row of `table` whose `reference` column is `reference`, or None."""
    return session.execute(sa.select(table.c.id).where(table.c.reference == reference)
                           ).scalar()


def number_existing(conn, table, kind, created_column, id_column="id"):
    """For a migration: give every row of `table` that has no reference one, in creation
    order per year (ties broken by id), and leave `reference_sequences` at the last number
    given, so new records carry on from there. `table` is a lightweight `sa.table` with
    the id, creation and `reference` columns."""
    created, row_id = table.c[created_column], table.c[id_column]
    rows = conn.execute(sa.select(row_id, created).where(table.c.reference.is_(None))
                        .order_by(created, row_id)).all()
    last = {}
    for rid, at in rows:
        year = _year_of(at)
        last[year] = last.get(year, 0) + 1
        conn.execute(table.update().where(row_id == rid)
                     .values(reference=format_reference(kind, year, last[year])))
    for year, number in last.items():
        conn.execute(_sequences.insert().values(kind=kind, year=year, last_number=number))


def _year_of(value):
    """The calendar year (UTC) of a timestamp; SQLite hands migrations a string, UTC."""
    if isinstance(value, str):
        return int(value[:4])
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.year


def add_reference_column(table_name, kind, created_column):
    """For a service's migration: add `reference` to `table_name`, number the rows already
    there in creation order per year, then make it unique and required. On SQLite (a
    laptop's files) the column stays nullable in the schema: making it NOT NULL there
    means copying the table, which the foreign keys into it refuse; every insert sets it
    all the same, and the unique index holds on both."""
    from alembic import op

    op.add_column(table_name, sa.Column("reference", sa.String(20), nullable=True))
    table = sa.table(table_name, sa.column("id"), sa.column(created_column),
                     sa.column("reference"))
    number_existing(op.get_bind(), table, kind, created_column)
    op.create_index(f"ux_{table_name}_reference", table_name, ["reference"], unique=True)
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(table_name, "reference", existing_type=sa.String(20), nullable=False)


def drop_reference_column(table_name):
    """Undo `add_reference_column` (SQLite 3.35 and later drop a column in place)."""
    from alembic import op

    op.drop_index(f"ux_{table_name}_reference", table_name=table_name)
    op.drop_column(table_name, "reference")


def create_sequences_table():
    """For a service's first references migration: its `reference_sequences` table."""
    from alembic import op

    op.create_table(
        "reference_sequences",
        sa.Column("kind", sa.String(30), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False))
