"""The audit trail's hash chain as the gateway keeps it on SQLite (in Python), and how
verify reads it; the same chain made by PostgreSQL's trigger is checked in
tests/integration/test_audit_trail_roles.py."""
from datetime import datetime, timezone

import sqlalchemy as sa

from services.gateway import audit, audit_chain
from services.gateway.orm import audit_chain_head, audit_log, metadata
from shared.testing.memory import InMemoryDatabase

ADMIN = {"username": "admin", "role": "admin", "agency": None}


def chained_database(rows=3):
    db = InMemoryDatabase(metadata)
    with db.unit_of_work() as uow:  # as the migration starts the chain
        uow.session.execute(audit_chain_head.insert().values(
            id=1, started_after=0, started_at=datetime.now(timezone.utc), last_id=None,
            last_hash=audit_chain.GENESIS))
    for n in range(rows):
        with db.unit_of_work() as uow:
            audit.record(uow.session, ADMIN, "consultation", "referral", [f"r-{n}"],
                         "Reading a referral")
    return db


def verify(db):
    with db.sessions() as session:
        return audit_chain.verify(session)


def test_each_row_is_chained_to_the_one_before():
    db = chained_database()
    rows = sorted(db.rows("audit_log"), key=lambda r: r["id"])
    assert rows[0]["prev_hash"] == audit_chain.GENESIS
    assert [r["prev_hash"] for r in rows[1:]] == [r["row_hash"] for r in rows[:-1]]
    result = verify(db)
    assert result.intact and result.verified == 3 and result.first["id"] == rows[0]["id"]


def test_verify_names_the_altered_row():
    db = chained_database()
    with db.engine.begin() as conn:
        conn.execute(audit_log.update().where(audit_log.c.id == 2).values(purpose="nothing"))
    result = verify(db)
    assert not result.intact and result.broken_at["id"] == 2
    assert "altered" in result.broken_at["why"] and result.verified == 1


def test_verify_names_the_row_after_one_removed_and_the_end_cut_off():
    db = chained_database(4)
    with db.engine.begin() as conn:
        conn.execute(audit_log.delete().where(audit_log.c.id == 2))
    assert verify(db).broken_at["id"] == 3
    db = chained_database(4)
    with db.engine.begin() as conn:
        conn.execute(audit_log.delete().where(audit_log.c.id == 4))
    result = verify(db)
    assert result.broken_at["id"] == 4 and "removed" in result.broken_at["why"]


def test_the_serialisation_is_fixed_so_old_chains_still_verify():
    """The trigger's SQL computes the same text; changing either breaks every chain."""
    row = {"id": 7, "at": datetime(2026, 12, 3, 8, 0, 1, 2, tzinfo=timezone.utc),
           "username": "o'neil", "role": "admin", "agency": None, "action": "consultation",
           "record_type": "referral", "record_ids": ["a|b", "é"], "purpose": "Reading",
           "stated_purpose": "", "recipient": None, "correlation_id": "c-1",
           "event_id": None, "prev_hash": audit_chain.GENESIS}
    assert audit_chain.canonical(row) == (
        "1:7|27:2026-12-03T08:00:01.000002Z|6:o'neil|5:admin|-|12:consultation|"
        "8:referral|10:3:a|b|1:é||7:Reading|0:|-|3:c-1|-|64:" + "0" * 64 + "|")
    assert audit_chain.row_hash(row) == audit_chain.row_hash(dict(row))


def test_without_a_chain_head_nothing_is_chained_and_verify_says_so():
    db = InMemoryDatabase(metadata)  # tables as create_all makes them, no head row
    with db.unit_of_work() as uow:
        audit.record(uow.session, ADMIN, "consultation", "referral", ["r"], "Reading")
    assert db.rows("audit_log")[0]["row_hash"] is None
    assert verify(db).missing_head
    with db.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar() == 1
