"""Notification use cases: decide who needs to know, record it once, log the delivery."""
import uuid

import sqlalchemy as sa
import structlog

from services.notifications.content import referral_acknowledgement
from services.notifications.orm import notifications
from shared.db import utcnow

log = structlog.get_logger(__name__)

NOTIFICATIONS_ACTOR = {"username": "notifications", "role": "system", "agency": None}


def acknowledge_referral(event, uow):
    """The referring agency's team hears at once that their referral arrived.
    A redelivered referral.submitted sends nothing more."""
    referral = event.payload
    title, body = referral_acknowledgement(referral)
    with uow:
        if not uow.first_time(event):
            log.info("event.already_applied")
            return None
        notification_id = _deliver(uow, event, f"team:{referral['referring_agency']}",
                                   "referral.acknowledged", title, body,
                                   "referral", referral["referral_id"])
    return notification_id


def _deliver(uow, event, recipient, kind, title, body, source_type, source_id):
    notification_id = str(uuid.uuid4())
    uow.session.execute(notifications.insert().values(
        id=notification_id, event_id=event.event_id, recipient=recipient, kind=kind,
        channel="inbox", title=title, body=body, source_type=source_type,
        source_id=source_id, created_at=utcnow()))
    uow.publish("notification.sent", 1, {
        "notification_id": notification_id, "kind": kind, "recipient": recipient,
        "channel": "inbox", "source_type": source_type, "source_id": source_id,
    }, NOTIFICATIONS_ACTOR)
    log.info("notification.recorded", notification_id=notification_id, kind=kind,
             recipient=recipient, channel="inbox")
    return notification_id


def feedback_for(uow, source_type, source_id):
    """Everything told to anyone about one record, oldest first."""
    with uow:
        rows = uow.session.execute(
            sa.select(notifications).where(notifications.c.source_type == source_type,
                                           notifications.c.source_id == source_id)
            .order_by(notifications.c.created_at))
        return [row._asdict() for row in rows]
