"""Tasking's queries: reading and writing its own tables, scoped and keyset-paged."""

import sqlalchemy as sa

from services.tasking.domain import (ACTION_KINDS, SYSTEM_USERNAME, is_persons_action,
                                     scope_conditions)
from services.tasking.durations import dialect_of, hours_between, week_of
from services.tasking.orm import (intelligence_reports, pcso_tasks, referral_records,
                                  tasking_item_history, tasking_items, ward_priority_records)
from shared.db import row_by_id, upsert
from shared.references import find_by_reference
from shared.paging import decode_cursor, page


def scoped(query, table, scope):
    """Narrow a query to the rows a scope (domain.*_scope) admits."""
    if scope is None:
        return query
    return query.where(sa.or_(sa.false(), *[
        sa.and_(*[table.c[column].in_(values) for column, values in scope_conditions(entry)])
        for entry in scope]))


def keyset_page(session, query, table, sort_column, limit, cursor, descending=False):
    """One page of `query` ordered by (sort_column, id), after the cursor's key."""
    sort, row_id = table.c[sort_column], table.c.id
    after = decode_cursor(cursor, 2, ("time", "text"))
    if after:
        key = sa.tuple_(sort, row_id)
        bound = sa.tuple_(sa.literal(after[0], sort.type), sa.literal(after[1]))
        query = query.where(key < bound if descending else key > bound)
    order = (sort.desc(), row_id.desc()) if descending else (sort, row_id)
    rows = [row._asdict() for row in session.execute(query.order_by(*order).limit(limit + 1))]
    return page(rows, limit, lambda r: (r[sort_column].isoformat(), r["id"]))


# --- tasking items -------------------------------------------------------------------

def add_item(session, item):
    session.execute(tasking_items.insert().values(**item))


def add_history(session, item_id, kind, note, by, at):
    """One step in an item's history. A person's step on an item raised from a referral
    may be the referral's first action: its record keeps the earliest (in this unit of
    work, so the dashboards never read a stale one)."""
    session.execute(tasking_item_history.insert().values(
        tasking_item_id=item_id, kind=kind, note=note, by=by, at=at))
    if is_persons_action(kind, by):
        records = referral_records
        its_referral = records.c.referral_id == sa.select(tasking_items.c.source_id).where(
            tasking_items.c.id == item_id, tasking_items.c.source_type == "referral") \
            .scalar_subquery()
        earliest = session.execute(records.update().where(
            its_referral,
            sa.or_(records.c.first_action_at.is_(None), records.c.first_action_at > at))
            .values(first_action_at=at))
        if earliest.rowcount:  # a later step leaves the record as it was
            _derive_first_action(session, its_referral)


def first_action_of(referral_id_column):
    """When a person first acted on one of the referral's items (None: nobody has), from
    their history: what referral_records.first_action_at keeps."""
    items, history = tasking_items, tasking_item_history
    return (sa.select(sa.func.min(history.c.at))
            .select_from(items.join(history, history.c.tasking_item_id == items.c.id))
            .where(items.c.source_type == "referral", items.c.source_id == referral_id_column,
                   history.c.by != SYSTEM_USERNAME, history.c.kind.in_(ACTION_KINDS))
            .scalar_subquery())


def refresh_first_actions(session, referral_id=None):
    """Set the referrals' first action (one referral, or every one) from their items'
    history: for a record that joins after steps were written on its items, and for rows
    loaded around add_history (the bench's COPY)."""
    records = referral_records
    which = sa.true() if referral_id is None else records.c.referral_id == referral_id
    session.execute(records.update().where(which)
                    .values(first_action_at=first_action_of(records.c.referral_id)))
    _derive_first_action(session, which)


def _derive_first_action(session, which):
    """The week and hours of the records' first action, from it and their submission."""
    records, dialect = referral_records, dialect_of(session)
    acted = records.c.first_action_at
    session.execute(records.update().where(which).values(  # None while nobody has acted
        first_action_week=week_of(dialect, acted),
        hours_to_first_action=hours_between(dialect, records.c.submitted_at, acted)))


def get_item(session, item_id, for_update=False):
    item = row_by_id(session, tasking_items, item_id, for_update)
    if item is None:
        return None
    item["history"] = [h._asdict() for h in session.execute(
        sa.select(tasking_item_history.c.kind, tasking_item_history.c.note,
                  tasking_item_history.c.by, tasking_item_history.c.at)
        .where(tasking_item_history.c.tasking_item_id == item_id)
        .order_by(tasking_item_history.c.id))]
    return item


NUMBERED = {"tasking_item": tasking_items, "pcso_task": pcso_tasks,
            "intelligence_report": intelligence_reports}
"""The kinds of record tasking numbers, and their tables."""


def id_by_reference(session, kind, reference):
    return find_by_reference(session, NUMBERED[kind], reference)


def referral_id_by_reference(session, reference):
    return session.execute(sa.select(referral_records.c.referral_id)
                           .where(referral_records.c.reference == reference)).scalar()


def set_source_reference(session, source_type, source_id, reference):
    """Tell the items raised from a source the reference they lacked."""
    session.execute(tasking_items.update().where(
        tasking_items.c.source_type == source_type, tasking_items.c.source_id == source_id,
        tasking_items.c.source_reference.is_(None)).values(source_reference=reference))


def update_item(session, item_id, **values):
    session.execute(tasking_items.update().where(tasking_items.c.id == item_id).values(**values))


def open_items_for_source(session, source_type, source_id):
    return [row._asdict() for row in session.execute(
        sa.select(tasking_items).where(tasking_items.c.source_type == source_type,
                                       tasking_items.c.source_id == source_id,
                                       tasking_items.c.status == "open")
        .order_by(tasking_items.c.raised_at).with_for_update())]


def items_for_source(session, source_type, source_id, limit):
    query = sa.select(tasking_items).order_by(tasking_items.c.due_by,
                                              tasking_items.c.id).limit(limit)
    if source_type:
        query = query.where(tasking_items.c.source_type == source_type)
    if source_id:
        query = query.where(tasking_items.c.source_id == source_id)
    return [row._asdict() for row in session.execute(query)]


def list_items(session, scope, filters, overdue, now, limit, cursor):
    """Soonest due first; `overdue` True/False narrows to open items past/not past due."""
    query = scoped(sa.select(tasking_items), tasking_items, scope)
    for column, value in filters.items():
        query = query.where(tasking_items.c[column] == value)
    if overdue is True:
        query = query.where(tasking_items.c.status == "open", tasking_items.c.due_by < now)
    elif overdue is False:
        query = query.where(sa.or_(tasking_items.c.status != "open",
                                   tasking_items.c.due_by >= now))
    return keyset_page(session, query, tasking_items, "due_by", limit, cursor)


def items_of_meeting(session, meeting_id):
    return [row._asdict() for row in session.execute(
        sa.select(tasking_items).where(tasking_items.c.meeting_id == meeting_id)
        .order_by(tasking_items.c.raised_at, tasking_items.c.id))]


def claim_items_past_due(session, now, batch=500):
    """Open items past due and not yet marked, locked for this transaction. SKIP LOCKED:
    a replica running the same check at the same moment takes other rows (or none), and
    once this one commits, the rows no longer match, so no item is marked twice."""
    return [row._asdict() for row in session.execute(
        sa.select(tasking_items).where(tasking_items.c.status == "open",
                                       tasking_items.c.overdue_at.is_(None),
                                       tasking_items.c.due_by < now)
        .order_by(tasking_items.c.due_by).limit(batch).with_for_update(skip_locked=True))]


# --- read models of referrals and ward priorities ------------------------------------

def save_record(session, table, key_column, record):
    """Insert or replace one read-model row (events may arrive again or out of order)."""
    upsert(session, table, record, key=[key_column],
           update=[column for column in record if column != key_column])


def referral_record(session, referral_id):
    row = session.execute(sa.select(referral_records).where(
        referral_records.c.referral_id == referral_id)).first()
    return row._asdict() if row else None


def ward_priority_record(session, ward_priority_id):
    row = session.execute(sa.select(ward_priority_records).where(
        ward_priority_records.c.ward_priority_id == ward_priority_id)).first()
    return row._asdict() if row else None


def update_referral_record(session, referral_id, **values):
    session.execute(referral_records.update()
                    .where(referral_records.c.referral_id == referral_id).values(**values))


def referrals_since(session, wards, since):
    query = sa.select(referral_records).where(referral_records.c.ward.in_(wards))
    if since is not None:
        query = query.where(referral_records.c.submitted_at > since)
    return [row._asdict() for row in session.execute(query)]


def overdue_items(session, wards, now):
    return [row._asdict() for row in session.execute(
        sa.select(tasking_items).where(tasking_items.c.ward.in_(wards),
                                       tasking_items.c.status == "open",
                                       tasking_items.c.due_by < now))]


def priorities_for_review(session, wards, held_on):
    return [row._asdict() for row in session.execute(
        sa.select(ward_priority_records).where(
            ward_priority_records.c.ward.in_(wards),
            sa.or_(ward_priority_records.c.status == "due_for_review",
                   sa.and_(ward_priority_records.c.status == "active",
                           ward_priority_records.c.review_by <= held_on))))]


def intelligence_awaiting_feedback(session, wards):
    return [row._asdict() for row in session.execute(
        sa.select(intelligence_reports).where(
            intelligence_reports.c.ward.in_(wards),
            intelligence_reports.c.status.in_(("awaiting_grade", "awaiting_feedback"))))]


# --- PCSO tasks and intelligence reports ---------------------------------------------

def update_row(session, table, row_id, **values):
    session.execute(table.update().where(table.c.id == row_id).values(**values))


def feedback_times(session, report_id=None):
    """The week and hours of a report's feedback (one report, or every one), from when it
    was given and the filing: written with the feedback (and for rows loaded around it)."""
    reports, dialect = intelligence_reports, dialect_of(session)
    query = intelligence_reports.update().values(  # None while no feedback is given
        feedback_week=week_of(dialect, reports.c.feedback_at),
        hours_to_feedback=hours_between(dialect, reports.c.submitted_at, reports.c.feedback_at))
    if report_id is not None:
        query = query.where(reports.c.id == report_id)
    session.execute(query)


def reports_of_task(session, task_id):
    return [row._asdict() for row in session.execute(
        sa.select(intelligence_reports).where(intelligence_reports.c.pcso_task_id == task_id)
        .order_by(intelligence_reports.c.submitted_at, intelligence_reports.c.id))]


def claim_rows(session, table, *conditions, order_by, batch=500):
    """Rows matching `conditions`, locked SKIP LOCKED (see claim_items_past_due)."""
    return [row._asdict() for row in session.execute(
        sa.select(table).where(*conditions).order_by(order_by).limit(batch)
        .with_for_update(skip_locked=True))]


def list_rows(session, table, scope, filters, sort_column, limit, cursor, descending=False):
    query = scoped(sa.select(table), table, scope)
    for column, value in filters.items():
        query = query.where(table.c[column] == value)
    return keyset_page(session, query, table, sort_column, limit, cursor, descending)


# --- a leaver's open work --------------------------------------------------------------

def open_work_of(session, username):
    """(open PCSO tasks given to `username`, open actions named to them), oldest due
    first, locked until the unit of work ends: a handover moves exactly what it read."""
    tasks = session.execute(
        sa.select(pcso_tasks).where(pcso_tasks.c.assignee == username,
                                    pcso_tasks.c.status == "open")
        .order_by(pcso_tasks.c.due_by, pcso_tasks.c.id).with_for_update())
    items = session.execute(
        sa.select(tasking_items).where(tasking_items.c.owner_user == username,
                                       tasking_items.c.status == "open")
        .order_by(tasking_items.c.due_by, tasking_items.c.id).with_for_update())
    return [row._asdict() for row in tasks], [row._asdict() for row in items]
