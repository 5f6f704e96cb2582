"""Tasking meetings: the coordinator opens one for a date and wards, and the agenda is
built for them from what tasking knows (new referrals since the previous meeting, high
risk first; overdue actions; ward priorities due for review; intelligence awaiting
feedback). Decisions become tasking items; closing records the minutes."""
import uuid

import sqlalchemy as sa
import structlog

from services.tasking import domain, repository
from services.tasking.handlers import record_new_item
from services.tasking.orm import meetings
from shared.contracts.tasking import (AgendaView, CloseMeetingSchema, MeetingActionSchema,
                                      OpenMeetingSchema)
from shared.errors import load_or_refuse
from shared.db import row_by_id, utcnow
from shared.errors import Forbidden, InvalidContent, NotFound

log = structlog.get_logger(__name__)

MEETING_READERS = frozenset({"coordinator", "analyst", "reviewer"})


def open_meeting(payload, actor, uow):
    """Open a meeting and fix its agenda as it stands now (what is printed and minuted)."""
    _coordinator_only(actor)
    cmd = load_or_refuse(OpenMeetingSchema, payload)
    wards = sorted(set(cmd["wards"]))
    now = utcnow()
    with uow:
        since = _previous_meeting_opened(uow.session, wards)
        session = uow.session
        agenda = domain.agenda(
            repository.referrals_since(session, wards, since),
            repository.overdue_items(session, wards, now),
            repository.priorities_for_review(session, wards, cmd["held_on"]),
            repository.intelligence_awaiting_feedback(session, wards))
        meeting = {"id": str(uuid.uuid4()), "held_on": cmd["held_on"], "wards": wards,
                   "status": "open", "since": since, "agenda": AgendaView().dump(agenda),
                   "opened_by": actor["username"], "opened_at": now}
        session.execute(meetings.insert().values(**meeting))
    log.info("tasking_meeting.opened", meeting_id=meeting["id"], wards=wards,
             new_referrals=len(agenda["new_referrals"]))
    return get_meeting(meeting["id"], actor, uow)


def add_action(meeting_id, payload, actor, uow):
    """A decision of the meeting becomes a tasking item with an owner and a due date."""
    _coordinator_only(actor)
    cmd = load_or_refuse(MeetingActionSchema, payload)
    with uow:
        meeting = _visible(row_by_id(uow.session, meetings, meeting_id, for_update=True),
                           meeting_id, actor)
        domain.check_meeting_open(meeting, "given new actions")
        if cmd["ward"] not in meeting["wards"]:
            raise InvalidContent("The action is for a ward this meeting does not cover.",
                                 {"ward": [f"One of: {', '.join(meeting['wards'])}."]})
        item = record_new_item(uow, cmd, actor, meeting_id=meeting_id)
    return item["id"]


def close_meeting(meeting_id, payload, actor, uow):
    """Close the meeting with its minutes, once."""
    _coordinator_only(actor)
    cmd = load_or_refuse(CloseMeetingSchema, payload)
    with uow:
        meeting = _visible(row_by_id(uow.session, meetings, meeting_id, for_update=True),
                           meeting_id, actor)
        domain.check_meeting_open(meeting, "closed again")
        repository.update_row(uow.session, meetings, meeting_id, status="closed",
                              minutes=cmd["minutes"], closed_by=actor["username"],
                              closed_at=utcnow())
    log.info("tasking_meeting.closed", meeting_id=meeting_id)
    return get_meeting(meeting_id, actor, uow)


def get_meeting(meeting_id, actor, uow):
    """The meeting with its agenda, the actions it raised and (once closed) its minutes, as
    the caller may read it: each agenda entry and action only if it is of a ward the caller
    reads (with the audience each action is read as, in `audiences`), the minutes only if
    the caller reads every ward of the meeting."""
    with uow:
        meeting = _visible(row_by_id(uow.session, meetings, meeting_id),
                           meeting_id, actor)
        actions = repository.items_of_meeting(uow.session, meeting_id)
    return as_read_by(actor, meeting, actions)


def as_read_by(actor, meeting, actions=None):
    """The meeting filtered to what `actor` may read of it (domain.reads_ward_of_meeting,
    domain.item_audience, domain.reads_minutes)."""
    audiences = {}

    def items(found):
        shown = []
        for item in found:
            audience = (domain.item_audience(actor, item)
                        if domain.reads_ward_of_meeting(actor, item["ward"]) else None)
            if audience:
                audiences[item["id"]] = audience
                shown.append(item)
        return shown

    agenda = {name: [entry for entry in entries
                     if domain.reads_ward_of_meeting(actor, entry["ward"])]
              for name, entries in (meeting.get("agenda") or {}).items()
              if name != "overdue_items"}
    agenda["overdue_items"] = items((meeting.get("agenda") or {}).get("overdue_items") or [])
    meeting = {**meeting, "agenda": agenda}
    if actions is not None:
        meeting["actions"] = items(actions)
    if not domain.reads_minutes(actor, meeting):
        meeting["minutes"] = None
    meeting["audiences"] = audiences
    meeting["audience"] = domain.ITEM_AUDIENCES.get(actor["role"])
    return meeting


def list_meetings(actor, limit, cursor, uow):
    """Meetings the caller may see, the latest first."""
    if actor["role"] not in MEETING_READERS | {"sergeant"}:
        return {"items": [], "next_cursor": None}
    with uow:
        result = repository.list_rows(uow.session, meetings, None, {}, "opened_at", limit,
                                      cursor, descending=True)
    # A sergeant sees the meetings about their wards (few: filtered after paging is fine).
    return {**result, "items": [as_read_by(actor, m) for m in result["items"]
                                if _may_read(actor, m)]}


def _previous_meeting_opened(session, wards):
    """When the last meeting covering any of these wards opened (None for the first)."""
    for row in session.execute(sa.select(meetings.c.wards, meetings.c.opened_at)
                               .order_by(meetings.c.opened_at.desc()).limit(200)):
        if set(row.wards) & set(wards):
            return row.opened_at
    return None


def _coordinator_only(actor):
    if actor["role"] != "coordinator":
        raise Forbidden("Only the tasking coordinator runs tasking meetings.")


def _may_read(actor, meeting):
    if actor["role"] in MEETING_READERS:
        return True
    return actor["role"] == "sergeant" and bool(set(meeting["wards"])
                                                & set(actor.get("wards") or []))


def _visible(meeting, meeting_id, actor):
    if meeting is None or not _may_read(actor, meeting):
        raise NotFound("No tasking meeting with that id that you may see.",
                       {"id": [meeting_id]})
    return meeting
