"""Every change a reviewer makes to a case review writes its event to casereview's outbox
in the same transaction as the change (the gateway writes the audit trail from it),
naming the review, the person it is about and who made the change, and never a reason's,
a finding's or an unpublished lesson's words; a refused change writes none. Through the
service (worker_factory), on an in-memory SQL database with the real outbox."""
import pytest
from nameko.testing.services import worker_factory

from services.casereview import handlers, repository
from services.casereview.orm import metadata
from services.casereview.rules import RuleBook
from services.casereview.service import CaseReviewService
from shared.db import utcnow
from shared.errors import Conflict, Forbidden, InvalidContent, NotFound
from shared.testing.memory import InMemoryDatabase
from tests.unit.test_casereview_chronology import feed
from tests.unit.test_casereview_reviews import LESSON, REVIEWER, open_review, redirected_story

CHAIR = {"username": "panel.chair", "role": "reviewer", "agency": "la-community-safety"}
REASON = "Mrs Okafor-Reid phoned housing; recorded outside Wardline."
FINDING = "The redirect reached housing's team inbox about Kwame but no lead was named."


@pytest.fixture
def db():
    return InMemoryDatabase(metadata)


@pytest.fixture
def service(db):
    return worker_factory(CaseReviewService, uow=db.unit_of_work(), rulebook=RuleBook.load())


@pytest.fixture
def review(service):
    """A review being gathered, with one possible missed opportunity to decide."""
    story = redirected_story()
    feed(service, story.events)
    review = open_review(service, story.subject_id)
    service.move_review(review["id"], "gathering", REVIEWER)
    [candidate] = service.missed_opportunities(review["id"], REVIEWER)
    return {**review, "candidate_id": candidate["id"]}


def outbox(db):
    """The events the outbox holds, as the relay would publish them."""
    return [row["message"] for row in db.rows("outbox")]


def written_by(db, before, change):
    """Make `change` and return the one event it wrote to the outbox."""
    change()
    new = outbox(db)[before:]
    assert len(new) == 1, [m["type"] for m in new]
    return new[0]


def to_panel_with_a_lesson(service, review):
    service.decide_missed_opportunity(review["id"], review["candidate_id"], "dismiss",
                                      {"reason": REASON}, REVIEWER)
    service.add_lesson(review["id"], LESSON, REVIEWER)
    service.move_review(review["id"], "panel", REVIEWER)


CHANGES = {
    "move": (lambda service, review: service.move_review(review["id"], "panel", CHAIR),
             "case_review.stage_moved", "moved_by",
             {"from_stage": "gathering", "stage": "panel"}),
    "decide": (lambda service, review: service.decide_missed_opportunity(
        review["id"], review["candidate_id"], "confirm", {"reason": REASON}, CHAIR),
        "case_review.missed_opportunity_decided", "decided_by",
        {"missed_opportunity_id": "{candidate_id}", "decision": "confirmed",
         "rule": "redirect_not_acknowledged"}),
    "finding": (lambda service, review: service.add_finding(review["id"], {
        "missed_opportunity_id": review["candidate_id"], "agency": "housing",
        "finding": FINDING, "lesson": {k: v for k, v in LESSON.items() if k != "agency"}},
        CHAIR), "case_review.finding_recorded", "recorded_by",
        {"missed_opportunity_id": "{candidate_id}", "agency": "housing"}),
    "lesson": (lambda service, review: service.add_lesson(review["id"], LESSON, CHAIR),
               "case_review.lesson_recorded", "recorded_by",
               {"agency": "housing", "finding_id": None}),
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_each_change_writes_its_event_with_the_change_naming_review_subject_and_who(
        service, db, review, name):
    change, event_type, by_field, expected = CHANGES[name]
    before = len(outbox(db))
    message = written_by(db, before, lambda: change(service, review))
    assert message["type"] == event_type
    payload = message["payload"]
    assert (payload["case_review_id"], payload["subject_id"]) == (review["id"],
                                                                  review["subject_id"])
    assert payload[by_field] == "panel.chair"
    assert message["actor"] == CHAIR  # the audit row's who
    assert payload.items() >= {k: v.format(**review) if isinstance(v, str) else v
                               for k, v in expected.items()}.items()
    for words in (REASON, FINDING, "Okafor", "Kwame", LESSON["recommendation"]):
        assert words not in str(message), words  # the words stay in casereview


def test_a_finding_names_the_lesson_recorded_with_it(service, db, review):
    before = len(outbox(db))
    message = written_by(db, before, lambda: CHANGES["finding"][0](service, review))
    recorded = service.get_review(review["id"], REVIEWER)
    [finding], [lesson] = recorded["findings"], recorded["lessons"]
    assert message["payload"]["finding_id"] == finding["id"]
    assert message["payload"]["lesson_id"] == lesson["id"]


def test_opening_and_publishing_write_their_events_naming_review_subject_and_who(
        service, db, review):
    [opened] = [m for m in outbox(db) if m["type"] == "case_review.opened"]
    assert (opened["payload"]["case_review_id"], opened["payload"]["subject_id"],
            opened["actor"]) == (review["id"], review["subject_id"], REVIEWER)
    to_panel_with_a_lesson(service, review)
    published = written_by(db, len(outbox(db)),
                           lambda: service.publish_review(review["id"], CHAIR))
    assert published["type"] == "case_review.published"
    assert (published["payload"]["subject_id"], published["actor"]) == (
        review["subject_id"], CHAIR)


REFUSED = [
    ("skipping gathering", Conflict, lambda s, r: s.move_review(r["id"], "published",
                                                                REVIEWER)),
    ("going back", Conflict, lambda s, r: s.move_review(r["id"], "open", REVIEWER)),
    ("declining a review being gathered", Conflict, lambda s, r: s.move_review(
        r["id"], "declined", REVIEWER)),
    ("an unknown stage", InvalidContent, lambda s, r: s.move_review(r["id"], "done",
                                                                    REVIEWER)),
    ("a decision without a reason", InvalidContent, lambda s, r: s.decide_missed_opportunity(
        r["id"], r["candidate_id"], "dismiss", {}, REVIEWER)),
    ("a decision on no candidate", NotFound, lambda s, r: s.decide_missed_opportunity(
        r["id"], "no-such-candidate", "confirm", {"reason": REASON}, REVIEWER)),
    ("a finding from no candidate", NotFound, lambda s, r: s.add_finding(r["id"], {
        "missed_opportunity_id": "no-such-candidate", "finding": FINDING}, REVIEWER)),
    ("a lesson for no agency", InvalidContent, lambda s, r: s.add_lesson(
        r["id"], {k: v for k, v in LESSON.items() if k != "agency"}, REVIEWER)),
    ("a lesson for no finding", NotFound, lambda s, r: s.add_lesson(
        r["id"], {**LESSON, "finding_id": "no-such-finding"}, REVIEWER)),
    ("publishing before panel", Conflict, lambda s, r: s.publish_review(r["id"],
                                                                        REVIEWER)),
    ("someone who is not a reviewer", Forbidden, lambda s, r: s.add_lesson(
        r["id"], LESSON, {**REVIEWER, "role": "coordinator"})),
]


@pytest.mark.parametrize("refused, error, change", REFUSED, ids=[r[0] for r in REFUSED])
def test_a_refused_change_writes_no_event_and_changes_nothing(service, db, review, refused,
                                                              error, change):
    before, as_was = outbox(db), service.get_review(review["id"], REVIEWER)
    with pytest.raises(error):
        change(service, review)
    assert outbox(db) == before
    assert service.get_review(review["id"], REVIEWER) == as_was


def test_a_published_review_refuses_every_change_and_writes_no_event(service, db, review):
    to_panel_with_a_lesson(service, review)
    service.publish_review(review["id"], REVIEWER)
    before = outbox(db)
    for change in (lambda: service.move_review(review["id"], "panel", REVIEWER),
                   lambda: service.decide_missed_opportunity(
                       review["id"], review["candidate_id"], "confirm", {"reason": REASON},
                       REVIEWER),
                   lambda: service.add_finding(review["id"], {"finding": FINDING}, REVIEWER),
                   lambda: service.add_lesson(review["id"], LESSON, REVIEWER),
                   lambda: service.publish_review(review["id"], REVIEWER)):
        with pytest.raises(Conflict):
            change()
    assert outbox(db) == before


def test_the_event_and_the_change_commit_together_or_not_at_all(service, db, review,
                                                                monkeypatch):
    """A failure after the event is written, inside the change's transaction, takes both
    back: no stage moved with no event, and no event for a move that did not happen."""
    before = outbox(db)

    def fails_after_the_change(session, review_id):
        raise RuntimeError("the database went away")
    monkeypatch.setattr(repository, "full", fails_after_the_change)
    with pytest.raises(RuntimeError):
        handlers.move_review(review["id"], "panel", CHAIR, db.unit_of_work(), utcnow())
    monkeypatch.undo()
    assert outbox(db) == before
    assert service.get_review(review["id"], REVIEWER)["stage"] == "gathering"
