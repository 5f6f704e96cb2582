"""Tasking's copies of a disposed referral (`referral.disposed`): its record of the
referral stays, counted as disposed on the dashboards, with nothing but ids, category and
ward; the actions and PCSO tasks raised from it keep their references, dates and owners
(the counts stay true) while their text (titles, descriptions, outcomes, notes, briefs) is
replaced, as free text may name the person; meeting agendas say the same of them; and the
events tasking published about them are forgotten once sent."""
import sqlalchemy as sa
import structlog

from services.tasking.orm import (meetings, metadata, pcso_tasks, referral_records,
                                  tasking_item_history, tasking_items)
from shared.outbox import forget_published

log = structlog.get_logger(__name__)

DISPOSED = "disposed"
"""A referral record's status once the referral is disposed of."""


def disposed_text(reference):
    """What an anonymised title, brief or note says instead."""
    return f"Disposed of under the retention schedule ({reference})"


def dispose_referral(event, uow):
    """Anonymise tasking's copies of the referral in one transaction; once per event."""
    disposed = event.payload
    with uow:
        if not uow.first_time(event):
            log.info("event.already_applied")
            return
        session = uow.session
        session.execute(referral_records.update()
                        .where(referral_records.c.referral_id == disposed["referral_id"])
                        .values(status=DISPOSED, referred_by=None))
        text = disposed_text(disposed["reference"])
        item_ids = _items_raised_from(session, disposed)
        _anonymise_items(session, item_ids, text)
        task_ids = _anonymise_pcso_tasks(session, disposed["referral_id"], item_ids, text)
        _anonymise_agendas(session, set(item_ids), text)
        forget_published(session, metadata.tables["outbox"],
                         [disposed["referral_id"], *item_ids, *task_ids])
    log.info("referral.disposed_in_tasking", referral_id=disposed["referral_id"],
             actions=len(item_ids), pcso_tasks=len(task_ids))


def _items_raised_from(session, disposed):
    items = tasking_items
    return sorted(set(session.execute(sa.select(items.c.id).where(sa.or_(
        sa.and_(items.c.source_type == "referral",
                items.c.source_id == disposed["referral_id"]),
        items.c.id.in_(disposed["tasking_item_ids"])))).scalars()))


def _anonymise_items(session, item_ids, text):
    if not item_ids:
        return
    session.execute(tasking_items.update().where(tasking_items.c.id.in_(item_ids)).values(
        title=text[:200], description=None, outcome=None, public_outcome=None))
    session.execute(tasking_item_history.update()
                    .where(tasking_item_history.c.tasking_item_id.in_(item_ids),
                           tasking_item_history.c.note.is_not(None))
                    .values(note=text))


def _anonymise_pcso_tasks(session, referral_id, item_ids, text):
    tasks = pcso_tasks
    raised_from = sa.or_(sa.and_(tasks.c.source_type == "referral",
                                 tasks.c.source_id == referral_id),
                         sa.and_(tasks.c.source_type == "tasking_item",
                                 tasks.c.source_id.in_(item_ids or [""])))
    task_ids = list(session.execute(sa.select(tasks.c.id).where(raised_from)).scalars())
    if task_ids:
        session.execute(tasks.update().where(tasks.c.id.in_(task_ids))
                        .values(brief=text, look_for=text))
    return task_ids


def _anonymise_agendas(session, item_ids, text):
    """A meeting's agenda is kept as it was printed: its entries for the disposed actions
    keep their place, with the disposed text for a title."""
    if not item_ids:
        return
    mentions = sa.or_(*[sa.cast(meetings.c.agenda, sa.String).like(f'%"{i}"%')
                        for i in item_ids])
    for meeting in session.execute(sa.select(meetings.c.id, meetings.c.agenda)
                                   .where(mentions)).all():
        agenda = dict(meeting.agenda)
        agenda["overdue_items"] = [
            {**entry, "title": text, "description": None} if entry.get("id") in item_ids
            else entry for entry in agenda.get("overdue_items") or []]
        session.execute(meetings.update().where(meetings.c.id == meeting.id)
                        .values(agenda=agenda))


def is_disposed(session, referral_id):
    """Whether tasking's record says the referral was disposed of: news about it that
    arrives later (each event type has its own queue) changes nothing."""
    record = session.execute(sa.select(referral_records.c.status).where(
        referral_records.c.referral_id == referral_id)).scalar()
    return record == DISPOSED
