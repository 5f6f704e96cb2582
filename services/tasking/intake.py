"""How tasking items arrive from other services' events: a referral raises one by the
routing rules, its triage moves it, a ward priority raises (or completes) one; and tasking's
own records of referrals and ward priorities, kept for the meeting agenda."""
import structlog

from services.tasking import repository
from services.tasking.domain import referral_action_title, ward_priority_action_title
from services.tasking.handlers import (TASKING_ACTOR, record_assignment, record_completion,
                                       record_new_item)
from services.tasking.orm import referral_records, ward_priority_records
from shared.db import upsert, utcnow
from shared.events.tasking import PRIORITY_CLOSED_OUTCOME, TRIAGE_OUTCOME_PREFIX

log = structlog.get_logger(__name__)


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
        _record_referral(uow.session, referral, status="received",
                         at=referral["submitted_at"])
        if repository.items_for_source(uow.session, "referral", referral["referral_id"], 1):
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
        _record_referral(uow.session, triage, status=triage["status"], at=triage["triaged_at"],
                         redirect_to_agency=triage["redirect_to_agency"])
        open_items = repository.open_items_for_source(uow.session, "referral",
                                                      triage["referral_id"])
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
        if not uow.first_time(event):
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
    later = ("submitted_at",) if status == "received" else ("status", "redirect_to_agency")
    upsert(session, referral_records,
           {"referral_id": referral["referral_id"], "status": status, "submitted_at": at,
            "redirect_to_agency": redirect_to_agency,
            **{key: referral[key] for key in ("category", "risk_level", "ward",
                                              "referring_agency", "referred_by")}},
           key=["referral_id"], update=later)
