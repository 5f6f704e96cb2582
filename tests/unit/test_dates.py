"""One way to write a date (shared/dates.py), used by notices, reports, prints and the
chronology alike: "2 December 2026, 19:23", in London time whatever the server's zone."""
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from shared.dates import day_text, moment_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("moment, written", [
    (datetime(2026, 12, 2, 19, 23, tzinfo=timezone.utc), "2 December 2026, 19:23"),
    # British Summer Time: 23:30 UTC is half past midnight the next day in London.
    (datetime(2026, 7, 4, 23, 30, tzinfo=timezone.utc), "5 July 2026, 00:30"),
    ("2026-12-02T19:23:51.123456+00:00", "2 December 2026, 19:23"),
    (datetime(2026, 12, 2, 9, 5), "2 December 2026, 09:05"),  # naive: stored as UTC
    (None, ""),
])
def test_a_moment_is_written_the_one_way_in_london_time(moment, written):
    assert moment_text(moment) == written


@pytest.mark.parametrize("value, written", [
    (date(2026, 12, 2), "2 December 2026"),
    ("2026-03-09", "9 March 2026"),
    (datetime(2026, 7, 4, 23, 30, tzinfo=timezone.utc), "5 July 2026"),
    ("2026-07-04T23:30:00+00:00", "5 July 2026"),
    ("", ""),
])
def test_a_day_is_written_without_a_leading_zero(value, written):
    assert day_text(value) == written


def test_no_service_writes_a_date_its_own_way():
    """A `strftime("%d ...")` for people in a service is a second way to write a date; the
    ones left are for machines (matching keys, the audit chain's canonical form)."""
    human = re.compile(r"strftime\(\"%d |%B|%b")
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for path in (ROOT / "services").rglob("*.py")
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if "strftime" in line and human.search(line)]
    assert offenders == []
