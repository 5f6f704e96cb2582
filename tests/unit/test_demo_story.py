"""The demo story's file holds together before any stack plays it: each step is one the
driver knows, each user a demo account, each code the vocabulary's and each ward the
borough's, and each step names only records made earlier. Its promises are in the data:
every agency refers, and the one person's first referral ends in no further action before
another agency refers them (what case review's rules suggest a review for)."""
from datetime import date

import pytest

from shared.vocabulary import AGENCIES, CATEGORIES, LAWFUL_BASES, RISK_LEVELS
from wardline.demo import DEMO_USERS, ward_register
from wardline.demo_story import Story, load_story

STORY = load_story("hackney")
USERS = {u["username"]: u for u in DEMO_USERS}
WARDS = {ward["code"] for ward in ward_register("hackney")}
REFERENCES = ("referral", "action_of", "source", "task", "report")


def agency_of(username):
    return USERS[username].get("agency") or "police"


def test_every_step_is_one_the_driver_plays_by_a_demo_user_in_the_borough():
    for step in STORY["steps"]:
        assert hasattr(Story, f"_{step['do']}"), step["do"]
        assert step.get("by", "coordinator") in USERS, step
        for ward in [step.get("ward"), *step.get("wards", []),
                     *(a["ward"] for a in step.get("actions", []))]:
            assert ward is None or ward in WARDS, ward
        if step["do"] == "refer":
            assert step["category"] in CATEGORIES and step["risk_level"] in RISK_LEVELS
            assert step["lawful_basis"] in LAWFUL_BASES
            assert step["person"] in STORY["people"]
        for action in step.get("actions", []):
            assert action["owner_agency"] in AGENCIES


def test_each_step_names_only_records_made_before_it_and_each_key_once():
    made = set()
    for step in STORY["steps"]:
        for name in REFERENCES:
            if name in step:
                assert step[name] in made, f"{step['do']} names '{step[name]}' before it"
        for action in step.get("actions", []):
            assert action.get("source") is None or action["source"] in made
        keys = [step.get("key"), *(a["key"] for a in step.get("actions", []))]
        for key in filter(None, keys):
            assert key not in made, key
            made.add(key)


def test_every_agency_refers_and_one_person_is_re_referred_after_no_further_action():
    referrals = [s for s in STORY["steps"] if s["do"] == "refer"]
    assert {agency_of(s["by"]) for s in referrals} == set(AGENCIES)
    order = [(s["do"], s.get("key") or s.get("referral"), s.get("decision"))
             for s in STORY["steps"] if s["do"] in ("refer", "triage")]
    jordan = [s["key"] for s in referrals if s["person"] == "jordan"]
    assert len({agency_of(s["by"]) for s in referrals if s["person"] == "jordan"}) == 4
    no_further_action = order.index(("triage", jordan[0], "no_further_action"))
    assert order.index(("refer", jordan[1], None)) > no_further_action


@pytest.mark.parametrize("day, tuesday", [
    (date(2026, 12, 3), date(2026, 12, 1)),   # a Thursday: that week's Tuesday
    (date(2026, 12, 1), date(2026, 12, 1)),   # a Tuesday: itself
    (date(2026, 11, 30), date(2026, 11, 24)),  # a Monday: the week before's
])
def test_a_meeting_is_held_on_the_tuesday_of_its_week(day, tuesday):
    assert Story._tuesday_on_or_before(day) == tuesday
