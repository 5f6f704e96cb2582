"""The chronology read model in the database: every consumed event is kept in `event_log`
and projected into entries; a rebuild empties the projection and replays the log.

The projection does not depend on the order in which related events arrive (an
intelligence report may come before its PCSO task is known): entries hang on their own
record, and a subject's story is found when it is read, by walking down from the subject
(and every subject record linked to it) through `record_parents`.
"""
from typing import NamedTuple

import sqlalchemy as sa

from services.casereview.chronology import KINDS, Entry, project
from services.casereview.orm import (PROJECTION_TABLES, chronology_entries, event_log,
                                     record_parents, subject_links)
from shared.db import upsert, utcnow
from shared.events import deserialize, serialize


class Recorded(NamedTuple):
    record: tuple  # (type, id) of the record the event is about
    parent: tuple = None  # (type, id) of what that record is about, when this event said


def record(session, event):
    """Keep `event` in the log and apply it to the projection. Returns what it recorded
    (a `Recorded`), or None when it is about no one's chronology."""
    message = serialize(event)
    seq = session.execute(event_log.insert().values(
        event_id=event.event_id, type=event.type, version=event.version,
        occurred_at=event.occurred_at, message=message, received_at=utcnow())
    ).inserted_primary_key[0]
    return apply(session, seq, event, message["payload"])


def apply(session, seq, event, payload_json):
    if event.type == "subject.linked":
        _apply_link(session, event.payload)
        return Recorded(("subject", event.payload["subject_id"]))
    projected = project(event.type, event.payload, event.occurred_at)
    if projected is None:
        return None
    fields, (record_type, record_id), parent = projected
    session.execute(chronology_entries.insert().values(
        id=event.event_id, seq=seq, record_type=record_type, record_id=record_id,
        facts=payload_json, **fields))
    if parent is not None and not _set_parent(session, record_type, record_id, parent):
        parent = None  # an earlier event named the parent: that one stands
    return Recorded((record_type, record_id), parent)


def rebuild(session):
    """Throw the projection away and replay every logged event, in arrival order.
    Returns how many events were replayed. Reviews are untouched."""
    if session.bind.dialect.name == "postgresql":
        # Handlers insert into these tables; waiting for the rebuild keeps them from
        # writing an entry the replay is about to write too.
        names = ", ".join(t.name for t in (event_log, *PROJECTION_TABLES))
        session.execute(sa.text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
    for table in PROJECTION_TABLES:
        session.execute(table.delete())
    replayed = 0
    for row in session.execute(sa.select(event_log.c.seq, event_log.c.message)
                               .order_by(event_log.c.seq)):
        apply(session, row.seq, deserialize(row.message), row.message["payload"])
        replayed += 1
    return replayed


def _apply_link(session, payload):
    upsert(session, subject_links,
           {"link_id": payload["link_id"], "subject_id": payload["subject_id"],
            "linked_subject_id": payload["linked_subject_id"],
            "active": payload["action"] == "linked"},
           key=["link_id"], update=["active"])


def _set_parent(session, record_type, record_id, parent):
    """A record is about one thing for life: the first parent heard of is kept. True when
    this was the first."""
    return upsert(session, record_parents,
                  {"record_type": record_type, "record_id": record_id,
                   "parent_type": parent[0], "parent_id": parent[1]},
                  key=["record_type", "record_id"]).rowcount == 1


def person(session, subject_id):
    """Every subject record joined to `subject_id` by an active link, itself included."""
    group, frontier = {subject_id}, {subject_id}
    while frontier:
        rows = session.execute(sa.select(subject_links.c.subject_id,
                                         subject_links.c.linked_subject_id).where(
            subject_links.c.active.is_(True),
            sa.or_(subject_links.c.subject_id.in_(frontier),
                   subject_links.c.linked_subject_id.in_(frontier))))
        found = {s for row in rows for s in row} - group
        group |= found
        frontier = found
    return group


def chronology(session, subject_id):
    """Every entry about the person `subject_id` is (across linked records), oldest first."""
    # (type, id) -> (parent type, parent id), for every record under the person
    parents = {(row.record_type, row.record_id): (row.parent_type, row.parent_id)
               for row in session.execute(_story_of(person(session, subject_id)))}
    wanted = sorted(record for record in parents if record[0] != "subject")
    if not wanted:
        return []
    # The envelope (actor, causation) stays in the event log, the source of truth: read
    # beside each entry rather than copied into the projection. Whole: taking the two
    # fields out in SQL made PostgreSQL parse each JSON message twice, and the read
    # slower (p50 3.7 against 3.2 ms, 50 entries among 5,000,000; bench/scale.py).
    rows = session.execute(
        sa.select(chronology_entries, event_log.c.message)
        .outerjoin(event_log, event_log.c.event_id == chronology_entries.c.id)
        .where(sa.tuple_(chronology_entries.c.record_type, chronology_entries.c.record_id)
               .in_(wanted)))
    entries = [_entry(row, _referral_of((row.record_type, row.record_id), parents))
               for row in rows]
    # At the same moment, a referral comes before its triage, its actions and their
    # updates, whatever order their events arrived in.
    return sorted(entries, key=lambda e: (e.when, KINDS.index(e.kind), e.seq))


def records_under(session, roots):
    """The records `roots` ((type, id) pairs) and every record under them: a disposed
    referral's own story, its actions and PCSO tasks and their reports."""
    found = set(roots)
    for record_type in {record_type for record_type, _ in roots}:
        ids = [record_id for kind, record_id in roots if kind == record_type]
        found |= {(row.record_type, row.record_id)
                  for row in session.execute(_story_of(ids, record_type))}
    return found


def _story_of(subject_ids, parent_type="subject"):
    """Every record under the subjects (or the records of `parent_type` with those ids),
    with its parent: one recursive query walking down `record_parents` (a referral, its
    actions, their reports...), however deep."""
    down = sa.select(record_parents.c.record_type, record_parents.c.record_id,
                     record_parents.c.parent_type, record_parents.c.parent_id)
    story = down.where(record_parents.c.parent_type == parent_type,
                       record_parents.c.parent_id.in_(sorted(subject_ids))
                       ).cte("story", recursive=True)
    # UNION, not UNION ALL: a record met twice is not walked twice.
    story = story.union(down.join_from(record_parents, story, sa.and_(
        record_parents.c.parent_type == story.c.record_type,
        record_parents.c.parent_id == story.c.record_id)))
    return sa.select(story)


def subjects_about(session, record, parent=None):
    """The subject records a record is ultimately about (walking up its parents, from
    `parent` when the caller knows it)."""
    if parent is not None and record[0] != "subject":
        record = parent
    seen = set()
    while record is not None and record not in seen:
        seen.add(record)
        if record[0] == "subject":
            return {record[1]}
        row = session.execute(sa.select(record_parents.c.parent_type,
                                        record_parents.c.parent_id).where(
            record_parents.c.record_type == record[0],
            record_parents.c.record_id == record[1])).first()
        record = tuple(row) if row else None
    return set()


def _referral_of(record, parents):
    while record is not None:
        if record[0] == "referral":
            return record[1]
        record = parents.get(record)
    return None


def _entry(row, referral_id):
    envelope = row.message or {}
    return Entry(id=row.id, seq=row.seq, when=row.occurred_at, agency=row.agency,
                 kind=row.kind, event_type=row.event_type, summary=row.summary,
                 record_type=row.record_type, record_id=row.record_id, facts=row.facts,
                 referral_id=referral_id, actor=dict(envelope.get("actor") or {}),
                 causation_id=envelope.get("causation_id"))
