"""Retention reviews of referrals: which referrals the retention schedule says are due,
and the data protection officer's decision on each (retain, with a reason and the day of
the next review, or dispose). A referral is due its schedule's period after it ended (no
further action, redirected, closed); once retained, on the day the DPO set. Every decision
is kept as a row and announced (`referral.retention_decided`) for the audit trail. A
decision to dispose is carried out in the same transaction (disposal.py), so no referral
waits decided but undisposed."""
import uuid
from datetime import date

import sqlalchemy as sa
import structlog

from services.referrals import disposal
from services.referrals.orm import referral_history, referrals, retention_decisions
from shared.contracts.referrals import RetentionDecisionSchema
from shared.db import utcnow
from shared.errors import Conflict, Forbidden, InvalidContent, NotFound, load_or_refuse
from shared.retention import OUTCOMES

log = structlog.get_logger(__name__)

GOVERNANCE_ROLES = ("dpo",)
ENDED = OUTCOMES["referral"]


def due_on(schedule, outcome, ended_at, last_decision):
    """The day a referral that ended as `outcome` on `ended_at` is due; the DPO's date
    once it was retained; None once they decided to dispose of it (it waits for disposal,
    not for another review)."""
    if last_decision and last_decision["decision"] == "dispose":
        return None
    if last_decision:
        return date.fromisoformat(last_decision["retain_until"])
    return schedule.due_on("referral", outcome, ended_at)


def records_due(actor, uow, schedule, today=None):
    """Every referral due on or before `today`, soonest first: the DPO's queue."""
    _governance_only(actor)
    today = today or date.today()
    with uow:
        due = due_records(uow.session, schedule, today)
    return {"items": due, "next_cursor": None}


def due_records(session, schedule, today):
    """Every ended referral due on or before `today`, soonest first."""
    due = [record for record in _ended(session, schedule)
           if record["due_on"] is not None and record["due_on"] <= today]
    return sorted(due, key=lambda r: (r["due_on"], r["reference"]))


def dispose_due_automatically(uow, schedule, today=None):
    """The timer's work: referrals whose schedule entry deletes without a decision."""
    return disposal.dispose_due_automatically(
        uow, schedule, lambda session, day: due_records(session, schedule, day), today)


def decide_retention(referral_id, payload, actor, uow, schedule, today=None):
    """Record the DPO's decision on a due referral, and announce it for the audit trail."""
    _governance_only(actor)
    cmd = load_or_refuse(RetentionDecisionSchema, payload)
    today = today or date.today()
    if cmd["decision"] == "retain" and cmd["retain_until"] <= today:
        raise InvalidContent("Keep it until a later day.",
                             {"retain_until": ["Give a day after today."]})
    with uow:
        record = next((r for r in _ended(uow.session, schedule, referral_id)), None)
        if record is None:
            raise NotFound(f"No ended referral {referral_id}.")
        if record["due_on"] is None or record["due_on"] > today:
            raise Conflict("This referral is not due for review.",
                           {"due_on": [str(record["due_on"])]})
        now = utcnow()
        uow.session.execute(retention_decisions.insert().values(
            id=str(uuid.uuid4()), referral_id=referral_id, decision=cmd["decision"],
            reason=cmd["reason"], retain_until=cmd["retain_until"],
            decided_by=actor["username"], decided_at=now))
        uow.publish("referral.retention_decided", 1, {
            "referral_id": referral_id, "decision": cmd["decision"],
            "retain_until": cmd["retain_until"], "decided_by": actor["username"],
            "decided_at": now}, actor)
        if cmd["decision"] == "dispose":
            disposal.dispose(uow, {"id": referral_id, "reference": record["reference"],
                                   "status": record["outcome"],
                                   "subject_id": _subject_of(uow.session, referral_id)},
                             "decision", actor)
    log.info("referral.retention_decided", referral_id=referral_id, decision=cmd["decision"])
    return {**record, "due_on": cmd["retain_until"],
            "last_decision": _decision_view(cmd, actor["username"], now)}


def _subject_of(session, referral_id):
    return session.execute(sa.select(referrals.c.subject_id)
                           .where(referrals.c.id == referral_id)).scalar_one()


def _ended(session, schedule, referral_id=None):
    """Each ended referral with its outcome, when it ended, its latest decision and the
    day it is due. Only ids, references, outcomes and dates: no person's details."""
    ended_at = (sa.select(referral_history.c.referral_id,
                          sa.func.max(referral_history.c.at).label("ended_at"))
                .where(referral_history.c.status.in_(ENDED))
                .group_by(referral_history.c.referral_id).subquery())
    query = (sa.select(referrals.c.id, referrals.c.reference, referrals.c.status,
                       ended_at.c.ended_at)
             .join(ended_at, ended_at.c.referral_id == referrals.c.id)
             .where(referrals.c.status.in_(ENDED)))
    if referral_id:
        query = query.where(referrals.c.id == referral_id)
    rows = session.execute(query).all()
    decisions = _latest_decisions(session, [row.id for row in rows])
    for row in rows:
        entry = schedule.entry("referral", row.status)
        last = decisions.get(row.id)
        yield {"record_kind": "referral", "record_id": row.id, "reference": row.reference,
               "outcome": row.status, "ended_on": row.ended_at.date(),
               "due_on": due_on(schedule, row.status, row.ended_at, last),
               "action": entry.action, "automatic": entry.automatic, "last_decision": last}


def _latest_decisions(session, referral_ids):
    if not referral_ids:
        return {}
    rows = session.execute(sa.select(retention_decisions)
                           .where(retention_decisions.c.referral_id.in_(referral_ids))
                           .order_by(retention_decisions.c.decided_at)).mappings()
    return {row["referral_id"]: _decision_view(row, row["decided_by"], row["decided_at"])
            for row in rows}  # later rows replace earlier: the latest wins


def _decision_view(decision, decided_by, decided_at):
    return {"decision": decision["decision"], "reason": decision["reason"],
            "retain_until": (decision["retain_until"].isoformat()
                             if decision["retain_until"] else None), "decided_by": decided_by,
            "decided_at": decided_at.isoformat()}


def _governance_only(actor):
    if actor["role"] not in GOVERNANCE_ROLES:
        raise Forbidden("Only the data protection officer reviews records for retention.")
