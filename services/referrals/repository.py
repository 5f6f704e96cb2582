"""Reading and writing referrals and subjects: SQL lives here, rules in domain.py."""
import uuid

import sqlalchemy as sa

from services.referrals.domain import subject_match_key
from services.referrals.orm import referral_history, referrals, subjects, wards
from shared.db import utcnow


def ward_codes(session):
    return set(session.execute(sa.select(wards.c.code)).scalars())


def list_wards(session):
    rows = session.execute(sa.select(wards.c.code, wards.c.name).order_by(wards.c.name))
    return [{"code": r.code, "name": r.name} for r in rows]


def load_ward_register(session, register):
    """Add the wards not yet known; existing ones keep their codes (referrals name them)."""
    known = ward_codes(session)
    new = [w for w in register if w["code"] not in known]
    if new:
        session.execute(wards.insert(), new)
    return len(new)


def find_or_add_subject(session, person):
    """The subject whose normalised name and birth date match exactly, else a new one."""
    key = subject_match_key(person["given_name"], person["family_name"],
                            person.get("date_of_birth"))
    found = session.execute(sa.select(subjects.c.id).where(subjects.c.match_key == key)
                            .order_by(subjects.c.created_at).limit(1)).scalar()
    if found:
        return found
    subject_id = str(uuid.uuid4())
    session.execute(subjects.insert().values(
        id=subject_id, given_name=person["given_name"], family_name=person["family_name"],
        date_of_birth=person.get("date_of_birth"), address=person.get("address"),
        match_key=key, created_at=utcnow()))
    return subject_id


def add_referral(session, referral):
    session.execute(referrals.insert().values(**referral))
    session.execute(referral_history.insert().values(
        referral_id=referral["id"], status=referral["status"], at=referral["submitted_at"],
        by=referral["referred_by"], agency=referral["referring_agency"], reason=None))


def get_referral(session, referral_id):
    row = session.execute(sa.select(referrals).where(referrals.c.id == referral_id)).first()
    if row is None:
        return None
    referral = row._asdict()
    person = session.execute(sa.select(subjects).where(subjects.c.id == row.subject_id)).one()
    referral["subject"] = {
        "id": person.id, "given_name": person.given_name, "family_name": person.family_name,
        "date_of_birth": person.date_of_birth, "address": person.address,
    }
    referral["history"] = [h._asdict() for h in session.execute(
        sa.select(referral_history.c.status, referral_history.c.at, referral_history.c.by,
                  referral_history.c.agency, referral_history.c.reason)
        .where(referral_history.c.referral_id == referral_id)
        .order_by(referral_history.c.id))]
    return referral

