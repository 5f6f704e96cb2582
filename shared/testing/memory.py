"""A real unit of work on an in-memory SQLite database, for unit tests that need no
broker and no server but should exercise the same SQL and the same outbox."""
import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from shared.db import UnitOfWork, session_factory


class InMemoryDatabase:
    def __init__(self, metadata):
        self.metadata = metadata
        self.engine = sa.create_engine("sqlite://", poolclass=StaticPool,
                                       connect_args={"check_same_thread": False})
        metadata.create_all(self.engine)
        self.sessions = session_factory(self.engine)
        self.committed_events = []

    def unit_of_work(self, consumer="test.consumer", correlation_id="test-correlation"):
        uow = UnitOfWork(self.sessions, self.metadata, consumer=consumer,
                         correlation_id=correlation_id)
        uow.events = self.committed_events  # every commit's events, for assertions
        return uow

    def rows(self, table_name):
        with self.engine.connect() as conn:
            return [r._asdict() for r in conn.execute(sa.select(self.metadata.tables[table_name]))]

    @property
    def event_types(self):
        return [event.type for event in self.committed_events]
