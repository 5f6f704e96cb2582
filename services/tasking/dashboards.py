"""Dashboards, and the figures operators scrape: what people would rather look at than
read, as aggregates only (counts and durations per ward, risk level or week; never a
record, a name or a note), so that whoever may see a ward's work may see its charts.

- **Overdue items by ward**: open tasking items past their due date, beside the ward's
  open items.
- **Referral-to-action time**: from a referral's submission to the first step a person
  took on one of its tasking items: raising one (at a meeting or by hand), assigning it,
  recording progress, or completing it (a triage redirect or "no further action" counts:
  the coordinator moved the item on). The item the routing rules raise when the referral
  arrives does not count: it is there within a second and says nothing about anyone
  acting. `waiting`: referrals, not closed or disposed of, that nobody has acted on yet.
  `disposed`: the wards' referrals disposed of under the retention schedule (their record
  stays, with no one's details, so the counts stay true).
- **Intelligence feedback turnaround**: from a report's filing to the BIU's feedback on
  how it was used. `waiting`: reports without feedback yet; `waiting_past_due`: those past
  their feedback due date; `within_service_level`: feedback given by that date.

Durations are in hours: count, median and 90th percentile (durations.py), over the last
`weeks` weeks, each counted in the week (Monday to Sunday, UTC) its clock stopped, overall
and per week; a week with nothing to count shows 0 and no times."""
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from services.tasking.disposal import DISPOSED
from services.tasking.durations import summaries_by
from services.tasking.domain import RISK_ORDER
from services.tasking.orm import (intelligence_reports, metadata, referral_records,
                                  tasking_items)
from shared.contracts.tasking import DashboardQuerySchema
from shared.errors import load_or_refuse
from shared.db import utcnow
from shared.outbox import unpublished_count
from shared.errors import Forbidden


def dashboard_wards(actor):
    """The coordinator and the BIU see the borough (None); a sergeant their wards."""
    if actor["role"] in ("coordinator", "analyst"):
        return None
    if actor["role"] == "sergeant":
        return list(actor.get("wards") or [])
    raise Forbidden("Dashboards are for the tasking coordinator, sergeants and the BIU.")


def tasking_dashboard(query, actor, uow, now=None):
    """Overdue items by ward, referral-to-action time and intelligence feedback
    turnaround, within the caller's wards (and the `ward` asked for, if any)."""
    wards = dashboard_wards(actor)
    params = load_or_refuse(DashboardQuerySchema, query)
    if params.get("ward"):
        wards = [w for w in (wards if wards is not None else [params["ward"]])
                 if w == params["ward"]]
    now = now or utcnow()
    weeks = week_starts(now, params["weeks"])
    since = datetime.combine(weeks[0], time(), timezone.utc)
    with uow:
        session = uow.session
        return {"generated_at": now, "since": since, "weeks": params["weeks"], "wards": wards,
                "overdue_by_ward": overdue_by_ward(session, wards, now),
                "referral_to_action": referral_to_action(session, wards, since, weeks),
                "intelligence_feedback": feedback_turnaround(session, wards, since, weeks,
                                                             now)}


def figures(uow, now=None):
    """The borough's figures for Prometheus (the gateway's /metrics): counts only."""
    now = now or utcnow()
    with uow:
        session = uow.session
        return {"tasking_items": overdue_by_ward(session, None, now)["wards"],
                "referrals": referrals_by_ward(session),
                "intelligence_reports": intelligence_waiting(session, now),
                "outbox_unsent": unpublished_count(session, metadata.tables["outbox"])}


# --- the aggregates ------------------------------------------------------------------

def overdue_by_ward(session, wards, now):
    """Open items per ward and how many of them are past due, most overdue first."""
    items = tasking_items
    query = _in_wards(sa.select(items.c.ward, sa.func.count().label("open"),
                                _count_if(items.c.due_by < now).label("overdue"))
                      .where(items.c.status == "open").group_by(items.c.ward),
                      items.c.ward, wards)
    rows = sorted(({"ward": r.ward, "open": int(r.open), "overdue": int(r.overdue)}
                   for r in session.execute(query)), key=lambda r: (-r["overdue"], r["ward"]))
    return {"open": sum(r["open"] for r in rows), "overdue": sum(r["overdue"] for r in rows),
            "wards": rows}


def referral_to_action(session, wards, since, weeks):
    # Each referral's first action is kept on tasking's record of it (written with the
    # step: repository.add_history), so the chart is an aggregate over the wards' records
    # alone, read through one index that holds them (with the week and hours of the first
    # action, computed by the database when it was written).
    referrals = referral_records
    acted_at = referrals.c.first_action_at
    durations = _in_wards(
        sa.select(referrals.c.risk_level, referrals.c.first_action_week.label("week"),
                  referrals.c.hours_to_first_action.label("value"))
        .where(acted_at >= since), referrals.c.ward, wards).subquery()
    waiting = _in_wards(sa.select(referrals.c.referral_id)
                        .where(acted_at.is_(None),
                               referrals.c.status.not_in(("closed", DISPOSED))),
                        referrals.c.ward, wards).subquery()
    [overall], risks, by_week, [unacted] = summaries_by(
        session, durations, [(), ("risk_level",), ("week",)], counted=waiting)
    by_risk = sorted((_durations(row) | {"risk_level": row["risk_level"]} for row in risks),
                     key=lambda row: RISK_ORDER.get(row["risk_level"], len(RISK_ORDER)))
    disposed = session.execute(_in_wards(
        sa.select(sa.func.count()).where(referrals.c.status == DISPOSED),
        referrals.c.ward, wards)).scalar()
    return {**_durations(overall), "waiting": int(unacted["count"]),
            "disposed": int(disposed or 0), "by_risk": by_risk,
            "by_week": _by_week(by_week, weeks)}


def feedback_turnaround(session, wards, since, weeks, now):
    # The week and hours of each report's feedback are kept with it (computed by the
    # database when it was given), and the indexes hold them: by ward, and the borough's.
    reports = intelligence_reports
    returned = sa.and_(reports.c.feedback_at.is_not(None), reports.c.feedback_at >= since)
    durations = _in_wards(
        sa.select(reports.c.feedback_week.label("week"),
                  reports.c.hours_to_feedback.label("value")).where(returned),
        reports.c.ward, wards).subquery()
    counts = session.execute(_in_wards(sa.select(
        _count_if(sa.and_(returned, reports.c.feedback_at <= reports.c.feedback_due_by))
        .label("on_time"),
        _count_if(reports.c.feedback_at.is_(None)).label("waiting"),
        _count_if(sa.and_(reports.c.feedback_at.is_(None), reports.c.feedback_due_by < now))
        .label("late")), reports.c.ward, wards)).one()
    [overall], by_week = summaries_by(session, durations, [(), ("week",)])
    return {**_durations(overall),
            "waiting": int(counts.waiting or 0), "waiting_past_due": int(counts.late or 0),
            "within_service_level": int(counts.on_time or 0),
            "by_week": _by_week(by_week, weeks)}


def referrals_by_ward(session):
    referrals = referral_records
    query = sa.select(referrals.c.ward, sa.func.count().label("received"),
                      _count_if(referrals.c.status == "received").label("awaiting_triage"),
                      _count_if(referrals.c.status == DISPOSED).label("disposed")
                      ).group_by(referrals.c.ward).order_by(referrals.c.ward)
    return [{"ward": r.ward, "received": int(r.received),
             "awaiting_triage": int(r.awaiting_triage), "disposed": int(r.disposed)}
            for r in session.execute(query)]


def intelligence_waiting(session, now):
    """Reports waiting for the BIU by status, and how many are past the due date of the
    step they wait for (noting, or feedback)."""
    reports = intelligence_reports
    late = sa.or_(sa.and_(reports.c.status == "awaiting_note", reports.c.note_due_by < now),
                  sa.and_(reports.c.status != "awaiting_note",
                          reports.c.feedback_due_by < now))
    query = sa.select(reports.c.status, sa.func.count().label("waiting"),
                      _count_if(late).label("late")).where(reports.c.status != "closed") \
        .group_by(reports.c.status).order_by(reports.c.status)
    return [{"status": r.status, "waiting": int(r.waiting), "late": int(r.late)}
            for r in session.execute(query)]


def week_starts(now, weeks):
    """The Mondays of the last `weeks` weeks (UTC), the current week last."""
    today = now.astimezone(timezone.utc).date()
    this_week = today - timedelta(days=today.weekday())
    return [this_week - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


# --- helpers -------------------------------------------------------------------------

def _in_wards(query, column, wards):
    return query if wards is None else query.where(column.in_(wards))


def _count_if(condition):
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _durations(row):
    return {"count": int(row["count"]), "median_hours": _hours(row["median"]),
            "p90_hours": _hours(row["p90"])}


def _hours(value):
    return None if value is None else round(float(value), 2)


def _by_week(rows, weeks):
    """One row per week, the oldest first, including weeks with nothing counted."""
    found = {date.fromisoformat(row["week"]): row for row in rows}
    return [{"week": week, **_durations(found.get(week) or {"count": 0, "median": None,
                                                            "p90": None})}
            for week in weeks]
