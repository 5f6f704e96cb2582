"""Email: queued with the notification, in the same transaction, then sent by a timer
that retries with backoff and finally marks a message failed for an admin to see.
A person chooses immediate mail, a daily digest, or none."""
import uuid
from collections import defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import structlog

from services.notifications.links import absolute
from services.notifications.mailer import MailCannotBeBuilt, MailNotSent
from services.notifications.orm import emails, notifications
from shared.db import utcnow

log = structlog.get_logger(__name__)
LONDON = ZoneInfo("Europe/London")
ACTOR = {"username": "notifications", "role": "system", "agency": None}


def email_for(notification_id, person, digest_time, now=None):
    """The `emails` row that queues the email copy of a person's notification (`person`:
    their directory entry, `repository.contact_of`), or None if they have no address,
    want no mail, or their account is disabled (`user.saved` with active false: the
    notice stays in their inbox, should the account be enabled again). The unique key
    (notification, person) keeps it to one."""
    now = now or utcnow()
    if person is None or not person.email or person.email_mode == "off" \
            or not person.active:
        return None
    due = now if person.email_mode == "immediate" else next_digest_at(now, digest_time)
    return dict(id=str(uuid.uuid4()), notification_id=notification_id,
                username=person.username, address=person.email, mode=person.email_mode,
                status="pending", attempts=0, next_attempt_at=due)


def next_digest_at(now, digest_time):
    """The next daily digest moment (London time) after `now`."""
    local = now.astimezone(LONDON)
    moment = datetime.combine(local.date(), digest_time, tzinfo=LONDON)
    return moment if moment > local else moment + timedelta(days=1)


def send_due(uow, mailer, max_attempts, public_url, now=None):
    """Send every email that is due: one message per immediate email, one digest per
    person for their digest emails, each notice ending with the address of its record's
    page under `public_url`. Each send commits on its own, and rows are locked with SKIP
    LOCKED, so replicas never send one message twice."""
    now = now or utcnow()
    with uow:
        due = uow.session.execute(
            sa.select(emails.c.id, emails.c.username, emails.c.mode)
            .where(emails.c.status == "pending", emails.c.next_attempt_at <= now)
            .order_by(emails.c.next_attempt_at).limit(200)).all()
    batches = defaultdict(list)
    for row in due:
        batches[(row.username, row.id) if row.mode == "immediate" else (row.username,)].append(
            row.id)
    sent = 0
    for ids in batches.values():
        sent += _send_batch(uow, mailer, ids, max_attempts, public_url, now)
    return sent


def _send_batch(uow, mailer, ids, max_attempts, public_url, now):
    with uow:
        rows = uow.session.execute(
            sa.select(emails, notifications.c.title, notifications.c.body,
                      notifications.c.link)
            .join(notifications, notifications.c.id == emails.c.notification_id)
            .where(emails.c.id.in_(ids), emails.c.status == "pending")
            .order_by(notifications.c.created_at)
            .with_for_update(of=emails, skip_locked=True)).all()
        if not rows:
            return 0
        subject, body = _message(rows, public_url)
        try:
            mailer.send(rows[0].address, subject, body)
        except MailNotSent as exc:
            _retry_later(uow.session, rows, str(exc), max_attempts, now)
            return 0
        except MailCannotBeBuilt as exc:  # never sendable: failed at once, for an admin
            uow.session.execute(emails.update().where(emails.c.id.in_([r.id for r in rows]))
                                .values(attempts=rows[0].attempts + 1, status="failed",
                                        last_error=f"cannot be built: {exc}"[:500]))
            log.warning("email.cannot_be_built", count=len(rows), error=str(exc))
            return 0
        uow.session.execute(emails.update().where(emails.c.id.in_([r.id for r in rows]))
                            .values(status="sent", sent_at=utcnow(), attempts=rows[0].attempts + 1))
        # One event per message sent: a digest's notices are listed together.
        uow.publish("notification.sent", 2, {
            "channel": "email", "source_type": None, "source_id": None,
            "source_event_id": None,
            "deliveries": [{"notification_id": row.notification_id, "kind": "email",
                            "recipient": f"user:{row.username}"} for row in rows]}, ACTOR)
    log.info("email.sent", count=len(rows), mode=rows[0].mode)
    return len(rows)


def _message(rows, public_url):
    if len(rows) == 1 and rows[0].mode == "immediate":
        return f"Wardline: {rows[0].title}", _with_link(rows[0], public_url)
    parts = [f"{row.title}\n{'-' * len(row.title)}\n{_with_link(row, public_url)}"
             for row in rows]
    return f"Wardline daily digest: {len(rows)} update(s)", "\n\n".join(parts)


def _with_link(row, public_url):
    """A notice's body, ending with where to open its record: an email reader is not in
    the web app, so the link is made absolute."""
    if not row.link:
        return row.body
    return f"{row.body}\n\nOpen it in Wardline: {absolute(public_url, row.link)}"


def _retry_later(session, rows, error, max_attempts, now):
    attempts = rows[0].attempts + 1
    failed = attempts >= max_attempts
    delay = timedelta(seconds=min(2 ** attempts, 3600))
    session.execute(emails.update().where(emails.c.id.in_([r.id for r in rows])).values(
        attempts=attempts, last_error=error, status="failed" if failed else "pending",
        next_attempt_at=now + delay))
    log.warning("email.failed" if failed else "email.retry_later", attempts=attempts,
                error=error, retry_in=None if failed else delay.total_seconds())


def failed_emails(session, limit):
    """What an admin needs to put mail right: no notification bodies (case data)."""
    rows = session.execute(
        sa.select(emails.c.id, emails.c.username, emails.c.address, emails.c.attempts,
                  emails.c.last_error, emails.c.next_attempt_at, notifications.c.kind)
        .join(notifications, notifications.c.id == emails.c.notification_id)
        .where(emails.c.status == "failed").order_by(emails.c.next_attempt_at.desc())
        .limit(limit))
    return [row._asdict() for row in rows]


def parse_digest_time(text):
    hour, minute = (int(part) for part in text.split(":"))
    return time(hour, minute)
