"""The chronology read model: built from realistic multi-agency histories, complete and
in time order, following subject links both ways, idempotent, and rebuilt by replay to
exactly the same chronology. Real SQL on an in-memory database; no broker."""
import random

import pytest
from nameko.testing.services import worker_factory

from services.casereview import projection
from services.casereview.chronology import KINDS, PROJECTIONS
from services.casereview.orm import metadata
from services.casereview.rules import RuleBook
from services.casereview.service import CaseReviewService
from shared.events import all_contracts
from shared.testing.memory import InMemoryDatabase
from tests.unit.casereview_story import Story, new_id


@pytest.fixture
def db():
    return InMemoryDatabase(metadata)


@pytest.fixture
def service(db):
    return worker_factory(CaseReviewService, uow=db.unit_of_work(),
                          rulebook=RuleBook.load())


def feed(service, events):
    """Each event to the handler that subscribes to its type, as the broker would."""
    handlers = _handlers_by_type()
    for event in events:
        getattr(service, handlers[event.type])(event)


def _handlers_by_type():
    found = {}
    for name in dir(CaseReviewService):
        for entrypoint in getattr(getattr(CaseReviewService, name), "nameko_entrypoints", ()):
            if hasattr(entrypoint, "event_type"):
                found[entrypoint.event_type] = name
    return found


def chronology(db, subject_id):
    with db.unit_of_work() as uow:
        return projection.chronology(uow.session, subject_id)


def multi_agency_story():
    """A young man's year: school and YOT refer him, the tasking meeting acts, an action
    is passed to housing, a PCSO is tasked and files intelligence that is fed back, the
    first referral is closed, and probation refers him later."""
    story = Story()
    school = story.at(0).refer("education", risk="medium")
    story.at(1).triage(school, "accept")
    visit = story.at(1).raise_action(school, "education", due_in_hours=24 * 7)
    story.at(3).assign(visit, "yot", due_in_hours=24 * 5)
    yot = story.at(5).refer("yot", risk="high")
    story.at(5).triage(yot, "accept")
    panel = story.at(5).raise_action(yot, "yot", due_in_hours=24)
    story.at(6).complete(panel)
    task = story.at(6).task_pcso("referral", yot)
    story.at(7).complete(visit)
    report = story.at(9).intelligence(task)
    story.at(10).grade(report)
    story.at(15).feedback(report, task)
    story.at(20).close(school, outcome="Attendance improved")
    story.at(40).refer("probation", risk="standard", category="offender_management")
    return story


def test_the_chronology_has_every_agency_s_contact_with_the_person_in_time_order(service,
                                                                                 db):
    story = multi_agency_story()
    feed(service, story.events)
    entries = chronology(db, story.subject_id)
    assert len(entries) == len(story.events)  # complete: every event is an entry
    assert [e.id for e in entries] == [e.event_id for e in sorted(
        story.events, key=lambda e: e.occurred_at)]  # oldest first, ties as they happened
    assert {e.agency for e in entries} == {"education", "yot", "probation", "partnership",
                                           "police"}
    assert {e.kind for e in entries} >= {"referral", "triage", "tasking_item", "update",
                                          "pcso_task", "intelligence_report", "feedback"}
    # Intelligence hangs on the PCSO task, which hangs on the YOT referral.
    intel = next(e for e in entries if e.event_type == "intelligence.submitted")
    assert intel.referral_id and intel.link == f"/api/intelligence/{intel.record_id}"
    assert all(e.summary and "None" not in e.summary for e in entries)


def test_each_entry_carries_who_took_the_step_and_what_caused_it(service, db):
    """The rules read the envelope's actor and causation beside each entry (an action
    closed because triage said no further action is not an action completed)."""
    story = multi_agency_story()
    triage = next(e for e in story.events if e.type == "referral.triaged")
    caused = [e.caused_by(triage) if e.type == "tasking_item.completed" else e
              for e in story.events]
    feed(service, caused)
    sent = {e.event_id: e for e in caused}
    entries = chronology(db, story.subject_id)
    assert [(e.actor, e.causation_id) for e in entries] == [
        (sent[e.id].actor, sent[e.id].causation_id) for e in entries]
    assert {e.causation_id for e in entries} == {None, triage.event_id}
    assert all(e.actor.get("role") for e in entries)


def test_events_arriving_out_of_order_still_make_the_same_chronology(service, db):
    """Queues are per event type, so an intelligence report may arrive before its task."""
    story = multi_agency_story()
    shuffled = story.events[:]
    random.Random(7).shuffle(shuffled)
    feed(service, shuffled)
    in_order_db = InMemoryDatabase(metadata)
    feed(worker_factory(CaseReviewService, uow=in_order_db.unit_of_work(),
                        rulebook=RuleBook.load()), story.events)
    assert _comparable(chronology(db, story.subject_id)) == _comparable(
        chronology(in_order_db, story.subject_id))


def test_a_redelivered_event_adds_nothing(service, db):
    story = Story()
    story.refer("yot")
    feed(service, story.events + story.events)
    assert len(chronology(db, story.subject_id)) == 1
    assert len(db.rows("event_log")) == 1


def test_linked_subject_records_share_one_chronology_until_unlinked(service, db):
    first, second = Story(), Story()
    first.at(0).refer("yot")
    second.at(2).refer("health", risk="high")
    feed(service, first.events + second.events)
    assert len(chronology(db, first.subject_id)) == 1

    link_id = first.link(second.subject_id)
    feed(service, first.events[-1:])
    for subject in (first.subject_id, second.subject_id):
        assert [e.agency for e in chronology(db, subject)] == ["yot", "health"]

    first.link(second.subject_id, action="unlinked", link_id=link_id)
    feed(service, first.events[-1:])
    assert [e.agency for e in chronology(db, first.subject_id)] == ["yot"]
    assert [e.agency for e in chronology(db, second.subject_id)] == ["health"]


def test_links_join_a_chain_of_subject_records(service, db):
    a, b, c = Story(), Story(), Story()
    a.refer("yot"), b.refer("health"), c.refer("housing")
    a.link(b.subject_id)
    c.link(b.subject_id)
    feed(service, a.events + b.events + c.events)
    assert {e.agency for e in chronology(db, a.subject_id)} == {"yot", "health", "housing"}


def test_rebuilding_from_the_event_log_gives_the_same_chronology(service, db):
    story = multi_agency_story()
    other = Story()
    other.refer("housing")
    story.link(other.subject_id)
    feed(service, story.events + other.events)
    before = _comparable(chronology(db, story.subject_id))

    assert service.rebuild_chronology() == {"replayed": len(story.events) + 1}
    assert _comparable(chronology(db, story.subject_id)) == before
    # From nothing at all: the projection emptied by hand, then replayed.
    with db.unit_of_work() as uow:
        for table in ("chronology_entries", "record_parents", "subject_links"):
            uow.session.execute(metadata.tables[table].delete())
    assert chronology(db, story.subject_id) == []
    service.rebuild_chronology()
    assert _comparable(chronology(db, story.subject_id)) == before


def test_every_event_type_in_the_chronology_has_a_contract_and_a_handler():
    contracts = {c.type for c in all_contracts()}
    handled = set(_handlers_by_type())
    assert set(PROJECTIONS) <= contracts
    # subject.linked joins chronologies; referral.disposed removes from them
    assert set(PROJECTIONS) | {"subject.linked", "referral.disposed"} == handled
    assert {p.kind for p in PROJECTIONS.values()} <= set(KINDS)


def test_an_entry_names_no_person():
    """Events carry ids, never names: so do summaries (the subject is not mentioned)."""
    story = multi_agency_story()
    db = InMemoryDatabase(metadata)
    feed(worker_factory(CaseReviewService, uow=db.unit_of_work(), rulebook=RuleBook.load()),
         story.events)
    assert all(story.subject_id not in e.summary for e in chronology(db, story.subject_id))


def test_an_unknown_subject_has_an_empty_chronology(db):
    assert chronology(db, new_id()) == []


def _comparable(entries):
    return [(e.id, e.when, e.agency, e.kind, e.summary,
             e.record_type, e.record_id, e.referral_id) for e in entries]


def test_a_record_keeps_the_first_parent_it_was_given(db):
    with db.sessions() as session, session.begin():
        assert projection._set_parent(session, "tasking_item", "t1", ("referral", "r1"))
        assert not projection._set_parent(session, "tasking_item", "t1", ("referral", "r2"))
        assert projection.subjects_about(session, ("tasking_item", "t1")) == set()
    assert db.rows("record_parents") == [{"record_type": "tasking_item", "record_id": "t1",
                                          "parent_type": "referral", "parent_id": "r1"}]


def test_the_walk_down_a_subject_s_records_ends_even_where_parents_go_round(db):
    """Records that name each other in a ring (bad data, never written by the handlers)
    are each found once, and the walk ends."""
    with db.sessions() as session, session.begin():
        for record, parent in [(("referral", "r1"), ("subject", "s1")),
                               (("tasking_item", "t1"), ("referral", "r1")),
                               (("intelligence_report", "i1"), ("tasking_item", "t1")),
                               (("subject", "s1"), ("intelligence_report", "i1"))]:
            projection._set_parent(session, *record, parent)
        story = sorted((row.record_type, row.record_id)
                       for row in session.execute(projection._story_of({"s1"})))
    assert story == [("intelligence_report", "i1"), ("referral", "r1"), ("subject", "s1"),
                     ("tasking_item", "t1")]


def test_a_referrals_entry_names_its_reference_when_its_event_carried_one(service, db):
    from shared.events import Event, deserialize, serialize

    story = Story()
    story.at(0).refer("yot")  # v1, from before references
    subject_id = story.subject_id
    with_reference = Event("referral.submitted", 3, {
        **story.events[0].payload, "referral_id": new_id(), "reference": "WL-R-2026-000123"},
        occurred_at=story.now, actor=story.events[0].actor)
    feed(service, [*story.events, deserialize(serialize(with_reference))])
    concern = "young person at risk, medium risk, ward dalston."
    assert sorted(e.summary for e in chronology(db, subject_id)) == [
        f"Referral WL-R-2026-000123 from yot: {concern}", f"Referral from yot: {concern}"]
