"""The one format of references people can say (shared/references.py): what it prints,
what it reads back, and the near-misses it refuses, since the gateway tries every path
parameter against it and must never take a typo for a record."""
from datetime import datetime, timedelta, timezone

import pytest

from shared.references import (format_reference, is_reference, kind_of, next_reference,
                               parse_reference)


@pytest.mark.parametrize("kind, printed", [
    ("referral", "WL-R-2026-000123"), ("tasking_item", "WL-A-2026-000123"),
    ("pcso_task", "WL-T-2026-000123"), ("intelligence_report", "WL-I-2026-000123"),
    ("case_review", "WL-C-2026-000123")])
def test_each_kind_has_its_letter_and_reads_back(kind, printed):
    assert format_reference(kind, 2026, 123) == printed
    assert parse_reference(printed) == (kind, 2026, 123)
    assert kind_of(printed) == kind


def test_numbers_are_six_digits_zero_padded_up_to_999999():
    assert format_reference("referral", 2027, 1) == "WL-R-2027-000001"
    assert format_reference("referral", 2027, 999999) == "WL-R-2027-999999"
    for number in (0, 1_000_000):
        with pytest.raises(ValueError):
            format_reference("referral", 2027, number)


@pytest.mark.parametrize("near_miss", [
    "wl-r-2026-000123",        # lower case
    "WL-X-2026-000123",        # no such kind
    "WL-R-2026-00123",         # five digits
    "WL-R-2026-0000123",       # seven digits
    "WL-R-26-000123",          # two-digit year
    "WL-R-2026-000000",        # no record is number zero
    "WL-R-2026-000123 ",       # trailing space
    " WL-R-2026-000123",
    "WL-R-2026-000123\n",
    "WLR2026000123",
    "WL-R-2026-00012a",
    "WL-R-2026-٠٠٠١٢٣",        # Arabic-Indic digits match \d, but are not a reference
    "4f1c2d8e-0000-4000-8000-000000000001",  # a UUID is an id, not a reference
    "", None, 123,
])
def test_near_misses_are_not_references(near_miss):
    assert parse_reference(near_miss) is None
    assert not is_reference(near_miss)
    assert kind_of(near_miss) is None


class _Session:
    """Stands in for a session: answers the sequence's statement with the next number."""

    def __init__(self):
        self.asked = []

    def execute(self, statement, params):
        self.asked.append((str(statement), params))
        return self

    def scalar_one(self):
        return len(self.asked)


def test_the_year_is_the_records_creation_year_in_utc():
    session = _Session()
    new_years_eve_in_kiribati = datetime(2027, 1, 1, 9, tzinfo=timezone(timedelta(hours=14)))
    assert next_reference(session, "referral", new_years_eve_in_kiribati) == "WL-R-2026-000001"
    statement, params = session.asked[0]
    assert params == {"kind": "referral", "year": 2026}
    assert "ON CONFLICT (kind, year) DO UPDATE" in statement and "RETURNING" in statement
