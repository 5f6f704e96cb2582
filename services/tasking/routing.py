"""Routing rules: which agency owns a referral's tasking item and when it falls due.
Plain code over a YAML file, so the partnership can change its protocol without a release."""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

DEFAULT_RULES = Path(__file__).with_name("routing.yaml")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DURATION = re.compile(r"^P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?$")


class RoutingRulesError(ValueError):
    """The rules file cannot be used: the message says which rule and why."""


@dataclass(frozen=True)
class RoutingRules:
    due_by_risk: dict
    meeting_weekday: int
    meeting_time: tuple
    meeting_zone: ZoneInfo
    owner_by_category: dict
    priority_owner_agency: str = "police"
    priority_due: object = "review_by"  # or a timedelta from when the priority was set

    @classmethod
    def load(cls, path=""):
        raw = yaml.safe_load(Path(path or DEFAULT_RULES).read_text())
        meeting = raw["tasking_meeting"]
        hour, minute = (int(part) for part in str(meeting["time"]).split(":"))
        rules = cls(
            due_by_risk={risk: _parse_due(value) for risk, value in raw["due_by_risk"].items()},
            meeting_weekday=WEEKDAYS.index(meeting["weekday"].lower()),
            meeting_time=(hour, minute),
            meeting_zone=ZoneInfo(meeting["timezone"]),
            owner_by_category=dict(raw["owner_by_category"]),
            priority_owner_agency=raw.get("ward_priority", {}).get("owner_agency", "police"),
            priority_due=_parse_due(raw.get("ward_priority", {}).get("due", "review_by")),
        )
        if "review_by" in rules.due_by_risk.values():
            raise RoutingRulesError("due_by_risk: review_by applies to ward priorities only")
        missing = {"high", "medium", "standard"} - set(rules.due_by_risk)
        if missing:
            raise RoutingRulesError(f"due_by_risk lacks {sorted(missing)}")
        return rules

    def due_by(self, risk_level, submitted_at):
        rule = self.due_by_risk[risk_level]
        if rule == "next_meeting":
            return self.next_meeting_after(submitted_at)
        return submitted_at + rule

    def next_meeting_after(self, moment):
        local = moment.astimezone(self.meeting_zone)
        days_ahead = (self.meeting_weekday - local.weekday()) % 7
        candidate = datetime.combine(local.date() + timedelta(days=days_ahead),
                                     datetime.min.time().replace(hour=self.meeting_time[0],
                                                                 minute=self.meeting_time[1]),
                                     tzinfo=self.meeting_zone)
        if candidate <= local:
            candidate += timedelta(days=7)
        return candidate

    def priority_due_by(self, review_by, set_at):
        """A ward priority's action falls due at the meeting time on its review date (the
        team reports back when the panel reviews it), or a fixed time after it was set."""
        if self.priority_due == "review_by":
            return datetime.combine(review_by, datetime.min.time().replace(
                hour=self.meeting_time[0], minute=self.meeting_time[1]),
                tzinfo=self.meeting_zone)
        if self.priority_due == "next_meeting":
            return self.next_meeting_after(set_at)
        return set_at + self.priority_due

    def owner_agency(self, category, referring_agency):
        owner = self.owner_by_category.get(category, "referring_agency")
        return referring_agency if owner == "referring_agency" else owner


def _parse_due(value):
    if value in ("next_meeting", "review_by"):
        return value
    match = _DURATION.match(str(value))
    if not match or not any(match.groupdict().values()):
        raise RoutingRulesError(f"due time {value!r} is neither an ISO 8601 duration "
                                "(P7D, PT24H), next_meeting nor review_by")
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    return timedelta(**parts)
