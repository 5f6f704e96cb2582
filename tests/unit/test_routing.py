"""When a referral's tasking item falls due, and who owns it: the partnership's defaults."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from services.tasking.routing import RoutingRules, RoutingRulesError

LONDON = ZoneInfo("Europe/London")
RULES = RoutingRules.load()


def test_high_risk_referral_is_due_within_24_hours():
    submitted = datetime(2026, 11, 24, 15, 30, tzinfo=timezone.utc)
    assert RULES.due_by("high", submitted) == submitted + timedelta(hours=24)


def test_medium_risk_referral_is_due_in_7_days():
    submitted = datetime(2026, 11, 24, 15, 30, tzinfo=timezone.utc)
    assert RULES.due_by("medium", submitted) == submitted + timedelta(days=7)


def test_standard_referral_is_due_at_the_next_tasking_meeting():
    wednesday = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
    due = RULES.due_by("standard", wednesday).astimezone(LONDON)
    assert (due.date().isoformat(), due.hour, due.minute) == ("2026-12-01", 10, 0)


def test_a_referral_after_this_weeks_meeting_started_waits_for_next_weeks():
    tuesday_after_meeting = datetime(2026, 12, 1, 10, 30, tzinfo=LONDON)
    assert RULES.due_by("standard", tuesday_after_meeting).date().isoformat() == "2026-12-08"


def test_meeting_time_is_london_time_across_the_clock_change():
    summer = RULES.due_by("standard", datetime(2026, 7, 1, tzinfo=timezone.utc))
    assert summer.astimezone(LONDON).hour == 10 and summer.utcoffset() == timedelta(hours=1)


def test_owner_follows_category_or_stays_with_the_referrer():
    assert RULES.owner_agency("youth_at_risk", "education") == "yot"
    assert RULES.owner_agency("other", "fire") == "fire"


def test_a_rules_file_with_a_bad_due_time_is_refused_with_the_reason(tmp_path):
    broken = tmp_path / "rules.yaml"
    broken.write_text("due_by_risk: {high: soon, medium: P7D, standard: next_meeting}\n"
                      "tasking_meeting: {weekday: tuesday, time: '10:00', "
                      "timezone: Europe/London}\nowner_by_category: {}\n")
    with pytest.raises(RoutingRulesError, match="'soon'"):
        RoutingRules.load(str(broken))
