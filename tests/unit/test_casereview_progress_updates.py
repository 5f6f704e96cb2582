"""Progress recorded on an action (`tasking_item.updated`) enters the person's chronology,
and, recorded by the agency a referral was redirected to, counts as taking it up."""
from datetime import timedelta

import pytest
from nameko.testing.services import worker_factory

from services.casereview import projection
from services.casereview.orm import metadata
from services.casereview.rules import RuleBook
from services.casereview.service import CaseReviewService
from shared.testing.memory import InMemoryDatabase
from tests.unit.casereview_story import DAY0, RealTasking, Story
from tests.unit.test_casereview_chronology import feed

RULEBOOK = RuleBook.load()
LONG_AFTER = DAY0 + timedelta(days=365)


def chronology_and_candidates(story):
    db = InMemoryDatabase(metadata)
    service = worker_factory(CaseReviewService, uow=db.unit_of_work(), rulebook=RULEBOOK)
    feed(service, story.events)
    with db.unit_of_work() as uow:
        entries = projection.chronology(uow.session, story.subject_id)
    return entries, [c.rule for c in RULEBOOK.find(entries, LONG_AFTER)]


def redirected_to_housing():
    story = Story()
    tasking = RealTasking(story)
    referral = story.at(0).refer("la-community-safety", category="asb")
    [raised] = tasking.hear_last()
    story.at(1).triage(referral, "redirect", reason="Tenancy matter", to="housing")
    tasking.hear_last()
    return story, raised.payload["tasking_item_id"]


def test_progress_on_an_action_is_a_chronology_entry_in_the_owning_agency_s_lane():
    story, action = redirected_to_housing()
    story.at(2).update(action)
    entries, _ = chronology_and_candidates(story)
    [update] = [e for e in entries if e.event_type == "tasking_item.updated"]
    assert (update.kind, update.agency, update.when) == ("update", "housing",
                                                         DAY0 + timedelta(days=2))
    assert update.summary == "Progress recorded on the action owned by housing."
    assert update.link == f"/api/tasking/items/{action}"
    assert update.referral_id == story.events[0].payload["referral_id"]


@pytest.mark.parametrize("by, taken_up", [("housing", True), ("coordinator", False)])
def test_progress_recorded_by_the_receiving_agency_takes_a_redirect_up(by, taken_up):
    """Housing records "visited, tenancy warning issued" on the action passed to it: it
    has taken the referral up. The coordinator noting progress for them has not. (The
    rules file's `acknowledged_by` lists tasking_item.updated; rules.py's default does not.)"""
    story, action = redirected_to_housing()
    story.at(3).update(action, by=by)
    _, rules = chronology_and_candidates(story)
    assert ("redirect_not_acknowledged" not in rules) is taken_up

