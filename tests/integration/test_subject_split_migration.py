"""Before need-to-know, one subject record was shared by every agency that referred the
person. Revision c4d5e6f7a8b9 gives each agency its own: the first referral's agency keeps
the record (and the address it wrote); each later agency gets a copy without the address,
its referrals moved to the copy, linked to the first under one person and announced as
`subject.linked`, on PostgreSQL and on SQLite."""
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session

from services.referrals import linking
from services.referrals.orm import (metadata, referrals, subject_keys, subject_links, subjects,
                                    wards)
from shared.db import ensure_schema, make_engine
from shared.events import deserialize
from wardline.migrations import alembic_config

BEFORE = "b3c1d2e4f5a6"
START = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["postgresql", "sqlite"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'referrals.sqlite'}"
    return request.getfixturevalue("database_url")


def old_referral(conn, subject_id, agency, minutes):
    referral_id = str(uuid.uuid4())
    conn.execute(referrals.insert().values(
        id=referral_id, subject_id=subject_id, category="youth", risk_level="medium",
        ward="dalston", summary="Seen with older youths", lawful_basis="public_task",
        handling_code="P", status="submitted", referring_agency=agency,
        referred_by=f"{agency}-user", submitted_at=START + timedelta(minutes=minutes)))
    return referral_id


def test_a_subject_shared_by_two_agencies_becomes_one_record_each_joined_as_one_person(url):
    ensure_schema(url, "referrals")
    config = alembic_config("referrals", url)
    command.upgrade(config, BEFORE)
    engine = make_engine(url, "referrals", pool_size=1)
    shared_id, alone_id = str(uuid.uuid4()), str(uuid.uuid4())
    try:
        with engine.begin() as conn:
            conn.execute(wards.insert().values(code="dalston", name="Dalston"))
            for subject_id, family in ((shared_id, "Okafor"), (alone_id, "Patel")):
                conn.execute(subjects.insert().values(
                    id=subject_id, given_name="Jamal", family_name=family,
                    date_of_birth=date(2011, 3, 4), address="12 Ridley Road, E8",
                    match_key=f"jamal|{family.lower()}|2011-03-04", person_id=subject_id,
                    created_at=START))
                conn.execute(subject_keys.insert(), [
                    {"key": f"k1:{family}", "subject_id": subject_id},
                    {"key": f"k2:{family}", "subject_id": subject_id}])
            council_first = old_referral(conn, shared_id, "council", 0)
            yot = old_referral(conn, shared_id, "yot", 5)
            council_again = old_referral(conn, shared_id, "council", 10)
            alone = old_referral(conn, alone_id, "council", 15)
        command.upgrade(config, "head")

        with engine.connect() as conn:
            rows = {r.id: r._asdict() for r in conn.execute(sa.select(subjects))}
            subject_of = dict(conn.execute(sa.select(referrals.c.id, referrals.c.subject_id)).all())
            keys = {}
            for key, subject_id in conn.execute(sa.select(subject_keys)):
                keys.setdefault(subject_id, set()).add(key)
            links = [r._asdict() for r in conn.execute(sa.select(subject_links))]
            outbox = [r._asdict() for r in conn.execute(
                sa.select(metadata.tables["outbox"]).order_by("id"))]

        assert len(rows) == 3
        copy_id = subject_of[yot]
        assert copy_id not in (shared_id, alone_id)
        assert subject_of[council_first] == subject_of[council_again] == shared_id
        assert subject_of[alone] == alone_id
        assert rows[shared_id]["agency"] == "council"
        assert rows[shared_id]["address"] == "12 Ridley Road, E8"
        assert rows[alone_id]["agency"] == "council"
        copy = rows[copy_id]
        assert (copy["agency"], copy["address"]) == ("yot", None)
        assert (copy["given_name"], copy["family_name"], copy["match_key"]) == (
            "Jamal", "Okafor", "jamal|okafor|2011-03-04")
        assert copy["person_id"] == rows[shared_id]["person_id"] == shared_id
        assert keys[copy_id] == keys[shared_id] == {"k1:Okafor", "k2:Okafor"}

        assert [(l["subject_id"], l["candidate_subject_id"], l["status"]) for l in links] == [
            (shared_id, copy_id, "automatic")]
        assert [o["type"] for o in outbox] == ["subject.linked"]
        event = deserialize(outbox[0]["message"])
        assert event.payload["subject_id"] == shared_id
        assert event.payload["linked_subject_id"] == copy_id
        assert (event.payload["action"], event.payload["method"]) == ("linked", "automatic")
        assert event.payload["link_id"] == links[0]["id"]

        # The youth offending team now reads its own record of the person, not the
        # council's address.
        yot_officer = {"username": "yot-user", "role": "partner", "agency": "yot"}
        with engine.connect() as conn, Session(conn) as session:
            person = linking.person_view(session, copy_id, yot_officer)
        assert "12 Ridley Road, E8" not in repr(person)
    finally:
        engine.dispose()
