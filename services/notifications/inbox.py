"""The in-app inbox: a person's own notifications and their agency team's, newest first,
each read or unread for that person."""

import sqlalchemy as sa

from services.notifications.orm import notification_reads, notifications
from shared.db import utcnow
from shared.errors import NotFound
from shared.paging import decode_cursor, page


def addresses(actor):
    mine = [f"user:{actor['username']}"]
    return mine + ([f"agency:{actor['agency']}"] if actor.get("agency") else [])


def list_inbox(session, actor, unread_only, limit, cursor):
    read = sa.select(notification_reads.c.read_at).where(
        notification_reads.c.notification_id == notifications.c.id,
        notification_reads.c.username == actor["username"]).scalar_subquery()
    query = (sa.select(notifications.c.id, notifications.c.recipient, notifications.c.kind,
                       notifications.c.title, notifications.c.body,
                       notifications.c.source_type, notifications.c.source_id,
                       notifications.c.created_at, read.label("read_at"))
             .where(notifications.c.recipient.in_(addresses(actor)))
             .order_by(notifications.c.created_at.desc(), notifications.c.id.desc())
             .limit(limit + 1))
    if unread_only:
        query = query.where(read.is_(None))
    after = decode_cursor(cursor, 2, ("time", "text"))
    if after:
        query = query.where(sa.tuple_(notifications.c.created_at, notifications.c.id)
                            < sa.tuple_(sa.literal(after[0],
                                                   notifications.c.created_at.type),
                                        sa.literal(after[1])))
    rows = [row._asdict() for row in session.execute(query)]
    return page(rows, limit, lambda r: (r["created_at"].isoformat(), r["id"]))


def mark_read(session, notification_id, actor):
    """Mark one of the caller's notifications read (again is harmless)."""
    found = session.execute(sa.select(notifications.c.id).where(
        notifications.c.id == notification_id,
        notifications.c.recipient.in_(addresses(actor)))).first()
    if found is None:
        raise NotFound("No such notification in your inbox.", {"id": [notification_id]})
    already = session.execute(sa.select(notification_reads.c.read_at).where(
        notification_reads.c.notification_id == notification_id,
        notification_reads.c.username == actor["username"])).scalar()
    if already is None:
        already = utcnow()
        session.execute(notification_reads.insert().values(
            notification_id=notification_id, username=actor["username"], read_at=already))
    return {"id": notification_id, "read_at": already}
