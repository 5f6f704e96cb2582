"""Reading and writing referrals and subjects: SQL lives here, rules in domain.py."""
import uuid
import weakref

import sqlalchemy as sa

from services.referrals.domain import subject_match_key
from services.referrals.matching import Person, blocking_keys, lookup_keys
from services.referrals.orm import (referral_actions, referral_disclosures, referral_history,
                                    referrals, subject_keys, subjects, wards)
from shared.db import row_by_id, upsert, utcnow
from shared.references import find_by_reference

CANDIDATES_PER_LOOKUP = 200
"""Most subjects scored for one new subject; blocks larger than this are cut (oldest first)."""


def ward_codes(session):
    return set(session.execute(sa.select(wards.c.code)).scalars())


_known_wards = weakref.WeakKeyDictionary()  # engine -> frozenset of ward codes


def known_wards(session, payload):
    """The borough's ward codes, read once per database and again only when the payload
    names a ward not among them: wards are added (never removed or renamed), so a code
    once known stays valid, and a newly registered ward is found on its first use. Saves
    a query on every referral and priority."""
    ward = payload.get("ward") if isinstance(payload, dict) else None
    engine = session.get_bind()
    known = _known_wards.get(engine)
    if known is None or (isinstance(ward, str) and ward not in known):
        known = _known_wards[engine] = frozenset(ward_codes(session))
    return known


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


def find_subject_by_key(session, person, agency):
    """This agency's own record of the person, if it has one: another agency's record of
    the same person is theirs (matching links the two under one person)."""
    key = subject_match_key(person["given_name"], person["family_name"],
                            person.get("date_of_birth"))
    return session.execute(sa.select(subjects.c.id).where(subjects.c.match_key == key,
                                                          subjects.c.agency == agency)
                           .order_by(subjects.c.created_at).limit(1)).scalar()


def add_subject(session, person, agency):
    subject_id = str(uuid.uuid4())
    session.execute(subjects.insert().values(
        id=subject_id, given_name=person["given_name"], family_name=person["family_name"],
        date_of_birth=person.get("date_of_birth"), address=person.get("address"),
        agency=agency,
        match_key=subject_match_key(person["given_name"], person["family_name"],
                                    person.get("date_of_birth")),
        person_id=subject_id, created_at=utcnow()))
    keys = blocking_keys(as_person(person))
    session.execute(subject_keys.insert(), [{"key": k, "subject_id": subject_id} for k in keys])
    return subject_id


def candidate_subjects(session, person, excluding):
    """Subjects sharing a blocking key with `person`, found through the key index."""
    ids = sa.select(subject_keys.c.subject_id).where(
        subject_keys.c.key.in_(sorted(lookup_keys(as_person(person))))).distinct()
    rows = session.execute(
        sa.select(subjects).where(subjects.c.id.in_(ids), subjects.c.id != excluding)
        .order_by(subjects.c.created_at).limit(CANDIDATES_PER_LOOKUP))
    return [row._asdict() for row in rows]


def as_person(record):
    return Person(record["given_name"], record["family_name"], record.get("date_of_birth"))


def get_subject(session, subject_id):
    row = session.execute(sa.select(subjects).where(subjects.c.id == subject_id)).first()
    return row._asdict() if row else None


def subjects_of_person(session, person_id):
    rows = session.execute(sa.select(subjects).where(subjects.c.person_id == person_id)
                           .order_by(subjects.c.created_at))
    return [row._asdict() for row in rows]


def set_person(session, subject_ids, person_id):
    session.execute(subjects.update().where(subjects.c.id.in_(list(subject_ids)))
                    .values(person_id=person_id))


def add_referral(session, referral):
    """Store a new referral and its first history entry; returns it as get_referral would
    (without its subject), from INSERT ... RETURNING rather than a second read."""
    stored = session.execute(referrals.insert().values(**referral)
                             .returning(*referrals.c)).one()._asdict()
    first = add_history(session, referral["id"], referral["status"], referral["submitted_at"],
                        referral["referred_by"], referral["referring_agency"], None)
    return {**stored, "history": [first]}


def add_history(session, referral_id, status, at, by, agency, reason, reason_for_referrer=None):
    entry = {"status": status, "at": at, "by": by, "agency": agency, "reason": reason,
             "reason_for_referrer": reason_for_referrer}
    session.execute(referral_history.insert().values(referral_id=referral_id, **entry))
    return entry


def referral_id_by_reference(session, reference):
    return find_by_reference(session, referrals, reference)


def update_referral(session, referral_id, **values):
    session.execute(referrals.update().where(referrals.c.id == referral_id).values(**values))


def get_referral(session, referral_id, for_update=False):
    referral = row_by_id(session, referrals, referral_id, for_update)
    if referral is None:
        return None
    referral["subject"] = get_subject(session, referral["subject_id"])
    referral["history"] = [h._asdict() for h in session.execute(
        sa.select(referral_history.c.status, referral_history.c.at, referral_history.c.by,
                  referral_history.c.agency, referral_history.c.reason,
                  referral_history.c.reason_for_referrer)
        .where(referral_history.c.referral_id == referral_id)
        .order_by(referral_history.c.id))]
    return referral


def list_referrals(session, scope, filters, limit, after=None):
    """Newest first, keyset-paged on (submitted_at, id); `scope` as domain.referral_scope."""
    query = sa.select(referrals).order_by(referrals.c.submitted_at.desc(),
                                          referrals.c.id.desc()).limit(limit)
    if scope is not None:
        query = query.where(sa.or_(sa.false(), *[_admits(column, values)
                                                 for column, values in scope]))
    for column, value in filters.items():
        if column == "subject_ids":
            query = query.where(referrals.c.subject_id.in_(value))
        else:
            query = query.where(referrals.c[column] == value)
    if after:
        submitted_at, referral_id = after
        query = query.where(sa.tuple_(referrals.c.submitted_at, referrals.c.id)
                            < sa.tuple_(sa.literal(submitted_at, referrals.c.submitted_at.type),
                                        sa.literal(referral_id)))
    return [row._asdict() for row in session.execute(query)]


def _admits(column, values):
    if column == "disclosed_to":
        return referrals.c.id.in_(sa.select(referral_disclosures.c.referral_id)
                                  .where(referral_disclosures.c.agency.in_(values)))
    return referrals.c[column].in_(values)


def disclosed_agencies(session, referral_id):
    """The agencies other than the referrer's that may read the referral."""
    return set(session.execute(sa.select(referral_disclosures.c.agency).where(
        referral_disclosures.c.referral_id == referral_id)).scalars())


def add_disclosure(session, referral_id, agency, via, tasking_item_id, at,
                   acknowledged_by=None):
    """Record that `agency` may read the referral; False when it already could."""
    exists = session.execute(sa.select(referral_disclosures.c.agency).where(
        referral_disclosures.c.referral_id == referral_id,
        referral_disclosures.c.agency == agency)).first()
    if exists:
        return False
    session.execute(referral_disclosures.insert().values(
        referral_id=referral_id, agency=agency, via=via, tasking_item_id=tasking_item_id,
        conditions_acknowledged_by=acknowledged_by, disclosed_at=at))
    return True


def action_owners(session, referral_id):
    """The agencies that own, or have owned, an action on the referral."""
    return set(session.execute(sa.select(referral_actions.c.owner_agency).where(
        referral_actions.c.referral_id == referral_id)).scalars())


def record_action(session, tasking_item_id, referral_id, owner_agency):
    """An agency owns tasking's action on a referral: added once, never overwritten, so
    the order in which the raising and the assignments arrive does not matter."""
    upsert(session, referral_actions, {"tasking_item_id": tasking_item_id,
                                       "owner_agency": owner_agency,
                                       "referral_id": referral_id},
           key=("tasking_item_id", "owner_agency"))


def referral_of_action(session, tasking_item_id):
    return session.execute(sa.select(referral_actions.c.referral_id).where(
        referral_actions.c.tasking_item_id == tasking_item_id)).scalar()
