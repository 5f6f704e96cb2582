"""Subjects: one person across agencies. A new subject is compared with its candidates;
a sure match is linked at once, a probable one queued for a coordinator. Links join
records under one person and can be undone; both are announced as `subject.linked`."""
import uuid

import sqlalchemy as sa

from services.referrals import repository
from services.referrals.domain import BOROUGH_WIDE_ROLES, referral_audience, referral_scope
from services.referrals.matching import compare
from services.referrals.orm import subject_links, subjects
from shared.db import utcnow
from shared.errors import Conflict, Forbidden, NotFound
from shared.need_to_know import shape
from shared.paging import decode_cursor, page

ACTIVE = ("automatic", "confirmed")
SYSTEM = {"username": "referrals", "role": "system", "agency": None}


def check_may_link(actor):
    """Deciding whether records are one person reads every agency's record of them: the
    coordinator's work alone."""
    if actor["role"] != "coordinator":
        raise Forbidden("Only the coordinator decides whether records are one person.")


def match_new_subject(uow, subject_id, person):
    """Compare a new subject with its candidates, one best result per person."""
    best_by_person = {}
    for candidate in repository.candidate_subjects(uow.session, person, excluding=subject_id):
        result = compare(repository.as_person(person), repository.as_person(candidate))
        if result.decision == "none":
            continue
        best = best_by_person.get(candidate["person_id"])
        if best is None or result.score > best[1].score:
            best_by_person[candidate["person_id"]] = (candidate, result)
    sure = [(c, r) for c, r in best_by_person.values() if r.decision == "link"]
    for candidate, result in best_by_person.values():
        # Two different people both look certain: a person decides, not the matcher.
        automatic = result.decision == "link" and len(sure) == 1
        link_id = _add_link(uow, candidate["id"], subject_id, result,
                            "automatic" if automatic else "pending")
        if automatic:
            _join(uow.session, candidate["id"], subject_id)
            _announce(uow, link_id, candidate["id"], subject_id, "linked", "automatic",
                      result.score, SYSTEM)


def decide(uow, link_id, decision, reason, actor):
    """A coordinator confirms or rejects a probable match, or undoes a link."""
    link = _get_link(uow.session, link_id)
    allowed = {"confirm": ("pending",), "reject": ("pending",), "unlink": ACTIVE}[decision]
    if link["status"] not in allowed:
        raise Conflict(f"This link is {link['status']}; it cannot be {decision}ed now.",
                       {"status": [link["status"]]})
    status = {"confirm": "confirmed", "reject": "rejected", "unlink": "unlinked"}[decision]
    uow.session.execute(subject_links.update().where(subject_links.c.id == link_id).values(
        status=status, decided_by=actor["username"], decided_at=utcnow(), reason=reason))
    if decision == "confirm":
        _join(uow.session, link["subject_id"], link["candidate_subject_id"])
        _announce(uow, link_id, link["subject_id"], link["candidate_subject_id"], "linked",
                  "confirmed", link["score"], actor)
    elif decision == "unlink":
        _split(uow.session, link["subject_id"])
        _announce(uow, link_id, link["subject_id"], link["candidate_subject_id"], "unlinked",
                  "manual", link["score"], actor)
    return link_view(uow.session, _get_link(uow.session, link_id))


def person_view(session, subject_id, actor):
    """A person, the records joined to them that the caller may read, and the referrals
    the caller may see. Each agency's knowledge of a person is its own record: a partner
    reads its own agency's records (and is told only whether other agencies know the
    person); a sergeant or PCSO the records behind referrals they may see."""
    subject = repository.get_subject(session, subject_id)
    if subject is None:
        raise NotFound("No such subject.", {"id": [subject_id]})
    records = repository.subjects_of_person(session, subject["person_id"])
    visible = repository.list_referrals(
        session, referral_scope(actor), {"subject_ids": [r["id"] for r in records]},
        limit=500)
    audience = _person_audience(actor)
    if audience == "referrer":
        # Referrals disclosed to the agency are read through the referral, not here.
        visible = [r for r in visible if referral_audience(actor, r) == "referrer"]
    if actor["role"] not in BOROUGH_WIDE_ROLES:
        if not visible:
            raise NotFound("No such subject that you may see.", {"id": [subject_id]})
        mine = {referral["subject_id"] for referral in visible}
        others = [record for record in records if record["id"] not in mine]
        records = [record for record in records if record["id"] in mine]
    first = records[0]
    return shape("person", audience, {
        "id": subject["person_id"], "given_name": first["given_name"],
        "family_name": first["family_name"], "date_of_birth": first["date_of_birth"],
        "address": first["address"], "records": records, "referrals": visible,
        "known_to_other_agencies": audience == "referrer" and bool(others)})


def _person_audience(actor):
    role = actor["role"]
    if role in ("coordinator", "reviewer"):
        return role
    return "referrer" if role == "partner" else "police"


def list_links_page(session, status, limit, cursor, dump):
    """One page of links in a status, oldest first (the coordinator's queue order)."""
    after = decode_cursor(cursor, 2, ("time", "text"))
    rows = list_links(session, status, limit, after)
    result = page(rows, limit, lambda r: (r["created_at"].isoformat(), r["id"]))
    return {**result, "items": dump(result["items"])}


def list_links(session, status, limit, after):
    query = (sa.select(subject_links).where(subject_links.c.status == status)
             .order_by(subject_links.c.created_at, subject_links.c.id).limit(limit + 1))
    if after:
        query = query.where(sa.tuple_(subject_links.c.created_at, subject_links.c.id)
                            > sa.tuple_(sa.literal(after[0], subject_links.c.created_at.type),
                                        sa.literal(after[1])))
    return [link_view(session, row._asdict()) for row in session.execute(query)]


def link_view(session, link):
    pair = [link["subject_id"], link["candidate_subject_id"]]
    return {**link, "subject_ids": pair,
            "subjects": [repository.get_subject(session, s) for s in pair]}


def _add_link(uow, subject_id, candidate_subject_id, result, status):
    link_id = str(uuid.uuid4())
    uow.session.execute(subject_links.insert().values(
        id=link_id, subject_id=subject_id, candidate_subject_id=candidate_subject_id,
        score=result.score, reasons=result.reasons, status=status, created_at=utcnow(),
        decided_by="matcher" if status == "automatic" else None,
        decided_at=utcnow() if status == "automatic" else None))
    return link_id


def _get_link(session, link_id):
    row = session.execute(sa.select(subject_links).where(subject_links.c.id == link_id)
                          .with_for_update()).first()
    if row is None:
        raise NotFound("No such subject link.", {"id": [link_id]})
    return row._asdict()


def _join(session, kept_subject_id, joining_subject_id):
    kept = repository.get_subject(session, kept_subject_id)["person_id"]
    joining = repository.get_subject(session, joining_subject_id)["person_id"]
    session.execute(subjects.update().where(subjects.c.person_id == joining)
                    .values(person_id=kept))


def _split(session, any_subject_id):
    """Recompute who is one person after a link is undone: the records still joined by
    active links stay together, each group named after its oldest record."""
    person_id = repository.get_subject(session, any_subject_id)["person_id"]
    records = repository.subjects_of_person(session, person_id)
    ids = [r["id"] for r in records]
    links = session.execute(sa.select(subject_links.c.subject_id,
                                      subject_links.c.candidate_subject_id)
                            .where(subject_links.c.status.in_(ACTIVE),
                                   subject_links.c.subject_id.in_(ids))).all()
    group = {subject_id: subject_id for subject_id in ids}

    def root(s):
        while group[s] != s:
            s = group[s]
        return s

    for a, b in links:
        group[root(b)] = root(a)
    order = {r["id"]: n for n, r in enumerate(records)}
    members = {}
    for subject_id in ids:
        members.setdefault(root(subject_id), []).append(subject_id)
    for member_ids in members.values():
        repository.set_person(session, member_ids, min(member_ids, key=order.get))


def _announce(uow, link_id, subject_id, linked_subject_id, action, method, score, actor):
    uow.publish("subject.linked", 1, {
        "link_id": link_id, "subject_id": subject_id,
        "linked_subject_id": linked_subject_id, "action": action, "method": method,
        "score": score, "decided_by": actor["username"]}, actor)
