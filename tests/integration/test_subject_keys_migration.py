"""Subjects stored before keys named a birth date (revision 5e71956e3e5b wrote
`ny:<sound>:<birth year>`) are found as subjects stored now: the migration rewrites their
keys to what blocking_keys writes, on PostgreSQL and on SQLite, and back on downgrade."""
import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session

from services.referrals import repository
from services.referrals.matching import Person, blocking_keys
from services.referrals.orm import subject_keys, subjects
from shared.db import ensure_schema, make_engine, utcnow
from wardline.migrations import alembic_config
from tests.unit.test_subject_blocking import stored_by_birth_year

BEFORE = "5e71956e3e5b"
PEOPLE = [Person("Jamal", "Okafor", date(2011, 3, 4)), Person("Zoë", "O'Neil", None),
          Person("Мария", "Ахмедов", date(1999, 12, 31))]


@pytest.fixture(params=["postgresql", "sqlite"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'referrals.sqlite'}"
    return request.getfixturevalue("database_url")


def stored_keys(engine):
    with engine.connect() as conn:
        found = {}
        for key, subject_id in conn.execute(sa.select(subject_keys.c.key,
                                                      subject_keys.c.subject_id)):
            found.setdefault(subject_id, set()).add(key)
        return found


def test_keys_stored_by_birth_year_are_rewritten_by_birth_date_and_back(url):
    ensure_schema(url, "referrals")
    config = alembic_config("referrals", url)
    command.upgrade(config, BEFORE)
    engine = make_engine(url, "referrals", pool_size=1)
    ids = {}
    try:
        with engine.begin() as conn:
            for person in PEOPLE:
                ids[person] = subject_id = str(uuid.uuid4())
                conn.execute(subjects.insert().values(
                    id=subject_id, given_name=person.given_name,
                    family_name=person.family_name, date_of_birth=person.date_of_birth,
                    match_key=subject_id, person_id=subject_id, created_at=utcnow()))
                conn.execute(subject_keys.insert(), [
                    {"key": k, "subject_id": subject_id} for k in stored_by_birth_year(person)])
        command.upgrade(config, "head")
        assert stored_keys(engine) == {ids[p]: blocking_keys(p) for p in PEOPLE}
        with engine.connect() as conn, Session(conn) as session:
            typo = {"given_name": "Jamal", "family_name": "Okafor",
                    "date_of_birth": date(2011, 4, 3)}
            found = repository.candidate_subjects(session, typo, excluding=None)
        assert [c["id"] for c in found] == [ids[PEOPLE[0]]]
        command.downgrade(config, BEFORE)
        assert stored_keys(engine) == {ids[p]: stored_by_birth_year(p) for p in PEOPLE}
    finally:
        engine.dispose()
