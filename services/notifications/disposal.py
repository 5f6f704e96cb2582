"""Notifications' copies of a disposed referral (`referral.disposed`): the inbox notices
about the referral and its actions keep their place (who was told, when, read or not)
but their text is replaced, as it may name the person; emails about them not yet sent are
dropped, so none goes out after the disposal; news about them arriving later (each event
type has its own queue) is told to no one (`disposed_records`); notifications' record of the referral (its
referrer and handling conditions) is deleted; the delivery log's published rows naming
them are forgotten."""
import sqlalchemy as sa
import structlog

from services.notifications.orm import (disposed_records, emails, metadata, notifications,
                                        referral_records)
from shared.outbox import forget_published

log = structlog.get_logger(__name__)


def dispose_referral(event, uow):
    """Anonymise and delete notifications' copies in one transaction; once per event."""
    disposed = event.payload
    with uow:
        if not uow.first_time(event):
            log.info("event.already_applied")
            return
        session = uow.session
        about = sa.or_(
            sa.and_(notifications.c.source_type == "referral",
                    notifications.c.source_id == disposed["referral_id"]),
            sa.and_(notifications.c.source_type == "tasking_item",
                    notifications.c.source_id.in_(disposed["tasking_item_ids"] or [""])))
        notice_ids = list(session.execute(sa.select(notifications.c.id).where(about))
                          .scalars())
        if notice_ids:
            session.execute(emails.delete().where(emails.c.notification_id.in_(notice_ids),
                                                  emails.c.status == "pending"))
            session.execute(notifications.update().where(notifications.c.id.in_(notice_ids))
                            .values(title="Disposed of under the retention schedule",
                                    body=f"{disposed['reference']} was disposed of under "
                                         "the retention schedule.", link=None))
        session.execute(referral_records.delete().where(
            referral_records.c.referral_id == disposed["referral_id"]))
        session.execute(disposed_records.insert(), [
            {"record_type": "referral", "record_id": disposed["referral_id"]},
            *({"record_type": "tasking_item", "record_id": item_id}
              for item_id in disposed["tasking_item_ids"])])
        forget_published(session, metadata.tables["outbox"],
                         [disposed["referral_id"], *disposed["tasking_item_ids"], *notice_ids])
    log.info("referral.disposed_in_notifications", referral_id=disposed["referral_id"],
             notices=len(notice_ids))


def is_disposed(session, payload):
    """Whether the event `payload` is news about a disposed referral or action."""
    named = [(kind, payload.get(f"{kind}_id")) for kind in ("referral", "tasking_item")]
    if payload.get("source_type") and payload.get("source_id"):
        named.append((payload["source_type"], payload["source_id"]))
    named = [(kind, record_id) for kind, record_id in named if record_id]
    if not named:
        return False
    return session.execute(sa.select(disposed_records.c.record_id).where(
        sa.tuple_(disposed_records.c.record_type, disposed_records.c.record_id)
        .in_(named)).limit(1)).first() is not None
