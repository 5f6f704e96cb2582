"""Is this the same person? Scoring two subject records for the Partnership Triage Unit's
question: the same young person referred by three agencies must be seen as one person.

Plain rules over rapidfuzz (string distances), jellyfish (phonetic codes) and anyascii
(transliteration), with no database. Two decisions come out:
- `link`: linked at once. Only when birth dates are equal and each name is the same name
  (equal, a known variant or nickname, a transliteration, or a single typo in a long name),
  in order or swapped. Built to keep automatic links almost never wrong.
- `review`: queued for a coordinator, who confirms or rejects. Phonetic likeness, a missing
  birth date or a birth date that looks mistyped lands here.
Different birth dates (not a likely typo) are never linked or queued.
"""
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import jellyfish
import yaml
from anyascii import anyascii
from rapidfuzz.distance import OSA, JaroWinkler

from services.referrals.domain import normalise_name

REVIEW_THRESHOLD = {"same": 0.80, "missing": 0.86, "typo": 0.90}
"""Lowest name score queued for a coordinator, by how the birth dates compare."""

TYPO_MIN_LENGTH = 5  # shorter names differ by one letter too often (Jon/Jan, Ann/Anne)


@dataclass(frozen=True)
class Person:
    given_name: str
    family_name: str
    date_of_birth: object = None  # a date, or None when not known


@dataclass
class Comparison:
    decision: str  # "link", "review" or "none"
    score: float
    reasons: list = field(default_factory=list)


def compare(a, b):
    """How alike two people's records are, and what should happen about it."""
    dob = _compare_birth_dates(a.date_of_birth, b.date_of_birth)
    if dob == "different":
        return Comparison("none", 0.0, ["different dates of birth"])
    # Twins share a family name and a birth date, so a given name one letter away is
    # held to the stricter test (swapped names too: either may be a given name).
    in_order = (_name_likeness(a.given_name, b.given_name, given=True),
                _name_likeness(a.family_name, b.family_name))
    swapped = (_name_likeness(a.given_name, b.family_name, given=True),
               _name_likeness(a.family_name, b.given_name, given=True))
    given, family = max(in_order, swapped, key=_score)
    score = round(_score((given, family)), 3)
    reasons = [f"given name: {given.why}", f"family name: {family.why}",
               f"date of birth: {dob}"]
    if (given, family) == swapped and swapped != in_order:
        reasons.append("given and family names swapped")
    if dob == "same" and given.exact_enough and family.exact_enough:
        return Comparison("link", score, reasons)
    if score >= REVIEW_THRESHOLD[dob]:
        return Comparison("review", score, reasons)
    return Comparison("none", score, reasons)


@dataclass(frozen=True)
class _Likeness:
    score: float
    exact_enough: bool
    why: str


def _score(pair):
    given, family = pair
    return (given.score * family.score) ** 0.5


def _name_likeness(x, y, given=False):
    a, b = comparable(x), comparable(y)
    if not a or not b:
        return _Likeness(0.0, False, "missing")
    if a == b:
        return _Likeness(1.0, True, "same")
    if _variant_groups(a) & _variant_groups(b):
        return _Likeness(0.96, True, "known variant or nickname")
    if min(len(a), len(b)) >= TYPO_MIN_LENGTH and OSA.distance(a, b) <= 1:
        if given:
            typo = _a_slip_of_the_keyboard(a, b)
        else:  # Louis/Louise, Paul/Paula: a last letter added is another name
            typo = a[:-1] != b and b[:-1] != a
        return _Likeness(0.95, typo, "one letter different")
    similarity = JaroWinkler.normalized_similarity(a, b)
    if jellyfish.metaphone(a) == jellyfish.metaphone(b):
        return _Likeness(max(similarity, 0.9), False, "sounds the same")
    return _Likeness(similarity, False, f"{similarity:.2f} alike")


def _a_slip_of_the_keyboard(a, b):
    """Whether two given names one letter apart are safely one name. Parents name twins
    that way, so not when the first letter differs (Jason/Mason, Kayla/Layla), nor the
    last (Louis/Louise, Dario/Daria, Carly/Carla), nor a letter replaced by one that
    changes the sound (Harley/Hayley, Ronan/Rowan). Such pairs go to a coordinator."""
    if a[0] != b[0]:
        return False
    if a[-1] != b[-1] and {a[-1], b[-1]} != {"i", "y"}:  # Sergei/Sergey: transliteration
        return False
    if len(a) == len(b) and sorted(a) != sorted(b):  # a replaced letter, not two swapped
        return jellyfish.metaphone(a) == jellyfish.metaphone(b)
    return True


def _compare_birth_dates(x, y):
    if x is None or y is None:
        return "missing"
    if x == y:
        return "same"
    a, b = x.strftime("%Y%m%d"), y.strftime("%Y%m%d")
    one_digit = sum(p != q for p, q in zip(a, b)) == 1
    day_month_swapped = (x.year, x.month, x.day) == (y.year, y.day, y.month)
    return "typo" if one_digit or day_month_swapped else "different"


@lru_cache(maxsize=100_000)
def comparable(name):
    """Plain Latin letters only: transliterated, then normalised (case, accents, marks)."""
    return normalise_name(anyascii(normalise_name(name)))


@lru_cache(maxsize=1)
def _variant_index():
    groups = yaml.safe_load(Path(__file__).with_name("name_variants.yaml").read_text())
    index = {}
    for number, group in enumerate(groups):
        for name in group:
            index.setdefault(comparable(name), set()).add(number)
    return index


def _variant_groups(name):
    return _variant_index().get(name, set())


def blocking_keys(person):
    """Index keys stored with a subject, so candidates are found by index lookups and
    never by scoring every subject: birth date, and each name's sound with that birth
    date; names alone for the rarer search without a birth date."""
    codes = _name_codes(person)
    keys = {_key("n", code) for code in codes}
    if person.date_of_birth:
        born = person.date_of_birth.isoformat()
        keys.add(f"d:{born}")
        keys |= {_key("nd", code, born) for code in codes}
    else:
        keys |= {_key("nn", code) for code in codes}
    return keys


def lookup_keys(person):
    """Keys under which this person's possible matches are stored: anyone born the same
    day; a shared name sound born on a day `compare` calls a typo of this one; a shared
    name sound with no birth date. A namesake born on any other day is not looked up:
    `compare` would answer "none" for them, and at scale they crowded real candidates
    out of the CANDIDATES_PER_LOOKUP scored (a name sound and birth year held ~1,000 of
    1,000,000 subjects)."""
    codes = _name_codes(person)
    if not person.date_of_birth:
        return {_key("n", code) for code in codes}
    mistyped = birth_dates_a_typo_away(person.date_of_birth)
    return ({f"d:{person.date_of_birth.isoformat()}"}
            | {_key("nd", code, day.isoformat()) for code in codes for day in mistyped}
            | {_key("nn", code) for code in codes})


def birth_dates_a_typo_away(born):
    """The other days of `born`'s year that `compare` takes for a typo of it: one digit of
    month or day mistyped, or day and month swapped. Every such day differs from `born`
    in one digit of its month and day (the year is the same), so trying each digit in
    each place, plus the swap, finds them all; `_compare_birth_dates` has the last word.
    A typo in the year was never looked up (keys were per birth year) and still is not."""
    month_day = born.strftime("%m%d")
    guesses = {(born.day, born.month)}
    for place in range(len(month_day)):
        for digit in "0123456789":
            typed = month_day[:place] + digit + month_day[place + 1:]
            guesses.add((int(typed[:2]), int(typed[2:])))
    days = set()
    for month, day in guesses:
        try:
            guess = date(born.year, month, day)
        except ValueError:  # no such day (month 13, 31 June, 29 February of 2011)
            continue
        if _compare_birth_dates(born, guess) == "typo":
            days.add(guess)
    return frozenset(days)


KEY_LENGTH = 120
"""`subject_keys.key`'s length. A 100-character name in another script can transliterate to
400 letters, so a name's sound is cut to what fits beside its key's prefix and birth date;
every key that fitted before is kept whole, so nothing stored needs rewriting, and names
whose first hundred-odd letters sound alike are candidates anyway."""


def _key(kind, code, born=None):
    """`<kind>:<name sound>[:<birth date>]`, the sound cut to fit KEY_LENGTH."""
    suffix = f":{born}" if born else ""
    return f"{kind}:{code[:KEY_LENGTH - len(kind) - 1 - len(suffix)]}{suffix}"


def _name_codes(person):
    names = (comparable(person.given_name), comparable(person.family_name))
    codes = set()
    for name in names:
        if name:
            codes.add(jellyfish.metaphone(name) or name)
            for group in _variant_groups(name):  # a nickname finds its full name
                codes.add(f"v{group}")
    return codes
