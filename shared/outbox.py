"""The outbox relay: moves committed events from a service's outbox table to the bus.

An event is marked sent only after the broker confirmed it. A crash between the confirm
and the mark republishes it on restart; consumers drop the copy by its event_id.
"""
import sqlalchemy as sa
import structlog

from shared.bus import events_exchange
from shared.db import utcnow

log = structlog.get_logger(__name__)


class OutboxRelay:
    def __init__(self, engine, outbox_table, publisher, source_service, batch_size=100):
        self.engine = engine
        self.outbox = outbox_table
        self.publisher = publisher
        self.exchange = events_exchange(source_service)
        self.batch_size = batch_size

    def publish_pending(self):
        """Publish one batch of unsent events; return how many were published."""
        outbox = self.outbox
        with self.engine.begin() as conn:
            # SKIP LOCKED lets several replicas' relays share the table without
            # publishing the same row twice.
            rows = conn.execute(
                sa.select(outbox.c.id, outbox.c.type, outbox.c.message)
                .where(outbox.c.published_at.is_(None))
                .order_by(outbox.c.id).limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            # The whole batch goes out, then its confirms are awaited together.
            self.publisher.publish_many(self.exchange, [
                (row.type, row.message,
                 {"nameko.correlation_id": row.message.get("correlation_id") or ""})
                for row in rows])
            if rows:
                conn.execute(outbox.update()
                             .where(outbox.c.id.in_([row.id for row in rows]))
                             .values(published_at=utcnow()))
        if rows:
            log.debug("outbox.published", count=len(rows))
        return len(rows)

    def publish_all_pending(self):
        total = 0
        while True:
            published = self.publish_pending()
            total += published
            if published < self.batch_size:
                return total

    def unpublished_count(self):
        with self.engine.connect() as conn:
            return unpublished_count(conn, self.outbox)


def unpublished_count(connection, outbox):
    """Events committed and not yet published: the relay's backlog (a /metrics figure)."""
    return int(connection.execute(sa.select(sa.func.count()).select_from(outbox)
                                  .where(outbox.c.published_at.is_(None))).scalar_one())


def forget_published(session, outbox_table, record_ids):
    """Delete the published outbox rows whose message names any of `record_ids`: a disposed
    record's events, once on the bus, need not be kept, and their free text (a triage
    reason, an action's title) may name the person. Unpublished rows stay: they still have
    to go out, and their consumers dispose of what they keep."""
    ids = [str(i) for i in record_ids if i]
    if not ids:
        return 0
    text = sa.cast(outbox_table.c.message, sa.String)
    return session.execute(outbox_table.delete().where(
        outbox_table.c.published_at.is_not(None),
        sa.or_(*[text.like(f'%"{record_id}"%') for record_id in ids]))).rowcount
