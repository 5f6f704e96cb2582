"""References people can say, on the databases they live in (PostgreSQL and a laptop's
SQLite): each service's sequence numbers records of a kind one after another within a
year, starts again at 000001 in a new year, gives a rolled-back number back, and its
migration numbers the records already stored in the order they were made."""
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session

from shared.db import ensure_schema, make_engine
from shared.references import next_reference
from wardline.migrations import alembic_config

# Each service that numbers records, a kind it numbers, and the revision before references.
NUMBERING = [("referrals", "referral", "c4d5e6f7a8b9"),
             ("tasking", "tasking_item", "c8d9e0f1a2b3"),
             ("tasking", "pcso_task", "c8d9e0f1a2b3"),
             ("tasking", "intelligence_report", "c8d9e0f1a2b3"),
             ("casereview", "case_review", "f603fdc604ba")]


@pytest.fixture(params=["postgresql", "sqlite"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'service.sqlite'}"
    return request.getfixturevalue("database_url")


def at(year, month=6, day=1):
    return datetime(year, month, day, 12, tzinfo=timezone.utc)


@pytest.fixture
def migrated(url):
    """service name -> an engine on its schema (or file), migrated to the newest revision."""
    engines = {}
    for service in dict.fromkeys(service for service, _kind, _before in NUMBERING):
        service_url = url.replace("service.sqlite", f"{service}.sqlite")
        ensure_schema(service_url, service)
        command.upgrade(alembic_config(service, service_url), "head")
        engines[service] = make_engine(service_url, service, pool_size=2)
    yield engines
    for engine in engines.values():
        engine.dispose()


def take(engine, kind, when, commit=True):
    with Session(engine) as session:
        reference = next_reference(session, kind, when)
        session.commit() if commit else session.rollback()
    return reference


@pytest.mark.parametrize("service, kind, _before", NUMBERING)
def test_records_of_a_year_are_numbered_in_turn_and_a_new_year_starts_at_one(
        migrated, service, kind, _before):
    engine = migrated[service]
    first, second = take(engine, kind, at(2031)), take(engine, kind, at(2031, 12, 31))
    assert (first[-11:], second[-11:]) == ("2031-000001", "2031-000002")
    assert take(engine, kind, at(2032, 1, 1))[-11:] == "2032-000001"
    assert take(engine, kind, at(2031))[-11:] == "2031-000003"  # each year its own count


@pytest.mark.parametrize("service, kind, _before", NUMBERING)
def test_a_rolled_back_record_gives_its_number_back(migrated, service, kind, _before):
    engine = migrated[service]
    assert take(engine, kind, at(2033))[-6:] == "000001"
    assert take(engine, kind, at(2033), commit=False)[-6:] == "000002"
    assert take(engine, kind, at(2033))[-6:] == "000002"  # no gap


def test_the_referrals_already_stored_are_numbered_in_submission_order_per_year(url):
    service_url = url.replace("service.sqlite", "referrals.sqlite")
    ensure_schema(service_url, "referrals")
    config = alembic_config("referrals", service_url)
    command.upgrade(config, "head")  # this module's database may be there already
    command.downgrade(config, "c4d5e6f7a8b9")
    engine = make_engine(service_url, "referrals", pool_size=1)
    submitted = {"late-2025": at(2025, 12, 31), "early-2025": at(2025, 1, 2),
                 "first-2026": at(2026, 1, 1), "second-2026": at(2026, 3, 1)}
    try:
        with engine.begin() as conn:
            _store_referrals(conn, submitted)
        command.upgrade(config, "head")
        with engine.connect() as conn:
            found = dict(conn.execute(sa.text("SELECT id, reference FROM referrals")).all())
        assert found == {"early-2025": "WL-R-2025-000001", "late-2025": "WL-R-2025-000002",
                         "first-2026": "WL-R-2026-000001", "second-2026": "WL-R-2026-000002"}
        # New referrals carry on from the last number the migration gave.
        assert take(engine, "referral", at(2026, 5, 5)) == "WL-R-2026-000003"
        with pytest.raises(sa.exc.IntegrityError):  # two referrals never share one
            with engine.begin() as conn:
                conn.execute(sa.text("UPDATE referrals SET reference = 'WL-R-2025-000001'"))
        command.downgrade(config, "c4d5e6f7a8b9")
    finally:
        engine.dispose()


def _store_referrals(conn, submitted):
    conn.execute(sa.text("INSERT INTO wards (code, name) VALUES ('dalston', 'Dalston')"))
    conn.execute(sa.text(
        "INSERT INTO subjects (id, given_name, family_name, agency, match_key, person_id, "
        "created_at) VALUES ('s1', 'Zoë', 'O''Neil', 'yot', 'k', 's1', :at)"),
        {"at": at(2025, 1, 1)})
    for referral_id, when in submitted.items():
        conn.execute(sa.text(
            "INSERT INTO referrals (id, subject_id, category, risk_level, ward, summary, "
            "lawful_basis, handling_code, status, referring_agency, referred_by, "
            "submitted_at) VALUES (:id, 's1', 'asb', 'medium', 'dalston', 'noise', "
            "'public_task', 'P', 'received', 'yot', 'yot.partner', :at)"),
            {"id": referral_id, "at": when})


def test_the_actions_already_stored_are_numbered_in_the_order_they_were_raised(url):
    service_url = url.replace("service.sqlite", "tasking.sqlite")
    ensure_schema(service_url, "tasking")
    config = alembic_config("tasking", service_url)
    command.upgrade(config, "head")  # this module's database may be there already
    command.downgrade(config, "c8d9e0f1a2b3")
    engine = make_engine(service_url, "tasking", pool_size=1)
    raised = {"b": at(2026, 2, 1), "a": at(2026, 1, 1), "c": at(2027, 1, 1)}
    try:
        with engine.begin() as conn:
            for item_id, when in raised.items():
                conn.execute(sa.text(
                    "INSERT INTO tasking_items (id, title, ward, owner_agency, status, due_by,"
                    " raised_by, raised_at) VALUES (:id, 'Visit', 'dalston', 'yot', 'open', "
                    ":at, 'coordinator', :at)"), {"id": item_id, "at": when})
        command.upgrade(config, "head")
        with engine.connect() as conn:
            found = dict(conn.execute(sa.text("SELECT id, reference FROM tasking_items")).all())
        assert found == {"a": "WL-A-2026-000001", "b": "WL-A-2026-000002",
                         "c": "WL-A-2027-000001"}
        assert take(engine, "tasking_item", at(2027, 3, 3)) == "WL-A-2027-000002"
        assert take(engine, "pcso_task", at(2027, 3, 3)) == "WL-T-2027-000001"
        command.downgrade(config, "c8d9e0f1a2b3")
    finally:
        engine.dispose()


def test_a_second_transaction_waits_for_the_first_number_rather_than_taking_it_too(
        database_url):
    """PostgreSQL: while one transaction holds the year's number uncommitted, another
    asking for the next waits on the row (here: gives up after 200 ms), and once the
    first commits it gets the number after it."""
    ensure_schema(database_url, "referrals")
    command.upgrade(alembic_config("referrals", database_url), "head")
    engine = make_engine(database_url, "referrals", pool_size=2)
    try:
        with Session(engine) as first, Session(engine) as second:
            taken = next_reference(first, "referral", at(2041))
            second.execute(sa.text("SET lock_timeout = '200ms'"))
            with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
                next_reference(second, "referral", at(2041))
            second.rollback()
            first.commit()
            assert (taken, next_reference(second, "referral", at(2041))) == (
                "WL-R-2041-000001", "WL-R-2041-000002")
            second.commit()
    finally:
        engine.dispose()
