"""Tasking item use cases, RPC and events alike: one story each, told inside one unit of
work. Items are raised by hand or from other services' events (a referral raises one by the
routing rules, its triage moves it, a ward priority raises or completes one, and tasking
keeps its own records of referrals and ward priorities for the meeting agenda), assigned,
moved on, completed, and escalated once when they pass their due date. The record_* steps
are shared by every way an item changes."""
import uuid

import structlog

from services.tasking import disposal, repository
from services.tasking.domain import (ESCALATE_TO, SYSTEM_USERNAME, check_assignment,
                                     check_item_open, is_overdue, item_audience, item_scope,
                                     may_work_item, referral_action_title,
                                     ward_priority_action_title)
from services.tasking.orm import referral_records, ward_priority_records
from shared.contracts.tasking import (AssignSchema, CompleteSchema, ItemQuerySchema,
                                      RaiseItemSchema, UpdateSchema)
from shared.db import upsert, utcnow
from shared.errors import Forbidden, NotFound, load_or_refuse
from shared.events.tasking import PRIORITY_CLOSED_OUTCOME, TRIAGE_OUTCOME_PREFIX
from shared.references import kind_of, next_reference

log = structlog.get_logger(__name__)

TASKING_ACTOR = {"username": SYSTEM_USERNAME, "role": "system", "agency": None}
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
    """The tasking items the caller may see, soonest due first, filtered and paged. The
    referral they were raised from may be named by its reference as well as its id."""
    params = load_or_refuse(ItemQuerySchema, query)
    filters = {name: params[name] for name in ("status", "ward", "owner_agency", "source_id")
               if params.get(name)}
    with uow:
        if kind_of(filters.get("source_id")) == "referral":
            filters["source_id"] = repository.referral_id_by_reference(
                uow.session, filters["source_id"]) or filters["source_id"]
        result = repository.list_items(uow.session, item_scope(actor), filters,
                                       params.get("overdue"), utcnow(), params["limit"],
                                       params["cursor"])
    return {**result, "items": [(_shown(item), item_audience(actor, item))
                                for item in result["items"]]}


def resolve_reference(reference, uow):
    """The id of the tasking item (WL-A-), PCSO task (WL-T-) or intelligence report (WL-I-)
    a person named by its reference, so that a reference is taken wherever an id is. Who
    may read it is still decided by the call that follows, with the id."""
    kind = kind_of(reference)
    with uow:
        record_id = repository.id_by_reference(uow.session, kind, reference) \
            if kind in repository.NUMBERED else None
    if record_id is None:
        raise NotFound(f"There is no {_KIND_WORDS.get(kind, 'record')} {reference}.",
                       {"reference": [reference]})
    return record_id


_KIND_WORDS = {"tasking_item": "action", "pcso_task": "PCSO task",
               "intelligence_report": "intelligence report"}


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
            uow.publish("tasking_item.overdue", 2, {
                "tasking_item_id": item["id"], "escalated_to": ESCALATE_TO,
                "reference": item["reference"],
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
        "id": str(uuid.uuid4()), "reference": next_reference(uow.session, "tasking_item", now),
        "source_reference": _source_reference(uow.session, fields),
        "title": fields["title"], "ward": fields["ward"],
        "description": fields.get("description"), "owner_agency": fields["owner_agency"],
        "owner_user": fields.get("owner_user"), "status": "open", "due_by": fields["due_by"],
        "source_type": fields.get("source_type"), "source_id": fields.get("source_id"),
        "risk_level": fields.get("risk_level"), "meeting_id": meeting_id,
        "raised_by": actor["username"], "raised_at": now,
    }
    repository.add_item(uow.session, item)
    repository.add_history(uow.session, item["id"], "raised", fields.get("decision"),
                           actor["username"], now)
    uow.publish("tasking_item.raised", 2, {key: item[key] for key in RAISED_FIELDS}
                | {"tasking_item_id": item["id"], "reference": item["reference"]}, actor)
    log.info("tasking_item.raised", tasking_item_id=item["id"],
             owner_agency=item["owner_agency"], due_by=item["due_by"].isoformat())
    return item




def _source_reference(session, fields):
    """The reference of the referral an item is raised from, as tasking's record of the
    referral knows it, so that the item's readers can say which referral it answers."""
    if fields.get("source_type") != "referral":
        return None
    record = repository.referral_record(session, fields["source_id"])
    return record["reference"] if record else None


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
    uow.publish("tasking_item.assigned", 3, {
        "tasking_item_id": item["id"], "reference": item["reference"], "ward": item["ward"], "owner_agency": owner_agency,
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
    uow.publish("tasking_item.completed", 3, {
        "tasking_item_id": item["id"], "reference": item["reference"], "outcome": outcome,
        "completed_by": actor["username"], "completed_at": now, "cause": cause,
        "public_outcome": public_outcome or item.get("public_outcome"),
        **{key: item[key] for key in ("ward", "owner_agency", "source_type", "source_id")}},
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


# --- from other services' events ---------------------------------------------------

def raise_item_for_referral(event, rules, uow):
    """A new referral becomes one tasking item, owned and due by the routing rules, and
    joins tasking's record of referrals (for the meeting agenda). A redelivered
    referral.submitted, or one that arrives after its triage raised the item, changes
    nothing more."""
    referral = event.payload
    with uow:
        if not uow.first_time(event):
            log.info("event.already_applied")
            return None
        if disposal.is_disposed(uow.session, referral["referral_id"]):
            return None
        _record_referral(uow.session, referral, status="received",
                         at=referral["submitted_at"])
        if repository.items_for_source(uow.session, "referral", referral["referral_id"], 1):
            # Its triage arrived first and raised the action: it learns the reference now.
            repository.set_source_reference(uow.session, "referral", referral["referral_id"],
                                            referral.get("reference"))
            return None
        item = _raise_for_referral(uow, referral, rules, referral["submitted_at"])
    return item["id"]


def apply_triage(event, rules, uow):
    """The coordinator's triage moves the referral's action: accepted keeps it (or raises
    it if none is open), redirected hands it to the receiving agency, no further action
    completes it with the reason."""
    triage = event.payload
    with uow:
        if not uow.first_time(event):
            log.info("event.already_applied")
            return
        if disposal.is_disposed(uow.session, triage["referral_id"]):
            return
        # The items are locked before the referral's record, in the order a partner's
        # update takes them (its item, then the record's first action): the other order
        # deadlocked the two, and PostgreSQL rolled the partner's update back (a 503).
        open_items = repository.open_items_for_source(uow.session, "referral",
                                                      triage["referral_id"])
        _record_referral(uow.session, triage, status=triage["status"], at=triage["triaged_at"],
                         redirect_to_agency=triage["redirect_to_agency"])
        # The coordinator's triage decision moves the item: history and events name them.
        actor = {"username": triage["triaged_by"], "role": "coordinator", "agency": None}
        if triage["decision"] == "no_further_action":
            for item in open_items:
                record_completion(uow, item, f"{TRIAGE_OUTCOME_PREFIX} {_told(triage)}",
                                  actor, utcnow(), cause="triage")
        elif triage["decision"] == "redirect":
            for item in open_items:
                record_assignment(uow, item, triage["redirect_to_agency"], None, item["due_by"], actor,
                        f"Referral redirected at triage: {_told(triage)}")
            if not open_items:
                _raise_for_referral(uow, triage, rules, triage["triaged_at"],
                                    owner_agency=triage["redirect_to_agency"])
        elif not open_items:
            _raise_for_referral(uow, triage, rules, triage["triaged_at"])
    log.info("referral.triage_applied", referral_id=triage["referral_id"],
             decision=triage["decision"], open_items=len(open_items))


def _told(triage):
    """What an action may say of triage: the reason written for the referring team (the
    referrer reads the outcome, the receiving agency the history), never the internal one."""
    return triage.get("reason_for_referrer") or "decided by the partnership"


def record_referral_closed(event, uow):
    """A closed referral leaves the meeting's list of open referrals."""
    with uow:
        if not uow.first_time(event) or disposal.is_disposed(uow.session,
                                                              event.payload["referral_id"]):
            return
        repository.update_referral_record(uow.session, event.payload["referral_id"],
                                          status="closed")


def apply_ward_priority(event, rules, uow):
    """A ward priority joins tasking's record (for reviews on the agenda). While it is
    active it has one open item for the ward's team, due by its review date: raised when
    the priority is set, moved to the new date when the panel keeps it for another period
    (raised again if the last one was completed); closing the priority completes it.
    Events about one priority apply oldest first: one older than the last applied (a
    retried delivery overtaken by the next review) changes nothing."""
    priority = event.payload
    with uow:
        if not uow.first_time(event):
            log.info("event.already_applied")
            return
        items = repository.open_items_for_source(uow.session, "ward_priority",
                                                 priority["ward_priority_id"])  # locked
        known = repository.ward_priority_record(uow.session, priority["ward_priority_id"])
        if known and known["set_at"] > event.occurred_at:
            log.info("ward_priority.older_event_ignored",
                     ward_priority_id=priority["ward_priority_id"])
            return
        # `set_at` is when the priority was last set or reviewed: the newest event applied.
        repository.save_record(uow.session, ward_priority_records, "ward_priority_id", {
            "ward_priority_id": priority["ward_priority_id"], "ward": priority["ward"],
            "title": priority["title"], "review_by": priority["review_by"],
            "status": priority["status"], "set_at": event.occurred_at})
        if priority["status"] == "active":
            _keep_priority_action(uow, priority, items, rules, event.occurred_at)
        elif priority["status"] == "closed":
            for item in items:
                record_completion(uow, item, PRIORITY_CLOSED_OUTCOME,
                                  TASKING_ACTOR, utcnow(), cause="ward_priority_closed")


def _keep_priority_action(uow, priority, open_items, rules, set_at):
    due_by = rules.priority_due_by(priority["review_by"], set_at)
    if not open_items:
        record_new_item(uow, {
            "title": ward_priority_action_title(priority["title"], priority["ward"]),
            "ward": priority["ward"], "owner_agency": rules.priority_owner_agency,
            "due_by": due_by, "source_type": "ward_priority",
            "source_id": priority["ward_priority_id"]}, TASKING_ACTOR)
        return
    for item in open_items:
        if item["due_by"] != due_by:
            record_assignment(uow, item, item["owner_agency"], item["owner_user"], due_by,
                              TASKING_ACTOR, f"The ward panel kept the priority until "
                                             f"{priority['review_by']}.")


def _raise_for_referral(uow, referral, rules, since, owner_agency=None):
    return record_new_item(uow, {
        "title": referral_action_title(referral["category"], referral["risk_level"],
                                       referral["ward"]),
        "ward": referral["ward"], "risk_level": referral["risk_level"],
        "owner_agency": owner_agency or rules.owner_agency(referral["category"],
                                                           referral["referring_agency"]),
        "due_by": rules.due_by(referral["risk_level"], since),
        "source_type": "referral", "source_id": referral["referral_id"],
    }, TASKING_ACTOR)


def _record_referral(session, referral, status, at, redirect_to_agency=None):
    """Keep tasking's own record of a referral. Triage may arrive before submission (each
    has its own queue): the later submission then corrects only the submission time."""
    later = ("submitted_at", "reference") if status == "received" \
        else ("status", "redirect_to_agency")
    upsert(session, referral_records,
           {"referral_id": referral["referral_id"], "status": status, "submitted_at": at,
            "redirect_to_agency": redirect_to_agency, "reference": referral.get("reference"),
            **{key: referral[key] for key in ("category", "risk_level", "ward",
                                              "referring_agency", "referred_by")}},
           key=["referral_id"], update=later)
    # Steps may already have been written on items raised from it before tasking knew the
    # referral (an action raised by hand): its record takes its first action from them.
    repository.refresh_first_actions(session, referral["referral_id"])
