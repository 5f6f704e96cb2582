"""Migrations a3b4c5d6e7f8 to c5d6e7f8a9b0 on the databases tasking lives in (PostgreSQL and a laptop's
SQLite): tasking's records of referrals take each referral's first action from the history
already stored, by the dashboards' rule (the earliest step a person took on one of its
items: raised, assigned, update or completed, not by tasking itself), and its week and
hours from the submission; the schema they leave is the one orm.py declares; and they go
down and up again."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.tasking.orm import metadata
from shared.db import ensure_schema, make_engine
from wardline.migrations import alembic_config

BEFORE = "f2a3b4c5d6e7"
# What the revisions since BEFORE add outside referral_records.
OURS = ("ix_tasking_items_open", "feedback_week", "hours_to_feedback",
        "ix_intelligence_reports_ward", "ix_intelligence_reports_feedback")
T0 = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)


@pytest.fixture(params=["postgresql", "sqlite"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tasking.sqlite'}"
    return request.getfixturevalue("database_url")


def hours(n):
    return T0 + timedelta(hours=n)


def store(conn, referrals, items, steps):
    for referral_id in referrals:
        conn.execute(sa.text(
            "INSERT INTO referral_records (referral_id, category, risk_level, ward, "
            "referring_agency, status, submitted_at) VALUES (:id, 'asb', 'high', 'dalston', "
            "'yot', 'accepted', :at)"), {"id": referral_id, "at": T0})
    for n, (item_id, source_type, source_id) in enumerate(items):
        conn.execute(sa.text(
            "INSERT INTO tasking_items (id, reference, title, ward, owner_agency, status, "
            "due_by, source_type, source_id, raised_by, raised_at) VALUES (:id, :ref, 'Act',"
            " 'dalston', 'yot', 'open', :at, :type, :source, 'tasking', :at)"),
            {"id": item_id, "ref": f"WL-A-2026-{900000 + n}", "at": T0,
             "type": source_type, "source": source_id})
    for item_id, kind, by, at in steps:
        conn.execute(sa.text(
            "INSERT INTO tasking_item_history (tasking_item_id, kind, by, at) "
            "VALUES (:item, :kind, :by, :at)"), {"item": item_id, "kind": kind, "by": by,
                                                "at": at})


def first_actions(engine, *derived):
    records = metadata.tables["referral_records"]
    with engine.connect() as conn:
        rows = conn.execute(sa.select(records.c.referral_id, records.c.first_action_at,
                                      *[records.c[name] for name in derived]))
        return {row[0]: row[1] if not derived else tuple(row[1:]) for row in rows}


def test_the_referrals_stored_take_their_first_action_from_their_history(url):
    ensure_schema(url, "tasking")
    config = alembic_config("tasking", url)
    command.upgrade(config, "head")  # this module's database may be there already
    command.downgrade(config, BEFORE)
    engine = make_engine(url, "tasking", pool_size=1)
    try:
        with engine.begin() as conn:
            for table in ("tasking_item_history", "tasking_items", "referral_records"):
                conn.execute(sa.text(f"DELETE FROM {table}"))
            store(conn, ["acted", "by-tasking-only", "no-items", "two-items"],
                  [("i1", "referral", "acted"), ("i2", "referral", "by-tasking-only"),
                   ("i3", "referral", "two-items"), ("i4", "referral", "two-items"),
                   ("i5", "ward_priority", "acted")],
                  [("i1", "raised", "tasking", hours(0)), ("i1", "overdue", "tasking", hours(1)),
                   ("i1", "update", "yot.partner", hours(9)),
                   ("i1", "assigned", "coordinator", hours(5)),  # written later, earlier
                   ("i1", "completed", "yot.partner", hours(20)),
                   ("i2", "raised", "tasking", hours(0)), ("i2", "assigned", "tasking", hours(2)),
                   ("i2", "overdue", "tasking", hours(3)),
                   ("i3", "raised", "tasking", hours(0)), ("i3", "update", "housing", hours(30)),
                   ("i4", "raised", "coordinator", hours(12)),
                   ("i5", "raised", "coordinator", hours(-5))])  # not a referral's item
        command.upgrade(config, "head")
        assert first_actions(engine) == {"acted": hours(5), "by-tasking-only": None,
                                         "no-items": None, "two-items": hours(12)}
        # With the week (T0 is a Monday) and the hours from the submission the chart reads.
        derived = first_actions(engine, "first_action_week", "hours_to_first_action")
        assert derived["acted"] == (hours(5), "2026-11-02", pytest.approx(5.0))
        assert derived["two-items"] == (hours(12), "2026-11-02", pytest.approx(12.0))
        assert derived["no-items"] == (None, None, None)
        # What these revisions leave is what orm.py declares (on SQLite the numbered tables
        # have a difference of their own, from before them: a reference may be null there).
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
        assert [d for d in differences if "referral_records" in repr(d)
                or any(name in repr(d) for name in OURS)] == []
        command.downgrade(config, BEFORE)
        with engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("referral_records")}
        assert "first_action_at" not in columns
        command.upgrade(config, "head")
        assert first_actions(engine)["two-items"] == hours(12)
    finally:
        with engine.begin() as conn:
            for table in ("tasking_item_history", "tasking_items", "referral_records"):
                conn.execute(sa.text(f"DELETE FROM {table}"))
        engine.dispose()
