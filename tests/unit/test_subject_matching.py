"""The matcher measured on a labelled set of 480 pairs (tests/data/subject_pairs.csv,
built by tests/data/build_subject_pairs.py): automatic links must be right at least 99
times in 100; everything else that is the same person should reach a coordinator.

The `held_out_*` pairs use names absent from name_variants.yaml, so they measure what the
matcher does with names nobody told it about; they are scored apart from the rest, whose
names the table was written for."""
import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from services.referrals.matching import (Person, _variant_index, blocking_keys, comparable,
                                        compare, lookup_keys)

PAIRS = list(csv.DictReader(
    (Path(__file__).parents[1] / "data" / "subject_pairs.csv").open(encoding="utf-8")))


def person(row, side):
    born = row[f"dob_{side}"]
    return Person(row[f"given_{side}"], row[f"family_{side}"],
                  date.fromisoformat(born) if born else None)


@pytest.fixture(scope="module")
def outcomes():
    return [(row, compare(person(row, "a"), person(row, "b"))) for row in PAIRS]


def test_the_labelled_set_has_at_least_300_pairs_of_every_kind():
    kinds = Counter(row["kind"] for row in PAIRS)
    assert len(PAIRS) >= 300 and len(kinds) >= 12


def held_out(row):
    return row["kind"].startswith("held_out_")


def figures(outcomes):
    tally = Counter((row["same_person"] == "1", result.decision) for row, result in outcomes)
    linked_right, linked_wrong = tally[(True, "link")], tally[(False, "link")]
    same_person = sum(n for (same, _), n in tally.items() if same)
    precision = linked_right / (linked_right + linked_wrong)
    auto_recall = linked_right / same_person
    recall = (linked_right + tally[(True, "review")]) / same_person
    summary = (f"auto-link precision {precision:.3f}, auto-link recall {auto_recall:.3f}, "
               f"recall with the coordinator's queue {recall:.3f}, different people queued "
               f"{tally[(False, 'review')]}")
    return precision, auto_recall, recall, summary


def test_automatic_links_are_precise_and_most_same_person_pairs_are_found(outcomes):
    precision, auto_recall, recall, summary = figures(
        [(row, result) for row, result in outcomes if not held_out(row)])
    assert precision >= 0.99, summary
    assert auto_recall >= 0.70, summary
    assert recall >= 0.95, summary


def test_automatic_links_stay_precise_on_names_the_variants_table_does_not_know(outcomes):
    precision, _, _, summary = figures(outcomes)
    assert precision >= 0.99, "all pairs: " + summary
    precision, _, recall, summary = figures(
        [(row, result) for row, result in outcomes if held_out(row)])
    assert precision >= 0.99, "held out: " + summary
    # Unknown nicknames (Babatunde/Tunde, Francisco/Paco) are beyond plain string
    # likeness; most variants still reach a coordinator. Measured 0.84.
    assert recall >= 0.80, "held out: " + summary


def test_held_out_pairs_use_no_name_from_the_variants_table():
    rows = [row for row in PAIRS if held_out(row)]
    kinds = Counter(row["kind"] for row in rows if row["same_person"] == "1")
    assert sum(kinds.values()) >= 40 and len(kinds) >= 3
    names = {row[f"given_{side}"] for row in rows for side in "ab"}
    assert not {name for name in names if comparable(name) in _variant_index()}


def test_twins_with_rhyming_names_are_queued_never_linked(outcomes):
    held_out_twins = [result for row, result in outcomes if row["kind"] == "held_out_twins"]
    assert held_out_twins and all(r.decision != "link" for r in held_out_twins)


@pytest.mark.parametrize("a, b, decision", [
    ("Jason", "Mason", "review"),     # first letter: another name
    ("Carly", "Carla", "review"),     # last letter: another name
    ("Harley", "Hayley", "review"),   # a letter that changes the sound
    ("Sergei", "Sergey", "link"),     # transliteration
    ("Jessicca", "Jessica", "link"),  # a doubled letter
    ("Kwmae", "Kwame", "link"),       # two letters swapped
])
def test_a_given_name_one_letter_away_links_only_when_it_is_a_slip(a, b, decision):
    born = date(2012, 3, 4)
    assert compare(Person(a, "Okafor", born), Person(b, "Okafor", born)).decision == decision


def test_namesakes_with_other_birth_dates_are_never_linked_or_queued(outcomes):
    for row, result in outcomes:
        if row["kind"] == "namesake_other_birth_date":
            assert result.decision == "none", row


def test_twins_are_never_linked_without_a_person_deciding(outcomes):
    for row, result in outcomes:
        if row["kind"] == "twins":
            assert result.decision != "link", row


@pytest.mark.parametrize("a, b", [
    (("Mohammed", "Rahman", date(2010, 5, 1)), ("Muhammad", "Rahman", None)),
    (("Wei", "Chen", date(2009, 2, 3)), ("Chen", "Wei", date(2009, 2, 3))),
    (("Bill", "Walker", date(2008, 7, 7)), ("William", "Walker", date(2008, 7, 7))),
    (("Jamal", "Okafor", date(2011, 1, 2)), ("Jamal", "Okafor", date(2011, 2, 1))),
])
def test_a_probable_match_shares_a_blocking_key_so_it_is_found_by_index(a, b):
    assert blocking_keys(Person(*a)) & lookup_keys(Person(*b))
