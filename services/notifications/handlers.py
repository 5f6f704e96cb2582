"""Notification use cases, RPC and events alike, each inside one unit of work: decide who
needs to know, record each notification once, and queue its email (the delivery log is
`notification.sent`); a person's inbox; the contact directory and email choices."""
import uuid

import sqlalchemy as sa
import structlog

from services.notifications import disposal, emailing, repository
from services.notifications.content import context_for, render
from services.notifications.links import link_for
from services.notifications.orm import emails, notifications
from services.notifications.recipients import recipients_for
from shared.db import utcnow
from shared.errors import Forbidden

log = structlog.get_logger(__name__)

NOTIFICATIONS_ACTOR = {"username": "notifications", "role": "system", "agency": None}


def notify(event, uow, digest_time):
    """Everyone the rules name hears about `event`, once each, however often it arrives."""
    with uow:
        if not uow.first_time(event):
            log.info("event.already_applied")
            return []
        if disposal.is_disposed(uow.session, event.payload):
            log.info("notification.about_disposed_record")
            return []
        event = repository.with_referring_side(uow.session, event)
        context = context_for(event, repository.coordinator_contact(uow.session))
        deliveries = [_deliver(uow, event, recipient, context, digest_time)
                      for recipient in recipients_for(event, repository.People(uow.session))]
        # Written together: one statement for the inbox rows and one for the emails,
        # whoever many people the event concerns.
        _insert_all(uow.session, notifications, [row for row, _ in deliveries])
        _insert_all(uow.session, emails, [mail for _, mail in deliveries if mail])
        _log_deliveries(uow, event, [row for row, _ in deliveries])
        return [row["id"] for row, _ in deliveries]


def _insert_all(session, table, rows):
    if rows:
        session.execute(table.insert(), rows)


def _deliver(uow, event, recipient, context, digest_time):
    """The inbox row and email (or None) of one recipient's notification, its
    `notification.sent` queued with them."""
    # One look-up of the person serves both the wording and their email choice.
    contact = repository.contact_of(uow.session, recipient.username)
    audience = repository.audience_of(recipient.address, contact)
    title, body = render(recipient.template, audience, context)
    notification_id = str(uuid.uuid4())
    source_type, source_id = _source(event.payload)
    row = dict(id=notification_id, event_id=event.event_id, recipient=recipient.address,
               kind=recipient.kind, channel="inbox", title=title, body=body,
               source_type=source_type, source_id=source_id,
               link=link_for(event.type, event.payload), created_at=utcnow())
    mail = emailing.email_for(notification_id, contact, digest_time)
    log.info("notification.recorded", notification_id=notification_id, kind=recipient.kind,
             recipient=recipient.address)
    return row, mail


def _log_deliveries(uow, event, rows):
    """One `notification.sent` for every inbox notice the event caused, not one each:
    the delivery log says the same in one message (issue 21), with the source event."""
    if not rows:
        return
    uow.publish("notification.sent", 2, {
        "channel": "inbox", "source_type": rows[0]["source_type"],
        "source_id": rows[0]["source_id"], "source_event_id": event.event_id,
        "deliveries": [{"notification_id": row["id"], "kind": row["kind"],
                        "recipient": row["recipient"]} for row in rows],
    }, NOTIFICATIONS_ACTOR)


SOURCES = ("referral", "tasking_item", "pcso_task", "intelligence_report", "case_review",
           "ward_priority")


def _source(payload):
    """The record a notification is about: the first `<type>_id` the payload names."""
    for source_type in SOURCES:
        if payload.get(f"{source_type}_id"):
            return source_type, payload[f"{source_type}_id"]
    return None, None


FEEDBACK_READERS = frozenset({"coordinator", "sergeant", "pcso", "analyst", "reviewer"})


def feedback_for(source_type, source_id, recipient, actor, uow):
    """What `recipient` (the referring agency's team) was told about one record: for that
    agency's own people, and for the partnership roles who read the record whole. Another
    agency that may read the record (it owns an action on it) reads none of it."""
    own_team = actor["role"] == "partner" and recipient == f"agency:{actor.get('agency')}"
    if not own_team and actor["role"] not in FEEDBACK_READERS:
        return []
    with uow:
        rows = uow.session.execute(
            sa.select(notifications).where(notifications.c.source_type == source_type,
                                           notifications.c.source_id == source_id,
                                           notifications.c.recipient == recipient)
            .order_by(notifications.c.created_at))
        return [row._asdict() for row in rows]


# --- accounts, the inbox and the directory -------------------------------------------

def keep_contact(event, uow):
    """An account saved at the gateway becomes (or updates) its directory contact, once."""
    with uow:
        if uow.first_time(event):
            repository.save_account(uow.session, event.payload)
        else:
            log.info("event.already_applied")


def list_inbox(actor, unread_only, limit, cursor, uow):
    with uow:
        return repository.list_inbox(uow.session, actor, unread_only, limit, cursor)


def mark_read(notification_id, actor, uow):
    with uow:
        return repository.mark_read(uow.session, notification_id, actor)


def set_email_preference(actor, mode, uow):
    with uow:
        return repository.set_email_mode(uow.session, actor["username"], mode)


def list_directory(ward, agency, limit, cursor, uow, inactive=False):
    with uow:
        return repository.list_directory(uow.session, ward, agency, limit, cursor, inactive)


def add_directory_entry(payload, actor, uow):
    with uow:
        return repository.add_entry(uow.session, payload, actor)


def confirm_directory_entry(contact_id, actor, uow):
    """Each person keeps their own entry fresh ("last checked"); the admin keeps everyone's,
    contacts without an account included."""
    with uow:
        entry = repository.directory_entry(uow.session, contact_id)
        if actor["role"] != "admin" and entry["username"] != actor["username"]:
            raise Forbidden("You can confirm only your own directory entry.")
        return repository.confirm_entry(uow.session, contact_id, actor)


def failed_emails(limit, uow):
    with uow:
        return emailing.failed_emails(uow.session, limit)
