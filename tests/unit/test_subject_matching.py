"""The matcher measured on a labelled set of 390 pairs (tests/data/subject_pairs.csv,
built by tests/data/build_subject_pairs.py): automatic links must be right at least 99
times in 100; everything else that is the same person should reach a coordinator."""
import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from services.referrals.matching import Person, blocking_keys, compare, lookup_keys

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


def test_automatic_links_are_precise_and_most_same_person_pairs_are_found(outcomes):
    tally = Counter((row["same_person"] == "1", result.decision) for row, result in outcomes)
    linked_right, linked_wrong = tally[(True, "link")], tally[(False, "link")]
    same_person = sum(n for (same, _), n in tally.items() if same)
    precision = linked_right / (linked_right + linked_wrong)
    auto_recall = linked_right / same_person
    recall = (linked_right + tally[(True, "review")]) / same_person
    summary = (f"auto-link precision {precision:.3f}, auto-link recall {auto_recall:.3f}, "
               f"recall with the coordinator's queue {recall:.3f}")
    assert precision >= 0.99, summary
    assert auto_recall >= 0.70, summary
    assert recall >= 0.95, summary


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
