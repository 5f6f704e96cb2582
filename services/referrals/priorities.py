"""Ward priorities: what a ward panel (or the ward's sergeant) wants its Safer
Neighbourhoods team to work on, reviewed every six weeks by default."""
import uuid
from datetime import date

import sqlalchemy as sa

from services.referrals.domain import (REVIEWABLE_PRIORITY_STATUSES, check_review_date,
                                       default_review_date, may_set_ward_priority)
from services.referrals.orm import ward_priorities
from services.referrals.repository import known_wards
from shared.contracts.referrals import (WardPriorityReviewSchema, WardPrioritySchema,
                                        unknown_ward)
from shared.errors import load_or_refuse
from shared.db import row_by_id, utcnow
from shared.errors import Conflict, Forbidden, InvalidContent
from shared.paging import decode_cursor, page

SYSTEM = {"username": "referrals", "role": "system", "agency": None}


def set_ward_priority(payload, actor, uow, today=None):
    today = today or date.today()
    with uow:
        cmd = load_or_refuse(WardPrioritySchema, payload,
                             more_errors=unknown_ward(known_wards(uow.session, payload)))
        if not may_set_ward_priority(actor, cmd["ward"]):
            raise Forbidden("Only the ward's panel chair or sergeant may set its priorities.",
                            {"ward": [cmd["ward"]]})
        review_by = cmd["review_by"] or default_review_date(today)
        problem = check_review_date(review_by, today)
        if problem:
            raise InvalidContent("The review date is not usable.", {"review_by": [problem]})
        priority = {"id": str(uuid.uuid4()), "ward": cmd["ward"], "title": cmd["title"],
                    "description": cmd["description"], "review_by": review_by,
                    "status": "active", "set_by": actor["username"],
                    "set_by_role": actor["role"], "set_at": utcnow()}
        uow.session.execute(ward_priorities.insert().values(**priority))
        _announce(uow, priority, actor)
    return priority


def review_ward_priority(priority_id, payload, actor, uow, today=None):
    """The ward's panel (or sergeant) reviews a priority, usually once it is due: keeps it
    for another period (six weeks unless they say) or closes it, saying why. Tasking
    closes a closed priority's open actions when it hears."""
    today = today or date.today()
    cmd = load_or_refuse(WardPriorityReviewSchema, payload)
    with uow:
        priority = get_ward_priority(uow.session, priority_id, for_update=True)
        if not may_set_ward_priority(actor, priority["ward"]):
            raise Forbidden("Only the ward's panel chair or sergeant may review its "
                            "priorities.", {"ward": [priority["ward"]]})
        if priority["status"] not in REVIEWABLE_PRIORITY_STATUSES:
            raise Conflict("This priority is closed: set a new one instead.",
                           {"status": [priority["status"]]})
        changes = {"reviewed_by": actor["username"], "reviewed_at": utcnow(),
                   "review_note": cmd["note"].strip() if cmd["note"] else None}
        if cmd["decision"] == "close":
            changes["status"] = "closed"
        else:
            review_by = cmd["review_by"] or default_review_date(today)
            problem = check_review_date(review_by, today)
            if problem:
                raise InvalidContent("The review date is not usable.",
                                     {"review_by": [problem]})
            changes.update(status="active", review_by=review_by)
        uow.session.execute(ward_priorities.update()
                            .where(ward_priorities.c.id == priority_id).values(**changes))
        priority.update(changes)
        _announce(uow, priority, actor)
    return priority


def get_ward_priority(session, priority_id, for_update=False):
    return row_by_id(session, ward_priorities, priority_id, for_update,
                     missing="No such ward priority.")


def list_ward_priorities(session, ward, status, limit, cursor):
    query = (sa.select(ward_priorities)
             .order_by(ward_priorities.c.set_at.desc(), ward_priorities.c.id.desc())
             .limit(limit + 1))
    if ward:
        query = query.where(ward_priorities.c.ward == ward)
    if status:
        query = query.where(ward_priorities.c.status == status)
    after = decode_cursor(cursor, 2, ("time", "text"))
    if after:
        query = query.where(sa.tuple_(ward_priorities.c.set_at, ward_priorities.c.id)
                            < sa.tuple_(sa.literal(after[0], ward_priorities.c.set_at.type),
                                        sa.literal(after[1])))
    rows = [row._asdict() for row in session.execute(query)]
    return page(rows, limit, lambda r: (r["set_at"].isoformat(), r["id"]))


def mark_due_for_review(uow, today=None):
    """Priorities whose review date has come are marked due for review, once each.
    SKIP LOCKED lets several replicas run this timer without marking one twice."""
    today = today or date.today()
    with uow:
        due = uow.session.execute(
            sa.select(ward_priorities).where(ward_priorities.c.status == "active",
                                             ward_priorities.c.review_by <= today)
            .limit(500).with_for_update(skip_locked=True)).all()
        for row in due:
            uow.session.execute(ward_priorities.update()
                                .where(ward_priorities.c.id == row.id)
                                .values(status="due_for_review"))
            _announce(uow, {**row._asdict(), "status": "due_for_review"}, SYSTEM)
    return len(due)


def _announce(uow, priority, actor):
    uow.publish("ward_priority.set", 1, {
        "ward_priority_id": priority["id"], **{key: priority[key] for key in (
            "ward", "title", "description", "review_by", "status", "set_by", "set_by_role")}},
        actor)
