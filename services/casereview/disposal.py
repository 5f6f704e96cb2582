"""Case review's copies of a disposed referral (`referral.disposed`). The chronology is
rebuilt from the event log, so the log's rows and the entries derived from them go
together: every logged event about the referral and the records under it (its actions,
PCSO tasks and their reports) is deleted with its entry and its parent rows, and a rebuild
afterwards brings none of them back; their ids are kept (`disposed_records`), so an event
about one arriving later is neither logged nor projected. When the subject went with the referral, the
subject's links (and the `subject.linked` events that made them) go too, and the reviews
about the person keep their stages, candidates' decisions and lessons but lose the words
that describe the person: the incident summary, the trigger, the findings and the
reasons given for candidates."""
import sqlalchemy as sa
import structlog

from services.casereview import projection
from services.casereview.chronology import project
from services.casereview.orm import (chronology_entries, disposed_records, event_log, findings,
                                     missed_opportunities, record_parents, reviews,
                                     subject_links)

from shared.db import upsert

log = structlog.get_logger(__name__)

DISPOSED = "Disposed of under the retention schedule."


def dispose_referral(event, uow):
    """Delete the referral's story and, with its subject, anonymise the reviews about
    the person: one transaction, once per event."""
    disposed = event.payload
    with uow:
        if not uow.first_time(event):
            log.info("event.already_applied")
            return
        session = uow.session
        records = projection.records_under(session, [
            ("referral", disposed["referral_id"]),
            *(("tasking_item", item_id) for item_id in disposed["tasking_item_ids"])])
        entries = _forget_records(session, records)
        for record_type, record_id in sorted(records):
            upsert(session, disposed_records, {"record_type": record_type,
                                               "record_id": record_id},
                   key=("record_type", "record_id"))
        if disposed["subject_disposed"]:
            _forget_subject(session, disposed["subject_id"])
    log.info("referral.disposed_in_casereview", referral_id=disposed["referral_id"],
             entries=entries, subject_disposed=disposed["subject_disposed"])


def _forget_records(session, records):
    records = sorted(records)
    about = sa.tuple_(chronology_entries.c.record_type, chronology_entries.c.record_id) \
        .in_(records)
    event_ids = list(session.execute(sa.select(chronology_entries.c.id).where(about))
                     .scalars())
    if event_ids:
        session.execute(event_log.delete().where(event_log.c.event_id.in_(event_ids)))
    session.execute(chronology_entries.delete().where(about))
    session.execute(record_parents.delete().where(
        sa.tuple_(record_parents.c.record_type, record_parents.c.record_id).in_(records)))
    return len(event_ids)


def _forget_subject(session, subject_id):
    links = sa.or_(subject_links.c.subject_id == subject_id,
                   subject_links.c.linked_subject_id == subject_id)
    link_ids = list(session.execute(sa.select(subject_links.c.link_id).where(links))
                    .scalars())
    session.execute(subject_links.delete().where(links))
    # The link events are logged whole; a rebuild would restore the links from them.
    message = sa.cast(event_log.c.message, sa.String)
    session.execute(event_log.delete().where(
        event_log.c.type == "subject.linked",
        sa.or_(*[message.like(f'%"{link_id}"%') for link_id in link_ids] or [sa.false()])))
    review_ids = list(session.execute(sa.select(reviews.c.id)
                                      .where(reviews.c.subject_id == subject_id)).scalars())
    if not review_ids:
        return
    session.execute(reviews.update().where(reviews.c.id.in_(review_ids))
                    .values(trigger=DISPOSED, incident_summary=None))
    session.execute(findings.update().where(findings.c.review_id.in_(review_ids))
                    .values(finding=DISPOSED))
    session.execute(missed_opportunities.update()
                    .where(missed_opportunities.c.review_id.in_(review_ids),
                           missed_opportunities.c.reason.is_not(None))
                    .values(reason=DISPOSED))


def is_about_disposed(session, event):
    """Whether `event` is about a disposed record, or a record under one."""
    projected = project(event.type, event.payload, event.occurred_at)
    if projected is None:
        return False
    _, record, parent = projected
    named = [record] + ([parent] if parent else [])
    return session.execute(sa.select(disposed_records.c.record_id).where(
        sa.tuple_(disposed_records.c.record_type, disposed_records.c.record_id)
        .in_(named)).limit(1)).first() is not None
