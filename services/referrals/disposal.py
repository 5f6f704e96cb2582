"""Disposing of referrals under the retention schedule: the referral, its history, its
disclosures and its record of actions are deleted, and its subject's details with it when
no other referral holds them. One `referral.disposed` per referral tells every other
service to delete or anonymise its own copies (ids and references only on the bus).

Three ways in, one story each: the DPO's decision to dispose (retention_reviews calls
`dispose` in the decision's own transaction), the timer for schedule entries that
delete without a decision (`dispose_due_automatically`), and the DPO disposing of a person
(`dispose_of_person`: every referral about the subject, each one ended)."""
from datetime import date

import sqlalchemy as sa
import structlog

from services.referrals.orm import (metadata, referral_actions, referral_disclosures, referral_history,
                                    referrals, subject_keys, subject_links, subjects)
from shared.db import utcnow
from shared.errors import Conflict, Forbidden, NotFound
from shared.events.envelope import SYSTEM_ACTOR
from shared.outbox import forget_published
from shared.retention import OUTCOMES

log = structlog.get_logger(__name__)


def dispose(uow, referral, grounds, actor):
    """Delete one referral (a row of referrals, with `status` and `reference`) and, when
    no other referral is about its subject, the subject; announce it. In the caller's
    unit of work, so the deletion and its announcement commit together."""
    session = uow.session
    referral_id = referral["id"]
    item_ids = sorted(set(session.execute(sa.select(referral_actions.c.tasking_item_id).where(
        referral_actions.c.referral_id == referral_id)).scalars()))
    for table in (referral_history, referral_actions, referral_disclosures):
        session.execute(table.delete().where(table.c.referral_id == referral_id))
    session.execute(referrals.delete().where(referrals.c.id == referral_id))
    subject_disposed = _dispose_subject_if_alone(session, referral["subject_id"])
    forget_published(session, metadata.tables["outbox"], [referral_id])  # triage reasons
    uow.publish("referral.disposed", 1, {
        "referral_id": referral_id, "reference": referral["reference"],
        "subject_id": referral["subject_id"], "subject_disposed": subject_disposed,
        "tasking_item_ids": item_ids, "grounds": grounds,
        "schedule_entry": f"referral/{referral['status']}",
        "decided_by": actor["username"], "disposed_at": utcnow()}, actor)
    log.info("referral.disposed", referral_id=referral_id, grounds=grounds,
             subject_disposed=subject_disposed)


def dispose_due_automatically(uow, schedule, records_due, today=None):
    """The timer's work: every referral due whose schedule entry deletes without a
    decision (and that the DPO has not retained past today) is disposed of. `records_due`
    is retention_reviews' queue (passed in: one reading of what is due)."""
    today = today or date.today()
    disposed = 0
    with uow:
        for record in records_due(uow.session, today):
            if not schedule.entry("referral", record["outcome"]).disposes_without_decision:
                continue
            if record["last_decision"]:  # the DPO decided on it: their decision stands
                continue
            dispose(uow, _referral(uow.session, record["record_id"]), "automatic",
                    SYSTEM_ACTOR)
            disposed += 1
    return disposed


def dispose_of_person(subject_id, actor, uow):
    """The DPO disposes of a person (one subject): every referral about them, each one
    ended (a live referral is closed first, so no open case loses its subject)."""
    if actor["role"] != "dpo":
        raise Forbidden("Only the data protection officer disposes of a person's records.")
    with uow:
        about = [row._asdict() for row in uow.session.execute(
            sa.select(referrals.c.id, referrals.c.reference, referrals.c.status,
                      referrals.c.subject_id)
            .where(referrals.c.subject_id == subject_id).with_for_update())]
        if not about:
            raise NotFound(f"No referral about subject {subject_id}.")
        live = [r["reference"] for r in about if r["status"] not in OUTCOMES["referral"]]
        if live:
            raise Conflict("A referral about this person is still open: close it first.",
                           {"open": live})
        for referral in about:
            dispose(uow, referral, "person", actor)
    return {"subject_id": subject_id, "disposed": [r["reference"] for r in about]}


def _referral(session, referral_id):
    return session.execute(sa.select(referrals.c.id, referrals.c.reference,
                                     referrals.c.status, referrals.c.subject_id)
                           .where(referrals.c.id == referral_id)).one()._asdict()


def _dispose_subject_if_alone(session, subject_id):
    """Delete the subject's details unless another referral is about them. Their links to
    other subjects go too (the other subjects stay, unlinked from this one)."""
    still_held = session.execute(sa.select(referrals.c.id)
                                 .where(referrals.c.subject_id == subject_id).limit(1)).first()
    if still_held:
        return False
    session.execute(subject_links.delete().where(sa.or_(
        subject_links.c.subject_id == subject_id,
        subject_links.c.candidate_subject_id == subject_id)))
    session.execute(subject_keys.delete().where(subject_keys.c.subject_id == subject_id))
    session.execute(subjects.delete().where(subjects.c.id == subject_id))
    return True
