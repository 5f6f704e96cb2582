"""Blocking keys decide which subjects are scored at all. Keys under a name's sound and
birth year became keys under its sound and birth date, looked up on the days a typo away:
every pair the year keys found and `compare` links or queues must still be found, and
nothing is found that the year keys did not find."""
import csv
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from services.referrals.matching import (KEY_LENGTH, Person, _compare_birth_dates, _key,
                                        _name_codes, birth_dates_a_typo_away, blocking_keys,
                                        compare, lookup_keys)
from services.referrals.orm import subject_keys
from shared.testing.factories import FAMILY_NAMES, GIVEN_NAMES

PAIRS = list(csv.DictReader(
    (Path(__file__).parents[1] / "data" / "subject_pairs.csv").open(encoding="utf-8")))


def stored_by_birth_year(person):
    """blocking_keys as it was, with `ny:<sound>:<birth year>`."""
    codes = _name_codes(person)
    keys = {f"n:{code}" for code in codes}
    if person.date_of_birth:
        keys.add(f"d:{person.date_of_birth.isoformat()}")
        keys |= {f"ny:{code}:{person.date_of_birth.year}" for code in codes}
    else:
        keys |= {f"nn:{code}" for code in codes}
    return keys


def looked_up_by_birth_year(person):
    """lookup_keys as it was."""
    codes = _name_codes(person)
    if not person.date_of_birth:
        return {f"n:{code}" for code in codes}
    year = person.date_of_birth.year
    return ({f"d:{person.date_of_birth.isoformat()}"}
            | {f"ny:{code}:{year}" for code in codes} | {f"nn:{code}" for code in codes})


def labelled_pairs():
    def person(row, side):
        born = row[f"dob_{side}"]
        return Person(row[f"given_{side}"], row[f"family_{side}"],
                      date.fromisoformat(born) if born else None)
    for row in PAIRS:
        yield person(row, "a"), person(row, "b")
        yield person(row, "b"), person(row, "a")


def namesakes_born_near(count=4000, seed=7):
    """Pairs sharing a name sound, born the same day, a typo away, another day of the
    year, another year, or with no date: the cases the keys tell apart."""
    rng = random.Random(seed)
    for _ in range(count):
        born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 25000))
        other = rng.choice([
            born, None, born + timedelta(days=rng.randint(-40, 40)),
            born.replace(day=min(born.month, 28), month=min(born.day, 12)),
            rng.choice(sorted(birth_dates_a_typo_away(born)) or [born]),
            date(born.year + rng.choice([-1, 1]), born.month, min(born.day, 28))])
        new = Person(rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES),
                     rng.choice([born] * 9 + [None]))
        known = Person(rng.choice([new.given_name, rng.choice(GIVEN_NAMES)]),
                       rng.choice([new.family_name, rng.choice(FAMILY_NAMES)]), other)
        yield new, known


@pytest.mark.parametrize("pairs", [labelled_pairs, namesakes_born_near])
def test_the_keys_find_every_pair_the_birth_year_keys_found_that_compare_links_or_queues(
        pairs):
    checked = 0
    for new, known in pairs():
        found = bool(blocking_keys(known) & lookup_keys(new))
        found_before = bool(stored_by_birth_year(known) & looked_up_by_birth_year(new))
        assert found_before or not found, (new, known)
        if found_before and compare(new, known).decision != "none":
            assert found, (new, known)
            checked += 1
    assert checked >= 100


@pytest.mark.parametrize("year", [1900, 2000, 2011, 2012])
def test_the_days_a_typo_away_are_the_days_of_the_year_compare_calls_a_typo(year):
    days = [date(year, 1, 1) + timedelta(days=n) for n in range(366)]
    days = [day for day in days if day.year == year]
    for born in days:
        assert birth_dates_a_typo_away(born) == {
            day for day in days if _compare_birth_dates(born, day) == "typo"}, born


def test_a_namesake_born_another_day_of_the_year_is_no_longer_looked_up():
    new = Person("Jamal", "Okafor", date(2011, 3, 4))
    for typo in (date(2011, 3, 5), date(2011, 4, 3)):  # a digit; day and month swapped
        assert blocking_keys(Person("Jamal", "Okafor", typo)) & lookup_keys(new)
    assert not blocking_keys(Person("Jamal", "Okafor", date(2011, 9, 2))) & lookup_keys(new)


@pytest.mark.parametrize("name", ["张" * 100, "Łąkowska-" * 11 + "z", "x" * 100, "Ng"])
def test_every_key_fits_its_column_however_long_the_name(name):
    """A 100-character name in another script transliterates to hundreds of letters; its
    keys must still fit `subject_keys.key`, or the referral could not be stored."""
    person = Person(given_name=name, family_name=name, date_of_birth=date(2009, 3, 14))
    undated = Person(given_name=name, family_name=name)
    keys = blocking_keys(person) | lookup_keys(person) | blocking_keys(undated) \
        | lookup_keys(undated)
    assert max(len(key) for key in keys) <= subject_keys.c.key.type.length == KEY_LENGTH
    # Cut or not, the same person is still found under the keys they were stored with.
    assert blocking_keys(person) & lookup_keys(person)
    assert blocking_keys(undated) & lookup_keys(undated)


def test_a_key_that_fitted_its_column_before_it_was_cut_is_kept_whole():
    """Subjects already stored under a long name's keys are still found: only keys that
    never fitted the column (and so were never stored) are cut."""
    sound = "X" * 117  # the longest sound both of an undated subject's keys could hold
    undated = Person(given_name="x", family_name="x")
    assert {_key("n", sound), _key("nn", sound)} == {f"n:{sound}", f"nn:{sound}"}
    assert _key("nd", "X" * 106, "2009-03-14") == f"nd:{'X' * 106}:2009-03-14"
    assert len(_key("nd", "X" * 300, "2009-03-14")) == KEY_LENGTH
    assert blocking_keys(undated) == {f"{kind}:{code}" for kind in ("n", "nn")
                                      for code in _name_codes(undated)}
