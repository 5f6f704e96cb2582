"""PCSO tasks and intelligence reports. A sergeant tasks a PCSO of their ward; the PCSO
files reports against the task (or ad hoc); the BIU notes each one, grades it (3x5x2) and
tells the team how it was used. Service levels (noted within days, feedback within days)
are checked with the overdue check, and the BIU reminded once per missed stage."""
import uuid
from datetime import timedelta

import structlog

from services.tasking import domain, repository
from services.tasking.orm import intelligence_reports, pcso_tasks
from shared.contracts.tasking import (AdHocReportSchema, FeedbackSchema, GradeSchema,
                                      IntelligenceQuerySchema, PcsoTaskAssigneeSchema,
                                      PcsoTaskQuerySchema, PcsoTaskSchema, ReportSchema)
from shared.errors import load_or_refuse
from shared.db import row_by_id, utcnow
from shared.errors import Forbidden, InvalidContent, NotFound
from shared.references import next_reference

log = structlog.get_logger(__name__)

TASKING_ACTOR = {"username": "tasking", "role": "system", "agency": None}
REPORT_FIELDS = ("ward", "submitted_by")


# --- PCSO tasks ----------------------------------------------------------------------

def assign_pcso_task(payload, assignee_account, actor, uow):
    """A sergeant tasks a PCSO of their ward. `assignee_account` is the assignee's role and
    wards as the gateway (which owns accounts) knows them, or None if there is no such user."""
    if actor["role"] != "sergeant":
        raise Forbidden("Only a Safer Neighbourhoods sergeant tasks PCSOs.")
    cmd = load_or_refuse(PcsoTaskSchema, payload)
    errors = domain.check_may_task_pcso(actor, cmd["ward"], assignee_account)
    if errors:
        raise InvalidContent("This PCSO task cannot be set; nothing was stored.", errors)
    task = {**cmd, "id": str(uuid.uuid4()), "reports_filed": 0, "status": "open",
            "assigned_by": actor["username"], "assigned_at": utcnow()}
    with uow:
        task["reference"] = next_reference(uow.session, "pcso_task", task["assigned_at"])
        uow.session.execute(pcso_tasks.insert().values(**task))
        uow.publish("pcso_task.assigned", 2, {
            "pcso_task_id": task["id"], "reference": task["reference"], **{key: task[key] for key in (
                "ward", "assignee", "assigned_by", "due_by", "source_type", "source_id")}},
            actor)
    log.info("pcso_task.assigned", pcso_task_id=task["id"], ward=task["ward"])
    return get_pcso_task(task["id"], actor, uow)


def give_pcso_task(task_id, payload, assignee_account, actor, uow):
    """The ward's sergeant gives an open task to a PCSO of its ward: one handed back to
    the team when its PCSO left (nobody holds it), or one moved from one PCSO to another.
    The PCSO is told as for a new task (`pcso_task.assigned`, with the task's own id)."""
    if actor["role"] != "sergeant":
        raise Forbidden("Only a Safer Neighbourhoods sergeant gives PCSO tasks.")
    cmd = load_or_refuse(PcsoTaskAssigneeSchema, payload)
    with uow:
        task = _visible(row_by_id(uow.session, pcso_tasks, task_id, for_update=True),
                        domain.pcso_task_scope(actor), task_id, "PCSO task")
        errors = domain.check_may_give_pcso_task(task, cmd["assignee"], assignee_account)
        if errors:
            raise InvalidContent("This PCSO task cannot go to that person; nothing was "
                                 "changed.", errors)
        repository.update_row(uow.session, pcso_tasks, task["id"], assignee=cmd["assignee"])
        uow.publish("pcso_task.assigned", 2, {
            "pcso_task_id": task["id"], "reference": task["reference"],
            **{key: task[key] for key in ("ward", "due_by", "source_type", "source_id")},
            "assignee": cmd["assignee"], "assigned_by": actor["username"]}, actor)
    log.info("pcso_task.given", pcso_task_id=task["id"], ward=task["ward"],
             from_team=task["assignee"] is None)
    return get_pcso_task(task["id"], actor, uow)


def get_pcso_task(task_id, actor, uow):
    with uow:
        task = _visible(row_by_id(uow.session, pcso_tasks, task_id),
                        domain.pcso_task_scope(actor), task_id, "PCSO task")
        # Only the reports the caller may read (the coordinator: graded code P only).
        scope = domain.intelligence_scope(actor)
        task["reports"] = [report for report in repository.reports_of_task(uow.session,
                                                                           task_id)
                           if domain.in_scope(scope, report)]
    return task


def audience(actor):
    """The need-to-know audience the caller reads intelligence as (police or coordinator)."""
    return domain.intelligence_audience(actor)


def list_pcso_tasks(query, actor, uow):
    """A PCSO's own tasks (whatever `assignee` says), or the tasks of a sergeant's wards;
    soonest due first."""
    params = load_or_refuse(PcsoTaskQuerySchema, query)
    filters = {name: params[name] for name in ("status", "ward") if params.get(name)}
    assignee = params.get("assignee")
    if assignee:
        filters["assignee"] = actor["username"] if assignee == "me" else assignee
    with uow:
        return repository.list_rows(uow.session, pcso_tasks, domain.pcso_task_scope(actor),
                                    filters, "due_by", params["limit"], params["cursor"])


# --- intelligence reports ------------------------------------------------------------

def file_report(task_id, payload, actor, uow, sla):
    """A PCSO files a report against their own open task; the task closes once the
    reports it asked for are in."""
    cmd = load_or_refuse(ReportSchema, payload)
    with uow:
        task = _visible(row_by_id(uow.session, pcso_tasks, task_id, for_update=True),
                        domain.pcso_task_scope(actor), task_id, "PCSO task")
        if task["assignee"] != actor["username"]:
            raise Forbidden("Only the PCSO given this task files reports against it.")
        domain.check_task_takes_reports(task, actor)
        report_id = _submit(uow, {**cmd, "ward": task["ward"], "pcso_task_id": task_id},
                            actor, sla)
        status = domain.task_status_after_report(task)
        repository.update_row(uow.session, pcso_tasks, task_id,
                              reports_filed=task["reports_filed"] + 1, status=status,
                              closed_at=utcnow() if status != "open" else None)
        if status != "open":
            _announce_task_closed(uow, task, status, task["reports_filed"] + 1)
    return get_report(report_id, actor, uow)


def file_ad_hoc_report(payload, actor, uow, sla):
    """A PCSO reports something seen in one of their wards without a task."""
    if actor["role"] != "pcso":
        raise Forbidden("Intelligence reports are filed by PCSOs.")
    cmd = load_or_refuse(AdHocReportSchema, payload)
    if cmd["ward"] not in (actor.get("wards") or []):
        raise InvalidContent("You may report only from your own wards.",
                             {"ward": [f"One of: {', '.join(actor.get('wards') or [])}."]})
    with uow:
        report_id = _submit(uow, {**cmd, "pcso_task_id": None}, actor, sla)
    return get_report(report_id, actor, uow)


def get_report(report_id, actor, uow):
    with uow:
        return _visible(row_by_id(uow.session, intelligence_reports, report_id),
                        domain.intelligence_scope(actor), report_id, "intelligence report")


def list_reports(query, actor, uow):
    """The reports the caller may see, the oldest first (the BIU works through them)."""
    params = load_or_refuse(IntelligenceQuerySchema, query)
    filters = {name: params[name] for name in ("status", "ward", "pcso_task_id")
               if params.get(name)}
    with uow:
        return repository.list_rows(uow.session, intelligence_reports,
                                    domain.intelligence_scope(actor), filters, "submitted_at",
                                    params["limit"], params["cursor"])


def note_report(report_id, actor, uow):
    """The BIU formally notes a report: who and when, once."""
    with uow:
        report = _for_biu(uow, report_id, actor, "noted")
        _note(uow, report, actor, utcnow())
    return get_report(report_id, actor, uow)


def grade_report(report_id, payload, actor, uow):
    """Grade with 3x5x2 (only valid codes; C states its conditions). A report graded
    before it was noted is noted at the same moment."""
    _biu_only(actor)
    cmd = load_or_refuse(GradeSchema, payload)
    with uow:
        report = _for_biu(uow, report_id, actor, "graded")
        now = utcnow()
        if report["status"] == "awaiting_note":
            _note(uow, report, actor, now)
        repository.update_row(uow.session, intelligence_reports, report_id,
                              status="awaiting_feedback",
                              source_evaluation=cmd["source_evaluation"],
                              intelligence_assessment=cmd["intelligence_assessment"],
                              handling_code=cmd["handling_code"],
                              handling_conditions=cmd["conditions"], graded_by=actor["username"],
                              graded_at=now)
        uow.publish("intelligence.graded", 1, {
            "intelligence_report_id": report_id, "graded_by": actor["username"],
            "graded_at": now, **{key: report[key] for key in REPORT_FIELDS},
            **{key: cmd[key] for key in ("source_evaluation", "intelligence_assessment",
                                         "handling_code")}}, actor)
    log.info("intelligence.graded", intelligence_report_id=report_id)
    return get_report(report_id, actor, uow)


def give_feedback(report_id, payload, actor, uow):
    """Tell the submitting team how the report was used; that closes it."""
    _biu_only(actor)
    cmd = load_or_refuse(FeedbackSchema, payload)
    with uow:
        report = _for_biu(uow, report_id, actor, "given feedback")
        now = utcnow()
        repository.update_row(uow.session, intelligence_reports, report_id, status="closed",
                              feedback_usage=cmd["usage"], feedback_note=cmd["note"],
                              feedback_by=actor["username"], feedback_at=now)
        repository.feedback_times(uow.session, report_id)
        uow.publish("intelligence.feedback_given", 2, {
            "intelligence_report_id": report_id, "reference": report["reference"], "pcso_task_id": report["pcso_task_id"],
            "usage": cmd["usage"], "note": cmd["note"], "given_by": actor["username"],
            "given_at": now, **{key: report[key] for key in REPORT_FIELDS}}, actor)
    log.info("intelligence.feedback_given", intelligence_report_id=report_id)
    return get_report(report_id, actor, uow)


# --- the due-date check --------------------------------------------------------------

def expire_pcso_tasks(uow, now=None):
    """Open PCSO tasks past their due date close as expired, once each (SKIP LOCKED)."""
    now = now or utcnow()
    with uow:
        tasks = repository.claim_rows(uow.session, pcso_tasks, pcso_tasks.c.status == "open",
                                      pcso_tasks.c.due_by < now, order_by=pcso_tasks.c.due_by)
        for task in tasks:
            repository.update_row(uow.session, pcso_tasks, task["id"], status="expired",
                                  closed_at=now)
            _announce_task_closed(uow, task, "expired", task["reports_filed"])
    return len(tasks)


def remind_missed_service_levels(uow, now=None):
    """Reports not noted (or not given feedback) in time: the BIU is reminded once per
    stage, however many tasking processes run this check."""
    now = now or utcnow()
    reports = intelligence_reports.c
    stages = (("note", reports.status == "awaiting_note", reports.note_due_by,
               "note_reminded_at"),
              ("feedback", reports.status != "closed",
               reports.feedback_due_by, "feedback_reminded_at"))
    reminded = 0
    with uow:
        for stage, waiting, due_by, reminded_at in stages:
            for report in repository.claim_rows(uow.session, intelligence_reports, waiting,
                                                due_by < now, reports[reminded_at].is_(None),
                                                order_by=due_by):
                repository.update_row(uow.session, intelligence_reports, report["id"],
                                      **{reminded_at: now})
                uow.publish("intelligence.service_level_missed", 2, {
                    "intelligence_report_id": report["id"], "reference": report["reference"], "ward": report["ward"],
                    "stage": stage, "due_by": report[due_by.name], "remind": "analyst"},
                    TASKING_ACTOR)
                reminded += 1
    return reminded


# --- the story's steps ----------------------------------------------------------------

def _submit(uow, fields, actor, sla):
    now = utcnow()
    report = {**fields, "id": str(uuid.uuid4()), "submitted_by": actor["username"],
              "reference": next_reference(uow.session, "intelligence_report", now),
              "submitted_at": now, "status": "awaiting_note",
              "note_due_by": now + timedelta(days=sla["note_days"]),
              "feedback_due_by": now + timedelta(days=sla["feedback_days"])}
    uow.session.execute(intelligence_reports.insert().values(**report))
    uow.publish("intelligence.submitted", 1, {
        "intelligence_report_id": report["id"], "pcso_task_id": report["pcso_task_id"],
        **{key: report[key] for key in ("ward", "submitted_by", "submitted_at")}}, actor)
    log.info("intelligence.submitted", intelligence_report_id=report["id"],
             ward=report["ward"])
    return report["id"]


def _note(uow, report, actor, now):
    repository.update_row(uow.session, intelligence_reports, report["id"],
                          status="awaiting_grade", noted_by=actor["username"], noted_at=now)
    uow.publish("intelligence.noted", 2, {
        "intelligence_report_id": report["id"], "reference": report["reference"], "noted_by": actor["username"],
        "noted_at": now, **{key: report[key] for key in REPORT_FIELDS}}, actor)
    log.info("intelligence.noted", intelligence_report_id=report["id"])


def _announce_task_closed(uow, task, reason, reports):
    uow.publish("pcso_task.closed", 2, {
        "pcso_task_id": task["id"], "ward": task["ward"], "assignee": task["assignee"],
        "reason": reason, "reports": reports}, TASKING_ACTOR)
    log.info("pcso_task.closed", pcso_task_id=task["id"], reason=reason)


def _biu_only(actor):
    if actor["role"] != "analyst":
        raise Forbidden("Only the Borough Intelligence Unit notes, grades and gives feedback.")


def _for_biu(uow, report_id, actor, step):
    _biu_only(actor)
    report = _visible(row_by_id(uow.session, intelligence_reports, report_id,
                                for_update=True),
                      domain.intelligence_scope(actor), report_id, "intelligence report")
    domain.check_intelligence_step(report, step)
    return report


def _visible(record, scope, record_id, what):
    # What the caller may not see reads as absent, so ids cannot be probed.
    if record is None or not domain.in_scope(scope, record):
        raise NotFound(f"No {what} with that id that you may see.", {"id": [record_id]})
    return record
