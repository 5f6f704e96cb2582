"""Missed-opportunity rules: each fires on its pattern, citing the entries that show it,
and stays silent on the near miss beside it; a clean case yields no candidate. Histories
go through the real projection (in-memory SQL), as they would in the service."""
from datetime import timedelta

import pytest
from nameko.testing.services import worker_factory

from services.casereview import projection
from services.casereview.orm import metadata
from services.casereview.rules import RULES, RuleBook
from services.casereview.service import CaseReviewService
from shared.testing.memory import InMemoryDatabase
from tests.unit.casereview_story import DAY0, RealTasking, Story
from tests.unit.test_casereview_chronology import feed

RULEBOOK = RuleBook.load()
LONG_AFTER = DAY0 + timedelta(days=365)


def candidates(story, as_of=LONG_AFTER, rulebook=RULEBOOK):
    """(rule names found, the candidates, the chronology) for a story, judged at `as_of`."""
    db = InMemoryDatabase(metadata)
    service = worker_factory(CaseReviewService, uow=db.unit_of_work(), rulebook=rulebook)
    feed(service, story.events)
    with db.unit_of_work() as uow:
        entries = projection.chronology(uow.session, story.subject_id)
    found = rulebook.find(entries, as_of)
    return [c.rule for c in found], found, entries


def cited_types(candidate, entries):
    by_id = {e.id: e for e in entries}
    return [by_id[i].event_type for i in candidate.entry_ids]


def clean_case():
    """A high-risk referral, actioned within 24 hours and completed on time; intelligence
    gathered and fed back within 14 days; closed."""
    story = Story()
    referral = story.at(0).refer("yot", risk="high")
    story.at(0).triage(referral, "accept")
    action = story.at(0).raise_action(referral, "yot", due_in_hours=24)
    story.at(0.5).complete(action)
    task = story.at(1).task_pcso("referral", referral)
    report = story.at(3).intelligence(task)
    story.at(10).feedback(report, task)
    story.at(30).close(referral, outcome="Engaged with the early-intervention panel")
    return story


def test_the_shipped_configuration_enables_every_rule_with_its_parameters():
    assert set(RULEBOOK.rules) == set(RULES)
    assert RULEBOOK.rules["re_referred_after_no_further_action"] == {"within_days": 60}
    assert RULEBOOK.rules["intelligence_without_feedback"] == {"within_days": 14}
    assert "housing" in RULEBOOK.partner_agencies


def test_a_clean_case_has_no_candidate():
    rules, _, entries = candidates(clean_case())
    assert len(entries) == 8
    assert rules == []


# --- referrals from two or more agencies with no completed action ----------------------

def test_referrals_from_two_agencies_with_no_completed_action_are_a_candidate():
    story = Story()
    school = story.at(0).refer("education")
    story.at(1).triage(school, "accept")
    story.at(1).raise_action(school, "education", due_in_hours=24 * 7)
    story.at(20).refer("health")
    rules, [found], entries = candidates(story)
    assert rules == ["multi_agency_referrals_without_completed_action"]
    assert cited_types(found, entries) == ["referral.submitted", "tasking_item.raised",
                                           "referral.submitted"]
    assert "education, health" in found.summary


@pytest.mark.parametrize("near_miss", ["one_agency_twice", "an_action_completed"])
def test_multi_agency_rule_near_misses(near_miss):
    story = Story()
    first = story.at(0).refer("education")
    if near_miss == "one_agency_twice":
        story.at(20).refer("education")
    else:
        action = story.at(1).raise_action(first, "education", due_in_hours=24 * 7)
        story.at(3).complete(action)
        story.at(20).refer("health")
    rules, _, _ = candidates(story)
    assert "multi_agency_referrals_without_completed_action" not in rules


def test_an_action_closed_by_a_no_further_action_decision_is_not_an_action_completed():
    """The school refers; tasking raises its action; triage decides no further action and
    tasking closes the action with that reason; health refers later. Two agencies were
    worried and nobody acted: the automatic closing must not hide it."""
    story = Story()
    tasking = RealTasking(story)
    school = story.at(0).refer("education")
    tasking.hear_last()
    story.at(2).triage(school, "no_further_action", reason="Attendance only")
    [closed] = tasking.hear_last()
    assert closed.type == "tasking_item.completed"
    story.at(20).refer("health")
    tasking.hear_last()
    rules, found, entries = candidates(story)
    assert "multi_agency_referrals_without_completed_action" in rules
    assert "tasking_item.completed" in [e.event_type for e in entries]


def test_an_action_an_agency_completed_after_others_closed_with_no_further_action_counts():
    story = Story()
    tasking = RealTasking(story)
    school = story.at(0).refer("education")
    tasking.hear_last()
    story.at(2).triage(school, "no_further_action", reason="Attendance only")
    tasking.hear_last()
    story.at(20).refer("health")
    [raised] = tasking.hear_last()
    story.at(22).complete(raised.payload["tasking_item_id"])  # by someone of its owner
    assert "multi_agency_referrals_without_completed_action" not in candidates(story)[0]


def test_the_number_of_agencies_is_a_parameter():
    story = Story()
    story.at(0).refer("education")
    story.at(1).refer("health")
    strict = RuleBook({"multi_agency_referrals_without_completed_action": {"min_agencies": 3}})
    assert candidates(story, rulebook=strict)[0] == []


# --- a high-risk referral whose action went overdue ---------------------------------------

def test_a_high_risk_referral_whose_action_went_overdue_is_a_candidate():
    story = Story()
    referral = story.at(0).refer("yot", risk="high")
    action = story.at(0).raise_action(referral, "yot", due_in_hours=24)
    story.at(1).overdue(action)
    story.at(4).complete(action)
    rules, [found], entries = candidates(story)
    assert rules == ["high_risk_action_overdue"]
    assert cited_types(found, entries) == ["referral.submitted", "tasking_item.raised",
                                           "tasking_item.overdue", "tasking_item.completed"]
    assert "completed after its due date" in found.summary


def test_an_action_still_open_past_its_due_date_counts_without_an_overdue_event():
    """The rule reads due dates itself, so it does not depend on tasking's timer."""
    story = Story()
    referral = story.at(0).refer("yot", risk="high")
    story.at(0).raise_action(referral, "yot", due_in_hours=24)
    assert candidates(story, as_of=DAY0 + timedelta(hours=25))[0] == ["high_risk_action_overdue"]
    assert candidates(story, as_of=DAY0 + timedelta(hours=23))[0] == []


@pytest.mark.parametrize("risk, completed_after_hours", [
    ("high", 23),     # done in time
    ("medium", 100),  # late, but not a high-risk referral
])
def test_overdue_rule_near_misses(risk, completed_after_hours):
    story = Story()
    referral = story.at(0).refer("yot", risk=risk)
    action = story.at(0).raise_action(referral, "yot", due_in_hours=24)
    story.at(completed_after_hours / 24).complete(action)
    assert "high_risk_action_overdue" not in candidates(story)[0]


def test_a_reassigned_action_is_judged_against_its_new_due_date():
    story = Story()
    referral = story.at(0).refer("yot", risk="high")
    action = story.at(0).raise_action(referral, "yot", due_in_hours=24)
    story.at(0.5).assign(action, "housing", due_in_hours=72)
    story.at(2).complete(action)
    assert "high_risk_action_overdue" not in candidates(story)[0]


# --- closed with no further action, then re-referred within 60 days ----------------------

def test_a_re_referral_within_60_days_of_no_further_action_is_a_candidate():
    story = Story()
    first = story.at(0).refer("la-community-safety", category="asb")
    story.at(2).triage(first, "no_further_action", reason="No evidence of ongoing ASB")
    story.at(2).close(first, outcome="No further action", previous_status="no_further_action")
    story.at(61).refer("la-community-safety", category="asb")
    rules, [found], entries = candidates(story)
    assert rules == ["re_referred_after_no_further_action"]
    assert cited_types(found, entries) == ["referral.triaged", "referral.submitted"]
    assert "la-community-safety referred the person again 59 day(s) later" in found.summary


@pytest.mark.parametrize("near_miss", ["after_61_days", "accepted_not_nfa"])
def test_re_referral_near_misses(near_miss):
    story = Story()
    first = story.at(0).refer("la-community-safety", category="asb")
    story.at(2).triage(first, "accept" if near_miss == "accepted_not_nfa"
                       else "no_further_action")
    story.at(2 + (61 if near_miss == "after_61_days" else 30)).refer("housing")
    assert "re_referred_after_no_further_action" not in candidates(story)[0]


# --- intelligence with no feedback within 14 days ----------------------------------------

def test_intelligence_with_no_feedback_within_14_days_is_a_candidate():
    story = Story()
    referral = story.at(0).refer("yot", risk="medium")
    task = story.at(1).task_pcso("referral", referral)
    story.at(3).intelligence(task)
    rules, [found], entries = candidates(story)
    assert rules == ["intelligence_without_feedback"]
    assert cited_types(found, entries) == ["intelligence.submitted"]


def test_late_feedback_is_a_candidate_too():
    story = Story()
    referral = story.at(0).refer("yot")
    task = story.at(1).task_pcso("referral", referral)
    report = story.at(3).intelligence(task)
    story.at(20).feedback(report, task)
    rules, [found], _ = candidates(story)
    assert rules == ["intelligence_without_feedback"]
    assert "17 days later" in found.summary


@pytest.mark.parametrize("feedback_day, as_of_day", [
    (16, 400),    # feedback on day 13 after the report
    (None, 16),   # none yet, but only 13 days have passed
])
def test_intelligence_near_misses(feedback_day, as_of_day):
    story = Story()
    referral = story.at(0).refer("yot")
    task = story.at(1).task_pcso("referral", referral)
    report = story.at(3).intelligence(task)
    if feedback_day:
        story.at(feedback_day).feedback(report, task)
    found = candidates(story, as_of=DAY0 + timedelta(days=as_of_day))[0]
    assert "intelligence_without_feedback" not in found


def test_intelligence_about_someone_else_is_not_in_the_chronology():
    story, other = Story(), Story()
    story.at(0).refer("yot")
    elsewhere = other.at(0).refer("health")
    task = other.at(1).task_pcso("referral", elsewhere)
    other.at(2).intelligence(task)
    story.events.extend(other.events)
    assert "intelligence_without_feedback" not in candidates(story)[0]


# --- a redirected referral the receiving agency never acknowledged ----------------------

def test_a_redirect_the_receiving_agency_never_took_up_is_a_candidate():
    story = Story()
    referral = story.at(0).refer("la-community-safety", category="asb")
    story.at(1).triage(referral, "redirect", reason="Tenancy matter", to="housing")
    rules, [found], entries = candidates(story)
    assert rules == ["redirect_not_acknowledged"]
    assert cited_types(found, entries) == ["referral.triaged"]
    assert "passed to housing" in found.summary


@pytest.mark.parametrize("near_miss", ["housing_acknowledged", "housing_raised_an_action",
                                       "still_within_7_days"])
def test_redirect_near_misses(near_miss):
    story = Story()
    referral = story.at(0).refer("la-community-safety", category="asb")
    story.at(1).triage(referral, "redirect", reason="Tenancy matter", to="housing")
    as_of = LONG_AFTER
    if near_miss == "housing_acknowledged":
        story.at(2).acknowledge(referral, "housing")
    elif near_miss == "housing_raised_an_action":
        action = story.at(3).raise_action(referral, "housing", due_in_hours=24 * 7)
        story.at(5).complete(action)
    else:
        as_of = DAY0 + timedelta(days=6)
    assert "redirect_not_acknowledged" not in candidates(story, as_of=as_of)[0]


def redirected_to_housing():
    """The real sequence, nothing more: the council refers ASB, tasking's routing rules
    raise the action for council community safety, triage passes the referral to housing,
    and tasking moves the action to housing at once (filed in housing's lane)."""
    story = Story()
    tasking = RealTasking(story)
    referral = story.at(0).refer("la-community-safety", category="asb")
    [raised] = tasking.hear_last()
    story.at(1).triage(referral, "redirect", reason="Tenancy matter", to="housing")
    [moved] = tasking.hear_last()
    assert (moved.type, moved.payload["owner_agency"]) == ("tasking_item.assigned", "housing")
    return story, referral, raised.payload["tasking_item_id"]


def test_tasking_moving_the_action_at_the_redirect_is_not_housing_taking_it_up():
    story, _, _ = redirected_to_housing()
    rules, [found], entries = candidates(story)
    assert [(e.event_type, e.agency) for e in entries] == [
        ("referral.submitted", "la-community-safety"),
        ("tasking_item.raised", "la-community-safety"),
        ("referral.triaged", "partnership"),
        ("tasking_item.assigned", "housing")]
    assert rules == ["redirect_not_acknowledged"]
    assert cited_types(found, entries) == ["referral.triaged"]


@pytest.mark.parametrize("step", ["acknowledges", "passes_the_action_to_a_named_officer",
                                  "completes_the_action"])
def test_a_step_housing_takes_itself_is_taking_the_redirect_up(step):
    story, referral, action = redirected_to_housing()
    story.at(3)
    if step == "acknowledges":
        story.acknowledge(referral, "housing")
    elif step == "passes_the_action_to_a_named_officer":
        story.assign(action, "housing", owner_user="housing.officer", by="housing")
    else:
        story.complete(action)
    assert "redirect_not_acknowledged" not in candidates(story)[0]


@pytest.mark.parametrize("step", ["coordinator_assigns_to_housing_by_hand",
                                  "another_agency_acknowledges", "housing_acts_too_late"])
def test_steps_that_are_not_housing_taking_the_redirect_up(step):
    story, referral, action = redirected_to_housing()
    if step == "coordinator_assigns_to_housing_by_hand":
        story.at(3).assign(action, "housing", due_in_hours=48)  # the coordinator's step
    elif step == "another_agency_acknowledges":
        story.at(3).acknowledge(referral, "police")
    else:
        story.at(9).acknowledge(referral, "housing")  # 8 days after the redirect
    assert "redirect_not_acknowledged" in candidates(story)[0]


def test_the_coordinator_is_not_the_police_taking_up_a_redirect_to_the_police():
    """Coordinators' accounts carry the agency `police`, but they act for the partnership."""
    story = Story()
    tasking = RealTasking(story)
    referral = story.at(0).refer("la-community-safety", category="asb")
    [raised] = tasking.hear_last()
    story.at(1).triage(referral, "redirect", reason="Criminal damage", to="police")
    tasking.hear_last()
    story.at(2).assign(raised.payload["tasking_item_id"], "police", due_in_hours=24)
    assert "redirect_not_acknowledged" in candidates(story)[0]


def test_an_action_by_another_agency_is_not_the_receiving_agency_taking_it_up():
    story = Story()
    referral = story.at(0).refer("la-community-safety", category="asb")
    story.at(1).triage(referral, "redirect", reason="Tenancy matter", to="housing")
    action = story.at(2).raise_action(referral, "police", due_in_hours=24 * 7)
    story.at(3).complete(action)
    assert "redirect_not_acknowledged" in candidates(story)[0]


# --- configuration ----------------------------------------------------------------------

def test_a_rule_can_be_switched_off_and_an_unknown_rule_is_refused(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  redirect_not_acknowledged: {enabled: false}\n"
                    "  intelligence_without_feedback: {within_days: 3}\n")
    assert RuleBook.load(path).rules == {"intelligence_without_feedback": {"within_days": 3}}
    path.write_text("rules:\n  blame_someone: {}\n")
    with pytest.raises(ValueError, match="unknown missed-opportunity rule 'blame_someone'"):
        RuleBook.load(path)


def test_candidate_wording_is_about_learning_not_blame():
    story = Story()  # one history in which every rule finds something
    a = story.at(0).refer("education", risk="high")
    action = story.at(0).raise_action(a, "education", due_in_hours=24)
    story.at(2).overdue(action)
    story.at(3).triage(a, "redirect", to="housing")
    b = story.at(4).refer("health")
    story.at(5).triage(b, "no_further_action")
    story.at(30).refer("yot")
    task = story.at(6).task_pcso("referral", b)
    story.at(7).intelligence(task)
    _, found, _ = candidates(story)
    assert len({c.rule for c in found}) == 5
    for candidate in found:
        text = candidate.summary.lower()
        assert not any(word in text for word in ("fail", "fault", "blame", "negligen",
                                                 "should have"))
        assert any(word in text for word in ("opportunity", "chance", "could"))


def test_only_events_that_can_complete_a_suggesting_pattern_reread_the_chronology():
    """The default book suggests on an overdue high-risk action and a re-referral after no
    further action: raising an action or noting intelligence cannot complete either."""
    assert RULEBOOK.may_suggest_after("tasking_item.overdue")
    assert RULEBOOK.may_suggest_after("tasking_item.completed")
    assert RULEBOOK.may_suggest_after("referral.submitted")
    assert RULEBOOK.may_suggest_after("referral.triaged")
    assert not RULEBOOK.may_suggest_after("tasking_item.raised")
    assert not RULEBOOK.may_suggest_after("intelligence.noted")


def test_a_rule_with_no_triggering_event_is_tried_after_every_event():
    """A redirect left untaken is noticed as days pass, with no event of its own."""
    book = RuleBook(RULEBOOK.rules, ("redirect_not_acknowledged",), ())
    assert book.may_suggest_after("tasking_item.raised")
    assert not RuleBook(RULEBOOK.rules, (), ()).may_suggest_after("referral.submitted")


def test_every_trigger_names_a_known_rule():
    from services.casereview.rules import TRIGGERS
    assert set(TRIGGERS) <= set(RULES)
