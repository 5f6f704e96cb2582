"""One vocabulary (shared/vocabulary.py), and every context's wording keyed off it: this is
the test that fails when a new code lacks its wording somewhere (docs/recipes.md). Each
context must word every code of its list, and word nothing that is not a code."""
import pytest

from services.casereview import chronology
from services.notifications import content
from services.tasking import domain as tasking_domain
from services.tasking.routing import RoutingRules
from shared import vocabulary
from shared.contracts import referrals as referral_contract
from shared.events import referrals as referral_events
from shared.events import tasking as tasking_events

ROUTING = RoutingRules.load()

CONTEXTS = [
    ("tasking: an action's title", tasking_domain.CATEGORY_WORDS, vocabulary.CATEGORIES),
    ("tasking: who owns a referral's action", ROUTING.owner_by_category, vocabulary.CATEGORIES),
    ("tasking: when it falls due", ROUTING.due_by_risk, vocabulary.RISK_LEVELS),
    ("tasking: the agenda's order", tasking_domain.RISK_ORDER, vocabulary.RISK_LEVELS),
    ("emails: the concern", content.CONCERNS, vocabulary.CATEGORIES),
    ("emails: what happens next", content.NEXT_STEP, vocabulary.RISK_LEVELS),
    ("emails: agency names", content.AGENCY_NAMES, vocabulary.AGENCIES),
    ("emails: how intelligence was used", content.USAGES, vocabulary.FEEDBACK_USAGES),
    ("chronology: the concern", chronology.CONCERNS, vocabulary.CATEGORIES),
    ("chronology: how intelligence was used", chronology.USAGES, vocabulary.FEEDBACK_USAGES),
]


@pytest.mark.parametrize("context, wording, codes", CONTEXTS, ids=[c[0] for c in CONTEXTS])
def test_every_context_words_every_code_and_nothing_else(context, wording, codes):
    assert set(wording) == set(codes), (
        f"{context}: missing {sorted(set(codes) - set(wording))}, "
        f"not codes {sorted(set(wording) - set(codes))}")


def test_the_chronology_draws_every_kind_of_entry_the_vocabulary_names():
    from services.casereview.timeline import KIND_COLOURS
    assert set(chronology.KINDS) == set(vocabulary.ENTRY_KINDS) == set(KIND_COLOURS)


def test_every_agency_a_category_is_routed_to_is_an_agency():
    owners = set(ROUTING.owner_by_category.values()) - {"referring_agency"}
    assert owners <= set(vocabulary.AGENCIES)


def test_the_contracts_and_events_validate_with_the_vocabularys_codes():
    assert referral_events.CATEGORIES is vocabulary.CATEGORIES
    assert referral_events.RISK_LEVELS is vocabulary.RISK_LEVELS
    assert referral_contract.LAWFUL_BASES is vocabulary.LAWFUL_BASES
    assert referral_contract.HANDLING_CODES is vocabulary.HANDLING_CODES
    assert tasking_events.FEEDBACK_USAGES is vocabulary.FEEDBACK_USAGES


def test_the_served_vocabulary_lists_each_code_once_with_a_label():
    served = vocabulary.as_json()
    assert set(served) == {"roles", "agencies", "categories", "risk_levels", "lawful_bases",
                           "handling_codes", "source_evaluations", "intelligence_assessments",
                           "feedback_usages", "review_stages", "entry_kinds"}
    for name, terms in served.items():
        codes = [term["code"] for term in terms]
        assert len(codes) == len(set(codes)), name
        assert all(term["label"].strip() for term in terms), name
    assert {"code": "asb", "label": "Anti-social behaviour"} in served["categories"]
