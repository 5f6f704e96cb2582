"""Handing over a leaver's open work: their open PCSO tasks and the open actions named to
them go to a successor, or back to the team (no one named: the ward's sergeant gives a
PCSO task to another PCSO, the owning agency names another holder of an action). One unit
of work moves all of it with its events, or refuses and moves none."""
import structlog

from services.tasking import domain, repository
from services.tasking.handlers import record_assignment
from services.tasking.orm import pcso_tasks
from shared.db import utcnow
from shared.errors import Forbidden, InvalidContent

log = structlog.get_logger(__name__)


def hand_over_work(leaver, successor, actor, uow):
    """Move `leaver`'s open work to `successor` (their account as the gateway, which owns
    accounts, knows it: username, role, agency, wards, active), or to the team when None.
    Returns the counts of what moved."""
    if actor["role"] != "admin":
        raise Forbidden("Only an administrator hands over a leaver's work.")
    to = successor["username"] if successor else None
    with uow:
        tasks, items = repository.open_work_of(uow.session, leaver)
        refusals = domain.handover_refusals(leaver, successor, tasks, items)
        if refusals:
            raise InvalidContent("This work cannot go to that person; nothing was moved.",
                                 {"to": refusals})
        for task in tasks:
            repository.update_row(uow.session, pcso_tasks, task["id"], assignee=to)
        for item in items:
            record_assignment(uow, item, item["owner_agency"], to, item["due_by"], actor,
                              f"Handed over from {leaver}, who is leaving this work.")
        uow.publish("work.handed_over", 1, announcement(leaver, to, tasks, items, actor),
                    actor)
    log.info("work.handed_over", pcso_tasks=len(tasks), tasking_items=len(items),
             to_team=to is None)
    return {"pcso_tasks": len(tasks), "tasking_items": len(items), "to": to}


def announcement(leaver, to, tasks, items, actor):
    """The `work.handed_over` payload: which records moved (references and wards, no
    briefs or titles: those stay in tasking)."""
    return {
        "leaver": leaver, "successor": to, "handed_over_by": actor["username"],
        "handed_over_at": utcnow(),
        "pcso_tasks": [{"pcso_task_id": task["id"], "reference": task["reference"],
                        "ward": task["ward"]} for task in tasks],
        "tasking_items": [{"tasking_item_id": item["id"], "reference": item["reference"],
                           "ward": item["ward"], "owner_agency": item["owner_agency"]}
                          for item in items]}
