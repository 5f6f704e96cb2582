"""Tasking item use cases: one story each, told inside one unit of work. Items are raised
by hand (or from events: intake.py), assigned, moved on, completed, and escalated once when
they pass their due date. The record_* steps are shared by every way an item changes."""
import uuid

import structlog

from services.tasking import repository
from services.tasking.domain import (ESCALATE_TO, check_assignment, check_item_open,
                                     is_overdue, item_audience, item_scope, may_work_item)
from shared.contracts.tasking import (AssignSchema, CompleteSchema, ItemQuerySchema,
                                      RaiseItemSchema, UpdateSchema)
from shared.errors import load_or_refuse
from shared.db import utcnow
from shared.errors import Forbidden, NotFound

log = structlog.get_logger(__name__)

TASKING_ACTOR = {"username": "tasking", "role": "system", "agency": None}
RAISED_FIELDS = ("title", "ward", "owner_agency", "due_by", "source_type", "source_id")


# --- by hand --------------------------------------------------------------------------

def raise_item(payload, actor, uow):
    """The coordinator raises an action with an owner and a due date."""
    if actor["role"] != "coordinator":
        raise Forbidden("Only the tasking coordinator raises tasking items by hand.")
    cmd = load_or_refuse(RaiseItemSchema, payload)
    with uow:
        item = record_new_item(uow, cmd, actor)
    return item["id"]


def get_item(item_id, actor, uow):
    """The item and the audience the caller reads it as (404 if they may not see it)."""
    with uow:
        item = repository.get_item(uow.session, item_id)
        audience = _audience(uow, item, item_id, actor)
    return _shown(item), audience


def list_items(query, actor, uow):
    """The tasking items the caller may see, soonest due first, filtered and paged."""
    params = load_or_refuse(ItemQuerySchema, query)
    filters = {name: params[name] for name in ("status", "ward", "owner_agency", "source_id")
               if params.get(name)}
    with uow:
        result = repository.list_items(uow.session, item_scope(actor), filters,
                                       params.get("overdue"), utcnow(), params["limit"],
                                       params["cursor"])
    return {**result, "items": [(_shown(item), item_audience(actor, item))
                                for item in result["items"]]}


def actions_for_referral(referral_id, actor, uow, limit=200):
    """Every action on a referral the caller may see, with the audience each is read as:
    the referring agency's team reads every one of them in the referrer's view."""
    with uow:
        referral = repository.referral_record(uow.session, referral_id)
        items = repository.items_for_source(uow.session, "referral", referral_id, limit)
    shown = [(_shown(item), item_audience(actor, item, referral)) for item in items]
    return [(item, audience) for item, audience in shown if audience]


def assign_item(item_id, payload, actor, uow):
    """Give an open item to an agency (and optionally a named person), with a due date."""
    cmd = load_or_refuse(AssignSchema, payload)
    with uow:
        item = _visible(repository.get_item(uow.session, item_id, for_update=True),
                        item_id, actor)
        check_item_open(item, "assigned")
        check_assignment(actor, item, cmd["owner_agency"])
        record_assignment(uow, item, cmd["owner_agency"], cmd["owner_user"],
                cmd["due_by"] or item["due_by"], actor, None)
    return item_id


def add_update(item_id, payload, actor, uow):
    """Record progress on an open item, by its owner or the coordinator."""
    cmd = load_or_refuse(UpdateSchema, payload)
    with uow:
        item = _workable(repository.get_item(uow.session, item_id, for_update=True),
                         item_id, actor)
        check_item_open(item, "updated")
        record_update(uow, item, cmd["note"], actor, utcnow(), cmd["public_outcome"])
    log.info("tasking_item.updated", tasking_item_id=item_id)
    return item_id


def complete_item(item_id, payload, actor, uow):
    """Complete an open item with its outcome, which the referring team will be told."""
    cmd = load_or_refuse(CompleteSchema, payload)
    with uow:
        item = _workable(repository.get_item(uow.session, item_id, for_update=True),
                         item_id, actor)
        check_item_open(item, "completed")
        record_completion(uow, item, cmd["outcome"], actor, utcnow(),
                          public_outcome=cmd["public_outcome"])
    return item_id


# --- the overdue check ---------------------------------------------------------------

def mark_overdue(uow, now=None):
    """Open items past their due date are marked overdue and escalated to the coordinator,
    once each, however many tasking processes run this check."""
    now = now or utcnow()
    with uow:
        items = repository.claim_items_past_due(uow.session, now)
        for item in items:
            repository.update_item(uow.session, item["id"], overdue_at=now,
                                   escalated_to=ESCALATE_TO)
            repository.add_history(uow.session, item["id"], "overdue",
                                   f"Past due; escalated to the {ESCALATE_TO}.", "tasking", now)
            uow.publish("tasking_item.overdue", 1, {
                "tasking_item_id": item["id"], "escalated_to": ESCALATE_TO,
                **{key: item[key] for key in ("title", "ward", "owner_agency", "owner_user",
                                              "due_by", "source_type", "source_id")}},
                TASKING_ACTOR)
    for item in items:
        log.info("tasking_item.overdue", tasking_item_id=item["id"],
                 owner_agency=item["owner_agency"])
    return len(items)


# --- the story's steps ----------------------------------------------------------------

def record_new_item(uow, fields, actor, meeting_id=None):
    """Store a new open item with its first history line and announce it (inside the
    caller's unit of work): every way an item is raised ends here."""
    now = utcnow()
    item = {
        "id": str(uuid.uuid4()), "title": fields["title"], "ward": fields["ward"],
        "description": fields.get("description"), "owner_agency": fields["owner_agency"],
        "owner_user": fields.get("owner_user"), "status": "open", "due_by": fields["due_by"],
        "source_type": fields.get("source_type"), "source_id": fields.get("source_id"),
        "risk_level": fields.get("risk_level"), "meeting_id": meeting_id,
        "raised_by": actor["username"], "raised_at": now,
    }
    repository.add_item(uow.session, item)
    repository.add_history(uow.session, item["id"], "raised", fields.get("decision"),
                           actor["username"], now)
    uow.publish("tasking_item.raised", 1, {key: item[key] for key in RAISED_FIELDS}
                | {"tasking_item_id": item["id"]}, actor)
    log.info("tasking_item.raised", tasking_item_id=item["id"],
             owner_agency=item["owner_agency"], due_by=item["due_by"].isoformat())
    return item




def record_assignment(uow, item, owner_agency, owner_user, due_by, actor, note):
    """Give an item to an agency (and person) with a due date, in its history and on the bus."""
    now = utcnow()
    values = {"owner_agency": owner_agency, "owner_user": owner_user, "due_by": due_by}
    if due_by != item["due_by"]:
        values.update(overdue_at=None, escalated_to=None)  # a new date: a new chance
    repository.update_item(uow.session, item["id"], **values)
    who = owner_agency + (f" ({owner_user})" if owner_user else "")
    repository.add_history(uow.session, item["id"], "assigned",
                           f"To {who}, due {due_by.isoformat()}" + (f". {note}" if note else ""),
                           actor["username"], now)
    uow.publish("tasking_item.assigned", 2, {
        "tasking_item_id": item["id"], "ward": item["ward"], "owner_agency": owner_agency,
        "owner_user": owner_user, "previous_owner_agency": item["owner_agency"],
        "due_by": due_by, "assigned_by": actor["username"],
        "source_type": item.get("source_type"), "source_id": item.get("source_id")}, actor)
    log.info("tasking_item.assigned", tasking_item_id=item["id"], owner_agency=owner_agency)


def record_update(uow, item, note, actor, now, public_outcome=None):
    """Progress on an item, in its history and on the bus (the note stays here: it is the
    owning agency's working note, not news for every consumer). A public outcome given
    with it replaces the line the ward panel reads."""
    if public_outcome:
        repository.update_item(uow.session, item["id"], public_outcome=public_outcome)
    repository.add_history(uow.session, item["id"], "update", note, actor["username"], now)
    uow.publish("tasking_item.updated", 1, {
        "tasking_item_id": item["id"], "updated_by": actor["username"], "updated_at": now,
        **{key: item[key] for key in ("ward", "owner_agency", "source_type", "source_id")}},
        actor)


def record_completion(uow, item, outcome, actor, now, cause="outcome", public_outcome=None):
    """Close an item with its outcome, in its history and on the bus. `cause` says why:
    an outcome someone recorded, or tasking's own step after triage decided no further
    action (`triage`) or the ward panel closed a priority (`ward_priority_closed`). A
    public outcome, when given, is the line the ward panel reads (else any earlier stays)."""
    values = {"public_outcome": public_outcome} if public_outcome else {}
    repository.update_item(uow.session, item["id"], status="completed", outcome=outcome,
                           completed_by=actor["username"], completed_at=now, **values)
    repository.add_history(uow.session, item["id"], "completed", outcome, actor["username"],
                           now)
    uow.publish("tasking_item.completed", 2, {
        "tasking_item_id": item["id"], "outcome": outcome, "completed_by": actor["username"],
        "completed_at": now, "cause": cause, **{key: item[key] for key in ("ward", "owner_agency",
                                                           "source_type", "source_id")}},
        actor)
    log.info("tasking_item.completed", tasking_item_id=item["id"])




def _shown(item):
    return {**item, "overdue": is_overdue(item, utcnow())}


def _audience(uow, item, item_id, actor):
    """The audience the caller reads the item as; an item they may not see reads as
    absent, so ids cannot be probed."""
    referral = None
    if item is not None and item["source_type"] == "referral":
        referral = repository.referral_record(uow.session, item["source_id"])
    audience = item_audience(actor, item, referral) if item is not None else None
    if audience is None:
        raise NotFound("No tasking item with that id that you may see.", {"id": [item_id]})
    return audience


def _visible(item, item_id, actor):
    # Changing an item: only those whose scope admits it (a referrer reads, never moves).
    if item is None or item_audience(actor, item) is None:
        raise NotFound("No tasking item with that id that you may see.", {"id": [item_id]})
    return item


def _workable(item, item_id, actor):
    item = _visible(item, item_id, actor)
    if not may_work_item(actor, item):
        raise Forbidden("Only the owning agency or the coordinator may move this item on.")
    return item
