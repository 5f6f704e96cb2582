"""Referral intake rules: validation a partner can act on, and one subject per person."""
from datetime import date, timedelta

import pytest

from services.referrals.domain import may_read_referral, normalise_name, subject_match_key
from shared.contracts.referrals import SubmitReferralSchema, unknown_ward
from shared.errors import load_or_refuse
from shared.errors import InvalidContent
from shared.testing.factories import referral_payload

WARDS = {"dalston", "homerton", "hackney-central", "clissold"}


def errors_for(payload):
    with pytest.raises(InvalidContent) as refused:
        load_or_refuse(SubmitReferralSchema, payload, more_errors=unknown_ward(WARDS))
    return refused.value.fields


@pytest.mark.parametrize("a, b", [
    ("Zoë O'Neil", "zoe oneil"),
    ("Smith-Jones", "SMITH JONES"),
    ("  Seán ", "sean"),
])
def test_case_accents_punctuation_and_spacing_do_not_matter(a, b):
    assert normalise_name(a) == normalise_name(b)


def test_non_latin_names_are_kept_not_erased():
    assert normalise_name("Мария") == "мария"


def test_same_name_different_birth_date_is_a_different_person():
    assert (subject_match_key("Jamal", "Okafor", date(2009, 1, 1))
            != subject_match_key("Jamal", "Okafor", date(2010, 1, 1)))


def test_a_birth_date_in_the_future_is_refused():
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    fields = errors_for(referral_payload(subject={"given_name": "A", "family_name": "B",
                                                  "date_of_birth": tomorrow}))
    assert fields == {"subject.date_of_birth": ["Must not be in the future."]}


def test_an_unknown_ward_is_refused_pointing_at_the_register():
    assert "GET /api/wards" in errors_for(referral_payload(ward="atlantis"))["ward"][0]


def test_an_unknown_category_lists_the_allowed_ones():
    message = errors_for(referral_payload(category="graffiti"))["category"][0]
    assert "youth_at_risk" in message and "exploitation" in message


def test_oversized_text_is_refused_with_the_limit():
    assert errors_for(referral_payload(summary="x" * 501))["summary"] == [
        "Must be at most 500 characters."]


def test_handling_code_c_needs_its_conditions():
    fields = errors_for(referral_payload(handling_code="C"))
    assert "conditions" in fields["handling_conditions"][0]


def test_a_valid_referral_defaults_to_handling_code_p():
    assert load_or_refuse(SubmitReferralSchema, referral_payload(ward="dalston"),
                          more_errors=unknown_ward(WARDS))["handling_code"] == "P"


@pytest.mark.parametrize("role, agency, referring_agency, allowed", [
    ("partner", "yot", "yot", True),
    ("partner", "health", "yot", False),
    ("coordinator", "police", "health", True),
    ("admin", None, "yot", False),
    ("panel", None, "yot", False),
])
def test_need_to_know_on_referrals(role, agency, referring_agency, allowed):
    referral = {"referring_agency": referring_agency, "redirect_to_agency": None,
                "ward": "dalston", "referred_by": "someone"}
    assert may_read_referral({"role": role, "agency": agency, "username": "u"},
                             referral) is allowed
