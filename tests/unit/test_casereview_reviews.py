"""Case reviews through the service (worker_factory, in-memory SQL): open -> gathering ->
panel -> published with who and when, illegal moves refused, reviews suggested by a
pattern, candidates decided with reasons, findings and lessons, the published event,
and the swimlane picture with every piece of text escaped."""
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from nameko.testing.services import worker_factory

from services.casereview.orm import metadata
from services.casereview.rules import RuleBook
from services.casereview.service import CaseReviewService
from shared.errors import Conflict, Forbidden, InvalidContent, NotFound
from shared.events import serialize
from shared.testing.memory import InMemoryDatabase
from tests.unit.casereview_story import Story
from tests.unit.test_casereview_chronology import feed

REVIEWER = {"username": "reviewer", "role": "reviewer", "agency": "la-community-safety"}
LESSON = {"agency": "housing", "recommendation": "Acknowledge redirected referrals within "
          "two working days and name a lead officer.", "owner": "Head of tenancy services",
          "due_date": "2027-06-30"}


@pytest.fixture
def db():
    return InMemoryDatabase(metadata)


@pytest.fixture
def service(db):
    return worker_factory(CaseReviewService, uow=db.unit_of_work(), rulebook=RuleBook.load())


def redirected_story():
    """Council refers; the meeting passes it to housing; nothing more is heard."""
    story = Story()
    referral = story.at(0).refer("la-community-safety", category="asb")
    story.at(1).triage(referral, "redirect", reason="Tenancy <matter> & \"ASB\"", to="housing")
    return story


def open_review(service, subject_id):
    return service.open_review({"subject_id": subject_id, "trigger": "serious_incident",
                                "incident_summary": "Stabbed near the estate garages",
                                "incident_date": "2026-06-01"}, REVIEWER)


def test_a_review_moves_open_gathering_panel_published_recording_who_and_when(service, db):
    story = redirected_story()
    feed(service, story.events)
    review = open_review(service, story.subject_id)
    assert review["stage"] == "open" and review["opened_by"] == "reviewer"
    assert db.event_types == ["case_review.opened"]

    service.move_review(review["id"], "gathering", REVIEWER)
    [candidate] = service.missed_opportunities(review["id"], REVIEWER)
    assert candidate["rule"] == "redirect_not_acknowledged"
    assert candidate["entries"] == [story.events[1].event_id]
    service.add_finding(review["id"], {
        "missed_opportunity_id": candidate["id"], "agency": "housing",
        "finding": "The redirect reached housing's team inbox but no lead was named.",
        "lesson": {k: v for k, v in LESSON.items() if k != "agency"}}, REVIEWER)
    service.move_review(review["id"], "panel", {**REVIEWER, "username": "panel.chair"})
    published = service.publish_review(review["id"], REVIEWER)

    assert [(h["stage"], h["by"]) for h in published["history"]] == [
        ("open", "reviewer"), ("gathering", "reviewer"), ("panel", "panel.chair"),
        ("published", "reviewer")]
    assert all(h["at"] for h in published["history"])
    assert published["published_by"] == "reviewer" and published["published_at"]
    [decided] = service.missed_opportunities(review["id"], REVIEWER)
    assert decided["status"] == "confirmed" and decided["decided_by"] == "reviewer"

    assert db.event_types == ["case_review.opened", "case_review.stage_moved",
                              "case_review.finding_recorded", "case_review.stage_moved",
                              "case_review.published"]
    event = db.committed_events[-1]
    serialize(event)  # keeps its contract
    assert event.payload["lessons"][0]["agency"] == "housing"
    assert event.payload["lessons"][0]["due_date"] == date(2027, 6, 30)
    assert set(event.payload["agencies"]) == set(RuleBook.load().partner_agencies)
    assert "Stabbed" not in str(event.payload)  # the incident summary stays here


@pytest.mark.parametrize("moves, illegal", [
    ([], "panel"),                          # open cannot skip gathering
    ([], "suggested"),
    (["gathering"], "open"),                # no going back
    (["gathering", "panel"], "gathering"),
])
def test_illegal_moves_are_refused_with_a_conflict(service, moves, illegal):
    review = open_review(service, Story().subject_id)
    for stage in moves:
        service.move_review(review["id"], stage, REVIEWER)
    with pytest.raises(Conflict):
        service.move_review(review["id"], illegal, REVIEWER)


def test_publishing_needs_panel_every_candidate_decided_and_a_lesson(service):
    story = redirected_story()
    feed(service, story.events)
    review = open_review(service, story.subject_id)
    with pytest.raises(Conflict, match="cannot go from open to published"):
        service.publish_review(review["id"], REVIEWER)
    service.move_review(review["id"], "gathering", REVIEWER)
    [candidate] = service.missed_opportunities(review["id"], REVIEWER)
    service.move_review(review["id"], "panel", REVIEWER)
    with pytest.raises(Conflict, match="Decide every possible missed opportunity"):
        service.publish_review(review["id"], REVIEWER)
    service.decide_missed_opportunity(review["id"], candidate["id"], "dismiss",
                                      {"reason": "Housing took it up by phone; recorded "
                                                 "outside Wardline."}, REVIEWER)
    with pytest.raises(Conflict, match="at least one lesson"):
        service.publish_review(review["id"], REVIEWER)
    service.add_lesson(review["id"], LESSON, REVIEWER)
    assert service.publish_review(review["id"], REVIEWER)["stage"] == "published"
    with pytest.raises(Conflict):  # a published review is the record; it does not change
        service.add_lesson(review["id"], LESSON, REVIEWER)


def test_a_dismissal_needs_a_reason_and_is_kept_when_the_rules_run_again(service):
    story = redirected_story()
    feed(service, story.events)
    review = open_review(service, story.subject_id)
    [candidate] = service.missed_opportunities(review["id"], REVIEWER)
    with pytest.raises(InvalidContent):
        service.decide_missed_opportunity(review["id"], candidate["id"], "dismiss", {},
                                          REVIEWER)
    service.decide_missed_opportunity(review["id"], candidate["id"], "dismiss",
                                      {"reason": "Handled by phone"}, REVIEWER)
    [again] = service.missed_opportunities(review["id"], REVIEWER)
    assert (again["id"], again["status"], again["reason"]) == (
        candidate["id"], "dismissed", "Handled by phone")


def test_a_finding_the_rules_did_not_find_can_be_added(service):
    review = open_review(service, Story().subject_id)
    result = service.add_finding(review["id"], {
        "finding": "School attendance concerns were not shared with the YOT.",
        "agency": "education"}, REVIEWER)
    assert result["findings"][0]["missed_opportunity_id"] is None
    with pytest.raises(InvalidContent) as refused:
        service.add_finding(review["id"], {"finding": "x", "lesson": {
            "recommendation": "r", "owner": "o", "due_date": "2027-01-01"}}, REVIEWER)
    assert "lesson.agency" in refused.value.fields


def test_a_clean_case_review_has_no_candidate(service):
    story = Story()
    referral = story.at(0).refer("yot", risk="high")
    action = story.at(0).raise_action(referral, "yot", due_in_hours=24)
    story.at(0.5).complete(action)
    feed(service, story.events)
    review = open_review(service, story.subject_id)
    assert service.missed_opportunities(review["id"], REVIEWER) == []


def test_a_pattern_suggests_a_review_once_and_a_reviewer_opens_it(service, db):
    story = Story()
    referral = story.at(0).refer("yot", risk="high")
    action = story.at(0).raise_action(referral, "yot", due_in_hours=24)
    story.at(1).overdue(action)
    feed(service, story.events)
    feed(service, Story(story.subject_id).events)
    story.at(2).overdue(action)  # a second overdue notice: no second suggestion
    feed(service, story.events[-1:])
    [suggested] = service.list_reviews(REVIEWER)["items"]
    assert suggested["stage"] == "suggested"
    assert suggested["suggested_by_rule"] == "high_risk_action_overdue"
    assert db.event_types == []  # a suggestion is not a review until a reviewer opens it

    with pytest.raises(InvalidContent):
        service.accept_suggested_review(suggested["id"], {}, REVIEWER)
    opened = service.accept_suggested_review(suggested["id"], {
        "incident_summary": "Admitted to hospital", "incident_date": "2026-03-10"}, REVIEWER)
    assert opened["stage"] == "open" and opened["opened_by"] == "reviewer"
    assert db.event_types == ["case_review.opened"]
    assert db.committed_events[0].payload["suggested_by_rule"] == "high_risk_action_overdue"


def test_a_pattern_that_appears_only_when_two_records_are_linked_suggests_a_review(service):
    """"No further action" on one record of the person, a new referral on another: the
    pattern is in neither record's story alone, and appears when they are linked."""
    first, second = Story(), Story()
    closed = first.at(0).refer("yot")
    first.at(1).triage(closed, "no_further_action", reason="Known to early help")
    second.at(10).refer("la-community-safety")
    feed(service, first.events + second.events)
    assert service.list_reviews(REVIEWER)["items"] == []
    first.at(11).link(second.subject_id)
    feed(service, first.events[-1:])
    [suggested] = service.list_reviews(REVIEWER)["items"]
    assert suggested["suggested_by_rule"] == "re_referred_after_no_further_action"


def test_a_declined_suggestion_is_not_suggested_again_by_the_same_rule(service):
    story = Story()
    referral = story.at(0).refer("yot", risk="high")
    first = story.at(0).raise_action(referral, "yot", due_in_hours=24)
    story.at(1).overdue(first)
    feed(service, story.events)
    [suggested] = service.list_reviews(REVIEWER)["items"]
    service.move_review(suggested["id"], "declined", REVIEWER)
    second = story.at(3).raise_action(referral, "yot", due_in_hours=24)
    story.at(4).overdue(second)
    feed(service, story.events[-2:])
    assert [r["stage"] for r in service.list_reviews(REVIEWER)["items"]] == ["declined"]


def test_reviews_are_listed_newest_first_in_pages(service):
    ids = [open_review(service, Story().subject_id)["id"] for _ in range(3)]
    first = service.list_reviews(REVIEWER, limit=2)
    second = service.list_reviews(REVIEWER, limit=2, cursor=first["next_cursor"])
    assert [r["id"] for r in first["items"] + second["items"]] == ids[::-1]
    assert second["next_cursor"] is None


def test_an_unknown_review_is_not_found(service):
    with pytest.raises(NotFound):
        service.get_review("no-such-review", REVIEWER)


def test_the_timeline_is_paged_oldest_first(service):
    story = redirected_story()
    story.at(3).refer("yot")
    feed(service, story.events)
    review = open_review(service, story.subject_id)
    first = service.timeline(review["id"], REVIEWER, limit=2)
    rest = service.timeline(review["id"], REVIEWER, limit=2, cursor=first["next_cursor"])
    entries = first["items"] + rest["items"]
    assert [e["id"] for e in entries] == [e.event_id for e in story.events]
    assert entries[0]["link"] == f"/api/referrals/{entries[0]['record_id']}"
    assert rest["next_cursor"] is None


def test_the_swimlane_picture_has_a_lane_per_agency_marks_candidates_and_escapes_text(
        service):
    story = redirected_story()
    story.at(2).refer("yot", category="exploitation")
    feed(service, story.events)
    review = open_review(service, story.subject_id)
    found = service.missed_opportunities(review["id"], REVIEWER)
    svg = service.timeline_svg(review["id"], REVIEWER)
    root = ET.fromstring(svg)  # well-formed despite <, & and quotes in a reason
    ns = {"s": "http://www.w3.org/2000/svg"}
    texts = ["".join(t.itertext()) for t in root.iterfind(".//s:text", ns)]
    for lane in ("Local authority community safety", "partnership", "Youth Offending Team"):
        assert lane in texts  # agencies by the vocabulary's names; the partnership as is
    assert any('Tenancy <matter> & "ASB"' in t for t in texts)
    marks = [g for g in root.iterfind(".//s:g", ns) if "mark" in g.get("class", "").split()]
    assert {g.get("data-agency") for g in marks} == {"la-community-safety", "partnership",
                                                      "yot"}
    ringed = {g.get("data-entry-id") for g in marks
              if g.find("s:circle[@class='candidate']", ns) is not None}
    assert root.get("role") == "img" and root.get("aria-label").startswith("Timeline of")
    assert ringed == {entry_id for c in found for entry_id in c["entries"]}
    assert {c["rule"] for c in found} == {"redirect_not_acknowledged",
                                          "multi_agency_referrals_without_completed_action"}
    assert any("Possible missed opportunities (for learning, not blame)" in t for t in texts)
    bare = ET.fromstring(service.timeline_svg(review["id"], REVIEWER, key=False))
    assert not any("for learning, not blame" in "".join(t.itertext())
                   for t in bare.iterfind(".//s:text", ns))  # the page's picture: no key


@pytest.mark.parametrize("role", ["coordinator", "partner", "analyst", "admin", "system"])
def test_the_service_itself_keeps_case_reviews_to_reviewers(service, role):
    """Whatever the caller's route checked: casereview decides from the actor it is given."""
    story = redirected_story()
    feed(service, story.events)
    review = open_review(service, story.subject_id)
    other = {"username": "someone", "role": role, "agency": "la-community-safety"}
    for read in (lambda: service.get_review(review["id"], other),
                 lambda: service.timeline(review["id"], other),
                 lambda: service.timeline_svg(review["id"], other),
                 lambda: service.missed_opportunities(review["id"], other),
                 lambda: service.list_reviews(other)):
        with pytest.raises(Forbidden):
            read()
    with pytest.raises(Forbidden):
        service.open_review({"subject_id": story.subject_id, "trigger": "serious_incident",
                             "incident_summary": "x", "incident_date": "2026-06-01"}, other)


def test_a_review_has_a_reference_people_can_say_which_resolves_to_its_id(service, db):
    story = redirected_story()
    feed(service, story.events)
    first, second = (open_review(service, story.subject_id) for _ in range(2))
    year = first["created_at"][:4]
    assert (first["reference"], second["reference"]) == (f"WL-C-{year}-000001",
                                                         f"WL-C-{year}-000002")
    assert service.get_review(second["id"], REVIEWER)["reference"] == second["reference"]
    assert service.resolve_reference(first["reference"], REVIEWER) == first["id"]
    with pytest.raises(NotFound, match="WL-C-2026-999999"):
        service.resolve_reference("WL-C-2026-999999", REVIEWER)
